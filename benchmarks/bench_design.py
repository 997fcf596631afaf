"""Benchmark: first-level design matrix, neurocourse vs nilearn, in the same run.

Builds the same design (T = 300 scans at TR = 2 s, 4 conditions x 30 events, "spm + derivative +
dispersion", cosine drift at 1/128 Hz, six motion regressors) with
``neurocourse.design.make_design_matrix`` and ``nilearn.glm.first_level.
make_first_level_design_matrix``, checks that the matrices agree, and prints medians and the ratio.
Run with ``.venv/bin/python benchmarks/bench_design.py``.
"""

import warnings

import numpy as np
from _timing import median_time

from neurocourse import design

N_REPEAT = 7




def main():
    import pandas as pd
    from nilearn.glm.first_level import make_first_level_design_matrix

    rng = np.random.default_rng(0)
    n_scans, tr = 300, 2.0
    ft = design.frame_times(n_scans, tr)
    n_ev = 120
    onsets = np.sort(rng.uniform(0, n_scans * tr - 30, n_ev))
    durations = rng.choice([0.0, 2.0], n_ev)
    conditions = rng.choice(["a", "b", "c", "d"], n_ev)
    motion = 0.1 * rng.standard_normal((n_scans, 6))
    kw = dict(hrf_model="spm + derivative + dispersion", drift_model="cosine", high_pass=1 / 128,
              add_regs=motion)
    frame = pd.DataFrame({"onset": onsets, "duration": durations, "trial_type": conditions})
    events = design.make_events(onsets, durations, 1.0, conditions)

    def ours():
        return design.make_design_matrix(ft, events, **kw).matrix

    def theirs():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return make_first_level_design_matrix(ft, frame, **kw).to_numpy()

    t_ours, X1 = median_time(ours, N_REPEAT)
    t_theirs, X2 = median_time(theirs, N_REPEAT)
    print(f"design matrix {X1.shape}: max |difference| = {np.max(np.abs(X1 - X2)):.2e}")
    print(f"neurocourse  median {1e3 * t_ours:8.2f} ms")
    print(f"nilearn      median {1e3 * t_theirs:8.2f} ms")
    print(f"ratio nilearn / neurocourse = {t_theirs / t_ours:.2f}x")


if __name__ == "__main__":
    main()
