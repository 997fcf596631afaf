"""Closed forms and physical invariants of neurocourse.meg.fields (no MNE here).

Expected values come from independent closed forms (Biot–Savart by line integration, the
on-axis Sarvas formula derived by hand, the good-conductor skin depth), never from the code under
test.
"""

import numpy as np
import pytest

from neurocourse import meg

RNG = np.random.default_rng(20240601)


def _random_inside(n, rmax, rng=RNG):
    v = rng.normal(size=(n, 3))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v * rng.uniform(0.1 * rmax, rmax, size=(n, 1))


def _random_on_shell(n, radius, rng=RNG):
    v = rng.normal(size=(n, 3))
    return radius * v / np.linalg.norm(v, axis=1, keepdims=True)


# ------------------------------------------------------------------ infinite medium
def test_infinite_orthogonal_to_q_and_d():
    r0 = np.array([0.01, -0.02, 0.05])
    q = np.array([3e-8, -1e-8, 2e-8])
    r = _random_on_shell(50, 0.11)
    B = meg.dipole_field_infinite(r0, q, r)
    scale = np.linalg.norm(B, axis=1) * np.linalg.norm(q)
    # cross products are orthogonal up to round-off: a few ulps relative to |B||Q|
    assert np.all(np.abs(B @ q) <= 1e-13 * scale)
    d = r - r0
    assert np.all(np.abs(np.sum(B * d, axis=1)) <= 1e-13 * np.linalg.norm(B, axis=1)
                  * np.linalg.norm(d, axis=1))


def test_infinite_inverse_square_and_antisymmetry():
    r0 = np.array([0.0, 0.0, 0.03])
    q = np.array([1e-8, 0.0, 0.0])
    u = np.array([0.3, 0.5, 0.8]) / np.linalg.norm([0.3, 0.5, 0.8])
    dists = np.array([0.02, 0.04, 0.08, 0.16])
    B = meg.dipole_field_infinite(r0, q, r0 + dists[:, None] * u)
    mag = np.linalg.norm(B, axis=1)
    # |B| d^2 is exactly constant along a ray; rtol 1e-12 allows round-off only
    np.testing.assert_allclose(mag * dists**2, mag[0] * dists[0] ** 2, rtol=1e-12)
    Bm = meg.dipole_field_infinite(r0, q, r0 - dists[:, None] * u)
    np.testing.assert_allclose(Bm, -B, rtol=1e-12)


def test_infinite_matches_biot_savart_line_element():
    # a straight wire of length l with current I, I*l = Q, integrated exactly (closed form for a
    # finite segment); the dipole limit differs by O((l/d)^2)
    r0 = np.array([0.0, 0.0, 0.0])
    q_mag = 1e-8
    r = np.array([[0.05, 0.02, 0.01], [-0.03, 0.06, 0.04]])
    for ell in (1e-3, 1e-4):
        current = q_mag / ell
        # segment along x from -l/2 to +l/2
        x1, x2 = -ell / 2, ell / 2
        rho_vec = r.copy()
        rho_vec[:, 0] = 0
        rho = np.linalg.norm(rho_vec, axis=1)
        # |B| = mu0 I /(4 pi rho) (sin th2 - sin th1), direction x_hat × rho_hat
        s2 = (x2 - r[:, 0]) / np.hypot(x2 - r[:, 0], rho)
        s1 = (x1 - r[:, 0]) / np.hypot(x1 - r[:, 0], rho)
        mag = 1e-7 * current / rho * (s2 - s1)
        direction = np.cross([1.0, 0, 0], rho_vec / rho[:, None])
        B_wire = mag[:, None] * direction
        B_dip = meg.dipole_field_infinite(r0, [q_mag, 0, 0], r)
        d = np.linalg.norm(r, axis=1)
        # the relative error of the dipole approximation is O((l/d)^2) with O(1) prefactor
        rel = np.linalg.norm(B_dip - B_wire, axis=1) / np.linalg.norm(B_wire, axis=1)
        assert np.all(rel < 2 * (ell / d) ** 2)


