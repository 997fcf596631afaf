"""Invariants, closed forms and bad input of neurocourse.design."""

import numpy as np
import pytest

from neurocourse import design, hrf


def test_frame_times():
    np.testing.assert_array_equal(design.frame_times(4, 2.0), [0.0, 2.0, 4.0, 6.0])
    np.testing.assert_allclose(design.frame_times(3, 2.0, 0.5), [1.0, 3.0, 5.0], rtol=1e-15)


def test_cosine_columns_orthonormal_and_orthogonal_to_constant():
    C = design.cosine_drift(0.01, design.frame_times(240, 2.0))
    assert C.shape == (240, int(np.floor(2 * 240 * 0.01 * 2.0)) + 1)
    cos = C[:, :-1]
    # DCT-II columns with sqrt(2/n): orthonormal in exact arithmetic, rounding ~1e-15 per entry
    np.testing.assert_allclose(cos.T @ cos, np.eye(cos.shape[1]), atol=1e-12)
    np.testing.assert_allclose(cos.T @ C[:, -1], 0.0, atol=1e-12)
    assert np.all(C[:, -1] == 1.0)


def test_cosine_drift_periods_not_shorter_than_cutoff():
    # column k has period 2 n dt / k; the highest order must keep it >= 1/high_pass
    n, tr, hp = 300, 2.0, 1 / 128
    K = design.cosine_drift(hp, design.frame_times(n, tr)).shape[1] - 1
    assert 2 * n * tr / K >= 1 / hp
    assert 2 * n * tr / (K + 1) < 1 / hp


def test_polynomial_drift_orthogonal_columns():
    P = design.polynomial_drift(3, design.frame_times(100, 2.0))
    G = P.T @ P
    # Gram-Schmidt via pinv: off-diagonal terms at rounding level relative to the norms
    off = G - np.diag(np.diag(G))
    assert np.max(np.abs(off)) < 1e-10 * np.max(np.diag(G))
    assert np.all(P[:, -1] == 1.0)


def test_long_block_plateau_is_one():
    # the kernel sums to 1 and a box is 1 per fine sample: after 32 s inside the block the
    # convolution is the full kernel sum, exactly 1 up to rounding
    ft = design.frame_times(100, 2.0)
    reg, _ = design.compute_regressor([20.0], [150.0], [1.0], ft, "spm")
    inside = (ft > 20.0 + 33.0) & (ft < 165.0)
    np.testing.assert_allclose(reg[inside, 0], 1.0, rtol=1e-12)


def test_impulse_regressor_is_the_kernel():
    # a duration-0 event on a grid point gives the kernel itself, sampled every TR
    tr, os = 2.0, 50
    ft = design.frame_times(60, tr)
    onset = 10.0 - 1e-9  # rounds up to the grid point at 10 s (avoids the one-ulp pitfall)
    reg, _ = design.compute_regressor([onset], [0.0], [1.0], ft, "glover", os)
    kernel = hrf.glover_hrf(tr, os)
    expected = np.zeros(60)
    idx = np.arange(5, 60)  # scans at t >= 10 s
    lag = (idx - 5) * os
    ok = lag < kernel.size
    expected[idx[ok]] = kernel[lag[ok]]
    np.testing.assert_allclose(reg[:, 0], expected, rtol=1e-9, atol=1e-14)  # interp at nodes


def test_sum_properties():
    # nilearn's own checks: impulses sum to n_events / oversampling, blocks to sum(dur) / TR.
    # Sampling the smooth convolved response every TR approximates its integral; the error is
    # the HRF spectrum at 1/TR (aliasing), well below 1 %.
    tr, os = 2.0, 50
    ft = design.frame_times(200, tr)
    on = np.arange(10.0, 330.0, 40.0) + 0.37
    reg, _ = design.compute_regressor(on, np.zeros_like(on), np.ones_like(on), ft, "spm", os)
    assert reg.sum() * os == pytest.approx(on.size, rel=1e-2)
    reg, _ = design.compute_regressor(on, np.full_like(on, 6.0), np.ones_like(on), ft, "spm", os)
    assert reg.sum() == pytest.approx(on.size * 6.0 / tr, rel=1e-2)


def test_impulse_height_scales_with_tr_over_oversampling():
    ft1, ft2 = design.frame_times(40, 1.0), design.frame_times(40, 1.0)
    r1, _ = design.compute_regressor([5.01], [0.0], [1.0], ft1, "spm", 50)
    r2, _ = design.compute_regressor([5.01], [0.0], [1.0], ft2, "spm", 100)
    # halving dt halves each kernel sample; the peak is a smooth sample: O(dt) shape change
    assert r2.max() / r1.max() == pytest.approx(0.5, rel=2e-2)


