"""Fourier and multitaper spectra of epoched M/EEG data, and the coherence family built on them.

Spectra follow the conventions of mne-connectivity 0.9 ``spectral_connectivity_epochs`` (the
field's reference implementation), so that values agree to round-off:

- each epoch has its mean removed and is multiplied by a taper before ``rfft``; the DC bin and
  the Nyquist bin of an even-length epoch are divided by :math:`\\sqrt 2`;
- ``mode="fourier"``: one symmetric Hanning taper (``np.hanning``), weight 1;
- ``mode="multitaper"``: DPSS tapers (``scipy.signal.windows.dpss``, ``sym=False``) with
  half-bandwidth :math:`NW = B\\,T/2` (default 4), weights :math:`\\sqrt{\\lambda_k}`, keeping
  tapers with concentration :math:`\\lambda_k > 0.9`;
- the per-epoch cross-spectrum is
  :math:`S_{xy} = \\frac{2}{\\sum_k w_k^2}\\sum_k w_k X_k\\,\\overline{w_k Y_k}`, so that
  :math:`\\arg S_{xy} = +2\\pi f\\tau` when x leads y by τ.

References
----------
Percival & Walden (1993) *Spectral Analysis for Physical Applications*, ch. 7 (DPSS tapers);
Nolte et al. (2004) Clin Neurophysiol 115:2292 (imaginary coherency);
Lachaux et al. (1999) Hum Brain Mapp 8:194 (PLV); Stam et al. (2007) Hum Brain Mapp 28:1178
(PLI); Vinck et al. (2011) NeuroImage 55:1548 (wPLI, debiased wPLI²);
mne-connectivity 0.9, ``mne_connectivity/spectral/epochs.py`` (reference implementation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal.windows import dpss

from neurocourse._validation import as_finite, check_int, check_option, check_positive

__all__ = [
    "METHODS",
    "EpochSpectra",
    "SpectralConnectivity",
    "coherence",
    "coherency",
    "cross_spectra",
    "epoch_spectra",
    "imaginary_coherence",
    "pli",
    "plv",
    "spectral_connectivity",
    "tapers",
    "wpli",
    "wpli2_debiased",
]

METHODS = ("coh", "cohy", "imcoh", "plv", "pli", "wpli", "wpli2_debiased")
_CHUNK_ELEMENTS = 4_000_000  # per-epoch matrix entries held at once (32 MB of float64)


def tapers(n_times, sfreq, mode="multitaper", bandwidth=None, low_bias=True):
    """Tapers and their weights for Fourier or multitaper spectra.

    Parameters
    ----------
    n_times : int
        Epoch length in samples (>= 2).
    sfreq : float
        Sampling frequency in Hz (> 0).
    mode : {"multitaper", "fourier"}
        ``"fourier"``: one symmetric Hanning window of weight 1. ``"multitaper"``: DPSS tapers.
    bandwidth : float or None
        Full multitaper bandwidth in Hz; ``None`` gives a half-bandwidth NW = 4, i.e.
        ``8 * sfreq / n_times`` Hz. Ignored for ``"fourier"``.
    low_bias : bool
        Keep only DPSS tapers whose spectral concentration exceeds 0.9.

    Returns
    -------
    windows : ndarray, shape (n_tapers, n_times)
        Unit-energy tapers (dimensionless).
    weights : ndarray, shape (n_tapers,)
        Taper weights :math:`w_k`, dimensionless (:math:`\\sqrt{\\lambda_k}` for DPSS).

    References
    ----------
    Slepian (1978) Bell Syst Tech J 57:1371; mne ``_compute_mt_params`` (same choices).
    """
    n_times = check_int("n_times", n_times, 2)
    sfreq = float(check_positive("sfreq", sfreq, unit="Hz"))
    check_option("mode", mode, ("multitaper", "fourier"))
    if mode == "fourier":
        return np.hanning(n_times)[None, :], np.ones(1)
    if bandwidth is None:
        half_nbw = 4.0
    else:
        half_nbw = float(check_positive("bandwidth", bandwidth, unit="Hz")) * n_times / (2 * sfreq)
    if half_nbw < 0.5:
        raise ValueError(
            f"bandwidth must be >= {sfreq / n_times:g} Hz (half-bandwidth NW >= 0.5), "
            f"got {bandwidth!r}"
        )
    n_max = int(2 * half_nbw)
    win, ratios = dpss(n_times, half_nbw, n_max, sym=False, return_ratios=True)
    win = np.atleast_2d(win)
    ratios = np.atleast_1d(ratios)
    if low_bias:
        keep = ratios > 0.9
        if not keep.any():
            keep = ratios == ratios.max()
        win, ratios = win[keep], ratios[keep]
    return win, np.sqrt(ratios)


@dataclass(frozen=True)
class EpochSpectra:
    """Tapered Fourier coefficients of every epoch, taper and signal.

    Attributes
    ----------
    freqs : ndarray, shape (n_freqs,)
        Frequencies in Hz.
    coefs : ndarray, complex, shape (n_epochs, n_tapers, n_signals, n_freqs)
        :math:`\\sqrt{2/\\sum_k w_k^2}\\,w_k X_k(f)`, in the data unit times
        :math:`\\sqrt{\\mathrm{s}}`-free samples (the unit of the data): summing
        ``coefs[:, :, i] * conj(coefs[:, :, j])`` over tapers gives the cross-spectrum
        :math:`S_{ij}` of each epoch.
    """

    freqs: np.ndarray
    coefs: np.ndarray


def _epochs(data) -> np.ndarray:
    arr = as_finite("data", data)
    if arr.ndim != 3 or min(arr.shape) < 1 or arr.shape[2] < 2:
        raise ValueError(
            "data must have shape (n_epochs, n_signals, n_times) with n_times >= 2, "
            f"got {arr.shape}"
        )
    return arr


def epoch_spectra(data, sfreq, mode="multitaper", fmin=None, fmax=np.inf, bandwidth=None,
                  low_bias=True) -> EpochSpectra:
    """Tapered spectra of epoched data, as mne-connectivity computes them.

    Parameters
    ----------
    data : array_like, shape (n_epochs, n_signals, n_times)
        Epochs, in any unit (T, V, A·m).
    sfreq : float
        Sampling frequency in Hz.
    mode : {"multitaper", "fourier"}
        Taper choice, see :func:`tapers`.
    fmin : float or None
        Lowest frequency kept in Hz; ``None`` means 5 cycles per epoch (``5 * sfreq / n_times``).
    fmax : float
        Highest frequency kept in Hz (default: up to Nyquist).
    bandwidth : float or None
        Full multitaper bandwidth in Hz (see :func:`tapers`).
    low_bias : bool
        Keep DPSS tapers with concentration > 0.9 only.

    Returns
    -------
    EpochSpectra
        Frequencies (Hz) and tapered Fourier coefficients (data units).

    References
    ----------
    mne-connectivity 0.9 ``spectral_connectivity_epochs`` (``_epoch_spectral_connectivity``).
    """
    x = _epochs(data)
    sfreq = float(check_positive("sfreq", sfreq, unit="Hz"))
    n_times = x.shape[2]
    fmin = 5.0 * sfreq / n_times if fmin is None else float(as_finite("fmin", fmin, unit="Hz"))
    fmax = float(np.asarray(fmax, dtype=float))
    if np.isnan(fmax):
        raise ValueError(f"fmax must be a number in Hz, got {fmax!r}")
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    keep = (freqs >= fmin) & (freqs <= fmax)
    if not keep.any():
        raise ValueError(
            f"fmin/fmax must select at least one frequency in [0, {sfreq / 2:g}] Hz "
            f"(resolution {sfreq / n_times:g} Hz), got fmin={fmin:g}, fmax={fmax:g}"
        )
    win, w = tapers(n_times, sfreq, mode, bandwidth, low_bias)
    idx = np.flatnonzero(keep)
    n_e, n_s = x.shape[:2]
    n_k = win.shape[0]
    flat = x.reshape(-1, n_times)
    mean = flat.mean(axis=1)
    # the mean is removed through linearity, DFT((x - m) w) = DFT(x w) - m DFT(w), so the data
    # are never copied
    if idx.size * 8 < freqs.size:
        # few bins: every taper and bin in one real matrix product (the data are read once);
        # columns are cos and -sin of the DFT at those bins, weighted by each taper
        arg = 2 * np.pi * np.outer(np.arange(n_times), idx) / n_times  # (t, f)
        basis = np.concatenate([win.T[:, :, None] * np.cos(arg)[:, None, :],
                                -win.T[:, :, None] * np.sin(arg)[:, None, :]], axis=1)
        basis = basis.reshape(n_times, 2 * n_k * idx.size)
        R = flat @ basis - np.outer(mean, basis.sum(axis=0))  # (e * n, 2 K F)
        R = R.reshape(n_e, n_s, 2, n_k, idx.size)
        X = np.ascontiguousarray((R[:, :, 0] + 1j * R[:, :, 1]).transpose(0, 2, 1, 3))
    else:
        X = np.empty((n_e, n_k, n_s, idx.size), dtype=complex)
        for k, taper in enumerate(win):  # one taper at a time bounds memory at the data size
            F = np.fft.rfft(flat * taper, axis=-1)[:, idx]
            F -= np.outer(mean, np.fft.rfft(taper)[idx])
            X[:, k] = F.reshape(n_e, n_s, idx.size)
    scale = np.ones(freqs.size)
    scale[0] = 1 / np.sqrt(2)
    if n_times % 2 == 0:
        scale[-1] = 1 / np.sqrt(2)
    X *= scale[idx]
    X *= (w * np.sqrt(2.0 / np.sum(w**2)))[None, :, None, None]
    return EpochSpectra(freqs=freqs[idx], coefs=X)


def cross_spectra(spectra: EpochSpectra, average=True) -> np.ndarray:
    """Cross-spectral density matrices from :func:`epoch_spectra`.

    Parameters
    ----------
    spectra : EpochSpectra
        Tapered Fourier coefficients from :func:`epoch_spectra`.
    average : bool
        Average over epochs (True) or return one matrix per epoch.

    Returns
    -------
    ndarray, complex
        ``S[..., i, j, f]`` :math:`= S_{ij}(f)` (x_i times conj(x_j)), shape
        (n_signals, n_signals, n_freqs), or (n_epochs, n_signals, n_signals, n_freqs) when
        ``average`` is False; in units of the data squared, per frequency bin.
    """
    C = spectra.coefs
    S = np.einsum("ekif,ekjf->eijf", C, C.conj())
    return S.mean(axis=0) if average else S


# ---------------------------------------------------------------- pairwise measures
def _per_epoch(name, value) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim < 1 or arr.shape[0] < 1:
        raise ValueError(f"{name} must have the epochs on axis 0 (n_epochs >= 1), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def coherency(sxy, sxx, syy) -> np.ndarray:
    """Complex coherency :math:`\\langle S_{xy}\\rangle/\\sqrt{\\langle S_{xx}\\rangle\\langle S_{yy}\\rangle}`.

    Parameters
    ----------
    sxy : array_like, complex, shape (n_epochs, ...)
        Per-epoch cross-spectra :math:`X\\bar Y`, in any unit (the same for all three inputs).
    sxx, syy : array_like, shape (n_epochs, ...)
        Per-epoch auto-spectra (real, > 0), in the units of ``sxy``.

    Returns
    -------
    ndarray, complex, shape (...)
        Dimensionless; modulus <= 1.

    References
    ----------
    Nolte et al. (2004) Clin Neurophysiol 115:2292, eq. 2.
    """
    sxy = _per_epoch("sxy", sxy)
    sxx = np.real(_per_epoch("sxx", sxx))
    syy = np.real(_per_epoch("syy", syy))
    return sxy.mean(axis=0) / np.sqrt(sxx.mean(axis=0) * syy.mean(axis=0))


def coherence(sxy, sxx, syy) -> np.ndarray:
    """Magnitude coherence :math:`|\\mathrm{coherency}|` (not squared; mne's ``"coh"``).

    Parameters
    ----------
    sxy : array_like, complex, shape (n_epochs, ...)
        Per-epoch cross-spectra, as in :func:`coherency` (any unit).
    sxx, syy : array_like, shape (n_epochs, ...)
        Per-epoch auto-spectra (real, > 0), in the units of ``sxy``.

    Returns
    -------
    ndarray, shape (...)
        Magnitude coherence, dimensionless, in [0, 1].

    References
    ----------
    Nolte et al. (2004) Clin Neurophysiol 115:2292, eq. 2; mne-connectivity ``"coh"``.
    """
    return np.abs(coherency(sxy, sxx, syy))


def imaginary_coherence(sxy, sxx, syy) -> np.ndarray:
    """Signed imaginary part of coherency (mne's ``"imcoh"``): > 0 when x leads y.

    Parameters
    ----------
    sxy : array_like, complex, shape (n_epochs, ...)
        Per-epoch cross-spectra, as in :func:`coherency` (any unit).
    sxx, syy : array_like, shape (n_epochs, ...)
        Per-epoch auto-spectra (real, > 0), in the units of ``sxy``.

    Returns
    -------
    ndarray, shape (...)
        Imaginary coherency, dimensionless, in [-1, 1].

    References
    ----------
    Nolte et al. (2004) Clin Neurophysiol 115:2292.
    """
    return np.imag(coherency(sxy, sxx, syy))


def plv(sxy) -> np.ndarray:
    """Phase-locking value :math:`|\\langle S_{xy}/|S_{xy}|\\rangle|` over epochs.

    Parameters
    ----------
    sxy : array_like, complex, shape (n_epochs, ...)
        Per-epoch (taper-combined) cross-spectra :math:`X\\bar Y`, epochs on axis 0, in any unit
        (the measure is dimensionless).

    Returns
    -------
    ndarray, shape (...)
        PLV, dimensionless, in [0, 1].

    References
    ----------
    Lachaux et al. (1999) Hum Brain Mapp 8:194.
    """
    sxy = _per_epoch("sxy", sxy)
    mag = np.abs(sxy)
    unit = np.divide(sxy, mag, out=np.zeros_like(sxy, dtype=complex), where=mag > 0)
    return np.abs(unit.mean(axis=0))


def pli(sxy) -> np.ndarray:
    """Phase-lag index :math:`|\\langle\\operatorname{sign}\\operatorname{Im}S_{xy}\\rangle|`.

    Parameters
    ----------
    sxy : array_like, complex, shape (n_epochs, ...)
        Per-epoch (taper-combined) cross-spectra :math:`X\\bar Y`, epochs on axis 0, in any unit
        (the measure is dimensionless).

    Returns
    -------
    ndarray, shape (...)
        PLI, dimensionless, in [0, 1].

    References
    ----------
    Stam, Nolte & Daffertshofer (2007) Hum Brain Mapp 28:1178.
    """
    im = np.imag(_per_epoch("sxy", sxy))
    return np.abs(np.sign(im).mean(axis=0))


def wpli(sxy) -> np.ndarray:
    """Weighted phase-lag index :math:`|\\langle\\operatorname{Im}S\\rangle|/\\langle|\\operatorname{Im}S|\\rangle`.

    Zero where the denominator is zero (mne's convention).

    Parameters
    ----------
    sxy : array_like, complex, shape (n_epochs, ...)
        Per-epoch (taper-combined) cross-spectra :math:`X\\bar Y`, epochs on axis 0, in any unit
        (the measure is dimensionless).

    Returns
    -------
    ndarray, shape (...)
        wPLI, dimensionless, in [0, 1].

    References
    ----------
    Vinck et al. (2011) NeuroImage 55:1548, eq. 8.
    """
    im = np.imag(_per_epoch("sxy", sxy))
    return _wpli_from_sums(im.sum(axis=0), np.abs(im).sum(axis=0))


def wpli2_debiased(sxy) -> np.ndarray:
    """Debiased squared wPLI (Vinck 2011, eq. 11); unbiased under the null, so it can be < 0.

    :math:`\\frac{(\\sum\\operatorname{Im}S)^2-\\sum(\\operatorname{Im}S)^2}
    {(\\sum|\\operatorname{Im}S|)^2-\\sum(\\operatorname{Im}S)^2}`, zero where the denominator is 0.

    Parameters
    ----------
    sxy : array_like, complex, shape (n_epochs, ...)
        Per-epoch (taper-combined) cross-spectra :math:`X\\bar Y`, epochs on axis 0, in any unit
        (the measure is dimensionless).

    Returns
    -------
    ndarray, shape (...)
        Debiased wPLI², dimensionless, at most 1 (may be < 0 by chance).

    References
    ----------
    Vinck et al. (2011) NeuroImage 55:1548.
    """
    im = np.imag(_per_epoch("sxy", sxy))
    return _wpli2_from_sums(im.sum(axis=0), np.abs(im).sum(axis=0), (im**2).sum(axis=0))


def _wpli_from_sums(s, sa):
    """wPLI from the epoch sums of Im S (``s``) and of |Im S| (``sa``); 0 where ``sa`` is 0."""
    num = np.abs(s)
    return np.divide(num, sa, out=np.zeros_like(num), where=sa > 0)


def _wpli2_from_sums(s, sa, s2):
    """Debiased wPLI² from the epoch sums of Im S, |Im S| and (Im S)²; 0 where undefined."""
    num, den = s**2 - s2, sa**2 - s2
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


# ---------------------------------------------------------------- all-to-all, vectorised
@dataclass(frozen=True)
class SpectralConnectivity:
    """All-to-all spectral connectivity.

    Attributes
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz.
    values : dict
        ``values[method]`` has shape (n_signals, n_signals, n_freqs); entry ``[i, j, f]`` treats
        signal i as the seed and j as the target (:math:`S_{ij} = X_i\\bar X_j`), so ``"imcoh"``
        and ``"cohy"`` are antisymmetric / Hermitian and the others symmetric.
    n_epochs, n_tapers : int
        Epochs averaged and tapers used.
    """

    freqs: np.ndarray
    values: dict
    n_epochs: int
    n_tapers: int

    def __getitem__(self, method):
        return self.values[method]


def spectral_connectivity(data, sfreq, method="coh", mode="multitaper", fmin=None, fmax=np.inf,
                          bandwidth=None, low_bias=True, block_size=8) -> SpectralConnectivity:
    """All-to-all coherence-family connectivity of epoched data, vectorised over signal pairs.

    Parameters
    ----------
    data : array_like, shape (n_epochs, n_signals, n_times)
        Epochs (any unit).
    sfreq : float
        Sampling frequency in Hz.
    method : str or sequence of str
        Any of ``"coh"`` (magnitude coherence), ``"cohy"`` (complex coherency), ``"imcoh"``
        (signed imaginary coherency), ``"plv"``, ``"pli"``, ``"wpli"``, ``"wpli2_debiased"``.
    mode : {"multitaper", "fourier"}
        Taper choice, see :func:`tapers`.
    fmin : float or None
        Lowest frequency kept in Hz (``None``: 5 cycles per epoch), see :func:`epoch_spectra`.
    fmax : float
        Highest frequency kept in Hz (default: up to Nyquist).
    bandwidth : float or None
        Full multitaper bandwidth in Hz (see :func:`tapers`).
    low_bias : bool
        Keep DPSS tapers with concentration > 0.9 only.
    block_size : int
        Frequencies processed together (memory vs speed; results do not depend on it).

    Returns
    -------
    SpectralConnectivity
        Frequencies (Hz) and one dimensionless (n_signals, n_signals, n_freqs) array per method.

    Notes
    -----
    Epoch-averaged measures use one matrix product over epochs and tapers; per-epoch measures
    (PLI, wPLI) need only :math:`\\operatorname{Im}S`, which is computed from real matrix
    products :math:`\\operatorname{Im}(X\\bar Y) = X_i'' X_j' - X_i' X_j''`.

    References
    ----------
    mne-connectivity 0.9 ``spectral_connectivity_epochs`` (same definitions, see the module
    docstring).
    """
    methods = (method,) if isinstance(method, str) else tuple(method)
    if not methods:
        raise ValueError(f"method must be one of {list(METHODS)} (or a sequence of them), got []")
    for m in methods:
        check_option("method", m, METHODS)
    block_size = check_int("block_size", block_size, 1)
    spec = epoch_spectra(data, sfreq, mode, fmin, fmax, bandwidth, low_bias)
    C = spec.coefs  # (e, k, n, f)
    n_e, n_k, n_s, n_f = C.shape
    need_avg = {"coh", "cohy", "imcoh"} & set(methods)
    need_im = {"pli", "wpli", "wpli2_debiased"} & set(methods)
    out = {m: np.empty((n_s, n_s, n_f), dtype=complex if m == "cohy" else float)
           for m in methods}
    for f0 in range(0, n_f, block_size):
        sl = slice(f0, min(f0 + block_size, n_f))
        Cb = np.moveaxis(C[..., sl], -1, 0)  # (fb, e, k, n)
        if need_avg or need_im:
            flat = Cb.reshape(Cb.shape[0], n_e * n_k, n_s)
            S = np.matmul(flat.transpose(0, 2, 1), flat.conj()) / n_e  # (fb, n, n)
        if need_avg:
            p = np.real(np.diagonal(S, axis1=1, axis2=2))
            den = np.sqrt(p[:, :, None] * p[:, None, :])
            # a signal with zero power (e.g. the estimate at an MEG-silent source) has no
            # defined coherency; report 0 instead of NaN
            cohy = np.divide(S, den, out=np.zeros_like(S), where=den > 0)
            if "cohy" in out:
                out["cohy"][..., sl] = np.moveaxis(cohy, 0, -1)
            if "coh" in out:
                out["coh"][..., sl] = np.moveaxis(np.abs(cohy), 0, -1)
            if "imcoh" in out:
                out["imcoh"][..., sl] = np.moveaxis(cohy.imag, 0, -1)
        if "plv" in out or need_im:
            # per-epoch n x n matrices, accumulated over chunks of epochs to bound memory
            fb = Cb.shape[0]
            chunk = max(1, int(_CHUNK_ELEMENTS // (fb * n_s * n_s)))
            plv_sum = np.zeros((fb, n_s, n_s), complex) if "plv" in out else None
            sign_sum = np.zeros((fb, n_s, n_s)) if "pli" in out else None
            # the epoch sum of Im S_e is the imaginary part of the summed cross-spectrum
            s = n_e * S.imag if need_im else None
            sa = np.zeros((fb, n_s, n_s))
            s2 = np.zeros((fb, n_s, n_s)) if "wpli2_debiased" in out else None
            if need_im:
                # Im(X_i conj X_j) = sum_k (Im_i Re_j - Re_i Im_j) = [Im_i, Re_i] . [Re_j, -Im_j]:
                # one batched real product with 2K inner terms gives it directly
                left = np.ascontiguousarray(
                    np.concatenate([Cb.imag, Cb.real], axis=2).swapaxes(-1, -2))  # (fb, e, n, 2k)
                right = np.ascontiguousarray(np.concatenate([Cb.real, -Cb.imag], axis=2))
            for e0 in range(0, n_e, chunk):
                e1 = min(e0 + chunk, n_e)
                if plv_sum is not None:
                    Ce = np.ascontiguousarray(Cb[:, e0:e1])  # (fb, ec, k, n)
                    Se = np.einsum("feki,fekj->feij", Ce, Ce.conj())  # (fb, ec, n, n)
                    mag = np.abs(Se)
                    np.divide(Se, mag, out=Se, where=mag > 0)
                    Se[mag == 0] = 0
                    plv_sum += Se.sum(axis=1)
                if need_im:
                    # many small products with a short inner dimension: einsum's single-threaded
                    # loop beats threaded BLAS here (no thread start-up per tiny matrix)
                    imS = np.einsum("fenk,fekm->fenm", left[:, e0:e1], right[:, e0:e1])
                    if sign_sum is not None:
                        sign_sum += np.sign(imS).sum(axis=1)
                    if s2 is not None:
                        s2 += np.einsum("feij,feij->fij", imS, imS)
                    np.abs(imS, out=imS)
                    sa += imS.sum(axis=1)
            if plv_sum is not None:
                out["plv"][..., sl] = np.moveaxis(np.abs(plv_sum / n_e), 0, -1)
            if sign_sum is not None:
                out["pli"][..., sl] = np.moveaxis(np.abs(sign_sum / n_e), 0, -1)
            if "wpli" in out:
                out["wpli"][..., sl] = np.moveaxis(_wpli_from_sums(s, sa), 0, -1)
            if "wpli2_debiased" in out:
                out["wpli2_debiased"][..., sl] = np.moveaxis(_wpli2_from_sums(s, sa, s2), 0, -1)
    return SpectralConnectivity(freqs=spec.freqs, values=out, n_epochs=n_e, n_tapers=n_k)
