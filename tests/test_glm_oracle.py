"""neurocourse.glm against the field's software: nilearn (run_glm + compute_contrast) and statsmodels.

Both sides always get the same design matrix (a plain array), so only the estimator is compared.
Tolerances (see ../shared/reference/fmri.md section 10-11):

* t, F, beta, dispersion: rtol 1e-8. Both sides solve the same well-conditioned least-squares problem
  (cond(X) < 1e3 here) by different but backward-stable routes (pinv of the whitened design vs. the
  OLS-residual update), so they agree to about cond(X) * 1e-16 * (a few hundred scans).
* p and z: rtol 1e-6, since the tail functions amplify the relative error of t by |t * d log p / dt|.
* z compared only where |z| < 30, where it is not saturated by the p clipping.
"""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from nilearn.glm._utils import z_score as nilearn_z_score
from nilearn.glm.contrasts import compute_contrast
from nilearn.glm.first_level import make_first_level_design_matrix, run_glm
from nilearn.glm.first_level.first_level import _yule_walker
from scipy.linalg import toeplitz
from scipy.stats import t as t_dist
from statsmodels.regression.linear_model import yule_walker
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.stattools import durbin_watson as sm_durbin_watson
from statsmodels.tsa.stattools import acf as sm_acf

from neurocourse import glm

RT, PZ = 1e-8, 1e-6  # see the module docstring

TR, N_SCANS = 2.0, 160


def _design(motion=True):
    """A nilearn design: two conditions, 6 motion regressors, cosine drift, constant."""
    import pandas as pd

    rng = np.random.default_rng(7)
    frame_times = np.arange(N_SCANS) * TR
    onsets = np.arange(6.0, N_SCANS * TR - 20, 16.0)
    events = pd.DataFrame(
        {
            "onset": onsets,
            "duration": np.full(onsets.size, 4.0),
            "trial_type": np.where(np.arange(onsets.size) % 2 == 0, "A", "B"),
        }
    )
    add = rng.standard_normal((N_SCANS, 6)).cumsum(axis=0) * 0.05 if motion else None
    dm = make_first_level_design_matrix(
        frame_times,
        events,
        hrf_model="glover",
        drift_model="cosine",
        high_pass=0.01,
        add_regs=add,
        add_reg_names=[f"mot{i}" for i in range(6)] if motion else None,
    )
    return dm.to_numpy()


def _ar1_noise(rng, rho, shape):
    e = rng.standard_normal(shape)
    out = np.empty(shape)
    out[0] = e[0] / np.sqrt(1 - rho**2)
    for t in range(1, shape[0]):  # loop over scans (time recursion), vectorised over voxels
        out[t] = rho * out[t - 1] + e[t]
    return out


def _data(X, n_vox=400, seed=0):
    rng = np.random.default_rng(seed)
    rho = rng.uniform(-0.1, 0.6, n_vox)
    beta = rng.normal(0, 1, (X.shape[1], n_vox))
    beta[-1] = 1000.0  # a realistic baseline: large mean, unit-ish noise
    return X @ beta + _ar1_noise(rng, rho, (X.shape[0], n_vox))


def _contrasts(p):
    t_con = np.zeros(p)
    t_con[:2] = [1.0, -1.0]  # A > B
    f_con = np.eye(p)[:2]  # any effect of task
    return t_con, f_con


def _compare(ours, theirs, z=True):
    np.testing.assert_allclose(ours.stat, theirs.stat(), rtol=RT, atol=1e-10)
    np.testing.assert_allclose(ours.p_value, theirs.p_value(), rtol=PZ, atol=1e-300)
    if z:
        zt = theirs.z_score()
        ok = np.abs(zt) < 30
        np.testing.assert_allclose(np.atleast_1d(ours.z_score)[ok], zt[ok], rtol=PZ, atol=1e-9)


@pytest.fixture(scope="module")
def design():
    return _design()


@pytest.fixture(scope="module")
def data(design):
    return _data(design)


