"""Sensors, coil integration and lead fields: invariants and closed forms (no MNE here)."""

import numpy as np
import pytest

from neurocourse import meg
from neurocourse.meg import leadfield, sensors

RNG = np.random.default_rng(7)


def _sources(n, rmax=0.07):
    u = RNG.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return u * RNG.uniform(0.01, rmax, size=(n, 1))


# ------------------------------------------------------------------ coils
def test_coil_weight_moments():
    for t in sensors.coil_types():
        c = sensors.coil_definition(t)
        np.testing.assert_allclose(np.linalg.norm(c.normals, axis=1), 1.0, rtol=1e-15)
        if c.kind == "mag":
            # a magnetometer averages the normal field: weights sum to 1 up to the 4-5 printed
            # digits of coil_def.dat (the OPM rules sum to 1.0008)
            assert np.sum(c.weights) == pytest.approx(1.0, abs=1e-3)
        elif c.kind == "axial_grad":
            # pickup minus compensation coil: total weight 0, each coil 1
            assert np.sum(c.weights) == pytest.approx(0.0, abs=1e-12)
            assert np.sum(c.weights[c.weights > 0]) == pytest.approx(1.0, abs=1e-4)
        else:
            # planar gradiometer: zero sum, and first moment sum(w x) = 1 so a uniform gradient
            # g reads g; coil_def.dat prints 4-6 significant digits, hence 1e-3
            assert np.sum(c.weights) == pytest.approx(0.0, abs=1e-9)
            assert np.sum(c.weights * c.points[:, 0]) == pytest.approx(1.0, abs=1e-3)


def test_square_builder_reproduces_vectorview_magnetometer():
    built = sensors.square_magnetometer_coil(0.021, 4, z_offset=3e-4)
    ref = sensors.coil_definition(3024)
    order_b = np.lexsort(built.points.T[::-1])
    order_r = np.lexsort(ref.points.T[::-1])
    # coil_def.dat prints positions with 4 significant digits (1e-6 m) and weights 0.0625
    np.testing.assert_allclose(built.points[order_b], ref.points[order_r], atol=1e-6)
    np.testing.assert_allclose(built.weights, ref.weights, rtol=1e-12)


def test_axial_builder_reproduces_ctf_gradiometer():
    built = sensors.axial_gradiometer_coil(0.018, 0.05)
    ref = sensors.coil_definition(5001)
    key = lambda p: np.lexsort(np.round(p, 5).T[::-1])  # noqa: E731
    # 4 significant digits in coil_def.dat: 1e-6 m on positions, 1e-4 on weights
    np.testing.assert_allclose(built.points[key(built.points)], ref.points[key(ref.points)],
                               atol=1e-6)
    np.testing.assert_allclose(built.weights[key(built.points)], ref.weights[key(ref.points)],
                               atol=1e-4)


def test_finite_coil_converges_to_fine_integration_and_point():
    src = np.array([[0.0, 0.01, 0.07]])
    pos, nrm = np.array([[0.0, 0.0, 0.1]]), np.array([[0.0, 0.0, 1.0]])
    G = {}
    for n in (4, 64):
        coil = sensors.square_magnetometer_coil(0.021, n)
        G[n] = leadfield.sensor_lead_field(src, sensors.make_sensor_array(pos, nrm, coil))
    Gpt = leadfield.lead_field(src, pos, nrm)
    # midpoint rule error falls as 1/n^2: 4 points/side already within 1e-2 of 64 points/side
    # at 3 cm from the source, whereas the point approximation is off by more than that
    err4 = np.abs(G[4] - G[64]).max() / np.abs(G[64]).max()
    errpt = np.abs(Gpt - G[64]).max() / np.abs(G[64]).max()
    assert err4 < 1e-2
    assert errpt > 2 * err4
    tiny = sensors.square_magnetometer_coil(1e-5, 2)
    Gtiny = leadfield.sensor_lead_field(src, sensors.make_sensor_array(pos, nrm, tiny))
    # a 10 µm loop is a point magnetometer to O((1e-5/0.03)^2) ~ 1e-7
    np.testing.assert_allclose(Gtiny, Gpt, rtol=1e-6, atol=1e-6 * np.abs(Gpt).max())


