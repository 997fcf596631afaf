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
columns: 2 conditions, 8 cosine drifts, the constant).

Round 1, the residual form (OLS residuals materialised): 69 ms, X.T @ Y 10.5 ms.
Round 2, the moment form (one pass over Y in 8 MB voxel blocks, then the per-voxel algebra on whole
(r, V) arrays): 24.5 ms at load 0.7, X.T @ Y 10.1 ms, nilearn 750 ms: 2.4 floors, 31x nilearn;
with 2 BLAS threads no faster (23.4 ms): the ten block products each wake the BLAS's threads and
the rest of the fit is single-threaded.
Round 3, three changes, each measured A/B in one run (ms, same load):
  * the product carries Q'd for an orthonormal basis Q of the range of (I - UU')NU instead of
    (NU)'d: cosine drifts and the constant are eigenvectors of the lag-1 sum but for the end scans,
    so Q has 4 columns instead of 11 and the stacked product 16 rows instead of 24 (27.1 vs 33.6);
  * each 4 MB voxel block of Y goes through its moments, its OLS sums and its refit while in cache
    (29.8-30.9 vs 30.4-32.5 for 8 MB blocks), with every output in one allocation, so that numpy's
    huge-page advice applies: a 4 KiB page fault costs ~2 us in this VM and the fit faulted 2 950
    pages (~6 ms) a call, now 120;
  * the blocks' moments (four long numpy calls, which release the interpreter lock) run on as many
    threads as the BLAS may use, each with one BLAS thread, ahead of the light per-block algebra on
    the calling thread (neurocourse.parallel.map_pipelined); results are bitwise the same.
  Per-line profile then, one thread, load 0.7 (ms): the product 8.0, d = y - y_0 6.8 (the one read of
  Y from memory, ~12 GB/s), sum d^2 2.6, sum d_t d_t+1 2.6; the per-voxel algebra 7.7 in all (no
  line above 0.6); the design's SVDs 0.5. The product runs at ~40 GFlop/s (near this core's
  double-precision peak with OpenBLAS's Haswell kernel), so the pass costs ~1.8 floors by itself.

Measured in round 3 (20:24 UTC, load 0.7): 1 thread 27.7 ms, nilearn 724 ms (26.1x, 2.5x the floor);
2 threads 22.0 ms wall, nilearn 678 ms (30.8x, 3.3x); later runs drifted with the VM to 18.7-37.3x.

Round 4 (next session), each change A/B in one run, fit + t contrast, medians of 30 interleaved calls:
  * neurocourse.parallel.map_pipelined: the calling thread produces blocks too whenever the next
    product it needs is not ready (work sharing), so two threads run on two cores instead of two
    producers plus the consumer: 2 threads 23.1 vs 29.3 ms wall, CPU 41 vs 44 ms;
  * 8 MB voxel blocks instead of 4 MB: Y is read in rows of 5242 contiguous values instead of 2621,
    and forming d went from 7.4 to 4.6 ms a fit; whole fit 23.2 vs 26.0 ms (2 threads), 33.6 vs
    34.1 ms (1 thread); 16 MB blocks were slower (29.0 / 47.7 ms);
  * one single-threaded-BLAS context per fit instead of three, the rank from the design's own SVD,
    the whitened Gram inverses by the Woodbury identity: 25.0 vs 25.5 ms (2 threads);
  * the 8 MiB buffers for d kept between fits: allocated afresh, they and the outputs grew and
    trimmed the heap every fit, 1.7-2.5k page faults a fit on two threads in some sequences of calls
    (none in this script's); in separate processes 23.0-27.3 vs 25.9-33.6 ms median (2 threads).
  Where a one-thread fit goes now (30 fits, 23:19 UTC): the moments 23.4 ms (forming d ~5, the
  product ~9, the two sums of squares ~2.5 each), the per-block algebra 7.8 ms, the serial rest
  ~1.5 ms. Two threads: ~1 ms before the first block (the design's SVDs), ~0.5 ms after the last.
  Under two threads every step of the pass costs more CPU than on one (forming d +40-60 %, the
  product +30 %, the sums of squares +70-90 %): the two vCPUs share more than their memory bus.
  Tried and dropped, no gain measured: the products written into arrays allocated by the calling
  thread, the product and sums on column halves or quarters of each block, leaving
  the last blocks to the helper thread, a product read straight from Y (slower: 19.4 vs 17.9 ms for
  the moments, as BLAS packs a strided block more slowly than the contiguous d), and a fused numba
  loop for d and both sums of squares (14.7 ms against ~11 ms for numpy's three passes; not added).

Measured (this script, the final code, six runs back to back, 23:46-23:47 UTC, load 1.2-1.5),
1 thread / 2 threads:
  ours 27.3 / 21.8 ms, nilearn 751 / 748 ms: 27.5x / 34.4x (2.0x / 2.7x the floor)
  ours 28.3 / 21.6 ms, nilearn 748 / 875 ms: 26.5x / 40.5x
  ours 41.1 / 22.4 ms, nilearn 788 / 751 ms: 19.2x / 33.6x
  ours 29.8 / 19.4 ms, nilearn 747 / 818 ms: 25.1x / 42.2x
  ours 28.0 / 23.2 ms, nilearn 769 / 784 ms: 27.4x / 33.7x
  ours 27.8 / 21.5 ms, nilearn 821 / 796 ms: 29.5x / 37.1x
  Agreement in every run: t 1.1e-11, F 1.3e-11, effect 4.7e-12, variance 3.2e-14, all 98 bins equal.
  Six runs just before the last two changes (23:26-23:27, load 0.5-1.2): 2 threads 46.7, 34.1, 41.4,
  35.2, 33.6, 46.8x; 1 thread 23.6-27.1x.
The goal of >= 40x is met with two threads in 2 of the final 6 runs (11 of 23 this session, over
the successive versions), never with one. Two threads run in 18.5-19.4 ms wall and 33-34 ms CPU in
the good runs, 21.5-23.4 ms and 38-41 ms CPU in the others, with no page faults in either: the same
work costs this VM's two vCPUs up to 50 % more when they run together, more in some periods than in
others. nilearn costs 55-75 single-threaded floors (X.T @ Y) here; 40x on one thread would need
1.4-1.9 floors for the whole fit, and the pass over Y alone (the product 0.8, forming d 0.4, the two
sums of squares 0.4) costs ~1.6 before any per-voxel algebra.
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