@pytest.mark.parametrize("noise_model", ["ols", "ar1"])
def test_fit_and_contrasts_match_nilearn(design, data, noise_model):
    labels, results = run_glm(data, design, noise_model=noise_model)
    ours = glm.fit_glm(data, design, noise_model)
    t_con, f_con = _contrasts(design.shape[1])
    for c in (t_con, f_con):
        theirs = compute_contrast(labels, results, c)
        mine = ours.contrast(c)
        assert mine.stat_type == theirs.stat_type
        assert mine.df == theirs.dof
        _compare(mine, theirs)
    theirs = compute_contrast(labels, results, t_con)
    np.testing.assert_allclose(
        ours.contrast(t_con).effect, theirs.effect_size(), rtol=RT, atol=1e-10
    )
    np.testing.assert_allclose(ours.contrast(t_con).variance, theirs.effect_variance(), rtol=RT)
    # beta and dispersion per group (nilearn stores them per rho label)
    for lab, res in results.items():
        mask = labels == lab
        np.testing.assert_allclose(ours.beta[:, mask], res.theta, rtol=RT, atol=1e-8)
        np.testing.assert_allclose(ours.dispersion[mask], res.dispersion, rtol=RT)


def test_ar1_binned_rho_matches_nilearn_labels(design, data):
    labels, _ = run_glm(data, design, noise_model="ar1")
    ours = glm.fit_glm(data, design, "ar1")
    # Guard: the test data must keep rho away from the 0.01 bin edges, where truncation could flip.
    frac = ours.rho_estimate * 100 - np.trunc(ours.rho_estimate * 100)
    assert np.min(np.minimum(np.abs(frac), 1 - np.abs(frac))) > 1e-9
    np.testing.assert_array_equal(ours.rho, labels.astype(float))  # labels are str(binned rho)


def test_single_voxel_matches_nilearn(design, data):
    y = data[:, 3]
    for noise_model in ("ols", "ar1"):
        labels, results = run_glm(y[:, None], design, noise_model=noise_model)
        ours = glm.fit_glm(y, design, noise_model)
        t_con, f_con = _contrasts(design.shape[1])
        for c in (t_con, f_con):
            theirs = compute_contrast(labels, results, c)
            mine = ours.contrast(c)
            assert np.ndim(mine.stat) == 0
            _compare(mine, theirs)


def test_estimate_ar1_matches_yule_walker():
    rng = np.random.default_rng(3)
    e = _ar1_noise(rng, 0.3, (100, 5))
    # nilearn's private estimator, including the grand-mean removal (data with a non-zero mean).
    np.testing.assert_allclose(
        glm.estimate_ar1(e + 2.0), _yule_walker((e + 2.0).T, 1)[:, 0], rtol=1e-12
    )
    # statsmodels "adjusted" Yule-Walker equals it when every series has zero mean (rtol 1e-12:
    # same sums, different summation order).
    e0 = e - e.mean(axis=0)
    sm_rho = [
        yule_walker(e0[:, v], 1, method="adjusted", result_object=False)[0][0] for v in range(5)
    ]
    np.testing.assert_allclose(glm.estimate_ar1(e0), sm_rho, rtol=1e-12)


def test_ols_matches_statsmodels(design, data):
    y = data[:, 0]
    res = sm.OLS(y, design).fit()
    ours = glm.fit_glm(y, design)
    t_con, f_con = _contrasts(design.shape[1])
    np.testing.assert_allclose(ours.beta, res.params, rtol=RT, atol=1e-8)
    np.testing.assert_allclose(ours.dispersion, res.scale, rtol=RT)
    assert ours.df_resid == res.df_resid
    np.testing.assert_allclose(ours.contrast(t_con).stat, res.t_test(t_con).tvalue.item(), rtol=RT)
    np.testing.assert_allclose(ours.contrast(f_con).stat, res.f_test(f_con).fvalue, rtol=RT)
    # statsmodels' t p-value is two-sided; ours (nilearn's) is the upper tail.
    np.testing.assert_allclose(
        ours.contrast(t_con).p_value,
        t_dist.sf(res.t_test(t_con).tvalue.item(), res.df_resid),
        rtol=PZ,
    )
    np.testing.assert_allclose(ours.contrast(f_con).p_value, res.f_test(f_con).pvalue, rtol=PZ)


