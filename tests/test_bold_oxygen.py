"""Oxygen delivery, energy budget and Poiseuille's law: closed forms, unit conversions done by hand,
and an independent numerical integration of the Poiseuille velocity profile."""

import numpy as np
import pytest
from scipy.integrate import quad

from neurocourse.bold import (
    FARADAY,
    arterial_o2_content,
    atp_rate_from_na,
    cbf_to_si,
    cmro2_fick,
    cmro2_ratio_from_na,
    cmro2_to_si,
    dilation_for_flow_ratio,
    flow_ratio_from_dilation,
    na_rate_from_current,
    o2_content_to_ml_per_dl,
    o2_rate_from_atp,
    o2_rate_from_na,
    oef_from_fick,
    oef_ratio,
    poiseuille_flow,
    poiseuille_resistance,
    venous_dhb_ratio,
    venous_saturation,
)

# ---------- oxygen ----------


def test_arterial_content_matches_clinical_formula():
    # 1.34 * 15 g/dL * 0.98 + 0.003 * 100 mmHg = 19.998 mL/dL (clinical units, by hand).
    ca = arterial_o2_content(150.0, 0.98, 100 * 133.322)
    assert o2_content_to_ml_per_dl(ca) == pytest.approx(19.998, rel=1e-12)  # unit algebra only
    # 20 mL/dL at STP is 200 mL/L / 22.414 L/mol = 8.923 mmol/L = mol/m^3
    assert o2_content_to_ml_per_dl(200 / 22.414) == pytest.approx(20.0, rel=1e-12)


def test_unit_conversions_by_hand():
    # 50 mL/100 g/min * 1.05 g/mL = 0.525 mL/mL/min = 0.00875 1/s
    assert cbf_to_si(50.0) == pytest.approx(0.00875, rel=1e-12)
    # 3.3 mL/100 g/min -> 0.033 mL/g/min * 1.05e6 g/m^3 / 22414 mL/mol / 60 s
    assert cmro2_to_si(3.3) == pytest.approx(0.033 * 1.05e6 / 22414 / 60, rel=1e-12)


def test_fick_round_trip_and_clinical_oef():
    ca = arterial_o2_content()
    # OEF from textbook numbers: 3.3 / (50/100 * 19.998) with the density cancelling.
    oef = oef_from_fick(cmro2_to_si(3.3), cbf_to_si(50.0), ca)
    assert oef == pytest.approx(3.3 / (0.5 * 19.998), rel=1e-12)
    assert cmro2_fick(cbf_to_si(50.0), oef, ca) == pytest.approx(cmro2_to_si(3.3), rel=1e-12)


def test_oef_ratio_is_fick_invariant():
    rng = np.random.default_rng(3)
    f, r = rng.uniform(0.8, 2, 50), rng.uniform(0.8, 1.4, 50)
    ca, cbf0, oef0 = 8.9, 0.009, 0.35
    m0 = cmro2_fick(cbf0, oef0, ca)
    oef = oef_from_fick(r * m0, f * cbf0, ca)
    assert np.allclose(oef / oef0, oef_ratio(f, r), rtol=1e-12)  # algebraic identity
    # Seed scenarios
    assert oef_ratio(1.5, 1.0) == pytest.approx(2 / 3, rel=1e-15)
    assert oef_ratio(1.0, 1.2) == pytest.approx(1.2, rel=1e-15)


def test_venous_dhb():
    # With Sa = 1, [dHb]_v is proportional to OEF.
    assert venous_dhb_ratio(1.5, 1.0, sao2=1.0) == pytest.approx(2 / 3, rel=1e-14)
    # With Sa < 1: ratio of (1 - Sv) computed from venous_saturation, an independent path.
    sv0 = venous_saturation(0.4, 0.97)
    sv1 = venous_saturation(0.4 * 1.2 / 1.5, 0.97)
    assert venous_dhb_ratio(1.5, 1.2, 0.4, 0.97) == pytest.approx((1 - sv1) / (1 - sv0), rel=1e-14)
    assert venous_saturation(0.34, 1.0) == pytest.approx(0.66, rel=1e-15)


