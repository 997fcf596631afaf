"""Exercises of notebook 05_meg_forward: volume currents, the lead field, and the accuracy of a
boundary-element model against the sphere."""

import numpy as np

from neurocourse import meg
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases
from neurocourse.meg import bem as _bem
from neurocourse.meg.mesh import icosphere

# Fields of 10–50 nAm dipoles at sensor distances are 1e-14–1e-12 T; every formula here is a
# closed form, so a correct answer agrees to round-off. rtol 1e-9 leaves room for any ordering of
# the floating-point operations; atol 1e-26 T (1e-12 of the smallest fields) lets exact zeros
# (radial dipoles, volume currents on the radial component) be compared.
RTOL = 1e-9
ATOL_B = 1e-26  # T
ATOL_G = 1e-16  # T/(A·m): lead-field entries are 1e-7–1e-4 T/(A·m) at these distances


def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def _shell(rng, n, radius):
    u = rng.normal(size=(n, 3))
    return radius * u / np.linalg.norm(u, axis=1, keepdims=True)


def _inside(rng, rmax):
    return _unit(rng.normal(size=3)) * rng.uniform(0.02, rmax)


# fixed geometry: a dipole 6 cm up the z axis, 12 sensors 11.5 cm from the centre
_SENSORS = np.array([[0.115 * np.sin(t) * np.cos(p), 0.115 * np.sin(t) * np.sin(p),
                      0.115 * np.cos(t)]
                     for t in (0.3, 0.7, 1.1) for p in (0.0, 1.6, 3.1, 4.7)])
_R0 = np.array([0.0, 0.01, 0.06])
_Q_TAN = np.array([2e-8, 0.0, 0.0])  # 20 nAm, tangential
_Q_RAD = 2e-8 * _unit(_R0)  # 20 nAm, radial
_C = np.array([0.0, 0.0, 0.04])  # MNE's default sphere centre in head coordinates


# ------------------------------------------------------------------ wrong answers (mutants)
def _primary_mu0(r_dipole, q, r_sensors):
    return 4 * np.pi * meg.dipole_field_infinite(r_dipole, q, r_sensors)


def _primary_flipped(r_dipole, q, r_sensors):
    return -meg.dipole_field_infinite(r_dipole, q, r_sensors)


def _primary_inverse_square(r_dipole, q, r_sensors):
    d = np.asarray(r_sensors, float) - np.asarray(r_dipole, float)
    dist = np.linalg.norm(d, axis=1, keepdims=True)
    return 1e-7 * np.cross(q, d) / dist**2


def _sphere_no_center(r_dipole, q, r_sensors, center):
    return meg.sarvas_field(r_dipole, q, r_sensors)


def _sphere_primary_only(r_dipole, q, r_sensors, center):
    return meg.dipole_field_infinite(r_dipole, q, r_sensors)


def _volume_flipped(r_dipole, q, r_sensors, center):
    return -meg.volume_current_field(r_dipole, q, r_sensors, center)


def _volume_no_center(r_dipole, q, r_sensors, center):
    return meg.volume_current_field(r_dipole, q, r_sensors)


def _lf_axis_major(r_sources, r_sensors, normals, center):
    G = meg.lead_field(r_sources, r_sensors, normals, center)
    n_src = G.shape[1] // 3
    return G.reshape(G.shape[0], n_src, 3).transpose(0, 2, 1).reshape(G.shape[0], -1)


def _lf_no_center(r_sources, r_sensors, normals, center):
    return meg.lead_field(r_sources, r_sensors, normals)


def _lf_infinite(r_sources, r_sensors, normals, center):
    src = np.atleast_2d(np.asarray(r_sources, float))
    nrm = np.asarray(normals, float)
    nrm = nrm / np.linalg.norm(nrm, axis=1, keepdims=True)
    cols = [np.sum(meg.dipole_field_infinite(s, e, r_sensors) * nrm, axis=1)
            for s in src for e in np.eye(3)]
    return np.column_stack(cols)


def _data_ref(r_sources, moments, r_sensors, normals, center):
    G = meg.lead_field(r_sources, r_sensors, normals, center)
    return G @ np.asarray(moments, float).reshape(-1)


def _data_fortran(r_sources, moments, r_sensors, normals, center):
    G = meg.lead_field(r_sources, r_sensors, normals, center)
    return G @ np.asarray(moments, float).T.reshape(-1)


def _data_first_source_only(r_sources, moments, r_sensors, normals, center):
    m = np.asarray(moments, float)
    G = meg.lead_field(np.atleast_2d(r_sources)[:1], r_sensors, normals, center)
    return G @ m[0]


