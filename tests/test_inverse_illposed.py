"""neurocourse.inverse ill-posedness and noise: closed forms, invariants and scikit-learn/MNE."""

import mne
import numpy as np
import pytest
import scipy.linalg
from sklearn.covariance import ledoit_wolf

from neurocourse import inverse, meg

mne.set_log_level("ERROR")


def _meg_setup(n_sensors=40):
    cx = meg.folded_cortex(n=(21, 3))
    arr = meg.radial_magnetometers(n_sensors)
    Gf = meg.lead_field(cx.positions, arr.positions, arr.normals)
    return cx, arr, Gf


def test_whitened_svd_matches_inverse_sqrt_closed_form():
    _, _, Gf = _meg_setup()
    rng = np.random.default_rng(0)
    A = rng.normal(size=(40, 40))
    C = (A @ A.T / 40 + np.eye(40)) * 1e-28
    res = inverse.whitened_svd(Gf, C)
    s_ref = np.linalg.svd(np.real(scipy.linalg.inv(scipy.linalg.sqrtm(C))) @ Gf, compute_uv=False)
    # singular values are invariant to the (orthogonal) choice of whitener: round-off only
    np.testing.assert_allclose(res.s, s_ref[: res.s.size], rtol=1e-8, atol=1e-8 * s_ref[0])
    np.testing.assert_allclose(res.W @ C @ res.W.T, np.eye(40), atol=1e-9)
    assert res.numerical_rank <= 40 and res.condition_number > 1


def test_null_space_patterns_give_zero_data():
    _, _, Gf = _meg_setup()
    N = inverse.null_space_patterns(Gf)
    assert N.shape == (Gf.shape[1], Gf.shape[1] - 40)
    np.testing.assert_allclose(N.T @ N, np.eye(N.shape[1]), atol=1e-10)  # orthonormal
    # data of a unit-norm null pattern vs data of a typical unit-norm pattern: round-off level
    typical = np.linalg.norm(Gf, 2)
    assert np.abs(Gf @ N).max() < 1e-10 * typical


def test_radial_dipoles_are_meg_silent_helmholtz():
    cx, _arr, Gf = _meg_setup()
    nn = inverse.radial_dipoles(cx.positions)
    Gr = meg.fixed_orientation(Gf, nn)
    # Sarvas: radial dipoles in a sphere are silent; relative to tangential ones, round-off
    assert np.abs(Gr).max() < 1e-12 * np.abs(Gf).max()
    with pytest.raises(ValueError, match="r_sources"):
        inverse.radial_dipoles(np.zeros((1, 3)))


def test_ledoit_wolf_matches_sklearn():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 50)) * rng.uniform(0.5, 2, size=(30, 1))
    C = inverse.estimate_noise_cov(X, shrinkage="ledoit_wolf")
    C_ref, _ = ledoit_wolf(X.T)
    np.testing.assert_allclose(C, C_ref, rtol=1e-10)  # identical estimator: round-off


def test_fixed_shrinkage_closed_form():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5, 200))
    S = np.cov(X)
    C = inverse.estimate_noise_cov(X, shrinkage=0.3)
    np.testing.assert_allclose(C, 0.7 * S + 0.3 * np.trace(S) / 5 * np.eye(5), rtol=1e-12)
    with pytest.raises(ValueError, match="shrinkage"):
        inverse.estimate_noise_cov(X, shrinkage=1.5)


def test_mixed_type_whitener_matches_mne():
    rng = np.random.default_rng(3)
    types = ["mag"] * 6 + ["grad"] * 6 + ["eeg"] * 5
    scale = np.array([20e-15] * 6 + [5e-13] * 6 + [2e-7] * 5)
    A = rng.normal(size=(17, 17))
    C = (A @ A.T / 17 + np.eye(17)) * np.outer(scale, scale)
    info = mne.create_info([f"C{i}" for i in range(17)], 1000.0, types)
    cov = mne.Covariance(C, info["ch_names"], [], [], 100)
    W_mne, _ = mne.cov.compute_whitener(cov, info, pca=True)
    w = inverse.whitener(C, types)
    # PCA whiteners are unique up to an orthogonal rotation per group; W^T W is not
    np.testing.assert_allclose(w.W.T @ w.W, W_mne.T @ W_mne, rtol=1e-8,
                               atol=1e-8 * np.abs(W_mne.T @ W_mne).max())


def test_rank_deficient_whitener():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(10, 7))
    C = A @ A.T  # rank 7
    with pytest.raises(ValueError, match="positive definite"):
        inverse.whitener(C)
    w = inverse.whitener(C, rank=7)
    assert w.rank == 7
    np.testing.assert_allclose(w.W @ C @ w.W.T, np.eye(7), atol=1e-9)


def test_bad_covariance():
    with pytest.raises(ValueError, match="noise_cov"):
        inverse.whitener(np.ones((3, 2)))
    with pytest.raises(ValueError, match="symmetric"):
        inverse.whitener(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="ch_types"):
        inverse.whitener(np.eye(2), ["mag", "foo"])


def test_simulated_baseline_has_the_requested_covariance():
    rng = np.random.default_rng(5)
    A = rng.normal(size=(6, 6))
    C = A @ A.T + np.eye(6)
    X = inverse.simulate_baseline(C, 40000, rng=1)
    # sample covariance of 40 000 Gaussian draws: SE of each entry <= sqrt(2/n) * max var
    # (~0.7 % of the largest variance); 5 % is > 6 SE, so this never flakes
    np.testing.assert_allclose(np.cov(X), C, atol=0.05 * np.diag(C).max())


def test_short_baseline_needs_shrinkage():
    rng = np.random.default_rng(6)
    C = np.diag(rng.uniform(0.5, 2.0, 30))
    X = inverse.simulate_baseline(C, 12, rng=2)  # fewer samples than channels: rank 11
    with pytest.raises(ValueError, match="positive definite"):
        inverse.whitener(inverse.estimate_noise_cov(X))
    w = inverse.whitener(inverse.estimate_noise_cov(X, shrinkage="ledoit_wolf"))
    assert w.rank == 30  # shrinkage restores full rank
