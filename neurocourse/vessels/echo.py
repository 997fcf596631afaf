"""Echo phases of spins in a gradient echo (GE) or spin echo (SE), and the dephasing they cause.

Angular frequencies in rad/s, times in s, phases in rad, rates in 1/s.

References
----------
Weisskoff et al. (1994), MRM 31:601; Boxerman et al. (1995), MRM 34:555 (GE vs SE vessel-size
sensitivity).
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_positive, unwrap_0d

__all__ = ["dephasing_rate", "echo_phase", "rank_by_sensitivity"]


def echo_phase(omega, dt, sequence="ge"):
    """Phase at the echo of spins that experience a frequency history ``omega``.

    Parameters
    ----------
    omega : array_like, shape (..., n_steps)
        Angular frequency offset of each spin in each time step [k dt, (k+1) dt), rad/s.
        The echo is at TE = n_steps · dt; for a spin echo n_steps must be even.
    dt : float
        Time step, s (> 0).
    sequence : {"ge", "se"}
        Gradient echo (phase keeps accumulating), or spin echo with an ideal 180° pulse at
        TE/2, which negates the phase gathered so far.

    Returns
    -------
    phase : ndarray, shape (...)
        Phase at TE, rad. For a static offset (constant ``omega``) the spin-echo phase is zero.

    Notes
    -----
    Hahn (1950), Phys. Rev. 80:580; the same rule as the spin-echo branch of
    :func:`simulate_vessel_mc`.
    """
    omega = as_finite("omega", omega, unit="rad/s")
    dt = float(check_positive("dt", dt, unit="s"))
    if omega.ndim < 1 or omega.shape[-1] < 1:
        raise ValueError(
            f"omega must have at least one time step on its last axis, got {omega.shape}")
    if sequence == "ge":
        return unwrap_0d(dt * omega.sum(axis=-1))
    if sequence == "se":
        n = omega.shape[-1]
        if n % 2:
            raise ValueError(
                f"omega must have an even number of time steps for a spin echo, got {n}")
        return unwrap_0d(dt * (omega[..., n // 2:].sum(axis=-1) - omega[..., : n // 2].sum(axis=-1)))
    raise ValueError(f"sequence must be 'ge' or 'se', got {sequence!r}")


def dephasing_rate(phases, TE):
    """Relaxation-rate increase from an ensemble of spin phases, ``-ln|⟨e^{iφ}⟩| / TE``.

    Parameters
    ----------
    phases : array_like, shape (..., n_spins)
        Phase of each spin at the echo, rad.
    TE : float
        Echo time, s (> 0).

    Returns
    -------
    dR : float or ndarray, shape (...)
        s⁻¹ (ΔR2* for gradient-echo phases, ΔR2 for spin-echo phases).

    Notes
    -----
    The voxel signal is the vector sum of the spins' magnetisations (Boxerman et al. 1995).
    """
    phases = as_finite("phases", phases, unit="rad")
    TE = float(check_positive("TE", TE, unit="s"))
    return unwrap_0d(-np.log(np.abs(np.exp(1j * phases).mean(axis=-1))) / TE)


def rank_by_sensitivity(radii, rates):
    """Vessel radii ordered from the largest to the smallest relaxation-rate change.

    Parameters
    ----------
    radii : array_like, shape (n,)
        Vessel radii, m.
    rates : array_like, shape (n,)
        ΔR2 or ΔR2* at each radius, s⁻¹.

    Returns
    -------
    ranked : ndarray, shape (n,)
        The radii, m, most sensitive first (ties keep their input order).
    """
    radii = as_finite("radii", radii, unit="m")
    rates = as_finite("rates", rates, unit="1/s")
    if radii.shape != rates.shape or radii.ndim != 1:
        raise ValueError(f"radii and rates must be 1-D of equal length, got {radii.shape} and "
                         f"{rates.shape}")
    return radii[np.argsort(-rates, kind="stable")]


# ---------------------------------------------------------------------------------------------
# Monte Carlo
