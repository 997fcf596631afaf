"""Why the M/EEG inverse problem is ill-posed: SVD of the whitened lead field, null space.

A sensor array measures a few hundred numbers; the cortex holds thousands of sources. The
whitened lead field :math:`\\tilde G = WG` therefore has a null space (source patterns that
produce no data at all), and its singular values decay quickly, so the patterns that are
seen only weakly are drowned by noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_vec3
from neurocourse.inverse.noise import whitener


@dataclass(frozen=True, eq=False)
class WhitenedSVD:
    """SVD :math:`\\tilde G = U\\,\\mathrm{diag}(s)\\,V^\\top` of a whitened lead field.

    Attributes
    ----------
    s : ndarray, shape (k,)
        Singular values, descending, dimensionless per A·m (whitened data per unit source).
    U : ndarray, shape (rank, k)
        Left singular vectors (whitened sensor patterns).
    Vt : ndarray, shape (k, n_sources)
        Right singular vectors (source patterns), rows.
    W : ndarray, shape (rank, n_channels)
        The whitener used.
    condition_number : float
        :math:`s_{max}/s_{min}` over the numerically non-zero singular values.
    numerical_rank : int
        Number of singular values above ``1e-10 * s_max``.
    """

    s: np.ndarray
    U: np.ndarray
    Vt: np.ndarray
    W: np.ndarray
    condition_number: float
    numerical_rank: int


def _check_gain(G) -> np.ndarray:
    G = as_finite("G", G)
    if G.ndim != 2 or G.shape[0] < 1 or G.shape[1] < 1:
        raise ValueError(f"G must have shape (n_channels, n_sources), got {G.shape}")
    return G


def whitened_svd(G, noise_cov=None, ch_types=None, rank=None) -> WhitenedSVD:
    """Singular value decomposition of the noise-whitened lead field.

    Parameters
    ----------
    G : array_like, shape (n_channels, n_sources)
        Lead field in (channel unit)/(A·m): T/(A·m), T/(m·A·m) or V/(A·m).
    noise_cov : array_like, shape (n_channels, n_channels), optional
        Noise covariance in (channel unit)². ``None`` uses the identity (no whitening), which
        only makes sense for a single channel type in arbitrary units.
    ch_types : sequence of str, optional
        Channel types (``"mag"``, ``"grad"``, ``"eeg"``) for mixed-type whitening, see
        :func:`neurocourse.inverse.whitener`.
    rank : int or dict, optional
        Noise rank to keep (rank-deficient covariances).

    Returns
    -------
    WhitenedSVD

    References
    ----------
    Hansen (1998) *Rank-Deficient and Discrete Ill-Posed Problems*, SIAM, ch. 2; MNE-Python
    ``make_inverse_operator`` (whitening then SVD of :math:`\\tilde G R^{1/2}`).
    """
    G = _check_gain(G)
    n = G.shape[0]
    W = np.eye(n) if noise_cov is None else whitener(noise_cov, ch_types, rank).W
    if noise_cov is not None and W.shape[1] != n:
        raise ValueError(f"noise_cov must have shape ({n}, {n}) to match G, got "
                         f"{np.shape(noise_cov)}")
    U, s, Vt = np.linalg.svd(W @ G, full_matrices=False)
    nz = s > 1e-10 * s[0] if s[0] > 0 else np.zeros(s.shape, bool)
    k = int(nz.sum())
    cond = float(s[0] / s[k - 1]) if k else np.inf
    return WhitenedSVD(s=s, U=U, Vt=Vt, W=W, condition_number=cond, numerical_rank=k)


def null_space_patterns(G, n_patterns=None, tol=1e-10) -> np.ndarray:
    """Orthonormal source patterns that produce exactly zero data, :math:`G\\,\\mathbf j = 0`.

    Parameters
    ----------
    G : array_like, shape (n_channels, n_sources)
        Lead field of the array (MEG, EEG or both stacked; any channel units).
    n_patterns : int, optional
        How many patterns to return (default: the whole null space).
    tol : float, default 1e-10
        Singular values below ``tol * s_max`` count as zero.

    Returns
    -------
    patterns : ndarray, shape (n_sources, n_patterns)
        Orthonormal columns spanning (part of) the null space; unit: A·m per unit norm.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. IV.A (non-uniqueness); Helmholtz (1853)
    Ann Phys Chem 89:211.
    """
    G = _check_gain(G)
    _, s, Vt = np.linalg.svd(G, full_matrices=True)
    r = int(np.sum(s > tol * s[0])) if s.size and s[0] > 0 else 0
    null = Vt[r:].T
    if n_patterns is not None:
        if int(n_patterns) != n_patterns or not 1 <= n_patterns <= null.shape[1]:
            raise ValueError(f"n_patterns must be an integer in [1, {null.shape[1]}], "
                             f"got {n_patterns!r}")
        null = null[:, : int(n_patterns)]
    return null


def radial_dipoles(r_sources, center=(0, 0, 0)) -> np.ndarray:
    """Unit radial orientations at source positions: the dipoles a sphere hides from MEG.

    In a spherically symmetric conductor a radial dipole produces no magnetic field outside
    (Sarvas 1987): the simplest instance of Helmholtz's non-uniqueness, since any amount of
    radial current can be added to a source estimate without changing the MEG data.

    Parameters
    ----------
    r_sources : array_like, shape (n, 3)
        Source positions in m.
    center : array_like, shape (3,)
        Sphere centre in m.

    Returns
    -------
    nn : ndarray, shape (n, 3)
        Unit vectors (dimensionless) from the centre through each source.
    """
    c = check_vec3("center", center, unit="m")
    p = as_finite("r_sources", r_sources)
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError(f"r_sources must have shape (n, 3), got {p.shape}")
    d = p - c
    r = np.linalg.norm(d, axis=1)
    if np.any(r == 0):
        raise ValueError("r_sources must not contain the sphere centre (radial is undefined)")
    return d / r[:, None]
