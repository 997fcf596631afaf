"""Davis model, coupling ratio and Buxton–Frank oxygen limitation: closed forms and invariants."""

import numpy as np
import pytest

from neurocourse.bold import (
    bold_sign,
    buxton_cmro2_ratio,
    buxton_extraction,
    cmro2_ratio_from_coupling,
    coupling_ratio,
    davis_bold,
    davis_calibrate_M,
    davis_cmro2_ratio,
    davis_positive_threshold,
)

RNG = np.random.default_rng(7)
F = RNG.uniform(0.7, 2.0, 200)
R = RNG.uniform(0.8, 1.4, 200)


def test_davis_zero_at_rest_and_closed_form_values():
    assert davis_bold(1.0, 1.0) == 0.0
    # Seed scenario 1 by hand: M (1 - 1.5^(0.38 - 1.5)); exponent arithmetic only (1e-14).
    assert davis_bold(1.5, 1.0) == pytest.approx(0.08 * (1 - 1.5 ** -1.12), rel=1e-14)
    assert davis_bold(1.0, 1.2) == pytest.approx(0.08 * (1 - 1.2**1.5), rel=1e-14)


def test_davis_monotone_in_flow_and_metabolism():
    f = np.linspace(0.6, 2.5, 400)
    assert np.all(np.diff(davis_bold(f, 1.1)) > 0)
    r = np.linspace(0.6, 1.8, 400)
    assert np.all(np.diff(davis_bold(1.4, r)) < 0)


def test_davis_linearisation_matches_finite_difference():
    # d(ΔS/S)/df at rest = M (β - α), d/dr = -M β (derivative of the closed form).
    h = 1e-6
    dfd = (davis_bold(1 + h, 1.0) - davis_bold(1 - h, 1.0)) / (2 * h)
    drd = (davis_bold(1.0, 1 + h) - davis_bold(1.0, 1 - h)) / (2 * h)
    # central difference: O(h^2) truncation + round-off 1e-16/h ~ 1e-10 relative
    assert dfd == pytest.approx(0.08 * (1.5 - 0.38), rel=1e-8)
    assert drd == pytest.approx(-0.08 * 1.5, rel=1e-8)


@pytest.mark.parametrize(("alpha", "beta", "M"), [(0.38, 1.5, 0.08), (0.2, 1.3, 0.1),
                                                  (0.14, 0.91, 0.05)])
def test_davis_inversion_round_trip(alpha, beta, M):
    s = davis_bold(F, R, M, alpha, beta)
    # pure algebra on O(1) numbers: round-off only
    assert np.allclose(davis_cmro2_ratio(s, F, M, alpha, beta), R, rtol=1e-12, atol=0)


def test_hypercapnia_calibration_round_trip():
    f_hc = np.array([1.2, 1.5, 1.8])
    for M in (0.04, 0.08, 0.2):
        s_hc = davis_bold(f_hc, 1.0, M)
        assert np.allclose(davis_calibrate_M(s_hc, f_hc), M, rtol=1e-12, atol=0)  # round-off


def test_positive_threshold_and_sign_pattern():
    thr = davis_positive_threshold(F)
    assert np.allclose(davis_bold(F, thr), 0, atol=1e-15)  # the threshold is the zero set
    sign = bold_sign(F, R)
    assert np.array_equal(sign == 1, R < thr)
    # Seed scenarios: flow-only rise is positive, metabolism-only rise negative.
    assert bold_sign(1.5, 1.0) == 1 and bold_sign(1.0, 1.2) == -1 and bold_sign(1.0, 1.0) == 0
    # n > 1 is not sufficient: f = 1.5, r = 1.4 (n = 1.25) still gives a negative change.
    assert coupling_ratio(1.5, 1.4) > 1 and bold_sign(1.5, 1.4) == -1


def test_coupling_ratio_round_trip():
    n = RNG.uniform(1.2, 5.0, 200)
    r = cmro2_ratio_from_coupling(F, n)
    mask = np.abs(r - 1) > 1e-3  # n is ill-conditioned when r is close to 1
    assert np.allclose(coupling_ratio(F[mask], r[mask]), n[mask], rtol=1e-9)
    assert coupling_ratio(1.5, 1.2) == pytest.approx(2.5, rel=1e-14)


