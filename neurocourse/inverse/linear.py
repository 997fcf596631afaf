"""Linear inverse operators with MNE-Python's conventions: MNE, dSPM, sLORETA, eLORETA.

The recipe (Hämäläinen & Ilmoniemi 1994; Dale et al. 2000; MNE ``make_inverse_operator``):

1. whiten the lead field, :math:`\\tilde G = WG`;
2. source covariance :math:`R` = depth prior × orientation prior, scaled so that
   :math:`\\mathrm{tr}(\\tilde G R\\tilde G^\\top)` equals the noise rank;
3. SVD :math:`\\tilde G R^{1/2} = U\\Sigma V^\\top`;
4. kernel :math:`K = R^{1/2} V\\,\\mathrm{diag}\\big(\\sigma/(\\sigma^2+\\lambda^2)\\big) U^\\top W`;
5. noise normalisation (dSPM, sLORETA) or the eLORETA weight iteration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_int, check_option, check_positive
from neurocourse.covariance import psd_power
from neurocourse.inverse.noise import CHANNEL_TYPES, whitener

METHODS = ("MNE", "dSPM", "sLORETA", "eLORETA")
ORIENTATIONS = ("fixed", "loose", "free")


@dataclass(frozen=True, eq=False)
class InverseOperator:
    """A prepared linear inverse operator (everything except λ² and the method).

    Attributes
    ----------
    W : ndarray, shape (rank, n_channels)
        Noise whitener, 1/(channel unit).
    U : ndarray, shape (rank, k)
        Eigenfields (left singular vectors of :math:`\\tilde G R^{1/2}`).
    s : ndarray, shape (k,)
        Singular values of :math:`\\tilde G R^{1/2}` (dimensionless).
    V : ndarray, shape (n_rows, k)
        Eigenleads (right singular vectors), not yet weighted by :math:`R^{1/2}`.
    source_std : ndarray, shape (n_rows,)
        :math:`R^{1/2}` diagonal, in A·m per unit whitened data (after trace scaling).
    G_white : ndarray, shape (rank, n_rows)
        Whitened lead field in the source frame (no source weighting), per A·m.
    orient_prior : ndarray, shape (n_rows,)
        Orientation prior (1 for fixed/free; ``loose`` on the tangential rows).
    n_orient : int
        1 (fixed) or 3 (free/loose: rows 3k, 3k+1, 3k+2 are source k).
    frames : ndarray, shape (n_sources, 3, 3) or None
        Source frames (rows: the two tangential directions then the normal) for loose
        orientation; ``None`` means the x, y, z axes.
    """

    W: np.ndarray
    U: np.ndarray
    s: np.ndarray
    V: np.ndarray
    source_std: np.ndarray
    G_white: np.ndarray
    orient_prior: np.ndarray
    n_orient: int
    frames: np.ndarray | None

    @property
    def n_sources(self) -> int:
        """Number of source locations."""
        return self.V.shape[0] // self.n_orient


def _unpack_forward(G):
    """Accept a :class:`neurocourse.forward.Forward` (duck-typed) or a plain lead-field array."""
    if hasattr(G, "G") and hasattr(G, "ch_types"):
        nn = getattr(G, "source_nn", None)
        return G.G, list(G.ch_types), nn
    return G, None, None


def lambda2_from_snr(snr) -> float:
    """Regularisation parameter :math:`\\lambda^2 = 1/\\mathrm{SNR}^2` (MNE's convention).

    Parameters
    ----------
    snr : float
        Amplitude signal-to-noise ratio of the whitened data (> 0; MNE's default 3).

    Returns
    -------
    lambda2 : float
        Dimensionless.

    References
    ----------
    MNE-Python tutorial "Source localization with MNE, dSPM, sLORETA, and eLORETA".
    """
    return float(1.0 / check_positive("snr", snr) ** 2)


def _frames(nn):
    """Orthonormal frames (t1, t2, n) per source, rows; n is the given normal."""
    n = nn / np.linalg.norm(nn, axis=1, keepdims=True)
    # a helper axis that is never parallel to n
    helper = np.where(np.abs(n[:, :1]) < 0.9, [[1.0, 0, 0]], [[0.0, 1, 0]])
    t1 = np.cross(n, helper)
    t1 /= np.linalg.norm(t1, axis=1, keepdims=True)
    t2 = np.cross(n, t1)
    return np.stack([t1, t2, n], axis=1)


def _depth_prior(Gd, n_orient, exp, limit):
    """MNE ``compute_depth_prior``: spectral norm of 3x3 blocks (free) or column norm (fixed)."""
    if n_orient == 1:
        d = np.sum(Gd**2, axis=0)
    else:
        G3 = Gd.reshape(Gd.shape[0], -1, 3)
        d = np.linalg.norm(np.einsum("svj,svk->vjk", G3, G3), ord=2, axis=(1, 2))
    if np.all(d == 0):
        raise ValueError("G must not be all zeros (the depth prior is undefined)")
    d[d == 0] = d[d != 0].min()
    w = 1.0 / d
    if limit is not None:
        ws = np.sort(w)
        lim = ws[-1]
        if ws[-1] > limit**2 * ws[0]:
            lim = ws[np.flatnonzero(ws > limit**2 * ws[0])[0]]
        w = np.minimum(w / lim, 1.0)
    return w**exp


def _depth_rows(ch_types, n):
    """MNE ``limit_depth_chs=True``: gradiometers if any, else magnetometers, else EEG."""
    if ch_types is None:
        return np.arange(n)
    types = np.asarray([str(t) for t in ch_types], dtype=object)
    for kind in ("grad", "mag", "eeg"):
        sel = np.flatnonzero(types == kind)
        if sel.size:
            return sel
    return np.arange(n)


def make_inverse_operator(G, noise_cov, *, orientation="fixed", source_nn=None, loose=0.2,
                          depth=None, limit=10.0, ch_types=None, rank=None) -> InverseOperator:
    """Prepare a minimum-norm-type inverse operator as MNE's ``make_inverse_operator`` does.

    Parameters
    ----------
    G : array_like, shape (n_channels, n_sources) or (n_channels, 3 * n_sources), or Forward
        Lead field in (channel unit)/(A·m). A fixed-orientation G has one column per source;
        a free one has columns 3k + (x, y, z) (the order of ``neurocourse.meg.lead_field``).
        A :class:`neurocourse.forward.Forward` supplies G and its channel types (and its
        ``source_nn`` when it is free and the orientation is fixed or loose).
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance in (channel unit)².
    orientation : {"fixed", "loose", "free"}, default "fixed"
        ``"fixed"`` with a free G needs ``source_nn`` and projects G on it (as MNE's
        ``fixed=True`` does; the depth prior is then computed on the free G, as MNE does).
        ``"loose"`` needs a free G and ``source_nn``; the tangential variance is ``loose``.
    source_nn : array_like, shape (n_sources, 3), optional
        Source normals (dimensionless).
    loose : float, default 0.2
        Tangential-to-normal source variance ratio for ``"loose"``, in (0, 1).
    depth : float, optional
        Depth-prior exponent, dimensionless (MNE's default is 0.8); ``None`` for no depth prior.
    limit : float, default 10.0
        Depth-prior limit, dimensionless: the largest weight ratio is ``limit**2``.
    ch_types : sequence of str, optional
        ``"mag"``, ``"grad"`` or ``"eeg"`` per channel: whitening per channel group, and the
        depth prior computed on gradiometers (else magnetometers, else EEG) as MNE does.
    rank : int or dict, optional
        Noise rank to keep (rank-deficient covariance), see :func:`whitener`.

    Returns
    -------
    InverseOperator

    References
    ----------
    Hämäläinen & Ilmoniemi (1994) Med Biol Eng Comput 32:35; Lin et al. (2006) NeuroImage
    31:160 (loose orientation, depth weighting); MNE-Python ``make_inverse_operator``,
    ``compute_depth_prior``.
    """
    return _prepare(G, noise_cov, orientation, source_nn, loose, depth, limit, ch_types, rank,
                    svd=True)


def _prepare(G, noise_cov, orientation, source_nn, loose, depth, limit, ch_types, rank, svd):
    """Validate, orient, depth-weight and whiten; with ``svd`` assemble the operator."""
    G, fwd_types, fwd_nn = _unpack_forward(G)
    if ch_types is None:
        ch_types = fwd_types
    if source_nn is None and orientation != "free":
        source_nn = fwd_nn if G.shape[1] == 3 * (0 if fwd_nn is None else len(fwd_nn)) else None
    G = as_finite("G", G)
    if G.ndim != 2:
        raise ValueError(f"G must have shape (n_channels, n_sources), got {G.shape}")
    n_ch, n_col = G.shape
    C = as_finite("noise_cov", noise_cov)
    if C.shape != (n_ch, n_ch):
        raise ValueError(f"noise_cov must have shape ({n_ch}, {n_ch}) to match G {G.shape}, "
                         f"got {C.shape}")
    check_option("orientation", orientation, ORIENTATIONS)
    if ch_types is not None:
        ch_types = [str(t) for t in ch_types]
        if len(ch_types) != n_ch:
            raise ValueError(f"ch_types must have one entry per channel ({n_ch}), got "
                             f"{len(ch_types)}")
        for t in ch_types:
            check_option("ch_types entry", t, CHANNEL_TYPES)
    nn = None
    if source_nn is not None:
        nn = as_finite("source_nn", source_nn)
        if nn.ndim != 2 or nn.shape[1] != 3 or np.any(np.linalg.norm(nn, axis=1) == 0):
            raise ValueError(f"source_nn must have shape (n_sources, 3) with non-zero rows, got "
                             f"{nn.shape}")
    free_input = nn is not None and n_col == 3 * nn.shape[0]
    if orientation in ("loose", "free") or (orientation == "fixed" and nn is not None):
        if n_col % 3:
            raise ValueError(f"G must have 3 * n_sources columns for orientation="
                             f"{orientation!r}, got {n_col}")
        if nn is not None and not free_input:
            raise ValueError(f"source_nn must have shape ({n_col // 3}, 3) to match G, got "
                             f"{nn.shape}")
    if orientation == "loose":
        if nn is None:
            raise ValueError("source_nn is required for orientation='loose'")
        loose = float(check_positive("loose", loose))
        if not 0 < loose < 1:
            raise ValueError(f"loose must be in (0, 1) for orientation='loose', got {loose}")
    exp = None
    if depth is not None:
        exp = float(check_positive("depth", depth, allow_zero=True)) or None
    if limit is not None:
        limit = float(check_positive("limit", limit))

    drows = _depth_rows(ch_types, n_ch)
    frames = None
    if orientation == "fixed":
        n_orient = 1
        if free_input:
            n = nn / np.linalg.norm(nn, axis=1, keepdims=True)
            dp = None if exp is None else _depth_prior(G[drows], 3, exp, limit)
            G = np.einsum("ckj,kj->ck", G.reshape(n_ch, -1, 3), n)
        else:
            dp = None if exp is None else _depth_prior(G[drows], 1, exp, limit)
        orient = np.ones(G.shape[1])
        depth_rows = dp
    else:
        n_orient = 3
        dp = None if exp is None else _depth_prior(G[drows], 3, exp, limit)
        depth_rows = None if dp is None else np.repeat(dp, 3)
        orient = np.ones(n_col)
        if orientation == "loose":
            frames = _frames(nn)
            # column block k becomes G_k @ frames_k.T: (t1, t2, n) components
            G = np.einsum("ckj,kij->cki", G.reshape(n_ch, -1, 3), frames).reshape(n_ch, -1)
            orient = np.tile([loose, loose, 1.0], n_col // 3)
    wh = whitener(C, ch_types, rank)
    prior = orient if depth_rows is None else depth_rows * orient
    if not svd:  # the caller assembles the kernel itself (prior in source_std)
        return InverseOperator(W=wh.W, U=None, s=None, V=None, source_std=prior,
                               G_white=wh.W @ G, orient_prior=orient, n_orient=n_orient,
                               frames=frames)
    return _assemble(wh.W, wh.W @ G, prior, orient, n_orient, frames)


def _assemble(W, Gw, prior, orient, n_orient, frames):
    """Trace-scale the source prior and take the SVD of the weighted whitened lead field."""
    std = np.sqrt(prior)
    A = Gw * std
    scale = np.sqrt(W.shape[0] / np.sum(A**2))
    std = std * scale
    U, s, Vt = np.linalg.svd(A * scale, full_matrices=False)
    return InverseOperator(W=W, U=U, s=s, V=Vt.T, source_std=std, G_white=Gw,
                           orient_prior=orient, n_orient=n_orient, frames=frames)


def _reginv(s, lambda2):
    return np.where(s > 0, s / (s**2 + lambda2), 0.0)


def _normalize_R(Gw, R, n_orient, n_nzero):
    if R.ndim == 1:
        GRGt = (Gw * R) @ Gw.T
    else:
        G3 = Gw.reshape(Gw.shape[0], -1, 3)
        GRGt = np.einsum("ckj,kji,dki->cd", G3, R, G3, optimize=True)
    norm = np.trace(GRGt) / n_nzero
    return R / norm, GRGt / norm


def _eloreta_weights(op, lambda2, eps, max_iter):
    """MNE ``_compute_eloreta`` (force_equal=False): returns R^(1/2) (diag or 3x3 blocks)."""
    Gw = op.G_white
    n_nzero = Gw.shape[0]
    prior_std = np.sqrt(op.orient_prior)
    Gp = Gw * prior_std
    n_src = op.n_sources
    if op.n_orient == 1:
        R_prior = prior_std**2
        R = np.ones(n_src) * R_prior
    else:
        ps = prior_std.reshape(n_src, 3)
        R_prior = ps[:, None, :] * ps[:, :, None]
        R = np.broadcast_to(np.eye(3), (n_src, 3, 3)) * R_prior
    R, GRGt = _normalize_R(Gp, R, op.n_orient, n_nzero)
    G3 = Gp.reshape(Gp.shape[0], n_src, 3).transpose(1, 2, 0) if op.n_orient == 3 else None
    converged = False
    for _ in range(int(max_iter)):
        e, u = np.linalg.eigh(GRGt)
        e = np.abs(e)
        idx = np.argsort(e)[::-1][:n_nzero]
        e, u = e[idx], u[:, idx]
        N = (u * np.where(e > 0, 1 / (e + lambda2), 0)) @ u.T
        R_last = R.copy()
        if op.n_orient == 1:
            R = 1.0 / np.sqrt(np.sum((N @ Gp) * Gp, axis=0))
        else:
            M = G3 @ N[None] @ G3.swapaxes(-2, -1)
            R = psd_power(M, -0.5)
        R = R * R_prior
        R, GRGt = _normalize_R(Gp, R, op.n_orient, n_nzero)
        if np.linalg.norm(R.ravel() - R_last.ravel()) / np.linalg.norm(R_last.ravel()) < eps:
            converged = True
            break
    R, _ = _normalize_R(Gw, R, op.n_orient, n_nzero)
    return (np.sqrt(R) if R.ndim == 1 else psd_power(R, 0.5)), converged


def _rsqrt_mult(X, R_sqrt):
    """X @ R^(1/2) for X (m, n_rows)."""
    if R_sqrt.ndim == 1:
        return X * R_sqrt
    m = X.shape[0]
    n_src = R_sqrt.shape[0]
    X3 = X.reshape(m, n_src, 3).transpose(1, 2, 0)  # (src, 3, m)
    return (R_sqrt @ X3).transpose(2, 0, 1).reshape(m, -1)


def kernel(op: InverseOperator, lambda2=1 / 9, method="dSPM", *, eloreta_eps=1e-6,
           eloreta_max_iter=20):
    """Inverse kernel and noise normaliser of a prepared operator.

    Parameters
    ----------
    op : InverseOperator
        From :func:`make_inverse_operator`.
    lambda2 : float, default 1/9
        Regularisation :math:`\\lambda^2 > 0` (dimensionless; 1/SNR²).
    method : {"MNE", "dSPM", "sLORETA", "eLORETA"}
        The estimate.
    eloreta_eps, eloreta_max_iter : float, int
        eLORETA convergence options (MNE's defaults 1e-6 and 20).

    Returns
    -------
    K : ndarray, shape (n_rows, n_channels)
        Current kernel in A·m per channel unit (before noise normalisation; rows in the
        operator's source frame).
    noise_norm : ndarray, shape (n_sources,) or None
        Per-location factor (1/(A·m)) that turns ``K @ b`` into dSPM or sLORETA values
        (dimensionless); ``None`` for MNE and eLORETA. Zero for a source with a zero lead
        field (invisible to the sensors), whose estimate is zero.

    References
    ----------
    Dale et al. (2000) Neuron 26:55 (dSPM); Pascual-Marqui (2002) Methods Find Exp Clin
    Pharmacol 24D:5 (sLORETA); Pascual-Marqui (2007) arXiv:0710.3341 (eLORETA); MNE-Python
    ``prepare_inverse_operator``, ``_assemble_kernel``, ``_compute_eloreta``.
    """
    lam = float(check_positive("lambda2", lambda2))
    check_option("method", method, METHODS)
    if method == "eLORETA":
        R_sqrt, _ = _eloreta_weights(op, lam, eloreta_eps, check_int("eloreta_max_iter",
                                                                     eloreta_max_iter, 1))
        U, s, Vt = np.linalg.svd(_rsqrt_mult(op.G_white, R_sqrt), full_matrices=False)
        leads = _rsqrt_mult(Vt, R_sqrt).T  # R^(1/2) V
        K = (leads * _reginv(s, lam)) @ (U.T @ op.W)
        return K, None
    gam = _reginv(op.s, lam)
    leads = op.V * op.source_std[:, None]
    K = (leads * gam) @ (op.U.T @ op.W)
    if method == "MNE":
        return K, None
    weight = gam if method == "dSPM" else gam * np.sqrt(1.0 + op.s**2 / lam)
    nrm2 = np.sum((leads * weight) ** 2, axis=1)
    if op.n_orient == 3:
        nrm2 = nrm2.reshape(-1, 3).sum(axis=1)
    nrm = np.sqrt(nrm2)
    return K, np.where(nrm > 0, 1.0 / np.where(nrm > 0, nrm, 1.0), 0.0)  # invisible: 0


def apply_inverse(op: InverseOperator, b, lambda2=1 / 9, method="dSPM", pick_ori=None):
    """Source estimate :math:`\\hat{\\mathbf j} = K\\mathbf b`, noise-normalised for dSPM/sLORETA.

    Parameters
    ----------
    op : InverseOperator
    b : array_like, shape (n_channels,) or (n_channels, n_times)
        Data in channel units (T, T/m, V).
    lambda2 : float, default 1/9
        Regularisation (dimensionless).
    method : {"MNE", "dSPM", "sLORETA", "eLORETA"}
    pick_ori : {None, "vector"}
        For free/loose operators, ``None`` returns the norm of the three components per
        location (MNE's default); ``"vector"`` returns the components in the operator's
        frame.

    Returns
    -------
    estimate : ndarray, shape (n_sources[, n_times]) or (n_sources, 3[, n_times])
        A·m for MNE and eLORETA; dimensionless for dSPM and sLORETA.

    References
    ----------
    MNE-Python ``apply_inverse``.
    """
    check_option("pick_ori", pick_ori, (None, "vector"))
    K, noise_norm = kernel(op, lambda2, method)
    bb = as_finite("b", b)
    if bb.shape[0] != K.shape[1] or bb.ndim not in (1, 2):
        raise ValueError(f"b must have {K.shape[1]} rows (one per channel), got {bb.shape}")
    x = K @ bb
    if op.n_orient == 3:
        x = x.reshape((-1, 3, *bb.shape[1:]))
        if pick_ori is None:
            x = np.linalg.norm(x, axis=1)
        if noise_norm is not None:
            x = x * noise_norm.reshape((-1,) + (1,) * (x.ndim - 1))
        return x
    if noise_norm is not None:
        x = x * noise_norm.reshape((-1,) + (1,) * (x.ndim - 1))
    return x


def inverse_kernel(G, noise_cov, lambda2=1 / 9, method="dSPM", depth=None, *, limit=10.0,
                   ch_types=None, rank=None, depth_gain=None) -> np.ndarray:
    """Fixed-orientation linear inverse kernel with MNE's conventions (the course contract).

    Parameters
    ----------
    G : array_like, shape (n_channels, n_sources), or Forward
        Fixed-orientation lead field in (channel unit)/(A·m) (a fixed
        :class:`neurocourse.forward.Forward` also supplies the channel types).
    noise_cov : array_like, shape (n_channels, n_channels)
        Full-rank noise covariance in (channel unit)².
    lambda2 : float, default 1/9
        Regularisation :math:`\\lambda^2 > 0` (1/SNR², dimensionless).
    method : {"MNE", "dSPM", "sLORETA", "eLORETA"}, default "dSPM"
    depth : float, optional
        Depth-prior exponent, dimensionless (``compute_depth_prior`` with ``limit``); ``None``:
        no prior.
    limit : float, default 10.0
        Depth-prior limit, dimensionless (largest weight ratio ``limit**2``).
    ch_types : sequence of str, optional
        Channel types, see :func:`make_inverse_operator`.
    rank : int or dict, optional
        Noise rank, see :func:`make_inverse_operator`.
    depth_gain : array_like, shape (n_channels, 3 * n_sources), optional
        Free-orientation lead field from which the depth prior is computed (what MNE's
        ``make_inverse_operator(fixed=True)`` does with a free forward); default: ``G``.

    Returns
    -------
    K : ndarray, shape (n_sources, n_channels)
        ``K @ b`` is the estimate: A·m for MNE/eLORETA, dimensionless for dSPM/sLORETA
        (the noise normaliser is folded into the rows).

    Raises
    ------
    ValueError
        Shapes that disagree, a covariance that is not positive definite, λ² ≤ 0, or an
        unknown method.

    References
    ----------
    Hämäläinen & Ilmoniemi (1994); Dale et al. (2000) Neuron 26:55; Pascual-Marqui (2002,
    2007); MNE-Python ``make_inverse_operator`` + ``apply_inverse`` (``loose=0``,
    ``fixed=True``).
    """
    check_option("method", method, METHODS)
    check_positive("lambda2", lambda2)
    if hasattr(G, "orientation") and G.orientation != "fixed":
        raise ValueError("G must be a fixed-orientation Forward (use Forward.to_fixed()) or an "
                         "(n_channels, n_sources) array")
    G, fwd_types, _ = _unpack_forward(G)
    if ch_types is None:
        ch_types = fwd_types
    Gf = as_finite("G", G)
    if Gf.ndim != 2:
        raise ValueError(f"G must have shape (n_channels, n_sources), got {Gf.shape}")
    pre = _prepare(Gf, noise_cov, "fixed", None, 0.2, depth if depth_gain is None else None,
                   limit, ch_types, rank, svd=False)
    prior = pre.source_std
    if depth is not None and depth_gain is not None:
        Gd = as_finite("depth_gain", depth_gain)
        if Gd.shape != (Gf.shape[0], 3 * Gf.shape[1]):
            raise ValueError(f"depth_gain must have shape ({Gf.shape[0]}, {3 * Gf.shape[1]}), "
                             f"got {Gd.shape}")
        prior = _depth_prior(Gd[_depth_rows(ch_types, Gf.shape[0])], 3,
                             float(check_positive("depth", depth)), limit)
    if method != "eLORETA":
        return _direct_kernel(pre.W, pre.G_white, prior, float(lambda2), method)
    op = _assemble(pre.W, pre.G_white, prior, pre.orient_prior, 1, None)
    K, nn = kernel(op, lambda2, method)
    return K if nn is None else K * nn[:, None]


def _direct_kernel(W, Gw, prior, lam, method):
    """Fixed-orientation MNE/dSPM/sLORETA kernel without an SVD.

    With :math:`A = \\tilde G R^{1/2}` (trace-scaled) and :math:`M = (AA^\\top+\\lambda^2I)^{-1}`,
    :math:`K = R^{1/2}A^\\top M W`; the dSPM normaliser is the row norm of :math:`R^{1/2}A^\\top M`
    and the sLORETA one :math:`\\sqrt{R_{kk}\\,\\mathbf a_k^\\top M\\mathbf a_k}/\\lambda` (MNE's
    ``noisenorm`` rewritten with :math:`V\\Sigma = A^\\top U`). The system is well conditioned
    (its condition number is at most :math:`1 + \\sigma_1^2/\\lambda^2`).
    """
    std = np.sqrt(prior)
    A = Gw * std
    scale = np.sqrt(W.shape[0] / np.sum(A**2))
    std = std * scale
    A = A * scale
    X = np.linalg.solve(A @ A.T + lam * np.eye(A.shape[0]), A)  # M A, (rank, n_sources)
    Kw = X.T * std[:, None]  # kernel on whitened data
    if method in ("dSPM", "sLORETA"):
        if method == "dSPM":
            nrm = np.sqrt(np.sum(Kw**2, axis=1))
        else:
            nrm = std * np.sqrt(np.clip(np.sum(A * X, axis=0), 0, None)) / np.sqrt(lam)
        # a source the sensors cannot see (zero lead field) has a zero kernel row: keep it zero
        Kw = Kw * np.where(nrm > 0, 1.0 / np.where(nrm > 0, nrm, 1.0), 0.0)[:, None]
    return Kw @ W
