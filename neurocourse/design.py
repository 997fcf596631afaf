"""Events, regressors and first-level design matrices for fMRI, with nilearn's conventions.

The pipeline from an experiment to a design matrix ``X`` (n_scans, n_columns):

1. :class:`Events` holds onsets (s), durations (s), amplitudes and condition labels. Build it with
   :func:`make_events` from plain arrays or from a dict of arrays (no pandas needed).
2. :func:`sample_condition` writes one condition as a stimulus function on a fine grid with
   spacing ``tr / oversampling`` (onsets rounded *up* to the grid; a zero duration becomes a
   one-sample impulse of height 1).
3. :func:`compute_regressor` convolves it with an HRF kernel (:mod:`neurocourse.hrf`), samples
   at the frame times by linear interpolation and orthogonalises derivative columns.
4. :func:`make_design_matrix` stacks task regressors (conditions in sorted order), extra
   regressors (e.g. six motion parameters), drift columns (:func:`cosine_drift`,
   :func:`polynomial_drift`) and the constant, last. For the same inputs it gives the same matrix
   as ``nilearn.glm.first_level.make_first_level_design_matrix``.

Design diagnostics: :func:`efficiency` (Dale 1999; Liu & Frank 2004) and :func:`vif`.
Simulation: :func:`simulate_ar1_noise` and :func:`simulate_voxels` (seeded).

All times are in seconds and frequencies in Hz.

References
----------
.. [1] nilearn, ``nilearn/glm/first_level/hemodynamic_models.py``, ``design_matrix.py`` and
   ``nilearn/signal.py`` (``create_cosine_drift``), version 0.14.
.. [2] A. M. Dale, "Optimal experimental design for event-related fMRI", Hum. Brain Mapp.
   8:109-114, 1999.
.. [3] T. T. Liu and L. R. Frank, "Efficiency, power, and entropy in event-related fMRI with
   multiple trial types", NeuroImage 21:387-400, 2004.
.. [4] R. N. A. Henson, "Design efficiency", MRC CBU imaging wiki.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from neurocourse import hrf as _hrf
from neurocourse._validation import as_finite, check_int, check_positive, check_range

__all__ = [
    "HRF_MODELS",
    "DesignMatrix",
    "Events",
    "compute_regressor",
    "cosine_drift",
    "efficiency",
    "frame_times",
    "make_design_matrix",
    "make_events",
    "polynomial_drift",
    "sample_condition",
    "simulate_ar1_noise",
    "simulate_voxels",
    "vif",
]

#: hrf_model strings understood by :func:`compute_regressor` (as nilearn), plus ``None``.
HRF_MODELS = (
    "spm",
    "spm + derivative",
    "spm + derivative + dispersion",
    "glover",
    "glover + derivative",
    "glover + derivative + dispersion",
    "fir",
)

_COND_MAX = 1e15  # nilearn's full_rank: largest condition number kept as is


# --------------------------------------------------------------------------------------------
# events
# --------------------------------------------------------------------------------------------


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



def _check_frame_times(ft):
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


# --------------------------------------------------------------------------------------------
# regressors
# --------------------------------------------------------------------------------------------


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
    ft = _check_frame_times(frame_times)
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


def _kernels(hrf_model, tr, oversampling, fir_delays):
    if hrf_model in ("spm", "glover"):
        base = _hrf.spm_hrf if hrf_model == "spm" else _hrf.glover_hrf
        return [base(tr, oversampling)]
    if hrf_model in ("spm + derivative", "glover + derivative"):
        fam = hrf_model.split()[0]
        return [getattr(_hrf, f"{fam}_hrf")(tr, oversampling),
                getattr(_hrf, f"{fam}_time_derivative")(tr, oversampling)]
    if hrf_model in ("spm + derivative + dispersion", "glover + derivative + dispersion"):
        fam = hrf_model.split()[0]
        return [getattr(_hrf, f"{fam}_hrf")(tr, oversampling),
                getattr(_hrf, f"{fam}_time_derivative")(tr, oversampling),
                getattr(_hrf, f"{fam}_dispersion_derivative")(tr, oversampling)]
    if hrf_model == "fir":
        return [np.concatenate([np.zeros(d * oversampling), np.full(oversampling, 1.0 / oversampling)])
                for d in fir_delays]
    if hrf_model is None:
        k = np.zeros(oversampling)
        k[0] = 1.0
        return [k]
    raise ValueError(f"hrf_model must be one of {[*HRF_MODELS, None]}, got {hrf_model!r}")


def _names(name, hrf_model, fir_delays):
    if hrf_model == "fir":
        return [f"{name}_delay_{d}" for d in fir_delays]
    n = len(hrf_model.split("+")) if hrf_model else 1
    return [name, f"{name}_derivative", f"{name}_dispersion"][:n]


def _orthogonalize(X):
    """Remove from each column its projection on the preceding columns (no renormalisation)."""
    X = X.copy()
    for i in range(1, X.shape[1]):  # loop over a handful of regressor columns
        X[:, i] -= (X[:, i] @ X[:, :i]) @ scipy.linalg.pinv(X[:, :i])
    return X


def _interp(x_new, x, y):
    """Linear interpolation of the columns of y (n, k) at x_new, as scipy's interp1d does it."""
    idx = np.clip(np.searchsorted(x, x_new), 1, x.size - 1)
    x_lo, x_hi = x[idx - 1], x[idx]
    y_lo, y_hi = y[idx - 1], y[idx]
    slope = (y_hi - y_lo) / (x_hi - x_lo)[:, None]
    return slope * (x_new - x_lo)[:, None] + y_lo