def test_infinite_divergence_free_and_potential_harmonic():
    r0 = np.array([0.01, 0.0, 0.04])
    q = np.array([1e-8, 2e-8, -1e-8])
    p = np.array([0.04, 0.05, 0.08])
    h = 1e-5
    eye = np.eye(3)
    div = sum(
        (meg.dipole_field_infinite(r0, q, p + h * eye[i])[0, i]
         - meg.dipole_field_infinite(r0, q, p - h * eye[i])[0, i]) / (2 * h)
        for i in range(3)
    )
    grad_scale = np.linalg.norm(meg.dipole_field_infinite(r0, q, p)) / np.linalg.norm(p - r0)
    # central differences with h/d ~ 1e-4 have truncation error ~ (h/d)^2 ~ 1e-8 relative
    assert abs(div) < 1e-6 * grad_scale
    V = lambda x: meg.dipole_potential_infinite(r0, q, x)[0]  # noqa: E731
    lap = sum((V(p + h * eye[i]) - 2 * V(p) + V(p - h * eye[i])) / h**2 for i in range(3))
    lap_scale = abs(V(p)) / np.linalg.norm(p - r0) ** 2
    # second differences: truncation ~ (h/d)^2, round-off ~ eps*V/h^2 ~ 1e-16*1e6/... ~ 1e-6
    assert abs(lap) < 1e-4 * lap_scale


def test_potential_closed_form_on_axis():
    # V on the dipole axis at distance d: Q/(4 pi sigma d^2)
    V = meg.dipole_potential_infinite([0, 0, 0], [0, 0, 2e-8], [[0, 0, 0.05], [0, 0, -0.1]],
                                      sigma=0.5)
    expected = np.array([2e-8 / (4 * np.pi * 0.5 * 0.05**2), -2e-8 / (4 * np.pi * 0.5 * 0.1**2)])
    np.testing.assert_allclose(V, expected, rtol=1e-12)  # closed form; round-off only


# ------------------------------------------------------------------ Sarvas
def test_sarvas_radial_dipole_silent():
    r0s = _random_inside(20, 0.08)
    r = _random_on_shell(100, 0.115)
    for r0 in r0s:
        q = r0 / np.linalg.norm(r0)  # 1 A·m radial
        B = meg.sarvas_field(r0, q, r)
        # the reference bound: round-off level for 1 A·m is < 1e-20 T (fields ~1e-4 T scale)
        assert np.max(np.abs(B)) < 1e-20


def test_sarvas_radial_silence_with_offset_center():
    c = np.array([0.002, -0.004, 0.04])
    r0 = c + np.array([0.02, 0.03, 0.04])
    q = (r0 - c) / np.linalg.norm(r0 - c)
    B = meg.sarvas_field(r0, q, c + _random_on_shell(30, 0.12), center=c)
    assert np.max(np.abs(B)) < 1e-20  # round-off bound for 1 A·m, as above


def test_sarvas_dipole_at_center_is_zero():
    c = np.array([0.0, 0.01, 0.03])
    B = meg.sarvas_field(c, [1.0, 2.0, 3.0], c + _random_on_shell(10, 0.1), center=c)
    assert np.all(B == 0)


def test_sarvas_radial_component_equals_infinite():
    r = _random_on_shell(200, 0.12) * RNG.uniform(1, 1.5, size=(200, 1))
    for r0 in _random_inside(10, 0.085):
        q = RNG.normal(size=3) * 1e-8
        Bs = meg.sarvas_field(r0, q, r)
        B0 = meg.dipole_field_infinite(r0, q, r)
        rhat = r / np.linalg.norm(r, axis=1, keepdims=True)
        # exact identity (Sarvas 1987): rtol 1e-12 allows round-off only
        np.testing.assert_allclose(np.sum(Bs * rhat, axis=1), np.sum(B0 * rhat, axis=1),
                                   rtol=1e-12, atol=1e-12 * np.abs(B0).max())
        # ...while the full vectors differ (volume currents matter for tangential components)
        assert np.max(np.abs(Bs - B0)) > 1e-3 * np.abs(B0).max()


