"""Exercises of notebook 03_lti_hrf: the BOLD response as an LTI system (seed problem 4445738)."""

import numpy as np

from neurocourse import hrf, lti
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

# Every answer here is a finite sum of a few hundred products (convolution, norms), so a correct
# implementation agrees with the reference to rounding, ~1e-14 relative. rtol 1e-9 leaves room for
# any order of operations; atol 1e-10 lets the exact zeros of an LTI system (superposition error
# ~1e-16) be compared, while every wrong answer below is off by >= 1e-3.
RTOL = 1e-9
ATOL_ZERO = 1e-10

DT = 0.1  # s
KERNEL = hrf.double_gamma_hrf(np.arange(0.0, 32.0, DT))  # SPM-shaped HRF in 1/s, 320 samples


# --------------------------------------------------------------------------- references
def _impulse_train(onsets, dt, n_samples):
    return lti.impulse_train(onsets, dt, n_samples)


def _predict_bold(onsets, kernel, dt, n_samples):
    return lti.predict_bold(onsets, kernel, dt, n_samples)


def _superposition(onsets_a, onsets_b, kernel, dt, n_samples, ymax):
    system = lti.saturating_system(kernel, dt, ymax)
    xa = lti.impulse_train(onsets_a, dt, n_samples)
    xb = lti.impulse_train(onsets_b, dt, n_samples)
    return lti.superposition_error(system, xa, xb)


def _time_invariance(onsets, shift, kernel, dt, n_samples, slope):
    system = lti.gain_drift_system(kernel, dt, slope)
    return lti.time_invariance_error(system, lti.impulse_train(onsets, dt, n_samples), shift)


# --------------------------------------------------------------------------- wrong answers
def _train_height_one(onsets, dt, n_samples):
    return lti.impulse_train(onsets, dt, n_samples) * dt


def _train_truncated_index(onsets, dt, n_samples):
    x = np.zeros(n_samples)
    idx = (np.asarray(onsets, float) / dt).astype(int)
    idx = idx[(idx >= 0) & (idx < n_samples)]
    np.add.at(x, idx, 1.0 / dt)
    return x


def _train_overwrite(onsets, dt, n_samples):
    x = np.zeros(n_samples)
    idx = np.rint(np.asarray(onsets, float) / dt).astype(int)
    idx = idx[(idx >= 0) & (idx < n_samples)]
    x[idx] = 1.0 / dt  # duplicates overwrite instead of adding
    return x


def _bold_no_dt(onsets, kernel, dt, n_samples):
    return lti.predict_bold(onsets, kernel, dt, n_samples) / dt


def _bold_same_mode(onsets, kernel, dt, n_samples):
    x = lti.impulse_train(onsets, dt, n_samples)
    full = dt * np.convolve(x, kernel)
    start = (np.asarray(kernel).size - 1) // 2  # what np.convolve(..., mode="same") keeps
    return full[start:start + n_samples]


def _bold_off_by_one(onsets, kernel, dt, n_samples):
    x = lti.impulse_train(onsets, dt, n_samples)
    return dt * np.convolve(x, kernel)[1:n_samples + 1]


def _bold_no_overlap(onsets, kernel, dt, n_samples):
    # each event's response replaces what was there instead of adding to it
    y = np.zeros(n_samples)
    k = np.asarray(kernel, float)
    for t0 in np.sort(np.asarray(onsets, float)):
        i = int(np.rint(t0 / dt))
        if 0 <= i < n_samples:
            m = min(k.size, n_samples - i)
            y[i:i + m] = k[:m]
    return y


def _sup_absolute(onsets_a, onsets_b, kernel, dt, n_samples, ymax):
    system = lti.saturating_system(kernel, dt, ymax)
    xa = lti.impulse_train(onsets_a, dt, n_samples)
    xb = lti.impulse_train(onsets_b, dt, n_samples)
    return float(np.linalg.norm(system(xa + xb) - system(xa) - system(xb)))


def _sup_wrong_norm(onsets_a, onsets_b, kernel, dt, n_samples, ymax):
    system = lti.saturating_system(kernel, dt, ymax)
    xa = lti.impulse_train(onsets_a, dt, n_samples)
    xb = lti.impulse_train(onsets_b, dt, n_samples)
    yab = system(xa + xb)
    return float(np.linalg.norm(yab - system(xa) - system(xb)) / np.linalg.norm(yab))


def _ti_no_alignment(onsets, shift, kernel, dt, n_samples, slope):
    system = lti.gain_drift_system(kernel, dt, slope)
    x = lti.impulse_train(onsets, dt, n_samples)
    y, ys = system(x), system(lti.delay(x, shift))
    return float(np.linalg.norm(ys - y) / np.linalg.norm(y))


