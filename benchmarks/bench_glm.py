"""Benchmark: AR(1) GLM on T = 200 scans x V = 50 000 voxels, neurocourse vs nilearn, same run.

Prints the median wall time of
  * ``neurocourse.glm.fit_glm(Y, X, "ar1")`` + a t contrast,
  * ``nilearn.glm.first_level.run_glm(Y, X, noise_model="ar1")`` + ``compute_contrast`` (goal: ours
    >= 10x faster, with identical t),
  * a single ``X.T @ Y`` (the memory-bandwidth floor; goal: ours <= 15x of it),
and the ratios. Usage: ``.venv/bin/python benchmarks/bench_glm.py [--voxels 50000] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _timing import median_time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--voxels", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--nilearn-repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from nilearn.glm.contrasts import compute_contrast
    from nilearn.glm.first_level import run_glm

    from neurocourse import design, glm

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

    def ours():
        return glm.fit_glm(Y, X, "ar1").contrast(c).stat  # p and z are computed on demand, as in nilearn

    def theirs():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels, results = run_glm(Y, X, noise_model="ar1")
            return compute_contrast(labels, results, c).stat()

    def floor():
        return X.T @ Y

    ours()  # warm up (BLAS threads, page faults)
    t_ours, t_stat = median_time(ours, args.repeats)
    t_floor, _ = median_time(floor, args.repeats)
    t_nil, t_nilearn = median_time(theirs, args.nilearn_repeats)
    # relative difference, with |t| floored at 1 so that t ~ 0 voxels compare absolutely
    diff = np.max(np.abs(t_stat - t_nilearn) / np.maximum(np.abs(t_nilearn), 1.0))

    print(f"AR(1) GLM, T = {n} scans x V = {v} voxels, X has {X.shape[1]} columns")
    print(f"  neurocourse fit_glm + contrast : {t_ours * 1e3:9.1f} ms (median of {args.repeats})")
    print(f"  nilearn run_glm + contrast     : {t_nil * 1e3:9.1f} ms (median of {args.nilearn_repeats})")
    print(f"  single X.T @ Y                 : {t_floor * 1e3:9.1f} ms (median of {args.repeats})")
    print(f"  speed-up vs nilearn            : {t_nil / t_ours:9.1f} x   (goal >= 10)")
    print(f"  cost vs X.T @ Y                : {t_ours / t_floor:9.1f} x   (goal <= 15)")
    print(f"  max |dt| / max(|t|, 1)         : {diff:9.1e}")


if __name__ == "__main__":
    main()
