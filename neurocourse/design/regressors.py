"""HRF regressors: a condition's stimulus function convolved with an HRF basis, sampled per scan.

:func:`compute_regressor` follows nilearn's ``compute_regressor``: the stimulus function of
:func:`neurocourse.design.events.sample_condition` is convolved with each kernel of the chosen HRF
model (:mod:`neurocourse.hrf`), linearly interpolated at the frame times, and derivative columns are
orthogonalised (:func:`orthogonalize`) with respect to the preceding ones.

All times are in seconds.

References
----------
.. [1] nilearn, ``nilearn/glm/first_level/hemodynamic_models.py``, version 0.14.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from neurocourse import hrf as _hrf
from neurocourse._validation import check_int
from neurocourse.design.events import check_frame_times, sample_condition
from neurocourse.lti import convolve

__all__ = ["HRF_MODELS", "compute_regressor", "orthogonalize"]

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
        basis = _hrf.fir_basis(max(fir_delays) + 1, oversampling)
        return [basis[d] for d in fir_delays]
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



def orthogonalize(X):
    """Remove from each column its projection on the preceding columns (no renormalisation).

    Gram-Schmidt order, as nilearn's ``_orthogonalize``: column 0 is unchanged, column ``i`` becomes
    its residual after least-squares regression on columns ``0 .. i-1``.

    Parameters
    ----------
    X : ndarray, shape (n, k)
        Columns to orthogonalise (any unit; the result keeps it).

    Returns
    -------
    ndarray, shape (n, k) (same unit as X)
        A copy with mutually orthogonal columns.

    References
    ----------
    nilearn ``hemodynamic_models._orthogonalize`` (0.14).
    """
    X = np.array(X, dtype=float)
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
    with each kernel by a causal discrete sum :math:`\\sum_k x[k]\\,w[n-k]` (no factor ``dt``),
    truncated to the grid, and linearly interpolated at the frame times. The kernels ``w`` are
    weights per fine sample (unit sum), i.e. the HRF density already multiplied by ``dt``, so
    the sum is :func:`neurocourse.lti.convolve` (the Riemann integral
    :math:`dt\\sum_k x[k]h[n-k]`) called with a step of one sample, ``dt=1.0``. Derivative
    columns are orthogonalised with respect to the preceding ones (not for FIR).

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
    ft = check_frame_times(frame_times)
    oversampling = check_int("oversampling", oversampling, 1)
    if isinstance(hrf_model, str):
        hrf_model = hrf_model.lower()
    fir_delays = [0] if fir_delays is None else [check_int("fir_delays", d, 0) for d in fir_delays]
    tr = float(np.min(np.diff(ft)))
    stim, grid = sample_condition(onsets, durations, amplitudes, ft, oversampling, min_onset)
    kernels = _kernels(hrf_model, tr, oversampling, fir_delays)
    # unit-sum weights per fine sample: the plain sum is lti.convolve with a step of 1 sample
    conv = np.stack([convolve(stim, k, dt=1.0) for k in kernels], axis=1)
    if hrf_model == "fir" and oversampling > 1:
        regs = _interp(ft, grid[: 1 - oversampling], conv[oversampling - 1:])
    else:
        regs = _interp(ft, grid, conv)
    if hrf_model != "fir":
        regs = orthogonalize(regs)
    return regs, _names(str(name), hrf_model, fir_delays)
