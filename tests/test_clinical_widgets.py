"""The epilepsy explorer builds, and its default state shows what its docstring promises."""

import matplotlib
import numpy as np

from neurocourse import clinical
from neurocourse.widgets import epilepsy as w

matplotlib.use("Agg")


def test_explorer_builds(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    ex = w.spike_explorer()
    assert len(ex.children) >= 5
    ex.update()
    ex.children[0].value = 20.0  # 20 nAm: no detection, nothing to fit; must still draw
    ex.update()


def test_default_scene_is_localising():
    s = clinical.epilepsy_scene(duration=30.0, rate=0.5, rng=1)
    rec = s.recording
    loc = clinical.localise_spikes(rec.data, rec.times, rec.sfreq, rec.noise_cov, s.gain,
                                   s.radius, rec.peak_channel)
    assert 9 < rec.snr < 12  # 10.8 (measured)
    assert clinical.detection_performance(loc.times, rec.spike_times, 30.0).sensitivity == 1.0
    assert loc.accepted.all() and loc.clusters.localising
    assert np.linalg.norm(loc.clusters.centroids[0] - rec.position) < 0.005
