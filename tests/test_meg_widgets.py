"""The MEG explorer builds; sensor projection (dipole_source, helmet_maps: test_meg_helmet.py)."""

import matplotlib
import numpy as np

from neurocourse.plotting import project_sensors
from neurocourse.widgets import meg as wmeg

matplotlib.use("Agg")


def test_projection_preserves_distance_from_vertex():
    pts = 0.1 * np.array([[0, 0, 1.0], [np.sin(0.5), 0, np.cos(0.5)], [0, -np.sin(1.0),
                                                                        np.cos(1.0)]])
    xy = project_sensors(pts)
    np.testing.assert_allclose(np.linalg.norm(xy, axis=1), 0.1 * np.array([0, 0.5, 1.0]),
                               atol=1e-15)


def test_explorer_builds(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    w = wmeg.meg_field_explorer()
    assert len(w.children) >= 5
    w.update()
