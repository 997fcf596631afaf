"""The direct AR(1) GLM fit, kept as a private reference implementation for the tests (numpy/scipy only).

This is the algorithm ``neurocourse.glm.fit_glm`` used before the one-pass moment form (issue 19): it
materialises the OLS residuals of every voxel, estimates rho from them exactly as nilearn's
``_yule_walker`` does (grand mean removed, n/(n-1) bias factor), truncates rho to bins, and refits
with the whitened design through :math:`\\hat\\beta_{AR} = \\hat\\beta_{OLS} + X_w^{+} W r`, where
:math:`X_w^{+}` is the pseudo-inverse of the explicitly whitened design of each rho bin. It is
written independently of the package (no neurocourse import) so that it can serve as the
expected-value side of a test.
"""

import numpy as np
import scipy.linalg


def _first_row_weight(rho, convention):
    if convention == "nilearn":
        return np.ones_like(rho)
    if convention == "prais-winsten":
        return np.sqrt(1.0 - rho**2)
    return np.zeros_like(rho)  # cochrane-orcutt: the first row is dropped


def _whiten(a, rho, convention):
    """w_0 = weight * a_0, w_t = a_t - rho a_{t-1}; the first row dropped for Cochrane-Orcutt."""
    out = a.copy()
    out[1:] -= rho * a[:-1]
    out[0] *= _first_row_weight(np.asarray(rho, dtype=float), convention)
    return out[1:] if convention == "cochrane-orcutt" else out


def direct_fit(Y, X, noise_model="ar1", convention="nilearn", rho=None, bins=100):
    """Fit every column of Y (n, v) with design X (n, p) the direct way.

    Returns a dict with ``beta`` (p, v), ``dispersion`` (v,), ``rho`` (v,) used, ``rho_estimate`` (v,),
    ``cov`` (v, p, p) the unscaled covariance of each voxel, ``df`` and ``residuals`` (n, v).
    """
    Y = np.asarray(Y, dtype=float)
    n, p = X.shape
    v = Y.shape[1]
    rank = np.linalg.matrix_rank(X, tol=np.abs(X).sum() * np.finfo(float).eps)
    pinv_x = scipy.linalg.pinv(X)
    beta_ols = pinv_x @ Y
    resid = Y - X @ beta_ols
    if noise_model == "ols":
        cov = np.broadcast_to(pinv_x @ pinv_x.T, (v, p, p))
        return dict(beta=beta_ols, dispersion=(resid**2).sum(0) / (n - p), rho=np.zeros(v),
                    rho_estimate=np.full(v, np.nan), cov=cov, df=float(n - rank), residuals=resid)  # fmt: skip
    if rho is None:
        e = resid - resid.mean()  # nilearn's _yule_walker removes the grand mean over all voxels and scans
        r0 = (e**2).sum(0) / n
        r1 = (e[:-1] * e[1:]).sum(0) / (n - 1)
        rho_est = np.where(r0 > 0, r1 / np.where(r0 > 0, r0, 1.0), 0.0)
        rho_used = rho_est if bins is None else np.trunc(rho_est * bins) / bins
    else:
        rho_used = np.broadcast_to(np.asarray(rho, dtype=float), (v,)).copy()
        rho_est = np.full(v, np.nan)
    beta = np.empty_like(beta_ols)
    dispersion = np.empty(v)
    cov = np.empty((v, p, p))
    n_eff = n - 1 if convention == "cochrane-orcutt" else n
    dof = n_eff - rank
    for value in np.unique(rho_used):  # one explicit whitened refit per distinct rho
        sel = rho_used == value
        xw = _whiten(X, value, convention)
        pw = scipy.linalg.pinv(xw)
        wr = _whiten(resid[:, sel], value, convention)
        delta = pw @ wr
        beta[:, sel] = beta_ols[:, sel] + delta
        rss = ((wr - xw @ delta) ** 2).sum(0)
        dispersion[sel] = rss / (n_eff - p if convention == "nilearn" else dof)
        cov[sel] = pw @ pw.T
    return dict(beta=beta, dispersion=dispersion, rho=rho_used, rho_estimate=rho_est, cov=cov, df=float(dof),
                residuals=resid)  # fmt: skip


def t_stat(fit, c):
    """t of contrast c for every voxel of a :func:`direct_fit` result (nilearn's variance floor 1e-50)."""
    effect = c @ fit["beta"]
    var = fit["dispersion"] * np.einsum("i,vij,j->v", c, fit["cov"], c)
    return effect / np.sqrt(np.maximum(var, 1e-50))
