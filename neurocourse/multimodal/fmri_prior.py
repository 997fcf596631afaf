"""fMRI-weighted minimum norm: an fMRI map as a soft prior on the source variance.

Liu, Belliveau and Dale (1998) weight the source covariance of the minimum-norm estimate,
:math:`R = \\operatorname{diag}(w_i d_i)`, with :math:`w_i = 1` where the fMRI map is active and
:math:`w_i = \\nu_0` (0.1: "90 % fMRI weighting") elsewhere, :math:`d_i` being the depth prior.
MNE-Python has no fMRI argument; the equivalent, used here, scales the forward columns by
:math:`\\sqrt{w_i d_i}`, builds the inverse without a depth prior, and scales the current estimate
back by :math:`\\sqrt{w_i d_i}` (dSPM and sLORETA need no back-scaling: their noise normalisation
cancels it). The depth prior must come from the **unscaled** forward: recomputing it on the
scaled gain dilutes the fMRI weight to :math:`w^{1-p}` for depth exponent p (0.1 → 0.63 at
p = 0.8).

References
----------
.. [1] A. K. Liu, J. W. Belliveau and A. M. Dale, "Spatiotemporal imaging of human brain activity
   using functional MRI constrained magnetoencephalography data: Monte Carlo simulations",
   Proc. Natl. Acad. Sci. USA 95:8945-8950, 1998.
.. [2] MNE-Python ``mne.minimum_norm.make_inverse_operator`` (source covariance, trace scaling,
   ``compute_depth_prior``), version 1.x.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_option, check_points, check_range
from neurocourse.inverse import inverse_kernel, make_inverse_operator

__all__ = ["FMRI_METHODS", "fmri_weighted_kernel", "fmri_weights", "peak_localisation_error"]

#: Methods for which the fMRI weighting is the column-scaling recipe above.
FMRI_METHODS = ("MNE", "dSPM", "sLORETA")


def fmri_weights(active, nu0=0.1):
    """Relative source-variance weights from an fMRI map: 1 where active, ``nu0`` elsewhere.

    Parameters
    ----------
    active : array_like of bool, shape (n_sources,)
        Sources inside the (thresholded) fMRI map.
    nu0 : float
        Relative weight outside the map, in (0, 1] (0.1 = "90 % fMRI weighting"; 1 = no prior).
        0 would be a hard mask, which the method avoids on purpose.

    Returns
    -------
    w : ndarray, shape (n_sources,)
        Dimensionless weights.
    """
    a = np.asarray(active)
    if a.dtype != bool:
        raise ValueError(f"active must be a boolean array, got dtype {a.dtype}")
    v = float(check_range("nu0", nu0, 0.0, 1.0, low_inclusive=False))
    return np.where(a, 1.0, v)


def fmri_weighted_kernel(G, noise_cov, active, nu0=0.1, lambda2=1 / 9, method="MNE",
                         depth=None, *, limit=10.0, ch_types=None, rank=None) -> np.ndarray:
    """Fixed-orientation inverse kernel with an fMRI prior on the source variance.

    Parameters
    ----------
    G : array_like, shape (n_channels, n_sources)
        Fixed-orientation lead field, (channel unit)/(A·m).
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance, (channel unit)².
    active : array_like of bool, shape (n_sources,)
        fMRI-active sources.
    nu0 : float
        Relative variance outside the fMRI map, (0, 1] (dimensionless).
    lambda2 : float
        Regularisation (1/SNR², dimensionless).
    method : {"MNE", "dSPM", "sLORETA"}
        Estimate: current (A·m) or noise-normalised (dimensionless).
    depth : float, optional
        Depth-prior exponent (MNE's 0.8), computed on the **unscaled** G; ``None``: none.
    limit : float
        Depth-prior limit (dimensionless).
    ch_types : sequence of str, optional
        Channel types, as :func:`neurocourse.inverse.inverse_kernel`.
    rank : int or dict, optional
        Noise rank, as :func:`neurocourse.inverse.inverse_kernel`.

    Returns
    -------
    K : ndarray, shape (n_sources, n_channels)
        ``K @ b`` is the fMRI-weighted estimate: A·m for MNE (K in A·m per channel unit),
        dimensionless for dSPM and sLORETA.
    """
    method = check_option("method", method, FMRI_METHODS)
    Gf = as_finite("G", G)
    if Gf.ndim != 2:
        raise ValueError(f"G must have shape (n_channels, n_sources), got {Gf.shape}")
    w = fmri_weights(active, nu0)
    if w.shape != (Gf.shape[1],):
        raise ValueError(f"active must have shape ({Gf.shape[1]},), got {w.shape}")
    if depth is None:
        d = np.ones_like(w)
    else:  # depth prior of the unweighted problem: R^{1/2} is its square root (up to a constant)
        op = make_inverse_operator(Gf, noise_cov, orientation="fixed", depth=depth, limit=limit,
                                   ch_types=ch_types, rank=rank)
        d = op.source_std**2
    s = np.sqrt(w * d)
    K = inverse_kernel(Gf * s, noise_cov, lambda2, method, depth=None, ch_types=ch_types,
                       rank=rank)
    return K * s[:, None] if method == "MNE" else K


def peak_localisation_error(estimate, source_rr, true_position) -> float:
    """Distance from the source of largest |estimate| to the true position, in m.

    Parameters
    ----------
    estimate : array_like, shape (n_sources,)
        Source estimate (any unit).
    source_rr : array_like, shape (n_sources, 3)
        Source positions in m.
    true_position : array_like, shape (3,)
        m.

    Returns
    -------
    error : float
        m.
    """
    e = as_finite("estimate", estimate).ravel()
    rr = check_points("source_rr", source_rr)
    if rr.shape[0] != e.size:
        raise ValueError(f"source_rr must have {e.size} rows to match estimate, got {rr.shape[0]}")
    r0 = as_finite("true_position", true_position, unit="m").reshape(3)
    return float(np.linalg.norm(rr[int(np.argmax(np.abs(e)))] - r0))
