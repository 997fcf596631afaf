"""Nested-surface (three-layer) boundary-element method for EEG and MEG.

The head is a set of nested compartments bounded by closed outward meshes
:math:`S_1\\subset S_2\\subset\\dots\\subset S_N` (brain, skull, scalp), with conductivities
:math:`\\sigma_1, \\dots, \\sigma_N` inside them and 0 outside the last one; the sources lie in the
innermost compartment. The steps follow Hämäläinen & Sarvas (1989) and extend the single-shell
solver :mod:`neurocourse.meg.bem` (same elements, quadratures and sign conventions):

1. **Potential integral equations** (Geselowitz 1967), for :math:`\\mathbf r` on :math:`S_k`, with
   :math:`\\sigma_k^-`, :math:`\\sigma_k^+` the conductivities inside and outside :math:`S_k` and
   solid angles positive when a surface is seen from inside:

   .. math:: \\frac{\\sigma_k^- + \\sigma_k^+}{2}V(\\mathbf r) = \\sigma_1V_0(\\mathbf r)
             + \\frac{1}{4\\pi}\\sum_j(\\sigma_j^- - \\sigma_j^+)\\int_{S_j}V\\,d\\Omega_{\\mathbf r}.

2. **Linear Galerkin** discretisation: piecewise-linear potentials with one unknown per vertex,
   each equation averaged against the hat functions of its surface
   (:func:`neurocourse.meg.bem.galerkin_matrix` for every pair of surfaces, the mass matrix on the
   diagonal); constants on all surfaces solve the homogeneous system, and the deflation
   :math:`+\\mathbf 1\\mathbf w^\\top` (scalp vertex areas) selects a zero-mean scalp potential.
3. **Isolated-problem approach** (``isolated=True``): with a poorly conducting skull the
   potential on :math:`S_1` is almost that of the brain alone in an insulator, and the small
   part that leaks through the skull is swamped by the discretisation error of the large part
   (it is amplified by :math:`\\sigma_1/\\sigma_2`). The isolated solution :math:`V^0`
   (:math:`\\sigma_2 = 0`: the single-shell equation on :math:`S_1`) is therefore computed first
   and only the correction :math:`V - V^0` is solved for, whose right-hand side is proportional
   to :math:`\\sigma_2`:

   .. math:: \\frac{\\sigma_1+\\sigma_2}{2}W_1 = -\\frac{\\sigma_2}{2}V^0 - \\frac{\\sigma_2}{4\\pi}
             \\int_{S_1}V^0d\\Omega + \\dots,\\qquad
             \\frac{\\sigma_k^-+\\sigma_k^+}{2}V_k = -\\frac{\\sigma_2}{4\\pi}\\int_{S_1}V^0d\\Omega
             + \\dots\\ (k\\ge2),

   where the dots are the same surface integrals as in step 1 (with :math:`W_1` on
   :math:`S_1`), and :math:`V_1 = V^0 + W_1`. The source term outside :math:`S_1` cancels
   exactly because the isolated potential vanishes outside its insulated compartment.
4. **Outputs**. EEG: the Galerkin coefficients are weighted averages, accurate in integrals but
   smoothed point by point, so the scalp potentials at the vertices are evaluated from the
   integral equation of step 1 itself (Nyström interpolation, with the vertex-collocation
   solid angles of :func:`neurocourse.meg.bem.collocation_matrix` and
   :func:`neurocourse.meg.bem.vertex_solid_angles`; with the isolated approach its source term
   is :math:`-\\frac{\\sigma_1}{4\\pi}\\int_{S_1}V^0d\\Omega`, which equals
   :math:`\\sigma_1V_0` outside :math:`S_1`), then interpolated linearly at the electrodes,
   projected onto the scalp, and average-referenced. On ico-2 spheres this cuts the RDM
   fourfold. MEG: the Geselowitz formula summed over all surfaces,

   .. math:: \\mathbf B = \\mathbf B_0 + \\frac{\\mu_0}{4\\pi}\\sum_j(\\sigma_j^- - \\sigma_j^+)
             \\int_{S_j}V\\,\\frac{(\\mathbf r-\\mathbf r')\\times\\mathbf n'}
             {|\\mathbf r-\\mathbf r'|^3}\\,dS'.

References
----------
Geselowitz DB (1967) Biophys J 7:1; (1970) IEEE Trans Magn 6:346. Hämäläinen MS, Sarvas J (1989)
IEEE Trans Biomed Eng 36:165 (isolated-problem approach). Meijs JWH et al. (1989) IEEE Trans
Biomed Eng 36:1038. Mosher JC, Leahy RM, Lewis PS (1999) IEEE Trans Biomed Eng 46:245 (Galerkin).
Stenroos M, Sarvas J (2012) Phys Med Biol 57:3517. MNE-Python ``mne/bem.py``
(``_fwd_bem_multi_solution``, ``_fwd_bem_ip_modify_solution``, ``_add_gamma_multipliers``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from neurocourse._validation import (
    as_finite,
    check_option,
    check_points,
    check_positive,
    check_range,
    check_shape,
)
from neurocourse.meg.bem import (
    collocation_matrix,
    galerkin_matrix,
    geselowitz_kernel,
    hat_averaged_potentials,
    mass_matrix,
    primary_field_kernel,
    unit_dipole_potentials,
    vertex_solid_angles,
)
from neurocourse.meg.fields import MU0_OVER_4PI
from neurocourse.meg.mesh import (
    TriMesh,
    icosphere,
    nearest_surface_points,
    points_inside,
    vertex_areas,
)

__all__ = [
    "MultiLayerBEM",
    "bem_eeg_lead_field",
    "bem_meg_lead_field",
    "concentric_meshes",
    "make_multilayer_bem",
    "multilayer_sphere_accuracy",
]

# Sources per block when the source terms are formed: bounds the memory of the
# (quadrature points × 3·sources) infinite-medium potentials to a few tens of MB.
_SOURCES_PER_BLOCK = 200
# An electrode may lie at most this far (m) from the scalp mesh; it is then projected onto it.
# 5 mm covers electrodes given on the true sphere of an ico-2 or finer mesh (an inscribed ico-2
# of 0.1 m lies up to 1.7 mm inside its sphere, ico-3 0.4 mm; ico-1 6.6 mm needs more) while
# rejecting an electrode clearly off the head.
_MAX_ELECTRODE_DISTANCE = 0.005


@dataclass(frozen=True, eq=False)
class MultiLayerBEM:
    """A solved nested-surface BEM: meshes, conductivities and the solution operator.

    Attributes
    ----------
    meshes : tuple of TriMesh
        Nested closed outward surfaces, inner → outer (vertices in m).
    sigmas : tuple of float
        Conductivity inside each surface and outside the previous one, in S/m.
    isolated : bool
        Whether the isolated-problem approach was used.
    offsets : ndarray of int, shape (n_layers + 1,)
        The vertex potentials of surface k are rows ``offsets[k]:offsets[k+1]`` of the stacked
        unknown vector.
    solution : ndarray, shape (offsets[-1], n_load)
        Linear map from the source loads to all vertex potentials: V (V) =
        ``solution @ v`` with ``v`` the hat-averaged, conductivity-free infinite-medium
        potentials :math:`\\mathbf Q\\cdot\\mathbf d/4\\pi d^3` (V·S/m) of
        :func:`neurocourse.meg.bem.hat_averaged_potentials` on the innermost surface
        (isolated approach, ``n_load`` = its vertex count) or on all surfaces stacked (otherwise,
        ``n_load = offsets[-1]``). It is :math:`A^{-1}` of the deflated Galerkin system times the
        source factors (and, for the isolated approach, the isolated solve and the correction).
    scalp_solution : ndarray, shape (n_scalp_vertices, n_load)
        Nyström map from the same loads to the potentials (V) at the vertices of the outermost
        surface. Without the isolated approach the direct term
        :math:`2\\sigma_1V_0/\\sigma_N` at the vertices is added to it by
        :func:`bem_eeg_lead_field`.
    """

    meshes: tuple
    sigmas: tuple
    isolated: bool
    offsets: np.ndarray
    solution: np.ndarray
    scalp_solution: np.ndarray

    @property
    def n_layers(self) -> int:
        """Number of surfaces."""
        return len(self.meshes)

    def __repr__(self) -> str:
        verts = "+".join(str(m.n_vertices) for m in self.meshes)
        sig = ", ".join(f"{x:.4g}" for x in self.sigmas)
        return (f"MultiLayerBEM({self.n_layers} layers, {verts} vertices, sigmas=({sig}) S/m, "
                f"isolated={self.isolated})")

    def surface_rows(self, k: int) -> slice:
        """Rows of surface ``k`` (0 = innermost) in :attr:`solution`."""
        return slice(int(self.offsets[k]), int(self.offsets[k + 1]))


def concentric_meshes(radii, level: int = 3, center=(0.0, 0.0, 0.0)) -> tuple:
    """Concentric icospheres for a spherical multi-layer head, inner → outer.

    Parameters
    ----------
    radii : array_like, shape (n,)
        Sphere radii in m, strictly increasing (e.g. brain, skull, scalp:
        (0.087, 0.092, 0.1)).
    level : int, default 3
        Icosphere order of every mesh, 0...6 (ico-3: 642 vertices per surface).
    center : array_like, shape (3,), default (0, 0, 0)
        Common centre in m.

    Returns
    -------
    meshes : tuple of TriMesh
        One :func:`neurocourse.meg.mesh.icosphere` per radius. All share the same angular
        vertex positions (the vertices lie on common rays from the centre).

    References
    ----------
    Meijs et al. (1989) IEEE Trans Biomed Eng 36:1038 and Gramfort et al. (2010) BioMed Eng
    OnLine 9:45 (concentric test spheres for BEM accuracy).
    """
    r = np.atleast_1d(check_positive("radii", radii, unit="m"))
    if r.ndim != 1:
        raise ValueError(f"radii must be a 1-D sequence of radii in m, got shape {r.shape}")
    if np.any(np.diff(r) <= 0):
        raise ValueError(f"radii must be strictly increasing (inner → outer) in m, got "
                         f"{r.tolist()}")
    return tuple(icosphere(level, float(ri), center) for ri in r)


def _check_meshes(meshes) -> tuple:
    if isinstance(meshes, TriMesh):
        meshes = (meshes,)
    try:
        meshes = tuple(meshes)
    except TypeError:
        raise ValueError(f"meshes must be a sequence of TriMesh (inner → outer), got "
                         f"{type(meshes).__name__}") from None
    if not meshes or not all(isinstance(m, TriMesh) for m in meshes):
        raise ValueError("meshes must be a non-empty sequence of TriMesh (inner → outer)")
    for k in range(len(meshes) - 1):
        inner, outer = meshes[k], meshes[k + 1]
        out = ~points_inside(outer, inner.vertices)
        if out.any():
            i = int(np.flatnonzero(out)[0])
            raise ValueError(f"meshes must be nested (each strictly inside the next); vertex {i} "
                             f"of mesh {k} lies outside mesh {k + 1}")
        ins = points_inside(inner, outer.vertices)
        if ins.any():
            i = int(np.flatnonzero(ins)[0])
            raise ValueError(f"meshes must be nested (each strictly inside the next); vertex {i} "
                             f"of mesh {k + 1} lies inside mesh {k}")
    return meshes


def make_multilayer_bem(meshes, sigmas, *, isolated: bool = True) -> MultiLayerBEM:
    """Build and solve the linear-Galerkin BEM of nested compartments.

    Parameters
    ----------
    meshes : sequence of TriMesh
        Closed outward surfaces, inner → outer (e.g. inner skull, outer skull, scalp from
        :func:`concentric_meshes`), vertices in m. Each must lie strictly inside the next.
    sigmas : array_like, shape (n_layers,)
        Conductivities in S/m, > 0: ``sigmas[k]`` fills the space between surface k−1 and
        surface k (the first one the brain, where the sources are). The classic three-shell
        values are (0.33, 0.33/80, 0.33) (Rush & Driscoll 1968); MNE-Python's BEM default is
        (0.3, 0.006, 0.3).
    isolated : bool, default True
        Use the isolated-problem approach of Hämäläinen & Sarvas (1989), which keeps a 1:80
        skull accurate (see the module notes). It changes nothing for one layer.

    Returns
    -------
    MultiLayerBEM
        The meshes, conductivities and the solution operator.

    Raises
    ------
    ValueError
        If the meshes are not nested, the lengths differ, or a conductivity is not > 0.

    Notes
    -----
    The system has one unknown per vertex of every surface; row k is divided by
    :math:`(\\sigma_k^-+\\sigma_k^+)/2`, so its blocks are :math:`M_k/a - \\gamma_{kj}K_{kj}/2\\pi`
    with :math:`\\gamma_{kj} = (\\sigma_j^- - \\sigma_j^+)/(\\sigma_k^- + \\sigma_k^+)` (MNE's
    "gamma" multipliers) and the source factor :math:`2/(\\sigma_k^- + \\sigma_k^+)`. Building
    three ico-3 surfaces (1926 unknowns) takes about 7 s of CPU, ico-2 about 1 s; OpenMEEG's
    symmetric BEM takes about 8 times longer on the same meshes
    (``benchmarks/bench_bem_multilayer.py``).

    References
    ----------
    Hämäläinen & Sarvas (1989) IEEE Trans Biomed Eng 36:165; Mosher, Leahy & Lewis (1999) IEEE
    Trans Biomed Eng 46:245; MNE-Python ``mne/bem.py::_fwd_bem_multi_solution`` and
    ``_fwd_bem_ip_modify_solution``.
    """
    meshes = _check_meshes(meshes)
    sig = np.atleast_1d(check_positive("sigmas", sigmas, unit="S/m")).astype(float)
    if sig.shape != (len(meshes),):
        raise ValueError(f"sigmas must hold one conductivity (S/m) per mesh, i.e. shape "
                         f"({len(meshes)},), got shape {sig.shape}")
    if not isinstance(isolated, bool | np.bool_):
        raise ValueError(f"isolated must be True or False, got {isolated!r}")
    n = len(meshes)
    s_in, s_out = sig, np.append(sig[1:], 0.0)
    s_sum = s_in + s_out                                         # σ⁻ + σ⁺ of each surface
    offsets = np.concatenate([[0], np.cumsum([m.n_vertices for m in meshes])]).astype(np.int64)
    rows = [slice(int(offsets[k]), int(offsets[k + 1])) for k in range(n)]
    areas = [vertex_areas(m) for m in meshes]
    mass = [mass_matrix(m) / a[:, None] for m, a in zip(meshes, areas, strict=True)]
    A = np.zeros((offsets[-1], offsets[-1]))
    first_col = {}                                               # K_k1, kept for the IP approach
    for k in range(n):
        for j in range(n):
            K = galerkin_matrix(meshes[k], None if j == k else meshes[j])
            if j == 0:
                first_col[k] = K
            A[rows[k], rows[j]] = -((s_in[j] - s_out[j]) / s_sum[k]) * K / (2.0 * np.pi)
        A[rows[k], rows[k]] += mass[k]
    w = np.zeros(offsets[-1])
    w[rows[-1]] = areas[-1] / areas[-1].sum()
    A += np.outer(np.ones(offsets[-1]), w)                       # deflation: zero-mean scalp
    lu = la.lu_factor(A, overwrite_a=True, check_finite=False)
    # Nyström rows at the scalp vertices: (σ_N/2) V = (source) + Σ_j (σ_j⁻ − σ_j⁺)/4π C_Nj V_j
    scalp = meshes[-1]
    coll = [vertex_solid_angles(m, scalp.vertices) for m in meshes[:-1]]
    coll.append(collocation_matrix(scalp))
    if isolated and n > 1:
        # Isolated problem on S1 (σ2 = 0): (M − K11/2π + 1w1ᵀ) V⁰ = 2 v/σ1.
        K11, a1 = first_col[0], areas[0]
        A1 = mass[0] - K11 / (2.0 * np.pi) + np.outer(np.ones(len(a1)), a1 / a1.sum())
        iso = la.solve(A1, np.eye(len(a1)) * (2.0 / s_in[0]), check_finite=False)  # V⁰ = iso v
        Z = np.vstack([-s_in[1] / s_sum[0] * (mass[0] + K11 / (2.0 * np.pi))]
                      + [-s_in[1] / s_sum[k] * first_col[k] / (2.0 * np.pi)
                         for k in range(1, n)])
        solution = la.lu_solve(lu, Z @ iso, check_finite=False)
        solution[rows[0]] += iso
        direct = -s_in[0] / (4.0 * np.pi) * coll[0] @ iso        # = σ1 V0 outside S1
    else:
        factors = np.concatenate([np.full(m.n_vertices, 2.0 / s_sum[k])
                                  for k, m in enumerate(meshes)])
        solution = la.lu_solve(lu, np.diag(factors), check_finite=False)
        direct = 0.0                                             # σ1 V0: added per source
    jump = s_in - s_out
    scalp_solution = (2.0 / s_in[-1]) * (direct + sum(
        jump[j] / (4.0 * np.pi) * coll[j] @ solution[rows[j]] for j in range(n)))
    solution.setflags(write=False)
    scalp_solution.setflags(write=False)
    offsets.setflags(write=False)
    return MultiLayerBEM(meshes=meshes, sigmas=tuple(float(x) for x in sig),
                         isolated=bool(isolated and n > 1), offsets=offsets, solution=solution,
                         scalp_solution=scalp_solution)


def _check_model(model) -> MultiLayerBEM:
    if not isinstance(model, MultiLayerBEM):
        raise ValueError(f"model must be a MultiLayerBEM from make_multilayer_bem, got "
                         f"{type(model).__name__}")
    return model


def _check_sources(model: MultiLayerBEM, r_sources) -> np.ndarray:
    r = check_points("r_sources", r_sources)
    inside = points_inside(model.meshes[0], r)
    if not inside.all():
        i = int(np.flatnonzero(~inside)[0])
        raise ValueError(f"r_sources must lie inside the innermost compartment (mesh 0); source "
                         f"{i} at {np.round(r[i], 6).tolist()} m is outside it")
    return r


def _source_transfer(model: MultiLayerBEM, transfer: np.ndarray, r: np.ndarray,
                     direct: np.ndarray | None = None) -> np.ndarray:
    """``transfer @ loads(r)`` (+ ``direct @ σ-free V0(scalp vertices)``), (n_out, 3·n_src),
    with the loads formed in blocks of sources.

    ``transfer`` (n_out, n_load) maps the loads of :attr:`MultiLayerBEM.solution` to outputs.
    """
    meshes = model.meshes[:1] if model.isolated else model.meshes
    out = np.empty((transfer.shape[0], 3 * len(r)))
    for i in range(0, len(r), _SOURCES_PER_BLOCK):  # blocks of sources bound the memory
        blk = r[i:i + _SOURCES_PER_BLOCK]
        loads = np.vstack([hat_averaged_potentials(m, blk, 1.0) for m in meshes])
        out[:, 3 * i:3 * (i + len(blk))] = transfer @ loads
        if direct is not None:
            out[:, 3 * i:3 * (i + len(blk))] += direct @ unit_dipole_potentials(
                model.meshes[-1].vertices, blk, 1.0)
    return out


def bem_eeg_lead_field(model: MultiLayerBEM, r_sources, r_electrodes, *,
                       max_distance: float = _MAX_ELECTRODE_DISTANCE) -> np.ndarray:
    """EEG lead field of the nested-surface BEM, average reference.

    Each electrode is projected onto the nearest point of the outermost surface, and the
    scalp potential (evaluated at the vertices by Nyström interpolation) is interpolated
    linearly there.

    Parameters
    ----------
    model : MultiLayerBEM
        Solved model from :func:`make_multilayer_bem`.
    r_sources : array_like, shape (k, 3) or (3,)
        Source positions in m, inside the innermost surface.
    r_electrodes : array_like, shape (n, 3) or (3,)
        Electrode positions in m, on the scalp (within ``max_distance`` of the outer mesh).
    max_distance : float, default 0.005
        Largest accepted distance in m between an electrode and the scalp mesh, > 0.

    Returns
    -------
    G : ndarray, shape (n, 3·k)
        Lead field in V/(A·m), average reference (every column sums to 0 over the electrodes:
        BEM potentials are defined up to a constant); column 3k+j is the potential of a unit
        dipole at source k along axis j (x, y, z), as :func:`neurocourse.meg.lead_field`.

    Raises
    ------
    ValueError
        If a source is outside the innermost compartment or an electrode is off the scalp.

    References
    ----------
    Hämäläinen & Sarvas (1989) IEEE Trans Biomed Eng 36:165; Meijs et al. (1989) IEEE Trans
    Biomed Eng 36:1038 (average-referenced comparisons); OpenMEEG ``Head2EEGMat`` (projection
    and interpolation on the scalp).
    """
    model = _check_model(model)
    r = _check_sources(model, r_sources)
    el = check_points("r_electrodes", r_electrodes)
    tol = float(check_positive("max_distance", max_distance, unit="m"))
    scalp = model.meshes[-1]
    _, tri, bary, dist = nearest_surface_points(scalp, el)
    far = dist > tol
    if far.any():
        i = int(np.flatnonzero(far)[0])
        raise ValueError(f"r_electrodes must lie on the scalp (outer mesh), within "
                         f"max_distance = {tol:.3g} m; electrode {i} is {dist[i]:.3g} m from it")
    interp = sp.csr_matrix((bary.ravel(), (np.repeat(np.arange(len(el)), 3),
                                           scalp.triangles[tri].ravel())),
                           shape=(len(el), scalp.n_vertices))
    transfer = np.asarray(interp @ model.scalp_solution)
    transfer -= transfer.mean(axis=0)                            # average reference
    direct = None
    if not model.isolated:                                       # the term 2σ1V0/σ_N
        direct = interp.toarray() * (2.0 / model.sigmas[-1])
        direct -= direct.mean(axis=0)
    return _source_transfer(model, transfer, r, direct)


def bem_meg_lead_field(model: MultiLayerBEM, r_sources, r_sensors, normals) -> np.ndarray:
    """MEG lead field of the nested-surface BEM for point magnetometers.

    Parameters
    ----------
    model : MultiLayerBEM
        Solved model from :func:`make_multilayer_bem`.
    r_sources : array_like, shape (k, 3) or (3,)
        Source positions in m, inside the innermost surface.
    r_sensors : array_like, shape (n, 3) or (3,)
        Magnetometer positions in m, outside the outermost surface.
    normals : array_like, shape (n, 3) or (3,)
        Sensing directions (normalised here; dimensionless).

    Returns
    -------
    G : ndarray, shape (n, 3·k)
        Lead field in T/(A·m); column 3k+j is :math:`\\mathbf B\\cdot\\mathbf n` for a unit dipole
        at source k along axis j (x, y, z), as :func:`neurocourse.meg.lead_field`. For
        concentric spheres it equals Sarvas' formula whatever the conductivities.

    Raises
    ------
    ValueError
        If a source is outside the innermost compartment, a sensor inside the outermost
        surface, or a normal is zero or of the wrong shape.

    References
    ----------
    Geselowitz (1970) IEEE Trans Magn 6:346; Hämäläinen & Sarvas (1989) IEEE Trans Biomed Eng
    36:165; MNE-Python ``_bem_specify_coils`` (sum of ``field_mult`` × surface terms).
    """
    model = _check_model(model)
    r = _check_sources(model, r_sources)
    rs = check_points("r_sensors", r_sensors)
    inside = points_inside(model.meshes[-1], rs)
    if inside.any():
        i = int(np.flatnonzero(inside)[0])
        raise ValueError(f"r_sensors must lie outside the outermost surface; sensor {i} at "
                         f"{np.round(rs[i], 6).tolist()} m is inside it")
    nn = check_shape("normals", as_finite("normals", np.atleast_2d(normals)), rs.shape)
    nlen = np.linalg.norm(nn, axis=1)
    if np.any(nlen == 0):
        raise ValueError(f"normals must be non-zero vectors, got a zero normal at sensor "
                         f"{int(np.flatnonzero(nlen == 0)[0])}")
    nn = nn / nlen[:, None]
    s_in = np.asarray(model.sigmas)
    jump = s_in - np.append(s_in[1:], 0.0)                       # σ⁻ − σ⁺ of each surface
    transfer = np.zeros((len(rs), model.solution.shape[1]))
    for k, mesh in enumerate(model.meshes):  # one Geselowitz term per surface
        kern = np.einsum("scv,sc->sv", geselowitz_kernel(mesh, rs), nn)
        transfer += (MU0_OVER_4PI * jump[k]) * (kern @ model.solution[model.surface_rows(k)])
    g0 = np.einsum("sckj,sc->skj", primary_field_kernel(r, rs), nn).reshape(len(rs), -1)
    return g0 + _source_transfer(model, transfer, r)


def multilayer_sphere_accuracy(level: int = 3, radii=(0.087, 0.092, 0.100),
                               sigmas=(0.33, 0.33 / 80, 0.33),
                               eccentricities=(0.1, 0.3, 0.5, 0.7, 0.8, 0.9), *,
                               isolated: bool = True, orientation: str = "tangential",
                               model: MultiLayerBEM | None = None):
    """EEG accuracy of the BEM on concentric spheres against the exact multi-shell series.

    For each eccentricity e a dipole is placed at :math:`e\\,r_1\\hat{\\mathbf u}` (:math:`r_1`
    the innermost radius, :math:`\\hat{\\mathbf u} = (0, 1, 2)/\\sqrt5`, off the mesh
    vertices), pointing along x (tangential) or :math:`(\\hat{\\mathbf x}+\\hat{\\mathbf u})
    /\\sqrt2` (oblique, 45°), and its potential at 162 electrodes (the vertices of an ico-2
    sphere of the scalp radius) is compared, both average-referenced, with
    :func:`neurocourse.eeg.lead_field`.

    Parameters
    ----------
    level : int, default 3
        Icosphere order of the meshes (ignored if ``model`` is given).
    radii : array_like, default (0.087, 0.092, 0.100)
        Shell radii in m, strictly increasing (brain, skull, scalp).
    sigmas : array_like, default (0.33, 0.33/80, 0.33)
        Conductivities in S/m, > 0 (the classic 1:80 skull).
    eccentricities : array_like, default (0.1, 0.3, 0.5, 0.7, 0.8, 0.9)
        Source distance from the centre as a fraction of the innermost radius, in [0, 0.95].
    isolated : bool, default True
        Isolated-problem approach (ignored if ``model`` is given).
    orientation : {"tangential", "oblique"}, default "tangential"
        Dipole direction.
    model : MultiLayerBEM, optional
        A pre-built model of these spheres (centre at the origin).

    Returns
    -------
    rdm, mag : ndarray, shape (n_eccentricities,)
        Relative difference measure and magnitude ratio (dimensionless; Meijs et al. 1989).

    References
    ----------
    Meijs et al. (1989) IEEE Trans Biomed Eng 36:1038; Gramfort et al. (2010) BioMed Eng OnLine
    9:45 (three-layer sphere benchmarks); Zhang (1995) Phys Med Biol 40:335 (the series).
    """
    # imported here: neurocourse.eeg imports neurocourse.forward, which imports this module
    from neurocourse.eeg import lead_field

    check_option("orientation", orientation, ("tangential", "oblique"))
    ecc = np.atleast_1d(check_range("eccentricities", eccentricities, 0.0, 0.95))
    if model is None:
        model = make_multilayer_bem(concentric_meshes(radii, level), sigmas, isolated=isolated)
    model = _check_model(model)
    r = np.atleast_1d(check_positive("radii", radii, unit="m"))
    u = np.array([0.0, 1.0, 2.0]) / np.sqrt(5.0)
    q = np.array([1.0, 0.0, 0.0])
    if orientation == "oblique":
        q = (q + u) / np.sqrt(2.0)
    src = ecc[:, None] * r[0] * u
    electrodes = icosphere(2, float(r[-1])).vertices
    k = len(ecc)
    num = (bem_eeg_lead_field(model, src, electrodes).reshape(-1, k, 3) @ q).T    # (k, n_el)
    ana = (lead_field(src, electrodes, r, sigmas).reshape(-1, k, 3) @ q).T
    ana = ana - ana.mean(axis=1, keepdims=True)
    num_n = num / np.linalg.norm(num, axis=1, keepdims=True)
    ana_n = ana / np.linalg.norm(ana, axis=1, keepdims=True)
    return (np.linalg.norm(num_n - ana_n, axis=1),
            np.linalg.norm(num, axis=1) / np.linalg.norm(ana, axis=1))
