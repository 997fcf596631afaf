"""AR(1) noise and simulated voxels (neurocourse.design.noise): moments and seeding."""

import numpy as np
import pytest

from neurocourse import design


def _random_design(seed=0, n=120, p=4):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.standard_normal((n, p - 1)), np.ones(n)])


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
    (lambda: design.simulate_ar1_noise(10, 1, rho=1.0), r"rho must be in \(-1, 1\)"),
    (lambda: design.simulate_voxels(np.ones((10, 2)), [1.0]), r"beta must have shape \(2,\)"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
