"""Benchmark: AR(1) GLM on T = 200 scans x V = 50 000 voxels, neurocourse vs nilearn, same run.

Prints, for single-threaded OpenBLAS and for its default thread count (each block is one run, so its
ratios are measured side by side), the median wall time and the median CPU time of
  * ``neurocourse.glm.fit_glm(Y, X, "ar1")`` + a t contrast,
  * ``nilearn.glm.first_level.run_glm(Y, X, noise_model="ar1")`` + ``compute_contrast`` (goal: ours
    >= 40x faster),
  * a single ``X.T @ Y`` (reading Y once: the floor; goal: ours <= 4x of it),
the ratios, the agreement with nilearn (t, F, effect and variance, every rho bin) and the load
average. Usage: ``.venv/bin/python benchmarks/bench_glm.py [--voxels 50000] [--repeats 7]``.

Where the time goes (issue 19; CPU ms per fit + t contrast at T = 200 x V = 50 000, X with 11
columns, OpenBLAS 1 thread, per-line profile, load average 10-16 on 2 cores, so +-15 %):

Before (the residual form: OLS residuals materialised, 69 ms; X.T @ Y 10.5 ms):
  17.1  the stacked product [X'; neighbours'; 1'] @ residuals (23 rows, on an 80 MB temporary)
  11.2  pinv(X) @ Y                       9.8  X @ beta (the residuals, 80 MB of fresh pages)
   3.9  Y - X beta                        8.3  sum r^2 and sum r_t r_t+1 (two passes over 80 MB)
   6.5  pinv of the whitened design per rho bin (batched SVD of 60 x (200, 11))
   5.0  gather of (p, p) covariances per voxel   3.0  U'W'Wr right-hand sides (fresh temporaries)
   2.6  rho, np.unique, finiteness, rss
After (the moment form, 27-30 ms; per-line profile, load 3-8):
  20-25 the one pass over Y, in 8 MB voxel blocks of d = y - y_0: one product with the 24 stacked
        rows [(NU)'; U'; y_0 slot; zero padding] (12.7 ms over all blocks; 23 rows would take 16 ms),
        sum d^2 and sum d_t d_t+1 while the block is in cache (2 x 2.1 ms), the subtraction (~2 ms)
        and the first touch of the 10 MB of moments
   2.0  C(rho)^-1 U'W'W r voxel by voxel: U is the eigenbasis of U'NU, so C is diagonal plus rank 2
        (Woodbury, elementwise); 1.3 ms more for (NU)'r = (NU)'d - diag(lam) U'd
   1.4  beta = beta_OLS + V S^-1 delta;  0.6  beta_OLS and the first/last residuals (one product)
   2-3  rho, bins, rss, the (r, r) inverses per bin, the contrast
The floor X.T @ Y is itself a product with 11 rows that reads Y once; the product above runs at
~38 GFlop/s (near this core's double-precision peak), so the pass costs ~2 floors and the rest ~0.7:
2.6-3.1x X.T @ Y in all, against 7.0-7.2x before (same harness, same load: 73-76 ms vs 33-35 ms).

Measured (this script, 17:22 UTC, load 2.6-3.0): 1 thread: ours 46 ms wall / 28 ms CPU, nilearn
970 / 952 ms, X.T @ Y 16 / 10.5 ms: 21x (CPU 34x) faster than nilearn, 2.9x (CPU 2.6x) the floor.
2 threads: ours 56 ms, nilearn 2819 ms, X.T @ Y 13 ms: 50x faster than nilearn, 4.3x the floor.
Under heavier load (8-13) the 1-thread ratios hold (19-28x, 2.8-3.1x) but every threaded BLAS call
waits ~10-20 ms for its second thread: the fit makes ~12 of them (10 voxel blocks, two products), so
with 2 threads it took 470-530 ms there (the floor 40-52 ms, nilearn 4.8-10.8 s).
nilearn spends 680-950 ms CPU single-threaded (53-90 floors), mostly in Python per rho bin and in
whitening each bin's data: 40x single-threaded would need < 2.4 floors in all, i.e. barely more than
the one product (1.2 floors) and the two sums of squares.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
from _timing import median_time


def _timed(fn, repeats):
    """Median wall time (benchmarks/_timing.py), median CPU time of this process (s), last result."""
    cpu = []

    def run():
        c0 = time.process_time()
        out = fn()
        cpu.append(time.process_time() - c0)
        return out

    wall, out = median_time(run, repeats)
    return wall, float(statistics.median(cpu)), out


def _rel(a, b, floor=1.0):
    """Max |a - b| / max(|b|, floor): relative, with values below the floor compared absolutely."""
    return float(np.max(np.abs(np.asarray(a) - b) / np.maximum(np.abs(b), floor)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--voxels", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--nilearn-repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from nilearn.glm.contrasts import compute_contrast
    from nilearn.glm.first_level import run_glm
    from threadpoolctl import threadpool_info, threadpool_limits

    from neurocourse import design, glm
    from neurocourse.parallel import blas_threads

    n, v = args.scans, args.voxels
    tr = 2.0
    ft = design.frame_times(n, tr)
    onsets = np.arange(10.0, n * tr - 30, 18.0)
    events = design.make_events(onsets, 6.0, 1.0, np.where(np.arange(onsets.size) % 2, "B", "A"))
    X = np.asarray(design.make_design_matrix(ft, events, hrf_model="glover").matrix)
    rng = np.random.default_rng(0)
    beta = rng.normal(0.0, 1.0, (X.shape[1], v))
    beta[-1] = 1000.0
    Y = design.simulate_voxels(X, beta, rho=rng.uniform(0.0, 0.6, v), sigma=2.0, rng=rng)
    c = np.zeros(X.shape[1])
    c[:2] = [1.0, -1.0]
    f = np.eye(X.shape[1])[:2]

    def ours():
        return glm.fit_glm(Y, X, "ar1").contrast(c).stat  # p and z are computed on demand, as in nilearn

    def nilearn_fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run_glm(Y, X, noise_model="ar1")

    def theirs():
        labels, results = nilearn_fit()
        return compute_contrast(labels, results, c).stat()

    def floor():
        return X.T @ Y

    default = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=1)
    print(f"AR(1) GLM, T = {n} scans x V = {v} voxels, X has {X.shape[1]} columns; {os.cpu_count()} CPUs")
    for threads in sorted({1, default}):
        with threadpool_limits(limits=threads, user_api="blas"):
            load0 = os.getloadavg()
            ours()  # warm up (BLAS threads, page faults)
            w_ours, c_ours, _ = _timed(ours, args.repeats)
            w_floor, c_floor, _ = _timed(floor, args.repeats)
            w_nil, c_nil, _ = _timed(theirs, args.nilearn_repeats)
            load1 = os.getloadavg()
            used = blas_threads()
        print(f"\nOpenBLAS threads = {threads} (neurocourse: {used} thread(s) over its voxel blocks, one BLAS "
              f"thread each; nilearn and X.T @ Y: threaded BLAS)")
        print(f"load average {load0[0]:.1f} -> {load1[0]:.1f} (1 min)")
        print("                                   wall ms     CPU ms")
        rows = [
            ("neurocourse fit_glm + contrast", w_ours, c_ours, args.repeats),
            ("nilearn run_glm + contrast", w_nil, c_nil, args.nilearn_repeats),
            ("single X.T @ Y", w_floor, c_floor, args.repeats),
        ]
        for label, wall, cpu, reps in rows:
            print(f"  {label:31s}: {wall * 1e3:8.1f}  {cpu * 1e3:9.1f}  (median of {reps})")
        print(f"  speed-up vs nilearn            : {w_nil / w_ours:8.1f}x {c_nil / c_ours:9.1f}x  (goal >= 40)")
        print(f"  cost vs X.T @ Y                : {w_ours / w_floor:8.1f}x {c_ours / c_floor:9.1f}x  (goal <= 4)")

    # Agreement, every rho bin (outside the timing): t, F, effect and variance of the same contrasts.
    labels, results = nilearn_fit()
    res = glm.fit_glm(Y, X, "ar1")
    mine_t, mine_f = res.contrast(c), res.contrast(f)
    their_t, their_f = compute_contrast(labels, results, c), compute_contrast(labels, results, f)
    same_bins = np.array_equal(res.rho, labels.astype(float))
    print(f"\nAgreement with nilearn over {len(results)} rho bins (bins identical: {same_bins}),")
    print("max |ours - nilearn| / max(|nilearn|, 1) (variance: / |nilearn|):")
    print(f"  t {_rel(mine_t.stat, their_t.stat()):.1e}   F {_rel(mine_f.stat, their_f.stat()):.1e}   "
          f"effect {_rel(mine_t.effect, their_t.effect_size()):.1e}   "
          f"variance {_rel(mine_t.variance, their_t.effect_variance(), 0.0):.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
