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

The package: :mod:`~neurocourse.glm.fit` (:func:`fit_glm`), :mod:`~neurocourse.glm.results`
(:class:`GLMResult`, :class:`ContrastResult`), :mod:`~neurocourse.glm.contrasts` (named contrasts,
z scores), :mod:`~neurocourse.glm.ar1` (AR(1) estimation and whitening),
:mod:`~neurocourse.glm.diagnostics` (residual autocorrelation) and :mod:`~neurocourse.glm.multiple`
(Bonferroni, FDR).

Contrasts may name the design's columns: ``fit_glm(Y, dm).contrast({"A": 1, "B": -1})`` for a
:class:`~neurocourse.design.DesignMatrix` ``dm`` (or a DataFrame, or ``names=``).

Implementation (:mod:`~neurocourse.glm.fit`): every quantity of the fit is a function of a few
per-voxel moments of :math:`d = y - y_0`, gathered in one cache-blocked pass over Y (one product
with the stacked design functionals, and the sums :math:`\\sum d_t^2`, :math:`\\sum d_t d_{t+1}`);
the AR(1) refit :math:`\\hat\\beta_{AR} = \\hat\\beta_{OLS} + X_w^{+} W r` is then a small solve per
voxel. No array the size of Y is formed (the OLS residuals are computed only when asked for), and
voxels whose fit dominates their data fall back to explicit residuals, so the results stay those of
the direct method to rounding.

References
----------
nilearn ``nilearn/glm/first_level/first_level.py`` (``run_glm``, ``_yule_walker``),
``nilearn/glm/regression.py`` (``OLSModel``, ``ARModel``), ``nilearn/glm/contrasts.py``
(``compute_contrast``, ``Contrast``) and ``nilearn/glm/_utils.py`` (``z_score``), version 0.14.
Friston et al. (1995) Hum Brain Mapp 2:189. Worsley & Friston (1995) NeuroImage 2:173.
Woolrich et al. (2001) NeuroImage 14:1370. Benjamini & Hochberg (1995) J R Stat Soc B 57:289.
"""

from neurocourse.glm.ar1 import AR1_CONVENTIONS, ar1_from_lag_sums, bin_ar1, estimate_ar1, first_row_weight, whiten_ar1
from neurocourse.glm.contrasts import contrast_vector, is_named_contrast, z_from_p
from neurocourse.glm.diagnostics import durbin_watson, ljung_box, residual_acf
from neurocourse.glm.fit import RankDeficientDesignWarning, fit_glm
from neurocourse.glm.multiple import bonferroni, fdr_bh
from neurocourse.glm.results import ContrastResult, GLMResult

__all__ = [
    "AR1_CONVENTIONS",
    "ContrastResult",
    "GLMResult",
    "RankDeficientDesignWarning",
    "ar1_from_lag_sums",
    "bin_ar1",
    "bonferroni",
    "contrast_vector",
    "durbin_watson",
    "estimate_ar1",
    "fdr_bh",
    "first_row_weight",
    "fit_glm",
    "is_named_contrast",
    "ljung_box",
    "residual_acf",
    "whiten_ar1",
    "z_from_p",
]