@pytest.mark.parametrize("rho", [-0.3, 0.25, 0.61])
def test_prais_winsten_matches_statsmodels_gls(design, data, rho):
    y = data[:, 1]
    n = y.size
    sigma = toeplitz(rho ** np.arange(n)) / (1 - rho**2)
    res = sm.GLS(y, design, sigma=sigma).fit()
    ours = glm.fit_glm(y, design, "ar1", ar1_convention="prais-winsten", rho=rho)
    t_con, f_con = _contrasts(design.shape[1])
    np.testing.assert_allclose(ours.beta, res.params, rtol=RT, atol=1e-8)
    np.testing.assert_allclose(ours.dispersion, res.scale, rtol=RT)
    assert ours.df_resid == res.df_resid
    np.testing.assert_allclose(ours.contrast(t_con).stat, res.t_test(t_con).tvalue.item(), rtol=RT)
    np.testing.assert_allclose(ours.contrast(f_con).stat, res.f_test(f_con).fvalue, rtol=RT)


@pytest.mark.parametrize("rho", [-0.3, 0.25, 0.61])
def test_cochrane_orcutt_matches_statsmodels_glsar(design, data, rho):
    y = data[:, 2]
    res = sm.GLSAR(y, design, rho=np.array([rho])).fit()
    ours = glm.fit_glm(y, design, "ar1", ar1_convention="cochrane-orcutt", rho=rho)
    t_con, f_con = _contrasts(design.shape[1])
    np.testing.assert_allclose(ours.beta, res.params, rtol=RT, atol=1e-8)
    np.testing.assert_allclose(ours.dispersion, res.scale, rtol=RT)
    assert ours.df_resid == res.df_resid == y.size - 1 - design.shape[1]
    np.testing.assert_allclose(ours.contrast(t_con).stat, res.t_test(t_con).tvalue.item(), rtol=RT)
    np.testing.assert_allclose(ours.contrast(f_con).stat, res.f_test(f_con).fvalue, rtol=RT)


def test_three_conventions_differ_but_agree_at_rho_zero(design, data):
    y = data[:, 5]
    t_con, _ = _contrasts(design.shape[1])
    ts = {
        c: glm.fit_glm(y, design, "ar1", ar1_convention=c, rho=0.4).contrast(t_con).stat
        for c in glm.AR1_CONVENTIONS
    }
    assert len({round(float(v), 6) for v in ts.values()}) == 3
    t_ols = glm.fit_glm(y, design).contrast(t_con).stat
    # rho = 0: whitening is the identity, so this is OLS. rtol 1e-9, not 1e-12: the AR path adds
    # pinv(X) r to the OLS beta, and X'r vanishes only up to rounding of |Y| ~ 1e3 (~1e-12 in t).
    for c in ("nilearn", "prais-winsten"):
        np.testing.assert_allclose(
            glm.fit_glm(y, design, "ar1", ar1_convention=c, rho=0.0).contrast(t_con).stat,
            t_ols,
            rtol=1e-9,
        )


def test_rank_deficient_design_matches_nilearn(design, data):
    X = np.column_stack([design[:, 0], design[:, 0], design[:, 1:]])  # duplicated column A
    with pytest.warns(glm.RankDeficientDesignWarning):
        ours = glm.fit_glm(data[:, :50], X, "ols")
    labels, results = run_glm(data[:, :50], X, noise_model="ols")
    np.testing.assert_allclose(ours.beta, results[0.0].theta, rtol=RT, atol=1e-8)  # minimum norm
    c = np.zeros(X.shape[1])
    c[[0, 1, 2]] = [0.5, 0.5, -1.0]  # estimable: A - B
    _compare(ours.contrast(c), compute_contrast(labels, results, c))
    assert ours.df_resid == X.shape[0] - (X.shape[1] - 1)


def test_z_clipping_matches_nilearn():
    t = np.array([-60.0, -9.0, -1.0, 0.0, 1.5, 9.0, 60.0, 200.0])
    for dof in (10.0, 150.0):
        p, q = t_dist.sf(t, dof), t_dist.cdf(t, dof)
        # rtol 1e-12: the same scipy calls on the same inputs.
        np.testing.assert_allclose(
            glm.z_from_p(p, q), nilearn_z_score(p, one_minus_pvalue=q), rtol=1e-12
        )


