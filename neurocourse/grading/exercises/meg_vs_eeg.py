"""Exercises of notebook 06_meg_vs_eeg: skull smearing, MEG's transparency, and the caveats."""

import numpy as np

from neurocourse import eeg, meg
from neurocourse.forward import make_forward
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

RADII = np.array([0.081, 0.085, 0.088])  # brain, skull, scalp (m)
SIG80 = np.array([0.33, 0.33 / 80, 0.33])  # classic 1:80 skull (S/m)
SIG_SCALP = np.array([0.33, 0.0125, 0.43])  # scalp more conductive than brain: sigma_N matters
FOUR = (np.array([0.079, 0.081, 0.085, 0.088]), np.array([0.33, 1.79, 0.01, 0.43]))  # with CSF
THETA = np.linspace(0.0, np.pi / 2, 91)  # 1 degree steps from the vertex
# The potential cases sample the topography every 3 degrees: a 300-term series costs the student's
# code (and the grader) in proportion to the points, and every mistake below changes the potential
# at every point, so 31 points judge it as well as 91 (the half-width cases keep 1-degree steps)
THETA_V = np.linspace(0.0, np.pi / 2, 31)
# Shell factors are closed forms: round-off only (1e-9). Potentials: a series summed to 300 terms
# converges to < 1e-12 of the peak for depths >= 10 mm under an 88 mm scalp (b <= 0.89), so 1e-7
# relative (atol 1e-7 of the peak, ~1e-13 V) separates right from wrong by orders of magnitude.
RTOL_V = 1e-7
ATOL_V = 1e-13  # V


# ------------------------------------------------------------------ reference answers
def _radial_potential(depth, q, theta, radii, sigmas):
    R = radii[-1]
    el = R * np.column_stack([np.sin(theta), np.zeros_like(theta), np.cos(theta)])
    return eeg.lead_field([0.0, 0.0, R - depth], el, radii, sigmas) @ np.array([0.0, 0.0, q])


def _attenuation(ratios, depth, radii, r_sensors):
    ratios = np.asarray(ratios, float)
    peaks = np.array([_radial_potential(depth, 1e-8, np.zeros(1), radii,
                                        np.array([0.33, 0.33 / r, 0.33]))[0] for r in ratios])
    eeg_rel = peaks / _radial_potential(depth, 1e-8, np.zeros(1), radii, np.full(3, 0.33))[0]
    # MEG: peak |B.n| of a tangential dipole at the same place, through the same head models
    arr = meg.point_magnetometers(r_sensors, r_sensors)
    src = np.array([[0.0, 0.0, radii[-1] - depth]])

    def peak(ratio):
        head = eeg.ShellModel(radii, [0.33, 0.33 / ratio, 0.33])
        return np.abs(make_forward(src, meg=arr, head=head).G[:, 0]).max()

    meg_rel = np.array([peak(r) for r in ratios]) / peak(1.0)
    return np.column_stack([eeg_rel, meg_rel])


def _radial_visibility(r_dipole, electrodes, r_sensors, radii, sigmas):
    q = 1e-8 * np.asarray(r_dipole, float) / np.linalg.norm(r_dipole)
    v = eeg.average_reference(eeg.sphere_potential(r_dipole, q, electrodes, radii, sigmas))
    nrm = r_sensors / np.linalg.norm(r_sensors, axis=1, keepdims=True)
    b = np.sum(meg.sarvas_field(r_dipole, q, r_sensors) * nrm, axis=1)
    return np.array([np.sqrt(np.mean(v**2)), np.sqrt(np.mean(b**2))])


def _split_sources(G, j):
    visible = np.linalg.pinv(G) @ (G @ j)
    return np.vstack([visible, j - visible])


def _leak_slope(eps, ratio):
    eps, ratio = np.asarray(eps, float), np.asarray(ratio, float)
    return float(eps @ ratio / (eps @ eps))


# ------------------------------------------------------------------ wrong answers (mutants)
def _f_inverted(n, radii, sigmas):
    return eeg.shell_coefficients(n, radii, np.asarray(sigmas, float)[::-1])


def _f_exponent_2n(n, radii, sigmas):
    # (r_k/R)^(2n) instead of ^(2n+1): equivalent to shrinking every ratio by one power
    n = np.asarray(n, float)
    r = np.asarray(radii, float)
    out = []
    for nn in np.atleast_1d(n):
        rr = r[-1] * (r / r[-1]) ** (2 * nn / (2 * nn + 1))
        rr[-1] = r[-1]
        out.append(eeg.shell_coefficients(nn, rr, sigmas))
    return np.array(out).reshape(np.shape(n))


