"""Tests of neurocourse.meg.mesh: icospheres, ellipsoids, solid angles, validation."""

import mne.surface as mne_surface  # the oracle is a hard requirement of the test suite: never skipped
import numpy as np
import pytest

from neurocourse.meg.mesh import (
    TriMesh,
    block_slices,
    default_workers,
    ellipsoid,
    icosphere,
    map_blocks,
    points_inside,
    solid_angles,
    triangle_areas,
    triangle_centroids,
    triangle_normals,
    vertex_areas,
)


@pytest.mark.parametrize("order, n_v", [(0, 12), (1, 42), (2, 162), (3, 642), (4, 2562)])
def test_icosphere_counts_and_radius(order, n_v):
    m = icosphere(order, radius=0.09, center=(0.01, -0.02, 0.03))
    assert m.n_vertices == n_v == 10 * 4**order + 2
    assert m.n_triangles == 20 * 4**order
    # Euler characteristic of a sphere: V - E + F = 2, with E = 3F/2 for a closed mesh.
    assert m.n_vertices - 3 * m.n_triangles // 2 + m.n_triangles == 2
    r = np.linalg.norm(m.vertices - [0.01, -0.02, 0.03], axis=1)
    np.testing.assert_allclose(r, 0.09, rtol=1e-12)  # projection is exact up to round-off


def test_icosphere_counts_match_mne_ico_surfaces():
    for order in (2, 3):
        ref = mne_surface._get_ico_surface(order)
        m = icosphere(order, 1.0)
        assert (m.n_vertices, m.n_triangles) == (len(ref["rr"]), len(ref["tris"]))
        # MNE orders its triangles outward too: its enclosed volume is positive.
        v0, v1, v2 = (ref["rr"][ref["tris"][:, k]] for k in range(3))
        assert np.einsum("ij,ij->", v0, np.cross(v1, v2)) > 0


def test_volume_area_and_normals_converge_to_sphere():
    R = 0.09
    prev = None
    for order in (2, 3, 4):
        m = icosphere(order, R)
        vol_err = 1 - m.volume() / (4 / 3 * np.pi * R**3)
        area = triangle_areas(m).sum()
        assert 0 < vol_err  # inscribed polyhedron: strictly smaller than the sphere
        assert area < 4 * np.pi * R**2
        # vertex areas are a partition of the total area (exact up to round-off)
        np.testing.assert_allclose(vertex_areas(m).sum(), area, rtol=1e-12)
        if prev is not None:
            # second-order convergence of an inscribed polyhedron: error / 4 per level (±15 %)
            assert 3.4 < prev / vol_err < 4.6
        prev = vol_err
        # normals are unit and outward (point away from the centre at the centroid)
        n = triangle_normals(m)
        np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1, rtol=1e-12)
        c = triangle_centroids(m)
        assert np.all(np.einsum("ij,ij->i", n, c / np.linalg.norm(c, axis=1)[:, None]) > 0.99)


def test_ellipsoid_vertices_and_volume():
    radii = np.array([0.1, 0.08, 0.06])
    m = ellipsoid(4, radii)
    np.testing.assert_allclose(np.sum((m.vertices / radii) ** 2, axis=1), 1, rtol=1e-12)
    # scaling maps the ico-4 sphere's volume deficit (0.2 %) unchanged onto the ellipsoid
    np.testing.assert_allclose(m.volume(), 4 / 3 * np.pi * radii.prod(), rtol=3e-3)


def test_solid_angle_closed_forms():
    # Octant triangle (unit axes), seen from the origin: one eighth of the sphere, π/2 sr.
    tri = TriMesh(vertices=np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0.0]]) - 0.25,
                  triangles=np.array([[0, 1, 2], [0, 2, 3], [0, 3, 1], [1, 3, 2]]))
    omega = solid_angles(tri, np.array([-0.25, -0.25, -0.25]) + 1e-9)
    # face 0 (the slanted one) from (almost) its opposite corner: π/2 to ~1e-8
    np.testing.assert_allclose(omega[0, 0], np.pi / 2, rtol=1e-7)
    # Closed mesh: 4π from inside, 0 from outside (Gauss), to round-off.
    rng = np.random.default_rng(0)
    inside = rng.uniform(-0.5, 0.5, (50, 3)) * 0.09
    outside = rng.normal(size=(50, 3))
    outside = 0.2 * outside / np.linalg.norm(outside, axis=1)[:, None]
    m = icosphere(3, 0.09)
    np.testing.assert_allclose(solid_angles(m, inside).sum(axis=1), 4 * np.pi, rtol=1e-11)
    np.testing.assert_allclose(solid_angles(m, outside).sum(axis=1), 0, atol=1e-11)
    # positive when a triangle is seen from inside
    assert np.all(solid_angles(m, [0, 0, 0]) > 0)


def test_points_inside_matches_ellipsoid_equation():
    radii = np.array([0.1, 0.08, 0.06])
    m = ellipsoid(3, radii)
    rng = np.random.default_rng(1)
    pts = rng.uniform(-0.12, 0.12, (400, 3))
    level = np.sum((pts / radii) ** 2, axis=1)
    keep = np.abs(level - 1) > 0.05  # away from the surface, where the facets decide
    np.testing.assert_array_equal(points_inside(m, pts[keep]), level[keep] < 1)


