"""Coherence family: oracle (mne-connectivity 0.9), closed forms, planted truths, bad input."""

import numpy as np
import pytest
from mne_connectivity import spectral_connectivity_epochs

from neurocourse import connectivity as conn
from neurocourse.connectivity import simulate as csim

# Class A of the reference (/work/shared/reference/applications.md §4.1): the same deterministic
# algorithm, so agreement is to round-off. The observed error is <= 1e-15 on values of order 1;
# 1e-10 leaves room for a different summation order.
RTOL = 1e-10
ATOL = 1e-12  # absolute floor for entries near 0 (imcoh, wpli2 of unrelated signals)


@pytest.fixture(scope="module")
def epochs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 5, 200))
    x[:, 1] += 0.7 * np.roll(x[:, 0], 3, axis=-1)  # lagged coupling 0 -> 1
    x[:, 2] += 0.8 * x[:, 0]  # zero-lag mixing 0 -> 2
    return x


@pytest.mark.parametrize("mode", ["multitaper", "fourier"])
@pytest.mark.parametrize("band", [(5, 70), (9, 11)])  # full rfft path, and DFT at a few bins
def test_all_methods_match_mne_connectivity(epochs, mode, band):
    ours = conn.spectral_connectivity(epochs, 200.0, conn.METHODS, mode=mode, fmin=band[0],
                                      fmax=band[1])
    i, j = np.tril_indices(epochs.shape[1], -1)  # mne fills dense[i, j], i > j: seed i, target j
    for m in conn.METHODS:
        ref = spectral_connectivity_epochs(epochs, method=m, sfreq=200.0, mode=mode,
                                           fmin=band[0], fmax=band[1], verbose=False)
        np.testing.assert_allclose(ours.freqs, ref.freqs, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours[m][i, j], ref.get_data(output="dense")[i, j], rtol=RTOL,
                                   atol=ATOL, err_msg=m)


def test_default_fmin_and_bandwidth_match_mne(epochs):
    ours = conn.spectral_connectivity(epochs, 200.0, "coh", bandwidth=6.0)
    ref = spectral_connectivity_epochs(epochs, method="coh", sfreq=200.0, mt_bandwidth=6.0,
                                       verbose=False)
    i, j = np.tril_indices(epochs.shape[1], -1)
    np.testing.assert_allclose(ours.freqs, ref.freqs, atol=1e-12)
    np.testing.assert_allclose(ours["coh"][i, j], ref.get_data(output="dense")[i, j], rtol=RTOL)


def test_pairwise_functions_equal_all_to_all(epochs):
    """The per-pair formulas (used by the exercises) and the vectorised path agree."""
    spec = conn.epoch_spectra(epochs, 200.0, mode="fourier", fmin=5, fmax=40)
    S = conn.cross_spectra(spec, average=False)  # (e, n, n, f)
    allm = conn.spectral_connectivity(epochs, 200.0, conn.METHODS, mode="fourier", fmin=5,
                                      fmax=40)
    sxy, sxx, syy = S[:, 0, 1], S[:, 0, 0], S[:, 1, 1]
    pairs = {"coh": conn.coherence(sxy, sxx, syy), "cohy": conn.coherency(sxy, sxx, syy),
             "imcoh": conn.imaginary_coherence(sxy, sxx, syy), "plv": conn.plv(sxy),
             "pli": conn.pli(sxy), "wpli": conn.wpli(sxy),
             "wpli2_debiased": conn.wpli2_debiased(sxy)}
    for m, v in pairs.items():
        np.testing.assert_allclose(allm[m][0, 1], v, rtol=RTOL, atol=ATOL, err_msg=m)


def test_symmetries_and_ranges(epochs):
    r = conn.spectral_connectivity(epochs, 200.0, conn.METHODS, fmin=5, fmax=60)
    np.testing.assert_allclose(r["coh"], np.swapaxes(r["coh"], 0, 1), atol=1e-14)
    np.testing.assert_allclose(r["imcoh"], -np.swapaxes(r["imcoh"], 0, 1), atol=1e-14)
    np.testing.assert_allclose(np.diagonal(r["coh"]).T, 1.0, atol=1e-14)
    for m in ("coh", "plv", "pli", "wpli"):
        assert r[m].min() >= -1e-15 and r[m].max() <= 1 + 1e-12, m


def test_hanning_is_symmetric_and_dpss_weights():
    win, w = conn.tapers(500, 250.0, "fourier")
    np.testing.assert_allclose(win[0], win[0][::-1], atol=0)  # np.hanning is symmetric
    win, w = conn.tapers(500, 250.0)  # NW = 4: 7 tapers with concentration > 0.9
    assert win.shape == (7, 500) and np.all(w**2 > 0.9)
    # sym=False (periodic) DPSS are the symmetric N+1 tapers with the last sample dropped, so
    # they are orthonormal only approximately: the dropped sample carries up to 0.2 % of the
    # energy of the highest-order taper (observed 0.00205), bound 0.005
    np.testing.assert_allclose(win @ win.T, np.eye(7), atol=5e-3)


