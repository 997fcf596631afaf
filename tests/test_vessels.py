"""Tests for neurocourse.vessels: cylinder field, Yablonskiy–Haacke theory, GRE/SE Monte Carlo.

Oracles: closed forms and invariants of the reference sheet fmri.md §5–6, scipy quadrature
(QAWS, an algorithm independent of the package's Gauss–Jacobi rule) and series expansions.
"""

import dataclasses
import warnings

import numpy as np
import pytest
from scipy.integrate import IntegrationWarning, quad
from scipy.special import j0, roots_legendre

from neurocourse import vessels as V

# ---------------------------------------------------------------------------------------------
# field around a cylinder

R, B0, DCHI = 5e-6, 3.0, 1e-6


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
    assert V.cylinder_field(R * (1 + 1e-12), 0.0, R, B0, DCHI) == pytest.approx(
        DCHI * B0 / 2, rel=1e-10)
    assert V.cylinder_field(0.0, 2 * R, R, B0, DCHI) == pytest.approx(-DCHI * B0 / 8, rel=1e-12)
    # parallel to B0 there is no outside field
    assert V.cylinder_field(2 * R, R, R, B0, DCHI, theta=0.0) == 0.0
    # sin²θ scaling
    assert V.cylinder_field(2 * R, 0.0, R, B0, DCHI, theta=np.pi / 6) == pytest.approx(
        0.25 * V.cylinder_field(2 * R, 0.0, R, B0, DCHI), rel=1e-12)


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
    assert V.yh_delta_omega(3.0, DCHI) == pytest.approx(
        2 / 3 * V.GAMMA * DCHI * 3.0 / 2, rel=1e-14)


# ---------------------------------------------------------------------------------------------
# Yablonskiy–Haacke


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
        return quad(lambda u: (1 - j0(x * u)) / u**2, 0, 1, limit=1000, epsabs=0,
                    epsrel=1e-12)[0]


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
    np.testing.assert_allclose(V.yh_signal(t, 0.02, dw), np.exp(-0.02 * V.yh_fc(dw * t)),
                               rtol=1e-14)
    # long-TE plateau approaches ζ δω (R2' of cylinders), from below by ζ/TE
    TE = 100 / dw
    assert V.yh_dR2star(TE, 0.02, dw) == pytest.approx(0.02 * dw * (1 - 1 / 100), rel=3e-3)


# ---------------------------------------------------------------------------------------------
# Monte Carlo

P = V.VesselParams()


def _domain_average_theory(TE, B0, params, n_orientations):
    """Orientation-domain YH: Σ_j w_j exp(-ζ g_perp(δω_eq sin²θ_j TE)), as -ln S / TE."""
    mu, w = roots_legendre(n_orientations)
    mu, w = 0.5 * (mu + 1), 0.5 * w
    dw_eq = V.GAMMA * params.dchi * B0 / 2
    S = sum(wi * np.exp(-params.zeta * _g_perp(dw_eq * (1 - m**2) * TE)) for m, wi in zip(mu, w))
    return -np.log(S) / TE


def test_mc_static_limit_matches_theory():
    static = dataclasses.replace(P, D=0.0)
    TE = np.array([0.01, 0.03, 0.06])
    res = V.simulate_vessel_mc([20e-6], B0=[3.0, 7.0], TE=TE, params=static, n_spins=40_000,
                               n_orientations=8, rng=1)
    # SE refocuses static dephasing exactly
    np.testing.assert_allclose(res.dR2_se, 0.0, atol=1e-9)
    for ib, b in enumerate(res.B0):
        for it, te in enumerate(TE):
            mc, sem = res.dR2star_ge[ib, it, 0], res.dR2star_ge_sem[ib, it, 0]
            theory = _domain_average_theory(te, b, P, 8)
            # 4 standard errors (sem includes geometry variability: spread across 8 boxes)
            assert abs(mc - theory) < 4 * sem, (b, te, mc, theory, sem)
            # YH averages the exponent instead of the signal; they differ at O(ζ²) (Jensen):
            # the gap is at most ζ Var(g)/2 ≈ 5 % at δωTE ≈ 20, so allow 4 sem + 6 %
            yh = res.static_dR2star[ib, it]
            assert abs(mc - yh) < 4 * sem + 0.06 * yh


def test_mc_scaling_invariance():
    kw = dict(B0=3.0, TE=0.04, n_spins=800, n_orientations=4, n_vessels=12, n_boxes=4)
    a = V.simulate_vessel_mc([3e-6], params=P, rng=7, **kw)
    s = 2.5
    b = V.simulate_vessel_mc([s * 3e-6], params=dataclasses.replace(P, D=s**2 * P.D), rng=7, **kw)
    # same seed: the walks are identical in units of R, so only rounding differs
    np.testing.assert_allclose(b.dR2star_ge, a.dR2star_ge, rtol=1e-9)
    np.testing.assert_allclose(b.dR2_se, a.dR2_se, rtol=1e-9)
    # independent seed: agreement within 4 combined standard errors
    c = V.simulate_vessel_mc([s * 3e-6], params=dataclasses.replace(P, D=s**2 * P.D), rng=8,
                             **kw)
    for q in ("dR2star_ge", "dR2_se"):
        diff = abs(getattr(c, q) - getattr(a, q))
        sem = np.hypot(getattr(c, q + "_sem"), getattr(a, q + "_sem"))
        assert np.all(diff < 4 * sem), q


