"""LCMV beamformer against mne.beamformer.make_lcmv/apply_lcmv/apply_lcmv_cov, and its failure
for correlated sources.

Same whitened lead field, covariances and options on both sides; the arithmetic differs only in
operation order (SVD-based pseudo-inverse in MNE vs LU inverse here), so rtol 1e-8 (the issue's
goal) holds with ~5 orders of margin at these condition numbers (loading 5 %).
"""

import mne
import numpy as np
import pytest

from neurocourse import meg
from neurocourse.inverse import beamformer

mne.set_log_level("ERROR")


@pytest.fixture(scope="module")
def setup():
    arr = meg.radial_magnetometers(40, radius=0.12)
    info = mne.create_info([f"M{i:03d}" for i in range(40)], 1000.0, "mag")
    frames = meg.sensors._orthonormal_frames(arr.normals)
    with info._unlock():
        for i, ch in enumerate(info["chs"]):
            ch["coil_type"] = 2000
            ch["loc"][:12] = np.concatenate([arr.positions[i], frames[i].ravel()])
        info["dev_head_t"] = mne.transforms.Transform("meg", "head")
    cx = meg.folded_cortex(n=(7, 2))
    src = mne.setup_volume_source_space(pos=dict(rr=cx.positions, nn=cx.normals))
    sphere = mne.make_sphere_model(r0=(0, 0, 0), head_radius=None)
    fwd = mne.make_forward_solution(info, None, src, sphere, meg=True, eeg=False, mindist=0)
    G = fwd["sol"]["data"]
    rng = np.random.default_rng(0)
    noise = np.diag(rng.uniform(0.5, 2, 40)) * (20e-15) ** 2
    g = G[:, 3 * 5:3 * 5 + 3] @ np.array([10e-9, 5e-9, 0.0])
    data = np.outer(g, g) * 4 + noise + 0.2 * (20e-15) ** 2 * np.ones((40, 40))
    b = rng.normal(size=(40, 3)) * 50e-15
    return dict(info=info, fwd=fwd, noise=noise, data=data, b=b, nn=cx.normals)


def _covs(s):
    return (mne.Covariance(s["data"], s["info"]["ch_names"], [], [], 100),
            mne.Covariance(s["noise"], s["info"]["ch_names"], [], [], 100))


def _close(x, ref, rtol=1e-8):
    np.testing.assert_allclose(x, ref, rtol=rtol, atol=rtol * np.abs(ref).max())


@pytest.mark.parametrize("weight_norm", beamformer.WEIGHT_NORMS)
def test_fixed_lcmv_matches_mne(setup, weight_norm):
    s = setup
    ff = mne.convert_forward_solution(s["fwd"], surf_ori=True, force_fixed=True)
    dcov, ncov = _covs(s)
    filt = mne.beamformer.make_lcmv(s["info"], ff, dcov, reg=0.05, noise_cov=ncov,
                                    weight_norm=weight_norm)
    ev = mne.EvokedArray(s["b"], s["info"])
    ref = mne.beamformer.apply_lcmv(ev, filt).data
    ours = beamformer.make_lcmv(ff["sol"]["data"].astype(float), s["data"], 0.05, s["noise"],
                                weight_norm=weight_norm)
    _close(beamformer.apply_lcmv(ours, s["b"]), ref)
    ref_p = mne.beamformer.apply_lcmv_cov(dcov, filt).data[:, 0]
    _close(beamformer.lcmv_power(ours), ref_p)


@pytest.mark.parametrize("weight_norm", beamformer.WEIGHT_NORMS)
def test_free_reduce_rank_lcmv_matches_mne(setup, weight_norm):
    s = setup
    dcov, ncov = _covs(s)
    filt = mne.beamformer.make_lcmv(s["info"], s["fwd"], dcov, reg=0.05, noise_cov=ncov,
                                    weight_norm=weight_norm, reduce_rank=True)
    ev = mne.EvokedArray(s["b"], s["info"])
    ref = mne.beamformer.apply_lcmv(ev, filt).data
    ours = beamformer.make_lcmv(s["fwd"]["sol"]["data"], s["data"], 0.05, s["noise"],
                                n_orient=3, weight_norm=weight_norm, reduce_rank=True)
    _close(beamformer.apply_lcmv(ours, s["b"]), ref)
    _close(beamformer.lcmv_power(ours), mne.beamformer.apply_lcmv_cov(dcov, filt).data[:, 0])


def test_sphere_meg_needs_reduce_rank(setup):
    s = setup
    with pytest.raises(ValueError, match="reduce_rank"):
        beamformer.make_lcmv(s["fwd"]["sol"]["data"], s["data"], 0.05, s["noise"], n_orient=3)


def test_unit_gain_and_correlated_sources_failure():
    """A unit-gain filter passes its source with gain 1; two perfectly correlated sources
    cancel each other (Van Veen 1997, sec. V), while uncorrelated ones are both recovered."""
    x, z = np.meshgrid(np.linspace(-0.04, 0.04, 17), [0.06])
    rr = np.column_stack([x.ravel(), np.zeros(x.size), z.ravel()])
    nn = np.tile([0, 1.0, 0], (len(rr), 1))
    arr = meg.radial_magnetometers(80, radius=0.11)
    G = meg.fixed_orientation(meg.lead_field(rr, arr.positions, arr.normals), nn)
    noise = np.eye(80) * (10e-15) ** 2
    i, j = 4, 12
    amp = 20e-9
    gi, gj = G[:, i] * amp, G[:, j] * amp
    unc = np.outer(gi, gi) + np.outer(gj, gj) + noise
    cor = np.outer(gi + gj, gi + gj) + noise
    f = beamformer.make_lcmv(G, unc, reg=0.0, noise_cov=noise, weight_norm=None)
    gain = np.array([f.W[k] @ G[:, k] for k in range(len(rr))])
    np.testing.assert_allclose(gain, 1.0, rtol=1e-10)  # unit gain by construction: round-off
    p_unc = beamformer.lcmv_power(f)
    p_cor = beamformer.lcmv_power(beamformer.make_lcmv(G, cor, reg=0.0, noise_cov=noise,
                                                       weight_norm=None))
    # uncorrelated: each source's power is recovered (amp² = 4e-16 (A·m)², to 1 %)
    np.testing.assert_allclose(p_unc[[i, j]], amp**2, rtol=0.01)
    # correlated: the beamformer cancels them, power at the true locations collapses
    assert np.all(p_cor[[i, j]] < 0.1 * amp**2)
