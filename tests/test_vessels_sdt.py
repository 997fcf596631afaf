"""neurocourse.vessels.sdt: Yablonskiy-Haacke f_c against quadrature, its limits, and the SDT signal."""

import warnings

import numpy as np
import pytest
from scipy.integrate import IntegrationWarning, quad
from scipy.special import j0, roots_legendre

from neurocourse import vessels as V

# ---------------------------------------------------------------------------------------------
# field around a cylinder


def _fc_quad(x):
    def f(u):
        return (2 + u) * (1 - j0(1.5 * x * u)) / u**2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        v, _ = quad(f, 0, 1, weight="alg", wvar=(0, 0.5), limit=1000, epsabs=0, epsrel=1e-13)
    return v / 3


def _g_perp(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IntegrationWarning)
        return quad(lambda u: (1 - j0(x * u)) / u**2, 0, 1, limit=1000, epsabs=0, epsrel=1e-12)[0]


@pytest.mark.parametrize("x", [0.5, 1.0, 3.0, 10.0, 30.0, 100.0])
def test_fc_against_quad(x):
    # QAWS handles the sqrt(1-u) endpoint analytically; for x >= 0.5 the naive 1 - J0 in the
    # oracle loses < 1e-13, so 1e-10 is a safe margin over both methods' error
    assert V.yh_fc(x) == pytest.approx(_fc_quad(x), rel=1e-10)


def test_fc_small_argument_series():
    # f_c = 0.3 x² - (3/280) x⁴ + O(x⁶): from 1 - J0(z) = z²/4 - z⁴/64 + ..., with
    # ∫(2+u)√(1-u) du = 8/5 and ∫(2+u)u²√(1-u) du = 128/315 (Beta functions).
    x = np.array([1e-3, 1e-2, 0.05, 0.1])
    series = 0.3 * x**2 - 3 / 280 * x**4
    # next term is ~3e-4 x⁶ (coefficient 1.5⁶/2304/3 × ∫(2+u)u⁴√(1-u) du < 1e-3)
    assert np.all(np.abs(V.yh_fc(x) - series) <= 1e-3 * x**6 + 1e-18)
    assert V.yh_fc(0.0) == 0.0


def test_fc_large_argument_limit():
    # f_c → x - 1. The constant -1 is (1/3)[∫((2+u)√(1-u) - 2)/u² du - 2], checked by quad here.
    c0 = (quad(lambda u: ((2 + u) * np.sqrt(1 - u) - 2) / u**2, 0, 1)[0] - 2) / 3
    assert c0 == pytest.approx(-1.0, abs=1e-10)  # quad's own error estimate is < 1e-12
    for x in [10.0, 30.0, 100.0, 300.0]:
        rem = V.yh_fc(x) - (x + c0)
        # the remainder decays like 1/(6x) (positive); bound it by 0.2/x
        assert 0 < rem < 0.2 / x


def test_fc_is_orientation_average_of_g_perp():
    # f_c(x) = ∫_0^1 g_perp(1.5 x (1 - μ²)) dμ (isotropic average over cos θ), fmri.md §5.3
    mu, w = roots_legendre(40)
    mu, w = 0.5 * (mu + 1), 0.5 * w
    for x in [0.7, 4.0, 12.0]:
        avg = sum(wi * _g_perp(1.5 * x * (1 - m**2)) for m, wi in zip(mu, w))
        # 40 Gauss nodes on a smooth integrand: error far below 1e-8
        assert avg == pytest.approx(V.yh_fc(x), rel=1e-8)


def test_yh_signal_and_rate():
    dw = V.yh_delta_omega(3.0, V.blood_susceptibility(0.4, 0.6))
    t = np.array([0.0, 0.01, 0.03])
    np.testing.assert_allclose(V.yh_signal(t, 0.02, dw), np.exp(-0.02 * V.yh_fc(dw * t)), rtol=1e-14)
    # long-TE plateau approaches ζ δω (R2' of cylinders), from below by ζ/TE
    TE = 100 / dw
    assert V.yh_dR2star(TE, 0.02, dw) == pytest.approx(0.02 * dw * (1 - 1 / 100), rel=3e-3)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: V.yh_signal(0.03, 1.5, 100.0), "zeta"),
        (lambda: V.yh_fc(-1.0), "x"),
    ],
)
def test_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()
