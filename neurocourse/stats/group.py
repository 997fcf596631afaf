"""Group-level (second-level) fMRI inference on first-level summary statistics.

Each subject ``s`` contributes a contrast estimate ``y_s = c beta_s`` (units of the first-level
effect, e.g. percent signal change) and, optionally, its first-level variance ``sigma_s^2``.

* **Summary-statistics random effects** (Holmes & Friston 1998): the one-sample t of the ``y_s``
  (:func:`one_sample_t`, n - 1 df), or any second-level GLM ``y = Z gamma + e``
  (:func:`second_level_glm`, n - rank(Z) df), fitted by OLS with :func:`neurocourse.glm.fit_glm`.
* **Fixed effects** (:func:`fixed_effects`): inverse-variance weighting with the first-level
  variances only, so the inference is about these subjects, not the population.
* **Mixed effects** (:func:`mixed_effects`): weights ``w_s = 1 / (tau^2 + sigma_s^2)`` with the
  between-subject variance ``tau^2`` estimated by DerSimonian-Laird (moment) or Paule-Mandel
  (iterated), as FSL FLAME and AFNI 3dMEMA weight subjects.

All functions are vectorised over the trailing (voxel) axes of their inputs.

References
----------
.. [1] A. P. Holmes and K. J. Friston, "Generalisability, random effects and population inference",
   NeuroImage 7:S754, 1998.
.. [2] R. DerSimonian and N. Laird, "Meta-analysis in clinical trials", Control. Clin. Trials
   7:177-188, 1986.
.. [3] R. C. Paule and J. Mandel, "Consensus values and weighting factors", J. Res. Natl. Bur.
   Stand. 87:377-385, 1982.
.. [4] M. W. Woolrich et al., "Multilevel linear modelling for FMRI group analysis using Bayesian
   inference", NeuroImage 21:1732-1747, 2004 (FLAME).
.. [5] nilearn ``glm.second_level.SecondLevelModel`` (0.14); statsmodels
   ``stats.meta_analysis.combine_effects`` (0.15).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.stats

from neurocourse import glm as _glm
from neurocourse._validation import as_finite, check_int, check_option, check_positive

__all__ = [
    "GroupEffect",
    "fixed_effects",
    "mixed_effects",
    "one_sample_t",
    "second_level_glm",
    "subject_array",
]


def subject_array(name, Y, min_subjects=2):
    """Validate group data: a finite array with subjects along axis 0.

    Parameters
    ----------
    name : str
        Parameter name used in error messages.
    Y : array_like, shape (n_subjects, ...)
        One first-level estimate per subject (any unit) for each test (voxel).
    min_subjects : int, default=2
        Smallest number of subjects accepted.

    Returns
    -------
    ndarray of float, shape (n_subjects, ...) (unit of Y)

    Raises
    ------
    ValueError
        If ``Y`` has a NaN or infinite entry, is 0-D, or has fewer than ``min_subjects`` rows.
    """
    Y = as_finite(name, Y)
    if Y.ndim == 0 or Y.shape[0] < min_subjects:
        raise ValueError(f"{name} must have at least {min_subjects} subjects along axis 0, "
                         f"got shape {Y.shape}")
    return Y.astype(float, copy=False)


def one_sample_t(Y):
    """One-sample t statistic of each column, ``t = mean / (s / sqrt(n))`` with ``ddof=1``.

    Parameters
    ----------
    Y : array_like, shape (n_subjects, ...)
        Subject estimates (any unit); at least 2 subjects.

    Returns
    -------
    t : ndarray, shape Y.shape[1:]
        The t statistic (dimensionless, n - 1 df); ``inf`` (signed) where every subject has the
        same non-zero value, 0 where all are 0.
    df : int
        Degrees of freedom, n - 1.

    References
    ----------
    ``scipy.stats.ttest_1samp``; ``mne.stats.ttest_1samp_no_p(X, sigma=0)``.
    """
    Y = subject_array("Y", Y)
    n = Y.shape[0]
    mean = Y.mean(axis=0)
    sd = Y.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(sd > 0, mean / (sd / np.sqrt(n)), np.sign(mean) * np.inf)
    t = np.where((sd == 0) & (mean == 0), 0.0, t)
    return t, n - 1


@dataclass(frozen=True)
class GroupEffect:
    """A group-level estimate per test (voxel).

    Attributes
    ----------
    effect : ndarray
        The estimated group effect (units of the subject estimates).
    se : ndarray
        Its standard error (same unit).
    stat : ndarray
        ``effect / se``: t (random effects) or z (fixed and mixed effects), dimensionless.
    p_value : ndarray
        Two-sided p-value of ``stat`` against ``t(df)`` (or the standard normal when df is inf).
    df : float
        Degrees of freedom of the reference distribution (``inf`` for z).
    tau2 : ndarray or None
        Between-subject variance (units squared) for mixed effects, else None.
    """

    effect: np.ndarray
    se: np.ndarray
    stat: np.ndarray
    p_value: np.ndarray
    df: float
    tau2: np.ndarray | None = None


def _two_sided(stat, df):
    dist = scipy.stats.norm if np.isinf(df) else scipy.stats.t(df)
    return 2.0 * dist.sf(np.abs(stat))


def second_level_glm(Y, Z=None, c=None):
    """General second-level GLM ``y = Z gamma + e`` fitted by OLS at every voxel; t for contrast c.

    With ``Z`` a column of ones (the default) and ``c = [1]`` this is the one-sample t test of
    :func:`one_sample_t`; a two-group design, a paired design or covariates go into ``Z``.

    Parameters
    ----------
    Y : array_like, shape (n_subjects, ...)
        Subject estimates (any unit).
    Z : array_like, shape (n_subjects, q), optional
        Second-level design; default the intercept only.
    c : array_like, shape (q,), optional (dimensionless)
        Contrast over the columns of Z; default ``[1, 0, ..., 0]``.

    Returns
    -------
    GroupEffect
        ``effect = c gamma``, its OLS standard error, ``stat`` = t with ``n - rank(Z)`` df and the
        two-sided p-value. (nilearn's ``SecondLevelModel`` reports the one-sided upper-tail p.)

    Raises
    ------
    ValueError
        If Z has the wrong number of rows, or c the wrong length.

    References
    ----------
    nilearn ``SecondLevelModel.compute_contrast`` (0.14); Holmes & Friston 1998.
    """
    Y = subject_array("Y", Y)
    n = Y.shape[0]
    Z = np.ones((n, 1)) if Z is None else as_finite("Z", Z)
    Z = Z[:, None] if Z.ndim == 1 else Z
    if Z.ndim != 2 or Z.shape[0] != n:
        raise ValueError(f"Z must have shape ({n}, q) (one row per subject), got {Z.shape}")
    c = np.eye(Z.shape[1])[0] if c is None else as_finite("c", c)
    if c.shape != (Z.shape[1],):
        raise ValueError(f"c must have length {Z.shape[1]} (one weight per column of Z), "
                         f"got shape {c.shape}")
    res = _glm.fit_glm(Y.reshape(n, -1), Z, "ols").contrast(c)
    shape = Y.shape[1:]
    effect = np.reshape(res.effect, shape)
    se = np.sqrt(np.reshape(res.variance, shape))
    stat = np.reshape(res.stat, shape)
    return GroupEffect(effect, se, stat, _two_sided(stat, res.df), float(res.df))


def _variances(Y, V):
    V = check_positive("variances", V, allow_zero=False)
    if V.shape != Y.shape:
        raise ValueError(f"variances must have the shape of Y {Y.shape}, got {V.shape}")
    return V


def fixed_effects(Y, variances):
    """Fixed-effects (inverse-variance) combination of subject estimates.

    ``mu = sum(w y) / sum(w)`` with ``w = 1 / sigma_s^2`` and ``se = sum(w)^(-1/2)``; the statistic is
    a z. It ignores between-subject variability, so it describes these subjects only.

    Parameters
    ----------
    Y : array_like, shape (n_subjects, ...)
        Subject estimates (any unit).
    variances : array_like, same shape as Y (unit of Y squared)
        First-level variances of the estimates (unit squared), > 0.

    Returns
    -------
    GroupEffect
        With ``df = inf`` and ``tau2 = None``.

    References
    ----------
    statsmodels ``combine_effects`` (``fe`` results); Woolrich et al. 2004.
    """
    Y = subject_array("Y", Y)
    w = 1.0 / _variances(Y, variances)
    sw = w.sum(axis=0)
    mu = (w * Y).sum(axis=0) / sw
    se = 1.0 / np.sqrt(sw)
    return GroupEffect(mu, se, mu / se, _two_sided(mu / se, np.inf), np.inf)


def mixed_effects(Y, variances, method="dl", max_iter=100, tol=1e-12):
    """Mixed-effects group estimate, weighting subjects by ``1 / (tau^2 + sigma_s^2)``.

    ``tau^2`` (the between-subject variance) is estimated at each voxel:

    * ``"dl"``, DerSimonian-Laird: ``tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))`` with
      ``w = 1 / sigma_s^2`` and Cochran's ``Q = sum w (y - mu_w)^2``;
    * ``"pm"``, Paule-Mandel: ``tau^2 >= 0`` solving ``sum w (y - mu_w)^2 = k - 1`` with
      ``w = 1 / (tau^2 + sigma_s^2)``, by Newton-type fixed-point iteration (vectorised over voxels).

    Then ``mu = sum(w y) / sum(w)``, ``se = sum(w)^(-1/2)`` and ``stat = mu / se`` is a z. With equal
    first-level variances ``mu`` equals the plain mean (the OLS estimate).

    Parameters
    ----------
    Y : array_like, shape (n_subjects, ...)
        Subject estimates (any unit); at least 2 subjects.
    variances : array_like, same shape as Y (unit of Y squared)
        First-level variances (unit squared), > 0.
    method : {"dl", "pm"}, default="dl"
        Estimator of ``tau^2``.
    max_iter : int, default=100
        Iterations of the Paule-Mandel solver, >= 1.
    tol : float, default=1e-12 (dimensionless)
        Relative convergence tolerance of the Paule-Mandel solver, > 0.

    Returns
    -------
    GroupEffect
        With ``df = inf`` and the estimated ``tau2`` (unit squared).

    References
    ----------
    DerSimonian & Laird 1986; Paule & Mandel 1982; statsmodels ``combine_effects(method_re="chi2" |
    "iterated")`` (0.15; its ``"chi2"`` does not truncate ``tau^2`` at 0).
    """
    Y = subject_array("Y", Y)
    V = _variances(Y, variances)
    method = check_option("method", method, ("dl", "pm"))
    max_iter = check_int("max_iter", max_iter, 1)
    tol = float(check_positive("tol", tol))
    k = Y.shape[0]
    w = 1.0 / V
    sw = w.sum(axis=0)
    mu_w = (w * Y).sum(axis=0) / sw
    q = (w * (Y - mu_w) ** 2).sum(axis=0)
    tau2 = np.maximum(0.0, (q - (k - 1)) / (sw - (w**2).sum(axis=0) / sw))
    if method == "pm":
        tau2 = _paule_mandel(Y, V, tau2, max_iter, tol)
    w = 1.0 / (tau2 + V)
    sw = w.sum(axis=0)
    mu = (w * Y).sum(axis=0) / sw
    se = 1.0 / np.sqrt(sw)
    return GroupEffect(mu, se, mu / se, _two_sided(mu / se, np.inf), np.inf, tau2)


def _paule_mandel(Y, V, tau2, max_iter, tol):
    """Solve sum w (y - mu_w)^2 = k - 1 for tau2 >= 0, all voxels at once (DerSimonian-Kacker)."""
    k = Y.shape[0]
    for _ in range(max_iter):  # iterations of a scalar root finder, vectorised over voxels
        w = 1.0 / (tau2 + V)
        sw = w.sum(axis=0)
        mu = (w * Y).sum(axis=0) / sw
        r = Y - mu
        f = (w * r**2).sum(axis=0) - (k - 1)
        df = -(w**2 * r**2).sum(axis=0)  # derivative of the weighted sum of squares in tau2
        step = np.where(df < 0, f / np.where(df < 0, df, -1.0), 0.0)
        new = np.maximum(0.0, tau2 - step)
        if np.all(np.abs(new - tau2) <= tol * (1.0 + np.abs(tau2))):
            return new
        tau2 = new
    return tau2
