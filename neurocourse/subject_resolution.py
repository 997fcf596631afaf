"""Two sources close in space, and two events close in time, seen by each modality of the virtual
subject: are they resolved?

Two patches of :mod:`neurocourse.subject` are planted on the folded sheet at a given separation
along the folds, with the same activity. Each modality's map (:func:`neurocourse.subject.recover`)
is reduced to a profile along the folds (the maximum across the folds at each position), and the
two largest local maxima of that profile are compared with the two planted positions: the sources
are *resolved* when each planted patch has one of the two peaks within a tolerance.

For two events, the patch fires a second, identical burst ``delay`` s after the first; the MEG/EEG
time course at the map's peak is searched for its two largest local maxima, compared with the two
planted latencies. (fMRI is not offered: its samples are a TR apart and two events tens of
milliseconds apart drive one haemodynamic response.)

References
----------
.. [1] O. Hauk, M. Stenroos and M. S. Treder, "Towards an objective evaluation of EEG/MEG source
   estimation methods - the linear approach", NeuroImage 255:119177, 2022 (resolution of linear
   estimators, peak-based metrics).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.signal import find_peaks

from neurocourse import meg
from neurocourse._validation import check_option, check_positive, check_range
from neurocourse.subject import (
    MODALITIES,
    Patch,
    patch_activity,
    recover,
    simulate_subject,
    virtual_subject,
)

__all__ = ["EventResolution", "PairResolution", "two_events", "two_sources"]

_GRID = (41, 5)


def _two_peaks(x, y, truth, tol):
    """The two largest local maxima of ``y(x)`` (ends included), sorted by ``x``; the distance
    from each ``truth`` to the nearest of them; and whether both are within ``tol`` (x units)."""
    idx, _ = find_peaks(np.r_[-np.inf, y, -np.inf])
    idx = idx - 1
    peaks = np.sort(x[idx[np.argsort(y[idx])[::-1][:2]]])
    err = np.min(np.abs(truth[:, None] - peaks[None, :]), axis=1)
    return peaks, err, bool(np.all(err <= tol)) and peaks.size == 2


@dataclass(frozen=True, eq=False)
class PairResolution:
    """Whether a modality separates two planted patches.

    Attributes
    ----------
    modality : str
        One of :data:`neurocourse.subject.MODALITIES`.
    separation : float
        Planted separation along the folds, m.
    peaks : ndarray, shape (<= 2,)
        Positions along the folds of the two largest profile maxima, m.
    errors : ndarray, shape (2,)
        Distance along the folds from each planted patch to the nearest of those peaks, m.
    resolved : bool
        Both errors within the tolerance.
    profile_u, profile : ndarray, shape (n_u,)
        Positions along the folds (m) and the map's profile (map units).
    """

    modality: str
    separation: float
    peaks: np.ndarray
    errors: np.ndarray
    resolved: bool
    profile_u: np.ndarray
    profile: np.ndarray


def two_sources(separation, modality, *, u0=0.005, tolerance=0.003, rng=0) -> PairResolution:
    """Plant two patches ``separation`` apart along the folds and test whether ``modality``
    resolves them.

    Parameters
    ----------
    separation : float
        Distance between the patch centres along the folds, m (>= 0.009: patches of radius 4 mm
        must not overlap).
    modality : str
        One of :data:`neurocourse.subject.MODALITIES` (the fMRI-weighted MEG uses the subject's
        own fMRI map as prior).
    u0 : float
        Position of the first patch along the folds, m.
    tolerance : float
        Largest peak-to-patch distance counted as found, m.
    rng : numpy.random.Generator or int
        Random draws of :func:`neurocourse.subject.simulate_subject`.

    Returns
    -------
    PairResolution
    """
    check_option("modality", modality, MODALITIES)
    sep = float(check_range("separation", separation, 0.009, unit="m"))
    tol = float(check_positive("tolerance", tolerance, unit="m"))
    u = np.array([float(u0), float(u0) + sep])
    sub = virtual_subject((Patch("A", u[0]), Patch("B", u[1])), n=_GRID)
    rec = recover(sub, simulate_subject(sub, rng=rng), modality)
    cx = meg.folded_cortex(n=_GRID)
    prof = np.abs(rec.map).reshape(_GRID).max(axis=1)
    pu = cx.u.reshape(_GRID)[:, 0]
    # snap the planted centres to the grid line, as virtual_subject does
    u_true = pu[np.argmin(np.abs(pu[:, None] - u[None, :]), axis=0)]
    peaks, err, ok = _two_peaks(pu, prof, u_true, tol)
    return PairResolution(modality=modality, separation=sep, peaks=peaks, errors=err,
                          resolved=ok, profile_u=pu, profile=prof)


@dataclass(frozen=True, eq=False)
class EventResolution:
    """Whether an M/EEG modality separates two bursts of one patch in time.

    Attributes
    ----------
    modality : str
        ``"MEG"``, ``"EEG"`` or ``"MEG+EEG"``.
    delay : float
        Planted delay between the bursts, s.
    peaks : ndarray, shape (<= 2,)
        Times of the two largest maxima of the recovered |time course|, s.
    errors : ndarray, shape (2,)
        Distance from each planted latency to the nearest of those peaks, s.
    resolved : bool
        Both errors within the tolerance.
    times : ndarray
        Epoch times, s.
    time_course : ndarray
        Recovered dSPM time course at the map's peak (dimensionless).
    """

    modality: str
    delay: float
    peaks: np.ndarray
    errors: np.ndarray
    resolved: bool
    times: np.ndarray
    time_course: np.ndarray


def two_events(delay, modality, *, u0=0.005, tolerance=0.007, rng=0) -> EventResolution:
    """Let one patch fire twice, ``delay`` s apart, and test whether ``modality`` resolves it.

    Parameters
    ----------
    delay : float
        Delay of the second burst after the first, s (> 0).
    modality : {"MEG", "EEG", "MEG+EEG"}
        M/EEG modality.
    u0 : float
        Patch position along the folds, m (default: a sulcal wall).
    tolerance : float
        Largest peak-to-latency distance counted as found, s.
    rng : numpy.random.Generator or int
        Random draws of :func:`neurocourse.subject.simulate_subject`.

    Returns
    -------
    EventResolution
    """
    check_option("modality", modality, ("MEG", "EEG", "MEG+EEG"))
    dly = float(check_positive("delay", delay, unit="s"))
    tol = float(check_positive("tolerance", tolerance, unit="s"))
    sub = virtual_subject((Patch("A", float(u0)),), n=_GRID)
    # the fMRI session is not used here: a 1-s isi keeps its balloon run short, and the M/EEG
    # draws come first from ``rng``, so they do not depend on it
    data = simulate_subject(sub, isi=1.0, rng=rng)
    p = sub.patches[0]
    second = np.outer(sub.labels == 0, patch_activity(p, data.times, [dly]).current)
    both = replace(data, source=data.source + second, evoked=data.evoked + sub.fwd.G @ second)
    rec = recover(sub, both, modality)
    tc = np.abs(rec.time_course)
    peaks, err, ok = _two_peaks(data.times, tc, np.array([p.latency, p.latency + dly]), tol)
    return EventResolution(modality=modality, delay=dly, peaks=peaks, errors=err, resolved=ok,
                           times=data.times, time_course=rec.time_course)