def _v_homogeneous(depth, q, theta, radii, sigmas):
    return _radial_potential(depth, q, theta, radii, np.full(len(radii), sigmas[-1]))


def _v_brain_sigma(depth, q, theta, radii, sigmas):
    return _radial_potential(depth, q, theta, radii, sigmas) * sigmas[-1] / sigmas[0]


def _v_power_n(depth, q, theta, radii, sigmas):  # b^n instead of b^(n-1): every term times b
    return _radial_potential(depth, q, theta, radii, sigmas) * (radii[-1] - depth) / radii[-1]


def _hw_radians(theta, V, radius):
    return eeg.half_max_arc(theta, V, radius) / radius


def _hw_full_width(theta, V, radius):
    return 2 * eeg.half_max_arc(theta, V, radius)


def _hw_no_interpolation(theta, V, radius):
    V = np.asarray(V, float)
    return radius * float(np.asarray(theta)[np.flatnonzero(V <= V[0] / 2)[0]])


def _att_meg_like_eeg(ratios, depth, radii, r_sensors):
    a = _attenuation(ratios, depth, radii, r_sensors)
    return np.column_stack([a[:, 0], a[:, 0]])


def _att_not_normalised(ratios, depth, radii, r_sensors):
    a = _attenuation(ratios, depth, radii, r_sensors)
    peak1 = _radial_potential(depth, 1e-8, np.zeros(1), radii, np.full(3, 0.33))[0]
    return np.column_stack([a[:, 0] * peak1, a[:, 1]])


def _vis_no_reference(r_dipole, electrodes, r_sensors, radii, sigmas):
    q = 1e-8 * np.asarray(r_dipole, float) / np.linalg.norm(r_dipole)
    v = eeg.sphere_potential(r_dipole, q, electrodes, radii, sigmas)
    return np.array([np.sqrt(np.mean(v**2)), _radial_visibility(r_dipole, electrodes, r_sensors,
                                                                radii, sigmas)[1]])


def _vis_primary_only(r_dipole, electrodes, r_sensors, radii, sigmas):
    # |B0| of the primary current: its radial component vanishes too, its full vector does not
    q = 1e-8 * np.asarray(r_dipole, float) / np.linalg.norm(r_dipole)
    b = np.linalg.norm(meg.dipole_field_infinite(r_dipole, q, r_sensors), axis=1)
    return np.array([_radial_visibility(r_dipole, electrodes, r_sensors, radii, sigmas)[0],
                     np.sqrt(np.mean(b**2))])


def _split_transpose(G, j):
    visible = G.T @ (G @ j)
    return np.vstack([visible, j - visible])


def _split_swapped(G, j):
    return _split_sources(G, j)[::-1]


def _slope_with_intercept(eps, ratio):
    return float(np.polyfit(eps, ratio, 1)[0])


def _slope_mean_ratio(eps, ratio):
    eps, ratio = np.asarray(eps, float), np.asarray(ratio, float)
    keep = eps > 0
    return float(np.mean(ratio[keep] / eps[keep]))


# ------------------------------------------------------------------ inputs
def _draw_f(rng):
    r1 = rng.uniform(0.075, 0.082)
    r2 = r1 + rng.uniform(0.003, 0.006)
    return (np.arange(1, 41), np.array([r1, r2, 0.088]),
            np.array([0.33, 0.33 / rng.uniform(15, 80), rng.uniform(0.3, 0.45)]))


def _draw_v(rng):
    r, s = _draw_f(rng)[1:]
    return (rng.uniform(0.012, 0.03), 1e-8 * rng.uniform(1, 5), THETA_V, r, s)


def _hw_input(depth, sigmas):
    return (THETA, _radial_potential(depth, 1e-8, THETA, RADII, sigmas), 0.088)


_SENSORS = meg.radial_magnetometers(40, radius=0.11).positions
_ELECTRODES = eeg.electrode_grid(32, radius=0.088).positions
# a MEG lead field of 6 fixed sources seen by 4 magnetometers (more unknowns than data), and
# of 3 tangential + 2 radial sources by 10 magnetometers (radial columns are zero)
_SRC = np.array([[0.0, 0.01, 0.07], [0.02, 0.0, 0.065], [-0.02, 0.01, 0.06],
                 [0.01, -0.02, 0.068], [0.0, 0.03, 0.06], [-0.01, -0.01, 0.07]])
