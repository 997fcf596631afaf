"""Cluster-level inference (neurocourse.stats.cluster) against MNE's permutation_cluster_1samp_test."""

import mne
import numpy as np
import pytest
import scipy.ndimage
import scipy.stats

from neurocourse import stats


def _smooth_group(seed=1, n=10, shape=(60,), sigma=2.0, mu=0.8, where=np.s_[:, 20:30]):
    rng = np.random.default_rng(seed)
    Y = scipy.ndimage.gaussian_filter(rng.standard_normal((n, *shape)),
                                      (0, *([sigma] * len(shape)))) * 3.0
    Y[where] += mu
    return Y


def _mne(Y, threshold, tail=0, t_power=1):
    return mne.stats.permutation_cluster_1samp_test(
        Y, threshold=threshold, n_permutations=2 ** Y.shape[0], tail=tail, t_power=t_power,
        out_type="mask", verbose=False)


@pytest.mark.parametrize(("statistic", "t_power"), [("mass", 1), ("size", 0)])
@pytest.mark.parametrize("tail", [0, 1])
def test_exact_cluster_p_equal_mne_1d(statistic, t_power, tail):
    Y = _smooth_group()
    res = stats.cluster_fwe(Y, 2.0, tail=tail, statistic=statistic)
    t_obs, clusters, p_ref, h0 = _mne(Y, 2.0, tail, t_power)
    assert res.exact
    np.testing.assert_allclose(res.t, t_obs, rtol=1e-10)  # class A
    assert len(clusters) == res.cluster_stats.size > 0
    for k, cl in enumerate(clusters):  # same clusters, in the same order (positive first)
        mask = np.zeros(res.t.shape, dtype=bool)
        mask[cl] = True  # MNE gives 1-D clusters as slices
        np.testing.assert_array_equal(res.labels == k + 1, mask)
    if tail == 0:
        np.testing.assert_array_equal(res.cluster_p, p_ref)  # class B: identical under enumeration
        return
    # One-sided exact mode of MNE 1.13 (checked in its source): signs = 2 * order - 1, and its
    # orders bin_perm_rep(n)[1:] hold the identity (all ones) but not the global flip (all
    # zeros), while the observed maximum is appended to H0 as well: the identity counts twice and
    # the global flip never. Our null differs from MNE's by exactly that one pattern.
    flip_max, obs_max = res.null_max[-1], res.null_max[0]  # binary order: last row flips all
    np.testing.assert_allclose(np.sort(np.r_[h0, flip_max]), np.sort(np.r_[res.null_max, obs_max]),
                               rtol=1e-10)
    reach = res.cluster_stats * (1 - 1e-12)  # class B guard: one statistic, two code paths
    shift = ((flip_max >= reach).astype(float) - (obs_max >= reach)) / res.null_max.size
    np.testing.assert_allclose(res.cluster_p, p_ref + shift, rtol=0, atol=1e-15)


def test_exact_cluster_p_equal_mne_2d_face_connectivity():
    Y = _smooth_group(2, n=9, shape=(14, 12), sigma=1.5, mu=1.0, where=np.s_[:, 3:8, 4:9])
    res = stats.cluster_fwe(Y, 1.8, connectivity=1)  # MNE's lattice default: faces (4 in 2-D)
    t_obs, clusters, p_ref, _ = _mne(Y, 1.8)
    assert len(clusters) == res.cluster_stats.size > 1
    np.testing.assert_array_equal(res.cluster_p, p_ref)
    np.testing.assert_allclose(res.t, t_obs, rtol=1e-10)


def test_connectivity_changes_the_clusters():
    t = np.zeros((5, 5))
    t[1, 1] = t[2, 2] = t[3, 3] = 3.0  # a diagonal: three clusters by faces, one by corners
    assert stats.find_clusters(t, 1.0, connectivity=1)[1].size == 3
    labels, values, signs = stats.find_clusters(t, 1.0, connectivity=2, statistic="size")
    assert values.tolist() == [3.0] and signs.tolist() == [1] and labels.max() == 1
    assert stats.connectivity_structure(3, 1).sum() == 7  # centre + 6 faces
    assert stats.connectivity_structure(3, 2).sum() == 19  # SPM's 18 neighbours
    assert stats.connectivity_structure(3, 3).sum() == 27  # 26 neighbours


def test_cluster_statistics_closed_form():
    t = np.array([0.0, 3.0, 4.0, 0.0, -5.0, -2.5, 0.0, 2.1])
    _labels, v_mass, signs = stats.find_clusters(t, 2.0, statistic="mass")
    np.testing.assert_allclose(v_mass, [7.0, 2.1, 7.5])  # sum |t|, positive clusters first
    assert signs.tolist() == [1, 1, -1]
    _, v_ex, _ = stats.find_clusters(t, 2.0, statistic="excess_mass")
    np.testing.assert_allclose(v_ex, [3.0, 0.1, 3.5])  # sum (|t| - u)
    _, v_size, _ = stats.find_clusters(t, 2.0, statistic="size")
    np.testing.assert_array_equal(v_size, [2, 1, 2])
    assert stats.find_clusters(t, 2.0, tail=-1)[1].tolist() == [7.5]


def test_max_cluster_statistic_vectorised_equals_per_map():
    rng = np.random.default_rng(3)
    maps = scipy.ndimage.gaussian_filter(rng.standard_normal((6, 10, 9)), (0, 1.2, 1.2)) * 3
    best = stats.max_cluster_statistic(maps, 1.0, tail=0, connectivity=1, statistic="mass")
    for b in range(6):  # independent: each map labelled on its own
        vals = stats.find_clusters(maps[b], 1.0, 0, 1, "mass")[1]
        assert best[b] == pytest.approx(vals.max() if vals.size else 0.0, rel=1e-12)


def test_cluster_fwe_on_null_data_within_binomial_bounds():
    n_studies, alpha = 200, 0.05
    rng = np.random.default_rng(4)
    hits = 0
    for _ in range(n_studies):  # independent null studies of 8 subjects, exact (256 patterns)
        Y = scipy.ndimage.gaussian_filter(rng.standard_normal((8, 40)), (0, 2.0))
        res = stats.cluster_fwe(Y, scipy.stats.t.isf(0.01, 7), tail=1, statistic="mass")
        hits += bool(np.any(res.cluster_p <= alpha))
    hi = scipy.stats.binom.ppf(0.9995, n_studies, alpha)
    # an exact test is at most alpha (ties in the max make it conservative): one-sided bound
    assert hits <= hi


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.cluster_fwe(np.ones((4, 2, 2, 2, 2)), 2.0), "1 to 3 spatial dimensions"),
    (lambda: stats.cluster_fwe(np.ones((4, 5)), -1.0), "threshold must be > 0"),
    (lambda: stats.cluster_fwe(np.ones((4, 5)), 2.0, connectivity=2), r"connectivity must be in \[1, 1\]"),
    (lambda: stats.cluster_fwe(np.ones((4, 5)), 2.0, statistic="peak"), "statistic must be one of"),
    (lambda: stats.find_clusters(np.ones(5), 0.0), "threshold must be > 0"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
