"""Efficiency and VIF (neurocourse.design.efficiency): closed forms, invariants, and statsmodels' VIF."""

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

from neurocourse import design


def _random_design(seed=0, n=120, p=4):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.standard_normal((n, p - 1)), np.ones(n)])


def test_efficiency_direct_formula():
    X = _random_design()
    c = np.array([1.0, -1.0, 0.0, 0.0])
    expected = 1.0 / (c @ np.linalg.inv(X.T @ X) @ c)
    assert design.efficiency(X, c) == pytest.approx(expected, rel=1e-10)  # inv vs pinv
    assert design.efficiency(X, c, sigma=2.0) == pytest.approx(expected / 4, rel=1e-10)
    C = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]])
    expected_multi = 3.0 / np.trace(C @ np.linalg.inv(X.T @ X) @ C.T)
    assert design.efficiency(X, C) == pytest.approx(expected_multi, rel=1e-10)


def test_efficiency_scales_with_a_squared():
    X = _random_design(1)
    c = np.array([1.0, 0.0, 0.0, 0.0])
    Xa = X.copy()
    Xa[:, 0] *= 3.0
    # beta_0 shrinks by 3, its variance by 9: e scales by 9 (rounding only)
    assert design.efficiency(Xa, c) == pytest.approx(9.0 * design.efficiency(X, c), rel=1e-10)


def test_orthogonal_nuisance_leaves_efficiency_unchanged():
    X = _random_design(2)
    rng = np.random.default_rng(3)
    z = rng.standard_normal(X.shape[0])
    z -= X @ np.linalg.lstsq(X, z, rcond=None)[0]  # orthogonal to every column
    c = np.array([1.0, -1.0, 0.0, 0.0])
    e0 = design.efficiency(X, c)
    e1 = design.efficiency(np.column_stack([X, z]), np.append(c, 0.0))
    assert e1 == pytest.approx(e0, rel=1e-10)  # block-diagonal X^T X: exact in exact arithmetic


def test_collinear_column_lowers_efficiency():
    X = _random_design(4)
    rng = np.random.default_rng(5)
    near = X[:, 0] + 0.2 * rng.standard_normal(X.shape[0])
    c = np.array([1.0, 0.0, 0.0, 0.0])
    assert design.efficiency(np.column_stack([X, near]), np.append(c, 0.0)) < \
        0.5 * design.efficiency(X, c)
    # an exact copy makes beta_0 inestimable: efficiency 0
    assert design.efficiency(np.column_stack([X, X[:, 0]]), np.append(c, 0.0)) == 0.0


def test_efficiency_penalises_blocks_longer_than_the_high_pass():
    # Henson: with a 128 s high-pass, a 16 s on/off block beats a 200 s on/off block
    ft = design.frame_times(300, 2.0)

    def eff(half_period):
        on = np.arange(0.0, 600.0, 2 * half_period)
        dm = design.make_design_matrix(ft, design.make_events(on, half_period),
                                       hrf_model="spm", high_pass=1 / 128)
        return design.efficiency(dm.matrix, dm.contrast({"dummy": 1}))

    assert eff(16.0) > 3 * eff(200.0)
    assert eff(16.0) > eff(1.0)


def test_vif_orthogonal_and_duplicate():
    n = 64
    t = np.arange(n)
    X = np.column_stack([np.cos(2 * np.pi * 3 * t / n), np.sin(2 * np.pi * 5 * t / n),
                         np.ones(n)])
    np.testing.assert_allclose(design.vif(X)[:2], 1.0, rtol=1e-12)  # orthogonal, zero-mean
    v = design.vif(np.column_stack([X[:, 0], X[:, 0], X[:, 1]]))
    assert np.isinf(v[0]) and np.isinf(v[1]) and v[2] == pytest.approx(1.0, rel=1e-9)


def test_vif_matches_statsmodels():
    rng = np.random.default_rng(5)
    a = rng.standard_normal(100)
    X = np.column_stack([a, a + 0.3 * rng.standard_normal(100), rng.standard_normal(100),
                         np.ones(100)])
    ref = [variance_inflation_factor(X, j) for j in range(3)]
    ours = design.vif(X)
    # inverse correlation matrix vs auxiliary OLS regressions: both well conditioned here
    np.testing.assert_allclose(ours[:3], ref, rtol=1e-10)
    assert np.isnan(ours[3])


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.efficiency(np.ones((10, 2)), [1.0, 0.0, 0.0]), "c must have length 2"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_contrast_efficiency_from_a_given_covariance():
    """q / trace(C S C^T) for any coefficient covariance S (here a statsmodels OLS one)."""
    X = _random_design(6)
    S = sm.OLS(np.zeros(X.shape[0]), X).fit().normalized_cov_params  # (X^T X)^-1
    C = np.array([[1.0, -1.0, 0, 0], [0, 0, 1.0, 0]])
    # statsmodels inverts X^T X by pinv as well: rounding only, so rel 1e-10
    assert design.contrast_efficiency(X, C, S) == pytest.approx(2.0 / np.trace(C @ S @ C.T), rel=1e-10)
    assert design.contrast_efficiency(X, C, S) == pytest.approx(design.efficiency(X, C), rel=1e-10)
    # the covariance is used as given: doubling it halves the efficiency (exact power of 2)
    assert design.contrast_efficiency(X, C, 2 * S) == 0.5 * design.contrast_efficiency(X, C, S)


def test_white_and_correlated_efficiency_agree_on_contrasts():
    """One contrast check serves both: rho = 0 equals the white-noise value, and a contrast that
    is not estimable (on one of two identical columns) gets 0 from both, for GLS and OLS."""
    X = _random_design(7)
    c = np.array([1.0, -1.0, 0.0, 0.0])
    for analysis in ("gls", "ols"):  # V = I: same (X^T X)^+ up to rounding
        assert design.correlated_efficiency(X, c, rho=0.0, analysis=analysis) == pytest.approx(
            design.efficiency(X, c), rel=1e-10)
    Xd = np.column_stack([X, X[:, 0]])
    cd = np.append(c, 0.0)
    assert design.efficiency(Xd, cd) == 0.0
    for analysis in ("gls", "ols"):
        assert design.correlated_efficiency(Xd, cd, rho=0.4, analysis=analysis) == 0.0
        with pytest.raises(ValueError, match="at least one non-zero weight"):
            design.correlated_efficiency(X, np.zeros(4), rho=0.4, analysis=analysis)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.contrast_efficiency(_random_design(), [1, 0, 0], np.eye(4)), "c must have length 4"),
    (lambda: design.contrast_efficiency(_random_design(), [0, 0, 0, 0], np.eye(4)), "non-zero weight"),
    (lambda: design.contrast_efficiency(_random_design(), [1, 0, 0, 0], np.eye(3)), r"cov_beta must have shape"),
    (lambda: design.efficiency(_random_design(), [1, 0, 0, 0], sigma=0.0), "sigma must be > 0"),
])
def test_contrast_efficiency_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
