"""neurocourse.glm.fit: OLS and AR(1) fits against closed forms, invariants, calibration; bad input.

The designs are built with numpy only (tests/glm_data.py), independent of neurocourse.design.
"""

import warnings

import numpy as np
import pytest
from glm_data import N, ar1_noise, design_ab
from scipy.linalg import cholesky, toeplitz
from scipy.stats import t as t_dist

from neurocourse import glm


def test_noise_free_data_recover_beta_exactly():
    X = design_ab()
    beta = np.array([[2.0, -1.0], [0.5, 3.0], [1.0, 0.0], [100.0, 50.0]])
    for model in ("ols", "ar1"):
        res = glm.fit_glm(X @ beta, X, model, rho=0.3 if model == "ar1" else None)
        # rtol 1e-12: an exact fit up to rounding of a cond(X) ~ 10 problem.
        np.testing.assert_allclose(res.beta, beta, rtol=1e-12, atol=1e-12)


def test_ols_closed_form_t_and_residual_orthogonality():
    rng = np.random.default_rng(0)
    X = design_ab()
    Y = X @ rng.normal(size=(4, 30)) + rng.standard_normal((N, 30))
    res = glm.fit_glm(Y, X)
    # Closed form with the normal equations: beta = (X'X)^-1 X'Y, s2 = RSS/(n-p).
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ Y
    resid = Y - X @ beta
    s2 = (resid**2).sum(0) / (N - 4)
    c = np.array([1.0, -1.0, 0.0, 0.0])
    t_ref = (c @ beta) / np.sqrt(s2 * (c @ xtx_inv @ c))
    # rtol 1e-10: normal equations lose cond(X)^2 ~ 1e2 digits relative to pinv.
    np.testing.assert_allclose(res.beta, beta, rtol=1e-10)
    np.testing.assert_allclose(res.contrast(c).stat, t_ref, rtol=1e-10)
    np.testing.assert_allclose(res.contrast(c).p_value, t_dist.sf(t_ref, N - 4), rtol=1e-8)
    # residuals are orthogonal to every column (atol: rounding of |X'r| relative to |X||Y|)
    np.testing.assert_allclose(X.T @ res.residuals, 0, atol=1e-10)
    assert res.df_resid == N - 4


def test_scaling_invariances():
    rng = np.random.default_rng(3)
    X = design_ab()
    Y = X @ rng.normal(size=(4, 5)) + ar1_noise(rng, 0.3, (N, 5))
    c = np.array([1.0, -1.0, 0.0, 0.0])
    for model in ("ols", "ar1"):
        base = glm.fit_glm(Y, X, model)
        scaled = glm.fit_glm(7.0 * Y + 300.0, X, model)  # units and baseline of the signal
        # 1e-9: t is scale free; the offset is absorbed by the constant column (rounding of 300).
        np.testing.assert_allclose(scaled.contrast(c).stat, base.contrast(c).stat, rtol=1e-9)
        np.testing.assert_allclose(scaled.beta[:3], 7.0 * base.beta[:3], rtol=1e-9)
        X2 = X * [2.0, 2.0, 1.0, 1.0]  # regressors in other units: betas halve, t unchanged
        other = glm.fit_glm(Y, X2, model)
        np.testing.assert_allclose(other.beta[:2], base.beta[:2] / 2, rtol=1e-9)
        np.testing.assert_allclose(other.contrast(c).stat, base.contrast(c).stat, rtol=1e-9)


def test_vectorised_fit_equals_voxel_by_voxel():
    rng = np.random.default_rng(4)
    X = design_ab()
    Y = X @ rng.normal(size=(4, 6)) + ar1_noise(rng, 0.4, (N, 6))
    c = np.array([1.0, -1.0, 0.0, 0.0])
    rho = np.linspace(-0.2, 0.7, 6)
    for conv in glm.AR1_CONVENTIONS:
        whole = glm.fit_glm(Y, X, "ar1", ar1_convention=conv, rho=rho).contrast(c).stat
        each = [glm.fit_glm(Y[:, v], X, "ar1", ar1_convention=conv, rho=rho[v]).contrast(c).stat for v in range(6)]
        np.testing.assert_allclose(whole, each, rtol=1e-12)  # same arithmetic per column


