"""Fitting the mass-univariate GLM: OLS and AR(1) pre-whitening, vectorised over voxels.

See :mod:`neurocourse.glm` for the model, the AR(1) conventions and the implementation.

References
----------
nilearn ``nilearn/glm/first_level/first_level.py`` (``run_glm``) and ``nilearn/glm/regression.py``
(``OLSModel``, ``ARModel``), version 0.14. Friston et al. (1995) Hum Brain Mapp 2:189.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg

from neurocourse._validation import as_finite, check_option, check_range
from neurocourse.glm.ar1 import AR1_CONVENTIONS, ar1_from_lag_sums, bin_ar1, first_row_weight
from neurocourse.glm.results import GLMResult

__all__ = ["RankDeficientDesignWarning", "fit_glm"]

# Voxels processed together when gathering per-voxel (p, p) covariances, to bound memory.
_CHUNK = 8192


class RankDeficientDesignWarning(UserWarning):
    """The design matrix X is rank deficient; estimates use pseudo-inverse (minimum-norm) semantics."""


def fit_glm(Y, X, noise_model="ols", *, ar1_convention="nilearn", rho=None, bins=100, names=None) -> GLMResult:
    """Fit a mass-univariate GLM to every voxel, with OLS or AR(1) pre-whitening.

    Parameters
    ----------
    Y : array_like, shape (n_scans,) or (n_scans, n_voxels)
        Voxel time series, one column per voxel, any signal unit (e.g. percent signal change).
    X : array_like, shape (n_scans, n_regressors)
        Design matrix: task, nuisance, drift and constant columns, sampled at the scan times.
        A rank-deficient X is allowed (with a :class:`RankDeficientDesignWarning`): estimates then
        use the pseudo-inverse (minimum-norm) solution, as in nilearn.
    noise_model : {"ols", "ar1"}, default "ols"
        ``"ols"``: independent, identically distributed noise. ``"ar1"``: AR(1) noise, estimated
        per voxel and removed by pre-whitening.
    ar1_convention : {"nilearn", "prais-winsten", "cochrane-orcutt"}, default "nilearn"
        How the first scan is whitened (kept unscaled, scaled by sqrt(1 - rho**2), or dropped);
        see the module docstring. Ignored for OLS.
    rho : float or array_like of shape (n_voxels,), optional
        Known AR(1) coefficient(s) in (-1, 1), used as given (not binned). By default rho is
        estimated from the OLS residuals by :func:`estimate_ar1` and binned by :func:`bin_ar1`.
    bins : int or None, default 100
        Number of bins per unit of rho for the estimated coefficients: rho is truncated toward
        zero to multiples of 1/bins (nilearn's default is 100, i.e. steps of 0.01). None keeps
        the unbinned estimates (slower: one covariance per voxel).
    names : sequence of str, optional
        Column names of X, kept on the result so that contrasts can name columns
        (``res.contrast({"A": 1, "B": -1})``). By default they are taken from X itself when it has
        them: a :class:`~neurocourse.design.DesignMatrix` (``.names``) or a DataFrame (``.columns``).

    Returns
    -------
    GLMResult
        ``.beta`` (n_regressors[, n_voxels]) and ``.contrast(c)`` (t for 1-D c, F for 2-D c), with
        the residual variance, degrees of freedom and AR(1) coefficients.

    Raises
    ------
    ValueError
        If Y or X is not finite or has the wrong dimension, their numbers of scans differ, there
        are not more scans than regressors, ``noise_model``/``ar1_convention`` is unknown, ``rho``
        is outside (-1, 1) or ``bins`` is not a positive integer.

    Notes
    -----
    OLS: :math:`\\hat\\beta = X^{+}y`, :math:`\\hat\\sigma^2 = \\mathrm{RSS}/(n - p)` with p the number
    of columns, dof = n - rank(X) (nilearn ``OLSModel``). With ``noise_model="ar1"`` and the default
    convention the result equals ``nilearn.glm.first_level.run_glm(Y, X, noise_model="ar1")``
    followed by ``compute_contrast``. Prais-Winsten and Cochrane-Orcutt use
    :math:`\\hat\\sigma^2 = \\mathrm{RSS}/\\mathrm{dof}` as statsmodels does. The Yule-Walker estimate
    removes the grand mean of the residuals over *all* voxels fitted together, as nilearn does, so
    rho (and hence t) for a voxel depends slightly on which other voxels are in Y when X has no
    constant column.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.tile([1.0] * 10 + [0.0] * 10, 5), np.ones(100)])
    >>> Y = X @ [[2.0], [100.0]] + rng.standard_normal((100, 1))
    >>> res = fit_glm(Y, X, noise_model="ar1")
    >>> bool(res.contrast([1.0, 0.0]).stat[0] > 10)
    True
    """
    Y = np.asarray(Y, dtype=float)  # finiteness is checked on beta below, saving a pass over Y
    names = _column_names(X, names)
    X = as_finite("X", X)
    if Y.ndim not in (1, 2):
        raise ValueError(f"Y must have shape (n_scans,) or (n_scans, n_voxels), got {Y.shape}")
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_scans, n_regressors), got {X.shape}")
    single = Y.ndim == 1
    Y2 = Y[:, None] if single else Y
    n, p = X.shape
    if Y2.shape[0] != n:
        raise ValueError(f"Y and X must have the same number of scans (rows): Y has {Y2.shape[0]}, X has {n}")
    if n <= p:
        raise ValueError(f"X must have more scans than regressors, got shape {X.shape}")
    if names is not None and len(names) != p:
        raise ValueError(f"names must give one name per column of X ({p}), got {len(names)}")
    check_option("noise_model", noise_model, ("ols", "ar1"))
    if noise_model == "ar1":
        check_option("ar1_convention", ar1_convention, AR1_CONVENTIONS)
    n_vox = Y2.shape[1]

    rank = _rank(X)
    if rank < p:
        warnings.warn(
            f"X has rank {rank} < {p} columns; the parameters are not identifiable and the "
            "minimum-norm (pseudo-inverse) solution is returned",
            RankDeficientDesignWarning,
            stacklevel=2,
        )

    pinv_x = scipy.linalg.pinv(X)
    beta_ols = pinv_x @ Y2
    if not np.all(np.isfinite(beta_ols)):  # a NaN or inf in Y reaches beta: name it
        as_finite("Y", Y)
        raise ValueError("Y must be finite and representable: X^+ Y overflows")
    resid = X @ beta_ols
    np.subtract(Y2, resid, out=resid)
    ss0 = np.einsum("tv,tv->v", resid, resid)

    if noise_model == "ols":
        cov = (pinv_x @ pinv_x.T)[None]
        dispersion = ss0 / (n - p)
        return GLMResult(
            beta=beta_ols[:, 0] if single else beta_ols,
            dispersion=dispersion[0] if single else dispersion,
            df_resid=float(n - rank),
            noise_model="ols",
            ar1_convention=None,
            rho=np.float64(0.0) if single else np.zeros(n_vox),
            rho_estimate=np.float64(np.nan) if single else np.full(n_vox, np.nan),
            residuals=resid[:, 0] if single else resid,
            design=X,
            _cov=cov,
            _labels=np.zeros(n_vox, dtype=np.intp),
            _beta_ols=beta_ols,
            _single=single,
            names=names,
        )

    ss1 = np.einsum("tv,tv->v", resid[:-1], resid[1:])
    # One stacked product gives X'r, the neighbour sums sum_t (x_{t-1} + x_{t+1}) r_t, and sum_t r_t.
    neighbours = np.zeros_like(X)
    neighbours[1:] += X[:-1]
    neighbours[:-1] += X[1:]
    g = np.vstack([X.T, neighbours.T, np.ones((1, n))]) @ resid
    g0, g12, colsum = g[:p], g[p : 2 * p], g[2 * p]

    if rho is None:
        if bins is not None and (not isinstance(bins, int | np.integer) or bins < 1):
            raise ValueError(f"bins must be a positive integer or None, got {bins!r}")
        rho_est = ar1_from_lag_sums(ss0, ss1, colsum, resid[0], resid[-1], n)
        rho_used = rho_est if bins is None else bin_ar1(rho_est, bins)
    else:
        rho_used = check_range("rho", rho, -1, 1, low_inclusive=False, high_inclusive=False)
        if rho_used.ndim > 1 or (rho_used.ndim == 1 and rho_used.shape[0] != n_vox):
            raise ValueError(f"rho must be a scalar or have shape ({n_vox},), got {rho_used.shape}")
        rho_used = np.broadcast_to(rho_used, (n_vox,)).astype(float)
        rho_est = np.full(n_vox, np.nan)

    values, labels = np.unique(rho_used, return_inverse=True)
    cov = _group_covariance(X, values, ar1_convention)

    # X_w' W r and ||W r||^2 per voxel, from the sums (first-row weight a0: 1, sqrt(1-rho^2) or 0).
    c0 = first_row_weight(rho_used, ar1_convention) ** 2 - 1.0
    rr = rho_used
    b = g0 * (1.0 + rr**2) - rr * g12 + c0 * np.outer(X[0], resid[0]) - rr**2 * np.outer(X[-1], resid[-1])
    wrr = ss0 * (1.0 + rr**2) - 2.0 * rr * ss1 + c0 * resid[0] ** 2 - rr**2 * resid[-1] ** 2
    delta = _gather_matvec(cov, labels, b)
    rss = wrr - np.einsum("iv,iv->v", b, delta)
    beta = beta_ols + delta

    n_eff = n - 1 if ar1_convention == "cochrane-orcutt" else n
    dof = n_eff - rank
    dispersion = rss / (n_eff - p if ar1_convention == "nilearn" else dof)
    return GLMResult(
        beta=beta[:, 0] if single else beta,
        dispersion=dispersion[0] if single else dispersion,
        df_resid=float(dof),
        noise_model="ar1",
        ar1_convention=ar1_convention,
        rho=rho_used[0] if single else rho_used,
        rho_estimate=rho_est[0] if single else rho_est,
        residuals=resid[:, 0] if single else resid,
        design=X,
        _cov=cov,
        _labels=labels.ravel(),
        _beta_ols=beta_ols,
        _single=single,
        names=names,
    )


def _column_names(X, names):
    """Column names given, or those of a DesignMatrix (``.names``) or a DataFrame (``.columns``)."""
    if names is None:
        names = getattr(X, "names", None)
        if names is None and getattr(X, "columns", None) is not None:
            names = list(X.columns)
    return None if names is None else tuple(str(n) for n in names)


def _rank(X):
    """Rank of X with nilearn's tolerance, sum(abs(X)) * machine epsilon (``OLSModel``)."""
    return int(np.linalg.matrix_rank(X, tol=np.abs(X).sum() * np.finfo(np.float64).eps))