def test_sarvas_on_axis_closed_form():
    z0, rr = 0.06, 0.115
    q = np.array([2e-8, -1e-8, 0.0])
    B = meg.sarvas_field([0, 0, z0], q, [0, 0, rr])[0]
    a = rr - z0
    expected = 1e-7 * np.cross(q, [0, 0, z0]) / (2 * rr * a**2)
    np.testing.assert_allclose(B, expected, rtol=1e-12, atol=1e-30)  # closed form; round-off
    B0 = meg.dipole_field_infinite([0, 0, z0], q, [0, 0, rr])[0]
    np.testing.assert_allclose(np.linalg.norm(B) / np.linalg.norm(B0), z0 / (2 * rr),
                               rtol=1e-12)


def test_sarvas_linear_in_q_and_tangential_only():
    r0 = np.array([0.02, 0.03, 0.05])
    r = _random_on_shell(40, 0.12)
    q1, q2 = RNG.normal(size=3), RNG.normal(size=3)
    B = meg.sarvas_field(r0, 2.5 * q1 - 0.7 * q2, r)
    expected = 2.5 * meg.sarvas_field(r0, q1, r) - 0.7 * meg.sarvas_field(r0, q2, r)
    np.testing.assert_allclose(B, expected, rtol=1e-11, atol=1e-12 * np.abs(B).max())
    rhat = r0 / np.linalg.norm(r0)
    q_tan = q1 - (q1 @ rhat) * rhat
    np.testing.assert_allclose(meg.sarvas_field(r0, q1, r), meg.sarvas_field(r0, q_tan, r),
                               rtol=1e-11, atol=1e-12 * np.abs(B).max())


def test_sarvas_translation_covariant():
    # the model only knows positions relative to the centre: shifting everything is a no-op
    c = np.array([0.01, -0.02, 0.04])
    r0 = np.array([0.02, 0.03, 0.05])
    q = np.array([1e-8, 2e-8, 0.5e-8])
    r = _random_on_shell(20, 0.12)
    np.testing.assert_allclose(meg.sarvas_field(r0 + c, q, r + c, center=c),
                               meg.sarvas_field(r0, q, r), rtol=1e-10, atol=1e-25)


def test_sarvas_divergence_and_curl_free_outside():
    # outside the conductor B = -mu0 grad U: divergence- and curl-free
    r0 = np.array([0.02, -0.01, 0.06])
    q = np.array([1e-8, 1e-8, 0.0])
    p = np.array([0.03, 0.04, 0.11])
    h = 1e-5
    eye = np.eye(3)
    J = np.stack([(meg.sarvas_field(r0, q, p + h * eye[i])[0]
                   - meg.sarvas_field(r0, q, p - h * eye[i])[0]) / (2 * h) for i in range(3)])
    scale = np.abs(J).max()
    # central differences: truncation ~ (h/d)^2 ~ 1e-8 relative
    assert abs(np.trace(J)) < 1e-6 * scale
    np.testing.assert_allclose(J, J.T, atol=1e-6 * scale)


def test_split_sums_and_radial_cancellation():
    r0 = np.array([0.0, 0.03, 0.06])
    r = _random_on_shell(30, 0.12)
    s = meg.split_field(r0, r0 / np.linalg.norm(r0) * 1e-8, r)
    np.testing.assert_allclose(s.primary + s.volume, s.total, rtol=0, atol=1e-30)
    # radial source: volume field is exactly minus the primary one (scale ~1e-13 T)
    np.testing.assert_allclose(s.volume, -s.primary, rtol=1e-10, atol=1e-27)
    assert np.abs(s.primary).max() > 1e-14
    v = meg.volume_current_field(r0, [1e-8, 0, 0], r)
    rhat = r / np.linalg.norm(r, axis=1, keepdims=True)
    assert np.abs(np.sum(v * rhat, axis=1)).max() < 1e-10 * np.abs(v).max()


