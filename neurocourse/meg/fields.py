"""Magnetic field and potential of a current dipole: infinite medium and spherical conductor.

The functions here follow the conventions of MNE-Python's sphere-model forward
(``mne/forward/_compute_forward.py``): SI units, :math:`\\mu_0/4\\pi = 10^{-7}` T·m/A exactly,
and sphere formulas evaluated in coordinates relative to the sphere centre.

References
----------
Sarvas J (1987). Basic mathematical and electromagnetic concepts of the biomagnetic inverse
problem. Phys Med Biol 32:11-22.
Hämäläinen M, Hari R, Ilmoniemi RJ, Knuutila J, Lounasmaa OV (1993). Magnetoencephalography:
theory, instrumentation, and applications. Rev Mod Phys 65:413-497.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import (
    check_points,
    check_positive,
    check_scalar,
    check_sensors_outside,
    check_vec3,
)

MU0_OVER_4PI = 1e-7
"""μ0/4π in T·m/A (the pre-2019 exact value, as in MNE's ``_MAG_FACTOR``)."""

MU0 = 4e-7 * np.pi
"""Vacuum permeability μ0 in T·m/A (pre-2019 exact value, consistent with ``MU0_OVER_4PI``)."""

EPS0 = 8.8541878128e-12
"""Vacuum permittivity ε0 in F/m (CODATA 2018)."""

C_LIGHT = 299_792_458.0
"""Speed of light in vacuum in m/s."""


# --------------------------------------------------------------------------------------------
# input helpers (private)
# --------------------------------------------------------------------------------------------
# --------------------------------------------------------------------------------------------
# dipole geometry
# --------------------------------------------------------------------------------------------
def dipole_source(azimuth_deg, elevation_deg, depth, tilt_deg, rotation_deg, moment=20e-9,
                  head_radius=0.085):
    """Position (m) and moment (A·m) of a dipole given in head-centred angles.

    The source lies on the ray from the sphere centre (the origin) with direction
    :math:`\\hat{\\mathbf r} = (\\cos e\\cos a, \\cos e\\sin a, \\sin e)` (azimuth :math:`a`,
    elevation :math:`e`), at ``depth`` below a head surface of radius ``head_radius``. Its moment
    is :math:`Q[\\cos\\tau(\\cos\\rho\\,\\hat{\\mathbf e} + \\sin\\rho\\,\\hat{\\mathbf n})
    + \\sin\\tau\\,\\hat{\\mathbf r}]` with the local east :math:`\\hat{\\mathbf e}
    = (-\\sin a, \\cos a, 0)` and north :math:`\\hat{\\mathbf n} = \\hat{\\mathbf r}\\times
    \\hat{\\mathbf e}` unit vectors, tilt :math:`\\tau` and rotation :math:`\\rho`. Tilt 0 is
    tangential (the part a sphere model sees, Sarvas 1987), tilt 90° radial (silent in a sphere).

    Parameters
    ----------
    azimuth_deg, elevation_deg : float
        Direction of the source from the sphere centre, degrees (elevation 90 is the vertex).
    depth : float
        Depth below the head surface in m, in [0, ``head_radius``).
    tilt_deg : float
        Angle of the moment away from the tangent plane, degrees (0 tangential, 90 radial).
    rotation_deg : float
        Direction of the tangential part within the tangent plane, degrees (0 = eastward).
    moment : float, default 20e-9
        Dipole strength in A·m, >= 0 (default 20 nA·m, a typical evoked source; Hämäläinen et
        al. 1993).
    head_radius : float, default 0.085
        Head radius in m, > 0.

    Returns
    -------
    r0 : ndarray, shape (3,)
        Position in m.
    q : ndarray, shape (3,)
        Moment in A·m.

    References
    ----------
    Sarvas J (1987) Phys Med Biol 32:11 (radial dipoles are silent in a sphere); Hämäläinen et
    al. (1993) Rev Mod Phys 65:413.
    """
    az = np.radians(check_scalar("azimuth_deg", azimuth_deg, unit="deg"))
    el = np.radians(check_scalar("elevation_deg", elevation_deg, unit="deg"))
    rot = np.radians(check_scalar("rotation_deg", rotation_deg, unit="deg"))
    tilt = np.radians(check_scalar("tilt_deg", tilt_deg, unit="deg"))
    head_radius = float(check_positive("head_radius", head_radius, unit="m"))
    depth = check_scalar("depth", depth, unit="m")
    if not 0.0 <= depth < head_radius:
        raise ValueError(f"depth must be in [0, {head_radius:g}) m (below the head surface, "
                         f"above the centre), got {depth:g}")
    moment = float(check_positive("moment", moment, unit="A·m", allow_zero=True))
    rhat = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    east = np.array([-np.sin(az), np.cos(az), 0.0])
    north = np.cross(rhat, east)
    direction = np.cos(tilt) * (np.cos(rot) * east + np.sin(rot) * north) + np.sin(tilt) * rhat
    return (head_radius - depth) * rhat, moment * direction


# --------------------------------------------------------------------------------------------
# infinite homogeneous medium
# --------------------------------------------------------------------------------------------
def dipole_field_infinite(r_dipole, q, r_sensors) -> np.ndarray:
    """Primary-current (Biot–Savart) magnetic field of a current dipole in an infinite medium.

    .. math:: \\mathbf B_0(\\mathbf r) = \\frac{\\mu_0}{4\\pi}
              \\frac{\\mathbf Q \\times (\\mathbf r - \\mathbf r_0)}{|\\mathbf r - \\mathbf r_0|^3}

    This is the field of the primary current alone; in a bounded conductor the volume currents
    add to it (see :func:`sarvas_field` and :func:`volume_current_field`).

    Parameters
    ----------
    r_dipole : array_like, shape (3,)
        Dipole position :math:`\\mathbf r_0` in m.
    q : array_like, shape (3,)
        Dipole moment :math:`\\mathbf Q` in A·m (10 nAm is ``1e-8``).
    r_sensors : array_like, shape (n, 3) or (3,)
        Field points in m. None may coincide with the dipole.

    Returns
    -------
    B : ndarray, shape (n, 3)
        Magnetic flux density in T.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, eq. (13); Sarvas (1987) Phys Med Biol 32:11.
    """
    r0 = check_vec3("r_dipole", r_dipole, unit="m")
    qv = check_vec3("q", q, unit="A·m")
    r = check_points("r_sensors", r_sensors)
    d = r - r0
    dist = np.linalg.norm(d, axis=1)
    if np.any(dist == 0):
        i = int(np.flatnonzero(dist == 0)[0])
        raise ValueError(f"r_sensors must differ from r_dipole (distance > 0 m); sensor {i} "
                         f"coincides with the dipole")
    return MU0_OVER_4PI * np.cross(qv, d) / dist[:, None] ** 3


def dipole_potential_infinite(r_dipole, q, r_electrodes, sigma=0.33) -> np.ndarray:
    """Electric potential of a current dipole in an infinite homogeneous conductor.

    .. math:: V_0(\\mathbf r) = \\frac{\\mathbf Q \\cdot (\\mathbf r - \\mathbf r_0)}
              {4\\pi\\sigma |\\mathbf r - \\mathbf r_0|^3}

    Parameters
    ----------
    r_dipole : array_like, shape (3,)
        Dipole position in m.
    q : array_like, shape (3,)
        Dipole moment in A·m.
    r_electrodes : array_like, shape (n, 3) or (3,)
        Field points in m, none at the dipole.
    sigma : float, default 0.33
        Conductivity in S/m (0.33 S/m is the brain value used by MNE's sphere and BEM models).

    Returns
    -------
    V : ndarray, shape (n,)
        Potential in V, relative to infinity.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413; Mosher, Leahy & Lewis (1999) IEEE TBME 46:245.
    """
    r0 = check_vec3("r_dipole", r_dipole, unit="m")
    qv = check_vec3("q", q, unit="A·m")
    r = check_points("r_electrodes", r_electrodes)
    s = float(check_positive("sigma", sigma, unit="S/m"))
    d = r - r0
    dist = np.linalg.norm(d, axis=1)
    if np.any(dist == 0):
        raise ValueError("r_electrodes must differ from r_dipole (distance > 0 m)")
    return (d @ qv) / (4 * np.pi * s * dist**3)


def volume_current_density(r_dipole, q, r_points) -> np.ndarray:
    r"""Ohmic return (volume) current density of a dipole in an infinite homogeneous conductor.

    .. math:: \mathbf J_v = -\sigma\nabla V_0 = \frac{1}{4\pi}\Big[
              \frac{3(\mathbf Q\cdot\mathbf d)\,\mathbf d}{d^5} - \frac{\mathbf Q}{d^3}\Big],
              \qquad \mathbf d = \mathbf r - \mathbf r_0.

    It does not depend on the conductivity (σ cancels), flows backwards next to the dipole and
    closes the current loop of the primary current.

    Parameters
    ----------
    r_dipole : array_like, shape (3,)
        Dipole position in m.
    q : array_like, shape (3,)
        Dipole moment in A·m.
    r_points : array_like, shape (n, 3) or (3,)
        Points in m, none at the dipole.

    Returns
    -------
    J : ndarray, shape (n, 3)
        Current density in A/m² (ampere per square metre) for the moment in A·m.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. II.C; Plonsey (1969) Bioelectric
    Phenomena.
    """
    r0 = check_vec3("r_dipole", r_dipole, unit="m")
    qv = check_vec3("q", q, unit="A·m")
    d = check_points("r_points", r_points) - r0
    dist = np.linalg.norm(d, axis=1)
    if np.any(dist == 0):
        raise ValueError("r_points must differ from r_dipole (distance > 0 m)")
    qd = d @ qv
    return (3 * qd[:, None] * d / dist[:, None] ** 5 - qv / dist[:, None] ** 3) / (4 * np.pi)


# --------------------------------------------------------------------------------------------
# spherically symmetric conductor (Sarvas 1987)
# --------------------------------------------------------------------------------------------
def sarvas_field(r_dipole, q, r_sensors, center=(0, 0, 0)) -> np.ndarray:
    """Magnetic field outside a spherically symmetric conductor (Sarvas 1987).

    With :math:`\\mathbf r_0` the dipole and :math:`\\mathbf r` the field point, both relative
    to the sphere centre, :math:`\\mathbf a = \\mathbf r - \\mathbf r_0`,
    :math:`F = a(ra + r^2 - \\mathbf r_0\\cdot\\mathbf r)` and

    .. math:: \\mathbf B = \\frac{\\mu_0}{4\\pi F^2}\\big[F\\,\\mathbf Q\\times\\mathbf r_0
              - ((\\mathbf Q\\times\\mathbf r_0)\\cdot\\mathbf r)\\nabla F\\big].

    The result includes the volume currents, does not depend on the conductivity profile or the
    radius of the sphere, vanishes for a radial dipole and for a dipole at the centre, and is the
    same formula MNE-Python evaluates for ``make_sphere_model(r0=center, head_radius=None)``.

    Parameters
    ----------
    r_dipole : array_like, shape (3,)
        Dipole position in m (head frame).
    q : array_like, shape (3,)
        Dipole moment in A·m.
    r_sensors : array_like, shape (n, 3) or (3,)
        Field points in m. Each must be farther from ``center`` than the dipole (outside the
        conductor).
    center : array_like, shape (3,), default (0, 0, 0)
        Centre of the sphere in m.

    Returns
    -------
    B : ndarray, shape (n, 3)
        Magnetic flux density in T.

    Raises
    ------
    ValueError
        If a sensor is not farther from the centre than the dipole.

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11, eq. (25); MNE-Python ``_do_sphere_field``.
    """
    c = check_vec3("center", center, unit="m")
    r0 = check_vec3("r_dipole", r_dipole, unit="m") - c
    qv = check_vec3("q", q, unit="A·m")
    r = check_points("r_sensors", r_sensors) - c
    check_sensors_outside(r, r0[None, :])
    if np.linalg.norm(r0) <= 1e-10:  # dipole at the centre: B = 0 exactly (MNE skips it too)
        return np.zeros_like(r)
    a_vec = r - r0
    a = np.linalg.norm(a_vec, axis=1)
    rn = np.linalg.norm(r, axis=1)
    ar = rn**2 - r @ r0  # a·r
    F = a * (rn * a + ar)
    grad_F = ((a**2 / rn + ar / a + 2 * a + 2 * rn)[:, None] * r
              - (a + 2 * rn + ar / a)[:, None] * r0[None, :])
    qxr0 = np.cross(qv, r0)
    return MU0_OVER_4PI * (
        qxr0[None, :] / F[:, None] - ((r @ qxr0) / F**2)[:, None] * grad_F
    )


def volume_current_field(r_dipole, q, r_sensors, center=(0, 0, 0)) -> np.ndarray:
    """Contribution of the volume (return) currents to the field outside a sphere.

    ``B_volume = sarvas_field - dipole_field_infinite``, so that
    ``B = B_primary + B_volume``. For a radial dipole it cancels the primary field exactly;
    its radial component is zero everywhere outside the sphere.

    Parameters
    ----------
    r_dipole : array_like, shape (3,)
        Dipole position in m.
    q : array_like, shape (3,)
        Dipole moment in A·m.
    r_sensors : array_like, shape (n, 3) or (3,)
        Field points outside the conductor, in m.
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m.

    Returns
    -------
    B_volume : ndarray, shape (n, 3)
        Magnetic flux density of the volume currents in T.

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11; Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. II.C.
    """
    return sarvas_field(r_dipole, q, r_sensors, center) - dipole_field_infinite(r_dipole, q,
                                                                                 r_sensors)


@dataclass(frozen=True)
class FieldSplit:
    """The field outside a sphere split into its primary- and volume-current parts (all in T).

    Attributes
    ----------
    primary : ndarray, shape (n, 3)
        Biot–Savart field of the primary current, T.
    volume : ndarray, shape (n, 3)
        Field of the volume currents, T.
    total : ndarray, shape (n, 3)
        ``primary + volume`` (the Sarvas field), T.
    """

    primary: np.ndarray
    volume: np.ndarray
    total: np.ndarray


def split_field(r_dipole, q, r_sensors, center=(0, 0, 0)) -> FieldSplit:
    """Return the primary, volume and total fields of a dipole in a sphere.

    Parameters
    ----------
    r_dipole : array_like, shape (3,)
        Dipole position in m.
    q : array_like, shape (3,)
        Dipole moment in A·m.
    r_sensors : array_like, shape (n, 3) or (3,)
        Field points outside the conductor, in m.
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m.

    Returns
    -------
    FieldSplit
        ``primary``, ``volume`` and ``total`` fields, each (n, 3) in T.

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11.
    """
    total = sarvas_field(r_dipole, q, r_sensors, center)
    primary = dipole_field_infinite(r_dipole, q, r_sensors)
    return FieldSplit(primary=primary, volume=total - primary, total=total)


# --------------------------------------------------------------------------------------------
# quasi-static approximation
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuasiStatic:
    """How well the quasi-static approximation holds at one frequency (SI units).

    Attributes
    ----------
    frequency : ndarray
        Frequency in Hz.
    wavelength_vacuum : ndarray
        c / f in m.
    wavelength_tissue : ndarray
        2π / Re(k) in m, with k the complex wavenumber in the tissue.
    skin_depth : ndarray
        1 / |Im(k)| in m (the e-folding distance of the field amplitude).
    displacement_ratio : ndarray
        ωε/σ: displacement current relative to conduction current (dimensionless).
    head_over_wavelength, head_over_skin_depth : ndarray
        ``head_radius`` divided by the tissue wavelength and by the skin depth.
    """

    frequency: np.ndarray
    wavelength_vacuum: np.ndarray
    wavelength_tissue: np.ndarray
    skin_depth: np.ndarray
    displacement_ratio: np.ndarray
    head_over_wavelength: np.ndarray
    head_over_skin_depth: np.ndarray


def quasistatic_check(frequency, sigma=0.33, eps_r=1e5, head_radius=0.09) -> QuasiStatic:
    """Quantify the quasi-static approximation for brain tissue at a given frequency.

    Uses the exact complex wavenumber of a plane wave in a conductive dielectric,
    :math:`k = \\omega\\sqrt{\\mu_0(\\varepsilon - i\\sigma/\\omega)}`, with
    :math:`\\varepsilon = \\varepsilon_r\\varepsilon_0`. In the good-conductor limit
    (:math:`\\omega\\varepsilon \\ll \\sigma`) the skin depth tends to
    :math:`\\delta = \\sqrt{2/(\\omega\\mu_0\\sigma)}` and the tissue wavelength to
    :math:`2\\pi\\delta`. The approximation is good when the head is much smaller than both and
    :math:`\\omega\\varepsilon/\\sigma \\ll 1`.

    Parameters
    ----------
    frequency : float or array_like
        Frequency in Hz (> 0).
    sigma : float, default 0.33
        Tissue conductivity in S/m (brain value of MNE's head models).
    eps_r : float, default 1e5
        Relative permittivity of tissue at low frequencies, dimensionless (order of magnitude
        quoted by Hämäläinen et al. 1993, sec. II.B).
    head_radius : float, default 0.09
        Head radius in m.

    Returns
    -------
    QuasiStatic
        Wavelengths and skin depth in m, and dimensionless ratios.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. II.B; Plonsey & Heppner (1967) Bull Math
    Biophys 29:657.
    """
    f = check_positive("frequency", frequency, unit="Hz")
    s = float(check_positive("sigma", sigma, unit="S/m"))
    er = float(check_positive("eps_r", eps_r))
    R = float(check_positive("head_radius", head_radius, unit="m"))
    omega = 2 * np.pi * f
    eps = er * EPS0
    k = omega * np.sqrt(MU0 * (eps - 1j * s / omega))
    lam = 2 * np.pi / np.abs(k.real)
    delta = 1 / np.abs(k.imag)
    return QuasiStatic(
        frequency=f,
        wavelength_vacuum=C_LIGHT / f,
        wavelength_tissue=lam,
        skin_depth=delta,
        displacement_ratio=omega * eps / s,
        head_over_wavelength=R / lam,
        head_over_skin_depth=R / delta,
    )
