"""Representational similarity analysis: RDMs, cross-validated Mahalanobis (crossnobis), RDM
comparison and the noise ceiling.

Conventions are those of rsatoolbox 0.3.2 (the field's reference implementation), so values
agree to round-off: dissimilarity vectors list the pairs i < j in ``np.triu_indices(K, 1)``
order; Euclidean and Mahalanobis distances are squared and divided by the number of channels P.

References
----------
Kriegeskorte, Mur & Bandettini (2008) Front Syst Neurosci 2:4 (RSA); Walther et al. (2016)
NeuroImage 137:188 (crossnobis and its unbiasedness); Nili et al. (2014) PLoS Comput Biol
10:e1003553 (noise ceiling, Kendall τa); Diedrichsen et al. (2021) arXiv:2007.02789 (whitened
cosine); rsatoolbox 0.3.2 ``calc_rdm``, ``compare``, ``boot_noise_ceiling``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from neurocourse._validation import as_finite, check_int, check_option

__all__ = [
    "compare_rdms",
    "crossnobis",
    "kendall_tau_a",
    "noise_ceiling",
    "pair_contrasts",
    "rdm",
    "whitened_cosine",
]

RDM_METHODS = ("euclidean", "correlation", "mahalanobis")
COMPARE_METHODS = ("spearman", "pearson", "cosine", "kendall_tau_a", "whitened_cosine")


def pair_contrasts(n_conditions) -> np.ndarray:
    """Rows :math:`e_i - e_j` for the pairs i < j, in ``np.triu_indices`` order.

    Parameters
    ----------
    n_conditions : int
        Number of conditions K (>= 2).

    Returns
    -------
    ndarray, shape (n_pairs, K)
        The pair-contrast matrix C, dimensionless entries 1, -1 and 0; n_pairs = K(K - 1)/2.
    """
    K = check_int("n_conditions", n_conditions, 2)
    i, j = np.triu_indices(K, 1)
    C = np.zeros((i.size, K))
    C[np.arange(i.size), i] = 1.0
    C[np.arange(i.size), j] = -1.0
    return C


def _patterns(name, value) -> np.ndarray:
    A = as_finite(name, value)
    if A.ndim != 2 or A.shape[0] < 2 or A.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n_conditions >= 2, n_channels), got {A.shape}")
    return A


def _precision(precision, P):
    if precision is None:
        return np.eye(P)
    W = as_finite("precision", precision)
    if W.shape != (P, P):
        raise ValueError(f"precision must have shape ({P}, {P}), got {W.shape}")
    return W


def rdm(patterns, method="correlation", precision=None) -> np.ndarray:
    """Representational dissimilarity vector of condition patterns.

    Parameters
    ----------
    patterns : array_like, shape (n_conditions, n_channels)
        One (averaged) activity pattern per condition, in any unit (e.g. beta weights).
    method : {"correlation", "euclidean", "mahalanobis"}
        ``"correlation"``: :math:`1 - r(a_i, a_j)`. ``"euclidean"``: :math:`\\|a_i-a_j\\|^2/P`.
        ``"mahalanobis"``: :math:`(a_i-a_j)^\\top\\Sigma^{-1}(a_i-a_j)/P`.
    precision : array_like, shape (P, P), optional
        :math:`\\Sigma^{-1}` for ``"mahalanobis"``, in units of 1/(pattern unit)² (default
        identity).

    Returns
    -------
    ndarray, shape (n_pairs,)
        Dissimilarities of the pairs i < j in ``np.triu_indices`` order: dimensionless for
        ``"correlation"`` and for ``"mahalanobis"`` with a noise precision; in units of the
        patterns squared for ``"euclidean"`` (and ``"mahalanobis"`` with the identity).

    References
    ----------
    Kriegeskorte et al. (2008) Front Syst Neurosci 2:4; rsatoolbox ``calc_rdm``.
    """
    A = _patterns("patterns", patterns)
    check_option("method", method, RDM_METHODS)
    K, P = A.shape
    i, j = np.triu_indices(K, 1)
    if method == "correlation":
        Z = A - A.mean(axis=1, keepdims=True)
        norms = np.linalg.norm(Z, axis=1)
        if np.any(norms == 0):
            raise ValueError("patterns must not be constant for method='correlation'")
        Z /= norms[:, None]
        return 1.0 - np.sum(Z[i] * Z[j], axis=1)
    W = np.eye(P) if method == "euclidean" else _precision(precision, P)
    D = A[i] - A[j]
    return np.einsum("pi,ij,pj->p", D, W, D) / P


def crossnobis(data, precision=None) -> np.ndarray:
    """Cross-validated Mahalanobis distances (leave-one-fold-out), unbiased under noise.

    :math:`\\hat d_{ij} = \\frac1M\\sum_m(\\bar a^{(\\neg m)}_i-\\bar a^{(\\neg m)}_j)^\\top
    \\Sigma^{-1}(a^{(m)}_i-a^{(m)}_j)/P`. Noise is independent across folds, so it enters the
    two factors independently and averages out: :math:`\\mathbb E\\hat d_{ij} =
    \\delta_{ij}^\\top\\Sigma^{-1}\\delta_{ij}/P`, exactly 0 for identical conditions (estimates
    can then be negative).

    Parameters
    ----------
    data : array_like, shape (n_folds, n_conditions, n_channels)
        One pattern per condition per independent fold (e.g. per run), M >= 2, in any unit.
    precision : array_like, shape (P, P), optional
        Noise precision :math:`\\Sigma^{-1}`, in units of 1/(data unit)² (default identity).

    Returns
    -------
    ndarray, shape (n_pairs,)
        Distance estimates of the pairs i < j (``np.triu_indices`` order), possibly negative:
        dimensionless with a noise precision, in units of the data squared with the identity.

    References
    ----------
    Walther et al. (2016) NeuroImage 137:188, eq. 9; rsatoolbox ``calc_rdm(method="crossnobis")``.
    """
    B = as_finite("data", data)
    if B.ndim != 3 or B.shape[0] < 2 or B.shape[1] < 2:
        raise ValueError(f"data must have shape (n_folds >= 2, n_conditions >= 2, n_channels), "
                         f"got {B.shape}")
    M, K, P = B.shape
    W = _precision(precision, P)
    C = pair_contrasts(K)
    D = np.einsum("pk,mkc->mpc", C, B)  # pair differences per fold, (M, n_pairs, P)
    rest = (D.sum(axis=0)[None] - D) / (M - 1)  # mean of the other folds
    return np.einsum("mpc,cd,mpd->p", rest, W, D) / (M * P)


def kendall_tau_a(a, b) -> float:
    """Kendall's τa: (concordant − discordant)/(n choose 2); ties count only in the denominator.

    Suited to comparing a data RDM with a model RDM that has tied values (Nili 2014); scipy's
    ``kendalltau`` returns τb, which rewards ties.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Two vectors (e.g. RDMs), in any unit: only the signs of differences matter.

    Returns
    -------
    float
        τa, dimensionless, in [-1, 1].

    References
    ----------
    Kendall (1945) Biometrika 33:239; Nili et al. (2014) PLoS Comput Biol 10:e1003553.
    """
    a, b = _pair("a", a, "b", b)
    n = a.size
    i, j = np.triu_indices(n, 1)
    s = np.sum(np.sign(a[i] - a[j]) * np.sign(b[i] - b[j]))
    return float(s / (n * (n - 1) / 2))


def _pair(na, a, nb, b):
    a = as_finite(na, a).ravel()
    b = as_finite(nb, b).ravel()
    if a.size != b.size or a.size < 2:
        raise ValueError(f"{na} and {nb} must have the same length >= 2, got {a.size} and {b.size}")
    return a, b


def whitened_cosine(a, b, n_conditions=None) -> float:
    """Whitened cosine similarity :math:`v_1^\\top V^{-1}v_2/\\sqrt{(v_1^\\top V^{-1}v_1)(v_2^\\top V^{-1}v_2)}`.

    :math:`V = (CC^\\top)\\circ(CC^\\top)`, C the pair-contrast matrix: the covariance
    structure of distance estimates that share a condition (Diedrichsen 2021).

    Parameters
    ----------
    a, b : array_like, shape (n_pairs,)
        Dissimilarity vectors (``np.triu_indices`` order), in any unit (the same for both).
    n_conditions : int, optional
        K; inferred from n_pairs = K(K − 1)/2 when omitted.

    Returns
    -------
    float
        Whitened cosine similarity, dimensionless, in [-1, 1].

    References
    ----------
    Diedrichsen et al. (2021) arXiv:2007.02789; rsatoolbox ``compare(method="cosine_cov")``.
    """
    a, b = _pair("a", a, "b", b)
    K = _n_conditions(a.size) if n_conditions is None else int(n_conditions)
    C = pair_contrasts(K)
    V = (C @ C.T) ** 2
    Va, Vb = np.linalg.solve(V, a), np.linalg.solve(V, b)
    return float(a @ Vb / np.sqrt((a @ Va) * (b @ Vb)))


def _n_conditions(n_pairs):
    K = round(float((1 + np.sqrt(1 + 8 * n_pairs)) / 2))
    if K * (K - 1) // 2 != n_pairs:
        raise ValueError(f"the RDM vectors must have K(K-1)/2 entries, got {n_pairs}")
    return K


def compare_rdms(a, b, method="spearman") -> float:
    """Similarity of two RDM vectors.

    Parameters
    ----------
    a, b : array_like, shape (n_pairs,)
        Dissimilarity vectors, in any unit (the same for both).
    method : {"spearman", "pearson", "cosine", "kendall_tau_a", "whitened_cosine"}
        Rank correlation, Pearson correlation, cosine similarity, Kendall's τa
        (:func:`kendall_tau_a`) or whitened cosine (:func:`whitened_cosine`).

    Returns
    -------
    float
        Similarity, dimensionless, in [-1, 1].

    References
    ----------
    Nili et al. (2014) PLoS Comput Biol 10:e1003553; rsatoolbox ``compare``.
    """
    a, b = _pair("a", a, "b", b)
    check_option("method", method, COMPARE_METHODS)
    if method == "kendall_tau_a":
        return kendall_tau_a(a, b)
    if method == "whitened_cosine":
        return whitened_cosine(a, b)
    if method == "spearman":
        a, b = rankdata(a), rankdata(b)
    if method in ("spearman", "pearson"):
        a, b = a - a.mean(), b - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def _pool(R, method):
    """Average RDM of a group, normalised as rsatoolbox's ``pool_rdm`` does for ``method``."""
    if method == "spearman":
        return np.mean([rankdata(r) for r in R], axis=0)
    if method == "pearson":
        Z = (R - R.mean(axis=1, keepdims=True)) / R.std(axis=1, keepdims=True)
        m = Z.mean(axis=0)
        return m - m.min()
    if method == "cosine":
        return np.mean(R / np.sqrt(np.mean(R**2, axis=1, keepdims=True)), axis=0)
    raise ValueError(f"method must be one of ['spearman', 'pearson', 'cosine'], got {method!r}")


