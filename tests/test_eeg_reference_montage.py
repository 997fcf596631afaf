"""EEG references and montages: algebraic identities (exact up to round-off, 1e-13) and the
stored montage against the positions MNE ships (JSON round-trip of 12-decimal unit vectors:
1e-10)."""

import mne
import numpy as np
import pytest

from neurocourse import eeg


def test_reference_matrix_properties():
    n = 6
    T = eeg.reference_matrix(n, "average")
    np.testing.assert_allclose(T, np.eye(n) - 1 / n, atol=1e-15)
    np.testing.assert_allclose(T @ T, T, atol=1e-14)  # a projector
    Tk = eeg.reference_matrix(n, 2)
    assert np.all(Tk[2] == 0) and np.all(Tk[:, 2] == np.where(np.arange(n) == 2, 0, -1))
    np.testing.assert_array_equal(eeg.reference_matrix(n, "infinity"), np.eye(n))
    # linked mastoids: the mean of two electrodes
    Tm = eeg.reference_matrix(3, ["M1", "M2"], ["M1", "M2", "Cz"])
    np.testing.assert_allclose(Tm @ [1.0, 3.0, 10.0], [-1.0, 1.0, 8.0], rtol=1e-15)


def test_rereferencing_chains_and_commutes_with_the_lead_field():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(8, 5))
    names = [f"E{i}" for i in range(8)]
    to_e3 = eeg.rereference(V, "E3", names)
    # re-referencing referenced data gives the same result as from the reference-free data
    np.testing.assert_allclose(eeg.rereference(to_e3, "average"), eeg.average_reference(V),
                               atol=1e-13)
    np.testing.assert_allclose(eeg.rereference(eeg.average_reference(V), 3), to_e3, atol=1e-13)
    G = rng.normal(size=(8, 12))
    j = rng.normal(size=12)
    np.testing.assert_allclose(eeg.average_reference(G) @ j, eeg.average_reference(G @ j),
                               atol=1e-13)


def test_reference_bad_input():
    with pytest.raises(ValueError, match="ref must be"):
        eeg.rereference(np.zeros(3), "Cz", ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"ref must be an electrode index in \[0, 2\]"):
        eeg.rereference(np.zeros(3), 5)
    with pytest.raises(ValueError, match="data must have shape"):
        eeg.rereference(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("kind, n", [("1020", 21), ("1010", 70), ("1005", 344)])
def test_standard_montage_matches_mne_directions(kind, n):
    m = eeg.standard_montage(kind, radius=0.088, center=(0, 0, 0.01))
    assert m.n_channels == n and len(set(m.names)) == n
    np.testing.assert_allclose(np.linalg.norm(m.positions - m.center, axis=1), 0.088, rtol=1e-14)
    ref = mne.channels.make_standard_montage(f"spherical_{kind}").get_positions()["ch_pos"]
    u = np.array([ref[name] for name in m.names])
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    np.testing.assert_allclose((m.positions - m.center) / 0.088, u, atol=1e-10)


def test_montage_landmarks_and_provenance():
    m = eeg.standard_montage("1020", radius=0.1)
    np.testing.assert_allclose(m.positions[m.index("Cz")], [0, 0, 0.1], atol=1e-5)  # vertex
    assert m.positions[m.index("Fz"), 1] > 0 and m.positions[m.index("T8"), 0] > 0  # nose +y, right +x
    assert m.pick(["O1", "Cz"]).names == ("O1", "Cz")
    assert "mne_version" in eeg.montage_provenance()
    with pytest.raises(ValueError, match="name must be one of"):
        m.index("XYZ")
    with pytest.raises(ValueError, match="kind must be one of"):
        eeg.standard_montage("1030")


def test_electrode_grid_on_sphere():
    g = eeg.electrode_grid(128, radius=0.09)
    assert g.n_channels == 128 and g.names[0] == "E001"
    np.testing.assert_allclose(np.linalg.norm(g.positions, axis=1), 0.09, rtol=1e-14)
