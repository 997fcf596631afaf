"""TFCE (neurocourse.stats.tfce) against the reference numbers, MNE and nilearn's fslmaths convention."""

import importlib

import mne
import numpy as np
import pytest
import scipy.ndimage
from nilearn.mass_univariate._utils import calculate_tfce

from neurocourse import stats


def _mne_tfce(t, dh):
    # the reference's recipe: a stat_fun that returns the given map, three identical rows
    return mne.stats.permutation_cluster_1samp_test(
        np.tile(t, (3, 1)), threshold=dict(start=0, step=dh), stat_fun=lambda X: X[0],
        n_permutations=8, verbose=False)[0]


def test_reference_numbers():
    t = np.array([0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0])
    # applications.md 1.4 (checked against MNE there): printed to 6 significant digits
    np.testing.assert_allclose(stats.tfce(t), [0, 0.637279, 4.42181, 10.50681, 4.42181, 0.637279, 0],
                               rtol=1e-6, atol=1e-7)
    swapped = stats.tfce(t, e_power=2.0, h_power=0.5)
    np.testing.assert_allclose(swapped[1:4], [15.26, 26.05, 27.61], rtol=5e-4)  # 4 digits given


@pytest.mark.parametrize("dh", [0.1, 0.25])
def test_equals_mne_signed_1d(dh):
    t = np.random.default_rng(0).standard_normal(50) * 2.0
    np.testing.assert_allclose(stats.tfce(t, dh=dh), _mne_tfce(t, dh), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("two_sided", [True, False])
def test_equals_nilearn_fsl_convention_3d(two_sided):
    t = scipy.ndimage.gaussian_filter(np.random.default_rng(1).standard_normal((9, 8, 7)), 1.0) * 4
    ref = calculate_tfce(t[..., None], scipy.ndimage.generate_binary_structure(3, 1),
                         two_sided_test=two_sided)[..., 0]
    ours = stats.tfce(t, tail=0 if two_sided else 1, convention="fsl")
    # same thresholds and labelling; summation order differs: rounding ~1e-15 relative
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-10)


def test_single_cluster_closed_form():
    # a flat plateau of height 3 over k voxels: e = k at every height below 3, so
    # TFCE = sum_{h = dh, 2 dh, .. < 3} k^0.5 h^2 dh
    k, dh = 9, 0.5
    t = np.zeros(20)
    t[5:5 + k] = 3.0
    h = np.arange(dh, 3.0, dh)
    assert stats.tfce(t, dh=dh)[7] == pytest.approx(np.sqrt(k) * np.sum(h**2) * dh, rel=1e-12)


def test_tfce_fwe_exact_p_equal_mne():
    rng = np.random.default_rng(2)
    Y = scipy.ndimage.gaussian_filter(rng.standard_normal((9, 40)), (0, 2.0)) * 3
    Y[:, 10:18] += 1.0
    res = stats.tfce_fwe(Y, dh=0.2)
    t_obs, _, p_ref, _ = mne.stats.permutation_cluster_1samp_test(
        Y, threshold=dict(start=0, step=0.2), n_permutations=2**9, tail=0, out_type="mask",
        verbose=False)
    np.testing.assert_allclose(res.tfce, t_obs, rtol=1e-10, atol=1e-12)
    # MNE treats every voxel as its own "cluster" under TFCE: the voxel p-values, class B
    np.testing.assert_array_equal(res.p_fwe, p_ref)