def compute_regressor(onsets, durations, amplitudes, frame_times, hrf_model="glover",
                      oversampling=50, fir_delays=None, min_onset=-24.0, name="cond"):
    """Regressor(s) of one condition: the stimulus function convolved with an HRF, per scan.

    Follows nilearn's ``compute_regressor``: the stimulus function of :func:`sample_condition`
    (fine grid ``dt = tr / oversampling`` with ``tr = min(diff(frame_times))``) is convolved
    with each kernel by a causal discrete sum (no factor ``dt``), truncated to the grid, and
    linearly interpolated at the frame times. Derivative columns are orthogonalised with respect
    to the preceding ones (not for FIR).

    Scaling that follows: the kernels sum to 1, so a block much longer than the HRF reaches a
    plateau of 1 (of ``amplitude``), while an impulse (duration 0) gives the kernel itself, whose
    height scales with ``tr / oversampling``.

    Parameters
    ----------
    onsets, durations, amplitudes : array_like, shape (n_events,)
        Events of the condition: onsets (s), durations (s, >= 0), amplitudes (dimensionless).
    frame_times : array_like, shape (n_scans,)
        Scan acquisition times (s), strictly increasing.
    hrf_model : str or None, default="glover"
        One of :data:`HRF_MODELS` or ``None`` (no convolution: the sampled boxcar).
    oversampling : int, default=50
        Fine samples per TR, >= 1.
    fir_delays : sequence of int, optional
        Delays (in scans) for ``hrf_model="fir"``; default ``[0]``.
    min_onset : float, default=-24.0
        Earliest onset modelled, relative to ``frame_times[0]`` (s).
    name : str, default="cond"
        Condition name used for the column names.

    Returns
    -------
    regressors : ndarray, shape (n_scans, n_regressors)
        Regressor values at the frame times (dimensionless).
    names : list of str
        ``[name]``, plus ``name_derivative`` and ``name_dispersion`` for derivative models, or
        ``name_delay_k`` for FIR.

    References
    ----------
    nilearn ``hemodynamic_models.compute_regressor`` (0.14).
    """
    ft = _check_frame_times(frame_times)
    oversampling = check_int("oversampling", oversampling, 1)
    if isinstance(hrf_model, str):
        hrf_model = hrf_model.lower()
    fir_delays = [0] if fir_delays is None else [check_int("fir_delays", d, 0) for d in fir_delays]
    tr = float(np.min(np.diff(ft)))
    stim, grid = sample_condition(onsets, durations, amplitudes, ft, oversampling, min_onset)
    kernels = _kernels(hrf_model, tr, oversampling, fir_delays)
    conv = np.stack([np.convolve(stim, k)[: stim.size] for k in kernels], axis=1)
    if hrf_model == "fir" and oversampling > 1:
        regs = _interp(ft, grid[: 1 - oversampling], conv[oversampling - 1:])
    else:
        regs = _interp(ft, grid, conv)
    if hrf_model != "fir":
        regs = _orthogonalize(regs)
    return regs, _names(str(name), hrf_model, fir_delays)


# --------------------------------------------------------------------------------------------
# drifts
# --------------------------------------------------------------------------------------------


