"""The mass-univariate general linear model for fMRI: OLS, AR(1) pre-whitening and contrasts.

A voxel's time series :math:`y` (n_scans samples, arbitrary signal units) is modelled as
:math:`y = X\\beta + \\varepsilon`, where the design matrix :math:`X` (n_scans, n_regressors) holds the
task regressors, the nuisance regressors (motion, drift) and the constant. fMRI noise is temporally
autocorrelated, which makes ordinary least squares (OLS) standard errors too small; the AR(1) noise
model estimates the lag-1 autocorrelation :math:`\\rho` from the OLS residuals, whitens data and design
with it, and refits.

Three AR(1) whitening conventions exist in the field and give visibly different t values on the
same data (all agree on OLS). With :math:`w_t` the whitened sample:

``"nilearn"`` (the default, and the package contract)
    :math:`w_0 = x_0`, :math:`w_t = x_t - \\rho x_{t-1}`: the first row is kept **unscaled**; no sample
    is lost; dispersion = RSS / (n - n_columns), dof = n - rank. :math:`\\rho` is estimated per voxel by
    Yule-Walker on the OLS residuals (after removing their grand mean over all voxels and scans) and
    truncated toward zero to steps of 1/bins. This is ``nilearn.glm.first_level.run_glm(...,
    noise_model="ar1")`` exactly.
``"prais-winsten"`` (exact AR(1) GLS)
    :math:`w_0 = \\sqrt{1-\\rho^2}\\,x_0`: the first row is scaled so that the whitened noise is exactly
    white (Prais & Winsten 1954); identical to generalised least squares with the AR(1) covariance
    :math:`\\Sigma_{ij} = \\rho^{|i-j|}/(1-\\rho^2)` (``statsmodels`` ``GLS``); dof = n - rank.
``"cochrane-orcutt"``
    the first row is **dropped** (Cochrane & Orcutt 1949), so dof = n - 1 - rank, as in
    ``statsmodels`` ``GLSAR`` with a fixed :math:`\\rho`.

SPM's default (a single global AR(0.2)-based covariance estimated by ReML, with Satterthwaite degrees
of freedom) is a fourth convention that this module does not implement.

Implementation: every voxel is fitted with a handful of passes over the data (one pseudo-inverse
product, the OLS residuals, two lag sums and one stacked product). The AR(1) fit uses the identity
:math:`\\hat\\beta_{AR} = \\hat\\beta_{OLS} + X_w^{+} W r`, where :math:`r` are the OLS residuals, and
assembles :math:`X_w^\\top W r` and :math:`\\lVert W r\\rVert^2` from lag sums, so the data are never
copied per voxel group; the covariance :math:`(X_w^\\top X_w)^{+}` is computed once per distinct binned
:math:`\\rho`.

References
----------
nilearn ``nilearn/glm/first_level/first_level.py`` (``run_glm``, ``_yule_walker``),
``nilearn/glm/regression.py`` (``OLSModel``, ``ARModel``), ``nilearn/glm/contrasts.py``
(``compute_contrast``, ``Contrast``) and ``nilearn/glm/_utils.py`` (``z_score``), version 0.14.
Friston et al. (1995) Hum Brain Mapp 2:189. Worsley & Friston (1995) NeuroImage 2:173.
Woolrich et al. (2001) NeuroImage 14:1370. Benjamini & Hochberg (1995) J R Stat Soc B 57:289.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.linalg
import scipy.stats

from neurocourse._validation import as_finite, check_range

__all__ = [
    "AR1_CONVENTIONS",
    "ContrastResult",
    "GLMResult",
    "RankDeficientDesignWarning",
    "bin_ar1",
    "bonferroni",
    "durbin_watson",
    "estimate_ar1",
    "fdr_bh",
    "fit_glm",
    "ljung_box",
    "residual_acf",
    "whiten_ar1",
    "z_from_p",
]

AR1_CONVENTIONS = ("nilearn", "prais-winsten", "cochrane-orcutt")

# nilearn.glm.contrasts: variance floor and the largest dof passed to the t and F tails.
_TINY = 1e-50
_DOFMAX = 1e10
# Voxels processed together when gathering per-voxel (p, p) covariances, to bound memory.
_CHUNK = 8192


class RankDeficientDesignWarning(UserWarning):
    """The design matrix X is rank deficient; estimates use pseudo-inverse (minimum-norm) semantics."""


# --------------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContrastResult:
    """Statistics of one contrast, voxel by voxel (the fields of nilearn's ``Contrast``).

    Attributes
    ----------
    stat : float or ndarray, shape (n_voxels,)
        t (1-D contrast) or F (2-D contrast) statistic, dimensionless.
    effect : float or ndarray
        The estimated contrast :math:`c\\hat\\beta` in the units of Y per unit of the regressors;
        shape (n_voxels,) for t, (q, n_voxels) for an F contrast with q rows. (For F, nilearn's
        ``effect_size()`` instead returns the whitened effect
        :math:`[C(X^\\top X)^{+}C^\\top]^{-1/2}C\\hat\\beta`.)
    variance : float or ndarray, shape (n_voxels,)
        For t, the variance of the effect :math:`\\hat\\sigma^2 c(X_w^\\top X_w)^{+}c^\\top` (units of
        effect squared); for F, the residual variance :math:`\\hat\\sigma^2` as in nilearn.
    p_value : float or ndarray, shape (n_voxels,)
        One-sided upper-tail p-value (t) or F-test p-value, dimensionless.
    z_score : float or ndarray, shape (n_voxels,)
        Standard-normal deviate with the same upper-tail probability, computed as nilearn does
        (p clipped to [1e-300, 1 - 1e-16], so abs(z) saturates near 37).
    stat_type : {"t", "F"}
        Which test was made.
    df : float
        Residual degrees of freedom of the test (denominator dof for F).
    dim : int
        Number of contrast rows (1 for t).
    """

    stat: np.ndarray
    effect: np.ndarray
    variance: np.ndarray
    stat_type: str
    df: float
    dim: int

    @cached_property
    def p_value(self):
        """One-sided upper-tail p-value (t) or F-test p-value (computed on first access)."""
        return self._tails[0]

    @cached_property
    def z_score(self):
        """z with the same upper-tail probability, clipped as nilearn (computed on first access)."""
        p, one_minus = self._tails
        return self._shape(z_from_p(p, one_minus))

    @cached_property
    def _tails(self):
        dof = min(self.df, _DOFMAX)
        stat = np.asarray(self.stat, dtype=float)
        if self.stat_type == "t":
            p, one_minus = scipy.stats.t.sf(stat, dof), scipy.stats.t.cdf(stat, dof)
        else:
            p, one_minus = scipy.stats.f.sf(stat, self.dim, dof), scipy.stats.f.cdf(stat, self.dim, dof)
        return self._shape(p), one_minus

    def _shape(self, a):
        return a[()] if np.ndim(self.stat) == 0 else a


@dataclass(frozen=True)
class GLMResult:
    """A fitted mass-univariate GLM, returned by :func:`fit_glm`.

    Attributes
    ----------
    beta : ndarray, shape (n_regressors,) or (n_regressors, n_voxels)
        Parameter estimates, in units of Y per unit of each regressor.
    dispersion : float or ndarray, shape (n_voxels,)
        Residual variance :math:`\\hat\\sigma^2` of the (whitened) model, in units of Y squared.
    df_resid : float
        Residual degrees of freedom used by the tests.
    noise_model : {"ols", "ar1"}
        Noise model of the fit.
    ar1_convention : str or None
        Whitening convention for ``"ar1"`` (see the module docstring); None for OLS.
    rho : float or ndarray, shape (n_voxels,)
        AR(1) coefficient used to whiten each voxel (after binning, if any); 0 for OLS.
    rho_estimate : float or ndarray, shape (n_voxels,)
        Unbinned Yule-Walker estimate from the OLS residuals (NaN when ``rho`` was given or for OLS).
    residuals : ndarray, shape (n_scans,) or (n_scans, n_voxels)
        OLS residuals :math:`y - X\\hat\\beta_{OLS}` (units of Y). For the AR(1) model, see
        :meth:`whitened_residuals`.
    design : ndarray, shape (n_scans, n_regressors)
        The design matrix X that was fitted.
    """

    beta: np.ndarray
    dispersion: np.ndarray
    df_resid: float
    noise_model: str
    ar1_convention: str | None
    rho: np.ndarray
    rho_estimate: np.ndarray
    residuals: np.ndarray
    design: np.ndarray
    _cov: np.ndarray = field(repr=False)  # (n_groups, p, p) unscaled covariance per rho group
    _labels: np.ndarray = field(repr=False)  # (n_voxels,) group index of each voxel
    _beta_ols: np.ndarray = field(repr=False)  # (p, n_voxels)
    _single: bool = field(repr=False)  # True when Y was 1-D

    def contrast(self, c) -> ContrastResult:
        """Test a contrast of the parameters, as ``nilearn.glm.compute_contrast`` does.

        Parameters
        ----------
        c : array_like, shape (n_regressors,) or (q, n_regressors)
            A 1-D contrast vector gives a t test of :math:`c\\beta = 0` (one-sided p, upper tail);
            a 2-D contrast matrix gives an F test of :math:`C\\beta = 0` (its rows must be linearly
            independent). Dimensionless weights; the length must equal the number of columns of X
            (nilearn's silent zero-padding is deliberately not supported).

        Returns
        -------
        ContrastResult
            ``.stat`` (t or F), ``.effect``, ``.variance``, ``.p_value``, ``.z_score``.

        Raises
        ------
        ValueError
            If ``c`` has the wrong length or dimension, is not finite, is all zeros, or (F) has
            linearly dependent rows.

        Notes
        -----
        t follows nilearn ``Contrast.stat``: effect / sqrt(max(var, 1e-50)) with
        var = :math:`\\hat\\sigma^2 c(X_w^\\top X_w)^{+}c^\\top`; p = t.sf(t, min(dof, 1e10)).
        F = :math:`(C\\hat\\beta)^\\top[C(X_w^\\top X_w)^{+}C^\\top]^{-1}(C\\hat\\beta)/(q\\hat\\sigma^2)` and
        p = f.sf(F, q, dof). z follows ``nilearn.glm._utils.z_score``.
        """
        p = self.beta.shape[0]
        c = as_finite("contrast", c)
        if c.ndim not in (1, 2) or c.shape[-1] != p:
            raise ValueError(
                f"contrast must have shape ({p},) for a t test or (q, {p}) for an F test "
                f"(one weight per design column), got {c.shape}"
            )
        if not np.any(c):
            raise ValueError("contrast must have at least one non-zero weight, got all zeros")
        beta = self.beta.reshape(p, -1)
        disp = np.atleast_1d(self.dispersion)
        if c.ndim == 1:
            effect = c @ beta
            cvc = np.einsum("i,kij,j->k", c, self._cov, c)
            variance = disp * cvc[self._labels]
            stat = effect / np.sqrt(np.maximum(variance, _TINY))
            stat_type, q, eff_out = "t", 1, effect
        else:
            q = c.shape[0]
            if np.linalg.matrix_rank(c) < q:
                raise ValueError(
                    f"contrast rows must be linearly independent for an F test, got a ({q}, {p}) "
                    f"matrix of rank {np.linalg.matrix_rank(c)}"
                )
            cb = c @ beta
            ccc = np.einsum("ai,kij,bj->kab", c, self._cov, c)
            inv = np.linalg.inv(ccc)
            quad = np.einsum("av,vab,bv->v", cb, _gather(inv, self._labels), cb)
            variance = disp
            stat = quad / q / np.maximum(variance, _TINY)
            stat_type, eff_out = "F", cb
        sq = self._squeeze
        return ContrastResult(
            stat=sq(stat),
            effect=eff_out[..., 0] if self._single else eff_out,
            variance=sq(variance),
            stat_type=stat_type,
            df=float(self.df_resid),
            dim=q,
        )

    def whitened_residuals(self) -> np.ndarray:
        """Residuals of the whitened model, :math:`W y - X_w\\hat\\beta` (units of Y).

        For OLS these are the ordinary residuals. For AR(1) they should be close to white if the
        AR(1) model is adequate (check with :func:`residual_acf`). Under the Cochrane-Orcutt
        convention the first scan is dropped, so n_scans - 1 rows are returned.

        Returns
        -------
        ndarray, shape (n_scans,) or (n_scans, n_voxels)
        """
        resid = self.residuals.reshape(self.residuals.shape[0], -1)
        if self.noise_model == "ols":
            return self.residuals.copy()
        delta = self.beta.reshape(self.beta.shape[0], -1) - self._beta_ols
        rho = np.broadcast_to(np.atleast_1d(self.rho), (resid.shape[1],))
        # W r - W X delta = W (r - X delta): whitening is linear.
        out = whiten_ar1(resid - self.design @ delta, rho, convention=self.ar1_convention)
        return out[:, 0] if self._single else out

    def _squeeze(self, a):
        a = np.asarray(a)
        return a[0] if self._single else a


# --------------------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------------------


def fit_glm(Y, X, noise_model="ols", *, ar1_convention="nilearn", rho=None, bins=100) -> GLMResult:
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
    X = as_finite("X", X)
    if Y.ndim not in (1, 2):
        raise ValueError(f"Y must have shape (n_scans,) or (n_scans, n_voxels), got {Y.shape}")
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_scans, n_regressors), got {X.shape}")
    single = Y.ndim == 1
    Y2 = Y[:, None] if single else Y
    n, p = X.shape
    if Y2.shape[0] != n:
        raise ValueError(
            f"Y and X must have the same number of scans (rows): Y has {Y2.shape[0]}, X has {n}"
        )
    if n <= p:
        raise ValueError(f"X must have more scans than regressors, got shape {X.shape}")
    if noise_model not in ("ols", "ar1"):
        raise ValueError(f"noise_model must be 'ols' or 'ar1', got {noise_model!r}")
    if noise_model == "ar1" and ar1_convention not in AR1_CONVENTIONS:
        raise ValueError(f"ar1_convention must be one of {AR1_CONVENTIONS}, got {ar1_convention!r}")
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
        rho_est = _ar1_from_sums(ss0, ss1, colsum, resid[0], resid[-1], n)
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
    c0 = _first_row_weight(rho_used, ar1_convention) ** 2 - 1.0
    rr = rho_used
    b = (
        g0 * (1.0 + rr**2)
        - rr * g12
        + c0 * np.outer(X[0], resid[0])
        - rr**2 * np.outer(X[-1], resid[-1])
    )
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
    )


def _rank(X):
    """Rank of X with nilearn's tolerance, sum(abs(X)) * machine epsilon (``OLSModel``)."""
    return int(np.linalg.matrix_rank(X, tol=np.abs(X).sum() * np.finfo(np.float64).eps))


def _first_row_weight(rho, convention):
    rho = np.asarray(rho, dtype=float)
    if convention == "nilearn":
        return np.ones_like(rho)
    if convention == "prais-winsten":
        return np.sqrt(1.0 - rho**2)
    return np.zeros_like(rho)


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
        xw[:, :1] *= _first_row_weight(r, convention)
        if convention == "cochrane-orcutt":
            xw = xw[:, 1:]
        pw = np.linalg.pinv(xw, rcond=rcond)
        out[start : start + step] = pw @ np.swapaxes(pw, 1, 2)
    return out


def _gather(mats, labels):
    return mats[labels]


def _gather_matvec(mats, labels, b):
    """Column v of the result is mats[labels[v]] @ b[:, v], in voxel chunks to bound memory."""
    out = np.empty_like(b)
    for start in range(0, b.shape[1], _CHUNK):
        sl = slice(start, start + _CHUNK)
        out[:, sl] = (mats[labels[sl]] @ b[:, sl].T[:, :, None])[..., 0].T
    return out


# --------------------------------------------------------------------------------------------------
# AR(1) estimation and whitening
# --------------------------------------------------------------------------------------------------


def _ar1_from_sums(ss0, ss1, colsum, first, last, n):
    """nilearn's Yule-Walker AR(1) from lag sums, after removing the grand mean of all residuals."""
    m = colsum.sum() / (n * colsum.size)
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
            f"residuals must have shape (n_scans,) or (n_scans, n_voxels) with n_scans >= 3, "
            f"got {e.shape}"
        )
    e2 = e.reshape(e.shape[0], -1)
    rho = _ar1_from_sums(
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
        ``trunc(rho * bins) / bins``. Note this truncates (0.379 -> 0.37, -0.379 -> -0.37); it does
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
        Whitened array; n_scans - 1 rows for Cochrane-Orcutt, n_scans rows otherwise.

    Notes
    -----
    nilearn ``ARModel.whiten`` (first row kept); Prais & Winsten (1954); Cochrane & Orcutt (1949),
    as ``statsmodels`` ``GLSAR.whiten``.
    """
    a = as_finite("a", a)
    if a.ndim not in (1, 2) or a.shape[0] < 2:
        raise ValueError(
            f"a must have shape (n_scans,) or (n_scans, n_columns) with n_scans >= 2, got {a.shape}"
        )
    if convention not in AR1_CONVENTIONS:
        raise ValueError(f"convention must be one of {AR1_CONVENTIONS}, got {convention!r}")
    rho = check_range("rho", rho, -1, 1, low_inclusive=False, high_inclusive=False)
    out = a.copy()
    out[1:] -= rho * a[:-1]
    out[0] *= _first_row_weight(rho, convention)
    return out[1:] if convention == "cochrane-orcutt" else out


# --------------------------------------------------------------------------------------------------
# z scores
# --------------------------------------------------------------------------------------------------


def z_from_p(p_value, one_minus_p=None):
    """Standard-normal z with upper-tail probability p, clipped as nilearn does.

    Parameters
    ----------
    p_value : array_like
        Upper-tail p-values (survival function), dimensionless.
    one_minus_p : array_like, optional
        The same probabilities computed from the CDF (1 - p without cancellation). Where
        ``isf(p)`` is negative, z is taken as ``ppf(one_minus_p)`` for accuracy.

    Returns
    -------
    ndarray
        z, dimensionless. p is clipped to [1e-300, 1 - 1e-16], so z lies in about [-8.2, 37.0].

    Notes
    -----
    Follows ``nilearn.glm._utils.z_score``.
    """
    p = np.clip(np.asarray(p_value, dtype=float), 1e-300, 1.0 - 1e-16)
    z = scipy.stats.norm.isf(p)
    if one_minus_p is not None:
        q = np.clip(np.asarray(one_minus_p, dtype=float), 1e-300, 1.0 - 1e-16)
        z = np.where(z < 0, scipy.stats.norm.ppf(q), z)
    return z


# --------------------------------------------------------------------------------------------------
# residual diagnostics
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# multiple comparisons
# --------------------------------------------------------------------------------------------------


def _pvals(p_values, alpha):
    p = check_range("p_values", p_values, 0, 1)
    check_range("alpha", alpha, 0, 1, low_inclusive=False, high_inclusive=False)
    if p.size == 0:
        raise ValueError("p_values must contain at least one p-value, got an empty array")
    return p


def bonferroni(p_values, alpha=0.05):
    """Bonferroni family-wise error control over all tests.

    Parameters
    ----------
    p_values : array_like, any shape
        p-values of the m tests, in [0, 1].
    alpha : float, default 0.05
        Family-wise error rate, in (0, 1).

    Returns
    -------
    reject : ndarray of bool, same shape as p_values
        True where :math:`p \\le \\alpha/m`.
    p_adjusted : ndarray, same shape
        :math:`\\min(m p, 1)`.

    Notes
    -----
    Matches ``statsmodels.stats.multitest.multipletests(p, alpha, method="bonferroni")``.
    """
    p = _pvals(p_values, alpha)
    m = p.size
    p_adj = np.minimum(p * m, 1.0)
    return p <= alpha / m, p_adj


def fdr_bh(p_values, alpha=0.05):
    """Benjamini-Hochberg false-discovery-rate control (independent or positively dependent tests).

    Parameters
    ----------
    p_values : array_like, any shape
        p-values of the m tests, in [0, 1].
    alpha : float, default 0.05
        Target false discovery rate q, in (0, 1).

    Returns
    -------
    reject : ndarray of bool, same shape as p_values
        True for the k smallest p-values, where k is the largest rank with
        :math:`p_{(k)} \\le k\\alpha/m`.
    p_adjusted : ndarray, same shape
        BH-adjusted p-values :math:`\\min_{j\\ge i} \\min(m p_{(j)}/j, 1)`; reject is p_adjusted <= alpha.

    Notes
    -----
    Benjamini & Hochberg (1995); matches ``statsmodels.stats.multitest.multipletests(p, alpha,
    method="fdr_bh")``.
    """
    p = _pvals(p_values, alpha)
    flat = p.ravel()
    m = flat.size
    order = np.argsort(flat, kind="mergesort")
    ranked = flat[order] * m / np.arange(1, m + 1)
    adj_sorted = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    below = flat[order] <= alpha * np.arange(1, m + 1) / m
    k = np.flatnonzero(below).max() + 1 if below.any() else 0
    reject_sorted = np.zeros(m, dtype=bool)
    reject_sorted[:k] = True
    reject = np.empty(m, dtype=bool)
    reject[order] = reject_sorted
    adj = np.empty(m)
    adj[order] = adj_sorted
    return reject.reshape(p.shape), adj.reshape(p.shape)
