"""Volumetric energy budget: O2 -> ATP and the Na+ current behind a CMRO2 change."""

import numpy as np
import pytest

from neurocourse import bold


def test_atp_from_o2_hand_value_and_inverse():
    # 5 ATP per O2 at P/O = 2.5 (Hinkle 2005): hand arithmetic
    assert float(bold.atp_rate_from_o2(2.0e-12)) == pytest.approx(1.0e-11, rel=1e-15)
    # round trip through the independent forward function o2_rate_from_atp (exact to round-off)
    o2 = np.array([0.0, 1e-12, 3.3e-2])
    for po in (1.5, 2.5, 2.7):
        np.testing.assert_allclose(bold.o2_rate_from_atp(bold.atp_rate_from_o2(o2, po), po), o2,
                                   rtol=1e-14)


def test_grey_matter_atp_per_neuron_order_of_magnitude():
    # Grey matter at 3.3 mL O2/100 g/min is 2.58e-2 mol O2 m^-3 s^-1 (22.414 L/mol, 1050 kg/m^3);
    # with 9e13 neurons/m^3 (about 90 000 per mm^3) that is ~1e9 ATP/s per neuron (glia
    # included), the order of the budget of Attwell & Laughlin (2001).
    o2 = 3.3e-6 / 22.414e-3 / 0.1 * 1050 / 60
    assert float(bold.cmro2_to_si(3.3)) == pytest.approx(o2, rel=1e-12)
    per_neuron = float(bold.atp_rate_from_o2(o2)) * 6.02214076e23 / 9e13
    assert 3e8 < per_neuron < 3e9


def test_current_for_change_inverts_the_forward_budget():
    # The forward chain (current -> Na+ -> ATP -> O2 -> ratio) is independent code: feeding it
    # the current returned here must give back the requested change (round-off only).
    base = np.array([2.5e-11, 2.58e-2])
    for pct in (0.0, 5.0, 20.0):
        i = bold.na_current_for_cmro2_change(pct, base)
        r = bold.cmro2_ratio_from_na(bold.na_rate_from_current(i), base)
        np.testing.assert_allclose(100 * (r - 1), pct, atol=1e-9)
    # hand value: 10 % of 1 mol/s needs 0.1 * 5 ATP/O2 * 3 Na+/ATP * F = 1.5 F amperes
    assert float(bold.na_current_for_cmro2_change(10.0, 1.0)) == pytest.approx(
        1.5 * 96485.33212, rel=1e-15)


def test_bad_input():
    with pytest.raises(ValueError, match="o2_rate"):
        bold.atp_rate_from_o2(-1.0)
    with pytest.raises(ValueError, match="p_o_ratio"):
        bold.atp_rate_from_o2(1.0, 0.0)
    with pytest.raises(ValueError, match="cmro2_baseline"):
        bold.na_current_for_cmro2_change(5.0, 0.0)
    with pytest.raises(ValueError, match="cmro2_change_percent"):
        bold.na_current_for_cmro2_change(-5.0, 1.0)
