"""Results of a GLM fit: the fitted model (:class:`GLMResult`) and the test of a contrast.

References
----------
nilearn ``nilearn/glm/contrasts.py`` (``compute_contrast``, ``Contrast``), version 0.14.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.stats

from neurocourse.glm.ar1 import whiten_ar1
from neurocourse.glm.contrasts import contrast_vector, z_from_p

__all__ = ["ContrastResult", "GLMResult"]

# nilearn.glm.contrasts: variance floor and the largest dof passed to the t and F tails.
_TINY = 1e-50
_DOFMAX = 1e10


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
        OLS residuals :math:`y - X\\hat\\beta_{OLS}` (units of Y), computed on first access (see
        :attr:`residuals`); for the AR(1) model see :meth:`whitened_residuals`.
    design : ndarray, shape (n_scans, n_regressors)
        The design matrix X that was fitted.
    names : tuple of str or None
        The design's column names (from a :class:`~neurocourse.design.DesignMatrix`, a DataFrame's
        columns, or ``fit_glm(..., names=...)``), so that :meth:`contrast` accepts
        ``{"A": 1, "B": -1}``; None for a plain array X.
    """

    beta: np.ndarray
    dispersion: np.ndarray
    df_resid: float
    noise_model: str
    ar1_convention: str | None
    rho: np.ndarray
    rho_estimate: np.ndarray
    design: np.ndarray
    _cov: np.ndarray = field(repr=False)  # (n_groups, p, p) unscaled covariance per rho group
    _labels: np.ndarray = field(repr=False)  # (n_voxels,) group index of each voxel
    _beta_ols: np.ndarray = field(repr=False)  # (p, n_voxels)
    _single: bool = field(repr=False)  # True when Y was 1-D
    _data: np.ndarray = field(repr=False)  # (n_scans, n_voxels): the fitted Y, referenced, not copied
    names: tuple | None = None
    # (first scan, sum over scans of (y - first scan)^2) per voxel at fit time: a fingerprint of Y
    _fingerprint: tuple | None = field(default=None, repr=False)

    def _fitted_data(self) -> np.ndarray:
        """The fitted Y, after checking that it has not been modified since the fit."""
        data = self._data
        if self._fingerprint is not None:
            first, ssd = self._fingerprint
            d = data - data[0]
            now = np.einsum("tv,tv->v", d, d)
            # Same sums in another blocking agree to a few ulp; 1e-9 is far above that and far below any edit.
            if not (np.array_equal(data[0], first) and np.allclose(now, ssd, rtol=1e-9, atol=0.0)):
                raise ValueError(
                    "Y was modified after fit_glm (the result references Y rather than copying it); "
                    "refit, or pass a copy (fit_glm(Y.copy(), X)) if Y must change"
                )
        return data

    @cached_property
    def residuals(self):
        """OLS residuals :math:`y - X\\hat\\beta_{OLS}` (units of Y), shape (n_scans,) or (n_scans, n_voxels).

        Computed on first access from the fitted data, which the result references rather than
        copies (the fit itself never forms them: its memory stays O(n_regressors^2 n_voxels) beyond
        Y). If Y was modified in place after the fit, a ``ValueError`` says so instead of returning
        residuals of other data (checked on a per-voxel fingerprint: the first scan and the sum of
        squares about it). For the AR(1) model see :meth:`whitened_residuals`.
        """
        resid = self._fitted_data() - self.design @ self._beta_ols
        return resid[:, 0] if self._single else resid

    def contrast(self, c) -> ContrastResult:
        """Test a contrast of the parameters, as ``nilearn.glm.compute_contrast`` does.

        Parameters
        ----------
        c : array_like, shape (n_regressors,) or (q, n_regressors); or dict, str, list of them
            A 1-D contrast vector gives a t test of :math:`c\\beta = 0` (one-sided p, upper tail);
            a 2-D contrast matrix gives an F test of :math:`C\\beta = 0` (its rows must be linearly
            independent). Dimensionless weights; the length must equal the number of columns of X
            (nilearn's silent zero-padding is deliberately not supported). When the design has
            column names (:attr:`names`), the contrast may name them: ``{"A": 1, "B": -1}`` (t),
            ``"A"`` (weight 1), or a list such as ``["A", "B"]`` (F, one row each); see
            :func:`~neurocourse.glm.contrast_vector`.

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
        c = contrast_vector(c, self.names)
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
            effect = np.einsum("i,iv->v", c, beta)  # not BLAS: no idle BLAS thread left spinning after it
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
            quad = np.einsum("av,vab,bv->v", cb, inv[self._labels], cb)
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
        if self.noise_model == "ols":
            return self.residuals.copy()
        # W y - W X beta = W (y - X beta): whitening is linear.
        resid = self._fitted_data() - self.design @ self.beta.reshape(self.beta.shape[0], -1)
        rho = np.broadcast_to(np.atleast_1d(self.rho), (resid.shape[1],))
        out = whiten_ar1(resid, rho, convention=self.ar1_convention)
        return out[:, 0] if self._single else out

    def _squeeze(self, a):
        a = np.asarray(a)
        return a[0] if self._single else a
