"""dipole_source (neurocourse.meg.fields) and helmet_maps (neurocourse.meg.leadfield)."""

import numpy as np
import pytest

from neurocourse import meg


def test_dipole_source_geometry():
    r0, q = meg.dipole_source(30, 45, 0.02, 0, 10, moment=2e-8, head_radius=0.085)
    np.testing.assert_allclose(np.linalg.norm(r0), 0.065, rtol=1e-14)  # head radius - depth
    np.testing.assert_allclose(np.linalg.norm(q), 2e-8, rtol=1e-14)
    assert abs(q @ r0) < 1e-14 * 2e-8 * 0.065  # tilt 0: tangential, up to round-off
    r0, q = meg.dipole_source(30, 45, 0.02, 90, 10, moment=2e-8)
    np.testing.assert_allclose(q, 2e-8 * r0 / np.linalg.norm(r0), rtol=1e-12, atol=1e-24)


def test_helmet_maps_radial_silent_tangential_not():
    r0, q_rad = meg.dipole_source(0, 60, 0.025, 90, 0)
    _, q_tan = meg.dipole_source(0, 60, 0.025, 0, 0)
    rad, tan = meg.helmet_maps(r0, q_rad), meg.helmet_maps(r0, q_tan)
    assert rad["mag"].shape == (102,) and rad["grad"].shape == (102,)
    # 20 nAm: tangential fields are ~1e-13 T; radial ones are round-off (< 1e-26 T)
    assert np.abs(tan["mag"]).max() > 1e-14 and np.abs(rad["mag"]).max() < 1e-26
    assert tan["grad"].max() > 1e-13 and rad["grad"].max() < 1e-24


def test_dipole_source_and_helmet_maps_reject_bad_input():
    with pytest.raises(ValueError, match=r"depth must be in \[0, 0.085\) m"):
        meg.dipole_source(0, 60, 0.09, 0, 0)
    with pytest.raises(ValueError, match="head_radius must be > 0 m"):
        meg.dipole_source(0, 60, 0.02, 0, 0, head_radius=-0.085)
    with pytest.raises(ValueError, match="moment must be >= 0"):
        meg.dipole_source(0, 60, 0.02, 0, 0, moment=-1e-8)
    with pytest.raises(ValueError, match="azimuth_deg must be a scalar"):
        meg.dipole_source([0, 1], 60, 0.02, 0, 0)
    with pytest.raises(ValueError, match=r"q must be a 3-vector"):
        meg.helmet_maps([0, 0, 0.06], [1e-8, 0])
    with pytest.raises(ValueError, match="sensors must be a SensorArray"):
        meg.helmet_maps([0, 0, 0.06], [1e-8, 0, 0], sensors="vectorview")
