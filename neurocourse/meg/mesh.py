"""Closed triangle meshes for boundary-element head models.

A :class:`TriMesh` is a closed, consistently and outwardly oriented triangulated surface: the
vertices of every triangle are ordered so that :math:`(\\mathbf v_1-\\mathbf v_0)\\times
(\\mathbf v_2-\\mathbf v_0)` points out of the enclosed volume, which is the convention of
MNE-Python's ``icos.fif`` surfaces and of OpenMEEG. Constructing a mesh validates it.

Meshes are built by :func:`icosphere` (ico-n: recursive four-fold subdivision of an
icosahedron, each new vertex projected onto the sphere; 12, 42, 162, 642, 2562, ... vertices)
and :func:`ellipsoid` (an icosphere scaled along the axes). Geometry helpers return triangle
areas, unit normals and centroids, vertex areas, solid angles (van Oosterom & Strackee 1983)
and an inside/outside test by the winding number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_int, check_positive, check_range, check_shape
from neurocourse.parallel import default_workers, map_blocks  # re-exported: public here since issue 16

__all__ = [
    "SolidAngleGeometry",
    "TriMesh",
    "block_slices",
    "default_workers",
    "ellipsoid",
    "icosphere",
    "map_blocks",
    "nearest_surface_points",
    "points_inside",
    "solid_angles",
    "triangle_areas",
    "triangle_centroids",
    "triangle_normals",
    "vertex_areas",
]

_PHI = (1.0 + np.sqrt(5.0)) / 2.0
# Regular icosahedron (edge 2): vertices (0, ±1, ±φ) and cyclic permutations, faces ordered
# outward. This is the same base as the icosphere in OpenMEEG's test_single_layer_meg.py.
_ICO_VERTICES = np.array([
    [-1, _PHI, 0], [1, _PHI, 0], [-1, -_PHI, 0], [1, -_PHI, 0],
    [0, -1, _PHI], [0, 1, _PHI], [0, -1, -_PHI], [0, 1, -_PHI],
    [_PHI, 0, -1], [_PHI, 0, 1], [-_PHI, 0, -1], [-_PHI, 0, 1],
], dtype=float)
_ICO_TRIANGLES = np.array([
    [0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11],
    [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8],
    [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9],
    [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1],
], dtype=np.int64)

# A triangle whose area is below this fraction of (mesh size)² is degenerate.
_ZERO_AREA_RTOL = 1e-12
# Points are split into blocks of about this many point-triangle pairs to bound memory.
_PAIRS_PER_BLOCK = 250_000


@dataclass(frozen=True, eq=False)
class TriMesh:
    """A closed, outward-oriented triangle mesh (validated on construction).

    Parameters
    ----------
    vertices : array_like, shape (n_vertices, 3)
        Vertex positions in m.
    triangles : array_like of int, shape (n_triangles, 3)
        Vertex indices of each triangle, ordered so that
        :math:`(\\mathbf v_1-\\mathbf v_0)\\times(\\mathbf v_2-\\mathbf v_0)` points outward.

    Raises
    ------
    ValueError
        If an index is out of range or a vertex is unused, a triangle has zero area, the
        mesh is open (an edge not shared by exactly two triangles), the orientation is
        inconsistent between neighbours, or the triangles face inward (negative volume).

    Notes
    -----
    The arrays are stored as read-only copies. Orientation and closure conventions follow
    MNE-Python (``mne.surface.complete_surface_info`` checks) and OpenMEEG (``Mesh.update``).
    """

    vertices: np.ndarray
    triangles: np.ndarray

    def __post_init__(self):
        rr = check_shape("vertices", as_finite("vertices", self.vertices, unit="m"), (None, 3))
        tris_in = np.asarray(self.triangles)
        if tris_in.ndim != 2 or tris_in.shape[1] != 3:
            raise ValueError(f"triangles must have shape (m, 3), got {tris_in.shape}")
        if tris_in.size and not np.issubdtype(tris_in.dtype, np.integer):
            raise ValueError(f"triangles must hold integer vertex indices, got dtype "
                             f"{tris_in.dtype}")
        tris = tris_in.astype(np.int64)
        rr = rr.astype(float).copy()
        tris = tris.copy()
        _validate(rr, tris)
        rr.setflags(write=False)
        tris.setflags(write=False)
        object.__setattr__(self, "vertices", rr)
        object.__setattr__(self, "triangles", tris)

    @property
    def n_vertices(self) -> int:
        """Number of vertices."""
        return self.vertices.shape[0]

    @property
    def n_triangles(self) -> int:
        """Number of triangles."""
        return self.triangles.shape[0]

    def volume(self) -> float:
        """Enclosed volume in m³ (divergence theorem; positive for an outward mesh)."""
        return _signed_volume(self.vertices, self.triangles)


def _corners(rr: np.ndarray, tris: np.ndarray):
    return rr[tris[:, 0]], rr[tris[:, 1]], rr[tris[:, 2]]


def _area_vectors(rr: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(v1 − v0) × (v2 − v0) per triangle: twice the area times the outward normal (m²)."""
    v0, v1, v2 = _corners(rr, tris)
    return np.cross(v1 - v0, v2 - v0)


