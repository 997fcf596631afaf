"""Oxygen delivery and extraction: Fick's principle, arterial O2 content, the OEF ratio,
venous deoxyhaemoglobin and the sign of the BOLD change.

Units: haemoglobin concentration in g/L (= kg/m^3), partial pressure in Pa, O2 content in mol/m^3
of blood, perfusion (CBF) in s^-1 (m^3 blood per m^3 tissue per second) and CMRO2 in
mol m^-3 s^-1 (per m^3 of tissue). Helpers convert the clinical units mL/100 g/min and mL/dL.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_positive, check_range
from neurocourse.bold.coupling import davis_bold

__all__ = [
    "HUFNER",
    "MMHG",
    "O2_MOLAR_VOLUME",
    "O2_SOLUBILITY",
    "arterial_o2_content",
    "bold_sign",
    "cbf_to_si",
    "cmro2_fick",
    "cmro2_to_si",
    "o2_content_to_ml_per_dl",
    "oef_from_fick",
    "oef_ratio",
    "venous_dhb_ratio",
    "venous_saturation",
]

#: Molar volume of an ideal gas at STP (0 °C, 101.325 kPa), m^3/mol [std].
O2_MOLAR_VOLUME = 22.414e-3
#: One mmHg in Pa [std].
MMHG = 133.322
#: Hüfner's constant: O2 bound per mass of haemoglobin, 1.34 mL O2 (STP) per g Hb, here in mol/kg
#: (textbook clinical value; 1.36–1.39 also appear).
HUFNER = 1.34e-6 / O2_MOLAR_VOLUME / 1e-3
#: Solubility of O2 in plasma, 0.003 mL O2 per dL blood per mmHg, here in mol m^-3 Pa^-1 [std].
O2_SOLUBILITY = 0.003e-6 / 1e-4 / O2_MOLAR_VOLUME / MMHG
#: Typical density of brain tissue, kg/m^3 (1.04–1.05 g/mL) [std]; used to convert per-100 g rates.
BRAIN_DENSITY = 1050.0


def arterial_o2_content(hb=150.0, sao2=0.98, pao2=100 * MMHG):
    """Arterial O2 content, CaO2 = 1.34 [Hb] SaO2 + 0.003 PaO2 (in SI units).

    Parameters
    ----------
    hb : array_like
        Haemoglobin concentration in units of g/L (= kg/m^3), > 0. Default 150 (15 g/dL).
    sao2 : array_like
        Arterial haemoglobin O2 saturation, fraction in [0, 1]. Default 0.98.
    pao2 : array_like
        Arterial O2 partial pressure in units of Pa, >= 0. Default 100 mmHg = 13.33 kPa.

    Returns
    -------
    ndarray
        O2 content, mol O2 per m^3 of blood (= mmol/L); 20 mL/dL is about 8.9 mol/m^3.
        Standard physiology (e.g. West, *Respiratory Physiology*): Hüfner's 1.34 mL/g and a
        plasma solubility of 0.003 mL dL^-1 mmHg^-1.
    """
    hb = check_positive("hb", hb, unit="g/L")
    sa = check_range("sao2", sao2, 0, 1)
    pa = check_positive("pao2", pao2, unit="Pa", allow_zero=True)
    return HUFNER * hb * sa + O2_SOLUBILITY * pa


def o2_content_to_ml_per_dl(content):
    """Convert an O2 content from mol/m^3 to the clinical mL O2 (STP) per dL of blood.

    Parameters
    ----------
    content : array_like
        O2 content in units of mol/m^3 of blood.

    Returns
    -------
    ndarray
        O2 content in units of mL O2 (STP) per dL of blood.
    """
    c = as_finite("content", content)
    return c * O2_MOLAR_VOLUME * 1e6 * 1e-4


def cbf_to_si(cbf_ml_per_100g_per_min, density=BRAIN_DENSITY):
    """Convert a perfusion from mL blood/100 g tissue/min to SI, s^-1.

    Parameters
    ----------
    cbf_ml_per_100g_per_min : array_like
        CBF in units of mL/100 g/min, >= 0 (about 50 whole brain).
    density : float
        Tissue density in units of kg/m^3, > 0. Default 1050.

    Returns
    -------
    ndarray
        CBF as m^3 blood per m^3 tissue per second, s^-1.
    """
    c = check_positive("cbf_ml_per_100g_per_min", cbf_ml_per_100g_per_min, allow_zero=True)
    rho = check_positive("density", density, unit="kg/m^3")
    return c * 1e-6 / 0.1 * rho / 60.0


def cmro2_to_si(cmro2_ml_per_100g_per_min, density=BRAIN_DENSITY):
    """Convert CMRO2 from mL O2 (STP)/100 g tissue/min to SI, mol m^-3 s^-1.

    Parameters
    ----------
    cmro2_ml_per_100g_per_min : array_like
        CMRO2 in units of mL O2/100 g/min, >= 0 (about 3.0–3.5 in grey matter).
    density : float
        Tissue density in units of kg/m^3, > 0. Default 1050.

    Returns
    -------
    ndarray
        CMRO2, mol O2 per m^3 tissue per second.
    """
    c = check_positive("cmro2_ml_per_100g_per_min", cmro2_ml_per_100g_per_min, allow_zero=True)
    rho = check_positive("density", density, unit="kg/m^3")
    return c * 1e-6 / O2_MOLAR_VOLUME / 0.1 * rho / 60.0


def cmro2_fick(cbf, oef, cao2):
    """Fick's principle: CMRO2 = CBF · OEF · CaO2.

    Parameters
    ----------
    cbf : array_like
        Perfusion in s⁻¹ (m^3 blood per m^3 tissue per s), >= 0.
    oef : array_like
        Oxygen extraction fraction, dimensionless, in [0, 1].
    cao2 : array_like
        Arterial O2 content in units of mol/m^3 of blood, >= 0.

    Returns
    -------
    ndarray
        CMRO2 in units of mol m^-3 s^-1 (Kety & Schmidt 1948; any consistent units work).
    """
    cbf = check_positive("cbf", cbf, unit="1/s", allow_zero=True)
    e = check_range("oef", oef, 0, 1)
    ca = check_positive("cao2", cao2, unit="mol/m^3", allow_zero=True)
    return cbf * e * ca


def oef_from_fick(cmro2, cbf, cao2):
    """Oxygen extraction fraction from Fick's principle, OEF = CMRO2 / (CBF · CaO2).

    Parameters
    ----------
    cmro2 : array_like
        Oxygen consumption in units of mol m^-3 s^-1, >= 0.
    cbf : array_like
        Perfusion in s⁻¹, > 0.
    cao2 : array_like
        Arterial O2 content in units of mol/m^3 of blood, > 0.

    Returns
    -------
    ndarray
        OEF, dimensionless. Raises ValueError if the delivery cannot supply ``cmro2`` (OEF > 1).
    """
    m = check_positive("cmro2", cmro2, unit="mol/m^3/s", allow_zero=True)
    cbf = check_positive("cbf", cbf, unit="1/s")
    ca = check_positive("cao2", cao2, unit="mol/m^3")
    e = m / (cbf * ca)
    if np.any(e > 1):
        raise ValueError(f"cmro2 exceeds the O2 delivery CBF*CaO2 (OEF must be <= 1), "
                         f"got OEF {np.max(e)!r}")
    return e


def oef_ratio(cbf_ratio, cmro2_ratio):
    """Ratio of the active to the resting OEF at constant arterial O2 content: OEF/OEF0 = r/f.

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    cmro2_ratio : array_like
        r = CMRO2/CMRO2_0, dimensionless, > 0.

    Returns
    -------
    ndarray
        OEF/OEF0, dimensionless (Fick's principle with CaO2 fixed).
    """
    f = check_positive("cbf_ratio", cbf_ratio)
    r = check_positive("cmro2_ratio", cmro2_ratio)
    return r / f


def venous_saturation(oef, sao2=0.98):
    """Venous haemoglobin saturation implied by an extraction fraction: Sv = Sa (1 - OEF).

    Dissolved O2 (about 1.5 % of the content) is neglected, as usual in BOLD models.

    Parameters
    ----------
    oef : array_like
        Oxygen extraction fraction, dimensionless, in [0, 1].
    sao2 : array_like
        Arterial saturation, fraction in [0, 1]. Default 0.98.

    Returns
    -------
    ndarray
        Sv, fraction.
    """
    e = check_range("oef", oef, 0, 1)
    sa = check_range("sao2", sao2, 0, 1)
    return sa * (1.0 - e)


def venous_dhb_ratio(cbf_ratio, cmro2_ratio, oef0=0.34, sao2=1.0):
    """Ratio of the venous deoxyhaemoglobin concentration, active over rest.

    [dHb]_v ∝ 1 - Sv with Sv = Sa (1 - OEF0 r/f), so the ratio is
    (1 - Sa (1 - OEF0 r/f)) / (1 - Sa (1 - OEF0)); with Sa = 1 it equals the OEF ratio r/f.

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    cmro2_ratio : array_like
        r = CMRO2/CMRO2_0, dimensionless, > 0.
    oef0 : float
        Resting OEF, dimensionless, in (0, 1). Default 0.34 (Friston et al. 2000).
    sao2 : float
        Arterial saturation, fraction in (0, 1]. Default 1.0.

    Returns
    -------
    ndarray
        [dHb]_v / [dHb]_v0, dimensionless. Raises ValueError if the active OEF would exceed 1.
    """
    ratio = oef_ratio(cbf_ratio, cmro2_ratio)
    e0 = check_range("oef0", oef0, 0, 1, low_inclusive=False, high_inclusive=False)
    sa = check_range("sao2", sao2, 0, 1, low_inclusive=False)
    e = e0 * ratio
    if np.any(e > 1):
        raise ValueError(f"cmro2_ratio/cbf_ratio implies an OEF > 1 (oef0 * r/f must be <= 1), "
                         f"got {np.max(e)!r}")
    return (1.0 - sa * (1.0 - e)) / (1.0 - sa * (1.0 - e0))


def bold_sign(cbf_ratio, cmro2_ratio, alpha=0.38, beta=1.5):
    """Sign of the BOLD change predicted by the Davis model: +1, 0 or -1.

    The change is positive iff r < f^(1 - α/β): a flow rise must outpace the CMRO2 rise by enough to
    also cover the extra deoxyhaemoglobin held in the dilated veins (Davis et al. 1998).

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    cmro2_ratio : array_like
        r = CMRO2/CMRO2_0, dimensionless, > 0.
    alpha, beta : float
        Davis exponents, dimensionless (defaults 0.38 and 1.5, see :func:`davis_bold`).

    Returns
    -------
    ndarray of int
        Dimensionless sign: +1 (signal increase), -1 (decrease) or 0 (no change, to within 1e-12).
    """
    y = davis_bold(cbf_ratio, cmro2_ratio, M=1.0, alpha=alpha, beta=beta)
    return np.where(np.abs(y) < 1e-12, 0, np.sign(y)).astype(int)
