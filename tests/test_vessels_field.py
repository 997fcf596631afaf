"""neurocourse.vessels.field: the cylinder field (closed forms, harmonicity, magic angle) and blood susceptibility."""

import numpy as np
import pytest

from neurocourse import vessels as V

R, B0, DCHI = 5e-6, 3.0, 1e-6  # vessel radius (m), field (T), SI susceptibility difference

# ---------------------------------------------------------------------------------------------
# field around a cylinder


def test_outside_field_zero_mean_and_symmetry():
    phi = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    for r in [1.01 * R, 2 * R, 7.3 * R]:
        for theta in [0.3, np.pi / 2, 2.0]:
            b = V.cylinder_field(r * np.cos(phi), r * np.sin(phi), R, B0, DCHI, theta)
            # a uniform 64-point rule integrates cos 2φ exactly; residual is rounding (1e-20 T
            # is ~1e-14 of the 1e-6 T peak)
            assert abs(b.mean()) < 1e-20
    x, y = 1.7 * R, 0.6 * R
    f = V.cylinder_field(x, y, R, B0, DCHI)
    # mirror symmetry in both axes and sign flip under a 90° rotation (cos 2φ); rounding only
    assert V.cylinder_field(-x, y, R, B0, DCHI) == pytest.approx(f, rel=1e-14)
    assert V.cylinder_field(x, -y, R, B0, DCHI) == pytest.approx(f, rel=1e-14)
    assert V.cylinder_field(y, x, R, B0, DCHI) == pytest.approx(-f, rel=1e-14)


def test_outside_field_closed_form_values():
    # equatorial surface value Δχ B0 / 2 at θ = 90°, r = R, φ = 0; and along y it is the negative
    assert V.cylinder_field(R * (1 + 1e-12), 0.0, R, B0, DCHI) == pytest.approx(DCHI * B0 / 2, rel=1e-10)
    assert V.cylinder_field(0.0, 2 * R, R, B0, DCHI) == pytest.approx(-DCHI * B0 / 8, rel=1e-12)
    # parallel to B0 there is no outside field
    assert V.cylinder_field(2 * R, R, R, B0, DCHI, theta=0.0) == 0.0
    # sin²θ scaling
    assert V.cylinder_field(2 * R, 0.0, R, B0, DCHI, theta=np.pi / 6) == pytest.approx(
        0.25 * V.cylinder_field(2 * R, 0.0, R, B0, DCHI), rel=1e-12
    )


def test_outside_field_is_harmonic():
    h = 1e-3 * R
    x, y = 2.1 * R, 1.3 * R
    f = lambda a, b: V.cylinder_field(a, b, R, B0, DCHI)  # noqa: E731
    lap = (f(x + h, y) + f(x - h, y) + f(x, y + h) + f(x, y - h) - 4 * f(x, y)) / h**2
    scale = abs(f(x, y)) / R**2
    # 5-point Laplacian: truncation O(h²) ~ 1e-6 relative, rounding ~ eps/h² ~ 1e-10 relative
    assert abs(lap) < 1e-4 * scale


def test_inside_field_and_magic_angle():
    for theta in [0.0, 0.5, np.pi / 2]:
        expected = DCHI * B0 * (3 * np.cos(theta) ** 2 - 1) / 6
        got = V.cylinder_field(0.3 * R, -0.2 * R, R, B0, DCHI, theta)
        assert got == pytest.approx(expected, rel=1e-14)
    magic = np.arccos(1 / np.sqrt(3))
    # zero up to rounding of cos² (a few ulps of the Δχ B0 / 6 scale)
    assert abs(V.cylinder_field(0.0, 0.0, R, B0, DCHI, magic)) < 1e-14 * DCHI * B0
    assert V.cylinder_field(0.0, 0.0, R, B0, DCHI, magic - 0.1) > 0
    assert V.cylinder_field(0.0, 0.0, R, B0, DCHI, magic + 0.1) < 0


def test_blood_susceptibility_units():
    # SI value is 4π × the cgs value 0.27 ppm per unit Hct
    assert V.DCHI_DO_SI / (4 * np.pi) == pytest.approx(0.27e-6, rel=1e-14)
    assert V.blood_susceptibility(0.4, 1.0) == 0.0
    assert V.blood_susceptibility(0.4, 0.6) == pytest.approx(0.4 * 0.4 * V.DCHI_DO_SI, rel=1e-14)
    # YH δω is 2/3 of the equatorial surface shift γΔχB0/2
    assert V.yh_delta_omega(3.0, DCHI) == pytest.approx(2 / 3 * V.GAMMA * DCHI * 3.0 / 2, rel=1e-14)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: V.cylinder_field(1.0, 1.0, -1e-6, 3.0, 1e-6), "radius"),
        (lambda: V.blood_susceptibility(1.2, 0.6), "Hct"),
    ],
)
def test_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()
