"""Intravascular vs extravascular GRE signal change: data fits, orientation average, limits."""

import numpy as np
import pytest
from scipy.integrate import quad

from neurocourse.bold import BLOOD_T2, blood_r2, gre_compartments
from neurocourse.bold.compartments import TISSUE_T2STAR, _orientation_average


def test_blood_models_pass_through_the_cited_data():
    # The fits must reproduce the measured T2 values exactly (two equations, two unknowns).
    assert 1 / blood_r2(0.61, 3.0) == pytest.approx(36.2e-3, rel=1e-12)
    assert 1 / blood_r2(0.73, 3.0) == pytest.approx(55.3e-3, rel=1e-12)
    assert 1 / blood_r2(0.98, 7.0) == pytest.approx(68e-3, rel=1e-12)
    assert 1 / blood_r2(0.60, 7.0) == pytest.approx(20e-3, rel=1e-12)
    # Thulborn B0^2 scaling of the deoxygenation term from 3 T to 1.5 T
    assert BLOOD_T2[1.5].K == pytest.approx(BLOOD_T2[3.0].K / 4, rel=1e-15)
    # Venous blood relaxes faster at higher field
    assert blood_r2(0.6, 1.5) < blood_r2(0.6, 3.0) < blood_r2(0.6, 7.0)


@pytest.mark.parametrize("a", [1e-3, 0.3, 1.0, 4.7, 20.0])
def test_orientation_average_vs_quadrature(a):
    re, _ = quad(lambda u: np.cos(a * (3 * u**2 - 1)), 0, 1, limit=200, epsabs=1e-13)
    im, _ = quad(lambda u: np.sin(a * (3 * u**2 - 1)), 0, 1, limit=200, epsabs=1e-13)
    # Fresnel closed form vs adaptive quadrature, both good to ~1e-12
    assert _orientation_average(a) == pytest.approx(np.hypot(re, im), rel=1e-10)
    assert _orientation_average(0.0) == 1.0


def test_intravascular_share_shrinks_with_field():
    frac = [float(gre_compartments(b, 0.03).intravascular_fraction) for b in (1.5, 3.0, 7.0)]
    assert frac[0] > frac[1] > frac[2]
    assert frac[2] < 0.1  # blood contributes little at 7 T, TE = 30 ms
    s = gre_compartments(3.0, np.array([0.02, 0.03, 0.05]))
    assert np.all(s.intravascular > 0) and np.all(s.extravascular > 0)  # oxygenation raises both
    assert np.all(np.diff(s.intravascular_fraction) < 0)  # longer TE: blood has decayed more


def test_short_te_limit_is_ratio_of_rate_changes():
    # For TE -> 0 each change is -TE * (compartment weight) * (change of its rate), and the
    # orientation dephasing enters only at O(TE^2).
    b0, V, y0, y1, te = 3.0, 0.04, 0.6, 0.7, 1e-7
    s = gre_compartments(b0, te, y0, y1, V)
    d_iv = -V * (blood_r2(y1, b0) - blood_r2(y0, b0))
    d_ev = -(1 - V) * 4.3 * 40.3 * 2 * V * (y0 - y1)
    # first-order expansion: relative error O(TE * rates) ~ 1e-5
    assert float(s.intravascular_fraction) == pytest.approx(d_iv / (d_iv + d_ev), rel=1e-4)
    assert set(TISSUE_T2STAR) == set(BLOOD_T2)


def test_bad_input():
    with pytest.raises(ValueError, match="field_strength"):
        gre_compartments(9.4)
    with pytest.raises(ValueError, match="TE"):
        gre_compartments(3.0, -0.03)
    with pytest.raises(ValueError, match="Y_act"):
        gre_compartments(3.0, 0.03, 0.6, 0.6)
    with pytest.raises(ValueError, match="blood_volume"):
        gre_compartments(3.0, 0.03, blood_volume=1.2)
    with pytest.raises(ValueError, match="Y"):
        blood_r2(1.5)
