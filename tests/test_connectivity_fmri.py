"""fMRI connectivity: seed correlation, Fisher z, Ledoit–Wolf, partial correlation, PPI/gPPI."""

import numpy as np
import pytest
import statsmodels.api as sm
from nilearn.connectome import ConnectivityMeasure
from scipy.signal import lfilter
from sklearn.covariance import EmpiricalCovariance, LedoitWolf
from sklearn.linear_model import Ridge

from neurocourse import lti
from neurocourse.connectivity import fmri
from neurocourse.connectivity import simulate as csim

# Class A (deterministic, same algorithm): observed differences 1e-16 to 1e-15; rtol 1e-10.
RTOL = 1e-10


def test_seed_correlation_equals_corrcoef_after_nuisance_regression():
    rng = np.random.default_rng(0)
    n = 120
    conf = np.column_stack([np.linspace(-1, 1, n), rng.normal(size=n)])
    seed = rng.normal(size=n) + 2 * conf[:, 0]
    Y = rng.normal(size=(n, 6)) + seed[:, None] * np.arange(6) / 3 + conf[:, 1:2]
    r = fmri.seed_correlation(seed, Y, conf)
    X = np.column_stack([np.ones(n), conf])

    def resid(v):
        return v - X @ np.linalg.lstsq(X, v, rcond=None)[0]

    ref = [np.corrcoef(resid(seed), resid(Y[:, k]))[0, 1] for k in range(6)]
    np.testing.assert_allclose(r, ref, rtol=RTOL)
    np.testing.assert_allclose(fmri.seed_correlation(seed, Y),
                               np.corrcoef(seed, Y.T)[0, 1:], rtol=RTOL)


def test_fisher_z_standard_error_under_white_noise():
    """se(z) = 1/sqrt(N - 3) for independent Gaussian series (Fisher 1915)."""
    rng = np.random.default_rng(1)
    N = 40
    seed = rng.normal(size=(2000, N))
    vox = rng.normal(size=(2000, N))
    r = np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(seed, vox)])
    sd = np.std(fmri.fisher_z(r))
    # the SD of 2000 draws has relative SE 1/sqrt(2 * 2000) = 1.6 %; allow 5 %
    assert abs(sd * np.sqrt(N - 3) - 1) < 0.05
    np.testing.assert_allclose(fmri.fisher_z(np.tanh([0.2, -1.3])), [0.2, -1.3], rtol=1e-12)


@pytest.mark.parametrize("shape", [(60, 8), (6, 20)])  # n > p and n < p (clipped shrinkage)
def test_ledoit_wolf_matches_sklearn(shape):
    X = np.random.default_rng(2).normal(size=shape) * np.linspace(1, 3, shape[1])
    cov, delta = fmri.ledoit_wolf(X)
    ref = LedoitWolf().fit(X)
    np.testing.assert_allclose(cov, ref.covariance_, rtol=RTOL, atol=1e-14)
    np.testing.assert_allclose(delta, ref.shrinkage_, rtol=RTOL)


def test_partial_correlation_matches_nilearn():
    ts = csim.chain_network(n_scans=80, n_rois=6, rng=3).ts * np.arange(1, 7)
    ref = ConnectivityMeasure(kind="partial correlation").fit_transform([ts])[0]
    np.testing.assert_allclose(fmri.partial_correlation(ts), ref, rtol=RTOL, atol=1e-14)
    ref = ConnectivityMeasure(kind="partial correlation", cov_estimator=EmpiricalCovariance()
                              ).fit_transform([ts])[0]
    np.testing.assert_allclose(fmri.partial_correlation(ts, "empirical"), ref, rtol=RTOL,
                               atol=1e-14)


def test_partial_correlation_is_residual_correlation():
    """pi_ij = corr of the residuals of x_i and x_j on all other ROIs plus a constant."""
    ts = csim.chain_network(n_scans=200, n_rois=5, rng=4).ts
    P = fmri.partial_correlation(ts, "empirical")
    others = np.column_stack([np.ones(200), ts[:, 2:]])

    def resid(v):
        return v - others @ np.linalg.lstsq(others, v, rcond=None)[0]

    np.testing.assert_allclose(P[0, 1], np.corrcoef(resid(ts[:, 0]), resid(ts[:, 1]))[0, 1],
                               rtol=RTOL)


def test_chain_graph_planted_partials_recovered():
    """Neighbours: rho = 0.4; non-neighbours: 0, although their marginal correlation is not."""
    net = csim.chain_network(n_scans=4000, n_rois=6, rho=0.4, rng=5)
    P = fmri.partial_correlation(net.ts, "empirical")
    # SE of a partial correlation ~ (1 - pi^2)/sqrt(n - p) ~ 0.016 at n = 4000; bound 0.06
    np.testing.assert_allclose(P, net.partial, atol=0.06)
    R = np.corrcoef(net.ts.T)
    assert R[0, 2] > 0.15 and abs(P[0, 2]) < 0.06  # indirect path: marginal yes, partial no