def test_buxton_properties():
    E0 = 0.34
    assert buxton_extraction(1.0, E0) == pytest.approx(E0, rel=1e-15)
    f = np.linspace(0.5, 4, 300)
    E = buxton_extraction(f, E0)
    assert np.all(np.diff(E) < 0)  # extraction falls as flow rises
    r = buxton_cmro2_ratio(f, E0)
    assert np.all(np.diff(r) > 0)
    assert np.all(r[f > 1] < f[f > 1])  # metabolism grows much more slowly than flow
    # Large implied coupling ratio under pure oxygen limitation (measured n is 2-4).
    assert coupling_ratio(1.5, buxton_cmro2_ratio(1.5, E0)) > 5
    # Continuity at f = 1: r -> 1 with slope d r/df = 1 + ln(1-E0)(1-E0)/E0 (derivative by hand).
    h = 1e-6
    slope = (buxton_cmro2_ratio(1 + h, E0) - buxton_cmro2_ratio(1 - h, E0)) / (2 * h)
    assert slope == pytest.approx(1 + np.log(1 - E0) * (1 - E0) / E0, rel=1e-7)  # O(h^2)


@pytest.mark.parametrize(
    ("func", "args", "match"),
    [
        (davis_bold, (0.0, 1.0), "cbf_ratio"),
        (davis_bold, (1.2, -1.0), "cmro2_ratio"),
        (davis_bold, (np.nan, 1.0), "cbf_ratio"),
        (davis_bold, (1.2, 1.0, 0.08, 1.5), "alpha"),
        (davis_bold, (1.2, 1.0, 0.08, 0.38, 0.0), "beta"),
        (coupling_ratio, (1.5, 1.0), "cmro2_ratio"),
        (davis_calibrate_M, (0.02, 1.0), "cbf_ratio_hc"),
        (davis_cmro2_ratio, (0.09, 1.5, 0.08), "bold"),
        (davis_cmro2_ratio, (0.01, 1.5, 0.0), "M"),
        (buxton_extraction, (1.5, 1.0), "E0"),
        (buxton_extraction, (-1.5, 0.3), "cbf_ratio"),
        (cmro2_ratio_from_coupling, (1.5, 0.0), "n"),
    ],
)
def test_bad_input(func, args, match):
    with pytest.raises(ValueError, match=match):
        func(*args)


def test_grubb_cbv_ratio_closed_form_and_davis_consistency():
    from neurocourse.bold import grubb_cbv_ratio

    f = np.array([0.8, 1.0, 1.5, 2.0])
    # Closed form (Grubb 1974): CBV/CBV0 = f**0.38; exact arithmetic, so 1e-14 is round-off.
    np.testing.assert_allclose(grubb_cbv_ratio(f), f**0.38, rtol=1e-14)
    assert grubb_cbv_ratio(1.0) == 1.0
    # Davis's model is M [1 - (CBV/CBV0) (r/f)^beta] with CBV from Grubb's law; at r = 1 it must equal
    # M [1 - v f^-beta]. Same arithmetic in another order, so 1e-12 covers round-off.
    from neurocourse.bold import davis_bold

    v = grubb_cbv_ratio(f)
    np.testing.assert_allclose(davis_bold(f, 1.0), 0.08 * (1 - v * (1 / f) ** 1.5), rtol=1e-12)
    with pytest.raises(ValueError, match="alpha"):
        grubb_cbv_ratio(1.2, alpha=1.5)


def test_literature_coupling_ratios_and_exponent_sets():
    # Fox & Raichle (1986): +29 % CBF, +5 % CMRO2 -> n = 0.29 / 0.05 = 5.8 (literature numbers)
    from neurocourse.bold import DAVIS_CLASSIC, DAVIS_VENOUS_3T, coupling_ratio, davis_cmro2_ratio

    assert float(coupling_ratio(1.29, 1.05)) == pytest.approx(5.8, rel=1e-12)
    assert DAVIS_CLASSIC == (0.38, 1.5) and DAVIS_VENOUS_3T == (0.2, 1.3)
    # The exponents matter for calibrated BOLD: the same M, flow and BOLD change imply different
    # CMRO2 changes. Closed form r = [(1 - dS/(S0 M)) / f^(a - b)]^(1/b) evaluated by hand:
    f, M, s = 1.5, 0.075, 0.012
    for a, b in (DAVIS_CLASSIC, DAVIS_VENOUS_3T):
        expected = ((1 - s / M) / f ** (a - b)) ** (1 / b)
        assert float(davis_cmro2_ratio(s, f, M, a, b)) == pytest.approx(expected, rel=1e-12)
    r_classic = float(davis_cmro2_ratio(s, f, M, *DAVIS_CLASSIC))
    r_venous = float(davis_cmro2_ratio(s, f, M, *DAVIS_VENOUS_3T))
    assert abs(r_classic - r_venous) > 0.01  # more than a percentage point of CMRO2
