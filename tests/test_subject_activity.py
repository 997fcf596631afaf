"""Richer neural time courses of the virtual subject's patches: an amplitude-modulated alpha
rhythm (spectral peak at the planted frequency), interictal spikes (the clinical module's spike
train, recovered from the sensors by its detector), and seeded determinism."""

import numpy as np
import pytest
from scipy.signal import hilbert, welch

from neurocourse import clinical, subject

FS = 250.0


def test_evoked_is_the_closed_form_burst():
    p = subject.Patch("A", 0.0, moment=3e-9, latency=0.12, width=0.015)
    t = np.arange(0, 4.0, 1 / FS)
    a = subject.patch_activity(p, t, onsets=[0.5, 2.5])
    ref = 3e-9 * sum(np.exp(-((t - o - 0.12) ** 2) / (2 * 0.015**2)) for o in (0.5, 2.5))
    np.testing.assert_allclose(a.current, ref, rtol=1e-13, atol=1e-25)
    np.testing.assert_allclose(a.events, [0.62, 2.62], rtol=1e-14)
    assert a.drive.sum() / FS == pytest.approx(2.0, abs=1 / FS)  # two 1-s bursts


@pytest.mark.parametrize("f0", [10.0, 22.0])
def test_rhythm_peaks_at_the_planted_frequency(f0):
    """Welch spectrum (2-s segments: 0.5 Hz bins) of 60 s of a 2-Hz-wide band: the peak lies
    inside the planted band; the Hilbert envelope, averaged over 4 s, follows (1 + cos 2π f_m t)/2
    (correlation > 0.85; measured 0.91-0.96 over seeds 3-5: the envelope of a 2-Hz band is
    Rayleigh-distributed with a ~0.5-s correlation time, so a 4-s average keeps ~15 % scatter
    against the 10-s modulation period)."""
    p = subject.Patch("alpha", 0.0, activity="oscillation", frequency=f0, bandwidth=2.0)
    t = np.arange(0, 60.0, 1 / FS)
    a = subject.patch_activity(p, t, rng=3)
    f, pxx = welch(a.current, fs=FS, nperseg=int(2 * FS))
    assert abs(f[np.argmax(pxx)] - f0) <= 1.0
    # RMS: m sqrt(2) e(t) x unit-RMS carrier; mean e^2 over whole modulation cycles is 3/8
    assert np.sqrt(np.mean(a.current**2)) == pytest.approx(5e-9 * np.sqrt(2 * 3 / 8), rel=0.05)
    env = np.abs(hilbert(a.current))
    n = int(4 * FS)
    smooth = np.convolve(env, np.ones(n) / n, mode="same")
    assert np.corrcoef(smooth[n:-n], a.drive[n:-n])[0, 1] > 0.85
    assert a.events.size == 0


def test_rhythm_is_seen_at_the_sensors():
    """A 10-Hz rhythm on a sulcal wall: the magnetometer with the largest gain has its spectral
    peak at 10 Hz (within one 0.5-Hz bin of the 9-11 Hz band)."""
    sub = subject.virtual_subject((subject.Patch("alpha", 0.005, activity="oscillation",
                                                 moment=20e-9),), n=(21, 3))
    rec = subject.simulate_recording(sub, duration=30.0, rng=0)
    mag = sub.fwd.picks("mag")
    ch = mag[np.argmax(np.abs(sub.fwd.G[mag][:, sub.labels == 0].sum(axis=1)))]
    f, pxx = welch(rec.data[ch], fs=FS, nperseg=int(2 * FS))
    assert 9.0 <= f[np.argmax(pxx)] <= 11.0


def test_spikes_reuse_the_clinical_train_and_are_detected():
    """The spike times are clinical.spike_times with the same generator (no second spike model);
    the peak EEG channel, run through clinical.detect_spikes (amplitude, k = 5), finds every
    planted spike within 20 ms (the reference's grading tolerance) and no false alarm."""
    p = subject.Patch("focus", 0.0, activity="spikes", moment=100e-9, rate=0.3)
    t = np.arange(0, 60.0, 1 / FS)
    a = subject.patch_activity(p, t, rng=5)
    np.testing.assert_array_equal(a.events, clinical.spike_times(t[-1], 0.3, 1.0, rng=5))
    np.testing.assert_allclose(a.current, clinical.spike_waveform(t, a.events, 100e-9),
                               rtol=1e-14, atol=1e-24)
    sub = subject.virtual_subject((p,), n=(21, 3))
    rec = subject.simulate_recording(sub, duration=60.0, rng=5)
    eeg = sub.fwd.picks("eeg")
    ch = eeg[np.argmax(np.abs(sub.fwd.G[eeg][:, sub.labels == 0].sum(axis=1)))]
    found = clinical.detect_spikes(rec.data[ch], FS, k=5.0)
    perf = clinical.detection_performance(found, rec.events[0], 60.0, tolerance=0.02)
    assert rec.events[0].size >= 10
    assert perf.sensitivity == 1.0 and perf.n_false == 0


@pytest.mark.parametrize("kind", subject.ACTIVITIES)
def test_seeded_and_deterministic(kind):
    sub = subject.virtual_subject((subject.Patch("A", 0.005, activity=kind),), n=(21, 3),
                                  n_meg=8, n_eeg=8)
    a = subject.simulate_recording(sub, duration=10.0, rng=7)
    b = subject.simulate_recording(sub, duration=10.0, rng=7)
    c = subject.simulate_recording(sub, duration=10.0, rng=8)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.source, b.source)
    assert not np.array_equal(a.data, c.data)
    if kind != "evoked":  # the activity itself is drawn
        assert not np.array_equal(a.source, c.source)


@pytest.mark.parametrize("kind", ["oscillation", "spikes"])
def test_session_with_a_rich_patch_is_seen_by_fmri(kind):
    """A rhythm's envelope or the spikes drive the balloon: the noise-free BOLD of the patch
    rises above zero, and the averaged M/EEG epoch of a non-time-locked activity is smaller than
    a single trial (it averages towards zero)."""
    sub = subject.virtual_subject((subject.Patch("A", 0.005, activity=kind, modulation=0.05),),
                                  n=(21, 3), n_meg=8, n_eeg=8)
    d = subject.simulate_subject(sub, n_events=6, bold_noise=0.0, rng=2)
    assert d.bold[:, sub.labels == 0].max() > 0.1  # % signal change
    assert np.abs(d.source).max() < 5e-9


def test_bad_activity():
    with pytest.raises(ValueError, match="activity must be one of"):
        subject.patch_activity(subject.Patch("A", 0.0, activity="gamma"), np.arange(10) / FS)
    with pytest.raises(ValueError, match="bandwidth must be in"):
        subject.patch_activity(subject.Patch("A", 0.0, activity="oscillation", bandwidth=30.0),
                               np.arange(100) / FS)