def _grad_ref(r_sources, r_sensors, normals, tangents, baseline, center):
    r = np.asarray(r_sensors, float)
    t = np.asarray(tangents, float)
    t = t / np.linalg.norm(t, axis=1, keepdims=True)
    plus = meg.lead_field(r_sources, r + baseline / 2 * t, normals, center)
    minus = meg.lead_field(r_sources, r - baseline / 2 * t, normals, center)
    return (plus - minus) / baseline


def _grad_no_baseline(r_sources, r_sensors, normals, tangents, baseline, center):
    return _grad_ref(r_sources, r_sensors, normals, tangents, baseline, center) * baseline


def _grad_reversed(r_sources, r_sensors, normals, tangents, baseline, center):
    return -_grad_ref(r_sources, r_sensors, normals, tangents, baseline, center)


def _draw_field(rng):
    return (_inside(rng, 0.075), rng.normal(size=3) * 2e-8, _shell(rng, 8, 0.12))


def _draw_field_c(rng):
    c = rng.uniform(-0.005, 0.005, size=3) + np.array([0, 0, 0.04])
    return (c + _inside(rng, 0.07), rng.normal(size=3) * 2e-8, c + _shell(rng, 8, 0.12), c)


def _draw_radial(rng):
    c = np.array([0.0, 0.0, 0.04])
    r0 = _inside(rng, 0.07)
    return (c + r0, 3e-8 * _unit(r0), c + _shell(rng, 10, 0.12), c)


def _draw_lf(rng):
    c = rng.uniform(-0.005, 0.005, size=3) + np.array([0, 0, 0.04])
    src = c + np.array([_inside(rng, 0.07) for _ in range(3)])
    sens = c + _shell(rng, 9, 0.12)
    nrm = sens - c + 0.03 * rng.normal(size=(9, 3))
    return (src, sens, nrm, c)


def _draw_data(rng):
    src, sens, nrm, c = _draw_lf(rng)
    return (src, rng.normal(size=(3, 3)) * 1e-8, sens, nrm, c)


def _draw_grad(rng):
    src, sens, nrm, c = _draw_lf(rng)
    tang = np.cross(nrm, rng.normal(size=(9, 3)))
    return (src, sens, nrm, tang, 0.0168, c)


_GRAD_SENS = _SENSORS + np.array([0.0, 0.0, 0.04])
_GRAD_NRM = _SENSORS / np.linalg.norm(_SENSORS, axis=1, keepdims=True)
_GRAD_TAN = np.cross(_GRAD_NRM, [0.0, 0.0, 1.0]) + np.cross(_GRAD_NRM, [1.0, 0.0, 0.0])

# ------------------------------------------------------------------ derived: field above a dipole
def _above_ratio(z0, r):
    """|B| / |B0| at (0, 0, r) for an x-directed dipole at (0, 0, z0), from the package fields."""
    z0, r = np.broadcast_arrays(np.asarray(z0, dtype=float), np.asarray(r, dtype=float))
    out = np.empty(z0.shape)
    for idx in np.ndindex(z0.shape):  # a handful of fixed cases: one field evaluation each
        src, sens = [0.0, 0.0, z0[idx]], [[0.0, 0.0, r[idx]]]
        q = [1e-8, 0.0, 0.0]
        out[idx] = (meg.sarvas_field(src, q, sens)[0, 1]
                    / meg.dipole_field_infinite(src, q, sens)[0, 1])
    return out if out.ndim else float(out)


def _above_no_half(z0, r):
    return 2.0 * _above_ratio(z0, r)


def _above_inverted(z0, r):
    return 1.0 / _above_ratio(z0, r)


def _above_volume_part(z0, r):
    return 1.0 - _above_ratio(z0, r)


# ------------------------------------------------------------------ BEM accuracy
_BEM_R = 0.09  # m, radius of the spherical conductor
_BEM_SENS = icosphere(1, 0.12).vertices  # 42 field points on a 12 cm sphere, m
_BEM_U = np.array([0.0, 1.0, 2.0]) / np.sqrt(5.0)  # off every mesh vertex
_BEM_Q = np.array([1e-8, 0.0, 0.0])  # 10 nAm, tangential to _BEM_U


def _bem_and_sphere(order, r_dipole, q, r_sensors):
    model = _bem.bem_model(icosphere(int(order), _BEM_R))
    return (_bem.bem_field(model, r_dipole, q, r_sensors),
            meg.sarvas_field(r_dipole, q, r_sensors))