def test_sarvas_bad_input():
    with pytest.raises(ValueError, match="r_sensors must lie outside"):
        meg.sarvas_field([0, 0, 0.08], [1e-8, 0, 0], [[0, 0, 0.12], [0, 0.05, 0.0]])
    with pytest.raises(ValueError, match="r_dipole"):
        meg.sarvas_field([0, 0], [1e-8, 0, 0], [[0, 0, 0.12]])
    with pytest.raises(ValueError, match="q"):
        meg.sarvas_field([0, 0, 0.05], [np.nan, 0, 0], [[0, 0, 0.12]])
    with pytest.raises(ValueError, match="r_sensors must differ"):
        meg.dipole_field_infinite([0, 0, 0.05], [1e-8, 0, 0], [[0, 0, 0.05]])
    with pytest.raises(ValueError, match="sigma must be > 0"):
        meg.dipole_potential_infinite([0, 0, 0], [0, 0, 1e-8], [[0, 0, 0.1]], sigma=0)


# ------------------------------------------------------------------ quasi-static
def test_quasistatic_good_conductor_limit():
    f = np.array([1.0, 10.0, 100.0, 1000.0])
    qs = meg.quasistatic_check(f, sigma=0.33, eps_r=1e5)
    np.testing.assert_allclose(qs.wavelength_vacuum, 299_792_458.0 / f, rtol=1e-15)
    delta = np.sqrt(2 / (2 * np.pi * f * 4e-7 * np.pi * 0.33))
    # exact k differs from the good-conductor limit by O(omega eps / sigma) <= 1.7e-2 at 1 kHz
    np.testing.assert_allclose(qs.skin_depth, delta, rtol=qs.displacement_ratio.max())
    np.testing.assert_allclose(qs.wavelength_tissue, 2 * np.pi * delta,
                               rtol=qs.displacement_ratio.max())
    # with eps -> 0 the limit is exact up to round-off
    qs0 = meg.quasistatic_check(f, sigma=0.33, eps_r=1e-12)
    np.testing.assert_allclose(qs0.skin_depth, delta, rtol=1e-9)
    # the head is tiny compared with both at neural frequencies
    assert np.all(qs.head_over_skin_depth < 0.01) and np.all(qs.head_over_wavelength < 1e-3)
    with pytest.raises(ValueError, match="frequency must be > 0"):
        meg.quasistatic_check(0.0)


def test_volume_current_density_is_minus_sigma_grad_v_and_divergence_free():
    r0 = np.array([0.0, 0.01, 0.02])
    q = np.array([1e-8, -2e-8, 0.5e-8])
    p = np.array([0.03, -0.01, 0.05])
    h = 1e-6
    eye = np.eye(3)
    sigma = 0.33
    grad_V = np.array([(meg.dipole_potential_infinite(r0, q, p + h * e, sigma)[0]
                        - meg.dipole_potential_infinite(r0, q, p - h * e, sigma)[0]) / (2 * h)
                       for e in eye])
    J = meg.volume_current_density(r0, q, p)[0]
    # central differences, h/d ~ 2e-5: truncation ~ 1e-9 relative; round-off ~ 1e-16/2e-5
    np.testing.assert_allclose(J, -sigma * grad_V, rtol=1e-6, atol=1e-6 * np.abs(J).max())
    div = sum((meg.volume_current_density(r0, q, p + h * e)[0, i]
               - meg.volume_current_density(r0, q, p - h * e)[0, i]) / (2 * h)
              for i, e in enumerate(eye))
    # source-free away from the dipole: relative to |J|/d
    assert abs(div) < 1e-5 * np.linalg.norm(J) / np.linalg.norm(p - r0)