def test_ar1_equals_ols_on_explicitly_whitened_data():
    """Independent route: whiten Y and X with an explicit matrix, then run plain OLS."""
    rng = np.random.default_rng(5)
    X = design_ab()
    y = X @ [1.0, 0.0, 0.5, 5.0] + ar1_noise(rng, 0.5, (N,))
    rho = 0.45
    c = np.array([1.0, -1.0, 0.0, 0.0])
    W = np.eye(N) - rho * np.eye(N, k=-1)  # nilearn: rows t >= 1 are x_t - rho x_{t-1}, row 0 kept
    ref = glm.fit_glm(W @ y, W @ X)
    ours = glm.fit_glm(y, X, "ar1", rho=rho)
    np.testing.assert_allclose(ours.beta, ref.beta, rtol=1e-10)  # two backward-stable routes
    np.testing.assert_allclose(ours.contrast(c).stat, ref.contrast(c).stat, rtol=1e-10)
    # Prais-Winsten: any W with W'W = inverse AR(1) covariance gives the same GLS; use Cholesky.
    sigma = toeplitz(rho ** np.arange(N)) / (1 - rho**2)
    L = np.linalg.inv(cholesky(sigma, lower=True))
    ref = glm.fit_glm(L @ y, L @ X)
    pw = glm.fit_glm(y, X, "ar1", ar1_convention="prais-winsten", rho=rho)
    np.testing.assert_allclose(pw.contrast(c).stat, ref.contrast(c).stat, rtol=1e-9)
    # whitened residuals: W y - W X beta, and orthogonal to the whitened design
    np.testing.assert_allclose(ours.whitened_residuals(), W @ y - W @ X @ ours.beta, atol=1e-10)


def test_ar1_restores_false_positive_rate_that_ols_inflates():
    """The lesson of the chapter: autocorrelated noise makes OLS t too large; AR(1) fixes it."""
    rng = np.random.default_rng(8)
    n, v, rho = 200, 3000, 0.4
    t = np.arange(n)
    X = np.column_stack([((t % 40) < 20).astype(float), np.ones(n)])  # slow block design
    Y = ar1_noise(rng, rho, (n, v))  # null data: no effect
    c = np.array([1.0, 0.0])
    fp_ols = np.mean(glm.fit_glm(Y, X).contrast(c).p_value < 0.05)
    fp_ar1 = np.mean(glm.fit_glm(Y, X, "ar1").contrast(c).p_value < 0.05)
    # OLS underestimates var(beta) by about (1 + rho)/(1 - rho) = 2.3 for a slow regressor, so its
    # t is ~1.5x too large: P(1.5 Z > 1.65) ~ 0.14. AR(1) should be near 0.05 (sd 0.004 here).
    assert fp_ols > 0.10
    assert 0.03 < fp_ar1 < 0.075


def test_bad_input_messages():
    X = design_ab()
    y = np.zeros(N)
    res = glm.fit_glm(np.random.default_rng(0).standard_normal(N), X)
    with pytest.raises(ValueError, match="contrast must have shape"):
        res.contrast([1.0, -1.0, 0.0])
    with pytest.raises(ValueError, match="contrast must have at least one non-zero"):
        res.contrast(np.zeros(4))
    with pytest.raises(ValueError, match="linearly independent"):
        res.contrast([[1.0, 0, 0, 0], [2.0, 0, 0, 0]])
    with pytest.raises(ValueError, match="same number of scans"):
        glm.fit_glm(y[:-1], X)
    with pytest.raises(ValueError, match="Y must be finite"):
        glm.fit_glm(np.where(np.arange(N) == 3, np.nan, y), X)
    with pytest.raises(ValueError, match="noise_model must be"):
        glm.fit_glm(y, X, "ar2")
    with pytest.raises(ValueError, match="ar1_convention must be"):
        glm.fit_glm(y, X, "ar1", ar1_convention="spm")
    with pytest.raises(ValueError, match=r"rho must be in \(-1, 1\)"):
        glm.fit_glm(y, X, "ar1", rho=1.0)
    with pytest.raises(ValueError, match="bins must be"):
        glm.fit_glm(y, X, "ar1", bins=0)
    with pytest.raises(ValueError, match="more scans than regressors"):
        glm.fit_glm(y[:4], X[:4])
    with pytest.raises(ValueError, match=r"p_values must be in \[0, 1\]"):
        glm.fdr_bh([0.1, 1.2])
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\)"):
        glm.bonferroni([0.1], alpha=0.0)
    with pytest.raises(ValueError, match="max_lag must be"):
        glm.residual_acf(y, max_lag=N)


def test_rank_deficient_warns_with_specific_category_and_full_rank_does_not():
    X = design_ab()
    with pytest.warns(glm.RankDeficientDesignWarning, match="rank 3 < 4"):
        glm.fit_glm(np.ones(N), np.column_stack([X[:, :3], X[:, 0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        glm.fit_glm(np.arange(N, dtype=float), X, "ar1")
