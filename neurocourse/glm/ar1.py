"""AR(1) noise: the Yule-Walker estimate, nilearn's binning, and the whitening filter.

Three conventions for the first scan exist (:data:`AR1_CONVENTIONS`; see :mod:`neurocourse.glm`):
kept unscaled (nilearn), scaled by :math:`\\sqrt{1-\\rho^2}` (Prais-Winsten, exact GLS) or dropped
(Cochrane-Orcutt). Coefficients are dimensionless; series keep their units.

References
----------
nilearn ``nilearn/glm/first_level/first_level.py`` (``_yule_walker``) and
``nilearn/glm/regression.py`` (``ARModel.whiten``), version 0.14. Prais & Winsten (1954);
Cochrane & Orcutt (1949) J Am Stat Assoc 44:32.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_option, check_range

__all__ = ["AR1_CONVENTIONS", "ar1_from_lag_sums", "bin_ar1", "estimate_ar1", "first_row_weight", "whiten_ar1"]

AR1_CONVENTIONS = ("nilearn", "prais-winsten", "cochrane-orcutt")


def first_row_weight(rho, convention):
    """Weight of the first scan in AR(1) whitening, for each convention of :data:`AR1_CONVENTIONS`.

    Parameters
    ----------
    rho : float or array_like
        AR(1) coefficient(s) in (-1, 1), dimensionless.
    convention : {"nilearn", "prais-winsten", "cochrane-orcutt"}
        Whitening convention (see :mod:`neurocourse.glm`).

    Returns
    -------
    ndarray, same shape as rho
        Dimensionless weight of the first row: 1 (nilearn keeps it unscaled),
        :math:`\\sqrt{1-\\rho^2}` (Prais & Winsten 1954) or 0 (Cochrane & Orcutt 1949 drop it).
    """
    rho = np.asarray(rho, dtype=float)
    if check_option("convention", convention, AR1_CONVENTIONS) == "nilearn":
        return np.ones_like(rho)
    if convention == "prais-winsten":
        return np.sqrt(1.0 - rho**2)
    return np.zeros_like(rho)


def ar1_from_lag_sums(ss0, ss1, colsum, first, last, n):
    """nilearn's Yule-Walker AR(1) coefficient from lag sums, after removing the grand mean.

    The building block of :func:`estimate_ar1` and of :func:`neurocourse.glm.fit_glm`, which have the
    sums already and so never form the demeaned residuals.

    Parameters
    ----------
    ss0 : ndarray, shape (n_voxels,)
        :math:`\\sum_t e_t^2` per voxel (units of Y squared).
    ss1 : ndarray, shape (n_voxels,)
        :math:`\\sum_t e_t e_{t+1}` per voxel (units of Y squared).
    colsum : ndarray, shape (n_voxels,)
        :math:`\\sum_t e_t` per voxel (units of Y).
    first, last : ndarray, shape (n_voxels,)
        :math:`e_0` and :math:`e_{n-1}` per voxel (units of Y).
    n : int
        Number of scans.

    Returns
    -------
    ndarray, shape (n_voxels,)
        :math:`\\hat\\rho`, dimensionless (0 where the demeaned series is all zeros).
    """
    m = colsum.sum() / (n * colsum.size)
    if m == 0.0:  # residuals with zero sums (X spans the constant): nothing to remove, the same numbers
        c0, c1 = ss0, ss1
    else:
        c0 = ss0 - 2.0 * m * colsum + n * m**2
        c1 = ss1 - m * (2.0 * colsum - first - last) + (n - 1) * m**2
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(c0 > 0, (n / (n - 1.0)) * c1 / c0, 0.0)
    return rho


def estimate_ar1(residuals):
    """Yule-Walker AR(1) coefficient of each residual series, as nilearn estimates it.

    Parameters
    ----------
    residuals : array_like, shape (n_scans,) or (n_scans, n_voxels)
        Residual time series (units of Y), typically OLS residuals.

    Returns
    -------
    float or ndarray, shape (n_voxels,)
        :math:`\\hat\\rho = \\frac{n}{n-1}\\sum_t e_t e_{t+1} / \\sum_t e_t^2`, dimensionless, where
        :math:`e` is the series minus the **grand mean over all voxels and scans** (0 for a
        constant-free series of zeros).

    Notes
    -----
    Follows ``nilearn.glm.first_level.first_level._yule_walker(residuals.T, 1)``. When the residuals
    of each voxel have zero mean (X contains a constant), this equals
    ``statsmodels.regression.linear_model.yule_walker(e, 1, method="adjusted")``.
    """
    e = as_finite("residuals", residuals)
    if e.ndim not in (1, 2) or e.shape[0] < 3:
        raise ValueError(
            f"residuals must have shape (n_scans,) or (n_scans, n_voxels) with n_scans >= 3, got {e.shape}"
        )
    e2 = e.reshape(e.shape[0], -1)
    rho = ar1_from_lag_sums(
        np.einsum("tv,tv->v", e2, e2),
        np.einsum("tv,tv->v", e2[:-1], e2[1:]),
        e2.sum(axis=0),
        e2[0],
        e2[-1],
        e2.shape[0],
    )
    return rho[0] if e.ndim == 1 else rho


def bin_ar1(rho, bins=100):
    """Truncate AR(1) coefficients toward zero to multiples of 1/bins, as nilearn's ``run_glm``.

    Parameters
    ----------
    rho : array_like
        AR(1) coefficients, dimensionless.
    bins : int, default 100
        Bins per unit of rho (nilearn's default: steps of 0.01).

    Returns
    -------
    ndarray
        ``trunc(rho * bins) / bins``, dimensionless. Note this truncates (0.379 -> 0.37, -0.379 -> -0.37); it does
        not round.
    """
    rho = as_finite("rho", rho)
    if not isinstance(bins, int | np.integer) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    return np.trunc(rho * bins) / bins


def whiten_ar1(a, rho, convention="nilearn"):
    """Apply the AR(1) whitening filter :math:`w_t = a_t - \\rho a_{t-1}` along the scan axis.

    Parameters
    ----------
    a : array_like, shape (n_scans,) or (n_scans, n_columns)
        Time series or design columns (any unit; the output has the same unit).
    rho : float or array_like of shape (n_columns,)
        AR(1) coefficient(s) in (-1, 1), one per column or shared.
    convention : {"nilearn", "prais-winsten", "cochrane-orcutt"}
        First row: kept as is, scaled by :math:`\\sqrt{1-\\rho^2}`, or dropped (see module docstring).

    Returns
    -------
    ndarray
        Whitened array in the units of ``a``; n_scans - 1 rows for Cochrane-Orcutt, n_scans rows otherwise.

    Notes
    -----
    nilearn ``ARModel.whiten`` (first row kept); Prais & Winsten (1954); Cochrane & Orcutt (1949),
    as ``statsmodels`` ``GLSAR.whiten``.
    """
    a = as_finite("a", a)
    if a.ndim not in (1, 2) or a.shape[0] < 2:
        raise ValueError(f"a must have shape (n_scans,) or (n_scans, n_columns) with n_scans >= 2, got {a.shape}")
    check_option("convention", convention, AR1_CONVENTIONS)
    rho = check_range("rho", rho, -1, 1, low_inclusive=False, high_inclusive=False)
    out = a.copy()
    out[1:] -= rho * a[:-1]
    out[0] *= first_row_weight(rho, convention)
    return out[1:] if convention == "cochrane-orcutt" else out