def test_planar_gradiometer_is_a_finite_difference():
    src = np.array([[0.01, 0.0, 0.06]])
    pos = np.array([[0.0, 0.0, 0.11]])
    frame = np.eye(3)[None]
    base = 1e-4
    coil = sensors.planar_gradiometer_coil(1e-6, base, n_grid=1)
    G = leadfield.sensor_lead_field(src, sensors.make_sensor_array(pos, frame, coil))
    ex = np.array([base / 2, 0, 0])
    Gp = leadfield.lead_field(src, [pos[0] + ex, pos[0] - ex], [[0, 0, 1.0]] * 2)
    fd = (Gp[0] - Gp[1]) / base
    np.testing.assert_allclose(G[0], fd, rtol=1e-9)  # same two points, same formula
    assert sensors.make_sensor_array(pos, frame, coil).units == ("T/m",)


def test_make_sensor_array_places_points():
    frame = np.array([[[0.0, 1, 0], [-1.0, 0, 0], [0.0, 0, 1]]])  # ex=y, ey=-x, ez=z
    coil = sensors.coil_definition(3012)
    arr = sensors.make_sensor_array([[0.01, 0.02, 0.1]], frame, coil)
    expected = (np.array([0.01, 0.02, 0.1]) + coil.points[:, :1] * frame[0, 0]
                + coil.points[:, 1:2] * frame[0, 1] + coil.points[:, 2:] * frame[0, 2])
    np.testing.assert_allclose(arr.points, expected, rtol=1e-15, atol=1e-18)


def test_helmets():
    vv = sensors.vectorview_array()
    assert vv.n_channels == 306
    assert len(vv.picks("mag")) == 102 and len(vv.picks("planar_grad")) == 204
    ctf = sensors.ctf275_array()
    assert ctf.n_channels == 274 and len(ctf.picks("axial_grad")) == 274
    for arr in (vv, ctf, sensors.opm_array()):
        R = arr.orientations
        # frames from the 6-digit loc vectors of MNE's canonical files are orthonormal to ~2e-4
        np.testing.assert_allclose(R @ R.transpose(0, 2, 1), np.broadcast_to(np.eye(3), R.shape),
                                   atol=5e-4)
    sub = vv.subset(vv.picks("mag"))
    assert sub.n_channels == 102 and set(sub.kinds) == {"mag"}
    assert sub.points.shape == (102 * 16, 3)
    opm = sensors.opm_array(50, radius=0.095)
    r = np.linalg.norm(opm.positions, axis=1)
    np.testing.assert_allclose(r, 0.095, rtol=1e-12)
    np.testing.assert_allclose(np.sum(opm.normals * opm.positions, axis=1) / r, 1.0, rtol=1e-12)


def test_bad_sensor_input():
    with pytest.raises(ValueError, match="coil_type must be one of"):
        sensors.coil_definition(1234)
    with pytest.raises(ValueError, match="side must be > 0"):
        sensors.square_magnetometer_coil(-0.01)
    with pytest.raises(ValueError, match="orientations must have shape"):
        sensors.make_sensor_array([[0, 0, 0.1]], [[[1.0, 0], [0, 1]]], 2000)
    with pytest.raises(ValueError, match="kind must be one of"):
        sensors.vectorview_array().picks("grad")


# ------------------------------------------------------------------ lead fields
def test_lead_field_columns_equal_sarvas():
    src = _sources(4)
    arr = sensors.radial_magnetometers(30, radius=0.115)
    G = meg.lead_field(src, arr.positions, arr.normals)
    assert G.shape == (30, 12)
    for k in range(4):
        for j in range(3):
            B = meg.sarvas_field(src[k], np.eye(3)[j], arr.positions)
            col = np.sum(B * arr.normals, axis=1)
            # same formula evaluated along two code paths: round-off only
            np.testing.assert_allclose(G[:, 3 * k + j], col, rtol=1e-11,
                                       atol=1e-12 * np.abs(col).max())


