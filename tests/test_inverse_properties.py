"""Properties of the linear inverses, tested on their own (no reference library).

- sLORETA has zero peak localisation error for fixed orientations (Pascual-Marqui 2002);
- plain MNE is biased toward superficial sources and the depth prior reduces the bias;
- the L-curve/GCV quantities equal their brute-force matrix definitions.
"""

import numpy as np
import pytest

from neurocourse import meg
from neurocourse.inverse import linear, regularization, resolution


@pytest.fixture(scope="module")
def slab():
    """A vertical slab of tangential (y) dipoles, 1 cm grid, 1-7 cm above the centre."""
    x, z = np.meshgrid(np.arange(-0.04, 0.041, 0.01), np.arange(0.01, 0.071, 0.01))
    rr = np.column_stack([x.ravel(), np.zeros(x.size), z.ravel()])
    nn = np.tile([0, 1.0, 0], (len(rr), 1))
    arr = meg.radial_magnetometers(100, radius=0.11, z_min=-0.1)
    G = meg.fixed_orientation(meg.lead_field(rr, arr.positions, arr.normals), nn)
    C = np.eye(100) * (20e-15) ** 2
    return rr, G, C


def _depth_bias(rr, G, C, method, depth):
    K = linear.inverse_kernel(G, C, 1 / 9, method, depth=depth)
    met = resolution.resolution_metrics(resolution.resolution_matrix(K, G), rr)
    bias = resolution.peak_depth_bias(met, rr)
    # independent check of the helper: radius of the peak grid point minus the true radius
    np.testing.assert_allclose(bias, np.linalg.norm(rr[met.peak_index], axis=1)
                               - np.linalg.norm(rr, axis=1), rtol=0, atol=1e-15)
    return np.mean(bias), met


@pytest.mark.parametrize("depth", [None, 0.8])
def test_sloreta_zero_peak_localisation_error(slab, depth):
    rr, G, C = slab
    _, met = _depth_bias(rr, G, C, "sLORETA", depth)
    assert np.all(met.peak_error == 0.0)  # exact: the peak is on the true grid point
    _, met_mne = _depth_bias(rr, G, C, "MNE", depth)
    assert met_mne.peak_error.max() > 0.005  # while plain MNE misses by > 5 mm somewhere


def test_mne_superficial_bias_and_depth_prior(slab):
    rr, G, C = slab
    bias_mne, _ = _depth_bias(rr, G, C, "MNE", None)
    bias_depth, _ = _depth_bias(rr, G, C, "MNE", 0.8)
    assert bias_mne > 0.005  # PSF peaks on average > 5 mm more superficial than the source
    assert abs(bias_depth) < bias_mne  # the depth prior reduces the bias (in magnitude)


def test_resolution_matrix_identity_without_regularisation_limit():
    # square, well-posed case: with tiny lambda2 the MNE resolution matrix tends to I
    rng = np.random.default_rng(0)
    G = rng.normal(size=(12, 12))
    K = linear.inverse_kernel(G, np.eye(12), 1e-12, "MNE")
    # Res = V diag(s^2 / (s^2 + lambda2)) V^T deviates from I by ~lambda2 / s_min^2; after trace
    # scaling s_min^2 of a random 12 x 12 matrix is > 1e-4, so the deviation is < 1e-8 << 1e-6
    np.testing.assert_allclose(resolution.resolution_matrix(K, G), np.eye(12), atol=1e-6)


def test_regularization_curve_brute_force(slab):
    _, G, C = slab
    rng = np.random.default_rng(1)
    j = np.zeros(G.shape[1])
    j[20] = 20e-9
    b = G @ j + rng.normal(size=100) * 20e-15
    op = linear.make_inverse_operator(G, C)
    lam = np.logspace(-4, 2, 25)
    cur = regularization.regularization_curve(op, b, lam)
    W = op.W
    Gt = W @ G
    R = op.source_std**2
    for i in (0, 12, 24):
        M = np.linalg.inv(Gt * R @ Gt.T + lam[i] * np.eye(100))
        jh = (R[:, None] * Gt.T) @ M @ (W @ b)
        H = Gt @ (R[:, None] * Gt.T) @ M
        # direct matrix formulas vs the SVD filter factors: round-off (cond(M) <= 1e6 here)
        np.testing.assert_allclose(cur.residual_norm[i], np.linalg.norm(W @ b - Gt @ jh),
                                   rtol=1e-7)
        np.testing.assert_allclose(cur.solution_norm[i], np.linalg.norm(jh / np.sqrt(R)),
                                   rtol=1e-7)
        np.testing.assert_allclose(cur.dof[i], np.trace(H), rtol=1e-7)
        np.testing.assert_allclose(cur.gcv[i], 100 * np.linalg.norm(W @ b - Gt @ jh) ** 2
                                   / (100 - np.trace(H)) ** 2, rtol=1e-7)
    # residual grows and solution norm shrinks with lambda2 (Tikhonov monotonicity)
    assert np.all(np.diff(cur.residual_norm) > 0) and np.all(np.diff(cur.solution_norm) < 0)
    assert lam[0] < cur.lambda2_gcv < lam[-1] and lam[0] < cur.lambda2_lcurve < lam[-1]


def test_lambda2_from_snr():
    assert linear.lambda2_from_snr(3.0) == pytest.approx(1 / 9, rel=1e-15)
    with pytest.raises(ValueError, match="snr"):
        linear.lambda2_from_snr(0.0)


def test_free_orientation_metrics_closed_form():
    # a perfect free-orientation estimator (Res = I) has zero peak error, CoG error and spread;
    # a 3x3 rotation inside each block (Frobenius-combined) changes nothing
    rng = np.random.default_rng(3)
    rr = rng.normal(size=(8, 3)) * 0.03
    Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    res = np.kron(np.eye(8), Q)
    met = resolution.resolution_metrics(res, rr, "psf", n_orient=3)
    assert np.all(met.peak_error == 0) and np.allclose(met.cog_error, 0, atol=1e-17)
    assert np.allclose(met.spatial_deviation, 0, atol=1e-17)
    # uniform leakage: every PSF flat over the grid -> CoG at the grid centroid
    flat = resolution.resolution_metrics(np.ones((8, 8)), rr)
    np.testing.assert_allclose(flat.cog_error, np.linalg.norm(rr.mean(0) - rr, axis=1),
                               rtol=1e-12)


def test_meg_eeg_null_space_patterns_are_silent_for_both():
    from neurocourse import eeg
    from neurocourse.eeg import montage
    from neurocourse.forward import make_forward
    from neurocourse.inverse import null_space_patterns

    cx = meg.folded_cortex(n=(20, 3))  # 60 sources
    f = make_forward(cx.positions, meg=meg.radial_magnetometers(20),
                     eeg=montage.standard_montage("1020"), head=eeg.three_shell(),
                     normals=cx.normals)
    # put rows in comparable units (MNE ad-hoc noise), as whitening would, before the SVD
    sd = np.where(np.array(f.ch_types) == "eeg", 0.2e-6, 20e-15)
    Gw = f.G / sd[:, None]
    n_both = null_space_patterns(Gw)
    n_meg = null_space_patterns(Gw[:20])
    assert n_both.shape[1] == 60 - 41 and n_meg.shape[1] >= 60 - 20
    for rows in (slice(0, 20), slice(20, 41)):  # silent for MEG and for EEG: round-off
        assert np.abs(Gw[rows] @ n_both).max() < 1e-10 * np.linalg.norm(Gw[rows], 2)
