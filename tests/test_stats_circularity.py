"""Double dipping (neurocourse.stats.circularity): biased on null data when circular, not otherwise."""

import numpy as np
import pytest

from neurocourse import stats


def test_circular_selection_is_biased_on_null_data_and_independent_is_not():
    circ, indep = [], []
    for seed in range(30):  # independent null studies
        st = stats.simulate_group_study(16, (24, 24), 2.0, rng=seed)
        r = stats.selection_bias(st.Y, 2.0, rng=seed)
        circ.append(r.circular)
        indep.append(r.independent)
    circ, indep = np.array(circ), np.array(indep)
    # selected at t > 2 with 16 subjects: each selected voxel's mean exceeds 2 s / 4 = s / 2, with
    # s its sample SD (about 1 +- 0.18): every study's average is well above 0, the mean near 0.5
    assert np.all(circ > 0.25) and circ.mean() > 0.45
    # independent halves: mean zero; 30 studies with SE ~0.25/sqrt(30*k) -> |mean| < 0.1
    assert abs(np.nanmean(indep)) < 0.1


def test_bad_input():
    with pytest.raises(ValueError, match="Y must have at least 4 subjects"):
        stats.selection_bias(np.ones((3, 5)), 2.0)
    with pytest.raises(ValueError, match="threshold must be > 0"):
        stats.selection_bias(np.ones((6, 5)), 0.0)
