"""Power of a group study: the one-sample t test with a standardised effect size.

With n subjects and a standardised group effect ``d = mu / sd`` (mean over the between-subject
standard deviation of the subjects' contrast estimates), the t statistic has a non-central t
distribution with ``n - 1`` df and non-centrality ``delta = d sqrt(n)``. The power at level alpha is
``P(T > t_(1-alpha)) `` one-sided, or ``P(|T| > t_(1-alpha/2))`` two-sided. For a voxel-wise map,
alpha is the corrected per-voxel level (e.g. the Bonferroni or RFT threshold's p).

References
----------
.. [1] J. A. Mumford and T. E. Nichols, "Power calculation for group fMRI studies accounting for
   arbitrary design and temporal autocorrelation", NeuroImage 39:261-268, 2008.
.. [2] statsmodels ``stats.power.TTestPower`` (the same non-central t).
"""

from __future__ import annotations

import numpy as np
import scipy.stats

from neurocourse._validation import as_finite, check_int, check_option, check_range

__all__ = ["one_sample_power", "subjects_for_power"]


def one_sample_power(effect_size, n_subjects, alpha=0.05, tail=1):
    """Power of the one-sample t test for a standardised effect size.

    Parameters
    ----------
    effect_size : float or array_like
        Cohen's d = group mean / between-subject SD (dimensionless).
    n_subjects : int or array_like of int
        Number of subjects, >= 2.
    alpha : float, default=0.05 (dimensionless)
        Test level, in (0, 1).
    tail : {1, 0}, default=1
        One-sided (effect > 0) or two-sided.

    Returns
    -------
    float or ndarray (dimensionless)
        Power in [0, 1].
    """
    d = as_finite("effect_size", effect_size)
    n = np.asarray(n_subjects)
    if np.any(n < 2) or np.any(n != np.round(n)):
        raise ValueError(f"n_subjects must be integers >= 2, got {n_subjects!r}")
    alpha = float(check_range("alpha", alpha, 0, 1, low_inclusive=False, high_inclusive=False))
    tail = check_option("tail", tail, (0, 1))
    df = n - 1.0
    nc = d * np.sqrt(n)
    if tail == 1:
        p = scipy.stats.nct.sf(scipy.stats.t.isf(alpha, df), df, nc)
    else:
        crit = scipy.stats.t.isf(alpha / 2, df)
        p = scipy.stats.nct.sf(crit, df, nc) + scipy.stats.nct.cdf(-crit, df, nc)
    return p[()] if np.ndim(p) == 0 else p


def subjects_for_power(effect_size, power=0.8, alpha=0.05, tail=1, max_subjects=10_000):
    """Smallest number of subjects whose one-sample t test reaches the target power.

    Parameters
    ----------
    effect_size : float
        Cohen's d (> 0).
    power : float, default=0.8 (dimensionless)
        Target power, in (0, 1).
    alpha : float, default=0.05 (dimensionless)
        Test level.
    tail : {1, 0}, default=1
        One- or two-sided.
    max_subjects : int, default=10000
        Search limit, >= 2.

    Returns
    -------
    int
        The sample size.
    """
    d = float(check_range("effect_size", effect_size, 0, None, low_inclusive=False))
    power = float(check_range("power", power, 0, 1, low_inclusive=False, high_inclusive=False))
    max_subjects = check_int("max_subjects", max_subjects, 2)
    n = np.arange(2, max_subjects + 1)
    ok = np.flatnonzero(one_sample_power(d, n, alpha, tail) >= power)
    if ok.size == 0:
        raise ValueError(f"effect_size {d} needs more than max_subjects = {max_subjects} subjects")
    return int(n[ok[0]])
