"""Interictal spikes: the spike-and-slow-wave waveform, Poisson spike trains with a refractory
period, and a multichannel recording of one epileptogenic dipole in sensor noise.

The waveform follows the working model of the course reference (a 10-ms Gaussian spike followed
100 ms later by a 50-ms slow wave of opposite sign, 0.35 of its height); spike durations of
20-70 ms and sharp waves of 70-200 ms are the IFCN glossary's definitions.

References
----------
.. [1] S. Kane et al., "A revised glossary of terms most commonly used by clinical
   electroencephalographers", Clin. Neurophysiol. Pract. 2:170-185, 2017 (IFCN glossary).
.. [2] M. Scherg and D. von Cramon, "Two bilateral sources of the late AEP as identified by a
   spatio-temporal dipole model", Electroenceph. Clin. Neurophysiol. 62:32-44, 1985 (the
   equivalent-dipole data model b(t) = G(r) q s(t) + n(t)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from neurocourse._validation import (
    as_finite,
    check_int,
    check_positive,
    check_range,
    check_vec3,
)

__all__ = ["SpikeRecording", "simulate_spike_recording", "spike_times", "spike_waveform"]


def spike_waveform(t, onsets=0.0, amplitudes=1.0, sigma_spike=0.010, sigma_wave=0.050,
                   wave_ratio=0.35, wave_delay=0.100):
    """Sum of spike-and-slow-wave complexes.

    .. math:: s(t)=\\sum_k A_k\\big[e^{-(t-t_k)^2/2\\sigma_1^2}
              - \\rho\\,e^{-(t-t_k-d)^2/2\\sigma_2^2}\\big]

    Parameters
    ----------
    t : array_like, shape (n_times,)
        Times in s.
    onsets : array_like, shape (n_spikes,)
        Spike peak times :math:`t_k` in s.
    amplitudes : float or array_like, shape (n_spikes,)
        Peak factors :math:`A_k` (dimensionless, or in the unit wanted, e.g. A·m).
    sigma_spike, sigma_wave : float
        Widths :math:`\\sigma_1, \\sigma_2` of the spike and the slow wave in s (> 0).
    wave_ratio : float
        Relative height :math:`\\rho` of the slow wave, in [0, 1] (dimensionless).
    wave_delay : float
        Delay :math:`d` of the slow wave after the spike, s (>= 0).

    Returns
    -------
    s : ndarray, shape (n_times,)
        Waveform, in the unit of ``amplitudes``.
    """
    t = as_finite("t", t, unit="s").ravel()
    tk = as_finite("onsets", onsets, unit="s").ravel()
    a = np.broadcast_to(as_finite("amplitudes", amplitudes), tk.shape)
    s1 = float(check_positive("sigma_spike", sigma_spike, unit="s"))
    s2 = float(check_positive("sigma_wave", sigma_wave, unit="s"))
    rho = float(check_range("wave_ratio", wave_ratio, 0.0, 1.0))
    d = float(check_range("wave_delay", wave_delay, 0.0, unit="s"))
    dt = t[:, None] - tk[None, :]
    shape = np.exp(-(dt**2) / (2 * s1**2)) - rho * np.exp(-((dt - d) ** 2) / (2 * s2**2))
    return shape @ a


def spike_times(duration, rate=0.2, refractory=1.0, margin=0.5, rng=None):
    """Poisson spike times with a dead time (a renewal process with shifted-exponential intervals).

    Intervals are ``refractory + Exponential(1/rate - refractory)``, so the mean rate is ``rate``
    and no two spikes are closer than ``refractory``.

    Parameters
    ----------
    duration : float
        Recording length in s (> 0).
    rate : float
        Mean spike rate in Hz (> 0, and 1/rate > refractory).
    refractory : float
        Minimum interval between spikes in s (>= 0).
    margin : float
        No spike within ``margin`` s of either end of the recording (>= 0).
    rng : numpy.random.Generator or int, optional
        Random draws.

    Returns
    -------
    times : ndarray, shape (n_spikes,)
        Sorted spike times in s.
    """
    T = float(check_positive("duration", duration, unit="s"))
    r = float(check_positive("rate", rate, unit="Hz"))
    dead = float(check_range("refractory", refractory, 0.0, unit="s"))
    m = float(check_range("margin", margin, 0.0, T / 2, high_inclusive=False, unit="s"))
    if 1.0 / r <= dead:
        raise ValueError(f"rate must be < 1/refractory = {1 / dead:g} Hz, got {r:g}")
    rng = np.random.default_rng(rng)
    n = int(np.ceil(T * r * 2 + 20))
    times = m + np.cumsum(dead + rng.exponential(1.0 / r - dead, n))
    return times[times < T - m]


@dataclass(frozen=True, eq=False)
class SpikeRecording:
    """A simulated multichannel recording of interictal spikes from one dipole.

    Attributes
    ----------
    times : ndarray, shape (n_times,)
        Sample times in s.
    data : ndarray, shape (n_channels, n_times)
        Sensor data in channel units (T for magnetometers, V for EEG).
    spike_times : ndarray, shape (n_spikes,)
        Planted spike peak times in s.
    position : ndarray, shape (3,)
        Dipole position in m.
    moment : ndarray, shape (3,)
        Peak dipole moment in A·m.
    topography : ndarray, shape (n_channels,)
        Field of the peak moment at the sensors (channel units).
    noise_cov : ndarray, shape (n_channels, n_channels)
        Covariance of the sensor noise that was added (white plus background), (channel unit)².
    sfreq : float
        Sampling rate in Hz.
    """

    times: np.ndarray
    data: np.ndarray
    spike_times: np.ndarray
    position: np.ndarray
    moment: np.ndarray
    topography: np.ndarray
    noise_cov: np.ndarray
    sfreq: float

    @property
    def peak_channel(self) -> int:
        """Index of the channel where the spike is largest (in absolute value)."""
        return int(np.argmax(np.abs(self.topography)))

    @property
    def snr(self) -> float:
        """Peak spike amplitude over the noise SD on :attr:`peak_channel` (dimensionless)."""
        k = self.peak_channel
        return float(abs(self.topography[k]) / np.sqrt(self.noise_cov[k, k]))


def simulate_spike_recording(gain: Callable, position, moment=(0.0, 200e-9, 0.0), *,
                             duration=60.0, sfreq=500.0, rate=0.2, refractory=1.0,
                             noise_sd=20e-15, background_sd=0.0, background_rho=0.95,
                             rng=None, **waveform) -> SpikeRecording:
    """Spikes from one equivalent dipole at Poisson times, in white and AR(1) sensor noise.

    The data are :math:`\\mathbf b(t) = \\mathbf g\\,s(t) + \\mathbf n(t)` with
    :math:`\\mathbf g = G(\\mathbf r)\\mathbf q` the field of the peak moment and :math:`s` the
    spike-and-slow-wave train of :func:`spike_waveform` (unit peak factors).

    Parameters
    ----------
    gain : callable
        ``gain(points (n, 3) in m) -> (n_channels, 3 n)`` free-orientation lead field in channel
        unit per A·m (e.g. ``lambda r: neurocourse.meg.lead_field(r, pos, nrm)``).
    position : array_like, shape (3,)
        Dipole position in m.
    moment : array_like, shape (3,)
        Peak moment in A·m (default 200 nAm, the order of magnitude of interictal spikes).
    duration : float
        Length in s.
    sfreq : float
        Sampling rate in Hz.
    rate, refractory : float
        Spike rate (Hz) and refractory period (s) of :func:`spike_times`.
    noise_sd : float
        White sensor-noise SD per channel, channel units (20 fT for MEG, 0.2 µV for EEG).
    background_sd : float
        Stationary SD of an independent AR(1) background per channel, channel units (>= 0).
    background_rho : float
        AR(1) coefficient of the background, in [0, 1) (dimensionless).
    rng : numpy.random.Generator or int, optional
        Random draws (spike times, then noise).
    **waveform
        Passed to :func:`spike_waveform` (``sigma_spike``, ``sigma_wave``, ...).

    Returns
    -------
    SpikeRecording
    """
    r0 = check_vec3("position", position, unit="m")
    q = check_vec3("moment", moment, unit="A·m")
    fs = float(check_positive("sfreq", sfreq, unit="Hz"))
    T = float(check_positive("duration", duration, unit="s"))
    sd = float(check_positive("noise_sd", noise_sd))
    bsd = float(check_range("background_sd", background_sd, 0.0))
    rho = float(check_range("background_rho", background_rho, 0.0, 1.0, high_inclusive=False))
    rng = np.random.default_rng(rng)
    n_t = check_int("duration * sfreq", round(T * fs), 2)
    t = np.arange(n_t) / fs
    tk = spike_times(T, rate, refractory, rng=rng)
    g = np.asarray(gain(r0[None, :]), dtype=float) @ q
    s = spike_waveform(t, tk, 1.0, **waveform)
    noise = sd * rng.standard_normal((g.size, n_t))
    if bsd > 0:
        e = bsd * np.sqrt(1 - rho**2) * rng.standard_normal((g.size, n_t))
        e[:, 0] = bsd * rng.standard_normal(g.size)  # start in the stationary state
        noise += lfilter([1.0], [1.0, -rho], e, axis=1)
    cov = np.eye(g.size) * (sd**2 + bsd**2)
    return SpikeRecording(times=t, data=np.outer(g, s) + noise, spike_times=tk, position=r0,
                          moment=q, topography=g, noise_cov=cov, sfreq=fs)
