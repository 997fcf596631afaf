"""The MEG-vs-EEG explorer builds, and the maps behind it obey the physics it shows."""

import matplotlib
import numpy as np

from neurocourse import eeg
from neurocourse.widgets import meg_vs_eeg as w

matplotlib.use("Agg")


def test_explorer_builds(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    ex = w.meg_vs_eeg_explorer()
    assert len(ex.children) >= 3
    ex.update()
    ex.children[2].value = 90.0  # radial: the MEG panel must still draw (all zeros)
    ex.update()


def test_maps_radial_silence_and_skull_independence_of_meg():
    radial = eeg.eeg_meg_maps(tilt_deg=90)
    tang = eeg.eeg_meg_maps(tilt_deg=0)
    assert np.abs(radial["meg"]).max() < 1e-12 * np.abs(tang["meg"]).max()  # Sarvas: silent
    assert np.abs(radial["eeg"]).max() > 0.3 * np.abs(tang["eeg"]).max()
    np.testing.assert_allclose(radial["eeg"].sum(), 0, atol=1e-12 * np.abs(radial["eeg"]).max())
    a, b = eeg.eeg_meg_maps(ratio=80), eeg.eeg_meg_maps(ratio=15)
    np.testing.assert_array_equal(a["meg"], b["meg"])  # the skull never enters the MEG forward
    assert np.abs(a["eeg"]).max() < np.abs(b["eeg"]).max()
