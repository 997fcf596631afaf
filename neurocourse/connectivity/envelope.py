"""Amplitude-envelope correlation (AEC), with pairwise and symmetric orthogonalisation.

Zero-lag leakage makes two envelopes co-vary even without any interaction. Orthogonalising one
signal against the other before taking envelopes removes everything that is instantaneously
shared (Hipp 2012, pairwise; Colclough 2015, symmetric, all signals at once).

References
----------
Hipp et al. (2012) Nat Neurosci 15:884; Brookes et al. (2012) NeuroImage 63:910; Colclough et
al. (2015) NeuroImage 117:439; mne-connectivity 0.9 ``envelope_correlation`` and
``symmetric_orth`` (reference implementation; same conventions).
"""

from __future__ import annotations

import numpy as np
from scipy.fft import next_fast_len
from scipy.signal import hilbert

from neurocourse._validation import as_finite, check_int, check_option, check_positive

__all__ = ["analytic_signal", "envelope_correlation", "symmetric_orthogonalise"]


def analytic_signal(x) -> np.ndarray:
    """Analytic signal along the last axis (Hilbert transform on ``next_fast_len`` samples, cropped).

    Parameters
    ----------
    x : array_like, shape (..., n_times)
        Real, band-passed signals (any unit).

    Returns
    -------
    ndarray, complex, same shape
        :math:`x + i\\mathcal H[x]`, in the units of ``x``; its modulus is the amplitude envelope.

    References
    ----------
    Marple (1999) IEEE Trans Signal Process 47:2600 (``scipy.signal.hilbert``).
    """
    x = as_finite("x", x)
    if x.ndim < 1 or x.shape[-1] < 2:
        raise ValueError(f"x must have n_times >= 2 samples on its last axis, got {x.shape}")
    n = x.shape[-1]
    return hilbert(x, N=next_fast_len(n), axis=-1)[..., :n]


def _corr_last(a, b):
    """Pearson correlation along the last axis, 0 where a variance is 0."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    na = np.linalg.norm(a, axis=-1)
    nb = np.linalg.norm(b, axis=-1)
    na[na == 0] = 1
    nb[nb == 0] = 1
    return np.sum(a * b, axis=-1) / (na * nb)


def envelope_correlation(data, orthogonalize="pairwise", log=False, absolute=True) -> np.ndarray:
    """Amplitude-envelope correlation of band-passed epochs.

    Parameters
    ----------
    data : array_like, shape (n_epochs, n_signals, n_times)
        Band-passed epochs (any unit).
    orthogonalize : {"pairwise", "symmetric", False}
        ``"pairwise"`` (Hipp 2012): entry (i, j) correlates
        :math:`|\\operatorname{Im}(X_i\\bar X_j/|X_j|)|` with :math:`|X_j|`, then the matrix is
        made symmetric, :math:`(C+C^\\top)/2`, with its diagonal 0. ``"symmetric"``
        (Colclough 2015): each epoch is first orthogonalised with
        :func:`symmetric_orthogonalise`, then the plain AEC is taken. ``False``: plain AEC.
    log : bool
        Correlate log power instead of amplitudes.
    absolute : bool
        Take :math:`|C|` before symmetrising (pairwise mode).

    Returns
    -------
    ndarray, shape (n_epochs, n_signals, n_signals)
        Dimensionless correlations.

    References
    ----------
    Hipp et al. (2012) Nat Neurosci 15:884; Colclough et al. (2015) NeuroImage 117:439;
    mne-connectivity ``envelope_correlation`` (same definition).
    """
    x = as_finite("data", data)
    if x.ndim != 3 or x.shape[2] < 2:
        raise ValueError(f"data must have shape (n_epochs, n_signals, n_times), got {x.shape}")
    check_option("orthogonalize", orthogonalize, ("pairwise", "symmetric", False))
    if orthogonalize == "symmetric":
        x = np.stack([symmetric_orthogonalise(ep) for ep in x])
    z = analytic_signal(x)  # (e, n, t)
    mag = np.abs(z)
    amp = np.log(mag**2) if log else mag
    if orthogonalize != "pairwise":
        return _corr_last(amp[:, :, None, :], amp[:, None, :, :])
    phase = np.divide(z.conj(), mag, out=np.zeros_like(z), where=mag > 0)
    out = np.empty((x.shape[0], x.shape[1], x.shape[1]))
    for e in range(x.shape[0]):  # one epoch at a time bounds memory at n² · n_times
        orth = np.abs((z[e][:, None, :] * phase[e][None, :, :]).imag)  # [i, j, t]
        idx = np.arange(x.shape[1])
        orth[idx, idx] = 1.0  # a signal orthogonalised on itself is 0: constant, correlation 0
        if log:
            orth = np.log(orth**2)
        out[e] = _corr_last(orth, amp[e][None, :, :])
    if absolute:
        out = np.abs(out)
    return (out + np.swapaxes(out, 1, 2)) / 2


def symmetric_orthogonalise(Z, n_iter=50, tol=1e-6) -> np.ndarray:
    """Closest set of mutually orthogonal time courses (Colclough 2015).

    Minimises :math:`\\|Z-P\\|_F` subject to :math:`PP^\\top` diagonal by iterating
    :math:`U\\Sigma V^\\top = \\mathrm{SVD}(Z^\\top D)`, :math:`O = VU^\\top`,
    :math:`D = \\operatorname{diag}(Z O^\\top)`, :math:`P = DO`, from :math:`D = I`, until the
    relative decrease of the error is below ``tol``.

    Parameters
    ----------
    Z : array_like, shape (n_signals, n_times)
        Real signals (any unit), n_times >= n_signals.
    n_iter : int
        Maximum number of iterations, >= 1.
    tol : float
        Convergence threshold (dimensionless, > 0) on the relative change of :math:`\\|Z-P\\|_F^2/\\|Z\\|_F^2`.

    Returns
    -------
    P : ndarray, shape (n_signals, n_times)
        Mutually orthogonal rows, in the units of ``Z``.

    References
    ----------
    Colclough et al. (2015) NeuroImage 117:439, eqs. 2–8; mne-connectivity ``symmetric_orth``.
    """
    Z = as_finite("Z", Z)
    if Z.ndim != 2 or Z.shape[1] < Z.shape[0]:
        raise ValueError(f"Z must have shape (n_signals, n_times) with n_times >= n_signals, got "
                         f"{Z.shape}")
    n_iter = check_int("n_iter", n_iter, 1)
    tol = float(check_positive("tol", tol))
    d = np.ones(Z.shape[0])
    power = np.linalg.norm(Z) ** 2 or 1.0
    last = np.inf
    P = Z
    for _ in range(n_iter):
        U, _s, Vh = np.linalg.svd(Z.T * d, full_matrices=False)
        O = Vh.T @ U.T
        d = np.einsum("ij,ij->i", Z, O)
        P = O * d[:, None]
        err = np.linalg.norm(Z - P) ** 2 / power
        delta = 0 if err == 0 else (last - err) / err
        if err == 0 or delta < tol:
            break
        last = err
    return P
