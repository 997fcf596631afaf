"""LCMV beamformer (Van Veen et al. 1997) with MNE-Python's conventions.

For a source with lead field :math:`G_k` (whitened, n_channels × n_orient) and the data
covariance :math:`C` (whitened and diagonally loaded), the unit-gain filter is

.. math:: W_k = (G_k^\\top C^{-1} G_k)^{-1} G_k^\\top C^{-1},

which passes the source with gain one and minimises the output power
:math:`\\mathrm{tr}(W_k C W_k^\\top)`. Weight normalisations make the output noise uniform:
unit-noise-gain (Sekihara & Nagarajan 2008), its rotation-invariant form
:math:`(G_k^\\top C^{-2}G_k)^{-1/2}G_k^\\top C^{-1}`, and the neural activity index (NAI).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_option, check_positive
from neurocourse.covariance import psd_power
from neurocourse.inverse.noise import check_covariance, whitener

WEIGHT_NORMS = (None, "unit-noise-gain", "unit-noise-gain-invariant", "nai")


@dataclass(frozen=True, eq=False)
class LCMV:
    """LCMV spatial filters.

    Attributes
    ----------
    W : ndarray, shape (n_orient n_sources, n_channels)
        Filters on raw data: A·m per channel unit for unit-gain weights, otherwise scaled
        (unit-noise-gain: output in units of the whitened noise).
    n_orient : int
        1 (fixed) or 3 (free).
    loading : float
        Diagonal loading added to the whitened data covariance (dimensionless).
    whitened_cov : ndarray, shape (rank, rank)
        Whitened (unloaded) data covariance used for the power.
    whitener : ndarray, shape (rank, n_channels)
        Noise whitener applied before the filter.
    data_cov : ndarray, shape (n_channels, n_channels)
        The data covariance the filters were built from, (channel unit)².
    """

    W: np.ndarray
    n_orient: int
    loading: float
    whitened_cov: np.ndarray
    whitener: np.ndarray
    data_cov: np.ndarray


def make_lcmv(G, data_cov, reg=0.05, noise_cov=None, *, n_orient=1, weight_norm=
              "unit-noise-gain-invariant", reduce_rank=False, ch_types=None) -> LCMV:
    """Build LCMV filters as ``mne.beamformer.make_lcmv`` does (``pick_ori=None``).

    Parameters
    ----------
    G : array_like, shape (n_channels, n_orient n_sources)
        Lead field in channel unit per A·m (free: columns 3k + x, y, z).
    data_cov : array_like, shape (n_channels, n_channels)
        Data covariance in (channel unit)².
    reg : float, default 0.05
        Diagonal loading as a fraction of the mean eigenvalue of the whitened data covariance
        (Gross & Ioannides 1999 eq. 25), >= 0.
    noise_cov : array_like, optional
        Noise covariance for whitening, (channel unit)²; ``None``: identity (one channel type).
    n_orient : {1, 3}
        Columns per source.
    weight_norm : {None, "unit-noise-gain", "unit-noise-gain-invariant", "nai"}
        Weight normalisation (MNE's default is the rotation-invariant unit-noise-gain).
    reduce_rank : bool, default False
        Drop each source's weakest lead-field direction (the sphere's silent radial one) and
        pseudo-invert the 3×3 denominator.
    ch_types : sequence of str, optional
        Channel types for whitening, see :func:`neurocourse.inverse.whitener`.

    Returns
    -------
    LCMV

    References
    ----------
    Van Veen et al. (1997) IEEE TBME 44:867; Gross & Ioannides (1999) Phys Med Biol 44:2081;
    Sekihara & Nagarajan (2008) *Adaptive Spatial Filters for Electromagnetic Brain Imaging*;
    MNE-Python ``_compute_beamformer``.
    """
    G = as_finite("G", G)
    if G.ndim != 2:
        raise ValueError(f"G must have shape (n_channels, n_columns), got {G.shape}")
    n_ch = G.shape[0]
    check_option("n_orient", n_orient, (1, 3))
    check_option("weight_norm", weight_norm, WEIGHT_NORMS)
    check_option("reduce_rank", reduce_rank, (True, False))
    if G.shape[1] % n_orient:
        raise ValueError(f"G must have a multiple of {n_orient} columns, got {G.shape[1]}")
    if reduce_rank and n_orient == 1:
        raise ValueError("reduce_rank needs n_orient=3 (a 3-column lead field per source)")
    reg = float(check_positive("reg", reg, allow_zero=True))
    Cd = check_covariance("data_cov", data_cov, n_ch)
    Wh = np.eye(n_ch) if noise_cov is None else whitener(
        check_covariance("noise_cov", noise_cov, n_ch), ch_types).W
    Cm = Wh @ Cd @ Wh.T
    Cm = 0.5 * (Cm + Cm.T)
    n = Cm.shape[0]
    ev = np.linalg.eigvalsh(Cm)
    loading = reg * float(np.mean(ev))
    Cinv = np.linalg.inv(Cm + loading * np.eye(n))
    Cinv = 0.5 * (Cinv + Cinv.T)
    Gw = Wh @ G
    n_src = G.shape[1] // n_orient
    Gk = Gw.T.reshape(n_src, n_orient, n).transpose(0, 2, 1)  # (src, chan, orient)
    if n_orient == 3 and not reduce_rank:
        sv = np.linalg.svd(Gk, compute_uv=False)
        if np.any(sv[:, 0] > 1e6 * sv[:, 2]):
            raise ValueError("G is rank-deficient at some source (e.g. the radial direction of "
                             "a sphere-model MEG lead field): use reduce_rank=True")
    if reduce_rank:
        u, s, vt = np.linalg.svd(Gk, full_matrices=False)
        Gk = u[:, :, :-1] @ (s[:, :-1, None] * vt[:, :-1, :])
    numer = np.swapaxes(Gk, -1, -2) @ Cinv  # (src, orient, chan)
    denom = numer @ Gk
    if n_orient == 1:
        with np.errstate(divide="ignore"):
            dinv = np.where(denom != 0, 1.0 / np.where(denom != 0, denom, 1.0), 1.0)
    else:
        dinv = psd_power(denom, -1, reduce_rank=reduce_rank)
    W = dinv @ numer
    if weight_norm in ("unit-noise-gain", "nai"):
        nn = np.sqrt(np.einsum("soc,soc->so", W, W))[..., None]
        nn[nn == 0] = np.inf
        W = W / nn
    elif weight_norm == "unit-noise-gain-invariant":
        W = psd_power(numer @ np.swapaxes(numer, -1, -2), -0.5) @ numer
    if weight_norm == "nai":
        noise = max(float(ev[0]), loading)  # rank-th largest eigenvalue at full rank
        W = W / np.sqrt(noise)
    Wf = W.reshape(n_src * n_orient, n) @ Wh
    return LCMV(W=Wf, n_orient=n_orient, loading=loading, whitened_cov=Cm, whitener=Wh,
                data_cov=Cd)


def apply_lcmv(filters: LCMV, b, pick_ori=None) -> np.ndarray:
    """Beamformer output for data ``b``.

    Parameters
    ----------
    filters : LCMV
    b : array_like, shape (n_channels,) or (n_channels, n_times)
        Data in channel units.
    pick_ori : {None, "vector"}
        Free orientation: ``None`` returns the norm of the three outputs (MNE's default).

    Returns
    -------
    out : ndarray, shape (n_sources[, n_times]) or (n_sources, 3[, n_times])
        Filter outputs: A·m for unit-gain filters, units of the whitened noise (dimensionless)
        for the normalised ones.
    """
    check_option("pick_ori", pick_ori, (None, "vector"))
    bb = as_finite("b", b)
    if bb.ndim not in (1, 2) or bb.shape[0] != filters.W.shape[1]:
        raise ValueError(f"b must have {filters.W.shape[1]} rows, got {bb.shape}")
    x = filters.W @ bb
    if filters.n_orient == 3:
        x = x.reshape((-1, 3, *bb.shape[1:]))
        if pick_ori is None:
            x = np.linalg.norm(x, axis=1)
    return x


def lcmv_power(filters: LCMV, cov=None) -> np.ndarray:
    """Source power :math:`P_k = \\mathrm{tr}(W_k C W_k^\\top)`.

    Parameters
    ----------
    filters : LCMV
    cov : array_like, shape (n_channels, n_channels), optional
        Covariance (channel unit²) to project; default the data covariance the filters were
        built from.

    Returns
    -------
    power : ndarray, shape (n_sources,)
        (A·m)² for unit-gain filters; whitened-noise units otherwise.

    References
    ----------
    Van Veen et al. (1997); MNE-Python ``apply_lcmv_cov`` (``_compute_power``).
    """
    n_ch = filters.W.shape[1]
    C = filters.data_cov if cov is None else check_covariance("cov", cov, n_ch)
    Wk = filters.W.reshape(-1, filters.n_orient, n_ch)
    return np.trace(Wk @ C @ np.swapaxes(Wk, -1, -2), axis1=1, axis2=2)