def test_derivative_columns_orthogonal_to_main():
    ft = design.frame_times(150, 2.0)
    on = np.arange(5.0, 280.0, 17.3)
    reg, names = design.compute_regressor(on, 0 * on + 1.0, 1.0 + 0 * on, ft,
                                          "spm + derivative + dispersion", name="x")
    assert names == ["x", "x_derivative", "x_dispersion"]
    G = reg.T @ reg
    # projection removed with pinv: residual at rounding level of the Gram matrix
    assert abs(G[0, 1]) < 1e-10 * G[0, 0] and abs(G[0, 2]) < 1e-10 * G[0, 0]
    assert abs(G[1, 2]) < 1e-10 * np.sqrt(G[1, 1] * G[2, 2])


def test_design_matrix_object():
    ft = design.frame_times(50, 2.0)
    ev = design.make_events([3.0, 20.0, 50.0], 1.0, 1.0, ["B", "A", "B"])
    dm = design.make_design_matrix(ft, ev, drift_model=None)
    assert dm.names == ("A", "B", "constant")
    np.testing.assert_array_equal(dm.contrast({"A": 1, "B": -1}), [1.0, -1.0, 0.0])
    np.testing.assert_array_equal(dm.column("constant"), np.ones(50))
    np.testing.assert_array_equal(np.asarray(dm), dm.matrix)


def _random_design(seed=0, n=120, p=4):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.standard_normal((n, p - 1)), np.ones(n)])


def test_efficiency_direct_formula():
    X = _random_design()
    c = np.array([1.0, -1.0, 0.0, 0.0])
    expected = 1.0 / (c @ np.linalg.inv(X.T @ X) @ c)
    assert design.efficiency(X, c) == pytest.approx(expected, rel=1e-10)  # inv vs pinv
    assert design.efficiency(X, c, sigma=2.0) == pytest.approx(expected / 4, rel=1e-10)
    C = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]])
    expected_multi = 3.0 / np.trace(C @ np.linalg.inv(X.T @ X) @ C.T)
    assert design.efficiency(X, C) == pytest.approx(expected_multi, rel=1e-10)


def test_efficiency_scales_with_a_squared():
    X = _random_design(1)
    c = np.array([1.0, 0.0, 0.0, 0.0])
    Xa = X.copy()
    Xa[:, 0] *= 3.0
    # beta_0 shrinks by 3, its variance by 9: e scales by 9 (rounding only)
    assert design.efficiency(Xa, c) == pytest.approx(9.0 * design.efficiency(X, c), rel=1e-10)


def test_orthogonal_nuisance_leaves_efficiency_unchanged():
    X = _random_design(2)
    rng = np.random.default_rng(3)
    z = rng.standard_normal(X.shape[0])
    z -= X @ np.linalg.lstsq(X, z, rcond=None)[0]  # orthogonal to every column
    c = np.array([1.0, -1.0, 0.0, 0.0])
    e0 = design.efficiency(X, c)
    e1 = design.efficiency(np.column_stack([X, z]), np.append(c, 0.0))
    assert e1 == pytest.approx(e0, rel=1e-10)  # block-diagonal X^T X: exact in exact arithmetic


def test_collinear_column_lowers_efficiency():
    X = _random_design(4)
    rng = np.random.default_rng(5)
    near = X[:, 0] + 0.2 * rng.standard_normal(X.shape[0])
    c = np.array([1.0, 0.0, 0.0, 0.0])
    assert design.efficiency(np.column_stack([X, near]), np.append(c, 0.0)) < \
        0.5 * design.efficiency(X, c)
    # an exact copy makes beta_0 inestimable: efficiency 0
    assert design.efficiency(np.column_stack([X, X[:, 0]]), np.append(c, 0.0)) == 0.0


def test_efficiency_penalises_blocks_longer_than_the_high_pass():
    # Henson: with a 128 s high-pass, a 16 s on/off block beats a 200 s on/off block
    ft = design.frame_times(300, 2.0)

    def eff(half_period):
        on = np.arange(0.0, 600.0, 2 * half_period)
        dm = design.make_design_matrix(ft, design.make_events(on, half_period),
                                       hrf_model="spm", high_pass=1 / 128)
        return design.efficiency(dm.matrix, dm.contrast({"dummy": 1}))

    assert eff(16.0) > 3 * eff(200.0)
    assert eff(16.0) > eff(1.0)