def test_lead_field_radial_columns_silent_and_superposition():
    c = np.array([0.0, 0.005, 0.04])
    src = c + _sources(6)
    arr = sensors.radial_magnetometers(40, radius=0.12, center=c)
    G = meg.lead_field(src, arr.positions, arr.normals, center=c)
    radial = (src - c) / np.linalg.norm(src - c, axis=1, keepdims=True)
    # radial unit dipoles: round-off level, far below 1e-20 T per A·m
    assert np.abs(leadfield.fixed_orientation(G, radial)).max() < 1e-20
    j = RNG.normal(size=18) * 1e-8
    b = leadfield.apply_forward(G, j)
    expected = sum(meg.sarvas_field(src[k], j[3 * k:3 * k + 3], arr.positions, center=c)
                   for k in range(6))
    expected = np.sum(expected * arr.normals, axis=1)
    np.testing.assert_allclose(b, expected, rtol=1e-10, atol=1e-12 * np.abs(expected).max())
    J = np.column_stack([j, 2 * j])
    np.testing.assert_allclose(leadfield.apply_forward(G, J)[:, 1], 2 * b, rtol=1e-14)


def test_chunking_does_not_change_result(monkeypatch):
    src = _sources(50)
    arr = sensors.vectorview_array().subset(range(0, 306, 7))
    G1 = leadfield.sensor_lead_field(src, arr)
    monkeypatch.setattr(leadfield, "_CHUNK_ELEMENTS", 1000)
    G2 = leadfield.sensor_lead_field(src, arr)
    np.testing.assert_allclose(G1, G2, rtol=1e-13, atol=0)  # identical arithmetic per source


def test_dipole_at_center_column_is_zero():
    arr = sensors.radial_magnetometers(10)
    G = meg.lead_field([[0.0, 0, 0], [0, 0, 0.05]], arr.positions, arr.normals)
    assert np.all(G[:, :3] == 0) and np.abs(G[:, 3:5]).max() > 0


def test_lead_field_bad_input():
    arr = sensors.radial_magnetometers(10, radius=0.12)
    with pytest.raises(ValueError, match="r_sensors must lie outside"):
        meg.lead_field([[0, 0, 0.125]], arr.positions, arr.normals)  # source outside sensors
    with pytest.raises(ValueError, match="r_sensors must lie outside"):
        meg.lead_field([[0, 0, 0.05]], [[0, 0, 0.04]], [[0, 0, 1.0]])  # sensor inside
    with pytest.raises(ValueError, match="normals must have the shape"):
        meg.lead_field([[0, 0, 0.05]], arr.positions, arr.normals[:3])
    with pytest.raises(ValueError, match="normals must be non-zero"):
        meg.lead_field([[0, 0, 0.05]], [[0, 0, 0.1]], [[0, 0, 0.0]])
    with pytest.raises(ValueError, match="G must have shape"):
        leadfield.fixed_orientation(np.zeros((3, 7)), [[0, 0, 1.0]] * 2)
    with pytest.raises(ValueError, match="j must have"):
        leadfield.apply_forward(np.zeros((3, 6)), np.zeros(5))
    with pytest.raises(ValueError, match="sensors must be a SensorArray"):
        leadfield.sensor_lead_field([[0, 0, 0.05]], arr.positions)


def test_gradiometer_pairs_share_sites_and_are_orthogonal():
    vv = sensors.vectorview_array()
    pairs = meg.gradiometer_pairs(vv)
    assert pairs.shape == (102, 2)
    np.testing.assert_array_equal(vv.positions[pairs[:, 0]], vv.positions[pairs[:, 1]])
    ex = vv.orientations[:, 0, :]
    # the two gradiometers of a site measure orthogonal derivatives (6-digit loc: ~1e-4)
    assert np.abs(np.sum(ex[pairs[:, 0]] * ex[pairs[:, 1]], axis=1)).max() < 1e-3
    assert all(vv.kinds[i] == "planar_grad" for i in pairs.ravel())
    with pytest.raises(ValueError, match="planar gradiometers in pairs"):
        meg.gradiometer_pairs(sensors.ctf275_array())