def _bem_error(order, r_dipole, q, r_sensors):
    g, a = _bem_and_sphere(order, r_dipole, q, r_sensors)
    return np.array([_bem.rdm(g, a), _bem.mag_ratio(g, a)])


def _rdm_relative_error(numerical, analytic):
    g, a = np.ravel(numerical), np.ravel(analytic)
    return float(np.linalg.norm(g - a) / np.linalg.norm(a))


def _rdm_unnormalised(numerical, analytic):
    return float(np.linalg.norm(np.ravel(numerical) - np.ravel(analytic)))


def _mag_inverted(numerical, analytic):
    return float(np.linalg.norm(analytic) / np.linalg.norm(numerical))


def _bem_vs_infinite(order, r_dipole, q, r_sensors):
    g, _ = _bem_and_sphere(order, r_dipole, q, r_sensors)
    a = meg.dipole_field_infinite(r_dipole, q, r_sensors)
    return np.array([_bem.rdm(g, a), _bem.mag_ratio(g, a)])


def _bem_radial_only(order, r_dipole, q, r_sensors):
    g, a = _bem_and_sphere(order, r_dipole, q, r_sensors)
    n = np.asarray(r_sensors, float) / np.linalg.norm(r_sensors, axis=1, keepdims=True)
    gr, ar = np.sum(g * n, axis=1), np.sum(a * n, axis=1)
    return np.array([_bem.rdm(gr, ar), _bem.mag_ratio(gr, ar)])


def _draw_pair(rng):
    a = rng.normal(size=(6, 3)) * 1e-13
    return (a * rng.uniform(0.8, 1.2) + rng.normal(size=(6, 3)) * 2e-14, a)


