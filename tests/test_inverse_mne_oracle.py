"""neurocourse.inverse linear inverses against MNE-Python's make_inverse_operator/apply_inverse.

Both sides receive the same lead field (MNE's own forward, so that the inverse alone is
compared), the same noise covariance, data, λ², orientation prior and depth prior. With
identical conventions the results agree to round-off; the tolerances are the issue's:
rtol 1e-10 for MNE, dSPM and sLORETA, 1e-6 for eLORETA (iterative: MNE stops when the weights
change by less than eps = 1e-6). An absolute floor of rtol * max|x| covers entries that are
close to zero relative to the map (they carry no relative accuracy).
"""

import mne
import numpy as np
import pytest

from neurocourse import meg
from neurocourse.inverse import linear

mne.set_log_level("ERROR")
CENTER = np.array([0.0, 0.0, 0.0])


def _close(x, ref, rtol):
    np.testing.assert_allclose(x, ref, rtol=rtol, atol=rtol * np.abs(ref).max())


@pytest.fixture(scope="module")
def setup():
    """Vectorview helmet (mag + grad) plus 21 EEG electrodes, folded-cortex sources."""
    cx = meg.folded_cortex(n=(9, 3))
    rr, nn = cx.positions, cx.normals
    meg_info = mne.channels.read_meg_canonical_info("neuromag")
    picks = np.r_[0:306:12, 1:306:12, 2:306:12]  # 78 channels: mag and both grads (small)
    picks.sort()
    meg_info = mne.pick_info(meg_info, picks)
    mont = mne.channels.make_standard_montage("spherical_1020")
    eeg_info = mne.create_info(mont.ch_names, meg_info["sfreq"], "eeg")
    eeg_info.set_montage(mont)
    raw = mne.io.RawArray(np.zeros((len(picks), 1)), meg_info)
    raw.add_channels([mne.io.RawArray(np.zeros((21, 1)), eeg_info)], force_update_info=True)
    info = raw.info
    raw.set_eeg_reference(projection=True)  # MNE requires the average-reference projector
    info = raw.info
    src = mne.setup_volume_source_space(pos=dict(rr=rr, nn=nn))
    sphere = mne.make_sphere_model(r0=CENTER, head_radius=0.095)
    fwd = mne.make_forward_solution(info, None, src, sphere, meg=True, eeg=True, mindist=0)
    assert np.array_equal(fwd["src"][0]["rr"][fwd["src"][0]["vertno"]], rr)
    n = len(info["ch_names"])
    types = info.get_channel_types()
    scale = np.array([{"mag": 20e-15, "grad": 5e-13, "eeg": 2e-7}[t] for t in types])
    rng = np.random.default_rng(0)
    A = rng.normal(size=(n, n))
    C = (0.3 * A @ A.T / n + np.eye(n)) * np.outer(scale, scale)
    cov = mne.Covariance(C, info["ch_names"], [], [], 100)
    # the projector makes the EEG noise rank n_eeg - 1: give our side the projected covariance
    # and that rank (MNE projects and drops the null eigenvalue itself)
    eeg = np.array(types) == "eeg"
    P = np.eye(n)
    P[np.ix_(eeg, eeg)] -= 1.0 / eeg.sum()
    C_proj = P @ C @ P
    rank = {"eeg": int(eeg.sum()) - 1}
    b = rng.normal(size=(n, 2)) * scale[:, None] * 5
    evoked = mne.EvokedArray(b, info, nave=1)
    return dict(info=info, fwd=fwd, C=C_proj, rank=rank, cov=cov, b=b, evoked=evoked, types=types, nn=nn)


def _mne_est(s, fwd, lambda2, method, **kw):
    inv = mne.minimum_norm.make_inverse_operator(s["info"], fwd, s["cov"], **kw)
    return mne.minimum_norm.apply_inverse(s["evoked"], inv, lambda2, method,
                                          method_params=dict(eps=1e-6, max_iter=20)
                                          if method == "eLORETA" else None).data


def _fixed_fwd(s):
    return mne.convert_forward_solution(s["fwd"], surf_ori=True, force_fixed=True)


@pytest.mark.parametrize("method", ["MNE", "dSPM", "sLORETA", "eLORETA"])
def test_fixed_no_depth_contract(setup, method):
    s = setup
    ff = _fixed_fwd(s)
    G = ff["sol"]["data"].astype(float)  # MNE stores the fixed gain in float32
    ref = _mne_est(s, ff, 1 / 9, method, loose=0.0, fixed=True, depth=None)
    K = linear.inverse_kernel(G, s["C"], 1 / 9, method, ch_types=s["types"], rank=s["rank"])
    _close(K @ s["b"], ref, 1e-6 if method == "eLORETA" else 1e-10)


