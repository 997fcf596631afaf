"""Residual diagnostics: autocorrelation function, Ljung-Box and Durbin-Watson, voxel by voxel.

References
----------
Box & Jenkins (1976); Ljung & Box (1978) Biometrika 65:297; Durbin & Watson (1950) Biometrika 37:409;
statsmodels ``tsa.stattools.acf``, ``stats.diagnostic.acorr_ljungbox``, ``stats.stattools.durbin_watson``.
"""

from __future__ import annotations

import numpy as np
import scipy.stats

from neurocourse._validation import as_finite

__all__ = ["durbin_watson", "ljung_box", "residual_acf"]


def _series(name, x, min_len=3):
    x = as_finite(name, x)
    if x.ndim not in (1, 2) or x.shape[0] < min_len:
        raise ValueError(
            f"{name} must have shape (n_scans,) or (n_scans, n_voxels) with n_scans >= {min_len}, got {x.shape}"
        )
    return x


def residual_acf(residuals, max_lag=10):
    """Sample autocorrelation function of residual time series, voxel by voxel.

    Parameters
    ----------
    residuals : array_like, shape (n_scans,) or (n_scans, n_voxels)
        Residuals (any unit).
    max_lag : int, default 10
        Largest lag, in scans (1 <= max_lag < n_scans).

    Returns
    -------
    ndarray, shape (max_lag + 1,) or (max_lag + 1, n_voxels)
        :math:`r_k = \\sum_t (e_t-\\bar e)(e_{t+k}-\\bar e) / \\sum_t (e_t-\\bar e)^2` for k = 0..max_lag,
        dimensionless (r_0 = 1). Each series is demeaned separately.

    Notes
    -----
    The biased estimator of ``statsmodels.tsa.stattools.acf(x, nlags=max_lag, adjusted=False)``
    (Box & Jenkins). For white noise, r_k (k >= 1) is about N(-1/n, 1/n).
    """
    e = _series("residuals", residuals)
    n = e.shape[0]
    if not isinstance(max_lag, int | np.integer) or not 1 <= max_lag < n:
        raise ValueError(f"max_lag must be an integer in [1, {n - 1}] scans, got {max_lag!r}")
    d = e - e.mean(axis=0)
    c0 = np.einsum("t...,t...->...", d, d)
    lags = [np.einsum("t...,t...->...", d[: n - k], d[k:]) for k in range(max_lag + 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack(lags) / c0


def ljung_box(residuals, lags=10):
    """Ljung-Box portmanteau test for residual autocorrelation, voxel by voxel.

    Parameters
    ----------
    residuals : array_like, shape (n_scans,) or (n_scans, n_voxels)
        Residuals (any unit).
    lags : int, default 10
        Number of lags h summed, in scans.

    Returns
    -------
    Q : float or ndarray, shape (n_voxels,)
        :math:`Q = n(n+2)\\sum_{k=1}^{h} r_k^2/(n-k)`, dimensionless.
    p_value : float or ndarray, shape (n_voxels,)
        Upper tail of the chi-squared distribution with h degrees of freedom (no correction for
        fitted parameters).

    Notes
    -----
    Ljung & Box (1978) Biometrika 65:297; matches ``statsmodels.stats.diagnostic.acorr_ljungbox``.
    """
    r = residual_acf(residuals, lags)
    n = np.asarray(residuals).shape[0]
    k = np.arange(1, lags + 1).reshape((-1,) + (1,) * (r.ndim - 1))
    q = n * (n + 2) * np.sum(r[1:] ** 2 / (n - k), axis=0)
    return q, scipy.stats.chi2.sf(q, lags)


def durbin_watson(residuals):
    """Durbin-Watson statistic of residual time series, voxel by voxel.

    Parameters
    ----------
    residuals : array_like, shape (n_scans,) or (n_scans, n_voxels)
        Residuals (any unit).

    Returns
    -------
    float or ndarray, shape (n_voxels,)
        :math:`d = \\sum_{t\\ge1}(e_t - e_{t-1})^2 / \\sum_t e_t^2`, dimensionless; about
        :math:`2(1-\\rho)`, so 2 means no lag-1 autocorrelation and values below 2 mean positive.

    Notes
    -----
    Durbin & Watson (1950) Biometrika 37:409; matches ``statsmodels.stats.stattools.durbin_watson``.
    """
    e = _series("residuals", residuals, min_len=2)
    diff = np.diff(e, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.einsum("t...,t...->...", diff, diff) / np.einsum("t...,t...->...", e, e)
