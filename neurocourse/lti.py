"""The BOLD response as a linear time-invariant (LTI) system, and numerical tests of LTI properties.

A *response model* (or system) here is any callable mapping an input time series ``x`` (one sample
every ``dt`` seconds) to an output time series of the same length. An LTI system is completely
described by its impulse response ``h`` (the HRF): its output is the convolution

    y(t) = integral x(tau) h(t - tau) dtau  ~  y[n] = dt * sum_k x[k] h[n - k].

The property checks (:func:`superposition_error`, :func:`homogeneity_error`,
:func:`time_invariance_error`, :func:`second_response_ratio`) take any such callable and return the
discrepancy as a number, which is 0 (to rounding) for an LTI system. The toy systems
(:func:`lti_system`, :func:`saturating_system`, :func:`gain_drift_system`, :func:`balloon_system`)
are there to show what each check detects; the balloon-windkessel model is the physiological
nonlinear counterexample (paired stimuli at short ISI sum sub-additively).

Times are in seconds. Stimulus functions have units of "input per second": an impulse of area
``a`` occupies one sample of height ``a / dt``.

References
----------
.. [1] G. M. Boynton, S. A. Engel, G. H. Glover, D. J. Heeger, "Linear systems analysis of
   functional magnetic resonance imaging in human V1", J. Neurosci. 16:4207-4221, 1996.
.. [2] K. J. Friston, A. Mechelli, R. Turner, C. J. Price, "Nonlinear responses in fMRI: the
   balloon model, Volterra kernels, and other hemodynamics", NeuroImage 12:466-477, 2000.
.. [3] A. V. Oppenheim, A. S. Willsky, *Signals and Systems*, 2nd ed., ch. 1-2 (LTI systems).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neurocourse._validation import as_finite, check_int, check_positive

__all__ = [
    "balloon_system",
    "convolve",
    "delay",
    "gain_drift_system",
    "homogeneity_error",
    "impulse_train",
    "lti_system",
    "predict_bold",
    "saturating_system",
    "second_response_ratio",
    "superposition_error",
    "time_invariance_error",
]



def _signal(name, x):
    x = as_finite(name, x)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {x.shape}")
    return x


def impulse_train(onsets, dt, n_samples, amplitudes=1.0, durations=0.0):
    """Stimulus function on the grid ``t_i = i * dt``: impulses (Dirac approximations) or boxes.

    An event with duration 0 and amplitude ``a`` at onset ``t_k`` adds ``a / dt`` to sample
    ``round(t_k / dt)``, so its *area* is ``a``, the discrete counterpart of ``a delta(t - t_k)``.
    An event with duration ``d > 0`` adds ``a`` to the ``max(1, round(d / dt))`` samples starting
    there (a box of height ``a`` and area ``a d``). Overlapping events add. Events that start
    outside ``[0, n_samples * dt)`` are ignored.

    Parameters
    ----------
    onsets : array_like, shape (n_events,)
        Event onsets (s).
    dt : float
        Sampling interval (s), > 0.
    n_samples : int
        Length of the stimulus function, >= 1.
    amplitudes : float or array_like, default=1.0
        Area of each impulse, or height of each box (input units).
    durations : float or array_like, default=0.0
        Event durations (s), >= 0.

    Returns
    -------
    x : ndarray, shape (n_samples,)
        Stimulus function (input units per s for impulses; input units for boxes).

    References
    ----------
    Boynton et al. 1996 (events as impulses into an LTI system).
    """
    dt = float(check_positive("dt", dt, unit="s"))
    n_samples = check_int("n_samples", n_samples, 1)
    on = np.atleast_1d(as_finite("onsets", onsets, unit="s")).astype(float)
    amp = np.broadcast_to(as_finite("amplitudes", amplitudes), on.shape).astype(float)
    dur = np.broadcast_to(check_positive("durations", durations, unit="s", allow_zero=True),
                          on.shape).astype(float)
    start = np.rint(on / dt).astype(int)
    keep = (start >= 0) & (start < n_samples)
    start, amp, dur = start[keep], amp[keep], dur[keep]
    impulse = dur == 0
    steps = np.zeros(n_samples + 1)
    # impulses: one sample of height a/dt; boxes: +a at start, -a after the last sample (cumsum)
    np.add.at(steps, start[impulse], amp[impulse] / dt)
    np.add.at(steps, np.minimum(start[impulse] + 1, n_samples), -amp[impulse] / dt)
    width = np.maximum(1, np.rint(dur[~impulse] / dt).astype(int))
    np.add.at(steps, start[~impulse], amp[~impulse])
    np.add.at(steps, np.minimum(start[~impulse] + width, n_samples), -amp[~impulse])
    return np.cumsum(steps)[:n_samples]


def convolve(x, kernel, dt):
    """Causal convolution ``y[n] = dt * sum_k x[k] h[n - k]``, truncated to the length of ``x``.

    This is the Riemann-sum approximation of ``y(t) = integral x(tau) h(t - tau) dtau`` with the
    kernel sampled at ``h[i] = h(i dt)``. Truncating the full convolution to ``len(x)`` samples
    keeps the output aligned with the input: ``y[n]`` is the response at ``t = n dt``.

    It is the one causal convolution of the package. A kernel given as weights per sample
    (``w[i] = h(i dt) dt``, e.g. nilearn's unit-sum HRFs) turns the integral into the plain sum
    ``y[n] = sum_k x[k] w[n - k]``, which is ``convolve(x, w, dt=1.0)`` (a step of one sample,
    bit-identical to the sum): :func:`neurocourse.design.compute_regressor` uses it that way.

    Parameters
    ----------
    x : array_like, shape (n,)
        Input (stimulus function), one sample every ``dt`` s.
    kernel : array_like, shape (m,)
        Impulse response sampled every ``dt`` s starting at t = 0 (output units per input unit per
        s, e.g. 1/s for a density-normalised HRF).
    dt : float
        Sampling interval (s), > 0; 1.0 for the plain discrete sum over samples.

    Returns
    -------
    y : ndarray, shape (n,)
        Output, one sample every ``dt`` s.

    Examples
    --------
    >>> convolve([1.0, 0.0, 0.0, 2.0], [0.5, 0.25], dt=1.0)
    array([0.5 , 0.25, 0.  , 1.  ])

    References
    ----------
    Oppenheim & Willsky, *Signals and Systems*, §2.1-2.2.
    """
    x = _signal("x", x)
    kernel = _signal("kernel", kernel)
    dt = float(check_positive("dt", dt, unit="s"))
    return dt * np.convolve(x, kernel)[: x.size]


def predict_bold(onsets, kernel, dt, n_samples, amplitudes=1.0, durations=0.0):
    """Predicted BOLD signal of an LTI model: :func:`impulse_train` convolved with ``kernel``.

    For impulses on the grid, ``y[n] = sum_k a_k h[n - round(t_k/dt)]``: the sum of copies of the
    kernel shifted to each onset and scaled by the amplitude (superposition and time invariance).

    Parameters
    ----------
    onsets : array_like, shape (n_events,)
        Event onsets (s).
    kernel : array_like, shape (m,)
        HRF sampled every ``dt`` s from t = 0.
    dt : float
        Sampling interval (s), > 0.
    n_samples : int
        Length of the output, >= 1.
    amplitudes : float or array_like, default=1.0
        Area of each impulse, or height of each box (input units), as in :func:`impulse_train`.
    durations : float or array_like, default=0.0
        Event durations (s), >= 0.

    Returns
    -------
    y : ndarray, shape (n_samples,)
        Predicted signal, one sample every ``dt`` s (kernel units times input area).
    """
    x = impulse_train(onsets, dt, n_samples, amplitudes, durations)
    return convolve(x, kernel, dt)


def delay(x, shift):
    """Delay a signal by ``shift`` samples, filling the start with zeros and keeping the length.

    Parameters
    ----------
    x : array_like, shape (n,)
        Signal, in any unit (the output keeps it).
    shift : int
        Delay (samples), >= 0.

    Returns
    -------
    ndarray, shape (n,)
        ``[0]*shift + x[:n - shift]``, in the units of ``x``.
    """
    x = _signal("x", x)
    shift = check_int("shift", shift, 0)
    out = np.zeros_like(x)
    if shift < x.size:
        out[shift:] = x[: x.size - shift]
    return out


def _relative(diff, ref):
    num = float(np.linalg.norm(diff))
    den = float(np.linalg.norm(ref))
    if den == 0.0:
        return 0.0 if num == 0.0 else np.inf
    return num / den


def _run(system, x, name):
    y = np.asarray(system(x), dtype=float)
    if y.shape != x.shape:
        raise ValueError(f"{name}: system must return an array of shape {x.shape}, got {y.shape}")
    return y


def superposition_error(system: Callable, x1, x2):
    """Relative violation of additivity: ``||S(x1 + x2) - S(x1) - S(x2)|| / ||S(x1) + S(x2)||``.

    Parameters
    ----------
    system : callable
        Response model mapping an input array to an output array of the same shape.
    x1, x2 : array_like, shape (n,)
        Two inputs on the same time grid (input units, one sample per time step).

    Returns
    -------
    float
        Relative error (a ratio of Euclidean norms, dimensionless): 0 for an additive system
        (up to rounding), positive otherwise.
    """
    x1, x2 = _signal("x1", x1), _signal("x2", x2)
    if x1.shape != x2.shape:
        raise ValueError(f"x2 must have the shape of x1 {x1.shape}, got {x2.shape}")
    y1, y2 = _run(system, x1, "x1"), _run(system, x2, "x2")
    y12 = _run(system, x1 + x2, "x1 + x2")
    return _relative(y12 - y1 - y2, y1 + y2)


def homogeneity_error(system: Callable, x, scale):
    """Relative violation of homogeneity: ``||S(a x) - a S(x)|| / ||a S(x)||``.

    Parameters
    ----------
    system : callable
        Response model.
    x : array_like, shape (n,)
        Input (input units).
    scale : float
        The factor ``a`` (input units scale), non-zero.

    Returns
    -------
    float
        Relative error (a ratio of Euclidean norms, dimensionless): 0 for a homogeneous system
        (up to rounding).
    """
    x = _signal("x", x)
    a = float(as_finite("scale", scale))
    if a == 0:
        raise ValueError("scale must be non-zero, got 0.0")
    y = _run(system, x, "x")
    return _relative(_run(system, a * x, "scale * x") - a * y, a * y)


def time_invariance_error(system: Callable, x, shift):
    """Relative violation of time invariance for a delay of ``shift`` samples.

    The input is delayed (:func:`delay`), and the response is compared with the delayed response
    over the samples where both are defined:
    ``||S(delay(x, k))[k:] - S(x)[:n-k]|| / ||S(x)[:n-k]||``.

    Parameters
    ----------
    system : callable
        Response model.
    x : array_like, shape (n,)
        Input (input units).
    shift : int
        Delay (samples), 0 <= shift < n.

    Returns
    -------
    float
        Relative error (a ratio of Euclidean norms, dimensionless): 0 for a time-invariant
        system (up to rounding).
    """
    x = _signal("x", x)
    k = check_int("shift", shift, 0)
    if k >= x.size:
        raise ValueError(f"shift must be < len(x) = {x.size} samples, got {shift!r}")
    y = _run(system, x, "x")
    ys = _run(system, delay(x, k), "delayed x")
    return _relative(ys[k:] - y[: x.size - k], y[: x.size - k])


def second_response_ratio(system: Callable, x_first, x_second):
    """Size of the response to a second stimulus when it follows a first, relative to alone.

    ``max|S(x1 + x2) - S(x1)| / max|S(x2)|``: the part of the paired response attributable to
    the second stimulus, over the response to the second stimulus on its own. It is 1 for an
    LTI system; below 1 means the pair sums sub-additively (as the balloon model does at short
    inter-stimulus intervals), above 1 super-additively.

    Parameters
    ----------
    system : callable
        Response model.
    x_first, x_second : array_like, shape (n,)
        The first and second stimulus functions.

    Returns
    -------
    float
        The ratio (dimensionless).

    References
    ----------
    Friston et al. 2000 (refractoriness of the balloon model to paired stimuli).
    """
    x1, x2 = _signal("x_first", x_first), _signal("x_second", x_second)
    if x1.shape != x2.shape:
        raise ValueError(f"x_second must have the shape of x_first {x1.shape}, got {x2.shape}")
    y1 = _run(system, x1, "x_first")
    y2 = _run(system, x2, "x_second")
    y12 = _run(system, x1 + x2, "x_first + x_second")
    peak = float(np.max(np.abs(y2)))
    if peak == 0.0:
        raise ValueError("x_second must evoke a non-zero response, got an all-zero output")
    return float(np.max(np.abs(y12 - y1))) / peak


def lti_system(kernel, dt):
    """An LTI response model: ``x -> convolve(x, kernel, dt)``.

    Parameters
    ----------
    kernel : array_like, shape (m,)
        Impulse response sampled every ``dt`` s from t = 0.
    dt : float
        Sampling interval (s), > 0.

    Returns
    -------
    callable
        Maps an input array to the output array of the same shape.
    """
    kernel = _signal("kernel", kernel).copy()
    dt = float(check_positive("dt", dt, unit="s"))
    return lambda x: convolve(x, kernel, dt)


def saturating_system(kernel, dt, ymax):
    """LTI followed by a static saturation: ``x -> ymax * tanh(convolve(x, kernel, dt) / ymax)``.

    Time invariant but not additive or homogeneous: a toy for what the superposition check
    detects. ``ymax = inf`` gives back the LTI system.

    Parameters
    ----------
    kernel : array_like, shape (m,)
        Impulse response sampled every ``dt`` s.
    dt : float
        Sampling interval (s), > 0.
    ymax : float
        Saturation level, in the units of the LTI output, > 0; ``numpy.inf`` for none.

    Returns
    -------
    callable
        Maps an input array to the saturated output array of the same shape.
    """
    kernel = _signal("kernel", kernel).copy()
    dt = float(check_positive("dt", dt, unit="s"))
    ymax = float(ymax)
    if not ymax > 0:
        raise ValueError(f"ymax must be > 0 (or inf), got {ymax!r}")

    def system(x):
        y = convolve(x, kernel, dt)
        return y if np.isinf(ymax) else ymax * np.tanh(y / ymax)

    return system


def gain_drift_system(kernel, dt, slope):
    """LTI followed by a gain that drifts in time: ``x -> (1 + slope * t) * convolve(x, kernel, dt)``.

    Linear (additive and homogeneous) but not time invariant: a toy for what the time-invariance
    check detects (e.g. a slow change in scanner gain, or habituation over a run).

    Parameters
    ----------
    kernel : array_like, shape (m,)
        Impulse response sampled every ``dt`` s.
    dt : float
        Sampling interval (s), > 0.
    slope : float
        Relative gain change per second (1/s); 0 gives back the LTI system.

    Returns
    -------
    callable
        Maps an input array to the drifting-gain output array of the same shape.
    """
    kernel = _signal("kernel", kernel).copy()
    dt = float(check_positive("dt", dt, unit="s"))
    slope = float(as_finite("slope", slope, unit="1/s"))

    def system(x):
        y = convolve(x, kernel, dt)
        return (1.0 + slope * dt * np.arange(y.size)) * y

    return system


def balloon_system(dt, params=None, bold="classic"):
    """The balloon-windkessel model as a response model: neural input -> BOLD (fraction).

    Wraps :func:`neurocourse.bold.simulate_balloon`, started at rest for every input. Flow is a
    linear function of the input, but blood volume, deoxyhaemoglobin and the BOLD signal are not,
    so the model violates superposition (paired stimuli at short ISI sum sub-additively) while
    staying time invariant.

    Parameters
    ----------
    dt : float
        Sampling interval of the input (s), > 0; the integrator step.
    params : neurocourse.bold.BalloonParams, optional
        Haemodynamic parameters (default: Friston et al. 2000).
    bold : {"classic", "revised"}, default="classic"
        BOLD output equation.

    Returns
    -------
    callable
        Maps a neural input array (s^-2, as in :func:`neurocourse.bold.simulate_balloon`) to the
        BOLD signal (fraction) of the same shape.

    References
    ----------
    Buxton, Wong & Frank 1998; Friston et al. 2000.
    """
    from neurocourse import bold as _bold  # science-to-science import, deferred

    dt = float(check_positive("dt", dt, unit="s"))
    p = _bold.BalloonParams() if params is None else params
    return lambda x: np.asarray(_bold.simulate_balloon(x, dt, p, bold=bold).bold, dtype=float)