def cosine_drift(high_pass, frame_times):
    """Discrete cosine (DCT-II) drift basis up to ``high_pass`` Hz, plus a constant, as nilearn.

    With ``dt = (t[-1] - t[0]) / (n - 1)`` the order is
    ``K = min(n - 1, floor(2 n high_pass dt))`` and column ``k - 1`` (k = 1..K) is
    ``sqrt(2/n) cos(pi/n (i + 1/2) k)``, i = 0..n-1: unit-norm, mutually orthogonal columns of
    period ``2 n dt / k`` >= ``1 / high_pass``. The last column is the constant 1.0.

    Parameters
    ----------
    high_pass : float
        Cut-off frequency (Hz), >= 0. nilearn's default is 0.01 Hz (100 s); SPM's 1/128 Hz.
    frame_times : array_like, shape (n_scans,)
        Scan times (s), strictly increasing.

    Returns
    -------
    drift : ndarray, shape (n_scans, K + 1)
        Cosine columns (dimensionless) followed by a constant column of ones.

    Warns
    -----
    UserWarning
        If ``high_pass * dt >= 0.5`` (the basis spans every frequency), as nilearn.

    References
    ----------
    nilearn ``signal.create_cosine_drift`` (0.14); SPM ``spm_dctmtx.m``.
    """
    ft = _check_frame_times(frame_times)
    high_pass = float(check_positive("high_pass", high_pass, unit="Hz", allow_zero=True))
    n = ft.size
    dt = (ft[-1] - ft[0]) / (n - 1)
    if high_pass * dt >= 0.5:
        warnings.warn(
            f"high_pass = {high_pass} Hz is at or above the Nyquist frequency 1/(2 dt) = "
            f"{0.5 / dt:g} Hz: the cosine basis spans all frequencies.",
            UserWarning,
            stacklevel=2,
        )
    order = min(n - 1, int(np.floor(2 * n * high_pass * dt)))
    k = np.arange(1, order + 1)
    i = np.arange(n)[:, None]
    cos = np.sqrt(2.0 / n) * np.cos((np.pi / n) * (i + 0.5) * k)
    return np.hstack([cos, np.ones((n, 1))])


def polynomial_drift(order, frame_times):
    """Polynomial drift basis of degree ``order``, orthogonalised, constant last, as nilearn.

    Columns ``(t / t_max)^k`` for k = 0..order, each orthogonalised against the lower degrees (no
    renormalisation), then the constant moved to the end.

    Parameters
    ----------
    order : int
        Highest polynomial degree, >= 0.
    frame_times : array_like, shape (n_scans,)
        Scan times (s), strictly increasing, not all zero.

    Returns
    -------
    drift : ndarray, shape (n_scans, order + 1)
        Polynomial columns of degree 1..order (dimensionless), then the constant 1.

    References
    ----------
    nilearn ``design_matrix._poly_drift`` (0.14).
    """
    ft = _check_frame_times(frame_times)
    order = check_int("drift_order", order, 0)
    pol = (ft[:, None] / float(ft.max())) ** np.arange(order + 1)
    pol = _orthogonalize(pol)
    return np.hstack([pol[:, 1:], pol[:, :1]])


# --------------------------------------------------------------------------------------------
# design matrix
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignMatrix:
    """A first-level design matrix with its column names and frame times.

    Attributes
    ----------
    matrix : ndarray, shape (n_scans, n_columns)
        The design matrix X (dimensionless regressors).
    names : tuple of str
        Column names: task regressors, extra regressors, ``drift_k``, ``constant``.
    frame_times : ndarray, shape (n_scans,)
        Scan times (s).
    """

    matrix: np.ndarray
    names: tuple
    frame_times: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(n_scans, n_columns)."""
        return self.matrix.shape

    def index(self, name) -> int:
        """Column index of ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(f"name must be one of {list(self.names)}, got {name!r}") from None

    def column(self, name) -> np.ndarray:
        """The column called ``name``, shape (n_scans,)."""
        return self.matrix[:, self.index(name)]

    def contrast(self, weights) -> np.ndarray:
        """A full-length contrast vector from ``{column name: weight}``, zeros elsewhere.

        Example: ``dm.contrast({"A": 1, "B": -1})`` is the A > B contrast.
        """
        c = np.zeros(len(self.names))
        for key, w in dict(weights).items():
            c[self.index(key)] = float(w)
        return c

    def __array__(self, dtype=None, copy=None):
        return self.matrix if dtype is None else self.matrix.astype(dtype)