def _ti_off_by_one(onsets, shift, kernel, dt, n_samples, slope):
    system = lti.gain_drift_system(kernel, dt, slope)
    x = lti.impulse_train(onsets, dt, n_samples)
    y, ys = system(x), system(lti.delay(x, shift))
    k = shift + 1
    return float(np.linalg.norm(ys[k:] - y[:n_samples - k]) / np.linalg.norm(y[:n_samples - k]))


def _ti_seconds(onsets, shift, kernel, dt, n_samples, slope):
    # treated shift as seconds: moved the onsets by `shift` s but compared `shift` samples apart
    system = lti.gain_drift_system(kernel, dt, slope)
    x = lti.impulse_train(onsets, dt, n_samples)
    xs = lti.impulse_train(np.asarray(onsets, float) + shift, dt, n_samples)
    y, ys = system(x), system(xs)
    return float(np.linalg.norm(ys[shift:] - y[:n_samples - shift])
                 / np.linalg.norm(y[:n_samples - shift]))


# --------------------------------------------------------------------------- random inputs
def _draw_train(rng):
    return (np.round(rng.uniform(0.0, 40.0, 5), 2), DT, int(rng.integers(420, 460)))


def _draw_bold(rng):
    return (np.sort(rng.uniform(0.0, 45.0, 6)), KERNEL, DT, 500)


def _draw_sup(rng):
    return (rng.uniform(0.0, 30.0, 4), rng.uniform(0.0, 30.0, 4), KERNEL, DT, 500,
            float(rng.uniform(0.3, 1.0)))


def _draw_ti(rng):
    return (rng.uniform(0.0, 20.0, 3), int(rng.integers(20, 80)), KERNEL, DT, 500,
            float(rng.uniform(0.005, 0.02)))


