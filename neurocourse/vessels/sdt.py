"""Static dephasing theory of Yablonskiy & Haacke: frequency scale, f_c, signal and ΔR2*.

Times in s, angular frequencies in rad/s, fields in T; susceptibilities SI (dimensionless).

References
----------
Yablonskiy & Haacke (1994), MRM 32:749 (static dephasing regime, f_c).
"""

from __future__ import annotations

import numpy as np
from scipy.special import j0, roots_jacobi

from neurocourse._validation import as_finite, check_positive, check_range, unwrap_0d
from neurocourse.vessels.field import GAMMA

__all__ = ["yh_dR2star", "yh_delta_omega", "yh_fc", "yh_signal"]


def yh_delta_omega(B0, dchi):
    """Characteristic frequency of Yablonskiy & Haacke, ``δω = γ Δχ B0 / 3`` (rad/s).

    Parameters
    ----------
    B0 : float or array_like
        Main field, T (>= 0).
    dchi : float or array_like
        SI susceptibility difference (dimensionless).

    Returns
    -------
    delta_omega : float or ndarray
        rad/s; equal to 2/3 of the equatorial surface shift γΔχB0/2.

    Notes
    -----
    Yablonskiy & Haacke (1994), MRM 32:749, eq. 6, converted from cgs (4π/3 γ Δχ_cgs B0).
    """
    B0 = check_positive("B0", B0, unit="T", allow_zero=True)
    dchi = as_finite("dchi", dchi)
    return unwrap_0d(GAMMA * dchi * B0 / 3.0)


def _one_minus_j0(z):
    z = np.asarray(z, dtype=float)
    z2 = z * z
    series = z2 / 4.0 - z2**2 / 64.0 + z2**3 / 2304.0
    return np.where(np.abs(z) < 0.02, series, 1.0 - j0(z))


def yh_fc(x):
    """Yablonskiy–Haacke dephasing function for randomly oriented cylinders.

    .. math::

        f_c(x) = \\frac13\\int_0^1 \\frac{(2+u)\\sqrt{1-u}\\,[1-J_0(1.5\\,x\\,u)]}{u^2}\\,du

    Parameters
    ----------
    x : float or array_like
        Dimensionless time δω·t (>= 0).

    Returns
    -------
    fc : float or ndarray
        Dimensionless; ``≈ 0.3 x²`` for ``x ≲ 1`` and ``≈ x - 1`` for ``x ≫ 1``.

    Notes
    -----
    Yablonskiy & Haacke (1994), MRM 32:749, eq. 22. Evaluated with Gauss–Jacobi quadrature for
    the weight √(1-u); the rest of the integrand is entire in u, so the rule converges
    spectrally once its node count exceeds the number of oscillations of J0.
    """
    x = check_positive("x", x, allow_zero=True)
    n = 60 + int(np.ceil(np.max(x, initial=0.0)))
    t, w = roots_jacobi(n, 0.5, 0.0)
    u = 0.5 * (1.0 + t)
    g = (2.0 + u) * _one_minus_j0(1.5 * x[..., None] * u) / u**2
    return unwrap_0d(g @ w * 0.5**1.5 / 3.0)


def yh_signal(t, zeta, delta_omega):
    """Extravascular static-dephasing signal ``exp[-ζ f_c(δω t)]`` of Yablonskiy & Haacke.

    Parameters
    ----------
    t : float or array_like
        Time after excitation (gradient-echo TE), s (>= 0).
    zeta : float
        Blood volume fraction, in (0, 1).
    delta_omega : float or array_like
        Characteristic frequency from :func:`yh_delta_omega`, rad/s.

    Returns
    -------
    S : float or ndarray
        Signal relative to the same tissue without susceptibility difference (dimensionless).

    Notes
    -----
    Yablonskiy & Haacke (1994), MRM 32:749, eq. 21 (first order in ζ).
    """
    t = check_positive("t", t, unit="s", allow_zero=True)
    zeta = check_range("zeta", zeta, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    dw = as_finite("delta_omega", delta_omega, unit="rad/s")
    return unwrap_0d(np.exp(-zeta * yh_fc(np.abs(dw) * t)))


def yh_dR2star(TE, zeta, delta_omega):
    """Static-dephasing relaxation-rate change ``ζ f_c(δω TE) / TE`` (s⁻¹).

    Parameters
    ----------
    TE : float or array_like
        Echo time, s (> 0).
    zeta : float
        Blood volume fraction, in (0, 1).
    delta_omega : float or array_like
        rad/s, from :func:`yh_delta_omega`.

    Returns
    -------
    dR2star : float or ndarray
        s⁻¹; tends to ζ δω (the R2' of cylinders) for δω TE ≫ 1.

    Notes
    -----
    Yablonskiy & Haacke (1994), MRM 32:749; the GRE plateau of Boxerman et al. (1995).
    """
    TE = check_positive("TE", TE, unit="s")
    return unwrap_0d(-np.log(yh_signal(TE, zeta, delta_omega)) / TE)