def _good():
    m = icosphere(1, 0.09)
    return np.array(m.vertices), np.array(m.triangles)


def test_validation_zero_area_triangle():
    rr, tris = _good()
    rr[tris[0, 1]] = rr[tris[0, 0]]  # collapse an edge
    with pytest.raises(ValueError, match="area > 0"):
        TriMesh(rr, tris)


def test_validation_open_mesh():
    rr, tris = _good()
    with pytest.raises(ValueError, match="closed"):
        TriMesh(rr, tris[1:])


def test_validation_inward_and_inconsistent_orientation():
    rr, tris = _good()
    with pytest.raises(ValueError, match="outward"):
        TriMesh(rr, tris[:, ::-1])
    flipped = tris.copy()
    flipped[0] = flipped[0, ::-1]
    with pytest.raises(ValueError, match="consistently oriented"):
        TriMesh(rr, flipped)


def test_validation_indices_shapes_and_parameters():
    rr, tris = _good()
    bad = tris.copy()
    bad[0, 0] = len(rr)
    with pytest.raises(ValueError, match="index vertices"):
        TriMesh(rr, bad)
    with pytest.raises(ValueError, match="unused"):
        TriMesh(np.vstack([rr, [1.0, 1.0, 1.0]]), tris)
    with pytest.raises(ValueError, match="integer"):
        TriMesh(rr, tris.astype(float))
    with pytest.raises(ValueError, match="radius must be > 0"):
        icosphere(2, -0.1)
    with pytest.raises(ValueError, match="order"):
        icosphere(7)
    with pytest.raises(ValueError, match="radii"):
        ellipsoid(2, (0.1, 0.0, 0.1))


def test_mesh_is_read_only():
    m = icosphere(1)
    with pytest.raises(ValueError):
        m.vertices[0, 0] = 1.0


# ---------------------------------------------------------------------- blocks and threads
def test_block_slices_cover_the_range_in_order():
    for n, cost, pairs in [(0, 5, 100), (1, 5, 100), (103, 7, 100), (10, 1000, 100)]:
        sl = block_slices(n, cost, pairs)
        covered = np.concatenate([np.arange(n)[s] for s in sl]) if sl else np.arange(0)
        np.testing.assert_array_equal(covered, np.arange(n))
        # each block holds at least one item and at most max(1, pairs // cost) of them
        assert all(1 <= s.stop - s.start <= max(1, pairs // cost) for s in sl)
    for args, name in [((-1, 5), "n_items"), ((10, 0), "cost_per_item"), ((10, 5, 0), "pairs"),
                       ((2.5, 5), "n_items")]:
        with pytest.raises(ValueError, match=name):
            block_slices(*args)


def test_map_blocks_keeps_the_order_with_threads():
    blocks = block_slices(1000, 1, 37)
    data = np.random.default_rng(2).normal(size=1000)

    def f(s):
        return np.cumsum(np.sin(data[s]) ** 2)

    serial = map_blocks(f, blocks, workers=1)
    threaded = map_blocks(f, blocks, workers=3)
    assert len(threaded) == len(blocks)
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)   # same arithmetic per block: bitwise equal


def test_default_workers_reads_the_environment(monkeypatch):
    monkeypatch.setenv("NEUROCOURSE_NUM_THREADS", "3")
    assert default_workers() == 3
    for value in ("not a number", "0", "-2"):
        monkeypatch.setenv("NEUROCOURSE_NUM_THREADS", value)
        assert default_workers() == 1
    monkeypatch.delenv("NEUROCOURSE_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")   # OpenMP's setting does not turn threads on
    assert default_workers() == 1


def test_threaded_kernels_are_bitwise_reproducible(monkeypatch):
    """The BEM matrices and solid angles do not depend on the number of threads (the blocks are
    reduced in order), so results are reproducible on any machine."""
    from neurocourse.meg.bem import galerkin_matrix

    m = icosphere(2, 0.09)
    pts = np.random.default_rng(3).uniform(-0.06, 0.06, (500, 3))
    out = {}
    for n in ("1", "2"):
        monkeypatch.setenv("NEUROCOURSE_NUM_THREADS", n)
        out[n] = (galerkin_matrix(m), solid_angles(m, pts))
    for a, b in zip(out["1"], out["2"]):
        np.testing.assert_array_equal(a, b)


def test_map_blocks_runs_serially_where_threads_cannot_start(monkeypatch):
    import neurocourse.parallel as parallel_module

    class NoThreads:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(parallel_module, "ThreadPoolExecutor", NoThreads)
    assert map_blocks(lambda s: s.stop - s.start, block_slices(10, 1, 3), workers=4) == [3, 3, 3, 1]
    m = icosphere(2, 0.09)
    # the kernels still work, serially
    np.testing.assert_allclose(solid_angles(m, np.zeros((2, 3))).sum(axis=1), 4 * np.pi, rtol=1e-12)