def _signed_volume(rr: np.ndarray, tris: np.ndarray) -> float:
    v0, v1, v2 = _corners(rr, tris)
    return float(np.einsum("ij,ij->", v0, np.cross(v1, v2)) / 6.0)


def _validate(rr: np.ndarray, tris: np.ndarray) -> None:
    n_v = rr.shape[0]
    if tris.shape[0] < 4:
        raise ValueError(f"triangles must hold at least 4 triangles for a closed surface, got "
                         f"{tris.shape[0]}")
    if tris.min() < 0 or tris.max() >= n_v:
        bad = int(tris[(tris < 0) | (tris >= n_v)][0])
        raise ValueError(f"triangles must index vertices in [0, {n_v - 1}], got {bad}")
    used = np.zeros(n_v, dtype=bool)
    used[tris.ravel()] = True
    if not used.all():
        raise ValueError(f"vertices must all belong to a triangle; vertex "
                         f"{int(np.flatnonzero(~used)[0])} is unused")
    area = 0.5 * np.linalg.norm(_area_vectors(rr, tris), axis=1)
    scale = np.ptp(rr, axis=0).max()
    tiny = area <= _ZERO_AREA_RTOL * scale**2
    if np.any(tiny):
        i = int(np.flatnonzero(tiny)[0])
        raise ValueError(f"triangles must have area > 0 m²; triangle {i} {tris[i].tolist()} "
                         f"has area {area[i]:.3g} m²")
    # Directed edges: in a closed, consistently oriented mesh each appears exactly once and
    # its reverse exactly once (so every undirected edge is shared by exactly two triangles).
    directed = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    undirected = np.sort(directed, axis=1)
    _, counts = np.unique(undirected, axis=0, return_counts=True)
    if np.any(counts != 2):
        edges, counts = np.unique(undirected, axis=0, return_counts=True)
        j = int(np.flatnonzero(counts != 2)[0])
        raise ValueError(f"mesh must be closed (every edge shared by exactly 2 triangles); "
                         f"edge {edges[j].tolist()} belongs to {int(counts[j])} triangle(s)")
    _, dcounts = np.unique(directed, axis=0, return_counts=True)
    if np.any(dcounts != 1):
        raise ValueError("triangles must be consistently oriented: a neighbouring pair "
                         "traverses a shared edge in the same direction")
    vol = _signed_volume(rr, tris)
    if vol <= 0:
        raise ValueError(f"triangles must be ordered outward (enclosed volume > 0 m³), got "
                         f"volume {vol:.3g} m³; reverse the vertex order of every triangle")


