"""Noise covariance and whitening for M/EEG inverse modelling.

The whitener follows MNE-Python's ``compute_whitener``/``_smart_eigh``: the covariance is
eigendecomposed separately for each channel group (MEG channels, magnetometers and
gradiometers together, and EEG channels), cross-group covariance is dropped, and only the
``rank`` largest eigenvalues of each group are kept (a PCA whitener). Channel groups with
different units (T, T/m, V) are therefore whitened into one common, dimensionless space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_int, check_option
from neurocourse.covariance import ledoit_wolf, shrunk_covariance

CHANNEL_TYPES = ("mag", "grad", "eeg")


@dataclass(frozen=True, eq=False)
class Whitener:
    """A noise whitener :math:`W` with :math:`W C W^\\top = I_r`.

    Attributes
    ----------
    W : ndarray, shape (rank, n_channels)
        Whitening matrix, in 1/(channel unit) per row (dimensionless output).
    rank : int
        Total number of kept noise eigenvalues (the number of whitened channels).
    eigenvalues : ndarray, shape (rank,)
        Kept noise eigenvalues, in (channel unit)², group by group.
    """

    W: np.ndarray
    rank: int
    eigenvalues: np.ndarray


def _groups(ch_types, n):
    if ch_types is None:
        return [np.arange(n)]
    types = np.asarray([str(t) for t in ch_types], dtype=object)
    if types.shape != (n,):
        raise ValueError(f"ch_types must have one entry per channel ({n}), got {types.shape[0]}")
    for t in types:
        check_option("ch_types entry", t, CHANNEL_TYPES)
    meg = np.flatnonzero((types == "mag") | (types == "grad"))
    eeg = np.flatnonzero(types == "eeg")
    return [g for g in (meg, eeg) if g.size]


def check_covariance(name, cov, n=None) -> np.ndarray:
    """Return ``cov`` as a symmetric (n, n) float array, or raise ValueError naming ``name``.

    Raises if it is not square, not of size ``n``, all zero, or not symmetric (relative
    tolerance 1e-8). Definiteness is checked where it matters, by :func:`whitener` (from the
    eigenvalues of each channel group).

    Parameters
    ----------
    name : str
        Parameter name for the error message.
    cov : array_like, shape (n, n)
        Covariance in (channel unit)².
    n : int, optional
        Required size.

    Returns
    -------
    C : ndarray, shape (n, n)
        The symmetrised covariance, same unit as ``cov``.
    """
    C = as_finite(name, cov)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"{name} must be a square (n_channels, n_channels) matrix, got {C.shape}")
    if n is not None and C.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n}, {n}) to match the lead field, got {C.shape}")
    scale = np.abs(C).max()
    if scale == 0:
        raise ValueError(f"{name} must be positive definite, got the zero matrix")
    if not np.allclose(C, C.T, rtol=1e-8, atol=1e-8 * scale):
        raise ValueError(f"{name} must be symmetric")
    return 0.5 * (C + C.T)


def whitener(noise_cov, ch_types=None, rank=None) -> Whitener:
    """PCA whitener of a noise covariance, per channel group, as MNE computes it.

    Parameters
    ----------
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance in (channel unit)² (T², (T/m)², V²).
    ch_types : sequence of str, optional
        One of ``"mag"``, ``"grad"``, ``"eeg"`` per channel. MEG channels (mag and grad) are
        whitened together and EEG separately; the cross-covariance between MEG and EEG is
        ignored, as in MNE. ``None`` treats all channels as one group.
    rank : int or dict, optional
        Number of noise eigenvalues to keep (per group: a dict ``{"meg": r, "eeg": r}``).
        ``None`` keeps all, and requires ``noise_cov`` to be positive definite (every
        eigenvalue > 1e-12 times the largest of its group).

    Returns
    -------
    Whitener

    Raises
    ------
    ValueError
        If ``noise_cov`` is not a symmetric positive (semi-)definite matrix of the right size.

    References
    ----------
    MNE-Python ``mne.cov.compute_whitener`` and ``_smart_eigh``; Engemann & Gramfort (2015)
    NeuroImage 108:328.
    """
    C = check_covariance("noise_cov", noise_cov)
    n = C.shape[0]
    groups = _groups(ch_types, n)
    rows, eigs = [], []
    for g in groups:
        key = "eeg" if ch_types is not None and str(ch_types[g[0]]) == "eeg" else "meg"
        r = rank.get(key) if isinstance(rank, dict) else rank
        Cg = C[np.ix_(g, g)]
        if np.count_nonzero(Cg - np.diag(np.diag(Cg))) == 0:  # diagonal: no eigensolver needed
            order = np.argsort(np.diag(Cg), kind="stable")
            e, v = np.diag(Cg)[order], np.eye(g.size)[:, order]
        else:
            e, v = np.linalg.eigh(Cg)
        if e[-1] <= 0:
            raise ValueError("noise_cov must be positive definite, got a group with no positive "
                             "eigenvalue")
        if r is None:
            if e[0] <= 1e-12 * e[-1]:
                raise ValueError(f"noise_cov must be positive definite (smallest eigenvalue "
                                 f"{e[0]:.3g} vs largest {e[-1]:.3g}); pass rank= for "
                                 "rank-deficient data")
            r = g.size
        r = check_int("rank", r, 1)
        if r > g.size:
            raise ValueError(f"rank must be <= {g.size} for this channel group, got {r}")
        if e[-r] <= 0:
            raise ValueError(f"rank must be <= the number of positive noise eigenvalues, got {r}")
        e, v = e[-r:], v[:, -r:]
        Wg = np.zeros((r, n))
        Wg[:, g] = v.T / np.sqrt(e)[:, None]
        rows.append(Wg)
        eigs.append(e)
    W = np.vstack(rows)
    return Whitener(W=W, rank=W.shape[0], eigenvalues=np.concatenate(eigs))


def simulate_baseline(noise_cov, n_times, rng=None) -> np.ndarray:
    """Draw noise-only (baseline) samples with a given covariance.

    Parameters
    ----------
    noise_cov : array_like, shape (n_channels, n_channels)
        True noise covariance in (channel unit)², positive semi-definite.
    n_times : int
        Number of samples (>= 2).
    rng : Generator or int, optional
        Random generator or seed.

    Returns
    -------
    baseline : ndarray, shape (n_channels, n_times)
        Zero-mean Gaussian samples in channel units.
    """
    C = check_covariance("noise_cov", noise_cov)
    n_t = check_int("n_times", n_times, 2)
    e, v = np.linalg.eigh(C)
    if e[0] < -1e-10 * e[-1]:
        raise ValueError("noise_cov must be positive semi-definite")
    root = v * np.sqrt(np.clip(e, 0, None))
    return root @ np.random.default_rng(rng).standard_normal((C.shape[0], n_t))


def estimate_noise_cov(baseline, shrinkage=0.0) -> np.ndarray:
    """Noise covariance from baseline data, with optional shrinkage toward a scaled identity.

    :math:`\\hat C = (1-\\alpha)S + \\alpha\\,\\frac{\\mathrm{tr}S}{n}I`, where :math:`S` is the
    sample covariance of the mean-removed baseline, normalised by :math:`n_t - 1` for a given α
    (:func:`neurocourse.covariance.shrunk_covariance`). With ``shrinkage="ledoit_wolf"`` the
    estimate is :func:`neurocourse.covariance.ledoit_wolf` of the baseline (channels as
    features), whose :math:`S` is normalised by :math:`n_t`, as in scikit-learn and MNE.

    Parameters
    ----------
    baseline : array_like, shape (n_channels, n_times)
        Baseline (noise-only) data in channel units. Channels of one type should be passed
        separately or pre-scaled, because the identity target mixes units otherwise.
    shrinkage : float or "ledoit_wolf", default 0.0
        Shrinkage intensity α in [0, 1] (dimensionless), or ``"ledoit_wolf"`` for the Ledoit &
        Wolf (2004) optimal α.

    Returns
    -------
    C : ndarray, shape (n_channels, n_channels)
        Covariance in (channel unit)².

    References
    ----------
    Ledoit & Wolf (2004) J Multivar Anal 88:365 (as in ``sklearn.covariance.ledoit_wolf``);
    Engemann & Gramfort (2015) NeuroImage 108:328.
    """
    X = as_finite("baseline", baseline)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"baseline must have shape (n_channels, n_times >= 2), got {X.shape}")
    if isinstance(shrinkage, str):
        check_option("shrinkage", shrinkage, ("ledoit_wolf",))
        return ledoit_wolf(X.T)[0]
    X = X - X.mean(axis=1, keepdims=True)
    return shrunk_covariance(X @ X.T / (X.shape[1] - 1), shrinkage)
