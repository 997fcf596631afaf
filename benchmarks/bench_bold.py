"""Time neurocourse.bold.simulate_balloon (fixed-step RK4) against scipy's adaptive DOP853 on the same
piecewise-constant input, in the same run, and print the medians, their ratio and the accuracy.

Run: .venv/bin/python benchmarks/bench_bold.py
"""

import itertools
import timeit

import numpy as np
from scipy.integrate import solve_ivp

from neurocourse.bold import BalloonParams, simulate_balloon

P = BalloonParams()
DT = 0.01
T = np.arange(round(40 / DT)) * DT
X = np.where((T >= 1) & (T < 21), 0.3, 0.0)


def scipy_reference(x, dt, rtol):
    def rhs(_t, y, u):
        s, f, v, q = y
        fout = v ** (1 / P.alpha)
        E = 1 - (1 - P.E0) ** (1 / f)
        return [u - P.kappa * s - P.gamma * (f - 1), s, (f - fout) / P.tau,
                (f * E / P.E0 - fout * q / v) / P.tau]

    n = len(x)
    out = np.empty((4, n))
    y = np.array([0.0, 1.0, 1.0, 1.0])
    out[:, 0] = y
    edges = [0, *list(np.flatnonzero(np.diff(x)) + 1), n]
    for a, b in itertools.pairwise(edges):
        stop = min(b, n - 1)
        if stop <= a:
            continue
        sol = solve_ivp(rhs, (a * dt, stop * dt), y, method="DOP853",
                        t_eval=np.arange(a, stop + 1) * dt, args=(x[a],), rtol=rtol,
                        atol=rtol * 1e-2)
        out[:, a:stop + 1] = sol.y
        y = sol.y[:, -1]
    return out


def main():
    ours = min(timeit.repeat(lambda: simulate_balloon(X, DT), number=1, repeat=7))
    ref_t = min(timeit.repeat(lambda: scipy_reference(X, DT, 1e-8), number=1, repeat=7))
    tight = scipy_reference(X, DT, 1e-12)
    q = simulate_balloon(X, DT).q
    err = np.max(np.abs(q - tight[3])) / np.max(np.abs(tight[3] - 1))
    print(f"balloon, {len(X)} samples at dt = {DT} s")
    print(f"  neurocourse RK4        : {1e3 * ours:8.1f} ms (best of 7)")
    print(f"  scipy DOP853 rtol 1e-8 : {1e3 * ref_t:8.1f} ms (best of 7)")
    print(f"  ratio neurocourse/scipy: {ours / ref_t:8.2f}")
    print(f"  max relative error of q vs DOP853 at rtol 1e-12: {err:.1e} (contract 1e-4)")
    X2 = np.column_stack([X * k for k in np.linspace(0.1, 1.0, 50)])
    many = min(timeit.repeat(lambda: simulate_balloon(X2, DT), number=1, repeat=3))
    print(f"  50 regions at once (2-D input): {1e3 * many:.1f} ms")


if __name__ == "__main__":
    main()