def test_mc_literature_shape():
    radii = np.array([1.0, 2.5, 5.0, 12.0, 40.0, 100.0]) * 1e-6
    res = V.simulate_vessel_mc(radii, B0=[3.0, 7.0], TE=[0.03, 0.06], n_spins=2000,
                               n_orientations=6, rng=3)
    for ib in range(2):
        se = res.dR2_se[ib, 1]
        ge = res.dR2star_ge[ib, 0]
        k = int(np.argmax(se))
        # SE peaks at capillary radii (a few µm) and falls for large vessels (Boxerman 1995)
        assert 1 <= k <= 3, se
        assert se[-1] < 0.25 * se[k]
        # GRE rises with radius and plateaus near the static value for large vessels
        assert ge[0] < 0.5 * ge[-1]
        assert abs(ge[-1] - res.static_dR2star[ib, 0]) < 4 * res.dR2star_ge_sem[ib, 0, -1] \
            + 0.06 * res.static_dR2star[ib, 0]
    # the SE peak does not move to larger radii at higher field (R_peak ∝ B0^-1/2)
    assert np.argmax(res.dR2_se[1, 1]) <= np.argmax(res.dR2_se[0, 1])
    # at fixed radius the rates grow with field
    assert np.all(res.dR2star_ge[1] > res.dR2star_ge[0])


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: V.simulate_vessel_mc([-1e-6]), "radii"),
        (lambda: V.simulate_vessel_mc([1e-6], TE=-0.01), "TE"),
        (lambda: V.simulate_vessel_mc([1e-6], params=V.VesselParams(zeta=0.0)), "zeta"),
        (lambda: V.simulate_vessel_mc([1e-6], params=V.VesselParams(zeta=1.0)), "zeta"),
        (lambda: V.simulate_vessel_mc([1e-6], n_spins=1001), "n_spins"),
        (lambda: V.cylinder_field(1.0, 1.0, -1e-6, 3.0, 1e-6), "radius"),
        (lambda: V.blood_susceptibility(1.2, 0.6), "Hct"),
        (lambda: V.yh_signal(0.03, 1.5, 100.0), "zeta"),
        (lambda: V.yh_fc(-1.0), "x"),
    ],
)
def test_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ---------------------------------------------------------------------------------------------
# phase bookkeeping used by the exercises


def test_echo_phase_static_and_linear():
    rng = np.random.default_rng(0)
    w0 = rng.normal(0, 100, 50)  # rad/s, static offsets
    omega = np.repeat(w0[:, None], 40, axis=1)
    dt = 1e-3
    # GE: Δω TE; SE: exactly refocused (sums of equal halves), rounding only
    np.testing.assert_allclose(V.echo_phase(omega, dt, "ge"), w0 * 40 * dt, rtol=1e-13)
    np.testing.assert_allclose(V.echo_phase(omega, dt, "se"), 0.0, atol=1e-12)
    # a frequency that changes only in the second half is not refocused
    omega2 = omega.copy()
    omega2[:, 20:] += 10.0
    np.testing.assert_allclose(V.echo_phase(omega2, dt, "se"), 10.0 * 20 * dt, rtol=1e-12)
    # SE phase equals φ(TE) - 2 φ(TE/2) (the Monte Carlo's rule)
    om = rng.normal(0, 50, (5, 30))
    full = V.echo_phase(om, dt, "ge")
    half = V.echo_phase(om[:, :15], dt, "ge")
    np.testing.assert_allclose(V.echo_phase(om, dt, "se"), full - 2 * half, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="even"):
        V.echo_phase(om[:, :29], dt, "se")
    with pytest.raises(ValueError, match="sequence"):
        V.echo_phase(om, dt, "fid")


def test_dephasing_rate_gaussian_phases():
    # Gaussian phases of variance s²: |<e^{iφ}>| = e^{-s²/2} exactly in expectation.
    rng = np.random.default_rng(1)
    s, TE, n = 0.8, 0.05, 200_000
    rate = V.dephasing_rate(rng.normal(0.3, s, n), TE)
    # sampling error of the mean of cos is ~sqrt((1 - e^{-s²})/2n)/e^{-s²/2} ≈ 1.6e-3 in
    # ln S; 4 standard errors over TE gives 0.13 1/s
    assert rate == pytest.approx(s**2 / 2 / TE, abs=0.13)
    assert V.dephasing_rate(np.full(10, 2.0), TE) == pytest.approx(0.0, abs=1e-13)


def test_rank_by_sensitivity():
    radii = np.array([1, 3, 10, 30]) * 1e-6
    np.testing.assert_array_equal(V.rank_by_sensitivity(radii, [0.2, 0.9, 0.5, 0.1]),
                                  radii[[1, 2, 0, 3]])