def noise_ceiling(rdms, method="spearman"):
    """Lower and upper bound of the noise ceiling of a group of subject RDMs.

    Upper bound: the mean similarity of each subject's RDM to the group mean including it (no
    model can be expected to do better); lower bound: to the mean of the *other* subjects.

    Parameters
    ----------
    rdms : array_like, shape (n_subjects, n_pairs)
        One RDM per subject, in any unit (the same for all).
    method : {"spearman", "pearson", "cosine"}
        Similarity measure, as in :func:`compare_rdms`; the group mean is normalised to match
        (rsatoolbox ``pool_rdm``).

    Returns
    -------
    (lower, upper) : tuple of float
        Bounds of the similarity a true model can reach, dimensionless.

    References
    ----------
    Nili et al. (2014) PLoS Comput Biol 10:e1003553; rsatoolbox ``boot_noise_ceiling``
    (without bootstrap).
    """
    R = as_finite("rdms", rdms)
    if R.ndim != 2 or R.shape[0] < 2:
        raise ValueError(f"rdms must have shape (n_subjects >= 2, n_pairs), got {R.shape}")
    check_option("method", method, ("spearman", "pearson", "cosine"))
    everyone = _pool(R, method)
    up = np.mean([compare_rdms(everyone, r, method) for r in R])
    idx = np.arange(R.shape[0])
    low = np.mean([compare_rdms(_pool(R[idx != s], method), R[s], method)
                   for s in range(R.shape[0])])
    return float(low), float(up)