EXERCISES = (
    Exercise(
        id="lti_convolution",
        title="Predict the BOLD signal by convolving events with an HRF",
        notebook="03_lti_hrf",
        seed_problem=4445738,
        practises="Write events as unit-area impulses on a time grid and convolve them with a "
                  "sampled HRF, keeping the output aligned with the input.",
        reference={"impulse_train": _impulse_train, "predict_bold": _predict_bold},
        cases=(
            Case("impulse_train", args=(np.array([1.0, 2.5, 7.0]), DT, 100),
                 label="three events at 1, 2.5 and 7 s, dt = 0.1 s, 100 samples",
                 rtol=RTOL, points=2),
            Case("impulse_train", args=(np.array([12.3, 4.7, 4.7]), DT, 200),
                 label="events at 12.3 s and twice at 4.7 s (overlapping), dt = 0.1 s",
                 rtol=RTOL, points=2),
            Case("impulse_train", args=(np.array([-2.0, 3.0, 50.0]), 0.5, 40),
                 label="one event before 0 s and one after the end, dt = 0.5 s",
                 rtol=RTOL, points=1),
            *random_cases("impulse_train", n=2, seed=31, draw=_draw_train, rtol=RTOL,
                          label="random onsets (two decimals), dt = 0.1 s", points=1),
            Case("predict_bold", args=(np.array([5.0]), KERNEL, DT, 400),
                 label="a single event at 5 s, SPM-shaped HRF, dt = 0.1 s, 40 s",
                 rtol=RTOL, atol=1e-14, points=2),
            Case("predict_bold", args=(np.array([2.0, 4.0, 6.0, 8.0]), KERNEL, DT, 400),
                 label="four events 2 s apart (responses overlap)",
                 rtol=RTOL, atol=1e-14, points=2),
            Case("predict_bold", args=(np.array([1.0, 30.0]), KERNEL, 0.1, 350),
                 label="two events far apart; the second response runs past the end",
                 rtol=RTOL, atol=1e-14, points=1),
            *random_cases("predict_bold", n=2, seed=32, draw=_draw_bold, rtol=RTOL, atol=1e-14,
                          label="six random onsets, 50 s", points=1),
        ),
        mistakes=(
            Mistake("impulse_train", "height 1 instead of 1/dt", _train_height_one,
                    "each impulse must have unit area, so its single sample is 1/dt high "
                    "(1/dt times dt = 1); a height of 1 makes the area dt."),
            Mistake("impulse_train", "int() truncation of onset/dt", _train_truncated_index,
                    "an event belongs to the nearest sample: use round(onset / dt) (np.rint), "
                    "not int(), which truncates; e.g. 12.3 / 0.1 = 122.99999999999999."),
            Mistake("impulse_train", "overlapping events overwrite", _train_overwrite,
                    "two events in the same sample must add (x[i] += 1/dt), not overwrite each "
                    "other; np.add.at does this for repeated indices."),
            Mistake("predict_bold", "forgot the factor dt", _bold_no_dt,
                    "the convolution integral becomes dt * sum_k x[k] h[n-k]; without dt the "
                    "prediction is 1/dt times too large."),
            Mistake("predict_bold", "mode='same' truncation", _bold_same_mode,
                    "keep the first n_samples of the full convolution (a causal system: the "
                    "response starts at the event); mode='same' centres the kernel and shifts "
                    "the response earlier by half the kernel length."),
            Mistake("predict_bold", "off by one sample", _bold_off_by_one,
                    "the response to an impulse at sample i starts at sample i (h[0] multiplies "
                    "x[n]); your output is shifted by one sample."),
            Mistake("predict_bold", "forgot the overlap", _bold_no_overlap,
                    "when responses overlap they add (superposition); your prediction replaces "
                    "the earlier response instead of summing."),
        ),
    ),
    Exercise(
        id="lti_properties",
        title="Verify superposition and time invariance numerically",
        notebook="03_lti_hrf",
        seed_problem=4445738,
        practises="Measure how far a response model is from additive and from time-invariant, "
                  "as a relative error that is 0 for an LTI system.",
        reference={"superposition_error": _superposition,
                   "time_invariance_error": _time_invariance},
        cases=(
            Case("superposition_error",
                 args=(np.array([5.0, 20.0]), np.array([8.0, 30.0]), KERNEL, DT, 500, np.inf),
                 label="linear model (ymax = inf), events at 5, 20 and 8, 30 s",
                 rtol=RTOL, atol=ATOL_ZERO, points=1),
            Case("superposition_error",
                 args=(np.array([5.0, 6.0, 7.0]), np.array([5.5, 6.5]), KERNEL, DT, 500, 0.5),
                 label="saturating model (ymax = 0.5), five events within 2 s",
                 rtol=RTOL, atol=ATOL_ZERO, points=2),
            Case("superposition_error",
                 args=(np.array([5.0]), np.array([40.0]), KERNEL, DT, 800, 0.5),
                 label="saturating model, two events 35 s apart (barely overlap)",
                 rtol=RTOL, atol=ATOL_ZERO, points=1),
            *random_cases("superposition_error", n=2, seed=33, draw=_draw_sup, rtol=RTOL,
                          atol=ATOL_ZERO, label="random events, random ymax", points=1),
            Case("time_invariance_error",
                 args=(np.array([2.0, 9.0]), 50, KERNEL, DT, 500, 0.0),
                 label="no gain drift (slope 0), shift 50 samples",
                 rtol=RTOL, atol=ATOL_ZERO, points=1),
            Case("time_invariance_error",
                 args=(np.array([2.0, 9.0]), 50, KERNEL, DT, 500, 0.01),
                 label="gain drift 1 %/s, shift 50 samples",
                 rtol=RTOL, atol=ATOL_ZERO, points=2),
            Case("time_invariance_error",
                 args=(np.array([1.0]), 5, KERNEL, DT, 400, 0.02),
                 label="one event, gain drift 2 %/s, shift 5 samples",
                 rtol=RTOL, atol=ATOL_ZERO, points=1),
            *random_cases("time_invariance_error", n=2, seed=34, draw=_draw_ti, rtol=RTOL,
                          atol=ATOL_ZERO, label="random events, shift and drift", points=1),
        ),
        mistakes=(
            Mistake("superposition_error", "absolute, not relative", _sup_absolute,
                    "return the *relative* error: divide the norm of the discrepancy by "
                    "||S(a) + S(b)||."),
            Mistake("superposition_error", "divided by ||S(a+b)||", _sup_wrong_norm,
                    "normalise by the norm of the sum of the separate responses, "
                    "||S(a) + S(b)||, not by the response to the combined input."),
            Mistake("time_invariance_error", "compared without re-aligning", _ti_no_alignment,
                    "shift the outputs back before comparing: compare S(delayed x)[k:] with "
                    "S(x)[:n-k], the samples where both are defined."),
            Mistake("time_invariance_error", "off by one sample", _ti_off_by_one,
                    "the delayed response must be compared k samples later, not k + 1: "
                    "use S(delayed x)[k:] against S(x)[:n-k]."),
            Mistake("time_invariance_error", "shift in seconds", _ti_seconds,
                    "shift is a number of samples: delay the input by shift samples "
                    "(shift * dt seconds), not by shift seconds."),
        ),
    ),
)
