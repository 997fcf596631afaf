"""RSA: RDMs, crossnobis, comparison and noise ceiling against rsatoolbox 0.3.2, and crossnobis'
unbiasedness on planted geometry."""

import numpy as np
import pytest
import scipy.stats
from rsatoolbox.data import Dataset
from rsatoolbox.inference import boot_noise_ceiling
from rsatoolbox.rdm import RDMs, calc_rdm, compare

from neurocourse import decoding as dec
from neurocourse.decoding import simulate as ds

# Class A: same deterministic definitions; observed agreement 1e-16 to 3e-16; rtol 1e-10.
RTOL = 1e-10


@pytest.fixture(scope="module")
def folds():
    rng = np.random.default_rng(0)
    M, K, P = 4, 5, 12
    B = rng.normal(size=(M, K, P))
    ds_ = Dataset(B.reshape(M * K, P), obs_descriptors={"cond": np.tile(np.arange(K), M),
                                                         "run": np.repeat(np.arange(M), K)})
    prec = np.linalg.inv(np.cov(rng.normal(size=(60, P)).T))
    return B, ds_, prec


@pytest.mark.parametrize("method", ["euclidean", "correlation"])
def test_rdm_matches_rsatoolbox(folds, method):
    B, d, _ = folds
    ref = calc_rdm(d, method=method, descriptor="cond").dissimilarities[0]
    np.testing.assert_allclose(dec.rdm(B.mean(axis=0), method), ref, rtol=RTOL)


def test_mahalanobis_and_crossnobis_match_rsatoolbox(folds):
    B, d, prec = folds
    ref = calc_rdm(d, method="mahalanobis", descriptor="cond", noise=prec).dissimilarities[0]
    np.testing.assert_allclose(dec.rdm(B.mean(axis=0), "mahalanobis", prec), ref, rtol=RTOL)
    ref = calc_rdm(d, method="crossnobis", descriptor="cond", noise=prec,
                   cv_descriptor="run").dissimilarities[0]
    np.testing.assert_allclose(dec.crossnobis(B, prec), ref, rtol=RTOL, atol=1e-14)


def test_crossnobis_equals_mean_over_ordered_fold_pairs(folds):
    """Leave-one-fold-out = the average over all fold pairs m != l (reference §5.4 ✔)."""
    B, _, _ = folds
    C = dec.pair_contrasts(B.shape[1])
    D = np.einsum("pk,mkc->mpc", C, B)
    M = B.shape[0]
    pairs = [np.sum(D[m] * D[n], axis=1) for m in range(M) for n in range(M) if m != n]
    np.testing.assert_allclose(dec.crossnobis(B), np.mean(pairs, axis=0) / B.shape[2],
                               rtol=RTOL)


def test_crossnobis_is_unbiased_and_euclidean_is_not():
    """Walther 2016: E[crossnobis] = true distance (0 for identical conditions); the Euclidean
    distance of run-averaged patterns is biased by 2 sigma^2 / M."""
    est, euc = [], []
    for seed in range(200):
        p = ds.pattern_dataset(n_folds=8, n_conditions=3, n_voxels=50, sigma=1.0, rng=seed)
        est.append(dec.crossnobis(p.data) - p.true_rdm)
        euc.append(dec.rdm(p.data.mean(axis=0), "euclidean") - p.true_rdm)
    est, euc = np.array(est), np.array(euc)
    se = est.std(axis=0, ddof=1) / np.sqrt(len(est))
    assert np.all(np.abs(est.mean(axis=0)) < 3 * se)  # unbiased: within 3 SE of 0
    # bias 2/8 = 0.25; the SE of the mean Euclidean error is ~0.004; allow 0.02
    np.testing.assert_allclose(euc.mean(axis=0), 2 * 1.0**2 / 8, atol=0.02)
    assert np.mean(est[:, 0] < 0) > 0.3  # identical pair (0, 1): negative estimates are common


@pytest.mark.parametrize("ours, theirs", [("spearman", "spearman"), ("pearson", "corr"),
                                          ("cosine", "cosine"), ("kendall_tau_a", "tau-a"),
                                          ("whitened_cosine", "cosine_cov")])
def test_compare_matches_rsatoolbox(ours, theirs):
    rng = np.random.default_rng(1)
    a = rng.normal(size=15)
    b = a + rng.normal(size=15)
    b[:4] = b[0]  # ties
    ref = compare(RDMs(a[None]), RDMs(b[None]), method=theirs)[0, 0]
    np.testing.assert_allclose(dec.compare_rdms(a, b, ours), ref, rtol=RTOL)


def test_kendall_tau_a_with_ties():
    x, y = [1, 1, 2, 3, 4], [1, 2, 2, 3, 5]
    assert dec.kendall_tau_a(x, y) == pytest.approx(0.8, abs=1e-15)  # 8 of 10 pairs concordant
    assert scipy.stats.kendalltau(x, y).statistic == pytest.approx(0.8889, abs=1e-4)  # tau-b


@pytest.mark.parametrize("ours, theirs", [("spearman", "spearman"), ("pearson", "corr"),
                                          ("cosine", "cosine")])
def test_noise_ceiling_matches_rsatoolbox(ours, theirs):
    R = np.abs(np.random.default_rng(2).normal(size=(6, 10))) + np.linspace(0, 2, 10)
    lo, up = boot_noise_ceiling(RDMs(R), method=theirs)
    np.testing.assert_allclose(dec.noise_ceiling(R, ours), (lo, up), rtol=RTOL)


def test_bad_input():
    with pytest.raises(ValueError, match="method"):
        dec.rdm(np.eye(3), "cityblock")
    with pytest.raises(ValueError, match="data must"):
        dec.crossnobis(np.zeros((1, 3, 4)))
    with pytest.raises(ValueError, match="precision"):
        dec.crossnobis(np.zeros((2, 3, 4)), np.eye(3))
    with pytest.raises(ValueError, match="K\\(K-1\\)/2"):
        dec.whitened_cosine(np.ones(4), np.ones(4))


def test_geometry_patterns_preserve_planted_distances():
    coords = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.8]])
    mu = ds.geometry_patterns(coords, n_voxels=30, rng=3)
    i, j = np.triu_indices(3, 1)
    expected = np.sum((coords[i] - coords[j]) ** 2, axis=1)  # squared planar distances
    np.testing.assert_allclose(dec.rdm(mu, "euclidean"), expected, rtol=1e-12)
