"""Amplitude-envelope correlation: oracle (mne-connectivity 0.9) and planted truths."""

import numpy as np
import pytest
from mne_connectivity import envelope_correlation as mne_aec
from mne_connectivity import symmetric_orth

from neurocourse.connectivity import envelope
from neurocourse.connectivity import simulate as csim

# Class A: the same deterministic algorithm; observed agreement 1e-16; rtol 1e-10.
RTOL = 1e-10


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 400))
    x[:, 1] += 0.6 * x[:, 0]
    return x


@pytest.mark.parametrize("orth", ["pairwise", False])
@pytest.mark.parametrize("log", [False, True])
def test_matches_mne_connectivity(data, orth, log):
    ref = mne_aec(data, orthogonalize=orth, log=log, verbose=False).get_data(output="dense")
    np.testing.assert_allclose(envelope.envelope_correlation(data, orth, log), ref[..., 0],
                               rtol=RTOL, atol=1e-14)


def test_symmetric_orthogonalisation_matches_mne(data):
    P = envelope.symmetric_orthogonalise(data[0])
    np.testing.assert_allclose(P, symmetric_orth(data[0]), rtol=RTOL, atol=1e-13)
    off = P @ P.T - np.diag(np.diag(P @ P.T))
    assert np.abs(off).max() < 1e-10 * np.abs(np.diag(P @ P.T)).max()  # rows orthogonal
    ref = np.stack([mne_aec(symmetric_orth(e)[None], orthogonalize=False, verbose=False)
                    .get_data(output="dense")[0, ..., 0] for e in data])
    np.testing.assert_allclose(envelope.envelope_correlation(data, "symmetric"), ref, rtol=RTOL,
                               atol=1e-14)


def _envelope_pair(comodulated, leak, rng):
    """8–12 Hz carriers; b = (modulated) + leak * a; 20 000 samples at 250 Hz."""
    return csim.envelope_pair(0.9 if comodulated else 0.0, leak, rng=rng)


def test_orthogonalisation_removes_leakage_but_keeps_true_comodulation():
    """Reference §4.3 ✔: leakage y = b + 0.6 a: AEC 0.23 -> ~0.02; true comodulation survives."""
    leak = _envelope_pair(False, 0.6, 1)
    plain = envelope.envelope_correlation(leak, False)[0, 0, 1]
    orth = envelope.envelope_correlation(leak, "pairwise")[0, 0, 1]
    # 20 000 samples of 4 Hz-wide envelopes: ~ 20000/250*4 = 320 independent envelope samples,
    # SE of r ~ 0.056; bounds at ~2-3 SE
    assert plain > 0.12 and abs(orth) < 0.1
    como = _envelope_pair(True, 0.0, 2)
    # a shared 0.2 Hz envelope (depth 0.9) gives r ~ 0.5 after orthogonalisation (observed 0.50,
    # 9 SE away from 0): bound 0.3
    assert envelope.envelope_correlation(como, "pairwise")[0, 0, 1] > 0.3


def test_bad_input():
    with pytest.raises(ValueError, match="orthogonalize"):
        envelope.envelope_correlation(np.zeros((1, 2, 10)), "brookes")
    with pytest.raises(ValueError, match="Z must"):
        envelope.symmetric_orthogonalise(np.zeros((5, 3)))
