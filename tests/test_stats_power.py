"""Group-study power (neurocourse.stats.power) against statsmodels' TTestPower."""

import numpy as np
import pytest
from statsmodels.stats.power import TTestPower

from neurocourse import stats


@pytest.mark.parametrize(("d", "n", "alpha"), [(0.5, 20, 0.05), (0.8, 12, 0.001), (0.3, 60, 1e-4)])
def test_power_matches_statsmodels(d, n, alpha):
    ref1 = TTestPower().power(d, n, alpha, alternative="larger")
    ref2 = TTestPower().power(d, n, alpha, alternative="two-sided")
    # the same non-central t tails (scipy's nct underneath): rounding of the special functions
    assert stats.one_sample_power(d, n, alpha) == pytest.approx(ref1, rel=1e-9)
    assert stats.one_sample_power(d, n, alpha, tail=0) == pytest.approx(ref2, rel=1e-9)


def test_subjects_for_power_matches_statsmodels_solve():
    n_ref = TTestPower().solve_power(0.5, power=0.8, alpha=0.05, alternative="larger")
    assert stats.subjects_for_power(0.5) == int(np.ceil(n_ref))  # statsmodels gives a real n


def test_zero_effect_has_power_alpha():
    assert stats.one_sample_power(0.0, 15, 0.05) == pytest.approx(0.05, rel=1e-10)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.one_sample_power(0.5, 1), "n_subjects must be integers >= 2"),
    (lambda: stats.one_sample_power(0.5, 10, tail=-1), "tail must be one of"),
    (lambda: stats.subjects_for_power(0.0), "effect_size must be in"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
