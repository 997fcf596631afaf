"""Fitting the mass-univariate GLM: OLS and AR(1) pre-whitening, vectorised over voxels.

See :mod:`neurocourse.glm` for the model and the AR(1) conventions.

Implementation (issue 19: the fit reads Y once and holds O(p^2 V) memory beyond it). Let X = U S V'
(thin SVD, rank r), m = (I - UU')1 the part of the constant X does not span, L the lag-1 shift,
NU = (L + L')U and d = y - y_0 (each voxel less its first scan, so that rounding scales with the
signal's variation rather than its baseline). P = (I - UU')NU, the part of the neighbour sums
outside the span, has a low rank k for the usual designs (cosine drifts and the constant are
eigenvectors of the lag-1 sum but for the two end scans, so the bench design has k = 4 of r = 11);
with Q (n, k) an orthonormal basis of its range, P'd = (Q'P)'Q'd. One cache-blocked pass over Y
gives, per voxel, the linear moments Q'd, U'd, m'd, (Km)'d (one product with the stacked rows: 16
instead of 24 at r = 11) and the quadratic ones q0 = sum d_t^2, q1 = sum d_t d_{t+1} (summed while
the block is in cache). With w = U'd the OLS residuals are r = d - Uw + y_0 m, (NU)'d = lam w + P'd
(U'NU = diag(lam) in the rotated basis below), and

* beta_OLS = V S^-1 (w + U'1 y_0); r_0, r_{n-1} from w and y_0;
* r'r = q0 - w'w + y_0 (2 m'd + y_0 m'm), the sum of r: m'y;
* sum r_t r_{t+1} = q1 - w'(NU)'d + w'(U'NU)w / 2 + y_0 (2 (Km)'d - (NU)'m . w + y_0 m'Km);
* (NU)'r = P'd + y_0 (NU)'m;

from which rho follows as nilearn's Yule-Walker estimate. For the whitening W (first row kept,
scaled or dropped), U'W'W r = -rho (NU)'r - rho^2 u_{n-1} r_{n-1} + c0 u_0 r_0 (U'r = 0) and
C(rho) = U'W'WU = (1 + rho^2) I - rho U'NU - rho^2 u_{n-1}u_{n-1}' + c0 u_0 u_0'; the refit is
beta = V S^-1 (U'y + C^-1 U'W'W r), ||W r||^2 follows from the lag sums, and (X_w'X_w)^+ =
V S^-1 C^-1 S^-1 V' per rho bin. C is well conditioned for |rho| < 1 whatever cond(X) (no SVD of a
whitened design), and with U rotated to the eigenbasis of U'NU, C^-1 b is solved voxel by voxel
elementwise (Woodbury on a diagonal plus rank 2).
r'r = q0 - w'w cancels where the fitted part dominates the data: voxels with w'w > 1e3 r'r get
their sums from explicit residuals instead (the direct method, block by block).
Each voxel block of Y (at most 8 MB, in the L3 cache) goes through its moments, its OLS sums and its refit
before the next is read; the blocks are shared among as many threads as the BLAS may use
(:func:`neurocourse.parallel.blas_threads`), each running single-threaded BLAS, and give bitwise the
same numbers on any number of threads. Where the time goes, before and after:
``benchmarks/bench_glm.py``.

References
----------
nilearn ``nilearn/glm/first_level/first_level.py`` (``run_glm``) and ``nilearn/glm/regression.py``
(``OLSModel``, ``ARModel``), version 0.14. Friston et al. (1995) Hum Brain Mapp 2:189.
"""

from __future__ import annotations

import queue
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg.blas

from neurocourse._validation import as_finite, check_option, check_range
from neurocourse.glm.ar1 import AR1_CONVENTIONS, ar1_from_lag_sums, bin_ar1, first_row_weight
from neurocourse.glm.results import GLMResult
from neurocourse.parallel import blas_threads, map_pipelined, single_threaded_blas

__all__ = ["RankDeficientDesignWarning", "fit_glm"]

# The pass over Y works on voxel blocks of at most this many elements (8 MB, within the L3 cache with
# a second thread's block). Wider blocks read Y in longer contiguous runs per scan: forming d from
# blocks of 5242 voxels took 4.6 ms at T = 200 x V = 50 000 against 7.4 ms for 2621 (2**19), and the
# whole fit, A/B interleaved in one run, 33.6-38.8 / 23.2-26.5 ms (median, 1 / 2 threads) against
# 34.1-41.2 / 25.9-31.9 ms for 2**19; 2**21 was slower again (47.7 / 29.0 ms).
_BLOCK_ELEMENTS = 2**20
# Voxels whose fitted part exceeds this multiple of the residual sum of squares get their sums from
# explicit residuals (relative error of the moment form ~ 1e-16 * this ratio * a small growth factor).
_CANCELLATION = 1e3
# X spans the constant when no entry of (I - UU')1 exceeds this (rounding leaves ~1e-15).
_SPANS_CONSTANT = 1e-12
# Singular values of (I - UU')NU below this fraction of ||NU||_2 are rounding (measured ~1e-14 for
# the DCT drifts, against > 0.03 for the rest): their directions are left out of the product.
_RANGE_RTOL = 1e-12