def triangle_areas(mesh: TriMesh) -> np.ndarray:
    """Triangle areas.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).

    Returns
    -------
    area : ndarray, shape (n_triangles,)
        Areas in square metres (m²), :math:`\\tfrac12|(\\mathbf v_1-\\mathbf v_0)\\times(\\mathbf v_2-\\mathbf v_0)|`.
    """
    return 0.5 * np.linalg.norm(_area_vectors(mesh.vertices, mesh.triangles), axis=1)


def triangle_normals(mesh: TriMesh) -> np.ndarray:
    """Outward unit normals of the triangles.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).

    Returns
    -------
    normals : ndarray, shape (n_triangles, 3)
        Unit vectors (dimensionless) along :math:`(\\mathbf v_1-\\mathbf v_0)\\times
        (\\mathbf v_2-\\mathbf v_0)`.
    """
    cr = _area_vectors(mesh.vertices, mesh.triangles)
    return cr / np.linalg.norm(cr, axis=1, keepdims=True)


def triangle_centroids(mesh: TriMesh) -> np.ndarray:
    """Triangle centroids.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).

    Returns
    -------
    centroids : ndarray, shape (n_triangles, 3)
        Centroids :math:`(\\mathbf v_0+\\mathbf v_1+\\mathbf v_2)/3` in m.
    """
    return mesh.vertices[mesh.triangles].mean(axis=1)


def vertex_areas(mesh: TriMesh) -> np.ndarray:
    """Area attributed to each vertex: one third of the area of every triangle that holds it.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).

    Returns
    -------
    area : ndarray, shape (n_vertices,)
        Areas in square metres (m²); they sum to the surface area. This is the lumped mass of linear
        (piecewise-affine) elements.
    """
    return np.bincount(mesh.triangles.ravel(), weights=np.repeat(triangle_areas(mesh) / 3.0, 3),
                       minlength=mesh.n_vertices)


def _points_array(points) -> np.ndarray:
    """Field points as a finite (p, 3) float array in m (a single point may be given as (3,))."""
    return check_shape("points", as_finite("points", np.atleast_2d(points), unit="m"), (None, 3))