def test_tfce_stack_equals_per_map():
    maps = np.random.default_rng(3).standard_normal((4, 6, 7)) * 2
    stacked = stats.tfce_stack(maps, convention="fsl")
    for b in range(4):  # fsl convention: each map has its own ladder of heights
        np.testing.assert_allclose(stacked[b], stats.tfce(maps[b], convention="fsl"), rtol=1e-12)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: stats.tfce(np.ones((2, 2, 2, 2))), "stat_map must have 1 to 3 dimensions"),
    (lambda: stats.tfce(np.ones(5), dh=0.0), "dh must be > 0"),
    (lambda: stats.tfce(np.ones(5), convention="spm"), "convention must be one of"),
    (lambda: stats.tfce_fwe(np.ones((3, 5)), tail=3), "tail must be one of"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _plain_tfce_stack(maps, dh, e_power, h_power, conn, tail, convention, n_steps=100):
    """Textbook TFCE of each map separately: label the whole map at every height, sum e^E h^H dh."""
    out = np.zeros(maps.shape)
    structure = scipy.ndimage.generate_binary_structure(maps.ndim - 1, conn)
    for b, m in enumerate(maps):
        for sign in {0: (1, -1), 1: (1,), -1: (-1,)}[tail]:
            part = sign * m
            top = max(part.max(), 0.0) if tail else max(np.abs(m).max(), 0.0)
            if top == 0:
                continue
            if convention == "mne":
                heights, step = np.arange(0.0, max(np.abs(maps).max() if tail == 0 else
                                                   (sign * maps).max(), 0.0), dh)[1:], dh
            else:
                heights, step = np.linspace(0.0, top, n_steps + 1)[1:], 1.0
            for h in heights:
                lab, n = scipy.ndimage.label(part >= h if convention == "fsl" else part > h,
                                             structure)
                size = np.bincount(lab.ravel(), minlength=n + 1).astype(float)
                size[0] = 0.0
                out[b] += sign * size[lab] ** e_power * h**h_power * step
    return out


@pytest.mark.parametrize("method", ["_enhance_by_labels", "_enhance_by_sweep"])
@pytest.mark.parametrize("convention", ["mne", "fsl"])
@pytest.mark.parametrize("tail", [0, 1, -1])
def test_stack_equals_the_plain_formulation(convention, tail, method, monkeypatch):
    """Both algorithms (labels per height; union-find sweep) give the plain per-height sums."""
    tfce_module = importlib.import_module("neurocourse.stats.tfce")
    monkeypatch.setattr(tfce_module, "_enhance_positive", getattr(tfce_module, method))
    rng = np.random.default_rng(8)
    maps = scipy.ndimage.gaussian_filter(rng.standard_normal((5, 14, 11, 6)), (0, 1, 1, 1)) * 6
    maps[2] = -np.abs(maps[2])  # a map with no positive part, one with nothing at all
    maps[3] = 0.0
    for conn in (1, 3):
        ours = stats.tfce_stack(maps, 0.25, 0.5, 2.0, conn, tail, convention)
        ref = _plain_tfce_stack(maps, 0.25, 0.5, 2.0, conn, tail, convention)
        # the same terms, summed in another order (the sweep: lazily per cluster, along
        # union-find paths): agreement to rounding, ~1e-15 relative; 1e-12 leaves margin
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
        assert np.abs(ref).max() > 1.0  # non-trivial enhancement


def test_sweep_gives_identical_maps_identical_values():
    """A map's TFCE by the sweep does not depend on where it sits in the stack (ties in the
    permutation null stay ties: the p-values are exact counts)."""
    tfce_module = importlib.import_module("neurocourse.stats.tfce")
    rng = np.random.default_rng(9)
    m = scipy.ndimage.gaussian_filter(rng.standard_normal((12, 10, 7)), 1.0) * 5
    maps = np.stack([rng.standard_normal((12, 10, 7)), m, -m, m])
    heights = np.linspace(0.0, 1.0, 101)[1:, None] * np.abs(maps).max(axis=(1, 2, 3))[None]
    structure = scipy.ndimage.generate_binary_structure(3, 1)
    out = tfce_module._enhance_by_sweep(np.abs(maps), heights, 1.0, structure, 0.5, 2.0, True)
    # tolerance 0: the same operations on the same values, whatever the position in the stack
    np.testing.assert_array_equal(out[1], out[2])
    np.testing.assert_array_equal(out[1], out[3])
