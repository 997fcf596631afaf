"""Interictal spike detection on one channel: an amplitude detector with a robust noise scale, the
Teager-Kaiser energy operator, and the sensitivity / false-alarm rate against planted times.

References
----------
.. [1] J. F. Kaiser, "On a simple algorithm to calculate the 'energy' of a signal", Proc. IEEE
   ICASSP 1990, pp. 381-384 (the Teager-Kaiser operator).
.. [2] R. Q. Quiroga, Z. Nadasdy and Y. Ben-Shaul, "Unsupervised spike detection and sorting with
   wavelets and superparamagnetic clustering", Neural Comput. 16:1661-1687, 2004 (the robust
   threshold median(|x|)/0.6745).
.. [3] J. Gotman and P. Gloor, "Automatic recognition and quantification of interictal epileptic
   activity in the human scalp EEG", Electroenceph. Clin. Neurophysiol. 41:513-529, 1976.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt

from neurocourse._validation import as_finite, check_option, check_positive, check_range

__all__ = [
    "DETECTORS",
    "DetectionCurve",
    "DetectionPerformance",
    "bandpass",
    "detect_spikes",
    "detection_performance",
    "detection_vs_snr",
    "robust_sigma",
    "teager_kaiser",
]

#: Detector names understood by :func:`detect_spikes`.
DETECTORS = ("amplitude", "teager")


def teager_kaiser(x):
    """Teager-Kaiser energy operator :math:`\\psi[n] = x_n^2 - x_{n-1}x_{n+1}` along the last axis.

    For :math:`x_n = A\\cos(\\Omega n + \\phi)` it equals :math:`A^2\\sin^2\\Omega` exactly.

    Parameters
    ----------
    x : array_like, shape (..., n)
        Signal (any unit u), n >= 3.

    Returns
    -------
    psi : ndarray, shape (..., n - 2)
        Energy at samples 1 ... n-2, unit u².
    """
    x = as_finite("x", x)
    if x.ndim == 0 or x.shape[-1] < 3:
        raise ValueError(f"x must have at least 3 samples along its last axis, got shape {x.shape}")
    return x[..., 1:-1] ** 2 - x[..., :-2] * x[..., 2:]


def robust_sigma(x):
    """Robust noise SD, :math:`\\operatorname{median}(|x|)/0.6745`, along the last axis.

    For zero-mean Gaussian noise it estimates the SD (0.6745 is the 75 % normal quantile), and a few
    large spikes barely move it.

    Parameters
    ----------
    x : array_like, shape (..., n)
        Signal, any unit u.

    Returns
    -------
    sigma : ndarray or float
        Robust SD, same unit as ``x``.
    """
    return np.median(np.abs(as_finite("x", x)), axis=-1) / 0.6745


def bandpass(x, sfreq, band=(1.0, 70.0), order=4):
    """Zero-phase Butterworth band-pass (second-order sections, forward and backward).

    Parameters
    ----------
    x : array_like, shape (..., n_times)
        Signal, any unit.
    sfreq : float
        Sampling rate in Hz.
    band : tuple of float
        (low, high) cut-offs in Hz, 0 < low < high < sfreq/2.
    order : int
        Filter order of each pass.

    Returns
    -------
    y : ndarray, same shape as ``x``
        Filtered signal, same unit as ``x``.
    """
    fs = float(check_positive("sfreq", sfreq, unit="Hz"))
    lo, hi = (float(v) for v in check_positive("band", band, unit="Hz"))
    check_range("band[1]", hi, lo, fs / 2, low_inclusive=False, high_inclusive=False, unit="Hz")
    sos = butter(int(order), [lo, hi], btype="bandpass", fs=fs, output="sos")
    return sosfiltfilt(sos, as_finite("x", x), axis=-1)


def detect_spikes(x, sfreq, method="amplitude", k=None, band=(1.0, 70.0), merge=0.1):
    """Detect transients on one channel.

    The channel is band-passed (:func:`bandpass`). The score is :math:`|x|` (``"amplitude"``) or
    the Teager-Kaiser energy of the filtered signal (``"teager"``, zero at the two end samples).
    Samples whose score exceeds ``k`` robust scales of the score (:func:`robust_sigma`) are
    flagged; flagged samples closer than ``merge`` are one event, located at its largest score.

    Parameters
    ----------
    x : array_like, shape (n_times,)
        One channel, any unit.
    sfreq : float
        Sampling rate in Hz.
    method : {"amplitude", "teager"}
        Score.
    k : float, optional
        Threshold in robust scales of the score (> 0, dimensionless). Defaults: 5 for ``"amplitude"`` and 20 for
        ``"teager"`` (the energy is a squared quantity with a heavy right tail).
    band : tuple of float or None
        Band-pass in Hz; ``None`` skips filtering.
    merge : float
        Flagged samples closer than this (s, >= 0) belong to the same event.

    Returns
    -------
    times : ndarray, shape (n_events,)
        Event times in s (sample index / sfreq).
    """
    fs = float(check_positive("sfreq", sfreq, unit="Hz"))
    method = check_option("method", method, DETECTORS)
    x = as_finite("x", x)
    if x.ndim != 1:
        raise ValueError(f"x must be one channel (1-D), got shape {x.shape}")
    kk = float(check_positive("k", (5.0 if method == "amplitude" else 20.0) if k is None else k))
    gap = float(check_range("merge", merge, 0.0, unit="s"))
    y = x if band is None else bandpass(x, fs, band)
    if method == "amplitude":
        score = np.abs(y)
    else:
        score = np.concatenate([[0.0], teager_kaiser(y), [0.0]])
    idx = np.flatnonzero(score > kk * robust_sigma(score))
    if idx.size == 0:
        return np.zeros(0)
    group = np.concatenate([[0], np.cumsum(np.diff(idx) > gap * fs)])
    order = np.lexsort((-score[idx], group))
    first = np.concatenate([[True], np.diff(group[order]) > 0])
    return idx[order[first]] / fs


@dataclass(frozen=True)
class DetectionPerformance:
    """Detections scored against planted spike times.

    Attributes
    ----------
    sensitivity : float
        Fraction of planted spikes with a detection within the tolerance (nan if none planted).
    precision : float
        Fraction of detections within the tolerance of a planted spike (nan if none detected).
    false_alarm_rate : float
        Detections matching no planted spike, per minute.
    n_true, n_detected, n_hits, n_false : int
        Counts.
    """

    sensitivity: float
    precision: float
    false_alarm_rate: float
    n_true: int
    n_detected: int
    n_hits: int
    n_false: int


def _nearest_distance(a, b):
    """Distance from each element of a to the nearest element of sorted b (inf if b is empty)."""
    if b.size == 0:
        return np.full(a.shape, np.inf)
    j = np.clip(np.searchsorted(b, a), 1, b.size) if b.size > 1 else np.ones(a.shape, int)
    lo = np.abs(a - b[j - 1])
    hi = np.abs(b[np.minimum(j, b.size - 1)] - a)
    return np.minimum(lo, hi)


def detection_performance(detected, true, duration, tolerance=0.02) -> DetectionPerformance:
    """Sensitivity, precision and false alarms per minute with a matching tolerance.

    Parameters
    ----------
    detected, true : array_like
        Detected and planted times in s.
    duration : float
        Recording length in s (for the false-alarm rate).
    tolerance : float
        A detection matches a planted spike within this many s (default ±20 ms).

    Returns
    -------
    DetectionPerformance
    """
    d = np.sort(as_finite("detected", detected, unit="s").ravel())
    t = np.sort(as_finite("true", true, unit="s").ravel())
    T = float(check_positive("duration", duration, unit="s"))
    tol = float(check_range("tolerance", tolerance, 0.0, unit="s"))
    hit = _nearest_distance(t, d) <= tol
    good = _nearest_distance(d, t) <= tol
    n_false = int(np.sum(~good))
    return DetectionPerformance(
        sensitivity=float(hit.mean()) if t.size else float("nan"),
        precision=float(good.mean()) if d.size else float("nan"),
        false_alarm_rate=60.0 * n_false / T,
        n_true=int(t.size), n_detected=int(d.size), n_hits=int(hit.sum()), n_false=n_false)


@dataclass(frozen=True, eq=False)
class DetectionCurve:
    """Detector performance against the spike moment (and so the SNR).

    Attributes
    ----------
    moments : ndarray, shape (n,)
        Peak dipole moments in A·m.
    snr : ndarray, shape (n,)
        Peak-channel SNR of each recording (dimensionless).
    sensitivity, false_alarm_rate : ndarray, shape (n,)
        Fraction of planted spikes found (±``tolerance``), and false alarms per minute.
    """

    moments: np.ndarray
    snr: np.ndarray
    sensitivity: np.ndarray
    false_alarm_rate: np.ndarray


def detection_vs_snr(gain, position, moments, method="amplitude", k=None, *,
                     direction=(0.0, 1.0, 0.0), tolerance=0.02, rng=None,
                     **recording) -> DetectionCurve:
    """Measure a detector's sensitivity and false-alarm rate on simulated recordings.

    One recording per moment (:func:`neurocourse.clinical.simulate_spike_recording`, same seed
    sequence), detection on its peak channel (:func:`detect_spikes`), scoring with
    :func:`detection_performance`.

    Parameters
    ----------
    gain : callable
        Free-orientation lead field, see :func:`~neurocourse.clinical.simulate_spike_recording`.
    position : array_like, shape (3,)
        Dipole position in m.
    moments : array_like, shape (n,)
        Peak moment magnitudes in A·m (>= 0; 0 gives noise only: sensitivity nan).
    method : {"amplitude", "teager"}
        Detector, see :func:`detect_spikes`.
    k : float, optional
        Threshold (dimensionless), see :func:`detect_spikes`.
    direction : array_like, shape (3,)
        Moment direction (dimensionless; normalised to a unit vector here).
    tolerance : float
        Matching tolerance in s.
    rng : numpy.random.Generator or int, optional
        Random draws.
    **recording
        Passed to :func:`~neurocourse.clinical.simulate_spike_recording` (``duration``,
        ``noise_sd``, ``background_sd``, ...).

    Returns
    -------
    DetectionCurve
    """
    from neurocourse.clinical.spikes import simulate_spike_recording

    m = check_range("moments", moments, 0.0, unit="A·m").ravel()
    u = as_finite("direction", direction).reshape(3)
    u = u / np.linalg.norm(u)
    rng = np.random.default_rng(rng)
    snr, sens, fa = [], [], []
    # one simulated recording per moment: a handful of points on the curve
    for mk in m:
        rec = simulate_spike_recording(gain, position, mk * u, rng=rng, **recording)
        ch = rec.peak_channel if mk > 0 else 0
        perf = detection_performance(detect_spikes(rec.data[ch], rec.sfreq, method, k),
                                     rec.spike_times if mk > 0 else [], rec.times[-1] + 1 / rec.sfreq,
                                     tolerance)
        snr.append(rec.snr)
        sens.append(perf.sensitivity)
        fa.append(perf.false_alarm_rate)
    return DetectionCurve(moments=m, snr=np.array(snr), sensitivity=np.array(sens),
                          false_alarm_rate=np.array(fa))