# The buffers for d (flat, _BLOCK_ELEMENTS values, 8 MiB each) are kept between fits, at most
# _SCRATCH_KEEP of them (one per thread of a fit; a fit ending at the same moment in another thread may
# add one more). Allocated afresh, each fit's buffers and outputs grow the heap, which is trimmed again
# when they are freed, and the kernel then zeroes and faults the pages in anew (measured: 1.7-2.5k page
# faults a fit on two threads, 23.2-30.3 ms against 20.1-21.6 ms with the buffers kept, in separate
# processes). A buffer's contents are overwritten before they are read, so a fit gives the same numbers
# either way. A plain list: pop and append are atomic, and unlike a lock it cannot be left held in a
# forked child.
_SCRATCH = []
_SCRATCH_KEEP = 4


class RankDeficientDesignWarning(UserWarning):
    """The design matrix X is rank deficient; estimates use pseudo-inverse (minimum-norm) semantics."""


def fit_glm(Y, X, noise_model="ols", *, ar1_convention="nilearn", rho=None, bins=100, names=None) -> GLMResult:
    """Fit a mass-univariate GLM to every voxel, with OLS or AR(1) pre-whitening.

    Parameters
    ----------
    Y : array_like, shape (n_scans,) or (n_scans, n_voxels)
        Voxel time series, one column per voxel, any signal unit (e.g. percent signal change).
    X : array_like, shape (n_scans, n_regressors)
        Design matrix: task, nuisance, drift and constant columns, sampled at the scan times.
        A rank-deficient X is allowed (with a :class:`RankDeficientDesignWarning`): estimates then
        use the pseudo-inverse (minimum-norm) solution, as in nilearn.
    noise_model : {"ols", "ar1"}, default "ols"
        ``"ols"``: independent, identically distributed noise. ``"ar1"``: AR(1) noise, estimated
        per voxel and removed by pre-whitening.
    ar1_convention : {"nilearn", "prais-winsten", "cochrane-orcutt"}, default "nilearn"
        How the first scan is whitened (kept unscaled, scaled by sqrt(1 - rho**2), or dropped);
        see the module docstring. Ignored for OLS.
    rho : float or array_like of shape (n_voxels,), optional
        Known AR(1) coefficient(s) in (-1, 1), used as given (not binned). By default rho is
        estimated from the OLS residuals by :func:`estimate_ar1` and binned by :func:`bin_ar1`.
    bins : int or None, default 100
        Number of bins per unit of rho for the estimated coefficients: rho is truncated toward
        zero to multiples of 1/bins (nilearn's default is 100, i.e. steps of 0.01). None keeps
        the unbinned estimates (slower: one covariance per voxel).
    names : sequence of str, optional
        Column names of X, kept on the result so that contrasts can name columns
        (``res.contrast({"A": 1, "B": -1})``). By default they are taken from X itself when it has
        them: a :class:`~neurocourse.design.DesignMatrix` (``.names``) or a DataFrame (``.columns``).

    Returns
    -------
    GLMResult
        ``.beta`` (n_regressors[, n_voxels]) and ``.contrast(c)`` (t for 1-D c, F for 2-D c), with
        the residual variance, degrees of freedom and AR(1) coefficients.

    Raises
    ------
    ValueError
        If Y or X is not finite or has the wrong dimension, their numbers of scans differ, there
        are not more scans than regressors, ``noise_model``/``ar1_convention`` is unknown, ``rho``
        is outside (-1, 1) or ``bins`` is not a positive integer.

    Notes
    -----
    OLS: :math:`\\hat\\beta = X^{+}y`, :math:`\\hat\\sigma^2 = \\mathrm{RSS}/(n - p)` with p the number
    of columns, dof = n - rank(X) (nilearn ``OLSModel``). With ``noise_model="ar1"`` and the default
    convention the result equals ``nilearn.glm.first_level.run_glm(Y, X, noise_model="ar1")``
    followed by ``compute_contrast``. Prais-Winsten and Cochrane-Orcutt use
    :math:`\\hat\\sigma^2 = \\mathrm{RSS}/\\mathrm{dof}` as statsmodels does. The Yule-Walker estimate
    removes the grand mean of the residuals over *all* voxels fitted together, as nilearn does, so
    rho (and hence t) for a voxel depends slightly on which other voxels are in Y when X has no
    constant column.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.tile([1.0] * 10 + [0.0] * 10, 5), np.ones(100)])
    >>> Y = X @ [[2.0], [100.0]] + rng.standard_normal((100, 1))
    >>> res = fit_glm(Y, X, noise_model="ar1")
    >>> bool(res.contrast([1.0, 0.0]).stat[0] > 10)
    True
    """
    Y = np.asarray(Y, dtype=float)  # finiteness is checked on beta below, saving a pass over Y
    names = _column_names(X, names)
    X = as_finite("X", X)
    if Y.ndim not in (1, 2):
        raise ValueError(f"Y must have shape (n_scans,) or (n_scans, n_voxels), got {Y.shape}")
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_scans, n_regressors), got {X.shape}")
    single = Y.ndim == 1
    Y2 = Y[:, None] if single else Y
    n, p = X.shape
    if Y2.shape[0] != n:
        raise ValueError(f"Y and X must have the same number of scans (rows): Y has {Y2.shape[0]}, X has {n}")
    if n <= p:
        raise ValueError(f"X must have more scans than regressors, got shape {X.shape}")
    if names is not None and len(names) != p:
        raise ValueError(f"names must give one name per column of X ({p}), got {len(names)}")
    check_option("noise_model", noise_model, ("ols", "ar1"))
    if noise_model == "ar1":
        check_option("ar1_convention", ar1_convention, AR1_CONVENTIONS)
    n_vox = Y2.shape[1]

    lagged = noise_model == "ar1"
    if lagged and rho is None and bins is not None and (not isinstance(bins, int | np.integer) or bins < 1):
        raise ValueError(f"bins must be a positive integer or None, got {bins!r}")
    if lagged and rho is not None:
        rho = check_range("rho", rho, -1, 1, low_inclusive=False, high_inclusive=False)
        if rho.ndim > 1 or (rho.ndim == 1 and rho.shape[0] != n_vox):
            raise ValueError(f"rho must be a scalar or have shape ({n_vox},), got {rho.shape}")
        rho = np.broadcast_to(rho, (n_vox,)).astype(float)
        bins = None
    blocks = _blocks(n, n_vox)
    # The blocks are shared among as many threads as the BLAS may use, each with single-threaded
    # BLAS (one buffer for d each); results go to disjoint slices of the outputs below. The whole fit
    # then keeps the BLAS single-threaded, so that no idle BLAS thread spins beside the workers.
    workers = min(blas_threads(), len(blocks)) if len(blocks) > 1 else len(blocks)  # small fits never ask
    with single_threaded_blas(workers > 1):
        basis = _DesignBasis.of(X, lagged=lagged)
        if basis.rank < p:
            warnings.warn(
                f"X has rank {basis.rank} < {p} columns; the parameters are not identifiable and the "
                "minimum-norm (pseudo-inverse) solution is returned",
                RankDeficientDesignWarning,
                stacklevel=2,
            )
        return _fit(Y2, X, basis, blocks, workers, lagged, rho, bins, ar1_convention, single, names)


