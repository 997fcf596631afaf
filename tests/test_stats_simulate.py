"""Seeded group-study simulations (neurocourse.stats.simulate): variance, smoothness, seeding."""

import numpy as np
import pytest
import scipy.stats

from neurocourse import stats


@pytest.mark.parametrize("kernel", ["gaussian", "heavy"])
def test_fields_have_unit_variance(kernel):
    f = stats.smooth_fields(200, (40,), 3.0, kernel, rng=0)
    var = f.var(axis=0)  # per voxel across fields: E = 1
    # 200 fields: SE of a variance is sqrt(2/200) = 0.1 per voxel; the mean over 40 correlated
    # voxels is far better; 0.1 absolute on the mean is > 3 SE
    assert abs(var.mean() - 1.0) < 0.1
    assert abs(f.mean()) < 0.1


def test_kernels_sum_to_one_and_heavy_tail_is_heavier():
    g = stats.smoothing_kernel(4.0, 2, "gaussian")
    h = stats.smoothing_kernel(4.0, 2, "heavy")
    assert g.sum() == pytest.approx(1.0, rel=1e-12) and h.sum() == pytest.approx(1.0, rel=1e-12)
    # FWHM of the gaussian kernel: 4 voxels -> value at 2 voxels off centre is half the peak
    c = g.shape[0] // 2
    assert g[c, c + 2] / g[c, c] == pytest.approx(0.5, rel=1e-12)
    hc = h.shape[0] // 2
    sigma = 4.0 / np.sqrt(8 * np.log(2))
    # 12 voxels off centre a Gaussian has fallen to exp(-144 / (2 sigma^2)) ~ 1e-11 of its peak;
    # the exponential tail keeps more than 1e-3
    assert np.exp(-144 / (2 * sigma**2)) < 1e-10 and h[hc, hc + 12] / h[hc, hc] > 1e-3


def test_heavy_kernel_has_long_range_correlation():
    def acf(f, lag):
        return np.mean(f[:, :-lag] * f[:, lag:])

    g = stats.smooth_fields(50, (2000,), 4.0, "gaussian", rng=1)
    h = stats.smooth_fields(50, (2000,), 4.0, "heavy", rng=1)
    # Gaussian: acf(12) = exp(-12^2 ln2 / 4^2 * ...) ~ 2e-3 (tiny); heavy: exponential tail ~0.2
    assert acf(g, 12) < 0.02 and acf(h, 12) > 0.1


def test_group_study_seeded_and_planted():
    eff = stats.blob_effect((20, 20), [[5, 5], [14, 12]], [2.0, 3.0], [1.0, -0.5])
    assert eff[5, 5] == 1.0 and eff[14, 12] == -0.5 and eff[0, 19] == 0.0
    assert np.count_nonzero(eff == 1.0) == 13  # lattice points within radius 2 of a point
    a = stats.simulate_group_study(8, (20, 20), 3.0, eff, rng=3)
    b = stats.simulate_group_study(8, (20, 20), 3.0, eff, rng=3)
    np.testing.assert_array_equal(a.Y, b.Y)
    np.testing.assert_array_equal(a.truth, eff != 0)
    assert a.Y.shape == (8, 20, 20)


def test_student_noise_is_heavy_tailed_across_subjects():
    st = stats.simulate_group_study(4000, (3,), 1.0, noise_df=4.0, rng=4)
    x = st.Y[:, 1]
    # t_4 scaled to unit variance: excess kurtosis is infinite in theory; the sample value is
    # far above the Gaussian 0 (SE of the kurtosis for n=4000 Gaussian draws is ~0.08)
    assert scipy.stats.kurtosis(x) > 1.0
    assert abs(x.var() - 1.0) < 0.15


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.smooth_fields(2, (5, 5, 5, 5), 2.0), "shape must have 1 to 3 entries"),
    (lambda: stats.smooth_fields(2, (5,), -2.0), "fwhm must be > 0"),
    (lambda: stats.smooth_fields(2, (5,), 2.0, "box"), "kernel must be one of"),
    (lambda: stats.simulate_group_study(noise_df=2.0), "noise_df must be > 2"),
    (lambda: stats.blob_effect((5, 5), [[1, 1, 1]], 1.0), r"centers must have shape \(n_blobs, 2\)"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_field_autocorrelation_closed_form_and_measured():
    fwhm = 4.0
    sigma = fwhm / np.sqrt(8 * np.log(2))
    lags = np.arange(9)
    # white noise through a Gaussian of s.d. sigma: correlation exp(-d^2 / (4 sigma^2)); the
    # kernel is sampled and truncated at 4 sigma, which perturbs it by ~1e-4
    np.testing.assert_allclose(stats.field_autocorrelation(fwhm, 8), np.exp(-lags**2 / (4 * sigma**2)),
                               atol=2e-4)
    f = stats.smooth_fields(200, (500,), fwhm, "heavy", rng=5)
    measured = [np.mean(f[:, : f.shape[1] - d] * f[:, d:]) for d in (0, 6, 12)]
    # 200 x 500 samples of a field correlated over ~30 voxels: ~3000 effective samples, SE ~0.02
    np.testing.assert_allclose(measured, stats.field_autocorrelation(fwhm, 12, "heavy")[[0, 6, 12]],
                               atol=0.06)


def test_subject_estimates_moments():
    y, v = stats.subject_estimates(20000, mu=0.5, tau=0.4, sigma_range=(0.1, 0.8), rng=6)
    assert v.min() >= 0.01 and v.max() <= 0.64
    # Var(y) = tau^2 + E[sigma^2] = 0.16 + (0.8^3 - 0.1^3) / (3 * 0.7) = 0.403; SE ~0.004
    assert abs(y.mean() - 0.5) < 0.02 and abs(y.var() - (0.16 + (0.512 - 0.001) / 2.1)) < 0.02