def _group_covariance(X, values, convention):
    """(X_w' X_w)^+ = pinv(X_w) pinv(X_w)' for each distinct rho (nilearn's ``normalized_cov_beta``)."""
    n, p = X.shape
    out = np.empty((values.size, p, p))
    rcond = max(n, p) * np.finfo(np.float64).eps  # scipy.linalg.pinv's default, as nilearn uses
    step = max(1, 2**22 // (n * p))  # groups per batch, bounding the batch to ~32 MB
    for start in range(0, values.size, step):
        r = values[start : start + step, None, None]
        xw = np.broadcast_to(X, (r.shape[0], n, p)).copy()
        xw[:, 1:] -= r * X[None, :-1]
        xw[:, :1] *= first_row_weight(r, convention)
        if convention == "cochrane-orcutt":
            xw = xw[:, 1:]
        pw = np.linalg.pinv(xw, rcond=rcond)
        out[start : start + step] = pw @ np.swapaxes(pw, 1, 2)
    return out


def _gather_matvec(mats, labels, b):
    """Column v of the result is mats[labels[v]] @ b[:, v], in voxel chunks to bound memory."""
    out = np.empty_like(b)
    for start in range(0, b.shape[1], _CHUNK):
        sl = slice(start, start + _CHUNK)
        out[:, sl] = (mats[labels[sl]] @ b[:, sl].T[:, :, None])[..., 0].T
    return out
