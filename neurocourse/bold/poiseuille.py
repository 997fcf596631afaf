"""Poiseuille's law for laminar flow in a vessel: why a small dilation gives a large flow change.

Q = π r^4 ΔP / (8 η L) (Hagen–Poiseuille; standard fluid mechanics). At fixed pressure drop the
flow scales with the fourth power of the radius.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_positive

__all__ = [
    "BLOOD_VISCOSITY",
    "dilation_for_flow_ratio",
    "flow_ratio_from_dilation",
    "poiseuille_flow",
    "poiseuille_resistance",
]

#: Apparent viscosity of whole blood at high shear, Pa·s (about 3–4 mPa·s) [std].
BLOOD_VISCOSITY = 3.5e-3


def poiseuille_resistance(radius, length, viscosity=BLOOD_VISCOSITY):
    """Hydraulic resistance of a cylindrical vessel, R = 8 η L / (π r^4).

    Parameters
    ----------
    radius : array_like
        Vessel radius, m, > 0.
    length : array_like
        Vessel length, m, > 0.
    viscosity : array_like
        Dynamic viscosity, Pa·s, > 0. Default 3.5e-3 (blood).

    Returns
    -------
    ndarray
        Resistance in units of Pa·s/m^3.
    """
    r = check_positive("radius", radius, unit="m")
    L = check_positive("length", length, unit="m")
    eta = check_positive("viscosity", viscosity, unit="Pa s")
    return 8.0 * eta * L / (np.pi * r**4)


def poiseuille_flow(radius, pressure_drop, length, viscosity=BLOOD_VISCOSITY):
    """Volumetric flow of laminar Poiseuille flow, Q = π r^4 ΔP / (8 η L).

    Parameters
    ----------
    radius : array_like
        Vessel radius, m, > 0.
    pressure_drop : array_like
        Pressure difference along the vessel in units of Pa (any sign).
    length : array_like
        Vessel length, m, > 0.
    viscosity : array_like
        Dynamic viscosity, Pa·s, > 0. Default 3.5e-3 (blood).

    Returns
    -------
    ndarray
        Flow in units of m^3/s (same sign as ``pressure_drop``).
    """
    dp = as_finite("pressure_drop", pressure_drop, unit="Pa")
    return dp / poiseuille_resistance(radius, length, viscosity)


def flow_ratio_from_dilation(radius_ratio):
    """Flow ratio Q/Q0 for a radius ratio r/r0 at a fixed pressure drop: (r/r0)^4.

    Parameters
    ----------
    radius_ratio : array_like
        r/r0, dimensionless, > 0 (1.1 is a 10 % dilation).

    Returns
    -------
    ndarray
        Q/Q0, dimensionless.
    """
    rho = check_positive("radius_ratio", radius_ratio)
    return rho**4


def dilation_for_flow_ratio(flow_ratio):
    """Radius ratio needed for a given flow ratio at a fixed pressure drop: (Q/Q0)^(1/4).

    Parameters
    ----------
    flow_ratio : array_like
        Q/Q0, dimensionless, > 0 (1.5 is a 50 % flow increase).

    Returns
    -------
    ndarray
        r/r0, dimensionless.
    """
    F = check_positive("flow_ratio", flow_ratio)
    return F**0.25
