"""Susceptibility fields: the field offset around a magnetised cylinder, and blood susceptibility.

Units are SI: lengths in m, fields in T, angles in radians. Susceptibilities are SI volume
susceptibilities (dimensionless; χ_SI = 4π χ_cgs).

References
----------
Ogawa et al. (1993), Biophys. J. 64:803 (field around a magnetised cylinder).
Spees et al. (2001), MRM 45:533 (susceptibility of deoxygenated red cells).
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_positive, check_range, unwrap_0d

__all__ = ["DCHI_DO_SI", "GAMMA", "blood_susceptibility", "cylinder_field"]


#: Proton gyromagnetic ratio, rad s⁻¹ T⁻¹ (CODATA 2018).
GAMMA = 2.6752218744e8

#: Susceptibility difference between fully deoxygenated and fully oxygenated blood per unit
#: haematocrit, SI: 4π × 0.27 ppm (cgs), the value of Spees et al. (2001) as commonly quoted
#: (e.g. by Jain et al. 2010). Yablonskiy & Haacke (1994) used 0.18 ppm cgs instead.
DCHI_DO_SI = 4.0 * np.pi * 0.27e-6


def cylinder_field(x, y, radius, B0, dchi, theta=np.pi / 2):
    """Field offset around and inside an infinitely long magnetised cylinder.

    The cylinder's axis makes angle ``theta`` with B0. ``(x, y)`` are coordinates in the plane
    perpendicular to the axis, with x along the projection of B0 onto that plane.

    .. math::

        \\Delta B = \\begin{cases}
        \\frac{\\Delta\\chi}{2} B_0 \\sin^2\\theta \\,\\frac{R^2}{r^2}\\cos 2\\phi, & r > R\\\\
        \\frac{\\Delta\\chi}{6} B_0 (3\\cos^2\\theta - 1), & r \\le R
        \\end{cases}

    Parameters
    ----------
    x, y : float or array_like
        In-plane coordinates relative to the cylinder axis, m.
    radius : float
        Cylinder radius R, m (> 0).
    B0 : float or array_like
        Main field, T (>= 0).
    dchi : float or array_like
        SI volume-susceptibility difference, inside minus outside (dimensionless).
    theta : float or array_like, default π/2
        Angle between the cylinder axis and B0, rad.

    Returns
    -------
    dB : float or ndarray
        z-component of the field offset (parallel to B0), T. Multiply by :data:`GAMMA` for the
        angular frequency offset in rad/s. The inside value includes the Lorentz-sphere
        correction.

    Notes
    -----
    Ogawa et al. (1993), Biophys. J. 64:803, written in SI units (the cgs form has
    2πΔχ in place of Δχ/2).
    """
    x = as_finite("x", x, unit="m")
    y = as_finite("y", y, unit="m")
    R = check_positive("radius", radius, unit="m")
    B0 = check_positive("B0", B0, unit="T", allow_zero=True)
    dchi = as_finite("dchi", dchi)
    theta = as_finite("theta", theta, unit="rad")
    r2 = x**2 + y**2
    inside = r2 <= R**2
    safe = np.where(inside, 1.0, r2)
    outside = 0.5 * dchi * B0 * np.sin(theta) ** 2 * R**2 * (x**2 - y**2) / safe**2
    intra = dchi * B0 * (3.0 * np.cos(theta) ** 2 - 1.0) / 6.0
    return unwrap_0d(np.where(inside, intra, outside))


def blood_susceptibility(Hct, Y, dchi_do=DCHI_DO_SI):
    """SI susceptibility difference between blood and tissue, ``Hct (1 - Y) dchi_do``.

    Parameters
    ----------
    Hct : float or array_like
        Haematocrit, volume fraction in [0, 1].
    Y : float or array_like
        Oxygen saturation, fraction in [0, 1].
    dchi_do : float, default :data:`DCHI_DO_SI`
        SI susceptibility difference between fully deoxygenated and oxygenated blood per unit
        haematocrit (dimensionless).

    Returns
    -------
    dchi : float or ndarray
        SI volume-susceptibility difference (dimensionless). Oxygenated blood is taken as
        susceptibility-matched to tissue.

    Notes
    -----
    Weisskoff & Kiihne (1992), MRM 24:375; Spees et al. (2001), MRM 45:533.
    """
    Hct = check_range("Hct", Hct, 0.0, 1.0)
    Y = check_range("Y", Y, 0.0, 1.0)
    dchi_do = as_finite("dchi_do", dchi_do)
    return unwrap_0d(Hct * (1.0 - Y) * dchi_do)
