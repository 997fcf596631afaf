"""The first-level design matrix: task regressors, extra regressors, drifts and the constant.

:func:`make_design_matrix` stacks the task regressors (conditions in sorted order,
:func:`neurocourse.design.regressors.compute_regressor`), extra regressors (e.g. six motion
parameters), drift columns (:mod:`neurocourse.design.drifts`) and the constant, last. For the same
inputs it gives the same matrix as ``nilearn.glm.first_level.make_first_level_design_matrix``.

All times are in seconds and frequencies in Hz.

References
----------
.. [1] nilearn, ``nilearn/glm/first_level/design_matrix.py``, version 0.14.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from neurocourse._validation import as_finite
from neurocourse.design.drifts import cosine_drift, polynomial_drift
from neurocourse.design.events import check_frame_times, make_events
from neurocourse.design.regressors import compute_regressor
from neurocourse.glm.contrasts import contrast_vector

__all__ = ["DesignMatrix", "as_design_array", "make_design_matrix"]

_COND_MAX = 1e15  # nilearn's full_rank: largest condition number kept as is


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

        Example: ``dm.contrast({"A": 1, "B": -1})`` is the A > B contrast. Built by
        :func:`neurocourse.glm.contrast_vector` (which also accepts a name, or a list for an F contrast).
        """
        return contrast_vector(dict(weights) if not isinstance(weights, str | list | tuple) else weights, self.names)

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
    ft = check_frame_times(frame_times)
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


def as_design_array(X):
    """Validate a design matrix: a finite 2-D float array with at least one row and one column.

    Parameters
    ----------
    X : array_like or DesignMatrix, shape (n_scans, p)
        Design matrix (dimensionless regressors).

    Returns
    -------
    ndarray, shape (n_scans, p) (unit of X)

    Raises
    ------
    ValueError
        If ``X`` is not 2-D, is empty, or has a NaN or infinite entry.
    """
    X = as_finite("X", np.asarray(X.matrix if isinstance(X, DesignMatrix) else X, dtype=float))
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must be a 2-D design matrix (n_scans, n_columns), got {X.shape}")
    return X