def _full_rank(X):
    """nilearn's full_rank: if cond(X) >= 1e15, shift the singular values (with a warning)."""
    U, s, Vt = scipy.linalg.svd(X, full_matrices=False)
    smax, smin = s.max(), s.min()
    if smin > 0 and smax / smin < _COND_MAX:
        return X
    warnings.warn(
        "The design matrix is singular at working precision (condition number >= 1e15); "
        "regularising its singular values as nilearn does.",
        UserWarning,
        stacklevel=3,
    )
    lam = (smax - _COND_MAX * smin) / (_COND_MAX - 1)
    return (U * (s + lam)) @ Vt


def make_design_matrix(frame_times, events=None, hrf_model="glover", drift_model="cosine",
                       high_pass=0.01, drift_order=1, fir_delays=None, add_regs=None,
                       add_reg_names=None, min_onset=-24.0, oversampling=50):
    """First-level design matrix, equal to nilearn's ``make_first_level_design_matrix``.

    Columns, in order: the task regressors of each condition (sorted labels; each followed by
    ``_derivative`` / ``_dispersion`` columns for derivative models, or ``_delay_k`` for FIR),
    the extra regressors ``add_regs`` unchanged (e.g. six motion parameters), the drift columns
    ``drift_1 .. drift_K`` and the ``constant`` (1.0), last. Events of the same condition with the
    same onset and duration add their amplitudes (nilearn sums duplicates too). If the matrix is
    singular at working precision (cond >= 1e15) its singular values are shifted, with a
    warning, exactly as nilearn's ``full_rank``.

    Parameters
    ----------
    frame_times : array_like, shape (n_scans,)
        Scan acquisition times (s), strictly increasing (see :func:`frame_times`).
    events : Events, dict of arrays, or None
        The paradigm (see :func:`make_events`); None for a design with no task columns.
    hrf_model : str or None, default="glover"
        One of :data:`HRF_MODELS` or None.
    drift_model : {"cosine", "polynomial", None}, default="cosine"
        Drift basis.
    high_pass : float, default=0.01
        Cut-off of the cosine drift (Hz), >= 0.
    drift_order : int, default=1
        Degree of the polynomial drift.
    fir_delays : sequence of int, optional
        FIR delays (scans); default ``[0]``.
    add_regs : array_like, shape (n_scans, n_add), optional
        Extra regressors (e.g. motion parameters in mm and rad), added unchanged.
    add_reg_names : sequence of str, optional
        Their names; default ``reg0, reg1, ...``.
    min_onset : float, default=-24.0
        Earliest onset modelled, relative to ``frame_times[0]`` (s).
    oversampling : int, default=50
        Fine samples per TR for the convolution, >= 1.

    Returns
    -------
    DesignMatrix
        ``.matrix`` (n_scans, n_columns), ``.names``, ``.frame_times``.

    Raises
    ------
    ValueError
        Bad frame times, events, model names, or ``add_regs`` of the wrong shape or with NaN.

    References
    ----------
    nilearn ``design_matrix.make_first_level_design_matrix`` (0.14).
    """
    ft = _check_frame_times(frame_times)
    n = ft.size
    blocks, names = [], []
    if events is not None:
        ev = make_events(events)
        for cond in ev.condition_names:
            on, du, am = _merge_duplicates(*ev.select(cond))
            regs, nm = compute_regressor(on, du, am, ft, hrf_model, oversampling, fir_delays,
                                         min_onset, name=cond)
            blocks.append(regs)
            names += nm
    if add_regs is not None:
        extra = np.asarray(add_regs, dtype=float)
        extra = extra[:, None] if extra.ndim == 1 else extra
        if extra.ndim != 2 or extra.shape[0] != n:
            raise ValueError(f"add_regs must have shape ({n}, n_add), got {extra.shape}")
        extra = as_finite("add_regs", extra)
        if add_reg_names is None:
            add_reg_names = [f"reg{k}" for k in range(extra.shape[1])]
        if len(add_reg_names) != extra.shape[1]:
            raise ValueError(f"add_reg_names must have {extra.shape[1]} entries, "
                             f"got {len(add_reg_names)}")
        blocks.append(extra)
        names += [str(s) for s in add_reg_names]
    if isinstance(drift_model, str):
        drift_model = drift_model.lower()
    if drift_model == "cosine":
        drift = cosine_drift(high_pass, ft)
    elif drift_model == "polynomial":
        drift = polynomial_drift(drift_order, ft)
    elif drift_model is None:
        drift = np.ones((n, 1))
    else:
        raise ValueError(f"drift_model must be 'cosine', 'polynomial' or None, got {drift_model!r}")
    blocks.append(drift)
    names += [f"drift_{k}" for k in range(1, drift.shape[1])] + ["constant"]
    if len(set(names)) != len(names):
        raise ValueError(f"column names must be unique, got {names}")
    X = _full_rank(np.hstack(blocks))
    return DesignMatrix(X, tuple(names), ft)


