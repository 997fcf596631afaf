"""Simulated fMRI noise and voxel time series: stationary AR(1) noise and ``Y = X beta + e``.

References
----------
.. [1] G. E. P. Box and G. M. Jenkins, *Time Series Analysis*, AR(1) process.
.. [2] P. L. Purdon and R. M. Weisskoff, Hum. Brain Mapp. 6:239-249, 1998 (AR(1) noise in fMRI).
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_int, check_positive, check_range
from neurocourse.design.matrix import as_design_array

__all__ = ["simulate_ar1_noise", "simulate_voxels"]


def simulate_ar1_noise(n_scans, n_voxels=1, rho=0.3, sigma=1.0, rng=None):
    """Stationary AR(1) noise, independent across voxels: ``e_t = rho e_(t-1) + w_t``.

    The series starts in the stationary distribution, ``e_0 ~ N(0, sigma^2)``, and the innovations
    are ``w_t ~ N(0, sigma^2 (1 - rho^2))``, so every sample has *marginal* standard deviation
    ``sigma`` and the lag-k autocorrelation is ``rho^k`` whatever ``rho``.

    Parameters
    ----------
    n_scans : int
        Number of time points, >= 1.
    n_voxels : int, default=1
        Number of independent series, >= 1.
    rho : float or array_like of shape (n_voxels,), default=0.3
        AR(1) coefficient in (-1, 1); one per voxel or shared.
    sigma : float or array_like of shape (n_voxels,), default=1.0
        Marginal standard deviation (units of the data), >= 0.
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    noise : ndarray, shape (n_scans, n_voxels) (units of the data)
        The noise time series.

    References
    ----------
    Box & Jenkins, *Time Series Analysis* (AR(1) process); Purdon & Weisskoff 1998,
    Hum. Brain Mapp. 6:239 (AR(1) noise in fMRI).
    """
    n_scans = check_int("n_scans", n_scans, 1)
    n_voxels = check_int("n_voxels", n_voxels, 1)
    rho = check_range("rho", rho, -1.0, 1.0, low_inclusive=False, high_inclusive=False)
    sigma = check_positive("sigma", sigma, allow_zero=True)
    rho = np.broadcast_to(rho, (n_voxels,))
    sigma = np.broadcast_to(sigma, (n_voxels,))
    rng = np.random.default_rng(rng)
    z = rng.standard_normal((n_scans, n_voxels))
    e = np.empty_like(z)
    e[0] = z[0]
    scale = np.sqrt(1.0 - rho**2)
    for t in range(1, n_scans):  # recursion in time, vectorised over voxels
        e[t] = rho * e[t - 1] + scale * z[t]
    return e * sigma


def simulate_voxels(X, beta, rho=0.0, sigma=1.0, rng=None):
    """Simulated voxel time series ``Y = X beta + e`` with AR(1) noise ``e``.

    Parameters
    ----------
    X : array_like or DesignMatrix, shape (n_scans, p) (dimensionless)
        Design matrix.
    beta : array_like, shape (p,) or (p, n_voxels)
        True effects (units of the data per unit regressor).
    rho : float or array_like of shape (n_voxels,), default=0.0 (dimensionless)
        AR(1) coefficient of the noise, in (-1, 1).
    sigma : float or array_like of shape (n_voxels,), default=1.0
        Marginal noise standard deviation (units of the data), >= 0.
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    Y : ndarray, shape (n_scans,) if beta is 1-D, else (n_scans, n_voxels) (units of the data)
        Simulated data.

    See Also
    --------
    simulate_ar1_noise
    """
    X = as_design_array(X)
    beta = as_finite("beta", beta)
    if beta.ndim not in (1, 2) or beta.shape[0] != X.shape[1]:
        raise ValueError(f"beta must have shape ({X.shape[1]},) or ({X.shape[1]}, n_voxels), "
                         f"got {beta.shape}")
    B = beta[:, None] if beta.ndim == 1 else beta
    noise = simulate_ar1_noise(X.shape[0], B.shape[1], rho, sigma, rng)
    Y = X @ B + noise
    return Y[:, 0] if beta.ndim == 1 else Y
