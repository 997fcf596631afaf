"""Events and their stimulus functions: the paradigm of an fMRI experiment, with nilearn's conventions.

:class:`Events` holds onsets (s), durations (s), amplitudes and condition labels; build it with
:func:`make_events` from plain arrays or from a dict of arrays (no pandas needed). :func:`frame_times`
gives the scan acquisition times, and :func:`sample_condition` writes one condition as a stimulus
function on a fine grid of spacing ``tr / oversampling`` (onsets rounded *up* to the grid; a zero
duration becomes a one-sample impulse).

All times are in seconds.

References
----------
.. [1] nilearn, ``nilearn/glm/first_level/hemodynamic_models.py`` (``_sample_condition``) and
   ``first_level.py`` (frame times), version 0.14.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_int, check_positive, check_range

__all__ = ["Events", "check_frame_times", "frame_times", "make_events", "sample_condition"]


@dataclass(frozen=True)
class Events:
    """An experimental paradigm: one row per event.

    Attributes
    ----------
    onsets : ndarray, shape (n_events,)
        Event onsets (s), relative to the acquisition of the first scan (frame time 0).
    durations : ndarray, shape (n_events,)
        Event durations (s), >= 0; 0 means an impulse.
    amplitudes : ndarray, shape (n_events,)
        Event amplitudes (nilearn's "modulation"; dimensionless).
    conditions : ndarray of str, shape (n_events,)
        Condition label of each event (nilearn's "trial_type").
    """

    onsets: np.ndarray
    durations: np.ndarray
    amplitudes: np.ndarray
    conditions: np.ndarray

    @property
    def condition_names(self) -> list[str]:
        """Sorted unique condition labels: the order of the task columns of a design matrix."""
        return [str(c) for c in np.unique(self.conditions)]

    def select(self, condition) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(onsets, durations, amplitudes)`` of the events of one condition."""
        mask = self.conditions == str(condition)
        if not mask.any():
            raise ValueError(
                f"condition must be one of {self.condition_names}, got {condition!r}"
            )
        return self.onsets[mask], self.durations[mask], self.amplitudes[mask]


def make_events(onsets, durations=0.0, amplitudes=1.0, conditions="dummy"):
    """Build an :class:`Events` table from arrays, or from a dict of arrays.

    Parameters
    ----------
    onsets : array_like or dict
        Event onsets (s). Alternatively a mapping with keys ``"onset"`` (required),
        ``"duration"``, ``"modulation"`` (or ``"amplitude"``) and ``"trial_type"`` (or
        ``"condition"``), as in a BIDS ``events.tsv``; then the other arguments are ignored.
    durations : float or array_like, default=0.0
        Durations (s), >= 0, broadcast to the number of events.
    amplitudes : float or array_like, default=1.0
        Amplitudes (dimensionless), broadcast to the number of events.
    conditions : str or sequence of str, default="dummy"
        Condition labels, broadcast to the number of events.

    Returns
    -------
    Events
        Validated, with float arrays and string labels.

    Raises
    ------
    ValueError
        If an onset or amplitude is not finite, a duration is negative, or lengths differ.
    """
    if isinstance(onsets, Events):
        return onsets
    if isinstance(onsets, dict):
        table = onsets
        if "onset" not in table:
            raise ValueError(f"events must have an 'onset' entry, got keys {sorted(table)}")
        onsets = table["onset"]
        durations = table.get("duration", 0.0)
        amplitudes = table.get("modulation", table.get("amplitude", 1.0))
        conditions = table.get("trial_type", table.get("condition", "dummy"))
    on = np.atleast_1d(as_finite("onsets", onsets, unit="s")).astype(float)
    if on.ndim != 1:
        raise ValueError(f"onsets must be 1-D, got shape {on.shape}")
    n = on.size
    du = _broadcast("durations", check_positive("durations", durations, unit="s",
                                                allow_zero=True), n)
    am = _broadcast("amplitudes", as_finite("amplitudes", amplitudes), n)
    co = np.asarray(conditions)
    co = np.full(n, str(co)) if co.ndim == 0 else co.astype(str)
    if co.shape != (n,):
        raise ValueError(f"conditions must have {n} entries (one per onset), got {co.shape}")
    return Events(on, du.astype(float), am.astype(float), co)


def _broadcast(name, arr, n):
    arr = np.asarray(arr, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have {n} entries (one per onset), "
                         f"got shape {arr.shape}")
    return arr.copy()


def frame_times(n_scans, tr, slice_time_ref=0.0):
    """Acquisition times of the scans, ``(i + slice_time_ref) * tr`` for ``i = 0 .. n_scans-1``.

    This is how nilearn's ``FirstLevelModel`` builds the frame times.

    Parameters
    ----------
    n_scans : int
        Number of scans, >= 2.
    tr : float
        Repetition time (s), > 0.
    slice_time_ref : float, default=0.0
        Reference slice as a fraction of the TR, in [0, 1].

    Returns
    -------
    ndarray, shape (n_scans,)
        Frame times (s).
    """
    n_scans = check_int("n_scans", n_scans, 2)
    tr = float(check_positive("tr", tr, unit="s"))
    ref = float(check_range("slice_time_ref", slice_time_ref, 0.0, 1.0))
    return (np.arange(n_scans) + ref) * tr



def check_frame_times(ft):
    """Validate scan times: a finite, strictly increasing 1-D array of at least 2 entries (s).

    Parameters
    ----------
    ft : array_like, shape (n_scans,)
        Scan acquisition times (s).

    Returns
    -------
    ndarray, shape (n_scans,)
        The times as floats (s).

    Raises
    ------
    ValueError
        Naming ``frame_times`` and the offending entries.
    """
    ft = as_finite("frame_times", ft, unit="s")
    if ft.ndim != 1 or ft.size < 2:
        raise ValueError(f"frame_times must be 1-D with at least 2 entries, got shape {ft.shape}")
    step = np.diff(ft)
    if np.any(step <= 0):
        i = int(np.argmax(step <= 0))
        raise ValueError(
            "frame_times must be strictly increasing (s), got "
            f"frame_times[{i + 1}] = {ft[i + 1]!r} <= frame_times[{i}] = {ft[i]!r}"
        )
    return ft


def _fine_grid(ft, oversampling, min_onset):
    """nilearn's high-resolution grid: spacing tr/oversampling from min(ft)+min_onset."""
    n = ft.size
    lo, hi = ft.min(), ft.max()
    n_hr = (n - 1) / (hi - lo) * (hi * (1 + 1.0 / (n - 1)) - lo - min_onset) * oversampling + 1
    return np.linspace(lo + min_onset, hi * (1 + 1.0 / (n - 1)), int(np.rint(n_hr)))


def sample_condition(onsets, durations, amplitudes, frame_times, oversampling=50,
                     min_onset=-24.0):
    """Stimulus function of one condition on nilearn's oversampled grid.

    The grid runs from ``frame_times[0] + min_onset`` to (for regular frame times starting at 0)
    ``n_scans * tr`` with spacing ``tr / oversampling``. Each event adds ``+amplitude`` at the
    first grid point at or after its onset (onsets are rounded *up*) and ``-amplitude`` at the
    first grid point at or after ``onset + duration``; a cumulative sum turns these into boxes.
    A zero-duration event becomes a one-sample impulse of height ``amplitude``. Onsets before
    ``frame_times[0] + min_onset`` raise a ``UserWarning``; like nilearn's code (whose warning says
    they are "not considered") they are then snapped to the first grid point. Times past the grid
    are clipped to its last point.

    Parameters
    ----------
    onsets, durations, amplitudes : array_like, shape (n_events,)
        Onsets (s), durations (s, >= 0) and amplitudes (dimensionless) of the events.
    frame_times : array_like, shape (n_scans,)
        Scan acquisition times (s), strictly increasing.
    oversampling : int, default=50
        Fine samples per TR, >= 1.
    min_onset : float, default=-24.0
        Earliest onset considered, relative to ``frame_times[0]`` (s).

    Returns
    -------
    stimulus : ndarray, shape (n_fine,)
        Stimulus function on the fine grid (dimensionless).
    fine_times : ndarray, shape (n_fine,)
        Times of the fine grid (s).

    References
    ----------
    nilearn ``hemodynamic_models._sample_condition`` (0.14).
    """
    ft = check_frame_times(frame_times)
    oversampling = check_int("oversampling", oversampling, 1)
    min_onset = float(as_finite("min_onset", min_onset, unit="s"))
    ev = make_events(onsets, durations, amplitudes)
    grid = _fine_grid(ft, oversampling, min_onset)
    if np.any(ev.onsets < ft[0] + min_onset):
        warnings.warn(
            f"Some onsets are earlier than frame_times[0] + min_onset = {ft[0] + min_onset} s; "
            "they are placed at the start of the grid (as nilearn does).",
            UserWarning,
            stacklevel=2,
        )
    last = grid.size - 1
    i_on = np.minimum(np.searchsorted(grid, ev.onsets), last)
    i_off = np.minimum(np.searchsorted(grid, ev.onsets + ev.durations), last)
    i_off = np.where((i_off == i_on) & (i_off < last), i_off + 1, i_off)
    steps = np.zeros(grid.size)
    np.add.at(steps, i_on, ev.amplitudes)
    np.add.at(steps, i_off, -ev.amplitudes)
    return np.cumsum(steps), grid