def test_vif_orthogonal_and_duplicate():
    n = 64
    t = np.arange(n)
    X = np.column_stack([np.cos(2 * np.pi * 3 * t / n), np.sin(2 * np.pi * 5 * t / n),
                         np.ones(n)])
    np.testing.assert_allclose(design.vif(X)[:2], 1.0, rtol=1e-12)  # orthogonal, zero-mean
    v = design.vif(np.column_stack([X[:, 0], X[:, 0], X[:, 1]]))
    assert np.isinf(v[0]) and np.isinf(v[1]) and v[2] == pytest.approx(1.0, rel=1e-9)


def test_ar1_noise_statistics():
    n, v, rho, sigma = 200, 4000, 0.6, 2.0
    e = design.simulate_ar1_noise(n, v, rho, sigma, rng=7)
    assert e.shape == (n, v)
    # per-voxel sample statistics, then their mean and its standard error across voxels
    var0 = e[0] ** 2  # stationary from the first sample: E = sigma^2
    assert abs(var0.mean() - sigma**2) < 4 * var0.std() / np.sqrt(v)
    lag1 = np.mean(e[1:] * e[:-1], axis=0)  # E = rho sigma^2
    assert abs(lag1.mean() - rho * sigma**2) < 4 * lag1.std() / np.sqrt(v)
    lag2 = np.mean(e[2:] * e[:-2], axis=0)  # E = rho^2 sigma^2
    assert abs(lag2.mean() - rho**2 * sigma**2) < 4 * lag2.std() / np.sqrt(v)


def test_ar1_noise_seeded_and_per_voxel_rho():
    a = design.simulate_ar1_noise(50, 3, 0.3, 1.0, rng=1)
    np.testing.assert_array_equal(a, design.simulate_ar1_noise(50, 3, 0.3, 1.0, rng=1))
    assert not np.array_equal(a, design.simulate_ar1_noise(50, 3, 0.3, 1.0, rng=2))
    e = design.simulate_ar1_noise(300, 2000, [0.0, 0.8] * 1000, 1.0, rng=3)
    r = np.mean(e[1:] * e[:-1], axis=0)
    assert abs(r[0::2].mean()) < 0.02 and abs(r[1::2].mean() - 0.8) < 0.02  # ~5 SE each


def test_simulate_voxels():
    X = _random_design(6, n=80, p=3)
    beta = np.array([[1.0, 2.0], [0.5, -1.0], [10.0, 0.0]])
    np.testing.assert_array_equal(design.simulate_voxels(X, beta, sigma=0.0), X @ beta)
    Y = design.simulate_voxels(X, beta, rho=0.4, sigma=1.5, rng=9)
    noise = design.simulate_ar1_noise(80, 2, 0.4, 1.5, rng=9)
    np.testing.assert_allclose(Y - X @ beta, noise, atol=1e-12)  # same draws, added once
    assert design.simulate_voxels(X, beta[:, 0], rng=1).shape == (80,)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.make_design_matrix([0.0, 2.0, 2.0, 4.0]), "frame_times must be strictly"),
    (lambda: design.make_events([1.0, 2.0], [1.0, -0.5]), "durations must be >= 0"),
    (lambda: design.make_events({"duration": [1.0]}), "'onset'"),
    (lambda: design.make_events([1.0, 2.0], conditions=["a"]), "conditions must have 2"),
    (lambda: design.compute_regressor([1.0], [0.0], [1.0], np.arange(10.0), "boxcar"),
     "hrf_model must be one of"),
    (lambda: design.make_design_matrix(np.arange(10.0), drift_model="spline"), "drift_model"),
    (lambda: design.make_design_matrix(np.arange(10.0), add_regs=np.ones((9, 6))),
     r"add_regs must have shape \(10, n_add\)"),
    (lambda: design.cosine_drift(-0.01, np.arange(10.0)), "high_pass must be >= 0"),
    (lambda: design.efficiency(np.ones((10, 2)), [1.0, 0.0, 0.0]), "c must have length 2"),
    (lambda: design.simulate_ar1_noise(10, 1, rho=1.0), r"rho must be in \(-1, 1\)"),
    (lambda: design.simulate_voxels(np.ones((10, 2)), [1.0]), r"beta must have shape \(2,\)"),
    (lambda: design.frame_times(10, -2.0), "tr must be > 0"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_early_onsets_warn_and_are_ignored():
    ft = design.frame_times(20, 2.0)
    with pytest.warns(UserWarning, match="earlier than"):
        stim, _grid = design.sample_condition([-30.0, 5.0], [0.0, 0.0], [1.0, 1.0], ft)
    # nilearn's warning says such onsets are "not considered", but its code snaps them to the
    # first grid point; we follow the code (the oracle), so the early event sits at grid[0]
    assert stim[0] == 1.0 and stim.sum() == 2.0
