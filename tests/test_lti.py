"""Closed forms and LTI-property checks of neurocourse.lti."""

import numpy as np
import pytest
from scipy.signal import lfilter

from neurocourse import hrf, lti

DT = 0.1
N = 600
KERNEL = hrf.double_gamma_hrf(np.arange(0, 32, DT))  # 1/s


def test_impulse_train_areas():
    x = lti.impulse_train([1.0, 5.0, 5.0], DT, 100, amplitudes=[1.0, 2.0, 0.5])
    assert x[10] == pytest.approx(1.0 / DT) and x[50] == pytest.approx(2.5 / DT)  # overlap adds
    assert x.sum() * DT == pytest.approx(3.5, rel=1e-12)  # areas: rounding
    b = lti.impulse_train([2.0], DT, 100, amplitudes=3.0, durations=1.5)
    assert np.all(b[20:35] == 3.0) and b.sum() == pytest.approx(45.0)  # 15 samples of 3
    assert lti.impulse_train([-1.0, 20.0], DT, 100).sum() == 0.0  # outside the grid


def test_convolution_of_step_with_exponential_is_a_geometric_sum():
    # x = 1 for t >= 0, h(t) = exp(-t/tau)/tau: y[n] = dt/tau * (1 - q^(n+1)) / (1 - q)
    tau, dt, n = 2.0, 0.05, 400
    k = np.exp(-np.arange(n) * dt / tau) / tau
    y = lti.convolve(np.ones(n), k, dt)
    q = np.exp(-dt / tau)
    expected = dt / tau * (1 - q ** (np.arange(n) + 1)) / (1 - q)
    np.testing.assert_allclose(y, expected, rtol=1e-12)  # exact sums, rounding only
    # and it tends to the continuous answer 1 - exp(-t/tau) as dt -> 0 (O(dt/tau) error)
    assert abs(y[-1] - (1 - np.exp(-(n - 1) * dt / tau))) < dt / tau


def test_predict_bold_is_sum_of_shifted_kernels():
    onsets = [3.0, 10.0, 11.5, 40.0]
    amps = [1.0, 0.5, 2.0, 1.0]
    y = lti.predict_bold(onsets, KERNEL, DT, N, amps)
    expected = np.zeros(N)
    for t0, a in zip(onsets, amps):  # built by hand, event by event
        i = round(t0 / DT)
        m = min(KERNEL.size, N - i)
        expected[i:i + m] += a * KERNEL[:m]
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-15)  # rounding


def test_delay():
    np.testing.assert_array_equal(lti.delay([1.0, 2.0, 3.0], 1), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(lti.delay([1.0, 2.0], 5), [0.0, 0.0])


def _inputs():
    rng = np.random.default_rng(0)
    a = lti.impulse_train(rng.uniform(0, 40, 6), DT, N)
    b = lti.impulse_train(rng.uniform(0, 40, 6), DT, N, durations=2.0)
    return a, b


def test_lti_system_passes_all_checks():
    a, b = _inputs()
    s = lti.lti_system(KERNEL, DT)
    # rounding of sums of ~300 terms: 1e-13 relative
    assert lti.superposition_error(s, a, b) < 1e-13
    assert lti.homogeneity_error(s, a, -3.7) < 1e-13
    assert lti.time_invariance_error(s, a, 37) < 1e-13
    assert lti.second_response_ratio(s, a, b) == pytest.approx(1.0, abs=1e-12)


def test_saturation_breaks_superposition_not_time_invariance():
    a, b = _inputs()
    s = lti.saturating_system(KERNEL, DT, ymax=0.5)
    assert lti.superposition_error(s, a, b) > 0.05
    assert lti.homogeneity_error(s, a, 4.0) > 0.05
    assert lti.time_invariance_error(s, a, 37) < 1e-13  # static nonlinearity: still TI
    assert lti.second_response_ratio(s, a, b) < 1.0  # sub-additive
    np.testing.assert_allclose(lti.saturating_system(KERNEL, DT, np.inf)(a),
                               lti.lti_system(KERNEL, DT)(a), rtol=0, atol=0)


def test_gain_drift_breaks_time_invariance_by_the_closed_form():
    a, b = _inputs()
    slope, k = 0.01, 50
    s = lti.gain_drift_system(KERNEL, DT, slope)
    assert lti.superposition_error(s, a, b) < 1e-13  # still linear
    # S(delay x)[n+k] - S(x)[n] = slope * k * dt * y[n] with y the LTI response
    y = lti.convolve(a, KERNEL, DT)[: N - k]
    gain = 1 + slope * DT * np.arange(N - k)
    expected = np.linalg.norm(slope * k * DT * y) / np.linalg.norm(gain * y)
    assert lti.time_invariance_error(s, a, k) == pytest.approx(expected, rel=1e-10)


def test_balloon_pairs_sum_subadditively_at_short_isi():
    # Friston et al. 2000: the balloon model is refractory; a second 1 s stimulus 1 s after the
    # first evokes a clearly smaller response, while one 16 s later is back to ~LTI
    dt = 0.1
    s = lti.balloon_system(dt)
    first = lti.impulse_train([2.0], dt, 500, durations=1.0)
    near = lti.impulse_train([3.0], dt, 500, durations=1.0)
    far = lti.impulse_train([18.0], dt, 500, durations=1.0)
    assert lti.second_response_ratio(s, first, near) < 0.8
    assert lti.second_response_ratio(s, first, far) == pytest.approx(1.0, abs=0.02)
    assert lti.superposition_error(s, first, near) > 0.05
    assert lti.time_invariance_error(s, first, 40) < 1e-6  # autonomous ODE from rest: TI
    # small inputs: close to linear (first-order expansion around rest)
    assert lti.homogeneity_error(s, 1e-3 * first, 2.0) < 1e-2


@pytest.mark.parametrize(("call", "match"), [
    (lambda: lti.impulse_train([1.0], -0.1, 10), "dt must be > 0"),
    (lambda: lti.impulse_train([1.0], 0.1, 10, durations=-1.0), "durations must be >= 0"),
    (lambda: lti.convolve([], [1.0], 0.1), "x must be a non-empty 1-D"),
    (lambda: lti.delay([1.0], -1), "shift must be an integer >= 0"),
    (lambda: lti.time_invariance_error(lambda x: x, np.ones(5), 5), "shift must be < len"),
    (lambda: lti.homogeneity_error(lambda x: x, np.ones(5), 0.0), "scale must be non-zero"),
    (lambda: lti.superposition_error(lambda x: x[:-1], np.ones(5), np.ones(5)), "system must"),
    (lambda: lti.saturating_system([1.0], 0.1, 0.0), "ymax must be > 0"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_convolve_with_unit_step_is_the_causal_fir_filter():
    """dt = 1 gives the plain sum sum_k x[k] w[n-k]: scipy's lfilter(w, 1, x), an independent FIR
    implementation (direct form). Its sums run in another order: round-off only, so 1e-12."""
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=300), rng.normal(size=40)
    np.testing.assert_allclose(lti.convolve(x, w, dt=1.0), lfilter(w, [1.0], x), rtol=1e-12,
                               atol=1e-12 * np.abs(x).sum() * np.abs(w).max())
    np.testing.assert_allclose(lti.convolve(x, w, dt=0.25), 0.25 * lfilter(w, [1.0], x),
                               rtol=1e-12, atol=1e-12 * np.abs(x).sum() * np.abs(w).max())