def _merge_duplicates(on, du, am):
    """Sum amplitudes of events with the same onset and duration (nilearn's duplicate rule)."""
    keys = np.stack([on, du], axis=1)
    uniq, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    if uniq.shape[0] == on.size:
        return on, du, am
    warnings.warn("Duplicated events were detected; their amplitudes are summed.", UserWarning,
                  stacklevel=3)
    summed = np.zeros(uniq.shape[0])
    np.add.at(summed, inv.ravel(), am)
    order = np.argsort(first)
    return uniq[order, 0], uniq[order, 1], summed[order]


# --------------------------------------------------------------------------------------------
# diagnostics
# --------------------------------------------------------------------------------------------


def _as_design(X):
    X = as_finite("X", np.asarray(X, dtype=float))
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must be a 2-D design matrix (n_scans, n_columns), got {X.shape}")
    return X


def efficiency(X, c, sigma=1.0):
    """Design efficiency of a contrast: ``1 / (sigma^2 c (X^T X)^-1 c^T)``.

    For a single contrast ``c`` (shape (p,)) this is the inverse variance of the estimate
    ``c beta`` under white noise of standard deviation ``sigma``. For several contrasts ``C``
    (shape (q, p)) it is ``q / (sigma^2 trace(C (X^T X)^-1 C^T))``, the average-variance form.
    Compute it on the *whole* design (drift and constant columns included): high-pass drifts
    are what penalise long blocks. A contrast that is not estimable (not in the row space of X,
    e.g. on one of two identical columns) has infinite variance: efficiency 0.

    Parameters
    ----------
    X : array_like, shape (n_scans, p)
        Design matrix (dimensionless regressors).
    c : array_like, shape (p,) or (q, p)
        Contrast vector or matrix.
    sigma : float, default=1.0
        Noise standard deviation (units of the data), > 0; 1 for comparing designs.

    Returns
    -------
    float
        Efficiency (1 / data unit squared); larger is better.

    References
    ----------
    Dale 1999; Liu & Frank 2004; Henson, "Design efficiency" (CBU wiki).
    """
    X = _as_design(X)
    C = np.atleast_2d(as_finite("c", c))
    if C.ndim != 2 or C.shape[1] != X.shape[1]:
        raise ValueError(f"c must have length {X.shape[1]} (one weight per column of X), "
                         f"got shape {np.shape(c)}")
    if not np.any(C):
        raise ValueError("c must have at least one non-zero weight, got all zeros")
    sigma = float(check_positive("sigma", sigma))
    pinv_x = np.linalg.pinv(X)
    # estimable iff c lies in the row space of X: c X^+ X = c
    proj = C @ pinv_x @ X
    if not np.allclose(proj, C, rtol=0.0, atol=1e-8 * np.abs(C).max()):
        return 0.0
    cov = pinv_x @ pinv_x.T  # (X^T X)^+ = X^+ X^+^T
    var = np.trace(C @ cov @ C.T) / C.shape[0]
    return float(1.0 / (sigma**2 * var))


def vif(X):
    """Variance inflation factors of the columns of a design matrix.

    ``VIF_j = 1 / (1 - R_j^2)``, where ``R_j^2`` is the coefficient of determination of column j
    regressed on all the other columns *and an intercept*; equivalently the diagonal of the
    inverse correlation matrix of the non-constant columns. 1 means orthogonal to the rest; values
    above ~5-10 signal collinearity. Constant columns get NaN (their VIF is undefined).

    Parameters
    ----------
    X : array_like, shape (n_scans, p)
        Design matrix.

    Returns
    -------
    ndarray, shape (p,)
        VIF per column (dimensionless, >= 1); ``inf`` for a column that is an exact linear
        combination of the others; NaN for constant columns.

    References
    ----------
    statsmodels ``stats.outliers_influence.variance_inflation_factor`` (with a constant in the
    design); Mumford et al. 2015, PLoS One 10:e0126255 (VIF in fMRI designs).
    """
    X = _as_design(X)
    out = np.full(X.shape[1], np.nan)
    centred = X - X.mean(axis=0)
    varying = np.linalg.norm(centred, axis=0) > 1e-12 * (np.abs(X).max(axis=0) + 1e-300) * np.sqrt(
        X.shape[0])
    Z = centred[:, varying]
    if Z.shape[1] == 0:
        return out
    Z = Z / np.linalg.norm(Z, axis=0)
    R = Z.T @ Z
    if np.linalg.matrix_rank(R) < R.shape[0]:
        # the diagonal of (Z^T Z)^-1 is 1 / (1 - R_j^2); compute R_j^2 by least squares instead
        r2 = np.empty(Z.shape[1])
        for j in range(Z.shape[1]):  # loop over a few columns, not voxels
            others = np.delete(Z, j, axis=1)
            fit = others @ np.linalg.lstsq(others, Z[:, j], rcond=None)[0]
            r2[j] = fit @ fit
        with np.errstate(divide="ignore"):
            vals = np.where(r2 >= 1 - 1e-12, np.inf, 1.0 / (1.0 - np.minimum(r2, 1.0)))
    else:
        vals = np.diag(np.linalg.inv(R))
    out[varying] = vals
    return out


