"""Max-statistic sign flipping (neurocourse.stats.permutation) against MNE, nilearn and brute force."""

import itertools
import warnings

import mne
import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import scipy.stats
from nilearn.glm.second_level import non_parametric_inference

from neurocourse import stats


def _data(seed=0, n=10, v=25, mu=0.0):
    Y = np.random.default_rng(seed).standard_normal((n, v))
    Y[:, :3] += mu
    return Y


def _brute_force(Y, tail):
    """Every sign pattern, one scipy t-test each: an independent (slow, loop) reference."""
    n = Y.shape[0]
    maxima = []
    for signs in itertools.product([1.0, -1.0], repeat=n):
        t = scipy.stats.ttest_1samp(np.asarray(signs)[:, None] * Y, 0.0, axis=0).statistic
        maxima.append(np.abs(t).max() if tail == 0 else (t.max() if tail == 1 else t.min()))
    maxima = np.asarray(maxima)
    t_obs = scipy.stats.ttest_1samp(Y, 0.0, axis=0).statistic
    # class B guard of the reference: permuted maxima compared with obs * (1 - 1e-12)
    if tail == 0:
        return t_obs, (maxima[None] >= np.abs(t_obs)[:, None] * (1 - 1e-12)).mean(axis=1)
    if tail == 1:
        return t_obs, (maxima[None] >= t_obs[:, None] - 1e-12 * np.abs(t_obs)[:, None]).mean(axis=1)
    return t_obs, (maxima[None] <= t_obs[:, None] + 1e-12 * np.abs(t_obs)[:, None]).mean(axis=1)


def test_exact_two_sided_equals_mne():
    Y = _data(mu=1.0)
    res = stats.permutation_fwe(Y)
    # n_permutations >= 2**n makes MNE enumerate exactly (its 'all' is one pattern short)
    t_ref, p_ref, h0 = mne.stats.permutation_t_test(Y, n_permutations=2**10, tail=0, verbose=False)
    assert res.exact and res.n_permutations == 2**9 == h0.size
    np.testing.assert_allclose(res.t, t_ref, rtol=1e-10)  # class A
    np.testing.assert_array_equal(res.p_fwe, p_ref)  # class B: identical under exact enumeration
    np.testing.assert_allclose(np.sort(res.null_max), h0, rtol=1e-10)


@pytest.mark.parametrize("tail", [0, 1, -1])
def test_exact_matches_brute_force_enumeration(tail):
    Y = _data(1, n=8, v=12, mu=0.8 * (tail or 1))
    res = stats.permutation_fwe(Y, tail=tail)
    t_ref, p_ref = _brute_force(Y, tail)
    np.testing.assert_allclose(res.t, t_ref, rtol=1e-10)
    np.testing.assert_array_equal(res.p_fwe, p_ref)  # class B


def test_minimum_p_is_one_over_the_number_of_patterns():
    Y = np.abs(_data(2, n=8, v=5)) + 3.0  # every subject positive: the identity is the maximum
    res2 = stats.permutation_fwe(Y, tail=0)
    res1 = stats.permutation_fwe(Y, tail=1)
    # identity and its global flip reach max|t|: 2 / 2^n two-sided; 1 / 2^n one-sided
    assert res2.p_fwe.min() == 2 / 2**8 == 1 / res2.n_permutations
    assert res1.p_fwe.min() == 1 / 2**8 == 1 / res1.n_permutations
    assert res1.null_max[0] == pytest.approx(res1.t.max(), rel=1e-12)  # row 0 is the identity