def block_slices(n_items: int, cost_per_item: int, pairs: int = _PAIRS_PER_BLOCK) -> list[slice]:
    """Split ``range(n_items)`` into consecutive slices of about ``pairs`` pairs each.

    Parameters
    ----------
    n_items : int
        Number of items (e.g. field points), >= 0.
    cost_per_item : int
        Pairs per item (e.g. the number of triangles each point meets), >= 1.
    pairs : int, default 250 000
        Target number of pairs per block (count): it bounds the memory of a pairwise kernel.

    Returns
    -------
    list of slice
        Consecutive slices covering ``range(n_items)``, each of at least one item.

    Raises
    ------
    ValueError
        If ``n_items`` is not an integer >= 0, or ``cost_per_item`` or ``pairs`` not >= 1.
    """
    n = check_int("n_items", n_items, 0)
    step = max(1, check_int("pairs", pairs, 1) // check_int("cost_per_item", cost_per_item, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


@dataclass(frozen=True, eq=False)
class SolidAngleGeometry:
    """Per-triangle constants of the van Oosterom–Strackee solid angle, relative to the mesh centre.

    Build it once per mesh with :meth:`of`; :meth:`vertex_terms` and :meth:`omega` then give the
    solid angles of all triangles seen from a block of points, with the work done per (point,
    vertex) where possible (shared by the about six triangles around each vertex). Arrays of
    pairs are laid out triangle- or vertex-major, (m, p) or (n_v, p), so that gathers copy rows.

    Attributes
    ----------
    origin : ndarray, shape (3,)
        Centre of the mesh (mean vertex) in m; all other positions are relative to it, which
        keeps the dot-product expansions well scaled.
    rr : ndarray, shape (n_vertices, 3)
        Centred vertices in m.
    tris : ndarray of int, shape (m, 3)
        Triangles (vertex indices, outward order).
    six_vol : ndarray, shape (m,)
        Triple product :math:`\\mathbf v_0\\cdot(\\mathbf v_1\\times\\mathbf v_2)` in m³.
    two_an : ndarray, shape (m, 3)
        Area vectors :math:`(\\mathbf v_1-\\mathbf v_0)\\times(\\mathbf v_2-\\mathbf v_0)` in m².
    edges : ndarray of int, shape (n_edges, 2)
        The undirected edges (vertex indices, lower first); each is shared by two triangles.
    sides : ndarray of int, shape (3, m)
        ``sides[e, t]`` is the edge of triangle t opposite its corner e (from corner e+1 to
        corner e+2, cyclically).
    edge_dot : ndarray, shape (n_edges,)
        :math:`\\mathbf v_a\\cdot\\mathbf v_b` of the two ends of each edge, in m².
    edge_sum : ndarray, shape (n_edges, 3)
        :math:`\\mathbf v_a+\\mathbf v_b` in m.

    References
    ----------
    van Oosterom A, Strackee J (1983) IEEE Trans Biomed Eng 30:125.
    """

    origin: np.ndarray
    rr: np.ndarray
    tris: np.ndarray
    six_vol: np.ndarray
    two_an: np.ndarray
    edges: np.ndarray
    sides: np.ndarray
    edge_dot: np.ndarray
    edge_sum: np.ndarray

    @classmethod
    def of(cls, mesh: TriMesh) -> SolidAngleGeometry:
        """The constants of ``mesh`` (a :class:`TriMesh`, vertices in m)."""
        origin = mesh.vertices.mean(axis=0)
        rr = mesh.vertices - origin
        tris = mesh.triangles
        v0, v1, v2 = _corners(rr, tris)
        ends = np.sort(np.stack([tris[:, [1, 2, 0]], tris[:, [2, 0, 1]]], axis=-1).reshape(-1, 2),
                       axis=1)
        edges, sides = np.unique(ends, axis=0, return_inverse=True)
        va, vb = rr[edges[:, 0]], rr[edges[:, 1]]
        return cls(origin, rr, tris, np.einsum("ij,ij->i", v0, np.cross(v1, v2)),
                   _area_vectors(rr, tris), edges, np.ascontiguousarray(sides.reshape(-1, 3).T),
                   np.einsum("ij,ij->i", va, vb), va + vb)

    def vertex_terms(self, points: np.ndarray):
        """Distances and dot products of every vertex with every point.

        Parameters
        ----------
        points : ndarray, shape (p, 3)
            Points in m, relative to ``origin``.

        Returns
        -------
        dist : ndarray, shape (n_vertices, p)
            :math:`|\\mathbf v - \\mathbf r|` in m.
        rv : ndarray, shape (n_vertices, p)
            :math:`\\mathbf r\\cdot\\mathbf v` in m².
        """
        pt = points.T
        diff = self.rr[:, 0, None] - pt[0]                             # (n_v, p), per component
        dist = diff * diff
        for c in (1, 2):
            np.subtract(self.rr[:, c, None], pt[c], out=diff)
            diff *= diff
            dist += diff
        return np.sqrt(dist, out=dist), self.rr @ pt

    def omega(self, points: np.ndarray, dist: np.ndarray, rv: np.ndarray) -> np.ndarray:
        """Solid angles of all triangles seen from each point.

        With :math:`\\mathbf R_i = \\mathbf v_i - \\mathbf r`, the products are expanded as
        :math:`\\mathbf R_i\\cdot\\mathbf R_j = \\mathbf v_i\\cdot\\mathbf v_j - \\mathbf r\\cdot
        (\\mathbf v_i+\\mathbf v_j) + r^2`, once per edge (shared by two triangles), and the
        triple product as :math:`6V - \\mathbf r\\cdot 2A\\mathbf n`, from the precomputed
        per-triangle constants.

        Parameters
        ----------
        points : ndarray, shape (p, 3)
            Points in m, relative to ``origin``.
        dist, rv : ndarray, shape (n_vertices, p)
            :meth:`vertex_terms` of ``points`` (m and m²).

        Returns
        -------
        omega : ndarray, shape (m, p)
            Solid angles in sr, in :math:`(-2\\pi, 2\\pi]`, positive for a triangle seen from
            inside.
        """
        pair = self.edge_sum @ points.T                               # (n_e, p)
        np.subtract(self.edge_dot[:, None] + np.einsum("pi,pi->p", points, points), pair,
                    out=pair)                                          # R_a·R_b per edge
        la, lb, lc = (np.take(dist, self.tris[:, k], axis=0) for k in range(3))
        den = la * lb
        den *= lc
        term = np.empty_like(den)
        for side, far in ((2, lc), (1, lb), (0, la)):  # corner pairs (0, 1), (0, 2), (1, 2)
            np.take(pair, self.sides[side], axis=0, out=term)
            term *= far
            den += term
        num = self.six_vol[:, None] - self.two_an @ points.T
        out = np.arctan2(num, den, out=num)
        out *= 2.0
        return out


def _in_blocks(func, points: np.ndarray, n_triangles: int, pairs: int = _PAIRS_PER_BLOCK):
    """Apply ``func`` to blocks of ``points`` (p, 3) and concatenate along axis 0."""
    parts = map_blocks(lambda s: func(points[s]), block_slices(len(points), n_triangles, pairs))
    return np.concatenate(parts, axis=0)


def solid_angles(mesh: TriMesh, points) -> np.ndarray:
    """Solid angle subtended by each triangle at each point (van Oosterom & Strackee 1983).

    .. math:: \\tan\\frac{\\Omega}{2} = \\frac{\\mathbf R_0\\cdot(\\mathbf R_1\\times\\mathbf R_2)}
              {R_0R_1R_2 + (\\mathbf R_0\\cdot\\mathbf R_1)R_2 + (\\mathbf R_0\\cdot\\mathbf R_2)R_1
              + (\\mathbf R_1\\cdot\\mathbf R_2)R_0},

    with :math:`\\mathbf R_i = \\mathbf v_i - \\mathbf r`, evaluated with ``atan2`` so that the
    quadrant is right. With outward-ordered triangles :math:`\\Omega > 0` when the triangle is
    seen from inside (its normal points away from the observer). A point lying in the plane
    of a triangle gets 0.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).
    points : array_like, shape (p, 3) or (3,)
        Observation points in m.

    Returns
    -------
    omega : ndarray, shape (p, n_triangles)
        Solid angles in sr, each in :math:`(-2\\pi, 2\\pi]`.

    References
    ----------
    van Oosterom A, Strackee J (1983) IEEE Trans Biomed Eng 30:125; the same formula is
    ``_lin_pot_coeff`` / ``_get_solids`` in MNE-Python's ``mne/bem.py``.
    """
    pts = _points_array(points)
    geo = SolidAngleGeometry.of(mesh)
    if len(pts) == 0:
        return np.zeros((0, mesh.n_triangles))
    return _in_blocks(lambda p: geo.omega(p, *geo.vertex_terms(p)).T, pts - geo.origin,
                      mesh.n_triangles)


def points_inside(mesh: TriMesh, points) -> np.ndarray:
    """Whether points lie inside the closed surface (winding-number test).

    The total solid angle of a closed outward surface is :math:`4\\pi` seen from inside and
    0 from outside (Gauss); the point is inside when the sum exceeds :math:`2\\pi`.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).
    points : array_like, shape (p, 3) or (3,)
        Points in m.

    Returns
    -------
    inside : ndarray of bool, shape (p,)
        True for points strictly inside. Points on the surface are undecided (about
        :math:`2\\pi`) and should not be passed.

    References
    ----------
    Jacobson A, Kavan L, Sorkine-Hornung O (2013) ACM Trans Graph 32:33 (generalised winding
    number); van Oosterom & Strackee (1983) for the triangle solid angle.
    """
    return solid_angles(mesh, points).sum(axis=1) > 2.0 * np.pi


def _subdivide(rr: np.ndarray, tris: np.ndarray):
    """Split each triangle into four at the edge midpoints (vertices not yet projected)."""
    n_v = rr.shape[0]
    edges = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    uniq, inverse = np.unique(np.sort(edges, axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    mid = n_v + inverse.reshape(3, -1)          # midpoint index of edges 01, 12, 20
    rr_new = np.concatenate([rr, 0.5 * (rr[uniq[:, 0]] + rr[uniq[:, 1]])])
    a, b, c = tris[:, 0], tris[:, 1], tris[:, 2]
    ab, bc, ca = mid
    new = np.concatenate([
        np.stack([a, ab, ca], axis=1), np.stack([b, bc, ab], axis=1),
        np.stack([c, ca, bc], axis=1), np.stack([ab, bc, ca], axis=1),
    ])
    return rr_new, new


def icosphere(order: int = 3, radius: float = 0.09, center=(0.0, 0.0, 0.0)) -> TriMesh:
    """Geodesic sphere ico-``order``: a subdivided icosahedron with outward triangles.

    Each of ``order`` steps splits every triangle into four at its edge midpoints and
    projects the new vertices onto the sphere, giving :math:`10\\cdot4^n+2` vertices
    (12, 42, 162, 642, 2562 for n = 0...4) and :math:`20\\cdot4^n` triangles, as MNE-Python's
    ``icos.fif`` surfaces.

    Parameters
    ----------
    order : int, default 3
        Number of subdivisions, 0...6.
    radius : float, default 0.09
        Sphere radius in m (0.09 m is a typical inner-skull radius).
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m.

    Returns
    -------
    mesh : TriMesh
        Vertices in m on the sphere, triangles ordered outward.

    References
    ----------
    MNE-Python ``mne/surface.py::_get_ico_surface`` and ``mne/data/icos.fif.gz``;
    OpenMEEG 2.6 ``tests/test_single_layer_meg.py`` (same base icosahedron).
    """
    if isinstance(order, bool) or not isinstance(order, int | np.integer):
        raise ValueError(f"order must be an integer in [0, 6], got {order!r}")
    check_range("order", order, 0, 6)
    r = float(check_positive("radius", radius, unit="m"))
    c = check_shape("center", as_finite("center", center, unit="m"), (3,))
    rr = _ICO_VERTICES / np.linalg.norm(_ICO_VERTICES, axis=1, keepdims=True)
    tris = _ICO_TRIANGLES.copy()
    for _ in range(int(order)):
        rr, tris = _subdivide(rr, tris)
        rr /= np.linalg.norm(rr, axis=1, keepdims=True)
    return TriMesh(vertices=c + r * rr, triangles=tris)


def ellipsoid(order: int = 3, radii=(0.09, 0.09, 0.09), center=(0.0, 0.0, 0.0)) -> TriMesh:
    """Triangulated ellipsoid: an ico-``order`` unit sphere scaled by the semi-axes.

    Scaling by positive factors keeps the triangles outward, so the result is a valid
    :class:`TriMesh`. With equal radii it is :func:`icosphere`.

    Parameters
    ----------
    order : int, default 3
        Icosphere subdivision order, 0...6.
    radii : array_like, shape (3,), default (0.09, 0.09, 0.09)
        Semi-axes along x, y and z in m.
    center : array_like, shape (3,), default (0, 0, 0)
        Centre in m.

    Returns
    -------
    mesh : TriMesh
        Vertices :math:`\\mathbf c + (a\\hat x_i, b\\hat y_i, c\\hat z_i)` in m.

    References
    ----------
    Used as a non-spherical test conductor as in Meijs et al. (1989) IEEE Trans Biomed Eng
    36:1038.
    """
    ab = check_shape("radii", check_positive("radii", radii, unit="m"), (3,))
    c = check_shape("center", as_finite("center", center, unit="m"), (3,))
    unit = icosphere(order, 1.0)
    return TriMesh(vertices=c + unit.vertices * ab, triangles=unit.triangles)


def nearest_surface_points(mesh: TriMesh, points):
    """Closest point of the surface to each point, with its triangle and barycentric weights.

    For every (point, triangle) pair the candidate is the orthogonal projection onto the
    triangle's plane when it falls inside the triangle, and otherwise the closest point of its
    three edges (segments, parameter clamped to [0, 1]); the nearest candidate over all
    triangles wins.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).
    points : array_like, shape (p, 3) or (3,)
        Query points in m.

    Returns
    -------
    closest : ndarray, shape (p, 3)
        Nearest surface points in m.
    triangle : ndarray of int, shape (p,)
        Dimensionless index of the triangle that holds each of them.
    barycentric : ndarray, shape (p, 3)
        Weights of the triangle's three corners (non-negative, summing to 1), in the stored
        corner order: ``closest = barycentric @ vertices[triangles[triangle]]``.
    distance : ndarray, shape (p,)
        Distance from each point to the surface in m.

    References
    ----------
    Ericson C (2005) Real-Time Collision Detection, sec. 5.1.5 (closest point on a triangle);
    OpenMEEG ``Sensors`` and MNE-Python ``_project_onto_surface`` project EEG electrodes onto
    the scalp the same way.
    """
    pts = _points_array(points)
    rr, tris = mesh.vertices, mesh.triangles
    v0, v1, v2 = _corners(rr, tris)
    e1, e2 = v1 - v0, v2 - v0
    d11 = np.einsum("ij,ij->i", e1, e1)
    d12 = np.einsum("ij,ij->i", e1, e2)
    d22 = np.einsum("ij,ij->i", e2, e2)
    det = d11 * d22 - d12**2
    unit_n = triangle_normals(mesh)
    edges = ((v0, v1, 0, 1), (v1, v2, 1, 2), (v2, v0, 2, 0))

    def block(p):
        w = p[:, None, :] - v0[None]                                     # (p, m, 3)
        h = np.einsum("pmi,mi->pm", w, unit_n)
        b1 = np.einsum("pmi,mi->pm", w, e1)
        b2 = np.einsum("pmi,mi->pm", w, e2)
        s = (d22 * b1 - d12 * b2) / det                                  # weight of v1
        t = (d11 * b2 - d12 * b1) / det                                  # weight of v2
        inside = (s >= 0) & (t >= 0) & (s + t <= 1)
        best = np.where(inside, h**2, np.inf)
        bary = np.stack([1 - s - t, s, t], axis=-1)
        for a, b, ia, ib in edges:  # the three edges of every triangle, vectorised over pairs
            ab = b - a
            u = np.clip(np.einsum("pmi,mi->pm", p[:, None, :] - a[None], ab)
                        / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
            d2 = np.einsum("pmi,pmi->pm", *(2 * [p[:, None, :] - a[None] - u[..., None] * ab]))
            closer = d2 < best
            best = np.where(closer, d2, best)
            edge_bary = np.zeros(bary.shape)
            edge_bary[..., ia], edge_bary[..., ib] = 1 - u, u
            bary = np.where(closer[..., None], edge_bary, bary)
        k = np.argmin(best, axis=1)
        rows = np.arange(len(p))
        return np.column_stack([k, np.sqrt(best[rows, k]), bary[rows, k]])

    out = _in_blocks(block, pts, mesh.n_triangles)
    tri = out[:, 0].astype(np.int64)
    bary = out[:, 2:]
    closest = np.einsum("pk,pki->pi", bary, rr[tris[tri]])
    return closest, tri, bary, out[:, 1]
