"""Interictal spikes and their detection: closed forms (waveform, Teager-Kaiser identity, robust
sigma), the renewal process, and the detector's sensitivity and false-alarm rate measured on
simulated MEG."""

import numpy as np
import pytest
from scipy import stats

from neurocourse import clinical, meg


def _gain():
    arr = meg.radial_magnetometers(60, radius=0.12, z_min=-0.2)
    return lambda P: meg.lead_field(P, arr.positions, arr.normals)


def test_waveform_closed_form():
    t = np.linspace(-0.2, 0.5, 701)
    s = clinical.spike_waveform(t, [0.0, 0.3], [1.0, 2.0])
    g = lambda x, m, sd: np.exp(-((x - m) ** 2) / (2 * sd**2))  # noqa: E731
    ref = (g(t, 0, 0.01) - 0.35 * g(t, 0.1, 0.05)) + 2 * (g(t, 0.3, 0.01) - 0.35 * g(t, 0.4, 0.05))
    np.testing.assert_allclose(s, ref, rtol=1e-13, atol=1e-15)  # same closed form, round-off


def test_teager_kaiser_cosine_identity():
    n = np.arange(200)
    x = 2.0 * np.cos(0.3 * n + 0.7)
    psi = clinical.teager_kaiser(x)
    assert psi.shape == (198,)
    # A² sin²Ω exactly (trigonometric identity); 0.349329 is the reference's worked value
    np.testing.assert_allclose(psi, 4 * np.sin(0.3) ** 2, rtol=1e-12)
    np.testing.assert_allclose(psi[0], 0.349329, atol=5e-7)


def test_robust_sigma_gaussian():
    x = np.random.default_rng(0).standard_normal(200_000) * 3.0
    # median(|x|)/Φ⁻¹(0.75) is consistent for σ; SE ≈ 1.17σ/√n ≈ 0.008 → 3 % is > 10 SE
    assert abs(clinical.robust_sigma(x) / 3.0 - 1) < 0.03
    assert stats.norm.ppf(0.75) == pytest.approx(0.6745, abs=1e-4)


def test_spike_times_refractory_and_rate():
    tk = clinical.spike_times(20_000.0, rate=0.25, refractory=1.5, rng=1)
    assert np.all(np.diff(tk) >= 1.5)
    # ~5000 intervals of mean 4 s, SD 2.5 s: the rate is within 3 % (≈ 5 SE)
    assert abs(tk.size / 20_000.0 / 0.25 - 1) < 0.03
    with pytest.raises(ValueError, match="rate"):
        clinical.spike_times(10.0, rate=2.0, refractory=1.0)


def test_recording_is_topography_times_waveform_plus_noise():
    g = _gain()
    rec = clinical.simulate_spike_recording(g, (0.02, 0.0, 0.06), duration=10.0, noise_sd=1e-30,
                                            rng=3)
    ref = np.outer(g(np.array([[0.02, 0.0, 0.06]])) @ rec.moment,
                   clinical.spike_waveform(rec.times, rec.spike_times))
    np.testing.assert_allclose(rec.data, ref, rtol=1e-10, atol=1e-20)  # noise 1e-30 T is nil


def test_recording_background_variance():
    rec = clinical.simulate_spike_recording(_gain(), (0.02, 0.0, 0.06), moment=(0, 0, 0),
                                            duration=200.0, noise_sd=20e-15,
                                            background_sd=100e-15, rng=4)
    var = rec.data.var(axis=1).mean()
    # AR(1) rho 0.95 has ~40 effective samples per 1000: 60 channels x 100 s gives ~1 % SE
    np.testing.assert_allclose(var, rec.noise_cov[0, 0], rtol=0.05)


@pytest.mark.parametrize("method", clinical.DETECTORS)
def test_detector_sensitivity_and_false_alarms(method):
    """At SNR ≈ 8 on the peak channel both detectors find ≥ 95 % of spikes within ±20 ms, and on
    noise-only data of the same statistics they raise < 1 false alarm per minute (the targets
    of the reference, measured here)."""
    g = _gain()
    kw = dict(duration=300.0, noise_sd=20e-15, background_sd=200e-15, rng=5)
    rec = clinical.simulate_spike_recording(g, (0.03, 0.0, 0.06), (0, 170e-9, 0), **kw)
    assert 7 < rec.snr < 10
    x = rec.data[rec.peak_channel]
    perf = clinical.detection_performance(clinical.detect_spikes(x, rec.sfreq, method),
                                          rec.spike_times, 300.0)
    assert perf.n_true > 40
    assert perf.sensitivity >= 0.95
    assert perf.false_alarm_rate < 1.0
    null = clinical.simulate_spike_recording(g, (0.03, 0.0, 0.06), (0, 0, 0), **kw)
    perf0 = clinical.detection_performance(
        clinical.detect_spikes(null.data[rec.peak_channel], null.sfreq, method), [], 300.0)
    assert perf0.false_alarm_rate < 1.0


def test_detection_performance_counts():
    p = clinical.detection_performance([1.0, 2.015, 5.0], [1.01, 2.0, 3.0], 60.0, tolerance=0.02)
    assert (p.n_hits, p.n_false) == (2, 1)
    assert p.sensitivity == pytest.approx(2 / 3) and p.precision == pytest.approx(2 / 3)
    assert p.false_alarm_rate == pytest.approx(1.0)


def test_validation_messages():
    with pytest.raises(ValueError, match="method must be one of"):
        clinical.detect_spikes(np.zeros(100), 500.0, "wavelet")
    with pytest.raises(ValueError, match="x must have at least 3"):
        clinical.teager_kaiser([1.0, 2.0])
    with pytest.raises(ValueError, match="band"):
        clinical.bandpass(np.zeros(100), 100.0, (1.0, 70.0))


def test_detection_curve_rises_with_snr():
    g = _gain()
    m = np.array([0.0, 40e-9, 100e-9, 200e-9])
    c = clinical.detection_vs_snr(g, (0.03, 0.0, 0.06), m, duration=120.0, background_sd=200e-15,
                                  rng=0)
    assert np.isnan(c.sensitivity[0]) and c.snr[0] == 0
    np.testing.assert_allclose(c.snr[2:] / c.snr[1], m[2:] / m[1], rtol=1e-12)  # SNR ∝ moment
    assert c.sensitivity[1] < 0.2 and c.sensitivity[3] == 1.0  # SNR 1.6 vs 8 (measured)
    assert np.all(c.false_alarm_rate < 1.0)
