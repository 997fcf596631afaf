"""Spatial resolution of linear inverses: resolution matrix, PSFs, CTFs and their metrics.

The resolution matrix :math:`\\mathrm{Res} = KG` maps true sources to estimated ones. Column
:math:`k` is the point-spread function (PSF) of source :math:`k`: the estimate of a unit source
there. Row :math:`k` is the cross-talk function (CTF): how much every source leaks into the
estimate at :math:`k`. The metrics follow Hauk, Stenroos & Treder (2022) and MNE-Python's
``resolution_metrics``, but on any source grid and with distances in m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_option, check_points, check_vec3


def resolution_matrix(K, G) -> np.ndarray:
    """Resolution matrix :math:`\\mathrm{Res} = KG`.

    Parameters
    ----------
    K : array_like, shape (n_rows, n_channels)
        Inverse kernel (rows: estimated source components), estimate unit per channel unit.
    G : array_like, shape (n_channels, n_columns)
        Lead field in channel unit per A·m.

    Returns
    -------
    Res : ndarray, shape (n_rows, n_columns)
        Estimate per A·m of true source (dimensionless for MNE; 1/(A·m) for dSPM/sLORETA).

    References
    ----------
    Hauk, Stenroos & Treder (2022) NeuroImage 255:119177; MNE-Python
    ``make_inverse_resolution_matrix``.
    """
    K = as_finite("K", K)
    G = as_finite("G", G)
    if K.ndim != 2 or G.ndim != 2 or K.shape[1] != G.shape[0]:
        raise ValueError(f"K (n_rows, n_channels) and G (n_channels, n_columns) must share "
                         f"n_channels, got K {K.shape} and G {G.shape}")
    return K @ G


def _amplitudes(res, n_orient):
    """|Res| per (estimated location, true location); 3x3 blocks combined by Frobenius norm."""
    if n_orient == 1:
        return np.abs(res)
    n_r, n_c = res.shape[0] // 3, res.shape[1] // 3
    return np.sqrt(np.sum(res.reshape(n_r, 3, n_c, 3) ** 2, axis=(1, 3)))


@dataclass(frozen=True, eq=False)
class ResolutionMetrics:
    """Per-source resolution metrics (distances in m).

    Attributes
    ----------
    peak_error : ndarray, shape (n_sources,)
        Distance from the true source to the maximum of its PSF (or CTF), m.
    cog_error : ndarray, shape (n_sources,)
        Distance from the true source to the centre of gravity of the absolute PSF, m.
    spatial_deviation : ndarray, shape (n_sources,)
        :math:`\\sqrt{\\sum a_i^2 d_i^2/\\sum a_i^2}` (Molins et al. 2008 eq. 12), m.
    peak_index : ndarray of int, shape (n_sources,)
        Index of the grid point where each function peaks (-1 where it is zero).

    Sources whose function is identically zero (invisible to the array) get NaN metrics.
    """

    peak_error: np.ndarray
    cog_error: np.ndarray
    spatial_deviation: np.ndarray
    peak_index: np.ndarray


def resolution_metrics(res, source_rr, function="psf", n_orient=1) -> ResolutionMetrics:
    """Peak localisation error, centre-of-gravity error and spatial deviation.

    Parameters
    ----------
    res : array_like, shape (n_orient n_sources, n_orient n_sources)
        Resolution matrix from :func:`resolution_matrix` (any unit: only relative amplitudes
        matter).
    source_rr : array_like, shape (n_sources, 3)
        Source positions in m.
    function : {"psf", "ctf"}
        Columns (point-spread) or rows (cross-talk).
    n_orient : {1, 3}
        3 for free orientation (3x3 blocks combined by their Frobenius norm).

    Returns
    -------
    ResolutionMetrics

    References
    ----------
    Hauk, Stenroos & Treder (2022) NeuroImage 255:119177; Molins et al. (2008) NeuroImage
    42:1069; MNE-Python ``mne.minimum_norm.resolution_metrics`` (there in cm).
    """
    check_option("function", function, ("psf", "ctf"))
    check_option("n_orient", n_orient, (1, 3))
    R = as_finite("res", res)
    rr = check_points("source_rr", source_rr)
    n = rr.shape[0]
    if R.shape != (n_orient * n, n_orient * n):
        raise ValueError(f"res must have shape ({n_orient * n}, {n_orient * n}) for {n} "
                         f"sources, got {R.shape}")
    A = _amplitudes(R, n_orient)
    if function == "ctf":
        A = A.T
    # A[i, k]: amplitude at grid point i of the function of source k
    peak = np.argmax(A, axis=0)
    d = np.linalg.norm(rr[:, None, :] - rr[None, :, :], axis=2)  # d[i, k]
    tot = A.sum(axis=0)
    seen = tot > 0  # a source the array cannot see (e.g. radial, for MEG) has a zero PSF
    safe = np.where(seen, tot, 1.0)
    peak_err = np.where(seen, d[peak, np.arange(n)], np.nan)
    cog = (A / safe).T @ rr
    cog_err = np.where(seen, np.linalg.norm(cog - rr, axis=1), np.nan)
    a2 = A**2
    sd = np.where(seen, np.sqrt(np.sum(a2 * d**2, axis=0) / np.where(seen, np.sum(a2, axis=0),
                                                                      1.0)), np.nan)
    peak = np.where(seen, peak, -1)
    return ResolutionMetrics(peak_error=peak_err, cog_error=cog_err, spatial_deviation=sd,
                             peak_index=peak)


def peak_depth_bias(metrics: ResolutionMetrics, source_rr, center=(0, 0, 0)) -> np.ndarray:
    """Radial offset of each function's peak: positive when the peak is more superficial.

    :math:`\\|\\mathbf r_{peak} - \\mathbf c\\| - \\|\\mathbf r_{true} - \\mathbf c\\|`, the
    quantity that shows the minimum-norm estimate's superficial bias (Lin et al. 2006).

    Parameters
    ----------
    metrics : ResolutionMetrics
        From :func:`resolution_metrics` on the same grid.
    source_rr : array_like, shape (n_sources, 3)
        Source positions in m.
    center : array_like, shape (3,)
        Head (sphere) centre in m.

    Returns
    -------
    bias : ndarray, shape (n_sources,)
        In m; NaN where the function is zero (invisible source).

    References
    ----------
    Lin et al. (2006) NeuroImage 31:160; Hauk, Wakeman & Henson (2011) NeuroImage 54:1966.
    """
    rr = check_points("source_rr", source_rr) - check_vec3("center", center, unit="m")
    idx = np.asarray(metrics.peak_index)
    if idx.shape != (rr.shape[0],):
        raise ValueError(f"metrics must describe {rr.shape[0]} sources, got {idx.shape}")
    r = np.linalg.norm(rr, axis=1)
    return np.where(idx >= 0, r[np.clip(idx, 0, None)] - r, np.nan)