@pytest.mark.parametrize("m", [12, 150])  # a kernel shorter and longer than the 120 scans
def test_convolution_matrix_is_the_causal_convolution(m):
    """H z against scipy's FIR filter lfilter(h, 1, z), and the package's one causal convolution
    lti.convolve(z, h, dt=1.0). Sums of <= 120 products in another order: rtol 1e-12."""
    rng = np.random.default_rng(8)
    z, h = rng.normal(size=120), rng.normal(size=m)
    Hz = fmri.convolution_matrix(h, 120) @ z
    atol = 1e-12 * np.abs(z).sum() * np.abs(h).max()
    np.testing.assert_allclose(Hz, lfilter(h, [1.0], z), rtol=1e-12, atol=atol)
    np.testing.assert_allclose(Hz, lti.convolve(z, h, dt=1.0), rtol=1e-12, atol=atol)


def test_deconvolve_matches_ridge():
    exp = csim.ppi_experiment(n_scans=120, rng=6)
    H = fmri.convolution_matrix(exp.h, 120)
    ref = Ridge(alpha=0.5, fit_intercept=False, solver="cholesky").fit(H, exp.seed).coef_
    # sklearn's cholesky solver solves the same normal equations; 1e-8 allows for the
    # conditioning of H^T H + 0.5 I (condition number ~1e3)
    np.testing.assert_allclose(fmri.deconvolve(exp.seed, exp.h, 0.5), ref, rtol=1e-8,
                               atol=1e-10)


@pytest.mark.parametrize("design", ["block", "event"])
def test_ppi_recovers_planted_gamma_noise_free(design):
    """Noise-free, lambda = 1e-8: OLS on [seed, task, PPI, 1] returns gamma = 0.5.

    The gamma HRF is 0 at lag 0, so H is singular and z-hat differs from z in directions H
    cannot see; the observed error in gamma is < 1e-4 (bound 1e-3).
    """
    e = csim.ppi_experiment(design=design, gamma=0.5, rng=7)
    D = fmri.ppi_design(e.seed, e.psych, e.h, lam=1e-8)
    fit = sm.OLS(e.target, D.X).fit()
    assert abs(fit.params[D.names.index("ppi")] - 0.5) < 1e-3


def test_ppi_bold_level_product_is_worse_for_events():
    """With noise, the neural-level PPI has a higher t for the planted interaction (event design)."""
    t_neural, t_bold = [], []
    for seed in range(8):
        e = csim.ppi_experiment(design="event", gamma=0.5, noise=0.3, rng=100 + seed)
        for level, out in (("neural", t_neural), ("bold", t_bold)):
            D = fmri.ppi_design(e.seed, e.psych, e.h, lam=1.0, level=level)
            out.append(sm.OLS(e.target, D.X).fit().tvalues[2])
    assert np.mean(t_neural) > np.mean(t_bold) > 0


def test_ppi_without_seed_main_effect_absorbs_coupling():
    """Leave out the seed regressor and beta_PPI absorbs the task-independent coupling."""
    e = csim.ppi_experiment(design="block", gamma=0.0, coupling=0.8, rng=8)
    e_psych = e.psych + 0.3  # an uncentred psychological vector
    D = fmri.ppi_design(e.seed, e_psych, e.h, lam=1e-8)
    full = np.linalg.lstsq(D.X, e.target, rcond=None)[0]
    reduced = np.linalg.lstsq(D.X[:, 1:], e.target, rcond=None)[0]
    assert abs(full[2]) < 1e-3  # gamma = 0 planted, found
    assert abs(reduced[1]) > 0.1  # spurious "interaction" without the seed main effect


def test_gppi_contrast_recovers_condition_difference():
    """gPPI: ppi_A - ppi_B = gamma (0.5 in A, -0.5 in B at the neural level: difference 1 x gamma)."""
    e = csim.ppi_experiment(design="block", gamma=0.5, rng=9)
    D = fmri.gppi_design(e.seed, e.conditions, e.h, lam=1e-8)
    b = sm.OLS(e.target, D.X).fit().params
    diff = b[D.names.index("ppi_0")] - b[D.names.index("ppi_1")]
    assert abs(diff - 0.5) < 1e-3  # z p with p = +-0.5 equals 0.5 (z u_A - z u_B)


def test_bad_input():
    with pytest.raises(ValueError, match="r must be in"):
        fmri.fisher_z([0.3, 1.0])
    with pytest.raises(ValueError, match="estimator"):
        fmri.partial_correlation(np.random.default_rng(0).normal(size=(20, 3)), "graphlasso")
    with pytest.raises(ValueError, match="Y must have"):
        fmri.seed_correlation(np.zeros(10), np.zeros((9, 2)))
    with pytest.raises(ValueError, match="level"):
        fmri.ppi_design(np.ones(30), np.ones(30), [0, 1], level="voxel")
    with pytest.raises(ValueError, match="lam"):
        fmri.deconvolve(np.ones(30), [0, 1], lam=-1)
    with pytest.raises(ValueError, match="rho"):
        csim.chain_network(rho=0.7)
