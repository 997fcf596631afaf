"""Field spread and source leakage: closed forms (Nolte 2004) and the seeded simulations."""

import numpy as np
import pytest

from neurocourse import connectivity as conn
from neurocourse.connectivity import simulate as csim


def test_instantaneous_mixing_cannot_create_an_imaginary_part():
    """Im(A S A^T) = A Im(S) A^T for real A: zero for independent sources (real diagonal S)."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(6, 3))
    S_indep = np.diag(rng.uniform(1, 2, 3)).astype(complex)
    assert np.abs(conn.mixed_cross_spectrum(A, S_indep).imag).max() == 0.0
    L = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    S = L @ L.conj().T  # Hermitian, lagged interactions
    np.testing.assert_allclose(conn.mixed_cross_spectrum(A, S).imag, A @ S.imag @ A.T,
                               rtol=1e-12, atol=1e-12)


def test_field_spread_single_source_coherent_sensors_real_csd():
    """One source: neighbouring magnetometers are coherent at zero lag, imcoh at the null level."""
    fs = csim.field_spread_epochs(n_epochs=40, rng=1)
    r = conn.spectral_connectivity(fs.data, 250.0, ["coh", "imcoh"], fmin=9, fmax=11)
    strong = np.argsort(np.abs(fs.topography))[-10:]  # the ten sensors with the largest field
    sub = r["coh"][np.ix_(strong, strong)]
    assert sub.min() > 0.95  # in-band SNR ~ 100: coherence ~ 1 - 1/SNR
    # null: E[imcoh^2] ~ 1/(2 N K) = 1/560, SD 0.042; no pair of 60 sensors beyond 5 SD
    assert np.abs(r["imcoh"]).max() < 0.21


def _closed_form(s):
    """K (G S G^T + C) K^T with the simulation's in-band source and noise densities."""
    n = s.G.shape[1]
    S = np.zeros((n, n), complex)
    S[s.seed, s.seed] = S[s.partner, s.partner] = s.source_psd
    C = s.noise_psd * np.eye(s.G.shape[0])
    return conn.seed_coherency(conn.estimate_cross_spectrum(s.K, s.G, S, C), s.seed)


def test_source_leakage_matches_closed_form():
    """Coherence of the seed estimate with every vertex estimate (independent sources) equals the
    closed form K (G S G^T + C) K^T within Monte Carlo error, and it is real."""
    s = csim.source_leakage_epochs(n_epochs=100, coupling=0.0, rng=2)
    r = conn.spectral_connectivity(s.estimates, 250.0, ["coh", "imcoh"], fmin=10, fmax=10)
    expected = _closed_form(s)
    assert np.abs(expected.imag).max() == 0.0
    # N K = 700 tapered epochs: SE of coherence <= 1/sqrt(700) = 0.038; 0.12 is ~3 SE
    np.testing.assert_allclose(r["coh"][s.seed, :, 0], np.abs(expected), atol=0.12)
    d = np.linalg.norm(s.positions - s.positions[s.seed], axis=1)
    assert np.abs(expected[(d > 0) & (d < 0.005)]).min() > 0.9  # leakage to neighbours
    assert np.abs(r["imcoh"][s.seed, :, 0]).max() < 0.15  # ~4 SD of the null (0.027)


def test_lagged_partner_survives_in_the_imaginary_part():
    s = csim.source_leakage_epochs(n_epochs=60, coupling=0.8, lag=0.02, rng=3)
    r = conn.spectral_connectivity(s.estimates, 250.0, ["imcoh"], fmin=10, fmax=10)
    # planted imcoh of the sources: 0.8 sin(0.4 pi) = 0.76, diluted by leakage and noise
    assert r["imcoh"][s.seed, s.partner, 0] > 0.4


def test_bad_input():
    with pytest.raises(ValueError, match="source_csd"):
        conn.mixed_cross_spectrum(np.ones((2, 3)), np.eye(2))
    with pytest.raises(ValueError, match="seed"):
        conn.seed_coherency(np.eye(3), 5)
    with pytest.raises(ValueError, match="coupling"):
        csim.coupled_oscillators(coupling=1.5)