# --------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------


def simulate_ar1_noise(n_scans, n_voxels=1, rho=0.3, sigma=1.0, rng=None):
    """Stationary AR(1) noise, independent across voxels: ``e_t = rho e_(t-1) + w_t``.

    The series starts in the stationary distribution, ``e_0 ~ N(0, sigma^2)``, and the innovations
    are ``w_t ~ N(0, sigma^2 (1 - rho^2))``, so every sample has *marginal* standard deviation
    ``sigma`` and the lag-k autocorrelation is ``rho^k`` whatever ``rho``.

    Parameters
    ----------
    n_scans : int
        Number of time points, >= 1.
    n_voxels : int, default=1
        Number of independent series, >= 1.
    rho : float or array_like of shape (n_voxels,), default=0.3
        AR(1) coefficient in (-1, 1); one per voxel or shared.
    sigma : float or array_like of shape (n_voxels,), default=1.0
        Marginal standard deviation (units of the data), >= 0.
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    noise : ndarray, shape (n_scans, n_voxels)
        The noise time series.

    References
    ----------
    Box & Jenkins, *Time Series Analysis* (AR(1) process); Purdon & Weisskoff 1998,
    Hum. Brain Mapp. 6:239 (AR(1) noise in fMRI).
    """
    n_scans = check_int("n_scans", n_scans, 1)
    n_voxels = check_int("n_voxels", n_voxels, 1)
    rho = check_range("rho", rho, -1.0, 1.0, low_inclusive=False, high_inclusive=False)
    sigma = check_positive("sigma", sigma, allow_zero=True)
    rho = np.broadcast_to(rho, (n_voxels,))
    sigma = np.broadcast_to(sigma, (n_voxels,))
    rng = np.random.default_rng(rng)
    z = rng.standard_normal((n_scans, n_voxels))
    e = np.empty_like(z)
    e[0] = z[0]
    scale = np.sqrt(1.0 - rho**2)
    for t in range(1, n_scans):  # recursion in time, vectorised over voxels
        e[t] = rho * e[t - 1] + scale * z[t]
    return e * sigma


def simulate_voxels(X, beta, rho=0.0, sigma=1.0, rng=None):
    """Simulated voxel time series ``Y = X beta + e`` with AR(1) noise ``e``.

    Parameters
    ----------
    X : array_like or DesignMatrix, shape (n_scans, p)
        Design matrix.
    beta : array_like, shape (p,) or (p, n_voxels)
        True effects (units of the data per unit regressor).
    rho : float or array_like of shape (n_voxels,), default=0.0
        AR(1) coefficient of the noise, in (-1, 1).
    sigma : float or array_like of shape (n_voxels,), default=1.0
        Marginal noise standard deviation (units of the data), >= 0.
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    Y : ndarray, shape (n_scans,) if beta is 1-D, else (n_scans, n_voxels)
        Simulated data.

    See Also
    --------
    simulate_ar1_noise
    """
    X = _as_design(X.matrix if isinstance(X, DesignMatrix) else X)
    beta = as_finite("beta", beta)
    if beta.ndim not in (1, 2) or beta.shape[0] != X.shape[1]:
        raise ValueError(f"beta must have shape ({X.shape[1]},) or ({X.shape[1]}, n_voxels), "
                         f"got {beta.shape}")
    B = beta[:, None] if beta.ndim == 1 else beta
    noise = simulate_ar1_noise(X.shape[0], B.shape[1], rho, sigma, rng)
    Y = X @ B + noise
    return Y[:, 0] if beta.ndim == 1 else Y
