"""Single-compartment boundary-element method (BEM) for MEG.

The conductor is one homogeneous compartment of conductivity :math:`\\sigma` bounded by a closed
outward :class:`~neurocourse.meg.mesh.TriMesh` (for MEG, the inner skull; the skull is so poorly
conducting that the outer layers carry almost no volume current). The steps are those of
Hämäläinen & Sarvas (1989) and MNE-Python's ``mne/bem.py`` for one layer:

1. **Potential integral equation** on the surface, with solid angles positive when a surface is
   seen from inside:

   .. math:: V(\\mathbf r) = 2V_0(\\mathbf r) + \\frac{1}{2\\pi}\\int_S V(\\mathbf r')\\,
             d\\Omega_{\\mathbf r}(\\mathbf r'),\\qquad
             V_0 = \\frac{\\mathbf Q\\cdot(\\mathbf r-\\mathbf r_0)}{4\\pi\\sigma|\\mathbf r-\\mathbf r_0|^3}.

2. **Discretisation.** By default (``basis="galerkin"``) :math:`V` is piecewise linear, with
   unknowns at the vertices, and the equation is imposed on average against every hat function
   (Galerkin; Mosher et al. 1999, Kybic et al. 2005, the scheme of OpenMEEG for one layer): the
   solid-angle integral of each linear basis function over each triangle is evaluated in closed
   form (de Munck 1992) at 3 interior points per test triangle. Two collocation options remain:
   linear elements collocated at the vertices with the auto-element correction (MNE-Python) and
   constant elements collocated at the centroids. Galerkin is far more accurate for the field at
   equal mesh (full-field RDM against Sarvas on ico-3 ≤ 0.003 vs ≤ 0.021 and ≤ 0.074): the field
   is an integral of the potential, and integrals of a Galerkin solution superconverge.
3. **Deflation**: constants solve the homogeneous equation; adding :math:`\\mathbf 1\\mathbf w^\\top`
   (area weights) removes that null space and selects the zero-mean potential.
4. **Geselowitz formula** for the field outside the conductor:

   .. math:: \\mathbf B(\\mathbf r) = \\mathbf B_0(\\mathbf r) + \\frac{\\mu_0}{4\\pi}\\,\\sigma
             \\int_S V(\\mathbf r')\\,\\frac{(\\mathbf r-\\mathbf r')\\times\\mathbf n(\\mathbf r')}
             {|\\mathbf r-\\mathbf r'|^3}\\,dS',

   integrated with a 7-point, degree-5 triangle rule.

**Cost.** Every matrix is a pairwise kernel (points × triangles) evaluated in closed form on
blocks of a few ten thousand pairs: the per-vertex distances, per-edge line integrals and
per-triangle solid angles are each computed once per point and shared. The blocks can run on a
thread pool (:func:`neurocourse.meg.mesh.map_blocks`; opt-in with ``NEUROCOURSE_NUM_THREADS``)
and are reduced in order, so the results are bitwise independent of the number of threads.

References
----------
Geselowitz DB (1970) IEEE Trans Magn 6:346. van Oosterom A, Strackee J (1983) IEEE Trans Biomed
Eng 30:125. de Munck JC (1992) IEEE Trans Biomed Eng 39:986. Hämäläinen MS, Sarvas J (1989) IEEE
Trans Biomed Eng 36:165. Mosher JC, Leahy RM, Lewis PS (1999) IEEE Trans Biomed Eng 46:245.
Kybic J et al. (2005) IEEE Trans Med Imaging 24:12. Meijs JWH et al. (1989) IEEE Trans Biomed Eng 36:1038 (RDM, MAG).
MNE-Python ``mne/bem.py`` (``_lin_pot_coeff``, ``_correct_auto_elements``) and
``mne/forward/_compute_forward.py`` (``_bem_specify_coils``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from neurocourse._validation import as_finite, check_option, check_points, check_positive, check_range
from neurocourse.meg.fields import MU0_OVER_4PI, sarvas_field
from neurocourse.meg.mesh import (
    SolidAngleGeometry,
    TriMesh,
    block_slices,
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

__all__ = [
    "BEMModel",
    "bem_field",
    "bem_lead_field",
    "bem_model",
    "bem_potential",
    "centroid_solid_angle_matrix",
    "collocation_matrix",
    "galerkin_matrix",
    "geselowitz_kernel",
    "hat_averaged_potentials",
    "linear_solid_angles",
    "mag_ratio",
    "mass_matrix",
    "primary_field_kernel",
    "radial_leakage",
    "radial_tangential_maps",
    "rdm",
    "sphere_accuracy",
    "unit_dipole_potentials",
    "vertex_solid_angles",
]

# Dunavant (1985) degree-5 rule on the triangle: barycentric coordinates and weights (sum 1).
_A1, _B1, _W1 = 0.059715871789770, 0.470142064105115, 0.132394152788506
_A2, _B2, _W2 = 0.797426985353087, 0.101286507323456, 0.125939180544827
_QUAD_BARY = np.array([
    [1 / 3, 1 / 3, 1 / 3],
    [_A1, _B1, _B1], [_B1, _A1, _B1], [_B1, _B1, _A1],
    [_A2, _B2, _B2], [_B2, _A2, _B2], [_B2, _B2, _A2],
])
_QUAD_W = np.array([0.225, _W1, _W1, _W1, _W2, _W2, _W2])
# Strang & Fix degree-2 rule (3 interior points) for the outer (test) integral of the Galerkin
# matrix: it integrates the product of two linear basis functions exactly, and its points are
# interior points of the triangles, where the solid angles of a closed mesh sum to 2π.
_GAL_BARY = np.array([[2 / 3, 1 / 6, 1 / 6], [1 / 6, 2 / 3, 1 / 6], [1 / 6, 1 / 6, 2 / 3]])
_GAL_W = np.full(3, 1 / 3)

# Point-triangle pairs per block: bounds the memory of the vectorised kernels, and blocks of a
# few MB stay in the allocator's arena (larger ones are slower, paying for fresh pages).
_PAIRS_PER_BLOCK = 25_000
# A field point closer than this fraction of the mesh size to a triangle's plane is treated as
# lying in it: the solid angle and all linear coefficients of that triangle are then exactly 0.
_IN_PLANE_RTOL = 1e-10
# Floor of the denominator of the edge integrals β (a point on an edge): any positive number
# far below a distance² in m² keeps β finite where it is multiplied by h = 0.
_TINY = 1e-300


@dataclass(frozen=True, eq=False)
class BEMModel:
    """A solved single-compartment BEM: the mesh, its conductivity and the potential operator.

    Attributes
    ----------
    mesh : TriMesh
        Boundary of the conductor (vertices in m, outward triangles).
    sigma : float
        Conductivity inside the surface in S/m (0 outside).
    basis : str
        ``"galerkin"`` (one potential per vertex, linear elements, Galerkin testing),
        ``"linear"`` (one per vertex, collocated at the vertices, de Munck 1992, as MNE-Python)
        or ``"constant"`` (one per triangle, collocated at the centroid).
    lu, piv : ndarray
        LU factors (``scipy.linalg.lu_factor``) of the deflated system matrix
        :math:`A = M - C/2\\pi + \\mathbf 1\\mathbf w^\\top`, shape (n_nodes, n_nodes) and
        (n_nodes,); the node potentials (V) solve :math:`A\\,V = 2V_0`, with :math:`V_0` the
        infinite-medium potential (V) at the nodes (collocation, :math:`M = I`) or its average
        against each hat function (Galerkin, :math:`M` the mass matrix; both per unit vertex
        area).
    """

    mesh: TriMesh
    sigma: float
    basis: str
    lu: np.ndarray
    piv: np.ndarray

    @property
    def nodes(self) -> np.ndarray:
        """Nodes in m: triangle centroids (constant basis) or vertices (the other two)."""
        if self.basis == "constant":
            return triangle_centroids(self.mesh)
        return self.mesh.vertices


# ------------------------------------------------------------------------------------------
# linear solid-angle coefficients
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _LinearGeometry:
    """Per-triangle and per-edge constants of the linear solid-angle integrals (mesh centred).

    Edge e of a triangle is the edge opposite corner e, running from corner e+1 to corner e+2;
    ``edge[e, t]`` indexes it in the list of the mesh's undirected edges, which run from vertex
    ``ea`` to ``eb`` with unit direction ``eu`` and ``eua``, ``eub`` = v_a·u, v_b·u (the line
    integral β_e = ∫_e dl/|y| does not depend on the direction, so it is computed once per edge,
    not once per triangle side). ``gmat[k, e, t] = L_k (m_k·m_e) / 2A`` (L edge length, m
    outward in-plane edge normal). With y_i = v_i − r the cyclic term (y_{k+1} × y_{k+2})·n / 2A
    is ``c[k] − r·d[k]`` (``d_t`` holds d as (3, 3·m), corner-major), and the height of r below
    the plane of a triangle is ``h0 − r·n``. Arrays of pairs are (…, m, p): triangle-major, so
    that the gathers copy rows and the corner-major result feeds the vertex scatter directly.
    """

    sa: SolidAngleGeometry
    normals: np.ndarray
    gmat: np.ndarray
    c: np.ndarray
    d_t: np.ndarray
    h0: np.ndarray
    edge: np.ndarray
    ea: np.ndarray
    eb: np.ndarray
    eu: np.ndarray
    eua: np.ndarray
    eub: np.ndarray
    tol: float

    @classmethod
    def of(cls, mesh: TriMesh) -> _LinearGeometry:
        sa = SolidAngleGeometry.of(mesh)
        rr, tris = sa.rr, mesh.triangles
        normals = triangle_normals(mesh)
        two_area = 2.0 * triangle_areas(mesh)
        a_idx, b_idx = tris[:, [1, 2, 0]], tris[:, [2, 0, 1]]
        va, vb = rr[a_idx], rr[b_idx]
        length = np.linalg.norm(vb - va, axis=-1)
        u = (vb - va) / length[..., None]
        m_out = np.cross(u, normals[:, None, :])
        gmat = (length[:, :, None] * np.einsum("tki,tei->tke", m_out, m_out)
                / two_area[:, None, None])                                  # (m, k, e)
        c = np.einsum("tki,tki->tk", np.cross(va, vb), normals[:, None, :]) / two_area[:, None]
        d = np.cross(vb - va, normals[:, None, :]) / two_area[:, None, None]   # (m, k, 3)
        ea, eb = sa.edges[:, 0], sa.edges[:, 1]
        eu = rr[eb] - rr[ea]
        eu /= np.linalg.norm(eu, axis=1, keepdims=True)
        return cls(sa, normals, np.ascontiguousarray(np.transpose(gmat, (1, 2, 0))),
                   np.ascontiguousarray(c.T),
                   np.ascontiguousarray(np.transpose(d, (1, 0, 2)).reshape(-1, 3).T),
                   np.einsum("ti,ti->t", rr[tris[:, 0]], normals),
                   sa.sides, ea, eb, eu,
                   np.einsum("ei,ei->e", rr[ea], eu), np.einsum("ei,ei->e", rr[eb], eu),
                   _IN_PLANE_RTOL * np.ptp(rr, axis=0).max())

    def coefficients(self, points: np.ndarray) -> np.ndarray:
        """∫_T φ_k dΩ_r for centred points (p, 3) and all triangles: shape (3, m, p), in sr."""
        p, m = len(points), len(self.h0)
        dist, rv = self.sa.vertex_terms(points)                       # (n_v, p)
        h = self.h0[:, None] - self.normals @ points.T                # (m, p)
        in_plane = np.abs(h) <= self.tol
        h[in_plane] = 0.0
        omega = self.sa.omega(points, dist, rv)
        omega[in_plane] = 0.0
        # β_e = ∫_e dl/|y| = ln[(|y_b| + y_b·u)/(|y_a| + y_a·u)], per edge; when the point lies
        # behind the edge's end (y_b·u ≤ 0) the equal ratio (|y_a| − y_a·u)/(|y_b| − y_b·u)
        # avoids the cancellation. The denominator vanishes only for a point on the edge, where
        # every triangle of the edge has h = 0: it is floored so that β stays finite there.
        ru = self.eu @ points.T                                       # (n_e, p)
        pa = self.eua[:, None] - ru
        pb = self.eub[:, None] - ru
        da, db = np.take(dist, self.ea, axis=0), np.take(dist, self.eb, axis=0)
        behind = pb <= 0
        num = np.where(behind, da - pa, db + pb)
        den = np.where(behind, db - pb, da + pa)
        np.maximum(den, _TINY, out=den)
        num /= den
        beta = np.log(num, out=num)
        # φ_k(y) = [(y_{k+1}×y_{k+2})·n − y·((y_{k+2}−y_{k+1})×n)] / 2A; the in-plane part of
        # ∫ y dΩ is −h Σ_e m_e β_e (Gauss theorem in the plane of the triangle).
        hb = np.take(beta, self.edge, axis=0)                         # (e, m, p)
        hb *= h[None]
        out = (self.d_t.T @ points.T).reshape(3, m, p)
        np.subtract(self.c[:, :, None], out, out=out)
        out *= omega[None]
        # Σ_e g[k, e] hβ_e for k = 0, 1; the sides of a triangle close (Σ_k L_k m_k = 0), so
        # Σ_k g[k, e] = 0 and corner 2 receives minus the sum of the other two.
        g = self.gmat
        tmp = np.empty_like(h)
        acc = np.empty((2, m, p))
        for k in range(2):
            np.multiply(hb[0], g[k, 0][:, None], out=acc[k])
            for e in (1, 2):
                acc[k] += np.multiply(hb[e], g[k, e][:, None], out=tmp)
        out[:2] += acc
        out[2] -= acc[0]
        out[2] -= acc[1]
        return out


def linear_solid_angles(mesh: TriMesh, points) -> np.ndarray:
    """Solid-angle integrals of the linear basis functions over each triangle.

    For a field point :math:`\\mathbf r` and triangle :math:`T` with corner basis functions
    :math:`\\varphi_k` (1 at corner k, 0 at the others, linear in between):

    .. math:: \\Omega_k(\\mathbf r, T) = \\int_T \\varphi_k(\\mathbf r')\\,
              \\frac{(\\mathbf r'-\\mathbf r)\\cdot\\mathbf n}{|\\mathbf r'-\\mathbf r|^3}\\,dS',

    in closed form: with :math:`\\mathbf y_i = \\mathbf v_i - \\mathbf r`,
    :math:`h = \\mathbf y_0\\cdot\\mathbf n` and :math:`\\Omega` the van Oosterom–Strackee solid
    angle, :math:`2A\\,\\Omega_k = [(\\mathbf y_{k+1}\\times\\mathbf y_{k+2})\\cdot\\mathbf n]\\Omega
    + h\\sum_e L_k(\\mathbf m_k\\cdot\\mathbf m_e)\\beta_e`, where :math:`\\mathbf m_e` is the
    outward in-plane normal of the edge opposite corner e, :math:`L_e` its length and
    :math:`\\beta_e = \\int_e dl/|\\mathbf y|`. The three values sum to :math:`\\Omega`.
    Points in the plane of a triangle (including its own corners) get 0.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).
    points : array_like, shape (p, 3) or (3,)
        Field points in m.

    Returns
    -------
    omega_k : ndarray, shape (p, n_triangles, 3)
        Weighted solid angles in sr (positive when the triangle is seen from inside).

    References
    ----------
    de Munck JC (1992) IEEE Trans Biomed Eng 39:986; MNE-Python ``mne/bem.py::_lin_pot_coeff``
    computes the same quantity.
    """
    geo = _LinearGeometry.of(mesh)
    pts = check_points("points", points) - geo.sa.origin
    parts = map_blocks(lambda s: np.transpose(geo.coefficients(pts[s]), (2, 1, 0)),
                       block_slices(len(pts), mesh.n_triangles, _PAIRS_PER_BLOCK))
    return np.concatenate(parts, axis=0)


def _corner_to_vertex(mesh: TriMesh) -> sp.csr_matrix:
    """Sparse (n_vertices, 3·n_triangles) map summing per-corner values into vertices; the
    corners are ordered corner-major (column k·m + t is corner k of triangle t)."""
    n_corner = 3 * mesh.n_triangles
    return sp.csr_matrix((np.ones(n_corner), (mesh.triangles.T.ravel(), np.arange(n_corner))),
                         shape=(mesh.n_vertices, n_corner))


def vertex_solid_angles(mesh: TriMesh, points) -> np.ndarray:
    """Solid angles weighted by each vertex's hat function, seen from each point.

    ``C[p, j]`` is :math:`\\int_S\\psi_j\\,d\\Omega_{\\mathbf r_p}`: the coefficients of
    :func:`linear_solid_angles` summed over the triangles around vertex j. Each row sums to the
    total solid angle of the surface (4π inside a closed surface, 0 outside; 2π minus the
    curvature defect at a vertex of the surface itself, see :func:`collocation_matrix`).

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).
    points : array_like, shape (p, 3) or (3,)
        Field points in m.

    Returns
    -------
    C : ndarray, shape (p, n_vertices)
        Weighted solid angles in sr.

    References
    ----------
    de Munck (1992) IEEE Trans Biomed Eng 39:986; MNE-Python ``mne/bem.py::_fwd_bem_lin_pot_coeff``.
    """
    geo = _LinearGeometry.of(mesh)
    pts = check_points("points", points) - geo.sa.origin
    scatter = _corner_to_vertex(mesh)

    def block(s):
        coef = geo.coefficients(pts[s])                               # (3, m, p)
        return (scatter @ coef.reshape(-1, coef.shape[-1])).T

    parts = map_blocks(block, block_slices(len(pts), mesh.n_triangles, _PAIRS_PER_BLOCK))
    return np.concatenate(parts, axis=0)


def collocation_matrix(mesh: TriMesh, *, correct_auto: bool = True) -> np.ndarray:
    """The linear-collocation solid-angle matrix of a closed surface.

    ``C[i, j]`` is :math:`\\int_S \\psi_j\\,d\\Omega_{\\mathbf v_i}`, the solid angle that vertex
    i sees, weighted by the hat function :math:`\\psi_j` of vertex j. The triangles around vertex i
    lie in planes through it and contribute 0, which misses the small solid angle due to
    curvature. With ``correct_auto`` the missing amount :math:`2\\pi - \\sum_j C_{ij}` is
    restored: half on the diagonal, half shared equally by the other two corners of each
    adjacent triangle (a linear basis function integrated along rays from the vertex puts half
    the weight on the vertex itself). Every row then sums to :math:`2\\pi`, so constants solve
    the homogeneous equation, as they must.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).
    correct_auto : bool, default True
        Apply the auto-element correction.

    Returns
    -------
    C : ndarray, shape (n_vertices, n_vertices)
        Solid angles in sr.

    References
    ----------
    de Munck (1992) IEEE Trans Biomed Eng 39:986; MNE-Python ``mne/bem.py``
    (``_fwd_bem_lin_pot_coeff``, ``_correct_auto_elements``).
    """
    C = vertex_solid_angles(mesh, mesh.vertices)
    if correct_auto:
        miss = 2.0 * np.pi - C.sum(axis=1)
        n_memb = np.bincount(mesh.triangles.ravel(), minlength=mesh.n_vertices)
        C[np.diag_indices_from(C)] += 0.5 * miss
        tris = mesh.triangles
        owner = tris.ravel()                                       # corner k of triangle t
        nxt = tris[:, [1, 2, 0]].ravel()
        prv = tris[:, [2, 0, 1]].ravel()
        share = miss[owner] / (4.0 * n_memb[owner])
        np.add.at(C, (owner, nxt), share)
        np.add.at(C, (owner, prv), share)
    return C


def _quadrature_points(mesh: TriMesh, bary: np.ndarray) -> np.ndarray:
    """Quadrature points (m·n_q, 3) in m, triangle-major."""
    return np.einsum("qk,mki->mqi", bary, mesh.vertices[mesh.triangles]).reshape(-1, 3)


def _test_weights(mesh: TriMesh, bary: np.ndarray, weights: np.ndarray) -> sp.csc_matrix:
    """Sparse (n_vertices, m·n_q) map: Σ_q T[i, q] f(x_q) ≈ ∫ ψ_i f dS for the hat functions ψ_i."""
    n_q = len(weights)
    wq = (triangle_areas(mesh)[:, None] * weights[None, :]).ravel()            # (m·n_q,) m²
    vals = np.tile(bary, (mesh.n_triangles, 1)) * wq[:, None]                 # ψ_k(x_q) w_q
    rows = np.repeat(mesh.triangles, n_q, axis=0)
    cols = np.repeat(np.arange(len(wq)), 3)
    return sp.csc_matrix((vals.ravel(), (rows.ravel(), cols)),
                         shape=(mesh.n_vertices, len(wq)))


def mass_matrix(mesh: TriMesh) -> np.ndarray:
    """Consistent mass matrix of the linear hat functions on a surface.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).

    Returns
    -------
    M : ndarray, shape (n_vertices, n_vertices)
        :math:`M_{ij} = \\int_S\\psi_i\\psi_j\\,dS` in square metres (m², dense): A/6 on the diagonal and A/12
        off it per triangle of area A; each row sums to the vertex area.

    References
    ----------
    Mosher, Leahy & Lewis (1999) IEEE Trans Biomed Eng 46:245 (linear Galerkin BEM).
    """
    area = triangle_areas(mesh)
    tris = mesh.triangles
    M = np.zeros((mesh.n_vertices, mesh.n_vertices))
    local = (np.ones((3, 3)) + np.eye(3)) / 12.0                  # A/6 diagonal, A/12 off
    np.add.at(M, (np.repeat(tris, 3, axis=1), np.tile(tris, (1, 3))),
              area[:, None] * local.ravel()[None, :])
    return M


def galerkin_matrix(mesh: TriMesh, source_mesh: TriMesh | None = None) -> np.ndarray:
    """The linear-Galerkin solid-angle matrix of a closed surface, per unit vertex area.

    ``K[i, j]`` is :math:`\\frac{1}{a_i}\\int_S\\psi_i(\\mathbf r)\\int_S\\psi_j(\\mathbf r')\\,
    d\\Omega_{\\mathbf r}(\\mathbf r')\\,dS(\\mathbf r)`, with :math:`\\psi` the linear hat
    functions and :math:`a_i = \\int\\psi_i\\,dS` the vertex area: the collocation condition of
    :func:`collocation_matrix` is replaced by its average against each hat function (a Galerkin
    or weighted-residual method). The inner integral is the closed form of
    :func:`linear_solid_angles`; the outer one uses a 3-point, degree-2 rule inside each
    triangle. The test points are interior points of flat triangles, so no auto-element
    correction is needed: every row sums to exactly :math:`2\\pi`.

    With ``source_mesh`` the inner integral runs over that other surface instead (the
    off-diagonal block of a multi-surface BEM, tested on ``mesh``): for disjoint closed
    surfaces every row then sums to exactly :math:`4\\pi` when ``mesh`` lies inside
    ``source_mesh`` and to 0 when it lies outside.

    Parameters
    ----------
    mesh : TriMesh
        The test surface (vertices in m).
    source_mesh : TriMesh, optional
        The surface carrying the basis functions :math:`\\psi_j` (vertices in m); ``mesh``
        itself by default.

    Returns
    -------
    K : ndarray, shape (mesh.n_vertices, source_mesh.n_vertices)
        Area-averaged solid angles in sr.

    References
    ----------
    Mosher JC, Leahy RM, Lewis PS (1999) IEEE Trans Biomed Eng 46:245 (Galerkin linear BEM
    for MEG/EEG); Kybic J et al. (2005) IEEE Trans Med Imaging 24:12 (OpenMEEG's Galerkin
    scheme); de Munck (1992) for the inner integral.
    """
    src = mesh if source_mesh is None else source_mesh
    geo = _LinearGeometry.of(src)
    n_q = len(_GAL_W)
    pts = _quadrature_points(mesh, _GAL_BARY) - geo.sa.origin      # triangle-major, (n_q·m, 3)
    scatter = _corner_to_vertex(src)
    # weight of test point q of a triangle for its corner k: ψ_k(x_q) w_q (times the area)
    local = _GAL_BARY * _GAL_W[:, None]                              # (q, k)
    area = triangle_areas(mesh)

    def block(tri):  # a slice of test triangles: their n_q points each, all source triangles
        coef = geo.coefficients(pts[n_q * tri.start:n_q * tri.stop])  # (3, m_src, p)
        per_vertex = scatter @ coef.reshape(-1, coef.shape[-1])        # (n_v_src, p)
        rows, inv = np.unique(mesh.triangles[tri], return_inverse=True)
        weights = np.zeros((len(rows), n_q * (tri.stop - tri.start)))
        cols = np.arange(weights.shape[1]).reshape(-1, n_q)          # (t, q)
        vals = area[tri, None, None] * local[None]                    # (t, q, k)
        weights[inv.reshape(-1, 1, 3), cols[:, :, None]] = vals      # distinct corners
        return rows, weights @ per_vertex.T                           # (rows, n_v_src)

    K = np.zeros((mesh.n_vertices, src.n_vertices))
    tri_blocks = block_slices(mesh.n_triangles, n_q * src.n_triangles, _PAIRS_PER_BLOCK)
    for rows, part in map_blocks(block, tri_blocks):  # in order: bitwise reproducible
        K[rows] += part
    return K / vertex_areas(mesh)[:, None]


# ------------------------------------------------------------------------------------------
# model, potentials, fields
# ------------------------------------------------------------------------------------------
def centroid_solid_angle_matrix(mesh: TriMesh) -> np.ndarray:
    """Solid-angle matrix of constant elements collocated at the triangle centroids.

    ``W[i, j]`` is the solid angle of triangle j seen from the centroid of triangle i
    (van Oosterom & Strackee 1983), with ``W[i, i] = 0`` (a flat triangle seen from a point in
    its own plane). The centroid is a smooth point of the closed polyhedral surface, so every row
    sums to exactly :math:`2\\pi`.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).

    Returns
    -------
    W : ndarray, shape (n_triangles, n_triangles)
        Solid angles in sr.

    References
    ----------
    van Oosterom & Strackee (1983) IEEE Trans Biomed Eng 30:125; Meijs et al. (1989) IEEE Trans
    Biomed Eng 36:1038 (constant elements, centroid collocation).
    """
    W = solid_angles(mesh, triangle_centroids(mesh))
    np.fill_diagonal(W, 0.0)
    return W


def bem_model(mesh: TriMesh, sigma: float = 0.3, basis: str = "galerkin") -> BEMModel:
    """Build and solve the single-compartment BEM.

    Parameters
    ----------
    mesh : TriMesh
        Closed outward boundary of the conductor, vertices in m (e.g. an inner-skull surface).
    sigma : float, default 0.3
        Conductivity inside in S/m (MNE-Python's ``make_bem_model`` default for the brain).
        The MEG field does not depend on it; the potential scales as 1/σ.
    basis : {"galerkin", "linear", "constant"}, default "galerkin"
        ``"galerkin"``: one potential per vertex, linear elements, Galerkin testing
        (:func:`galerkin_matrix` and the consistent mass matrix). ``"linear"``: one per vertex,
        collocated at the vertices (:func:`collocation_matrix`), as MNE-Python. ``"constant"``:
        one per triangle, collocated at its centroid (:func:`centroid_solid_angle_matrix`). On
        ico-3 spheres the full-field RDM against Sarvas is ≤ 0.003 (Galerkin), ≤ 0.021
        (constant) and ≤ 0.074 (linear collocation) for eccentricities 0.1-0.9; the collocation
        schemes converge at second order, Galerkin faster. Galerkin costs the most to build
        (ico-3 ≈ 0.17 s of CPU, ico-4 about 16 times more; ``benchmarks/bench_bem.py``).

    Returns
    -------
    BEMModel
        The mesh, σ, the basis and the LU factors of the deflated system
        :math:`(M - C/2\\pi + \\mathbf 1\\mathbf w^\\top)`, with :math:`M = I` (collocation) or
        the mass matrix per vertex area (Galerkin) and :math:`w` the node areas (triangle or
        vertex areas) over the total area.

    References
    ----------
    Hämäläinen & Sarvas (1989) IEEE Trans Biomed Eng 36:165; deflation after Lynn & Timlake
    (1968) and Chan (1984); MNE-Python ``mne/bem.py::_fwd_bem_multi_solution``; Mosher et al.
    (1999) IEEE Trans Biomed Eng 46:245 and Kybic et al. (2005) IEEE Trans Med Imaging 24:12
    (Galerkin).
    """
    if not isinstance(mesh, TriMesh):
        raise ValueError(f"mesh must be a TriMesh, got {type(mesh).__name__}")
    s = float(check_positive("sigma", sigma, unit="S/m"))
    check_option("basis", basis, ("galerkin", "linear", "constant"))
    if basis == "constant":
        C, w = centroid_solid_angle_matrix(mesh), triangle_areas(mesh)
        M = np.eye(len(w))
    elif basis == "linear":
        C, w = collocation_matrix(mesh), vertex_areas(mesh)
        M = np.eye(len(w))
    else:  # "galerkin"
        C, w = galerkin_matrix(mesh), vertex_areas(mesh)
        M = mass_matrix(mesh) / w[:, None]
    A = M - C / (2.0 * np.pi) + np.outer(np.ones(len(w)), w / w.sum())
    lu, piv = la.lu_factor(A, overwrite_a=True, check_finite=False)
    lu.setflags(write=False)
    piv.setflags(write=False)
    return BEMModel(mesh=mesh, sigma=s, basis=basis, lu=lu, piv=piv)


def _solve(model: BEMModel, rhs: np.ndarray, trans: int = 0) -> np.ndarray:
    return la.lu_solve((model.lu, model.piv), rhs, trans=trans, check_finite=False)


def _check_sources(model: BEMModel, r: np.ndarray, name: str) -> None:
    inside = points_inside(model.mesh, r)
    if not inside.all():
        i = int(np.flatnonzero(~inside)[0])
        raise ValueError(f"{name} must lie inside the conductor mesh; source {i} at "
                         f"{np.round(r[i], 6).tolist()} m is outside")


def _check_sensors(model: BEMModel, r: np.ndarray, name: str) -> None:
    inside = points_inside(model.mesh, r)
    if inside.any():
        i = int(np.flatnonzero(inside)[0])
        raise ValueError(f"{name} must lie outside the conductor mesh; sensor {i} at "
                         f"{np.round(r[i], 6).tolist()} m is inside")


def _dipoles(model: BEMModel, r_dipole, q):
    r = check_points("r_dipole", r_dipole)
    qq = check_points("q", q) if np.ndim(q) == 2 else as_finite("q", q, unit="A·m")
    qq = np.broadcast_to(qq, r.shape) if qq.shape in ((3,), (1, 3)) else qq
    if qq.shape != r.shape:
        raise ValueError(f"q must have shape (3,) or {r.shape} in A·m, got {qq.shape}")
    _check_sources(model, r, "r_dipole")
    return r, np.asarray(qq, dtype=float)


def _infinite_potentials(points: np.ndarray, r_src: np.ndarray, sigma: float) -> np.ndarray:
    """Infinite-medium potentials of unit dipoles (x, y, z at each source) at ``points``:
    (n_points, 3·n_src) in V/(A·m)."""
    d = points[:, None, :] - r_src[None, :, :]                         # (n_pts, n_src, 3)
    dist = np.linalg.norm(d, axis=-1)
    return (d / (4.0 * np.pi * sigma * dist[..., None] ** 3)).reshape(len(points), -1)


def unit_dipole_potentials(points, r_sources, sigma: float = 1.0) -> np.ndarray:
    """Infinite-medium potentials of unit dipoles along x, y and z at given points.

    .. math:: V_0(\\mathbf r) = \\frac{\\mathbf e_j\\cdot(\\mathbf r-\\mathbf r_k)}
              {4\\pi\\sigma|\\mathbf r-\\mathbf r_k|^3}

    Parameters
    ----------
    points : array_like, shape (p, 3) or (3,)
        Field points in m, none at a source.
    r_sources : array_like, shape (k, 3) or (3,)
        Dipole positions in m.
    sigma : float, default 1.0
        Conductivity in S/m, > 0 (1.0 gives the conductivity-free :math:`\\sigma V_0`).

    Returns
    -------
    V0 : ndarray, shape (p, 3·k)
        Potentials in V/(A·m); column 3k+j is the unit dipole at source k along axis j.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413; vectorised
    :func:`neurocourse.meg.dipole_potential_infinite`.
    """
    pts = check_points("points", points)
    r_src = check_points("r_sources", r_sources)
    return _infinite_potentials(pts, r_src, float(check_positive("sigma", sigma, unit="S/m")))


def hat_averaged_potentials(mesh: TriMesh, r_sources, sigma: float = 1.0) -> np.ndarray:
    """Infinite-medium potentials of unit dipoles, averaged against each hat function.

    .. math:: \\bar V_{0,i} = \\frac{1}{a_i}\\int_S\\psi_i(\\mathbf r)\\,
              \\frac{\\mathbf e_j\\cdot(\\mathbf r-\\mathbf r_k)}{4\\pi\\sigma|\\mathbf r-
              \\mathbf r_k|^3}\\,dS,

    the load vector of a linear Galerkin BEM per unit vertex area :math:`a_i`, integrated with a
    7-point, degree-5 rule per triangle.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m).
    r_sources : array_like, shape (k, 3)
        Dipole positions in m, off the surface.
    sigma : float, default 1.0
        Conductivity of the medium in S/m (1.0 gives :math:`\\sigma V_0`, in V·S/m per A·m).

    Returns
    -------
    v0 : ndarray, shape (n_vertices, 3·k)
        Averaged potentials in V/(A·m); column 3k+j is the unit dipole at source k along axis j.

    References
    ----------
    Mosher, Leahy & Lewis (1999) IEEE Trans Biomed Eng 46:245; Kybic et al. (2005) IEEE Trans
    Med Imaging 24:12.
    """
    r_src = check_points("r_sources", r_sources)
    s = float(check_positive("sigma", sigma, unit="S/m"))
    v0 = _infinite_potentials(_quadrature_points(mesh, _QUAD_BARY), r_src, s)
    test = _test_weights(mesh, _QUAD_BARY, _QUAD_W)
    return (test @ v0) / vertex_areas(mesh)[:, None]


def _unit_potentials(model: BEMModel, r_src: np.ndarray) -> np.ndarray:
    """Source terms V0 of unit dipoles, (n_nodes, 3·n_src), in V/(A·m).

    The infinite-medium potential at the nodes (collocation), or its integral against each hat
    function over the vertex area (Galerkin; 7-point rule per triangle).
    """
    if model.basis == "galerkin":
        return hat_averaged_potentials(model.mesh, r_src, model.sigma)
    return _infinite_potentials(model.nodes, r_src, model.sigma)


def bem_potential(model: BEMModel, r_dipole, q) -> np.ndarray:
    """Surface potential of current dipoles, at the nodes (centroids or vertices).

    Parameters
    ----------
    model : BEMModel
        Solved model from :func:`bem_model`.
    r_dipole : array_like, shape (3,) or (k, 3)
        Dipole positions in m, inside the conductor.
    q : array_like, shape (3,) or (k, 3)
        Dipole moments in A·m (the fields of several dipoles add).

    Returns
    -------
    V : ndarray, shape (n_nodes,)
        Potential in V at ``model.nodes`` (n_triangles for the constant basis, n_vertices for
        the other two), with zero area-weighted mean over the surface (the deflation's choice;
        for a sphere this equals the potential referenced to infinity). For the Galerkin basis
        the solved coefficients are weighted averages, accurate in integrals such as the field
        but not point by point under a shallow source; the values returned are therefore
        evaluated at the vertices from the integral equation itself (Nyström interpolation,
        :math:`V_i = 2V_0(\\mathbf v_i) + \\sum_j C_{ij}V_j/2\\pi` with the collocation matrix
        :math:`C` of :func:`collocation_matrix`); their mean is then zero to discretisation
        accuracy.

    References
    ----------
    Geselowitz (1967) Biophys J 7:1; Hämäläinen & Sarvas (1989) IEEE Trans Biomed Eng 36:165;
    Atkinson KE (1997) The Numerical Solution of Integral Equations of the Second Kind, ch. 4
    (Nyström interpolation).
    """
    r, qq = _dipoles(model, r_dipole, q)
    V = _solve(model, 2.0 * (_unit_potentials(model, r) @ qq.ravel()))
    if model.basis != "galerkin":
        return V
    v0 = _infinite_potentials(model.mesh.vertices, r, model.sigma) @ qq.ravel()
    return 2.0 * v0 + collocation_matrix(model.mesh) @ V / (2.0 * np.pi)


def _field_kernel(model: BEMModel, r_sens: np.ndarray) -> np.ndarray:
    """Map from node potentials (V) to the volume-current field (T): (n_sens, 3, n_nodes)."""
    out = geselowitz_kernel(model.mesh, r_sens, linear=model.basis != "constant")
    return MU0_OVER_4PI * model.sigma * out


def geselowitz_kernel(mesh: TriMesh, r_sensors, *, linear: bool = True) -> np.ndarray:
    """Surface integrals of the Geselowitz formula for each potential basis function.

    .. math:: \\mathbf k_l(\\mathbf r) = \\int_S\\psi_l(\\mathbf r')\\,
              \\frac{(\\mathbf r-\\mathbf r')\\times\\mathbf n(\\mathbf r')}
              {|\\mathbf r-\\mathbf r'|^3}\\,dS',

    with a 7-point, degree-5 rule per triangle; the volume-current field of node potentials
    :math:`V_l` (V) on a surface with conductivity jump :math:`\\sigma^- - \\sigma^+` (S/m) is
    :math:`\\mathbf B = \\frac{\\mu_0}{4\\pi}(\\sigma^- - \\sigma^+)\\sum_l V_l\\mathbf k_l`.

    Parameters
    ----------
    mesh : TriMesh
        The surface (vertices in m, outward triangles).
    r_sensors : array_like, shape (n, 3) or (3,)
        Field points in m, off the surface.
    linear : bool, default True
        Linear hat functions at the vertices (True) or constant functions on the triangles.

    Returns
    -------
    k : ndarray, shape (n, 3, n_vertices) or (n, 3, n_triangles)
        Dimensionless (sr-like) integrals, one vector per basis function.

    References
    ----------
    Geselowitz DB (1970) IEEE Trans Magn 6:346; MNE-Python ``_do_lin_field_coeff`` (same sign:
    :math:`(\\mathbf r-\\mathbf r')\\times\\mathbf n'`).
    """
    r_sens = check_points("r_sensors", r_sensors)
    normals = triangle_normals(mesh)
    n_q, m = len(_QUAD_W), mesh.n_triangles
    qpts = _quadrature_points(mesh, _QUAD_BARY).reshape(m, n_q, 3)
    wts = triangle_areas(mesh)[:, None] * _QUAD_W[None, :]            # (m, n_q) in m²
    # weights of each quadrature point for the corners (linear) or the triangle (constant)
    basis = _QUAD_BARY if linear else np.ones((n_q, 1))
    scatter = _corner_to_vertex(mesh) if linear else None
    n_nodes = mesh.n_vertices if linear else m

    def block(sl):  # one component at a time: (s, m, n_q) arrays, no (…, 3) strides
        rs = r_sens[sl]
        d = [rs[:, c, None, None] - qpts[None, :, :, c] for c in range(3)]
        inv3 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
        inv3 = wts / (inv3 * np.sqrt(inv3))                            # w / |d|³
        res = np.empty((len(rs), 3, basis.shape[1], m))
        for c in range(3):  # ((r − r') × n)_c = d_{c+1} n_{c+2} − d_{c+2} n_{c+1}
            c1, c2 = (c + 1) % 3, (c + 2) % 3
            kern = d[c1] * normals[:, c2, None] - d[c2] * normals[:, c1, None]
            kern *= inv3
            res[:, c] = np.swapaxes(kern @ basis, 1, 2)                # (s, k, m)
        if not linear:
            return res[:, :, 0]
        return (scatter @ res.reshape(-1, 3 * m).T).T.reshape(-1, 3, n_nodes)

    sens_blocks = block_slices(len(r_sens), n_q * m, _PAIRS_PER_BLOCK)
    return np.concatenate(map_blocks(block, sens_blocks), axis=0)


def primary_field_kernel(r_sources, r_sensors) -> np.ndarray:
    """Biot–Savart (primary-current) field of unit dipoles along x, y and z.

    .. math:: \\mathbf B_0 = \\frac{\\mu_0}{4\\pi}\\,\\frac{\\mathbf e_j\\times
              (\\mathbf r-\\mathbf r_k)}{|\\mathbf r-\\mathbf r_k|^3}

    Parameters
    ----------
    r_sources : array_like, shape (k, 3) or (3,)
        Dipole positions in m.
    r_sensors : array_like, shape (n, 3) or (3,)
        Field points in m, none at a source.

    Returns
    -------
    B0 : ndarray, shape (n, 3, k, 3)
        Field in T/(A·m): ``B0[s, c, k, j]`` is component c at sensor s of the unit dipole at
        source k along axis j.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, eq. (13); vectorised
    :func:`neurocourse.meg.dipole_field_infinite`.
    """
    r_src = check_points("r_sources", r_sources)
    r_sens = check_points("r_sensors", r_sensors)
    d = r_sens[:, None, :] - r_src[None, :, :]                        # (s, k, 3)
    dist3 = np.linalg.norm(d, axis=-1) ** 3
    eye = np.eye(3)
    # e_j × d for each axis j, component c
    cr = np.cross(eye[None, None, :, :], d[:, :, None, :])           # (s, k, j, c)
    return MU0_OVER_4PI * np.transpose(cr / dist3[..., None, None], (0, 3, 1, 2))


def bem_field(model: BEMModel, r_dipole, q, r_sensors) -> np.ndarray:
    """Magnetic field outside the conductor of current dipoles (Geselowitz formula).

    Parameters
    ----------
    model : BEMModel
        Solved model from :func:`bem_model`.
    r_dipole : array_like, shape (3,) or (k, 3)
        Dipole positions in m, inside the conductor.
    q : array_like, shape (3,) or (k, 3)
        Dipole moments in A·m; several dipoles superpose.
    r_sensors : array_like, shape (n, 3) or (3,)
        Field points in m, outside the conductor.

    Returns
    -------
    B : ndarray, shape (n, 3)
        Magnetic flux density in T: primary plus volume-current field.

    Raises
    ------
    ValueError
        If a dipole lies outside the mesh or a sensor inside it.

    References
    ----------
    Geselowitz DB (1970) IEEE Trans Magn 6:346; sign convention as MNE-Python
    ``_do_lin_field_coeff`` (:math:`(\\mathbf r-\\mathbf r')\\times\\mathbf n'`).
    """
    r, qq = _dipoles(model, r_dipole, q)
    rs = check_points("r_sensors", r_sensors)
    _check_sensors(model, rs, "r_sensors")
    V = _solve(model, 2.0 * (_unit_potentials(model, r) @ qq.ravel()))
    b0 = np.einsum("sckj,kj->sc", primary_field_kernel(r, rs), qq)
    return b0 + np.einsum("scv,v->sc", _field_kernel(model, rs), V)


def bem_lead_field(model: BEMModel, r_sources, r_sensors, normals) -> np.ndarray:
    """BEM lead field for point magnetometers, in MNE's free-orientation column order.

    Parameters
    ----------
    model : BEMModel
        Solved model from :func:`bem_model`.
    r_sources : array_like, shape (k, 3) or (3,)
        Source positions in m, inside the conductor.
    r_sensors : array_like, shape (n, 3) or (3,)
        Magnetometer positions in m, outside the conductor.
    normals : array_like, shape (n, 3) or (3,)
        Sensing directions (normalised here; dimensionless).

    Returns
    -------
    G : ndarray, shape (n, 3·k)
        Lead field in T/(A·m); column 3k+j is :math:`\\mathbf B\\cdot\\mathbf n` at each sensor for
        a unit dipole at source k along axis j (x, y, z), as
        :func:`neurocourse.meg.lead_field`.

    References
    ----------
    Hämäläinen & Sarvas (1989) IEEE Trans Biomed Eng 36:165; MNE-Python
    ``make_forward_solution`` column layout.
    """
    r = check_points("r_sources", r_sources)
    _check_sources(model, r, "r_sources")
    rs = check_points("r_sensors", r_sensors)
    _check_sensors(model, rs, "r_sensors")
    nn = check_points("normals", normals)
    if nn.shape != rs.shape:
        raise ValueError(f"normals must have the shape of r_sensors {rs.shape}, got {nn.shape}")
    nlen = np.linalg.norm(nn, axis=1)
    if np.any(nlen == 0):
        raise ValueError(f"normals must be non-zero vectors, got a zero normal at sensor "
                         f"{int(np.flatnonzero(nlen == 0)[0])}")
    nn = nn / nlen[:, None]
    g0 = np.einsum("sckj,sc->skj", primary_field_kernel(r, rs), nn).reshape(len(rs), -1)
    kern = np.einsum("scv,sc->sv", _field_kernel(model, rs), nn)
    transfer = _solve(model, kern.T, trans=1).T                       # kern @ A⁻¹
    return g0 + transfer @ (2.0 * _unit_potentials(model, r))


# ------------------------------------------------------------------------------------------
# accuracy metrics and demonstrations
# ------------------------------------------------------------------------------------------
def rdm(numerical, analytic) -> float:
    """Relative difference measure of two field (or potential) vectors (Meijs et al. 1989).

    .. math:: \\mathrm{RDM} = \\left\\|\\frac{g}{\\|g\\|} - \\frac{a}{\\|a\\|}\\right\\|_2

    Parameters
    ----------
    numerical, analytic : array_like
        The two fields, any equal shape (flattened), same unit (e.g. T).

    Returns
    -------
    float
        Dimensionless, in [0, 2]; 0 for identical topographies.

    References
    ----------
    Meijs JWH, Weier OW, Peters MJ, van Oosterom A (1989) IEEE Trans Biomed Eng 36:1038.
    """
    g = as_finite("numerical", numerical).ravel()
    a = as_finite("analytic", analytic).ravel()
    if g.shape != a.shape:
        raise ValueError(f"numerical and analytic must have the same size, got {g.size} and "
                         f"{a.size}")
    return float(np.linalg.norm(g / np.linalg.norm(g) - a / np.linalg.norm(a)))


def mag_ratio(numerical, analytic) -> float:
    """Magnitude ratio MAG = ||g|| / ||a|| of two fields (Meijs et al. 1989).

    Parameters
    ----------
    numerical, analytic : array_like
        The two fields, same unit.

    Returns
    -------
    float
        Dimensionless; 1 for equal magnitudes.

    References
    ----------
    Meijs et al. (1989) IEEE Trans Biomed Eng 36:1038.
    """
    return float(np.linalg.norm(as_finite("numerical", numerical))
                 / np.linalg.norm(as_finite("analytic", analytic)))


def _sensor_shell(radius: float) -> np.ndarray:
    """162 field points on a sphere (ico-2 vertices), m."""
    return icosphere(2, radius).vertices


def sphere_accuracy(order: int = 3, eccentricities=(0.1, 0.3, 0.5, 0.7, 0.8, 0.9),
                    radius: float = 0.09, sensor_radius: float = 0.12,
                    model: BEMModel | None = None, components: str = "full",
                    orientation: str = "tangential"):
    """RDM and MAG of the BEM field against Sarvas' sphere formula, vs source eccentricity.

    For each eccentricity e a dipole of 1 A·m is placed at :math:`e R\\,\\hat{\\mathbf u}` with
    :math:`\\hat{\\mathbf u} = (0, 1, 2)/\\sqrt5` (a direction that is not a mesh vertex),
    pointing along x (tangential) or along :math:`(\\hat{\\mathbf x} + \\hat{\\mathbf u})/\\sqrt2`
    (oblique, 45° from the radius: its radial half is silent, so the BEM must cancel it), and the
    field is compared at 162 points on a sphere of radius
    ``sensor_radius``: all three components (``"full"``, which includes the tangential field of
    the volume currents) or only the radial one (``"radial"``, radial magnetometers as in
    OpenMEEG's acceptance test; on a sphere the volume currents add nothing to it).

    Parameters
    ----------
    order : int, default 3
        Icosphere order of the mesh (ignored if ``model`` is given).
    eccentricities : array_like, default (0.1, 0.3, 0.5, 0.7, 0.8, 0.9)
        Source distance from the centre as a fraction of ``radius``, each in [0, 0.99].
    radius : float, default 0.09
        Sphere radius in m.
    sensor_radius : float, default 0.12
        Radius of the sensor shell in m (> ``radius``).
    model : BEMModel, optional
        A pre-built model of the sphere (centre at the origin, radius ``radius``).
    components : {"full", "radial"}, default "full"
        Which field components enter the comparison.
    orientation : {"tangential", "oblique"}, default "tangential"
        Dipole direction.

    Returns
    -------
    rdm, mag : ndarray, shape (n_eccentricities,)
        Relative difference measure and magnitude ratio (dimensionless).

    References
    ----------
    Meijs et al. (1989) IEEE Trans Biomed Eng 36:1038; Sarvas (1987) Phys Med Biol 32:11.
    """
    ecc = np.atleast_1d(check_range("eccentricities", eccentricities, 0.0, 0.99))
    R = float(check_positive("radius", radius, unit="m"))
    Rs = float(check_range("sensor_radius", sensor_radius, R, None, low_inclusive=False,
                           unit="m"))
    if model is None:
        model = bem_model(icosphere(order, R))
    u = np.array([0.0, 1.0, 2.0]) / np.sqrt(5.0)
    q = np.array([1.0, 0.0, 0.0])                                      # ⟂ u: tangential
    if check_option("orientation", orientation, ("tangential", "oblique")) == "oblique":
        q = (q + u) / np.sqrt(2.0)
    check_option("components", components, ("full", "radial"))
    sens = _sensor_shell(Rs)
    srcs = ecc[:, None] * R * u[None, :]
    if components == "full":
        pos, nrm = np.repeat(sens, 3, axis=0), np.tile(np.eye(3), (len(sens), 1))
    else:
        pos, nrm = sens, sens / Rs
    G = bem_lead_field(model, srcs, pos, nrm)
    rd, mg = np.empty(len(ecc)), np.empty(len(ecc))
    for i, r0 in enumerate(srcs):  # a handful of sources: the loop is over a short table
        num = G[:, 3 * i:3 * i + 3] @ q
        ana = np.einsum("pi,pi->p", sarvas_field(r0, q, pos), nrm)
        rd[i], mg[i] = rdm(num, ana), mag_ratio(num, ana)
    return rd, mg


def radial_leakage(asphericity, order: int = 3, radius: float = 0.09,
                   eccentricity: float = 0.7, sensor_radius: float = 0.13):
    """Field of a radial dipole relative to a tangential one in an ellipsoidal conductor.

    The conductor is the ellipsoid with semi-axes :math:`R(1+\\epsilon)`, :math:`R`,
    :math:`R(1-\\epsilon)` (ε = ``asphericity``); ε = 0 is a sphere, where a radial dipole is
    silent. Dipoles sit at :math:`eR\\hat{\\mathbf u}`, :math:`\\hat{\\mathbf u} = (1, 1, 1)/\\sqrt3`
    (off every symmetry axis); the radial one points along :math:`\\hat{\\mathbf u}`, the
    tangential one along :math:`(1, -1, 0)/\\sqrt2`. Fields are compared at 162 points on a sphere
    of radius ``sensor_radius``.

    Parameters
    ----------
    asphericity : float or array_like
        ε, dimensionless, each in [0, 0.3].
    order : int, default 3
        Icosphere order of the ellipsoid mesh.
    radius : float, default 0.09
        R in m.
    eccentricity : float, default 0.7
        e, source distance as a fraction of R, in [0, 0.9].
    sensor_radius : float, default 0.13
        Sensor-shell radius in m; must exceed R(1+ε).

    Returns
    -------
    ratio : ndarray, shape like ``asphericity``
        :math:`\\|\\mathbf B_{radial}\\| / \\|\\mathbf B_{tangential}\\|` over all sensors and
        components (dimensionless).

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. III.B (silence of radial sources in a
    sphere and its loss in realistic heads).
    """
    eps = as_finite("asphericity", asphericity)
    check_range("asphericity", eps, 0.0, 0.3)
    R = float(check_positive("radius", radius, unit="m"))
    e = float(check_range("eccentricity", eccentricity, 0.0, 0.9))
    sens = _sensor_shell(float(check_positive("sensor_radius", sensor_radius, unit="m")))
    u = np.ones(3) / np.sqrt(3.0)
    t = np.array([1.0, -1.0, 0.0]) / np.sqrt(2.0)
    out = np.empty(eps.size)
    for i, ei in enumerate(eps.ravel()):  # one BEM solve per shape: a short parameter sweep
        model = bem_model(ellipsoid(order, (R * (1 + ei), R, R * (1 - ei))))
        b_rad = bem_field(model, e * R * u, u, sens)
        b_tan = bem_field(model, e * R * u, t, sens)
        out[i] = np.linalg.norm(b_rad) / np.linalg.norm(b_tan)
    return out.reshape(eps.shape)


def radial_tangential_maps(asphericity=0.15, eccentricity=0.7, order: int = 2,
                           radius: float = 0.09, sensor_radius: float = 0.13,
                           moment: float = 10e-9):
    """Radial-magnetometer readings for a radial and a tangential dipole in an ellipsoid.

    The conductor is the ellipsoid with semi-axes :math:`R(1+\\epsilon)`, :math:`R`,
    :math:`R(1-\\epsilon)` (ε = ``asphericity``), meshed from an icosphere of ``order``; both
    dipoles sit at :math:`eR\\hat{\\mathbf u}`, :math:`\\hat{\\mathbf u} = (1, 1, 1)/\\sqrt3`,
    the radial one along :math:`\\hat{\\mathbf u}`, the tangential one along
    :math:`(1, -1, 0)/\\sqrt2` (the geometry of :func:`radial_leakage`). The sensors are radial
    magnetometers at the upper-half (z > 0) vertices of an ico-3 sphere of radius
    ``sensor_radius``; the fields come from :func:`bem_lead_field`.

    Parameters
    ----------
    asphericity : float, default 0.15
        ε, dimensionless, in [0, 0.3] (0 is a sphere).
    eccentricity : float, default 0.7
        Source distance from the centre as a fraction of R, in [0, 0.9].
    order : int, default 2
        Icosphere order of the ellipsoid mesh.
    radius : float, default 0.09
        R in m, > 0.
    sensor_radius : float, default 0.13
        Radius of the sensor shell in m; must exceed R(1+ε).
    moment : float, default 10e-9
        Strength of each dipole in A·m, > 0 (10 nA·m).

    Returns
    -------
    sensors : ndarray, shape (n, 3)
        Sensor positions in m (upper half of the sensor sphere).
    b_radial, b_tangential : ndarray, shape (n,)
        Radial field component in T for the radial and the tangential dipole.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. III.B (silence of radial sources in a
    sphere and its loss in realistic heads); Sarvas (1987) Phys Med Biol 32:11.
    """
    eps = float(check_range("asphericity", asphericity, 0.0, 0.3))
    e = float(check_range("eccentricity", eccentricity, 0.0, 0.9))
    R = float(check_positive("radius", radius, unit="m"))
    Rs = float(check_range("sensor_radius", sensor_radius, R * (1 + eps), None,
                           low_inclusive=False, unit="m"))
    q = float(check_positive("moment", moment, unit="A·m"))
    model = bem_model(ellipsoid(order, (R * (1 + eps), R, R * (1 - eps))))
    shell = icosphere(3, Rs).vertices
    sensors = shell[shell[:, 2] > 0]
    u = np.ones(3) / np.sqrt(3)
    t = np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
    G = bem_lead_field(model, e * R * u, sensors, sensors / Rs)
    return sensors, q * (G @ u), q * (G @ t)