EXERCISES = (
    Exercise(
        id="volume_currents",
        title="Primary and volume currents: why radial dipoles are silent in a sphere",
        notebook="05_meg_forward",
        seed_problem=4445782,
        practises=(
            "Compute the Biot–Savart field of the primary current, the full field of a dipole in a "
            "spherical conductor (Sarvas), and the volume-current field as their difference; show "
            "that the volume currents cancel a radial dipole exactly."
        ),
        reference={
            "primary_field": meg.dipole_field_infinite,
            "sphere_field": meg.sarvas_field,
            "volume_field": meg.volume_current_field,
            "above_dipole_ratio": _above_ratio,
        },
        cases=(
            Case("primary_field", args=(_R0, _Q_TAN, _SENSORS), points=2, rtol=RTOL,
                 atol=ATOL_B, label="20 nAm tangential dipole at (0, 1, 6) cm, 12 sensors"),
            Case("primary_field", args=(_R0, _Q_RAD, _SENSORS), points=1, rtol=RTOL,
                 atol=ATOL_B, label="20 nAm radial dipole at (0, 1, 6) cm",
                 hint="the primary field of a radial dipole is not zero: only the total is."),
            *random_cases("primary_field", n=2, seed=4445782, draw=_draw_field, points=1,
                          rtol=RTOL, atol=ATOL_B, label="random dipole, 8 sensors at 12 cm"),
            Case("sphere_field", args=(_R0, _Q_TAN, _SENSORS, np.zeros(3)), points=2,
                 rtol=RTOL, atol=ATOL_B, label="tangential dipole, sphere centred at the origin"),
            Case("sphere_field", args=(_R0 + _C, _Q_TAN, _SENSORS + _C, _C), points=2,
                 rtol=RTOL, atol=ATOL_B, label="same geometry, sphere centre (0, 0, 4) cm"),
            *random_cases("sphere_field", n=2, seed=44457821, draw=_draw_radial, points=1,
                          rtol=RTOL, atol=ATOL_B,
                          label="random radial 30 nAm dipole, centre (0, 0, 4) cm",
                          hint="a radial dipole produces no field outside a sphere."),
            *random_cases("sphere_field", n=2, seed=44457822, draw=_draw_field_c, points=1,
                          rtol=RTOL, atol=ATOL_B, label="random dipole, off-origin centre"),
            Case("volume_field", args=(_R0, _Q_RAD, _SENSORS, np.zeros(3)), points=2, rtol=RTOL,
                 atol=ATOL_B, label="radial dipole: volume field = -primary field"),
            *random_cases("volume_field", n=2, seed=44457823, draw=_draw_field_c, points=1,
                          rtol=RTOL, atol=ATOL_B, label="random dipole, off-origin centre"),
            # derived closed form vs the numerical Sarvas/Biot-Savart ratio: round-off only
            Case("above_dipole_ratio", args=(0.07, 0.115), points=2, rtol=RTOL,
                 label="dipole 7 cm up, sensor at 11.5 cm"),
            Case("above_dipole_ratio", args=(np.array([0.01, 0.04, 0.08]), 0.12), points=1,
                 rtol=RTOL, label="dipoles at 1, 4, 8 cm, sensor at 12 cm"),
            Case("above_dipole_ratio", args=(0.03, np.array([0.1, 0.12, 0.2])), points=1,
                 rtol=RTOL, label="dipole at 3 cm, sensors at 10, 12, 20 cm"),
        ),
        mistakes=(
            Mistake("primary_field", "mu0 instead of mu0/4pi", _primary_mu0,
                    "Your field is 4π too large: the Biot–Savart prefactor is μ0/4π = 1e-7 T·m/A."),
            Mistake("primary_field", "d x Q", _primary_flipped,
                    "Your field has the wrong sign: B0 ∝ Q × d with d = r - r0 (current "
                    "direction first)."),
            Mistake("primary_field", "1/d^2", _primary_inverse_square,
                    "Q × d / |d|³ falls as 1/d²: divide the cross product with the unnormalised "
                    "d by |d|³, not |d|²."),
            Mistake("sphere_field", "centre ignored", _sphere_no_center,
                    "Sarvas' formula needs positions relative to the sphere centre: subtract "
                    "center from both the dipole and the sensor positions."),
            Mistake("sphere_field", "primary field only", _sphere_primary_only,
                    "You returned the Biot–Savart field of the primary current; outside a "
                    "conductor the volume currents contribute too (use Sarvas' formula)."),
            Mistake("volume_field", "sign", _volume_flipped,
                    "B_volume = B_total - B_primary, not the other way round."),
            Mistake("volume_field", "centre ignored", _volume_no_center,
                    "The volume currents depend on where the sphere is: use center."),
            Mistake("above_dipole_ratio", "lost the factor 1/2", _above_no_half,
                    "On the axis F = a (r a + r^2 - r0.r) = 2 r (r - z0)^2: the factor 2 in F "
                    "halves the ratio, |B|/|B0| = z0 / (2 r)."),
            Mistake("above_dipole_ratio", "inverted", _above_inverted,
                    "The total field above the dipole is *smaller* than the primary one: the "
                    "volume currents oppose it, more so for deep sources (z0 -> 0)."),
            Mistake("above_dipole_ratio", "returned the volume-current share", _above_volume_part,
                    "Return |B| / |B0| (total over primary), not the part the volume currents "
                    "remove."),
        ),
    ),
    Exercise(
        id="lead_field",
        title="The lead field: column by column, superposition, and gradiometers",
        notebook="05_meg_forward",
        seed_problem=4445728,
        practises=(
            "Build the sphere-model lead field of point magnetometers column by column (column "
            "3k + j is a unit dipole at source k along axis j), use b = G j for a set of sources, "
            "and build a planar-gradiometer lead field from two magnetometer lead fields."
        ),
        reference={
            "lead_field_matrix": meg.lead_field,
            "sensor_data": _data_ref,
            "gradiometer_lead_field": _grad_ref,
        },
        cases=(
            Case("lead_field_matrix", args=(_R0[None, :], _SENSORS, _GRAD_NRM, np.zeros(3)),
                 points=2, rtol=RTOL, atol=ATOL_G, label="one source, 12 radial magnetometers"),
            *random_cases("lead_field_matrix", n=2, seed=4445728, draw=_draw_lf, points=2,
                          rtol=RTOL, atol=ATOL_G,
                          label="3 sources, 9 tilted magnetometers, off-origin centre"),
            *random_cases("sensor_data", n=2, seed=44457281, draw=_draw_data, points=2,
                          rtol=RTOL, atol=ATOL_B,
                          label="3 sources with moments (3, 3) in A·m, 9 magnetometers"),
            Case("gradiometer_lead_field",
                 args=(np.array([_R0 + _C]), _GRAD_SENS, _GRAD_NRM, _GRAD_TAN, 0.0168, _C),
                 points=2, rtol=RTOL, atol=ATOL_G,
                 label="one source, 12 gradiometers, baseline 16.8 mm"),
            *random_cases("gradiometer_lead_field", n=2, seed=44457282, draw=_draw_grad, points=1,
                          rtol=RTOL, atol=ATOL_G, label="3 sources, 9 random gradiometers"),
        ),
        mistakes=(
            Mistake("lead_field_matrix", "axis-major columns", _lf_axis_major,
                    "Column order: column 3k + j is source k along axis j (x, y, z for source 0, "
                    "then x, y, z for source 1, ...), as MNE orders a free-orientation forward."),
            Mistake("lead_field_matrix", "centre ignored", _lf_no_center,
                    "Pass the sphere centre on: Sarvas' formula uses positions relative to it."),
            Mistake("lead_field_matrix", "infinite medium", _lf_infinite,
                    "You used the primary (infinite-medium) field; the lead field of a head "
                    "must include the volume currents (Sarvas' sphere formula)."),
            Mistake("sensor_data", "moments flattened column-major", _data_fortran,
                    "j must list the moments source by source: (qx0, qy0, qz0, qx1, ...), i.e. "
                    "moments.reshape(-1) in C order, to match the columns of G."),
            Mistake("sensor_data", "first source only", _data_first_source_only,
                    "b = G j sums the fields of all sources (superposition), not just one."),
            Mistake("gradiometer_lead_field", "not divided by the baseline",
                    _grad_no_baseline,
                    "A planar gradiometer reports a gradient in T/m: divide the difference of the "
                    "two loops by the baseline."),
            Mistake("gradiometer_lead_field", "reversed difference", _grad_reversed,
                    "Take the loop at +baseline/2 along the tangent minus the loop at "
                    "-baseline/2."),
        ),
    ),
    Exercise(
        id="bem_accuracy",
        title="How accurate is a BEM? The sphere as a test case",
        notebook="05_meg_forward",
        seed_problem=4445782,
        practises="Define the RDM and MAG error measures and use them to judge a boundary-element "
        "solution against Sarvas' formula as the mesh is refined and the source nears the surface.",
        reference={
            "rdm": _bem.rdm,
            "mag": _bem.mag_ratio,
            "bem_sphere_error": _bem_error,
        },
        # rdm and mag are closed forms (rtol 1e-9 covers any order of operations). The BEM case
        # calls the same package solver as the reference, so only round-off separates the two;
        # rtol 1e-6 leaves room for a different but equivalent flattening of the fields, and
        # every listed mistake is off by more than 10 % (most by orders of magnitude).
        cases=(
            Case("rdm", args=(1.1 * _SENSORS, _SENSORS), label="a field and 1.1 times it",
                 points=1, atol=1e-12, hint="RDM compares shapes: a scaled copy has RDM 0."),
            Case("rdm", args=(-_SENSORS, _SENSORS), label="a field and its negative", points=1),
            *random_cases("rdm", n=2, seed=44457831, draw=_draw_pair, points=1,
                          label="random (6, 3) fields, 1e-13 T"),
            Case("mag", args=(1.1 * _SENSORS, _SENSORS), label="a field and 1.1 times it",
                 points=1),
            *random_cases("mag", n=2, seed=44457832, draw=_draw_pair, points=1,
                          label="random (6, 3) fields, 1e-13 T"),
            Case("bem_sphere_error", args=(1, 0.5 * _BEM_R * _BEM_U, _BEM_Q, _BEM_SENS),
                 label="ico-1 sphere (42 vertices), source at half the radius", points=2,
                 rtol=1e-6),
            Case("bem_sphere_error", args=(2, 0.5 * _BEM_R * _BEM_U, _BEM_Q, _BEM_SENS),
                 label="ico-2 sphere (162 vertices), source at half the radius", points=2,
                 rtol=1e-6),
            Case("bem_sphere_error", args=(1, 0.9 * _BEM_R * _BEM_U, _BEM_Q, _BEM_SENS),
                 label="ico-1 sphere, source at 0.9 of the radius", points=1, rtol=1e-6),
        ),
        mistakes=(
            Mistake("rdm", "relative error instead of RDM", _rdm_relative_error,
                    "RDM normalises each field by its own norm before subtracting: "
                    "|| g/||g|| - a/||a|| ||. It measures the shape of the topography only; "
                    "the size is MAG's job."),
            Mistake("rdm", "no normalisation", _rdm_unnormalised,
                    "Divide each field by its own norm first: RDM is dimensionless, in [0, 2]."),
            Mistake("mag", "inverted", _mag_inverted,
                    "MAG = ||numerical|| / ||analytic||: above 1 when the BEM field is too "
                    "large."),
            Mistake("bem_sphere_error", "compared with the infinite-medium field",
                    _bem_vs_infinite,
                    "The analytic answer for a spherical conductor is Sarvas' formula, which "
                    "includes the volume currents; the Biot-Savart field of the primary current "
                    "alone is not the field outside a head."),
            Mistake("bem_sphere_error", "radial component only", _bem_radial_only,
                    "Compare all three field components at every point (flatten the (n, 3) "
                    "arrays). The radial component is an easy judge: on a sphere the volume "
                    "currents add nothing to it."),
        ),
    ),
)