def test_multiple_comparisons_match_statsmodels():
    rng = np.random.default_rng(11)
    p = np.concatenate(
        [rng.uniform(size=300), rng.uniform(0, 1e-3, 40), [0.0, 1.0, 0.02, 0.02, 0.02]]
    )
    rng.shuffle(p)
    for alpha in (0.05, 0.01):
        for ours, method in ((glm.fdr_bh, "fdr_bh"), (glm.bonferroni, "bonferroni")):
            rej, adj = ours(p, alpha)
            rej_sm, adj_sm, _, _ = multipletests(p, alpha=alpha, method=method)
            np.testing.assert_array_equal(rej, rej_sm)
            np.testing.assert_allclose(adj, adj_sm, rtol=1e-12)  # same arithmetic, other order
    rej, adj = glm.fdr_bh(p.reshape(15, 23))  # any shape is accepted and preserved
    np.testing.assert_array_equal(rej.ravel(), multipletests(p, 0.05, "fdr_bh")[0])


def test_residual_diagnostics_match_statsmodels():
    rng = np.random.default_rng(5)
    e = _ar1_noise(rng, 0.35, (150, 4)) + 3.0
    lags = 8
    acf = glm.residual_acf(e, lags)
    q, pq = glm.ljung_box(e, lags)
    dw = glm.durbin_watson(e - e.mean(axis=0))
    for v in range(4):
        # rtol 1e-12: identical sums in a different order.
        np.testing.assert_allclose(
            acf[:, v],
            sm_acf(e[:, v], nlags=lags, adjusted=False, fft=False),
            rtol=1e-12,
            atol=1e-14,
        )
        lb = acorr_ljungbox(e[:, v], lags=[lags])
        np.testing.assert_allclose(q[v], lb["lb_stat"].iloc[0], rtol=1e-12)
        np.testing.assert_allclose(pq[v], lb["lb_pvalue"].iloc[0], rtol=1e-9)
        np.testing.assert_allclose(dw[v], sm_durbin_watson(e[:, v] - e[:, v].mean()), rtol=1e-12)


def test_no_warnings_on_full_rank(design, data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        glm.fit_glm(data, design, "ar1").contrast(_contrasts(design.shape[1])[0])


def test_every_rho_bin_matches_nilearn(design):
    """rho spread over (-1, 1): every populated 0.01 bin of nilearn's run_glm, t, F, effect, variance,
    beta and dispersion at rtol 1e-8 (module docstring), bin by bin; the first scan kept unscaled."""
    rng = np.random.default_rng(12)
    n_vox = 2000
    rho = rng.uniform(-0.95, 0.98, n_vox)
    beta = rng.normal(0, 1, (design.shape[1], n_vox))
    beta[-1] = 1000.0
    noise = _ar1_noise(rng, rho, (N_SCANS, n_vox))  # one rho per voxel (broadcast over the last axis)
    data = design @ beta + noise
    labels, results = run_glm(data, design, noise_model="ar1")
    ours = glm.fit_glm(data, design, "ar1")
    frac = ours.rho_estimate * 100 - np.trunc(ours.rho_estimate * 100)
    assert np.min(np.minimum(np.abs(frac), 1 - np.abs(frac))) > 1e-9  # guard: no estimate at a bin edge
    np.testing.assert_array_equal(ours.rho, labels.astype(float))
    # 180 bins, every one from -0.97 to 0.82 (the drift cosines absorb part of the slowest noise, so
    # OLS-residual estimates stay below ~0.8 even for rho = 0.98)
    steps = np.diff(np.unique(ours.rho))
    assert len(results) >= 150 and np.allclose(steps, 0.01)
    t_con, f_con = _contrasts(design.shape[1])
    t_ours, f_ours = ours.contrast(t_con), ours.contrast(f_con)
    for lab, res in results.items():
        mask = labels == lab
        np.testing.assert_allclose(ours.beta[:, mask], res.theta, rtol=RT, atol=1e-8)
        np.testing.assert_allclose(ours.dispersion[mask], res.dispersion, rtol=RT)
        theirs = compute_contrast(labels[mask], {lab: res}, t_con)
        np.testing.assert_allclose(t_ours.stat[mask], theirs.stat(), rtol=RT, atol=1e-10)
        np.testing.assert_allclose(t_ours.effect[mask], theirs.effect_size(), rtol=RT, atol=1e-10)
        np.testing.assert_allclose(t_ours.variance[mask], theirs.effect_variance(), rtol=RT)
        theirs_f = compute_contrast(labels[mask], {lab: res}, f_con)
        np.testing.assert_allclose(f_ours.stat[mask], theirs_f.stat(), rtol=RT, atol=1e-10)