def _fit(Y2, X, basis, blocks, workers, lagged, rho, bins, ar1_convention, single, names):
    """The fit proper, for :func:`fit_glm` (arguments checked there; BLAS limited as it decided)."""
    n, p = X.shape
    n_vox = Y2.shape[1]
    rank = basis.rank
    # The one pass over Y, in voxel blocks that stay in cache: each block's moments (one product and
    # two sums of squares), its OLS residual sums and, for AR(1), its refit, before the next block is
    # read. Only the grand mean of nilearn's Yule-Walker estimate couples voxels, and only when X does
    # not span the constant (otherwise every residual sums to zero): then rho waits for every block.
    # Every output and per-voxel sum lives in one allocation: a large one is backed by huge pages
    # (numpy advises them from 4 MiB on), where a dozen arrays of 0.4-4.4 MB would each be faulted in
    # 4 KiB pages, at ~2 us a page in this VM (2.9k faults, ~6 ms a fit at V = 50 000). Rows: beta_OLS,
    # [beta,] q0 = sum (y - y_0)^2, r'r (then the dispersion), y_0 (the fingerprint), the rho used and
    # the rho estimated, and for AR(1) the whitened RSS.
    store = np.empty(((2 if lagged else 1) * p + (6 if lagged else 5), n_vox))
    beta_ols, rest = store[:p], store[p:]
    if lagged:
        beta, rest = rest[:p], rest[p:]
        rss, rest = rest[0], rest[1:]
    else:
        beta = beta_ols
    q0, ss0, first_scan, rho_used, rho_est = rest
    rho_est[...] = np.nan
    if rho is not None:
        rho_used[...] = rho
    elif not lagged:
        rho_used[...] = 0.0
    np.copyto(first_scan, Y2[0])  # with q0, the fingerprint that detects a Y modified after the fit
    local = not lagged or rho is not None or basis.m is None
    buffers = queue.SimpleQueue()
    cols = blocks[0].stop - blocks[0].start if blocks else 0
    # several blocks: one buffer of 8 MiB per thread, reused block by block and kept for the next fit
    flats = _take_scratch(workers, n * cols) if len(blocks) > 1 else [np.empty(n * cols)]
    for flat in flats:
        buffers.put(flat[: n * cols].reshape(n, cols))

    def moments(cs):  # the heavy step, on any producing thread (this one too): the one read of this block of Y
        buf = buffers.get()
        try:
            return _block_moments(Y2[:, cs], basis.rows, buf, lagged)
        finally:
            buffers.put(buf)

    def one_block(cs, product):  # the light step, on this thread, block by block
        s = _block_sums(Y2[:, cs], X, basis, product, lagged, beta_ols[:, cs], q0[cs])
        ss0[cs] = s.ss0
        if not local:
            return s
        if lagged:
            if rho is None:
                rho_est[cs] = ar1_from_lag_sums(s.ss0, s.ss1, s.colsum, s.r_first, s.r_last, n)
                rho_used[cs] = rho_est[cs] if bins is None else bin_ar1(rho_est[cs], bins)
            rss[cs] = _block_refit(basis, s, rho_used[cs], ar1_convention, beta[:, cs])
        return None

    try:
        pending = map_pipelined(moments, one_block, blocks, workers=workers)
    finally:  # no thread uses the buffers any more (map_pipelined has joined its helpers)
        _keep_scratch(flats)
    if not local:  # rho from every block's sums at once (nilearn's grand mean), then the refits
        sums = {k: np.concatenate([getattr(s, k) for s in pending]) for k in ("ss1", "colsum", "r_first", "r_last")}
        rho_est[...] = ar1_from_lag_sums(ss0, sums["ss1"], sums["colsum"], sums["r_first"], sums["r_last"], n)
        rho_used[...] = rho_est if bins is None else bin_ar1(rho_est, bins)
        for cs, s in zip(blocks, pending):  # the second pass over the blocks' sums
            rss[cs] = _block_refit(basis, s, rho_used[cs], ar1_convention, beta[:, cs])
    fingerprint = (first_scan, q0)
    if not lagged:
        dispersion = ss0
        dispersion /= n - p
        cov = (basis.vsi @ basis.vsi.T)[None]
        return GLMResult(
            beta=beta_ols[:, 0] if single else beta_ols,
            dispersion=dispersion[0] if single else dispersion,
            df_resid=float(n - rank),
            noise_model="ols",
            ar1_convention=None,
            rho=np.float64(0.0) if single else rho_used,
            rho_estimate=np.float64(np.nan) if single else rho_est,
            design=X,
            _cov=cov,
            _labels=np.zeros(n_vox, dtype=np.intp),
            _beta_ols=beta_ols,
            _single=single,
            _data=Y2,
            names=names,
            _fingerprint=fingerprint,
        )

    values, labels = _groups(rho_used, bins)
    c_inv = _whitened_gram_inverse(basis, values, ar1_convention)
    cov = basis.vsi @ c_inv @ basis.vsi.T  # (X_w'X_w)^+ per rho group

    n_eff = n - 1 if ar1_convention == "cochrane-orcutt" else n
    dof = n_eff - rank
    dispersion = rss
    dispersion /= n_eff - p if ar1_convention == "nilearn" else dof
    return GLMResult(
        beta=beta[:, 0] if single else beta,
        dispersion=dispersion[0] if single else dispersion,
        df_resid=float(dof),
        noise_model="ar1",
        ar1_convention=ar1_convention,
        rho=rho_used[0] if single else rho_used,
        rho_estimate=rho_est[0] if single else rho_est,
        design=X,
        _cov=cov,
        _labels=labels,
        _beta_ols=beta_ols,
        _single=single,
        _data=Y2,
        names=names,
        _fingerprint=fingerprint,
    )


