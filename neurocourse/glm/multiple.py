"""Multiple comparisons over many voxels: Bonferroni (family-wise error) and Benjamini-Hochberg (FDR).

References
----------
Benjamini & Hochberg (1995) J R Stat Soc B 57:289; statsmodels ``stats.multitest.multipletests``.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import check_range

__all__ = ["bonferroni", "fdr_bh"]


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
        Family-wise error rate (a probability), in (0, 1).

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
        Target false discovery rate q (a proportion), in (0, 1).

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
