"""Field spread and source leakage in closed form: what linear, instantaneous mixing does to
cross-spectra.

Sensors (or the rows of a linear inverse) see sources through a real matrix A:
:math:`x = As`, hence :math:`S_x(f) = A\\,S_s(f)\\,A^\\top`. Independent sources have a real,
diagonal :math:`S_s`, so :math:`S_x` is real: mixing inflates coherence and PLV but cannot
create an imaginary part, :math:`\\operatorname{Im}S_x = A\\,\\operatorname{Im}S_s\\,A^\\top`
(Nolte 2004). For source estimates :math:`\\hat s = K(Gs + n)`, the mixing matrix is the
resolution matrix :math:`KG` (:func:`neurocourse.inverse.resolution_matrix`) plus projected
sensor noise.

References
----------
Nolte et al. (2004) Clin Neurophysiol 115:2292; Schoffelen & Gross (2009) Hum Brain Mapp
30:1857; Palva et al. (2018) NeuroImage 173:632 (source leakage, "ghost" interactions).
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_int

__all__ = ["estimate_cross_spectrum", "mixed_cross_spectrum", "seed_coherency"]


def _square(name, M):
    M = np.asarray(M)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError(f"{name} must be finite")
    return M


def mixed_cross_spectrum(A, source_csd) -> np.ndarray:
    """Cross-spectrum of instantaneously mixed signals, :math:`A\\,S_s\\,A^\\top`.

    Parameters
    ----------
    A : array_like, shape (n_signals, n_sources)
        Real mixing matrix (e.g. a lead field in T/(A·m), or a resolution matrix).
    source_csd : array_like, complex, shape (n_sources, n_sources)
        Source cross-spectrum at one frequency (Hermitian), in units of the source unit squared
        (e.g. (A·m)² per frequency bin).

    Returns
    -------
    ndarray, complex, shape (n_signals, n_signals)
        Cross-spectrum of the mixed signals (Hermitian), in units of (A's unit × source unit)²,
        e.g. T² per frequency bin for a lead field.

    References
    ----------
    Nolte et al. (2004) Clin Neurophysiol 115:2292, eq. 5.
    """
    A = as_finite("A", A)
    if A.ndim != 2:
        raise ValueError(f"A must have shape (n_signals, n_sources), got {A.shape}")
    S = _square("source_csd", source_csd)
    if S.shape[0] != A.shape[1]:
        raise ValueError(f"source_csd must be ({A.shape[1]}, {A.shape[1]}) to match A, got "
                         f"{S.shape}")
    return A @ S @ A.T


def estimate_cross_spectrum(K, G, source_csd, noise_cov) -> np.ndarray:
    """Cross-spectrum of linear source estimates :math:`\\hat s = K(Gs + n)`.

    :math:`S_{\\hat s} = K(G S_s G^\\top + C)K^\\top`, with white sensor noise of covariance C
    (per frequency bin, the same unit as :math:`G S_s G^\\top`).

    Parameters
    ----------
    K : array_like, shape (n_estimates, n_channels)
        Inverse kernel, in units of estimate unit per channel unit (e.g. A·m/T for
        :func:`neurocourse.inverse.inverse_kernel` with ``method="MNE"``).
    G : array_like, shape (n_channels, n_sources)
        Fixed-orientation lead field, in units of channel unit per source unit (e.g. T/(A·m)).
    source_csd : array_like, shape (n_sources, n_sources)
        True source cross-spectrum (Hermitian), in source units squared per frequency bin
        (e.g. (A·m)²).
    noise_cov : array_like, shape (n_channels, n_channels)
        Sensor-noise cross-spectrum (real, symmetric), in the same units as
        :math:`G S_s G^\\top` (e.g. T²).

    Returns
    -------
    ndarray, complex, shape (n_estimates, n_estimates)
        Cross-spectrum of the estimates, in units of the estimate unit squared (e.g. (A·m)²).

    References
    ----------
    Palva et al. (2018) NeuroImage 173:632 (leakage of linear estimates); Hauk et al.
    (2022) NeuroImage 260:119444 (resolution matrix).
    """
    K = as_finite("K", K)
    C = _square("noise_cov", as_finite("noise_cov", noise_cov))
    sensor = mixed_cross_spectrum(G, source_csd)
    if C.shape != sensor.shape or K.ndim != 2 or K.shape[1] != C.shape[0]:
        raise ValueError(f"K must be (n_estimates, {C.shape[0]}) and noise_cov "
                         f"({sensor.shape[0]}, {sensor.shape[0]}), got {K.shape} and {C.shape}")
    return K @ (sensor + C) @ K.T


def seed_coherency(csd, seed) -> np.ndarray:
    """Coherency of signal ``seed`` with every signal, from a cross-spectral matrix.

    Parameters
    ----------
    csd : array_like, complex, shape (n, n)
        Cross-spectral matrix at one frequency (Hermitian), in any unit (coherency is
        dimensionless).
    seed : int
        Index of the seed signal, in [0, n - 1].

    Returns
    -------
    ndarray, complex, shape (n,)
        :math:`S_{\\text{seed},j}/\\sqrt{S_{\\text{seed,seed}}S_{jj}}`, dimensionless; 0 for
        signals with zero power (e.g. the estimate at a source the sensors cannot see).
    """
    S = _square("csd", csd)
    k = check_int("seed", seed, 0)
    if k >= S.shape[0]:
        raise ValueError(f"seed must be in [0, {S.shape[0] - 1}], got {k}")
    p = np.real(np.diag(S))
    if p[k] <= 0 or np.any(p < 0):
        raise ValueError(f"csd must have a non-negative diagonal and a positive seed power, got "
                         f"{p[k]!r} at the seed")
    den = np.sqrt(p[k] * p)
    return np.divide(S[k], den, out=np.zeros(S.shape[0], dtype=complex), where=den > 0)