@dataclass(frozen=True)
class _BlockSums:
    """One voxel block's OLS fit and residual sums (arrays over the block's voxels, units of Y)."""

    beta_ols: np.ndarray  # (p, b)
    ss0: np.ndarray  # r'r
    colsum: np.ndarray  # 1'r
    r_first: np.ndarray  # r_0
    r_last: np.ndarray  # r_{n-1}
    ss1: np.ndarray | None = None  # sum_t r_t r_{t+1}
    nu_r: np.ndarray | None = None  # (NU)'r, (r, b)
    spare: np.ndarray | None = None  # (r, b) work space (the block's U'd, no longer needed)


def _take_scratch(count, size):
    """``count`` flat float arrays of at least ``size`` values: kept ones (_SCRATCH) first, then new ones."""
    out = []
    while len(out) < count:
        try:
            flat = _SCRATCH.pop()
        except IndexError:
            flat = None
        if flat is None or flat.size < size:  # none left, or one kept under a smaller block budget
            flat = np.empty(max(size, _BLOCK_ELEMENTS))
        out.append(flat)
    return out


def _keep_scratch(flats):
    """Keep the buffers of _BLOCK_ELEMENTS values for the next fit, up to _SCRATCH_KEEP in all."""
    for flat in flats:
        if flat.size == _BLOCK_ELEMENTS and len(_SCRATCH) < _SCRATCH_KEEP:
            _SCRATCH.append(flat)