def test_oxygen_bad_input():
    with pytest.raises(ValueError, match="sao2"):
        arterial_o2_content(150, 1.2)
    with pytest.raises(ValueError, match="hb"):
        arterial_o2_content(-1)
    with pytest.raises(ValueError, match="oef"):
        cmro2_fick(0.01, 1.5, 8.0)
    with pytest.raises(ValueError, match="cmro2"):
        oef_from_fick(1.0, 0.01, 8.0)
    with pytest.raises(ValueError, match="cmro2_ratio"):
        venous_dhb_ratio(1.0, 4.0, 0.34)
    with pytest.raises(ValueError, match="cbf_ratio"):
        oef_ratio(0, 1)


# ---------- energy ----------


def test_stoichiometry_chain():
    assert atp_rate_from_na(3.0) == 1.0  # 3 Na+ per ATP
    assert o2_rate_from_atp(5.0) == 1.0  # P/O 2.5 per O atom -> 5 ATP per O2
    assert o2_rate_from_na(15.0) == pytest.approx(1.0, rel=1e-15)
    assert o2_rate_from_atp(6.0, p_o_ratio=1.5) == pytest.approx(2.0, rel=1e-15)
    assert cmro2_ratio_from_na(1.5e-6, 1e-6) == pytest.approx(1.1, rel=1e-14)


def test_current_to_flux():
    # 1 nA of Na+ current is 1e-9 C/s / F mol/s
    assert na_rate_from_current(1e-9) == pytest.approx(1e-9 / 96485.33212, rel=1e-15)
    assert na_rate_from_current(-2e-9) == pytest.approx(2e-9 / FARADAY, rel=1e-15)
    assert na_rate_from_current(2e-9, valence=2) == pytest.approx(1e-9 / FARADAY, rel=1e-15)


def test_energy_bad_input():
    with pytest.raises(ValueError, match="na_rate"):
        atp_rate_from_na(-1.0)
    with pytest.raises(ValueError, match="p_o_ratio"):
        o2_rate_from_atp(1.0, 0.0)
    with pytest.raises(ValueError, match="cmro2_baseline"):
        cmro2_ratio_from_na(1.0, 0.0)
    with pytest.raises(ValueError, match="valence"):
        na_rate_from_current(1.0, 0)
    with pytest.raises(ValueError, match="current"):
        na_rate_from_current(np.inf)


# ---------- Poiseuille ----------


def test_poiseuille_equals_integrated_velocity_profile():
    # Independent: integrate the parabolic profile u(r) = dP/(4 eta L) (R^2 - r^2) over the disc.
    R, dP, L, eta = 10e-6, 500.0, 1e-3, 3.5e-3
    q, _ = quad(lambda r: 2 * np.pi * r * dP / (4 * eta * L) * (R**2 - r**2), 0, R,
                epsabs=0, epsrel=1e-13)
    assert poiseuille_flow(R, dP, L, eta) == pytest.approx(q, rel=1e-10)  # quad accuracy
    assert poiseuille_resistance(R, L, eta) * poiseuille_flow(R, dP, L, eta) == pytest.approx(dP)


def test_dilation_and_flow():
    assert flow_ratio_from_dilation(1.1) == pytest.approx(1.4641, rel=1e-14)
    rho = np.linspace(0.5, 2, 30)
    assert np.allclose(dilation_for_flow_ratio(flow_ratio_from_dilation(rho)), rho, rtol=1e-14)
    # Same result as the ratio of two Poiseuille flows at equal pressure drop
    assert poiseuille_flow(1.2e-5, 100, 1e-3) / poiseuille_flow(1e-5, 100, 1e-3) == pytest.approx(
        flow_ratio_from_dilation(1.2), rel=1e-13)
    with pytest.raises(ValueError, match="radius_ratio"):
        flow_ratio_from_dilation(0.0)
    with pytest.raises(ValueError, match="flow_ratio"):
        dilation_for_flow_ratio(-1.0)
    with pytest.raises(ValueError, match="radius"):
        poiseuille_flow(-1e-5, 100, 1e-3)
