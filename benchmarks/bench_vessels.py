"""Time the GRE/SE vessel-size Monte Carlo against its 30 s goal.

The full curve: 10^4 spins × 12 radii (1–100 µm), gradient echo and spin echo, one field and
one echo time each (3 T; GRE TE = 30 ms, SE TE = 60 ms, both from the same walks). No reference
library implements this simulation, so the script prints the median wall time over a few
repeats against the goal instead of a ratio.

Run: .venv/bin/python benchmarks/bench_vessels.py [repeats]
"""

import sys
import time

import numpy as np

from neurocourse.vessels import simulate_vessel_mc

GOAL_S = 30.0


def main(repeats: int = 3) -> None:
    radii = np.geomspace(1e-6, 100e-6, 12)
    times = []
    for k in range(repeats):
        t0 = time.perf_counter()
        res = simulate_vessel_mc(radii, B0=3.0, TE=[0.03, 0.06], n_spins=10_000, rng=k)
        times.append(time.perf_counter() - t0)
    med = float(np.median(times))
    print("simulate_vessel_mc: 10^4 spins x 12 radii, GE + SE, 3 T, TE 30/60 ms")
    print(f"  times (s): {', '.join(f'{t:.2f}' for t in times)}")
    print(f"  median {med:.2f} s vs goal {GOAL_S:.0f} s -> {med / GOAL_S:.2f} of the budget "
          f"({'PASS' if med <= GOAL_S else 'FAIL'})")
    print(f"  SE dR2 peak at R = {radii[np.argmax(res.dR2_se[0, 1])] * 1e6:.1f} um; "
          f"GE dR2* at 100 um = {res.dR2star_ge[0, 0, -1]:.2f} 1/s "
          f"(YH static {res.static_dR2star[0, 0]:.2f} 1/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
