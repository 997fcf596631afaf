"""Benchmark: EEG sphere lead field, neurocourse vs MNE-Python, in the same run.

64 and 256 electrodes × 5 000 sources in MNE's default four-shell sphere (relative radii
0.90/0.92/0.97/1.0 of 0.09 m; 0.33, 1.0, 0.004, 0.33 S/m). MNE is timed on
``make_forward_solution`` with a prepared discrete source space and ``make_sphere_model(r0,
head_radius=0.09)`` (its Berg–Scherg approximation, fitted once in ``make_sphere_model``);
neurocourse on ``eeg.lead_field`` (the exact series, rtol 1e-12) and on
``eeg.berg_scherg_lead_field`` (the same approximation, its fit cached after the first call,
which is timed separately). Prints the medians of ``--repeats`` runs, the time ratios, the
exact-vs-MNE difference (which is the Berg–Scherg approximation error), our Berg–Scherg path
against MNE (goal: equal to 1e-8), and the load average.

Run: ``.venv/bin/python benchmarks/bench_eeg.py [--sources 5000] [--repeats 5]``

Where the time goes (2-core machine shared by ~8 engineers; MNE, exact series and Berg–Scherg
interleaved run by run)
------------------------------------------------------------------------------------------
Before (commit 23bf77f, one run each, load average 6.9): exact series 0.144 s / 0.390 s at 64 /
256 electrodes (7.1× / 3.65× MNE), Berg–Scherg 0.307 s / 1.463 s (3.3× / 0.97×). The series
spent ~50 % in its degree loop (10 passes per degree over (E, k) blocks, seven block-sized
buffers allocated per block) and ~45 % assembling (E, S, 3) through six block-sized temporaries
and a fancy-indexed scatter (0.23 s of 0.45 s at 256 electrodes, load 8.8). Berg–Scherg called
the homogeneous kernel three times, each with (E, S, 3) temporaries, a threaded GEMM and its
own validation.

After: the series runs on the scaled terms R_n = (2n+1) f_n b^(n-1) P_n(x) with the derivative
series rewritten in P_m (7 in-place passes per degree), reuses its work buffers and writes the
three components in place; the tail bound uses max |f_n| over the tail (8 % fewer terms, 233 013
-> 208 686 over the 5 000 sources). At 256 electrodes (load 7.3): degree loop 0.33 s,
coefficients 0.04 s, output scatter ~0.04 s, geometry 0.01 s. Berg–Scherg sums the three
images per (electrode, source) pair into two scalars before forming the components
(``scaled_dipoles_lead_field``): 0.41 s -> 0.060 s at 256 electrodes in an interleaved A/B run
(load 9.7), equal to 3.3e-15.

Measured (this script, median of 5 interleaved runs, load average 8.3 -> 12.5):
64 electrodes: MNE 1.185 s, exact 0.146 s (8.1×), Berg–Scherg 0.030 s (39×);
256 electrodes: MNE 2.442 s, exact 0.469 s (5.2×), Berg–Scherg 0.157 s (15.5×);
our Berg–Scherg equals MNE to 2.4e-15 / 3.0e-15 of max |G|.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from _timing import median_time


def _electrodes(n, R, center, rng):
    u = rng.normal(size=(n, 3))
    u[:, 2] = np.abs(u[:, 2])
    return center + R * u / np.linalg.norm(u, axis=1, keepdims=True)


def main(n_sources: int = 5000, repeats: int = 5, n_electrodes=(64, 256)) -> list:
    import mne

    from neurocourse import eeg
    from neurocourse.eeg import berg_scherg

    mne.set_log_level("ERROR")
    rng = np.random.default_rng(0)
    center, R = np.array([0.0, 0.0, 0.04]), 0.09
    rel = np.array(eeg.MNE_SPHERE_RELATIVE_RADII)
    sig = np.array(eeg.MNE_SPHERE_SIGMAS)
    u = rng.normal(size=(n_sources, 3))
    rr = center + u / np.linalg.norm(u, axis=1, keepdims=True) * rng.uniform(
        0.005, 0.07, size=(n_sources, 1))  # up to 0.86 of the brain radius (81 mm)
    src = mne.setup_volume_source_space(pos=dict(rr=rr, nn=np.tile([0.0, 0, 1], (n_sources, 1))))
    t_fit_mne, sphere = median_time(lambda: mne.make_sphere_model(r0=center, head_radius=R), 1)
    t_fit, _ = median_time(lambda: berg_scherg.fit_berg_scherg(rel, sig), 1)
    results = []
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), machine shared by ~8 users")
    print(f"Berg-Scherg fit (first call, then cached): MNE make_sphere_model {t_fit_mne:.3f} s, "
          f"neurocourse fit_berg_scherg {t_fit:.3f} s")
    for n_el in n_electrodes:
        el = _electrodes(n_el, R, center, rng)
        names = [f"E{i:03d}" for i in range(n_el)]
        info = mne.create_info(names, 1000.0, "eeg")
        info.set_montage(mne.channels.make_dig_montage(ch_pos=dict(zip(names, el)),
                                                       coord_frame="head"))
        runs = {
            "mne": lambda info=info: mne.make_forward_solution(
                info, None, src, sphere, meg=False, eeg=True, mindist=0),
            "exact": lambda el=el: eeg.lead_field(rr, el, rel * R, sig, center),
            # the fit is cached after its first call, as MNE's is (make_sphere_model fits it)
            "bs": lambda el=el: berg_scherg.berg_scherg_lead_field(
                rr, el, rel * R, sig, center, berg_scherg.fit_berg_scherg(rel, sig)),
        }
        times, res = {k: [] for k in runs}, {}
        for _ in range(repeats):  # interleaved, so that the three see the same load over time
            for k, fn in runs.items():
                t, res[k] = median_time(fn, 1)
                times[k].append(t)
        t_mne, t_ex, t_bs = (float(np.median(times[k])) for k in runs)
        fwd, G, Gb = res["mne"], res["exact"], res["bs"]
        Gm = fwd["sol"]["data"]
        bs_err = float(np.linalg.norm(G - Gm) / np.linalg.norm(G))
        bs_max = float(np.max(np.abs(G - Gm)) / np.abs(G).max())
        same = float(np.max(np.abs(Gb - Gm)) / np.abs(Gm).max())
        print(f"\nEEG sphere lead field, {n_el} electrodes x {n_sources} sources "
              f"(median of {repeats} interleaved runs)")
        print(f"  MNE make_forward_solution (Berg-Scherg) : {t_mne:8.3f} s")
        print(f"  neurocourse exact series (rtol 1e-12)   : {t_ex:8.3f} s   "
              f"ratio MNE/ours {t_mne / t_ex:6.2f}x (goal >= 5)")
        print(f"  neurocourse Berg-Scherg (fit cached)    : {t_bs:8.3f} s   "
              f"ratio MNE/ours {t_mne / t_bs:6.2f}x")
        print(f"  exact vs MNE = Berg-Scherg error        : {bs_err:.2e} relative Frobenius, "
              f"{bs_max:.2e} max/max|G|")
        print(f"  our Berg-Scherg vs MNE                  : {same:.2e} max/max|G| (goal <= 1e-8)")
        results.append({"n_electrodes": n_el, "t_mne": t_mne, "t_exact": t_ex, "t_bs": t_bs,
                        "ratio_exact": t_mne / t_ex, "ratio_bs": t_mne / t_bs,
                        "bs_error": bs_err, "bs_vs_mne": same})
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min)")
    return results


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sources", type=int, default=5000)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    main(a.sources, a.repeats)
