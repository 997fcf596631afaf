"""EEG references: potentials relative to infinity, to the average, or to chosen electrodes.

A potential is only measured as a difference. Forward models give potentials against infinity
(:math:`V_i`); a recording references them to some :math:`V_{ref}`, a fixed linear combination of
the electrodes, :math:`\\tilde V_i = V_i - \\mathbf w^\\top\\mathbf V`, i.e.
:math:`\\tilde{\\mathbf V} = (I - \\mathbf 1\\mathbf w^\\top)\\mathbf V`. The average reference
has :math:`\\mathbf w = \\mathbf 1/n`; an electrode :math:`k` has :math:`\\mathbf w = \\mathbf e_k`;
linked mastoids average two electrodes. The same matrix acts on data and on lead fields (rows are
channels), and re-referencing already-referenced data to a new reference needs nothing else,
because :math:`(I - \\mathbf 1\\mathbf w^\\top)(I - \\mathbf 1\\mathbf v^\\top) = I - \\mathbf 1\\mathbf w^\\top`
whenever :math:`\\mathbf w^\\top\\mathbf 1 = 1`.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_int

__all__ = ["average_reference", "reference_matrix", "rereference"]


def _weights(ref, n: int, ch_names) -> np.ndarray | None:
    if isinstance(ref, str) and ref in ("infinity", "average"):
        return None if ref == "infinity" else np.full(n, 1.0 / n)
    refs = [ref] if isinstance(ref, (str, int, np.integer)) else list(ref)
    if not refs:
        raise ValueError("ref must name at least one electrode, got an empty list")
    w = np.zeros(n)
    for r in refs:
        if isinstance(r, str):
            if ch_names is None or r not in list(ch_names):
                raise ValueError(f"ref must be 'infinity', 'average', an electrode index in "
                                 f"[0, {n - 1}] or one of ch_names, got {r!r}")
            w[list(ch_names).index(r)] += 1.0 / len(refs)
        else:
            i = check_int("ref", r, 0)
            if i >= n:
                raise ValueError(f"ref must be an electrode index in [0, {n - 1}], got {i}")
            w[i] += 1.0 / len(refs)
    return w


def reference_matrix(n_channels, ref="average", ch_names=None) -> np.ndarray:
    """The (n, n) operator :math:`I - \\mathbf 1\\mathbf w^\\top` of a reference.

    Parameters
    ----------
    n_channels : int
        Number of electrodes (>= 1).
    ref : "infinity", "average", int, str or sequence of int/str
        ``"infinity"`` (identity: reference-free data such as a forward model), ``"average"``,
        one electrode (index or name), or several (their mean, e.g. linked mastoids).
    ch_names : sequence of str, optional
        Electrode names, needed when ``ref`` names electrodes.

    Returns
    -------
    T : ndarray, shape (n_channels, n_channels)
        Dimensionless; ``T @ V`` re-references.

    References
    ----------
    Nunez & Srinivasan (2006) *Electric Fields of the Brain*, 2nd ed., ch. 7; MNE-Python
    ``set_eeg_reference``.
    """
    n = check_int("n_channels", n_channels, 1)
    w = _weights(ref, n, ch_names)
    T = np.eye(n)
    if w is not None:
        T -= np.outer(np.ones(n), w)
    return T


def rereference(data, ref="average", ch_names=None) -> np.ndarray:
    """Re-reference EEG data or an EEG lead field (rows are electrodes).

    Parameters
    ----------
    data : array_like, shape (n_channels,) or (n_channels, m)
        Potentials in V (or a lead field in V/(A·m)) against any common reference.
    ref : see :func:`reference_matrix`
    ch_names : sequence of str, optional
        Electrode names.

    Returns
    -------
    ndarray, same shape as ``data``
        Against the new reference; the reference electrode's own row becomes 0.

    References
    ----------
    Nunez & Srinivasan (2006) *Electric Fields of the Brain*, ch. 7.
    """
    X = as_finite("data", data)
    if X.ndim not in (1, 2) or X.shape[0] == 0:
        raise ValueError(f"data must have shape (n_channels,) or (n_channels, m), got {X.shape}")
    w = _weights(ref, X.shape[0], ch_names)
    if w is None:
        return X.copy()
    return X - np.tensordot(w, X, axes=(0, 0))[None, ...]


def average_reference(data) -> np.ndarray:
    """Average-reference EEG data or a lead field: subtract the mean over electrodes (rows).

    Parameters
    ----------
    data : array_like, shape (n_channels,) or (n_channels, m)
        Potentials (V) or lead field (V/(A·m)).

    Returns
    -------
    ndarray
        Same shape and units as ``data`` (V or V/(A·m)); every column sums to zero.
    """
    return rereference(data, "average")
