"""Design diagnostics: the efficiency of a contrast and the variance inflation factors of columns.

References
----------
.. [1] A. M. Dale, "Optimal experimental design for event-related fMRI", Hum. Brain Mapp.
   8:109-114, 1999.
.. [2] T. T. Liu and L. R. Frank, "Efficiency, power, and entropy in event-related fMRI with
   multiple trial types", NeuroImage 21:387-400, 2004.
.. [3] R. N. A. Henson, "Design efficiency", MRC CBU imaging wiki.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_positive
from neurocourse.design.matrix import as_design_array

__all__ = ["contrast_efficiency", "efficiency", "vif"]


def efficiency(X, c, sigma=1.0):
    """Design efficiency of a contrast: ``1 / (sigma^2 c (X^T X)^-1 c^T)``.

    For a single contrast ``c`` (shape (p,)) this is the inverse variance of the estimate
    ``c beta`` under white noise of standard deviation ``sigma``. For several contrasts ``C``
    (shape (q, p)) it is ``q / (sigma^2 trace(C (X^T X)^-1 C^T))``, the average-variance form.
    Compute it on the *whole* design (drift and constant columns included): high-pass drifts
    are what penalise long blocks. A contrast that is not estimable (not in the row space of X,
    e.g. on one of two identical columns) has infinite variance: efficiency 0. The contrast is
    checked and the efficiency formed by :func:`contrast_efficiency` with
    :math:`\\Sigma = (X^\\top X)^+`.

    Parameters
    ----------
    X : array_like, shape (n_scans, p)
        Design matrix (dimensionless regressors).
    c : array_like, shape (p,) or (q, p) (dimensionless)
        Contrast vector or matrix.
    sigma : float, default=1.0
        Noise standard deviation (units of the data), > 0; 1 for comparing designs.

    Returns
    -------
    float (dimensionless)
        Efficiency (1 / data unit squared); larger is better.

    References
    ----------
    Dale 1999; Liu & Frank 2004; Henson, "Design efficiency" (CBU wiki).
    """
    X = as_design_array(X)
    sigma = float(check_positive("sigma", sigma))
    pinv_x = np.linalg.pinv(X)
    return contrast_efficiency(X, c, pinv_x @ pinv_x.T, pinv_x=pinv_x) / sigma**2


def contrast_efficiency(X, c, cov_beta, pinv_x=None):
    """Efficiency ``q / trace(C Σ C^T)`` of contrast(s) ``C`` given the covariance Σ of β̂.

    The one place where a contrast is checked against a design and turned into an efficiency:
    :func:`efficiency` passes the white-noise :math:`\\Sigma = (X^\\top X)^+`, and
    :func:`neurocourse.design.correlated_efficiency` the GLS :math:`(X^\\top V^{-1}X)^+` or the
    OLS sandwich :math:`X^+ V X^{+\\top}`. A contrast outside the row space of ``X`` (not
    estimable, e.g. on one of two identical columns) has infinite variance whatever Σ:
    efficiency 0.

    Parameters
    ----------
    X : array_like, shape (n_scans, p)
        Design matrix (dimensionless regressors), used for the shape and estimability checks.
    c : array_like, shape (p,) or (q, p)
        Contrast vector or matrix (dimensionless), at least one non-zero weight.
    cov_beta : array_like, shape (p, p)
        Covariance of the parameter estimates per unit noise variance (dimensionless for
        dimensionless regressors).
    pinv_x : ndarray, shape (p, n_scans), optional
        ``numpy.linalg.pinv(X)`` when the caller has it already (dimensionless).

    Returns
    -------
    float
        Efficiency, dimensionless (1 / data unit squared for unit noise variance); larger is
        better.

    References
    ----------
    Dale 1999; Liu & Frank 2004 (the average-variance form for several contrasts).
    """
    X = as_design_array(X)
    C = np.atleast_2d(as_finite("c", c))
    if C.ndim != 2 or C.shape[1] != X.shape[1]:
        raise ValueError(f"c must have length {X.shape[1]} (one weight per column of X), "
                         f"got shape {np.shape(c)}")
    if not np.any(C):
        raise ValueError("c must have at least one non-zero weight, got all zeros")
    cov = as_finite("cov_beta", cov_beta)
    if cov.shape != (X.shape[1],) * 2:
        raise ValueError(f"cov_beta must have shape ({X.shape[1]}, {X.shape[1]}), got {cov.shape}")
    pinv_x = np.linalg.pinv(X) if pinv_x is None else pinv_x
    # estimable iff c lies in the row space of X: c X^+ X = c
    proj = C @ pinv_x @ X
    if not np.allclose(proj, C, rtol=0.0, atol=1e-8 * np.abs(C).max()):
        return 0.0
    var = np.trace(C @ cov @ C.T) / C.shape[0]
    return float(1.0 / var)


def vif(X):
    """Variance inflation factors of the columns of a design matrix.

    ``VIF_j = 1 / (1 - R_j^2)``, where ``R_j^2`` is the coefficient of determination of column j
    regressed on all the other columns *and an intercept*; equivalently the diagonal of the
    inverse correlation matrix of the non-constant columns. 1 means orthogonal to the rest; values
    above ~5-10 signal collinearity. Constant columns get NaN (their VIF is undefined).

    Parameters
    ----------
    X : array_like, shape (n_scans, p) (dimensionless)
        Design matrix.

    Returns
    -------
    ndarray, shape (p,)
        VIF per column (dimensionless, >= 1); ``inf`` for a column that is an exact linear
        combination of the others; NaN for constant columns.

    References
    ----------
    statsmodels ``stats.outliers_influence.variance_inflation_factor`` (with a constant in the
    design); Mumford et al. 2015, PLoS One 10:e0126255 (VIF in fMRI designs).
    """
    X = as_design_array(X)
    out = np.full(X.shape[1], np.nan)
    centred = X - X.mean(axis=0)
    varying = np.linalg.norm(centred, axis=0) > 1e-12 * (np.abs(X).max(axis=0) + 1e-300) * np.sqrt(
        X.shape[0])
    Z = centred[:, varying]
    if Z.shape[1] == 0:
        return out
    Z = Z / np.linalg.norm(Z, axis=0)
    R = Z.T @ Z
    if np.linalg.matrix_rank(R) < R.shape[0]:
        # the diagonal of (Z^T Z)^-1 is 1 / (1 - R_j^2); compute R_j^2 by least squares instead
        r2 = np.empty(Z.shape[1])
        for j in range(Z.shape[1]):  # loop over a few columns, not voxels
            others = np.delete(Z, j, axis=1)
            fit = others @ np.linalg.lstsq(others, Z[:, j], rcond=None)[0]
            r2[j] = fit @ fit
        with np.errstate(divide="ignore"):
            vals = np.where(r2 >= 1 - 1e-12, np.inf, 1.0 / (1.0 - np.minimum(r2, 1.0)))
    else:
        vals = np.diag(np.linalg.inv(R))
    out[varying] = vals
    return out