@pytest.mark.parametrize("method", ["MNE", "dSPM", "sLORETA"])
def test_fixed_depth_from_free_forward(setup, method):
    s = setup
    G = _fixed_fwd(s)["sol"]["data"].astype(float)
    ref = _mne_est(s, s["fwd"], 1 / 25, method, loose=0.0, fixed=True, depth=0.8)
    K = linear.inverse_kernel(G, s["C"], 1 / 25, method, depth=0.8, ch_types=s["types"], rank=s["rank"],
                              depth_gain=s["fwd"]["sol"]["data"])
    _close(K @ s["b"], ref, 1e-10)


def test_fixed_depth_on_fixed_forward(setup):
    s = setup
    ff = _fixed_fwd(s).copy()
    # Two changes keep this case well conditioned. (1) MNE stores the fixed gain in float32 and
    # would compute this prior in float32; give it a float64 gain. (2) On the folded cortex the
    # crowns are radial, nearly silent to the gradiometers, so MNE's limit (C-code rule: the
    # first weight above limit² · min) leaves a gap and weights the walls by ~1e-12: a
    # numerically rank-9 problem whose round-off is amplified. Oblique random orientations avoid
    # that; the physics of the prior is unchanged.
    rng = np.random.default_rng(7)
    nn = rng.normal(size=s["nn"].shape)
    nn /= np.linalg.norm(nn, axis=1, keepdims=True)
    Gfree = s["fwd"]["sol"]["data"]
    ff["sol"]["data"] = np.einsum("ckj,kj->ck", Gfree.reshape(len(Gfree), -1, 3), nn)
    ref = _mne_est(s, ff, 1 / 9, "dSPM", loose=0.0, fixed=True,
                   depth=dict(exp=0.8, allow_fixed_depth=True))
    K = linear.inverse_kernel(ff["sol"]["data"].astype(float), s["C"], 1 / 9, "dSPM",
                              depth=0.8, ch_types=s["types"], rank=s["rank"])
    _close(K @ s["b"], ref, 1e-10)


_FREE_CASES = [(m, o, d) for m in ("MNE", "dSPM", "sLORETA")
               for o, d in (("free", None), ("free", 0.8), ("loose", 0.8))]
# eLORETA ignores the depth prior (in MNE as here), so its cases are free and loose only
_FREE_CASES += [("eLORETA", "free", None), ("eLORETA", "loose", None)]


@pytest.mark.parametrize("method,orientation,depth", _FREE_CASES)
def test_free_and_loose(setup, method, orientation, depth):
    s = setup
    kw = dict(loose=1.0 if orientation == "free" else 0.2, depth=depth)
    ref = _mne_est(s, s["fwd"], 1 / 9, method, **kw)
    op = linear.make_inverse_operator(s["fwd"]["sol"]["data"], s["C"], orientation=orientation,
                                      source_nn=s["nn"], loose=0.2, depth=depth,
                                      ch_types=s["types"], rank=s["rank"])
    est = linear.apply_inverse(op, s["b"], 1 / 9, method)
    _close(est, ref, 1e-6 if method == "eLORETA" else 1e-10)


def test_bad_input(setup):
    s = setup
    G = _fixed_fwd(s)["sol"]["data"].astype(float)
    with pytest.raises(ValueError, match="lambda2"):
        linear.inverse_kernel(G, s["C"], lambda2=0.0)
    with pytest.raises(ValueError, match="method must be one of"):
        linear.inverse_kernel(G, s["C"], method="LORETA")
    with pytest.raises(ValueError, match="noise_cov"):
        linear.inverse_kernel(G, s["C"][:-1, :-1])
    with pytest.raises(ValueError, match="positive definite"):
        linear.inverse_kernel(G, np.zeros_like(s["C"]) + np.diag([1.0] + [0.0] * (len(G) - 1)))


@pytest.mark.parametrize("method", ["MNE", "dSPM", "sLORETA"])
def test_resolution_matrix_matches_mne(setup, method):
    from neurocourse.inverse import resolution

    s = setup
    ff = _fixed_fwd(s)
    inv = mne.minimum_norm.make_inverse_operator(s["info"], ff, s["cov"], loose=0.0,
                                                 fixed=True, depth=None)
    ref = mne.minimum_norm.make_inverse_resolution_matrix(ff, inv, method=method,
                                                          lambda2=1 / 9)
    G = ff["sol"]["data"].astype(float)
    K = linear.inverse_kernel(G, s["C"], 1 / 9, method, ch_types=s["types"], rank=s["rank"])
    _close(resolution.resolution_matrix(K, G), ref, 1e-10)  # issue goal; same arithmetic
