"""Second-level models (neurocourse.stats.group) against scipy, MNE, nilearn and statsmodels."""

import warnings

import mne
import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import scipy.stats
from nilearn.glm.second_level import SecondLevelModel
from statsmodels.stats.meta_analysis import combine_effects

from neurocourse import stats

# Class A of the reference (same deterministic algorithm): rtol 1e-10; observed 1e-14..1e-16.
A = {"rtol": 1e-10, "atol": 1e-12}


def _group(seed=0, n=15, v=40, mu=0.3):
    return np.random.default_rng(seed).standard_normal((n, v)) + mu


def test_one_sample_t_matches_scipy_and_mne():
    Y = _group()
    t, df = stats.one_sample_t(Y)
    assert df == Y.shape[0] - 1
    np.testing.assert_allclose(t, scipy.stats.ttest_1samp(Y, 0.0, axis=0).statistic, **A)
    np.testing.assert_allclose(t, mne.stats.ttest_1samp_no_p(Y, sigma=0), **A)


def test_one_sample_t_degenerate_columns():
    Y = np.column_stack([np.full(5, 2.0), np.zeros(5), np.arange(5.0)])
    t, _ = stats.one_sample_t(Y)
    assert t[0] == np.inf and t[1] == 0.0  # constant non-zero: infinite evidence; all zero: none
    assert np.isfinite(t[2])


def _nilearn_second_level(Y, design):
    n, v = Y.shape
    affine = np.eye(4)
    imgs = [nib.Nifti1Image(Y[i].reshape(v, 1, 1), affine) for i in range(n)]
    mask = nib.Nifti1Image(np.ones((v, 1, 1), dtype=np.int8), affine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SecondLevelModel(mask_img=mask).fit(imgs, design_matrix=design)
        out = model.compute_contrast(design.columns[0], output_type="all")
    return {k: np.asarray(img.get_fdata()).ravel() for k, img in out.items()}


def test_one_sample_glm_matches_nilearn_second_level():
    Y = _group(1, n=12, v=30)
    ref = _nilearn_second_level(Y, pd.DataFrame({"intercept": np.ones(12)}))
    res = stats.second_level_glm(Y)
    np.testing.assert_allclose(res.stat, ref["stat"], **A)
    np.testing.assert_allclose(res.effect, ref["effect_size"], **A)
    np.testing.assert_allclose(res.se**2, ref["effect_variance"], **A)
    # nilearn's p is one-sided (upper tail); ours two-sided: p_ours = 2 min(p, 1 - p)
    np.testing.assert_allclose(res.p_value, 2 * np.minimum(ref["p_value"], 1 - ref["p_value"]),
                               rtol=1e-8, atol=1e-14)  # 1 - p loses ~1e-16 absolute
    assert res.df == 11


def test_two_group_design_matches_scipy_ttest_ind():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((9, 20)) + 0.5
    b = rng.standard_normal((7, 20))
    Z = np.column_stack([np.r_[np.ones(9), np.zeros(7)], np.r_[np.zeros(9), np.ones(7)]])
    res = stats.second_level_glm(np.vstack([a, b]), Z, [1.0, -1.0])
    ref = scipy.stats.ttest_ind(a, b, axis=0)  # pooled variance, df = 14
    np.testing.assert_allclose(res.stat, ref.statistic, **A)
    np.testing.assert_allclose(res.p_value, ref.pvalue, **A)
    assert res.df == 14


def _heterogeneous(seed=3, k=14, v=6):
    rng = np.random.default_rng(seed)
    var = rng.uniform(0.05, 0.5, (k, v))
    y = 0.4 + rng.normal(0.0, 2.0, (k, v)) + rng.normal(0.0, np.sqrt(var))  # tau^2 = 4 >> var
    return y, var


def test_mixed_effects_dl_matches_statsmodels():
    y, var = _heterogeneous()
    res = stats.mixed_effects(y, var, "dl")
    for j in range(y.shape[1]):  # per voxel: the oracle takes one effect vector at a time
        ref = combine_effects(y[:, j], var[:, j], method_re="chi2")
        assert ref.q > 2 * (y.shape[0] - 1)  # clear heterogeneity: chi2 tau^2 is well above 0
        # DerSimonian-Laird is closed form: class A
        assert res.tau2[j] == pytest.approx(ref.tau2, rel=1e-10)
        assert res.effect[j] == pytest.approx(ref.mean_effect_re, rel=1e-10)
        assert res.se[j] == pytest.approx(ref.sd_eff_w_re, rel=1e-10)


def test_mixed_effects_pm_matches_statsmodels_iterated():
    y, var = _heterogeneous(4)
    res = stats.mixed_effects(y, var, "pm")
    for j in range(y.shape[1]):
        ref = combine_effects(y[:, j], var[:, j], method_re="iterated")
        # both iterate to a root of the same equation; statsmodels stops at its own tolerance
        # (atol 1e-5 on tau^2 by default), so agreement is to ~1e-5 relative, not rounding
        assert res.tau2[j] == pytest.approx(ref.tau2, rel=1e-4)
        assert res.effect[j] == pytest.approx(ref.mean_effect_re, rel=1e-5)


def test_fixed_effects_matches_statsmodels_fe():
    y, var = _heterogeneous(5)
    res = stats.fixed_effects(y, var)
    for j in range(y.shape[1]):
        ref = combine_effects(y[:, j], var[:, j])
        assert res.effect[j] == pytest.approx(ref.mean_effect_fe, rel=1e-10)
        assert res.se[j] == pytest.approx(ref.sd_eff_w_fe, rel=1e-10)


def test_mixed_effects_equal_variances_give_the_mean_and_no_heterogeneity_gives_fixed():
    rng = np.random.default_rng(6)
    y = rng.standard_normal((10, 5))
    res = stats.mixed_effects(y, np.full_like(y, 0.3))
    np.testing.assert_allclose(res.effect, y.mean(axis=0), **A)  # equal weights: the OLS mean
    # homogeneous data (tau^2 = 0 exactly after truncation): mixed equals fixed effects
    y0 = 1.0 + rng.normal(0.0, 0.01, (10, 5))
    v0 = np.full_like(y0, 1.0)
    mixed, fixed = stats.mixed_effects(y0, v0), stats.fixed_effects(y0, v0)
    np.testing.assert_array_equal(mixed.tau2, 0.0)
    np.testing.assert_allclose(mixed.effect, fixed.effect, **A)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.one_sample_t(np.ones((1, 4))), "Y must have at least 2 subjects"),
    (lambda: stats.one_sample_t([[1.0, np.nan], [0.0, 1.0]]), "Y must be finite"),
    (lambda: stats.second_level_glm(np.ones((5, 3)), np.ones((4, 1))), r"Z must have shape \(5, q\)"),
    (lambda: stats.second_level_glm(np.ones((5, 3)), np.ones((5, 2)), [1.0]), "c must have length 2"),
    (lambda: stats.mixed_effects(np.ones((5, 3)), np.zeros((5, 3))), "variances must be > 0"),
    (lambda: stats.mixed_effects(np.ones((5, 3)), np.ones((5, 2))), "variances must have the shape"),
    (lambda: stats.mixed_effects(np.ones((5, 3)), np.ones((5, 3)), "reml"), "method must be one of"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