def test_random_patterns_within_monte_carlo_bound_of_exact():
    Y = _data(3, n=12, v=30, mu=0.9)
    exact = stats.permutation_fwe(Y)
    B = 2000
    rand = stats.permutation_fwe(Y, n_permutations=B, rng=7)
    assert not rand.exact and rand.n_permutations == B
    p = exact.p_fwe
    # class C: |dp| <= 4 sqrt(p(1-p)/B) + 1/B
    assert np.all(np.abs(rand.p_fwe - p) <= 4 * np.sqrt(p * (1 - p) / B) + 1 / B)
    np.testing.assert_array_equal(rand.p_fwe,
                                  stats.permutation_fwe(Y, n_permutations=B, rng=7).p_fwe)  # seeded


def test_one_sided_within_monte_carlo_bound_of_nilearn():
    Y = _data(4, n=10, v=20, mu=1.0)
    exact = stats.permutation_fwe(Y, tail=1)  # nilearn's default is one-sided, max t
    affine = np.eye(4)
    imgs = [nib.Nifti1Image(Y[i].reshape(20, 1, 1), affine) for i in range(10)]
    mask = nib.Nifti1Image(np.ones((20, 1, 1), dtype=np.int8), affine)
    B = 2000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logp = non_parametric_inference(imgs, design_matrix=pd.DataFrame({"i": np.ones(10)}),
                                        mask=mask, n_perm=B, random_state=0, n_jobs=1)
    p_ref = 10 ** -np.asarray(logp.get_fdata()).ravel()
    p = exact.p_fwe
    assert np.all(np.abs(p_ref - p) <= 4 * np.sqrt(p * (1 - p) / B) + 1 / B)  # class C


def test_fwe_on_null_data_within_binomial_bounds():
    # 400 null studies of 8 subjects x 30 tests, exact enumeration (256 patterns each)
    rng = np.random.default_rng(5)
    n_studies, alpha = 400, 0.05
    rejected = 0
    for _ in range(n_studies):  # independent studies (each test is vectorised)
        rejected += stats.permutation_fwe(rng.standard_normal((8, 30)), tail=1).p_fwe.min() <= alpha
    lo, hi = scipy.stats.binom.ppf([0.0005, 0.9995], n_studies, alpha)  # 99.9 % band
    # exact test: P(min p <= 0.05) = floor(0.05 * 256) / 256 = 0.0469 (ties have prob. 0)
    assert lo <= rejected <= hi


def test_sign_flip_patterns():
    flips, exact = stats.sign_flip_patterns(4, tail=0)
    assert exact and flips.shape == (8, 4) and np.all(flips[:, 0] == 1)
    assert len({tuple(r) for r in flips}) == 8 and np.all(flips[0] == 1)
    flips, exact = stats.sign_flip_patterns(4, tail=1)
    assert exact and flips.shape == (16, 4)
    flips, exact = stats.sign_flip_patterns(4, n_permutations=100, tail=1)  # >= 16: exact
    assert exact and flips.shape == (16, 4)
    flips, exact = stats.sign_flip_patterns(30, n_permutations=50, rng=0)
    assert not exact and flips.shape == (50, 30) and np.all(flips[0] == 1)


def test_signflip_t_equals_scipy_per_pattern():
    Y = _data(6, n=9, v=7)
    flips, _ = stats.sign_flip_patterns(9, n_permutations=20, rng=1)
    t = stats.signflip_t(Y, flips)
    for b in range(20):  # a reference loop over patterns
        ref = scipy.stats.ttest_1samp(flips[b][:, None] * Y, 0.0, axis=0).statistic
        np.testing.assert_allclose(t[b], ref, rtol=1e-10)  # class A


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.permutation_fwe(np.ones((1, 3))), "Y must have at least 2 subjects"),
    (lambda: stats.permutation_fwe(np.ones((5, 3)), tail=2), r"tail must be one of \[-1, 0, 1\]"),
    (lambda: stats.permutation_fwe(np.ones((5, 3)), n_permutations=1), "n_permutations must be"),
    (lambda: stats.permutation_fwe(np.zeros((25, 2))), "n_subjects must be <= 20"),
    (lambda: stats.permutation_fwe([[np.inf], [1.0]]), "Y must be finite"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
