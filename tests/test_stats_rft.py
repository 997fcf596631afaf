"""Random field theory (neurocourse.stats.rft): the reference's worked numbers, limits and physics."""

import math

import numpy as np
import pytest
import scipy.stats

from neurocourse import stats


def test_resels_of_a_box():
    np.testing.assert_allclose(stats.resels_box((64, 64, 40), 4.0), [1, 42, 576, 2560], rtol=1e-12)
    np.testing.assert_allclose(stats.resels_box((100,), 5.0), [1, 20], rtol=1e-12)
    np.testing.assert_allclose(stats.resels_box((30, 20), (3.0, 2.0)), [1, 20, 100], rtol=1e-12)


def test_worked_thresholds_of_the_reference():
    R = stats.resels_box((64, 64, 40), 4.0)
    # applications.md 1.5 (checked there against rft1d and nipy): printed to 3-4 decimals
    assert stats.rft_threshold(R) == pytest.approx(4.8776, abs=1e-4)
    assert stats.rft_threshold(R, field="t", df=19) == pytest.approx(7.707, abs=1e-3)
    assert stats.rft_threshold(R, form="poisson") == pytest.approx(4.872, abs=1e-3)
    bonf = scipy.stats.norm.isf(0.05 / (64 * 64 * 40))
    assert bonf == pytest.approx(4.988, abs=1e-3)
    assert stats.rft_threshold(R) < bonf  # smooth Z field: RFT less strict than Bonferroni
    assert stats.rft_threshold(R, field="t", df=19) > scipy.stats.t.isf(0.05 / 163840, 19)  # 7.32


def test_planted_mistakes_give_the_reference_wrong_answers():
    R = stats.resels_box((64, 64, 40), 4.0)
    # keeping only the R_3 term: 4.861 (applications.md); a different, smaller threshold
    assert stats.rft_threshold([0, 0, 0, R[3]]) == pytest.approx(4.861, abs=1e-3)


def test_gaussian_densities_closed_forms():
    u = np.array([2.0, 3.0, 4.5])
    rho = stats.ec_densities(u, 3, "z")
    lam = 4 * math.log(2)
    np.testing.assert_allclose(rho[0], scipy.stats.norm.sf(u), rtol=1e-14)
    # rho_d = lam^(d/2) (2 pi)^(-(d+1)/2) He_{d-1}(u) exp(-u^2/2): Hermite He_0=1, He_1=u, He_2=u^2-1
    he = [np.ones_like(u), u, u**2 - 1]
    for d in (1, 2, 3):
        ref = lam ** (d / 2) * (2 * math.pi) ** (-(d + 1) / 2) * he[d - 1] * np.exp(-(u**2) / 2)
        np.testing.assert_allclose(rho[d], ref, rtol=1e-13)


def test_t_densities_tend_to_gaussian():
    u = np.linspace(2.0, 5.0, 7)
    z = stats.ec_densities(u, 3, "z")
    t = stats.ec_densities(u, 3, "t", df=1e9)
    # the t densities differ from the Gaussian by O(u^4 / nu) ~ 6e-7 at u = 5; 1e-5 is above it
    np.testing.assert_allclose(t, z, rtol=1e-5)


def test_upcrossings_match_rice_formula():
    # Rice: mean upcrossings of u per unit length = sqrt(-r''(0)) / (2 pi) exp(-u^2/2); for a
    # Gaussian-smoothed field this equals rho_1(u) per resel. Long 1-D field, FWHM 8 samples.
    fwhm, n = 8.0, 400_000
    f = stats.smooth_fields(1, (n,), fwhm, rng=0)[0]
    u = 1.0
    ups = np.count_nonzero((f[:-1] <= u) & (f[1:] > u))
    expected = stats.ec_densities(u, 1)[1] * n / fwhm
    # ~9300 upcrossings: Poisson-like SE ~1 %; the lattice under-counts by O(1/fwhm^2) ~ 1 %
    assert ups == pytest.approx(expected, rel=0.04)


def test_rft_threshold_controls_fwe_on_smooth_fields():
    fwhm, shape, n_fields = 6.0, (64, 64), 300
    fields = stats.smooth_fields(n_fields, shape, fwhm, rng=1)
    u = stats.rft_threshold(stats.resels_box(shape, fwhm))
    fwe = np.mean(fields.reshape(n_fields, -1).max(axis=1) > u)
    _lo, hi = scipy.stats.binom.ppf([0.0005, 0.9995], n_fields, 0.05) / n_fields
    # smooth Gaussian field, moderate threshold: RFT is close to nominal (slightly conservative)
    assert fwe <= hi and fwe >= 0.005


def test_estimated_fwhm_of_smoothed_white_noise():
    fields = stats.smooth_fields(20, (64, 64), 7.06, rng=2)
    # reference: single 64^3 fields give 6.80-7.13 for a true 7.06; averaging 20 2-D fields: 5 %
    np.testing.assert_allclose(stats.estimate_fwhm(fields - fields.mean(axis=0)), 7.06, rtol=0.05)


def test_cluster_p_limits():
    shape, fwhm, u = (64, 64), 4.0, 3.0
    R = stats.resels_box(shape, fwhm)
    # a cluster of size 0 is as likely as any cluster: p = 1 - exp(-E[m]) with E[m] = E[chi]
    assert stats.rft_cluster_p(0.0, u, shape, fwhm) == pytest.approx(
        -math.expm1(-stats.expected_ec(u, R)), rel=1e-12)
    p = stats.rft_cluster_p([1, 10, 50, 200], u, shape, fwhm)
    assert np.all(np.diff(p) < 0) and p[-1] < 1e-3


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.ec_densities(2.0, 4), r"dim must be one of \[0, 1, 2, 3\]"),
    (lambda: stats.ec_densities(2.0, 3, "t"), "df must be given"),
    (lambda: stats.ec_densities(2.0, 3, "f"), "field must be one of"),
    (lambda: stats.resels_box((10, 10), 0.0), "fwhm must be > 0"),
    (lambda: stats.rft_threshold([1, 10], alpha=0.7), r"alpha must be in \(0, 0.5\)"),
    (lambda: stats.estimate_fwhm(np.ones((1, 10))), "residuals must have shape"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
