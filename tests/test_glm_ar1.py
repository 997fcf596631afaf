"""neurocourse.glm.ar1: AR(1) whitening and the Yule-Walker estimate.

The designs are built with numpy only (tests/glm_data.py), independent of neurocourse.design.
"""

import numpy as np
from glm_data import ar1_noise
from scipy.linalg import toeplitz

from neurocourse import glm


def test_whiten_ar1_prais_winsten_whitens_exactly():
    rho = 0.6
    n = 30
    W = glm.whiten_ar1(np.eye(n), rho, convention="prais-winsten")
    sigma = toeplitz(rho ** np.arange(n)) / (1 - rho**2)  # AR(1) with unit innovations
    np.testing.assert_allclose(W @ sigma @ W.T, np.eye(n), atol=1e-12)  # W Sigma W' = I
    co = glm.whiten_ar1(np.eye(n), rho, convention="cochrane-orcutt")
    assert co.shape == (n - 1, n)
    np.testing.assert_allclose(co @ sigma @ co.T, np.eye(n - 1), atol=1e-12)
    nl = glm.whiten_ar1(np.eye(n), rho)  # first row kept: its variance is 1/(1 - rho^2), not 1
    np.testing.assert_allclose((nl @ sigma @ nl.T)[0, 0], 1 / (1 - rho**2), rtol=1e-12)


def test_estimate_ar1_is_consistent():
    rng = np.random.default_rng(6)
    n, rho = 4000, 0.35
    est = glm.estimate_ar1(ar1_noise(rng, rho, (n, 8)))
    se = np.sqrt((1 - rho**2) / n)  # asymptotic standard error of the lag-1 estimate
    assert np.all(np.abs(est - rho) < 4.5 * se)
    np.testing.assert_allclose(glm.bin_ar1([0.379, -0.379, 0.5, 0.0999]), [0.37, -0.37, 0.5, 0.09])