def _blocks(n, n_vox):
    """Consecutive voxel slices of at most _BLOCK_ELEMENTS elements of Y each (at least one voxel)."""
    cols = max(1, min(n_vox, _BLOCK_ELEMENTS // n))
    return [slice(a, min(a + cols, n_vox)) for a in range(0, n_vox, cols)]


def _block_moments(Yb, rows, buf, lagged):
    """The moments of one voxel block Yb (n, b) of Y: rows @ d, sum d_t^2 and sum d_t d_{t+1} (or None).

    d = y - y_0 is formed in ``buf`` (n, >= b); one product gives Q'd, U'd, m'd, (Km)'d, and the two
    sums of squares are taken while d is in cache (module docstring): four long numpy calls, which
    release the interpreter lock.
    """
    d = buf[:, : Yb.shape[1]]
    np.subtract(Yb, Yb[0], out=d)
    z = rows @ d
    q0 = np.einsum("tv,tv->v", d, d)
    q1 = np.einsum("tv,tv->v", d[:-1], d[1:]) if lagged else None
    return z, q0, q1


def _block_sums(Yb, X, basis, moments, lagged, beta_ols, q0):
    """One voxel block's OLS fit and residual sums from its moments (:func:`_block_moments`).

    ``beta_ols`` (p, b) and ``q0`` (b,) are the block's parts of the outputs, written in place; the
    moments serve as work space.
    """
    b = Yb.shape[1]
    p = X.shape[1]
    r = basis.u.shape[1]
    z, q0[...], q1 = moments
    if not np.all(np.isfinite(q0)):  # a NaN or inf in Y reaches the sums of squares
        as_finite("Y", Yb)
        raise ValueError("Y must be finite and representable: its sums of squares overflow")
    o = basis.rq.shape[0] if lagged else 0  # the rows of U'd start after Q'd
    z[o + r] = shift = Yb[0]  # the slot after U'd (a zero row of the product) takes y_0
    qd, w = z[:o], z[o : o + r]
    md = z[o + r + 1] if basis.m is not None else None
    # Every other linear quantity in one more product, from [U'd; y_0]: beta_OLS = V S^-1 (U'd + U'1 y_0),
    # the residuals of the first (d_0 = 0) and last scans, and -(NU)'m U'd.
    np.matmul(basis.small[:p], z[o : o + r + 1], out=beta_ols)
    lin = basis.small[p:] @ z[o : o + r + 1]
    r_first, r_last = lin[0], lin[1]
    r_last += Yb[-1]

    # OLS residuals r = (d - U w) + y_0 m, with m = (I - UU')1 (zero when X spans the constant).
    ww = np.einsum("iv,iv->v", w, w)
    ss0 = q0 - ww  # r'r
    if basis.m is not None:
        ss0 += shift * (2.0 * md + basis.mm * shift)
        colsum = md + basis.mm * shift  # 1'r = m'y
    else:
        colsum = np.zeros(b)
    # Cancellation guard: r'r = sum d^2 - |U'd|^2 (+ ...) keeps about -log10(eps |U'd|^2 / r'r) digits.
    # Where the fitted part dominates the data d (a large drift, an exact fit), the sums are
    # taken again from explicit residuals (the direct method, for those voxels only).
    redo = np.flatnonzero(ww > _CANCELLATION * np.abs(ss0))
    if not lagged:
        _from_residuals(Yb, X, basis, beta_ols, redo, ss0, colsum, r_first, r_last)
        return _BlockSums(beta_ols, ss0, colsum, r_first, r_last)

    # r'Kr = sum_t r_t r_{t+1}, K the symmetric lag-1 form, NU = (L + L')U = 2KU; with U'NU = diag(lam)
    # and P = (I - UU')NU, (NU)'d = lam w + P'd, so r'Kr = q1 - w'P'd - lam.w^2 / 2 (+ y_0 terms).
    nu_r = basis.rq.T @ qd  # P'd = (NU)'d - U'NU w, which is (NU)'r (+ y_0 (NU)'m)
    ss1 = q1
    ss1 -= np.einsum("iv,iv->v", w, nu_r)
    ss1 -= 0.5 * np.einsum("i,iv,iv->v", basis.lam, w, w)
    if basis.m is not None:
        ss1 += shift * (2.0 * z[o + r + 2] + lin[2] + basis.mkm * shift)
        _add_outer(nu_r, basis.num, shift)
    _from_residuals(Yb, X, basis, beta_ols, redo, ss0, colsum, r_first, r_last, ss1, nu_r)
    return _BlockSums(beta_ols, ss0, colsum, r_first, r_last, ss1, nu_r, spare=w)


def _block_refit(basis, s, rho, convention, beta):
    """The AR(1) refit of one block from its sums ``s`` (:class:`_BlockSums`) and its rho.

    Writes beta (p, b) in place and returns the whitened residual sum of squares ||W r_w||^2 (b,),
    units of Y^2.
    """
    # U'W'W r = (1 + rho^2) U'r - rho (NU)'r - rho^2 u_last r_last + c0 u_0 r_0, with U'r = 0 and
    # c0 = (first-row weight)^2 - 1 (0 in nilearn's convention, which keeps the first row).
    rho2 = rho**2
    work = np.empty_like(s.nu_r)
    b = np.multiply(s.nu_r, -rho)  # s is left as it was (but for its spare work space): a rerun gives the same
    b -= np.multiply.outer(basis.u[-1], rho2 * s.r_last, out=work)
    wrr = s.ss0 * (1.0 + rho2)  # ||W r||^2
    wrr -= 2.0 * rho * s.ss1
    wrr -= rho2 * s.r_last**2
    if convention == "nilearn":
        c0 = 0.0
    else:
        c0 = first_row_weight(rho, convention) ** 2 - 1.0
        b += np.multiply.outer(basis.u[0], c0 * s.r_first, out=work)
        wrr += c0 * s.r_first**2
    delta, b_delta = _whitened_solve(basis, rho, c0, b, work, s.spare)  # C(rho)^-1 U'W'W r, in b
    np.matmul(basis.vsi, delta, out=beta)
    beta += s.beta_ols  # beta_OLS + X_w^+ W r = V S^-1 (U'y + C^-1 U'W'W r)
    wrr -= b_delta
    return wrr


def _column_names(X, names):
    """Column names given, or those of a DesignMatrix (``.names``) or a DataFrame (``.columns``)."""
    if names is None:
        names = getattr(X, "names", None)
        if names is None and getattr(X, "columns", None) is not None:
            names = list(X.columns)
    return None if names is None else tuple(str(n) for n in names)


@dataclass(frozen=True)
class _DesignBasis:
    """Everything the moment form of the fit needs from the design X (n, p), computed once per fit.

    ``u`` (n, r) is an orthonormal basis of the column space of X from its SVD (singular values
    below scipy.linalg.pinv's cut-off max(n, p) eps s_max dropped) and ``vsi`` = V S^-1 (p, r), so
    that X^+ = vsi u'; for AR(1) both are rotated by the eigenvectors of U'NU, which makes U'NU
    diagonal (``lam``) and spares every r x r product per voxel. ``m`` = (I - u u') 1 is the part
    of the constant X does not span (None when X spans it, the usual case), K the symmetric lag-1
    form (x'Ky = sum_t x_t y_{t+1}) and
    NU = (L + L')U = 2KU the neighbour sums of the basis; ``rq`` = Q'P (k, r) maps Q'd to P'd
    (module docstring). ``rows`` stacks the functionals applied to d = y - y_0 in one product: for
    AR(1) Q' (k rows), then U' (r rows), a zero row (its slot of the product then holds y_0), and
    m', (Km)' when m is not None; for OLS the same without Q'.
    Zero rows pad the stack to a multiple of 4 rows, which OpenBLAS multiplies markedly faster than
    4k - 1 or 4k - 2 (measured: 24 rows 12.7 ms, 23 rows 16.1 ms at T = 200 x V = 50 000).
    """

    u: np.ndarray
    vsi: np.ndarray
    rank: int  # rank of X with nilearn's tolerance, sum(abs(X)) * machine epsilon (``OLSModel``)
    rows: np.ndarray
    small: np.ndarray  # (p + 2 [+ 1], r + 1): the linear maps applied to [U'd; y_0]
    m: np.ndarray | None
    u1: np.ndarray  # U'1
    mm: float = 0.0  # m'm
    nu: np.ndarray | None = None  # NU (n, r)
    lam: np.ndarray | None = None  # eigenvalues of U'NU (r,): U'NU = diag(lam) in this basis
    num: np.ndarray | None = None  # (NU)'m
    rq: np.ndarray | None = None  # Q'P (k, r), Q (n, k) an orthonormal basis of the range of P = (I - UU')NU
    mkm: float = 0.0  # m'Km

    @classmethod
    def of(cls, X, lagged):
        n, p = X.shape
        u, s, vt = np.linalg.svd(X, full_matrices=False)
        rank = int(np.count_nonzero(s > np.abs(X).sum() * np.finfo(np.float64).eps))  # np.linalg.matrix_rank's rule
        keep = s > max(n, p) * np.finfo(np.float64).eps * s[0]  # scipy.linalg.pinv's default cut-off
        u, s, vt = u[:, keep], s[keep], vt[keep]
        vsi = vt.T / s
        one = np.ones(n)
        extra = {}
        if lagged:  # rotate U to the eigenbasis of U'NU (same column space): U'NU becomes diagonal
            unu = u.T @ _neighbour_sums(u)
            lam, eig = np.linalg.eigh(0.5 * (unu + unu.T))
            u, vsi = u @ eig, vsi @ eig
            extra["lam"] = lam
        u1 = u.T @ one
        m = one - u @ u1
        if np.max(np.abs(m)) <= _SPANS_CONSTANT:
            m = None
        head = [u.T, np.zeros((1, n))]  # the zero row is the slot for y_0
        if lagged:
            nu = _neighbour_sums(u)
            # P = (I - UU')NU, the part of the neighbour sums outside the design's span, has low rank
            # for the usual designs (cosine drifts and the constant are eigenvectors of N but for the
            # two end scans): P'd = (Q'P)'(Q'd) with Q an orthonormal basis of its range.
            qp, sp, _ = np.linalg.svd(nu - u @ (u.T @ nu), full_matrices=False)
            norm = np.sqrt(max(np.linalg.eigvalsh(nu.T @ nu)[-1], 0.0))  # ||NU||_2, from an r x r matrix
            q = qp[:, sp > _RANGE_RTOL * max(norm, np.finfo(np.float64).tiny)]
            head.insert(0, q.T)
            extra["nu"] = nu
            extra["rq"] = q.T @ (nu - u @ (u.T @ nu))
        tail = []
        if m is not None:
            km = 0.5 * _neighbour_sums(m)
            tail = [m[None], km[None]]
            if lagged:
                extra["num"] = nu.T @ m
                extra["mkm"] = float(m @ km)
        rows = np.vstack([*head, *tail])
        rows = np.vstack([rows, np.zeros((-rows.shape[0] % 4, n))])
        m0, ml = (0.0, 0.0) if m is None else (m[0], m[-1])
        small = [np.column_stack([vsi, vsi @ u1]), np.r_[-u[0], m0][None], np.r_[-u[-1], ml - 1.0][None]]
        if lagged and m is not None:
            small.append(np.r_[-extra["num"], 0.0][None])
        return cls(u=u, vsi=vsi, rank=rank, rows=rows, small=np.vstack(small), m=m, u1=u1,
                   mm=0.0 if m is None else float(m @ m), **extra)  # fmt: skip


def _neighbour_sums(a):
    """(L + L') a: row t is a_{t-1} + a_{t+1} (missing neighbours at the ends count as zero)."""
    out = np.zeros_like(a)
    out[1:] += a[:-1]
    out[:-1] += a[1:]
    return out


def _from_residuals(Y, X, basis, beta_ols, idx, ss0, colsum, r_first, r_last, ss1=None, nu_r=None):
    """Overwrite the residual sums of voxels ``idx`` with sums over explicit residuals y - X beta_OLS."""
    step = max(1, _BLOCK_ELEMENTS // Y.shape[0])
    for start in range(0, idx.size, step):  # voxel blocks: bounded temporaries
        sel = idx[start : start + step]
        res = Y[:, sel] - X @ beta_ols[:, sel]
        ss0[sel] = np.einsum("tv,tv->v", res, res)
        colsum[sel] = res.sum(axis=0)
        r_first[sel], r_last[sel] = res[0], res[-1]
        if ss1 is not None:
            ss1[sel] = np.einsum("tv,tv->v", res[:-1], res[1:])
            nu_r[:, sel] = basis.nu.T @ res


def _groups(rho, bins):
    """Distinct values of rho and each voxel's index into them; O(n_voxels) for binned rho."""
    if bins is not None and rho.size:
        key = np.rint(rho * bins)
        lo, hi = key.min(), key.max()
        if hi - lo <= 4 * bins:  # binned estimates: a bin count instead of a sort
            key = (key - lo).astype(np.intp)
            present = np.bincount(key, minlength=int(hi - lo) + 1) > 0
            index = np.cumsum(present) - 1
            return (np.flatnonzero(present) + lo) / bins, index[key]
    values, labels = np.unique(rho, return_inverse=True)
    return values, labels.ravel()


def _whitened_gram_inverse(basis, values, convention):
    """C(rho)^-1 = (U'W'WU)^-1 for each rho, (n_groups, r, r); W'W is tridiagonal with corners.

    U'W'WU = (1 + rho^2) I - rho U'NU - rho^2 u_last u_last' + c0 u_0 u_0' (c0 = first-row weight^2 - 1)
    is well conditioned for |rho| < 1 whatever the conditioning of X, which enters only through V S^-1.
    In the eigenbasis of U'NU it is the diagonal D = (1 + rho^2) - rho lam plus Z S Z' (Z = [u_last,
    u_0], S = diag(-rho^2, c0)), inverted by the Woodbury identity as in :func:`_whitened_solve`:
    C^-1 = D^-1 - D^-1 Z (I + S Z'D^-1 Z)^-1 S Z'D^-1, a 2 x 2 solve per rho.
    """
    rho = values[:, None]
    c0 = first_row_weight(values, convention) ** 2 - 1.0
    inv_d = 1.0 / ((1.0 + rho**2) - rho * basis.lam)  # (g, r), D >= (1 - |rho|)^2 > 0
    z = np.column_stack([basis.u[-1], basis.u[0]])  # (r, 2)
    dz = inv_d[:, :, None] * z  # D^-1 Z, (g, r, 2)
    s = np.zeros((values.size, 2, 2))
    s[:, 0, 0], s[:, 1, 1] = -(values**2), c0
    t = np.eye(2) + s @ (z.T @ dz)  # I + S Z'D^-1 Z; det = det C / det D > 0
    inv = -(dz @ np.linalg.solve(t, s) @ np.swapaxes(dz, 1, 2))
    inv[:, np.arange(z.shape[0]), np.arange(z.shape[0])] += inv_d
    return 0.5 * (inv + np.swapaxes(inv, 1, 2))


def _add_outer(a, x, y):
    """a += outer(x, y) in place, for a C-contiguous (len(x), len(y)) array (BLAS rank-1 update, no temporary)."""
    if a.size == 0:
        return
    out = scipy.linalg.blas.dger(1.0, np.ascontiguousarray(y, dtype=float), np.ascontiguousarray(x, dtype=float),
                                 a=a.T, overwrite_a=True)  # fmt: skip
    if not np.shares_memory(out, a):
        a[...] = out.T


def _whitened_solve(basis, rho, c0, b, inv_d, scratch):
    """b[:, v] <- C(rho_v)^-1 b[:, v] for every voxel, and the products b[:, v] . delta[:, v].

    In the basis U (eigenvectors of U'NU), C(rho) = U'W'WU is the diagonal D = (1 + rho^2) - rho lam
    plus the rank-2 term Z S Z' (Z = [u_last, u_0], S = diag(-rho^2, c0)), so the Woodbury identity
    solves it voxel by voxel with elementwise operations and a 2 x 2 solve:
    x = D^-1 b - D^-1 Z (I + S Z'D^-1 Z)^-1 S Z'D^-1 b. D >= (1 - |rho|)^2 > 0, and
    det(I + S Z'D^-1 Z) = det C / det D > 0. No BLAS call (each costs a thread wake-up when the BLAS
    is threaded); ``inv_d`` and ``scratch`` (r, V) are work space.
    """
    np.multiply.outer(basis.lam, -rho, out=inv_d)
    inv_d += 1.0 + rho**2
    np.reciprocal(inv_d, out=inv_d)
    g = np.multiply(b, inv_d, out=scratch)  # D^-1 b
    zl, z0 = basis.u[-1], basis.u[0]
    s0, s1 = -(rho**2), c0
    if not np.any(s1):  # nilearn's convention: the last-scan term only (a rank-1 update)
        h0 = np.einsum("i,iv->v", zl, g)  # z_l'D^-1 b
        t00 = np.einsum("i,iv->v", zl * zl, inv_d)
        t00 *= s0
        t00 += 1.0
        y0 = s0 * h0
        y0 /= t00
        b_delta = np.einsum("iv,iv->v", b, g)
        b_delta -= y0 * h0  # b'x = b'D^-1 b - y'Z'D^-1 b
        b -= np.multiply.outer(zl, y0, out=scratch)  # x = D^-1 (b - Z y)
    else:
        g00 = np.einsum("i,iv->v", zl * zl, inv_d)  # Z'D^-1 Z
        g01 = np.einsum("i,iv->v", zl * z0, inv_d)
        g11 = np.einsum("i,iv->v", z0 * z0, inv_d)
        h0, h1 = np.einsum("i,iv->v", zl, g), np.einsum("i,iv->v", z0, g)  # Z'D^-1 b
        t00, t01, t10, t11 = 1.0 + s0 * g00, s0 * g01, s1 * g01, 1.0 + s1 * g11
        det = t00 * t11 - t01 * t10
        y0 = (t11 * s0 * h0 - t01 * s1 * h1) / det
        y1 = (t00 * s1 * h1 - t10 * s0 * h0) / det
        b_delta = np.einsum("iv,iv->v", b, g) - (y0 * h0 + y1 * h1)
        b -= np.multiply.outer(zl, y0, out=scratch)
        b -= np.multiply.outer(z0, y1, out=scratch)
    b *= inv_d
    return b, b_delta