def test_sign_convention_seed_leads_target():
    """If x leads y by tau, arg S_xy = +2 pi f tau and imcoh > 0 (Nolte 2004; mne convention)."""
    s = csim.coupled_oscillators(n_epochs=80, lag=0.02, coupling=1.0, rng=3)
    r = conn.spectral_connectivity(s.data, s.sfreq, "cohy", mode="fourier", fmin=10, fmax=10)
    # noise-free, coupling 1: the phase at the 10 Hz bin is 2 pi 10 0.02 = 1.2566 rad up to the
    # Hanning smoothing over neighbouring bins (phase slope 0.063 rad/bin, symmetric weights).
    np.testing.assert_allclose(np.angle(r["cohy"][0, 1, 0]), 2 * np.pi * 10 * 0.02, atol=0.01)


@pytest.mark.parametrize("lag, leak", [(0.02, 0.0), (0.0, 0.6), (0.02, 0.6)])
def test_planted_coherency_recovered(lag, leak):
    """Coherency at the band centre equals the closed form of planted_coherency.

    With N = 400 epochs and one Hanning taper the standard error of a coherency component is
    about (1 - |c|^2)/sqrt(2N) <= 0.035; tolerance 0.06 (~2 SE) plus the small bias of the
    taper's smoothing over a 4 Hz band whose phase varies by ±0.25 rad.
    """
    s = csim.coupled_oscillators(n_epochs=400, lag=lag, leakage=leak,
                                 coupling=0.8 if lag else 0.0, snr=4.0, rng=11)
    r = conn.spectral_connectivity(s.data, s.sfreq, "cohy", mode="fourier", fmin=10, fmax=10)
    c = r["cohy"][0, 1, 0]
    assert abs(c.real - s.coherency.real) < 0.06
    assert abs(c.imag - s.coherency.imag) < 0.06


def test_leakage_fools_coherence_not_imaginary_measures():
    """Zero-lag mixing of independent sources (A = [[1, 0], [0.6, 1]]): coh >> 0, Im-based ~ 0."""
    s = csim.coupled_oscillators(n_epochs=100, lag=0.0, coupling=0.0, leakage=0.6, rng=5)
    r = conn.spectral_connectivity(s.data, s.sfreq, ["coh", "imcoh", "wpli2_debiased"],
                                   fmin=9, fmax=11)
    expected = 0.6 / np.sqrt(1 + 0.36)  # planted_coherency(0, 0, 0.6): 0.514
    np.testing.assert_allclose(r["coh"][0, 1], expected, atol=0.08)  # ~3 SE at N K = 700
    # null: E[imcoh^2] ~ 1/(2 N K) = 1/1400 -> SD 0.027; 4 SD bound
    assert np.all(np.abs(r["imcoh"][0, 1]) < 0.11)
    # debiased wPLI^2 is unbiased under the null; its SD at N = 100 is ~0.01-0.03
    assert np.all(np.abs(r["wpli2_debiased"][0, 1]) < 0.1)


def test_null_bias_of_coherence():
    """E[coh^2] ~ 1/(N K) for independent white noise (reference §4.1: observed 1/60 fourier)."""
    x = np.random.default_rng(7).normal(size=(60, 2, 256))
    r = conn.spectral_connectivity(x, 256.0, ["coh", "pli", "wpli2_debiased"], mode="fourier",
                                   fmin=5, fmax=120)
    m2 = np.mean(r["coh"][0, 1] ** 2)
    # 116 roughly independent bins; the mean of coh^2 (exponential-like, SD ~ mean) has a
    # relative SE of ~1/sqrt(116) = 9 %: bound 30 % around 1/60
    assert abs(m2 - 1 / 60) < 0.3 / 60
    assert abs(np.mean(r["wpli2_debiased"][0, 1])) < 0.01  # unbiased: SE ~ 0.0015
    assert np.mean(r["pli"][0, 1]) > 0.05  # PLI is biased upwards (~sqrt(2/(pi N)) = 0.10)


def test_bad_input():
    x = np.zeros((4, 2, 100))
    with pytest.raises(ValueError, match="method"):
        conn.spectral_connectivity(x, 100.0, "granger")
    with pytest.raises(ValueError, match="sfreq"):
        conn.spectral_connectivity(x, -1.0)
    with pytest.raises(ValueError, match="data"):
        conn.spectral_connectivity(np.zeros((4, 100)), 100.0)
    with pytest.raises(ValueError, match="mode"):
        conn.epoch_spectra(x, 100.0, mode="welch")
    with pytest.raises(ValueError, match="fmin/fmax"):
        conn.epoch_spectra(x, 100.0, fmin=60, fmax=70)
    with pytest.raises(ValueError, match="bandwidth"):
        conn.tapers(100, 100.0, bandwidth=0.1)


def test_epoch_chunking_does_not_change_results(epochs, monkeypatch):
    """Per-epoch measures accumulated over chunks of epochs equal the one-chunk result."""
    from neurocourse.connectivity import spectral

    full = conn.spectral_connectivity(epochs, 200.0, conn.METHODS, fmin=5, fmax=30)
    monkeypatch.setattr(spectral, "_CHUNK_ELEMENTS", 60)  # ~2 epochs per chunk at 5 signals
    chunked = conn.spectral_connectivity(epochs, 200.0, conn.METHODS, fmin=5, fmax=30,
                                         block_size=1)
    for m in conn.METHODS:
        # same sums in a different order: round-off only
        np.testing.assert_allclose(chunked[m], full[m], rtol=1e-12, atol=1e-13, err_msg=m)
