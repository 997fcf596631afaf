"""The science behind the MEG explorer, and a smoke test that the widget builds."""

import matplotlib
import numpy as np

from neurocourse.plotting import project_sensors
from neurocourse.widgets import meg as wmeg

matplotlib.use("Agg")


def test_dipole_source_geometry():
    r0, q = wmeg.dipole_source(30, 45, 0.02, 0, 10, moment=2e-8, head_radius=0.085)
    np.testing.assert_allclose(np.linalg.norm(r0), 0.065, rtol=1e-14)  # head radius - depth
    np.testing.assert_allclose(np.linalg.norm(q), 2e-8, rtol=1e-14)
    assert abs(q @ r0) < 1e-14 * 2e-8 * 0.065  # tilt 0: tangential, up to round-off
    r0, q = wmeg.dipole_source(30, 45, 0.02, 90, 10, moment=2e-8)
    np.testing.assert_allclose(q, 2e-8 * r0 / np.linalg.norm(r0), rtol=1e-12, atol=1e-24)


def test_helmet_maps_radial_silent_tangential_not():
    r0, q_rad = wmeg.dipole_source(0, 60, 0.025, 90, 0)
    _, q_tan = wmeg.dipole_source(0, 60, 0.025, 0, 0)
    rad, tan = wmeg.helmet_maps(r0, q_rad), wmeg.helmet_maps(r0, q_tan)
    assert rad["mag"].shape == (102,) and rad["grad"].shape == (102,)
    # 20 nAm: tangential fields are ~1e-13 T; radial ones are round-off (< 1e-26 T)
    assert np.abs(tan["mag"]).max() > 1e-14 and np.abs(rad["mag"]).max() < 1e-26
    assert tan["grad"].max() > 1e-13 and rad["grad"].max() < 1e-24


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