_NRM = np.array([[1.0, 0, 0], [0, 1, 0], [1, 1, 0], [0, 1, 1], [1, 0, 1], [1, -1, 0]])
_G_WIDE = meg.fixed_orientation(meg.lead_field(_SRC, _SENSORS[:4], _SENSORS[:4] / 0.11), _NRM)
_RAD = _SRC[:2] / np.linalg.norm(_SRC[:2], axis=1, keepdims=True)
_NRM2 = np.vstack([np.cross(_SRC[2:5], [0, 0, 1.0]), _RAD])
_G_RAD = meg.fixed_orientation(
    meg.lead_field(np.vstack([_SRC[2:5], _SRC[:2]]), _SENSORS[:10], _SENSORS[:10] / 0.11), _NRM2)
_EPS = np.array([0.0, 0.05, 0.1, 0.15])


def _split_close(got, expected):
    g = np.asarray(got, float)
    return g.shape == expected.shape and np.allclose(g, expected, rtol=1e-7,
                                                     atol=1e-7 * np.abs(expected).max())


EXERCISES = (
    Exercise(
        id="skull_smearing",
        title="Skull smearing of EEG, and MEG's transparency to the skull",
        notebook="06_meg_vs_eeg",
        seed_problem=4445790,
        practises=(
            "Compute the shell factors of a three-shell head and the scalp potential of a radial "
            "dipole as a Legendre series, measure the half-maximum width of the topography against "
            "the brain-to-skull conductivity ratio, and show that the MEG field of the same head "
            "does not change."
        ),
        reference={
            "shell_factors": eeg.shell_coefficients,
            "radial_potential": _radial_potential,
            "half_max_width": eeg.half_max_arc,
            "attenuation": _attenuation,
        },
        cases=(
            Case("shell_factors", args=(np.arange(1, 21), RADII, SIG80), points=2, rtol=1e-9,
                 label="n = 1…20, radii 81/85/88 mm, 1:80 skull"),
            Case("shell_factors", args=(np.arange(1, 6), RADII, np.full(3, 0.33)), points=1,
                 rtol=1e-12, label="equal conductivities",
                 hint="with no conductivity contrast every f_n must be exactly 1."),
            *random_cases("shell_factors", n=2, seed=4445790, draw=_draw_f, points=1, rtol=1e-9,
                          label="random three-shell head"),
            Case("radial_potential", args=(0.02, 1e-8, THETA_V, RADII, SIG80), points=2,
                 rtol=RTOL_V, atol=ATOL_V, label="10 nAm, 20 mm deep, 1:80 skull"),
            Case("radial_potential", args=(0.02, 1e-8, THETA_V, RADII, SIG_SCALP), points=1,
                 rtol=RTOL_V, atol=ATOL_V, label="scalp 0.43 S/m, brain 0.33 S/m"),
            *random_cases("radial_potential", n=2, seed=44457901, draw=_draw_v, points=1,
                          rtol=RTOL_V, atol=ATOL_V, label="random depth, moment and head"),
            Case("half_max_width", args=_hw_input(0.02, SIG80), points=2, rtol=1e-9,
                 label="radial dipole 20 mm deep, 1:80 skull"),
            Case("half_max_width", args=_hw_input(0.02, np.full(3, 0.33)), points=1, rtol=1e-9,
                 label="the same dipole with no skull contrast"),
            Case("half_max_width", args=(np.array([0.0, 0.1, 0.2]), np.array([4.0, 3.0, 1.0]),
                                         0.1), points=1, rtol=1e-12,
                 label="three samples (4, 3, 1) at 0, 0.1, 0.2 rad, R = 0.1 m"),
            Case("attenuation", args=(np.array([1.0, 15, 25, 50, 80]), 0.02, RADII, _SENSORS),
                 points=2, rtol=1e-7, label="ratios 1, 15, 25, 50, 80; 20 mm deep"),
            Case("attenuation", args=(np.array([10.0, 120]), 0.035, RADII, _SENSORS), points=1,
                 rtol=1e-7, label="ratios 10 and 120; 35 mm deep"),
        ),
        mistakes=(
            Mistake("shell_factors", "conductivity ratios inverted", _f_inverted,
                    "c_k is the inner over the outer conductivity, sigma_k / sigma_(k+1)."),
            Mistake("shell_factors", "exponent 2n", _f_exponent_2n,
                    "The radius ratios enter as (r_k/R)^(2n+1), not ^(2n)."),
            Mistake("radial_potential", "no shell factors", _v_homogeneous,
                    "You summed the homogeneous series (f_n = 1): multiply each term by f_n."),
            Mistake("radial_potential", "brain conductivity in the prefactor", _v_brain_sigma,
                    "The prefactor is 1/(4 pi sigma_N R^2) with the conductivity of the outermost "
                    "(scalp) shell; the inner conductivities enter only through f_n."),
            Mistake("radial_potential", "b^n", _v_power_n,
                    "The radial term of degree n carries b^(n-1) (b = r_q / R), not b^n."),
            Mistake("half_max_width", "radians", _hw_radians,
                    "Return an arc length on the scalp in m: multiply the angle by the radius."),
            Mistake("half_max_width", "full width", _hw_full_width,
                    "The half-maximum radius is measured from the peak, not across both sides."),
            Mistake("half_max_width", "no interpolation", _hw_no_interpolation,
                    "Interpolate linearly between the last sample above half maximum and the "
                    "first one below it."),
            Mistake("attenuation", "MEG attenuated like EEG", _att_meg_like_eeg,
                    "The skull does not attenuate MEG: in a spherically symmetric head the field "
                    "outside does not depend on the conductivities at all, so its ratio is 1."),
            Mistake("attenuation", "EEG not normalised", _att_not_normalised,
                    "Divide each EEG peak by the peak of the same dipole with no skull contrast "
                    "(all conductivities 0.33 S/m)."),
        ),
    ),
    Exercise(
        id="meg_eeg_caveats",
        title="The caveats: radial sources, the null space, and broken symmetry",
        notebook="06_meg_vs_eeg",
        seed_problem=4445749,
        practises=(
            "Show that EEG sees a radial source that MEG misses, split a source distribution into "
            "the part MEG can see and a silent part (the null space of the lead field), and "
            "measure how the radial leak grows on an ellipsoid."
        ),
        reference={
            "radial_visibility": _radial_visibility,
            "split_sources": _split_sources,
            "leak_slope": _leak_slope,
        },
        cases=(
            Case("radial_visibility", args=(np.array([0.0, 0.0, 0.065]), _ELECTRODES, _SENSORS,
                                            RADII, SIG80), points=2, rtol=1e-7, atol=1e-22,
                 label="radial 10 nAm dipole at 65 mm under the vertex, 1:80 skull"),
            Case("radial_visibility", args=(np.array([0.03, 0.02, 0.05]), _ELECTRODES, _SENSORS,
                                            RADII, np.array([0.33, 0.0132, 0.33])), points=2,
                 rtol=1e-7, atol=1e-22, label="off-axis radial dipole, 1:25 skull",
                 hint="MEG should be zero to round-off: a radial dipole has no field outside a "
                      "sphere; EEG should not."),
            Case("split_sources", args=(_G_WIDE, np.array([1.0, 0, 0, 0, 0, 2]) * 1e-8),
                 points=2, compare=_split_close, label="6 sources, 4 magnetometers"),
            Case("split_sources", args=(_G_RAD, np.array([1.0, -1, 2, 3, 3]) * 1e-8), points=2,
                 compare=_split_close, label="3 tangential + 2 radial sources, 10 magnetometers",
                 hint="the radial sources are entirely silent: all of their moment is in the "
                      "invisible part."),
            Case("leak_slope", args=(_EPS, np.array([0.0, 0.09, 0.17, 0.25])), points=2,
                 rtol=1e-9, label="asphericities 0…0.15"),
            Case("leak_slope", args=(np.array([0.02, 0.04, 0.2]), np.array([0.05, 0.07, 0.3])),
                 points=1, rtol=1e-9, label="three noisy measurements"),
        ),
        mistakes=(
            Mistake("radial_visibility", "EEG not re-referenced", _vis_no_reference,
                    "Average-reference the potentials before taking their RMS: potentials "
                    "against infinity are not measurable."),
            Mistake("radial_visibility", "MEG as |B0| of the primary current", _vis_primary_only,
                    "Use the field of the whole conductor (Sarvas), B·r̂ at each magnetometer, not "
                    "the magnitude of the primary (infinite-medium) field: outside a sphere the "
                    "volume currents cancel a radial dipole exactly."),
            Mistake("split_sources", "transpose instead of pseudo-inverse", _split_transpose,
                    "The visible part is the projection pinv(G) @ G @ j onto the row space of G; "
                    "G.T @ G @ j is not a projection."),
            Mistake("split_sources", "parts swapped", _split_swapped,
                    "Return the visible part (row space) first and the silent part (null space) "
                    "second."),
            Mistake("leak_slope", "fitted an intercept", _slope_with_intercept,
                    "The leak is zero on a sphere: fit a line through the origin, "
                    "slope = sum(eps*ratio) / sum(eps**2)."),
            Mistake("leak_slope", "mean of ratios", _slope_mean_ratio,
                    "Use the least-squares slope through the origin, not the mean of ratio/eps."),
        ),
    ),
)
