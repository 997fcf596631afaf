"""Efficiency under autocorrelated noise (neurocourse.design.correlated): worked numbers, statsmodels."""

import numpy as np
import pytest
import statsmodels.api as sm

from neurocourse import design


def _boxcar():
    x = np.tile(np.r_[np.ones(10), np.zeros(10)], 5)
    return np.column_stack([x, np.ones(100)])


def test_worked_numbers_of_the_reference():
    X = _boxcar()
    # applications.md 2.1 (checked there): 25 at rho = 0; GLS 15.14, OLS 13.08 at rho = 0.4
    assert design.correlated_efficiency(X, [1, 0], rho=0.0) == pytest.approx(25.0, rel=1e-12)
    assert design.correlated_efficiency(X, [1, 0], rho=0.4) == pytest.approx(15.1429, abs=1e-4)
    assert design.correlated_efficiency(X, [1, 0], rho=0.4, analysis="ols") == pytest.approx(
        13.0808, abs=1e-4)
    # the white-noise efficiency of the design module is the rho = 0 case
    assert design.efficiency(X, [1, 0]) == pytest.approx(25.0, rel=1e-12)


def test_gls_covariance_matches_statsmodels():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.standard_normal((60, 2)), np.ones(60)])
    V = design.ar1_covariance(60, 0.6)
    ref = sm.GLS(rng.standard_normal(60), X, sigma=V).fit().normalized_cov_params
    c = np.array([1.0, -1.0, 0.0])
    # same (X^T V^-1 X)^-1 by Cholesky here and by statsmodels' whitening: rounding only
    assert design.correlated_efficiency(X, c, V=V) == pytest.approx(1.0 / (c @ ref @ c), rel=1e-10)


def test_precision_is_the_inverse_and_tridiagonal():
    for rho in (-0.5, 0.0, 0.3, 0.9):
        V, P = design.ar1_covariance(30, rho), design.ar1_precision(30, rho)
        # cond(V) <= ((1+|rho|)/(1-|rho|))^2 = 361 at 0.9: residual ~1e-13
        np.testing.assert_allclose(V @ P, np.eye(30), atol=1e-11)
        assert np.count_nonzero(np.triu(P, 2)) == 0


def test_positive_rho_penalises_blocks_more_than_fast_events():
    rng = np.random.default_rng(1)
    blocks = _boxcar()
    events = np.column_stack([(rng.random(100) < 0.5).astype(float), np.ones(100)])
    ratio_block = design.correlated_efficiency(blocks, [1, 0], rho=0.5) / design.efficiency(blocks, [1, 0])
    ratio_event = design.correlated_efficiency(events, [1, 0], rho=0.5) / design.efficiency(events, [1, 0])
    assert ratio_block < ratio_event


def test_gls_beats_ols():
    X = _boxcar()
    for rho in (0.2, 0.5, 0.8):  # Gauss-Markov: GLS is the best linear unbiased estimator
        assert design.correlated_efficiency(X, [1, 0], rho=rho) >= design.correlated_efficiency(
            X, [1, 0], rho=rho, analysis="ols") * (1 - 1e-12)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.correlated_efficiency(_boxcar(), [1, 0]), "exactly one of rho and V"),
    (lambda: design.correlated_efficiency(_boxcar(), [1, 0], rho=1.0), r"rho must be in \(-1, 1\)"),
    (lambda: design.correlated_efficiency(_boxcar(), [1, 0, 0], rho=0.1), "c must have length 2"),
    (lambda: design.correlated_efficiency(_boxcar(), [1, 0], V=np.eye(5)), r"V must have shape"),
    (lambda: design.correlated_efficiency(_boxcar(), [1, 0], rho=0.1, analysis="wls"),
     "analysis must be one of"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_simulate_sweeps_accept_rho():
    from neurocourse import simulate

    ft = design.frame_times(200, 2.0)
    on = np.arange(0.0, 400.0, 32.0)
    dm = design.make_design_matrix(ft, design.make_events(on, 16.0, 1.0, "task"))
    c = dm.contrast({"task": 1})
    ref = sm.GLS(np.zeros(200), dm.matrix, sigma=design.ar1_covariance(200, 0.4)).fit()
    # same design and V; statsmodels whitens by its own Cholesky: rounding only
    assert simulate.block_design_efficiency(16.0, rho=0.4) == pytest.approx(
        1.0 / (c @ ref.normalized_cov_params @ c), rel=1e-9)
    assert simulate.block_design_efficiency(16.0, rho=0.0) == design.efficiency(dm.matrix, c)
    ev0, ev4 = simulate.event_design_efficiency(3.0, 0.2), simulate.event_design_efficiency(3.0, 0.2, rho=0.4)
    assert ev4["A + B"] < ev0["A + B"]  # positive rho costs the slow main effect efficiency
