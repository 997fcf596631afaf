"""Intravascular vs extravascular contributions to the gradient-echo BOLD signal change.

A voxel is modelled as two compartments (Boxerman et al. 1995; Obata et al. 2004): blood with volume
fraction V and tissue with 1 - V. At echo time TE the GRE signal is

    S = (1 - V) exp(-TE (R2*_t + R2'_ev(Y))) + V exp(-TE R2_b(Y)),

where the extravascular dephasing around randomly oriented magnetised vessels is
R2'_ev = 4.3 ϑ0 V (1 - Y) (Ogawa et al. 1993, Biophys J 64:803) with ϑ0 = 40.3 s^-1 at 1.5 T,
proportional to B0, and the blood relaxation rate rises quadratically with deoxygenation,
R2_b(Y) = R2_0 + K (1 - Y)^2 (Thulborn et al. 1982, BBA 714:265; Zhao et al. 2007, MRM 58:592).
On top of R2_b, blood inside a vessel at angle θ to B0 precesses at the offset
Δω(θ) = 2π ϑ0 (1 - Y) (3 cos²θ - 1)/3 (the Lorentz-corrected field inside a magnetised cylinder, with
2π ϑ0 the equatorial surface offset in rad/s); averaging over isotropically oriented vessels
dephases the intravascular signal further (Boxerman et al. 1995, MRM 34:4). Activation raises the
venous saturation from ``Y_rest`` to ``Y_act`` at fixed V, and the change of each compartment is
compared. This is a teaching model: it reproduces the trend with field (the blood share shrinks as
blood relaxation outpaces TE), not the measured shares. Crusher-gradient measurements in human
visual cortex (Donahue et al. 2011, NMR Biomed 24:25) give intravascular shares of about 54, 30 and
9 % of the GE-BOLD change at 1.5, 3 and 7 T (``MEASURED_IV_SHARE``); the model gives about 28, 13
and 5 % at TE = 30 ms, roughly half.

What the model leaves out. Ogawa's static-dephasing rate treats the tissue around *every* vessel,
capillaries included, as if water did not move. Around capillaries (radius ~3 µm, water
diffusivity ~1 µm²/ms) a water molecule diffuses across the field pattern in τ_D = r²/D ≈ 10 ms,
comparable to 1/Δω at 1.5–3 T (:func:`capillary_diffusion_regime`), so their extravascular
dephasing is partly averaged away (diffusion or motional narrowing; Kennan et al. 1994, MRM 31:9;
Boxerman et al. 1995). A narrowed capillary term would be smaller than the static one and grow
faster with field (∝ B0² rather than ∝ B0), so including it lowers the extravascular change
most at low field and *raises* the intravascular share there. ``static_fraction`` bounds the effect
by removing the capillary blood volume from the extravascular term altogether: with 0.6 (about
40 % of cortical blood in capillaries) the share at 1.5 T rises only to about 38 %, still below the
measurement; the rest of the gap lies in the blood model (the 1.5 T blood T2 is extrapolated;
blood volume changes and inflow are ignored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import fresnel

from neurocourse._validation import check_positive, check_range

__all__ = [
    "BLOOD_T2",
    "MEASURED_IV_SHARE",
    "TISSUE_T2STAR",
    "BloodT2",
    "CompartmentSplit",
    "blood_r2",
    "capillary_diffusion_regime",
    "gre_compartments",
    "tabulated_field",
]


@dataclass(frozen=True)
class BloodT2:
    """Oxygenation dependence of the transverse relaxation rate of blood at one field.

    R2(Y) = R2_0 + K (1 - Y)^2.

    Attributes
    ----------
    field_strength : float
        B0, T.
    R2_0 : float
        Relaxation rate of fully oxygenated blood, s^-1.
    K : float
        Deoxygenation coefficient, s^-1.
    source : str
        Where the numbers come from.
    """

    field_strength: float
    R2_0: float
    K: float
    source: str

    @classmethod
    def from_two_points(cls, field_strength, Y1, T2_1, Y2, T2_2, source=""):
        """Fit R2_0 and K exactly through two measured (Y, T2) pairs (Y in [0, 1], T2 in s)."""
        a1, a2 = (1.0 - Y1) ** 2, (1.0 - Y2) ** 2
        K = (1.0 / T2_2 - 1.0 / T2_1) / (a2 - a1)
        return cls(float(field_strength), 1.0 / T2_1 - K * a1, K, source)


_B3 = BloodT2.from_two_points(
    3.0, 0.61, 36.2e-3, 0.73, 55.3e-3,
    "Zhao et al. 2007 (MRM 58:592) venous blood T2 at Y = 0.61 and 0.73, as tabulated by "
    "Hua et al. 2011 (Table 3)",
)
#: Blood relaxation models by field (T). 3 T: fit through Zhao et al. (2007). 7 T: fit through the
#: arterial (68 ms) and venous (20 ms) T2 at Hct 0.42 of Krishnamurthy et al. (2014, MRM 71:2035),
#: taking the conventional saturations Y = 0.98 (arterial) and 0.60 (venous). 1.5 T: the 3 T model
#: with K scaled by (1.5/3)^2, the B0^2 law of Thulborn et al. (1982); an extrapolation.
BLOOD_T2 = {
    1.5: BloodT2(1.5, _B3.R2_0, _B3.K * 0.25, "3 T model (Zhao 2007) with K scaled by B0^2"),
    3.0: _B3,
    7.0: BloodT2.from_two_points(
        7.0, 0.98, 68e-3, 0.60, 20e-3,
        "Krishnamurthy et al. 2014 (MRM 71:2035), arterial/venous T2 at Hct 0.42",
    ),
}
#: Grey-matter T2* by field, s (Peters et al. 2007, MRI 25:748; 7 T agrees with the 32.2 ms of
#: Cohen-Adad et al. 2012).
TISSUE_T2STAR = {1.5: 84.0e-3, 3.0: 66.0e-3, 7.0: 33.2e-3}
#: ϑ0 at 1.5 T, s^-1 (Obata et al. 2004); proportional to B0.
_THETA0_1P5T = 40.3
#: Measured intravascular share of the GE-BOLD change in human visual cortex, by field (T), as a
#: fraction: the signal removed by diffusion (crusher) gradients, Donahue et al. (2011, NMR Biomed
#: 24:25). Rounded values; about a third of GE-BOLD is still intravascular at 3 T.
MEASURED_IV_SHARE = {1.5: 0.54, 3.0: 0.30, 7.0: 0.09}


@dataclass(frozen=True)
class CompartmentSplit:
    """Signal changes of the two compartments, as fractions of the fully relaxed signal M0.

    Attributes
    ----------
    intravascular, extravascular : ndarray
        ΔS/M0 from blood and from tissue water, dimensionless.
    intravascular_fraction : ndarray
        intravascular / (intravascular + extravascular), dimensionless.
    """

    intravascular: np.ndarray
    extravascular: np.ndarray
    intravascular_fraction: np.ndarray


def tabulated_field(field_strength):
    """The key of ``BLOOD_T2`` and ``TISSUE_T2STAR`` that ``field_strength`` names.

    Parameters
    ----------
    field_strength : float
        B0 in T; must be one of 1.5, 3.0, 7.0 (to 1e-9 T).

    Returns
    -------
    float
        The tabulated field, T.
    """
    b0 = float(check_positive("field_strength", field_strength, unit="T"))
    for key in BLOOD_T2:
        if abs(b0 - key) < 1e-9:
            return key
    raise ValueError(f"field_strength must be one of {sorted(BLOOD_T2)} T, got {b0!r}")


def _orientation_average(a):
    """|<exp(i a (3u^2 - 1))>| for u = cos θ uniform on [0, 1] (isotropic vessel orientations).

    Closed form with the Fresnel integrals: ∫_0^1 exp(i 3a u²) du = sqrt(π/(6a)) [C(T) + i S(T)],
    T = sqrt(6a/π); the constant phase exp(-ia) drops out of the magnitude. ``a`` >= 0 (rad).
    """
    a = np.asarray(a, dtype=float)
    safe = np.where(a > 0, a, 1.0)
    T = np.sqrt(6.0 * safe / np.pi)
    S, C = fresnel(T)
    val = np.abs(np.sqrt(np.pi / (6.0 * safe)) * (C + 1j * S))
    return np.where(a > 0, val, 1.0)


def blood_r2(Y, field_strength=3.0):
    """Transverse relaxation rate of blood, R2 = R2_0 + K (1 - Y)^2, at a tabulated field.

    Parameters
    ----------
    Y : array_like
        Haemoglobin O2 saturation, fraction in [0, 1].
    field_strength : float
        B0 in T, one of 1.5, 3.0, 7.0 (see ``BLOOD_T2`` for the sources).

    Returns
    -------
    ndarray
        R2 in s⁻¹, shaped like ``Y``.
    """
    y = check_range("Y", Y, 0, 1)
    m = BLOOD_T2[tabulated_field(field_strength)]
    return m.R2_0 + m.K * (1.0 - y) ** 2


def capillary_diffusion_regime(radius=3e-6, field_strength=3.0, Y=0.6, D=1e-9):
    """Diffusion regime of extravascular dephasing around a vessel: Δω · τ_D.

    Δω = 2π ϑ0 (1 - Y) is the frequency offset at the vessel surface (ϑ0 = 40.3 s^-1 at 1.5 T,
    proportional to B0; Ogawa et al. 1993, Obata et al. 2004) and τ_D = r²/D the time water takes
    to diffuse across the vessel's field pattern. Δω τ_D ≫ 1 is the static-dephasing regime of
    Ogawa's and Yablonskiy & Haacke's formulas; Δω τ_D ≲ 1 is the diffusion-narrowed regime,
    where the extravascular rate is smaller and scales as (Δω)² τ_D (Kennan et al. 1994).

    Parameters
    ----------
    radius : array_like
        Vessel radius in m, > 0. Default 3e-6 (a capillary).
    field_strength : float
        B0 in T, > 0.
    Y : float
        Venous (vessel) O2 saturation, fraction in [0, 1].
    D : float
        Water diffusion coefficient in m²/s, > 0. Default 1e-9 (tissue, about 1 µm²/ms).

    Returns
    -------
    ndarray
        Δω τ_D, dimensionless.

    References
    ----------
    Kennan, Zhong & Gore (1994) MRM 31:9; Boxerman et al. (1995) MRM 34:555; Ogawa et al. (1993)
    Biophys J 64:803.
    """
    r = check_positive("radius", radius, unit="m")
    b0 = float(check_positive("field_strength", field_strength, unit="T"))
    y = float(check_range("Y", Y, 0, 1))
    d = float(check_positive("D", D, unit="m^2/s"))
    return 2.0 * np.pi * _THETA0_1P5T * (b0 / 1.5) * (1.0 - y) * r**2 / d


def gre_compartments(field_strength=3.0, TE=0.03, Y_rest=0.6, Y_act=0.7, blood_volume=0.04,
                     static_fraction=1.0):
    """Intravascular and extravascular GRE signal changes on activation.

    Parameters
    ----------
    field_strength : float
        B0 in T, one of 1.5, 3.0, 7.0.
    TE : array_like
        Echo time, s, > 0.
    Y_rest, Y_act : float
        Venous saturation at rest and during activation, each a fraction in [0, 1] (they must differ).
        Defaults 0.6 and 0.7.
    blood_volume : float
        Blood volume fraction V of the voxel, in (0, 1). Default 0.04 (grey matter).
    static_fraction : float
        Fraction of V whose surrounding tissue dephases in the static regime (Ogawa's formula), in
        [0, 1], dimensionless. Default 1 (all vessels). A value below 1 drops the rest, e.g. the
        capillaries, from the extravascular term: the limit of complete diffusion narrowing, an
        upper bound on what a narrowed capillary term could change. The blood signal keeps all of V.

    Returns
    -------
    CompartmentSplit
        ΔS/M0 of each compartment and the intravascular share, broadcast over ``TE``.
    """
    b0 = tabulated_field(field_strength)
    te = check_positive("TE", TE, unit="s")
    y0 = float(check_range("Y_rest", Y_rest, 0, 1))
    y1 = float(check_range("Y_act", Y_act, 0, 1))
    if y0 == y1:
        raise ValueError(f"Y_act must differ from Y_rest, got {y1!r} for both")
    V = float(check_range("blood_volume", blood_volume, 0, 1, low_inclusive=False,
                          high_inclusive=False))
    fs = float(check_range("static_fraction", static_fraction, 0, 1))
    theta0 = _THETA0_1P5T * b0 / 1.5
    tissue = (1.0 - V) * np.exp(-te / TISSUE_T2STAR[b0])

    def ev(y):
        return tissue * np.exp(-te * 4.3 * theta0 * fs * V * (1.0 - y))

    def iv(y):
        dephasing = _orientation_average(2.0 * np.pi * theta0 * (1.0 - y) * te / 3.0)
        return V * np.exp(-te * blood_r2(y, b0)) * dephasing

    d_iv = iv(y1) - iv(y0)
    d_ev = ev(y1) - ev(y0)
    return CompartmentSplit(d_iv, d_ev, d_iv / (d_iv + d_ev))
