"""ECD localisation of detected spikes: against mne.fit_dipole on the same simulated spikes at
MNE's own acceptance thresholds, GOF/volume acceptance, and single-linkage clusters against
hand-built configurations."""

import mne
import numpy as np
import pytest

from neurocourse import clinical, meg

mne.set_log_level("ERROR")
R_INNER = 0.09  # inner-skull radius of mne.make_sphere_model(head_radius=0.1), m
R0 = np.array([0.03, 0.01, 0.06])
Q = np.array([0.0, 200e-9, 0.0])  # 200 nAm peak, tangential at R0 (R0 · Q = 0)



@pytest.fixture(scope="module")
def scene():
    arr = meg.radial_magnetometers(80, radius=0.12, z_min=-0.2)

    def gain(P):
        return meg.lead_field(P, arr.positions, arr.normals)

    # 20 fT white + 50 fT AR(1) background: peak-channel SNR ~ 37, the regime of MNE's own test
    # (nave = 400); at SNR ~ 20 single fits already miss MNE's absolute 10-nAm amplitude bound
    rec = clinical.simulate_spike_recording(gain, R0, Q, duration=40.0, noise_sd=20e-15,
                                            background_sd=50e-15, rate=0.2, rng=11)
    det = clinical.detect_spikes(rec.data[rec.peak_channel], rec.sfreq)
    info = mne.create_info([f"M{i:03d}" for i in range(80)], rec.sfreq, "mag")
    frames = meg.sensors._orthonormal_frames(arr.normals)  # coil 2000 only uses ez
    with info._unlock():
        for i, ch in enumerate(info["chs"]):
            ch["coil_type"] = 2000  # point magnetometer, as our lead field
            ch["loc"][:12] = np.concatenate([arr.positions[i], frames[i].ravel()])
        info["dev_head_t"] = mne.transforms.Transform("meg", "head")
    return dict(gain=gain, rec=rec, det=det, info=info)


def test_fits_match_mne_fit_dipole(scene):
    rec, det = scene["rec"], scene["det"]
    assert det.size >= 5
    fits = clinical.fit_spike_dipoles(rec.data, rec.times, det, rec.noise_cov, scene["gain"],
                                      R_INNER)
    idx = np.rint(det * rec.sfreq).astype(int)
    ev = mne.EvokedArray(rec.data[:, idx], scene["info"], tmin=0.0, nave=1)
    cov = mne.Covariance(rec.noise_cov, scene["info"]["ch_names"], [], [], 1)
    dip, _ = mne.fit_dipole(ev, cov, mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.1),
                            None)
    q_true = np.outer(clinical.spike_waveform(rec.times[idx], rec.spike_times), Q)
    for k, f in enumerate(fits):
        for pos, mom in ((f.position, f.moment), (dip.pos[k], dip.ori[k] * dip.amplitude[k])):
            # MNE's own thresholds (test_make_forward_dipole): 1.5 cm per coordinate, 1 cm
            # distance, orientation < 20 deg, amplitude error < 10 nAm
            assert np.all(np.abs(pos - R0) < 0.015) and np.linalg.norm(pos - R0) < 0.01
            cos = mom @ q_true[k] / np.linalg.norm(mom) / np.linalg.norm(q_true[k])
            assert np.degrees(np.arccos(np.clip(cos, -1, 1))) < 20
            assert abs(np.linalg.norm(mom) - np.linalg.norm(q_true[k])) < 10e-9
        # same cost and optimiser family: positions within 10 x COBYLA's rhoend, GOF to 0.01 %
        assert np.linalg.norm(f.position - dip.pos[k]) < 5e-4
        np.testing.assert_allclose(f.gof, dip.gof[k], atol=1e-2)


def test_accepted_spikes_form_one_cluster_at_the_focus(scene):
    rec, det = scene["rec"], scene["det"]
    fits = clinical.fit_spike_dipoles(rec.data, rec.times, det, rec.noise_cov, scene["gain"],
                                      R_INNER)
    ok = clinical.accept_dipoles(fits, min_gof=80.0, max_volume=1e-6)
    assert ok.sum() >= 5
    cl = clinical.cluster_dipoles(np.array([f.position for f in fits])[ok], 0.01, min_size=5)
    assert cl.localising and cl.sizes[0] == ok.sum()
    # the centroid of >= 5 fits each within ~5 mm of the truth lands within 5 mm
    assert np.linalg.norm(cl.centroids[0] - R0) < 0.005


def test_accept_thresholds():
    class F:  # duck-typed fit: accept_dipoles reads .gof (%) and .confidence_volume (m³)
        def __init__(self, gof, vol):
            self.gof, self.confidence_volume = gof, vol

    fits = [F(85.0, 0.5e-6), F(79.9, 0.1e-6), F(95.0, 2e-6), F(80.0, 1e-6)]
    np.testing.assert_array_equal(clinical.accept_dipoles(fits), [True, False, False, True])
    np.testing.assert_array_equal(clinical.accept_dipoles(fits, 70.0, np.inf),
                                  [True, True, True, True])
    with pytest.raises(ValueError, match="min_gof"):
        clinical.accept_dipoles(fits, min_gof=0.8e3)


def test_cluster_single_linkage():
    rng = np.random.default_rng(0)
    a = np.array([0.02, 0.0, 0.05]) + rng.uniform(-1.5e-3, 1.5e-3, (6, 3))  # tight: 6 dipoles
    b = np.array([-0.03, 0.02, 0.04]) + rng.uniform(-1.5e-3, 1.5e-3, (3, 3))  # too small
    chain = np.array([[0.0, -0.04, 0.0]]) + np.arange(7)[:, None] * [0.008, 0, 0]  # 8-mm steps
    far = np.array([[0.0, 0.0, -0.05]])
    cl = clinical.cluster_dipoles(np.vstack([a, b, chain, far]), 0.01, min_size=5)
    np.testing.assert_array_equal(cl.sizes, [7, 6])  # the chain links by single linkage
    np.testing.assert_array_equal(cl.labels, [1] * 6 + [-1] * 3 + [0] * 7 + [-1])
    np.testing.assert_allclose(cl.centroids[1], a.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(cl.centroids[0], chain.mean(axis=0), rtol=1e-14, atol=1e-17)
    np.testing.assert_allclose(cl.spreads[1], np.sqrt(np.mean(np.sum((a - a.mean(0)) ** 2, 1))))
    empty = clinical.cluster_dipoles(np.zeros((0, 3)))
    assert not empty.localising and empty.labels.size == 0


def test_localise_spikes_pipeline(scene):
    """detect → fit → accept → cluster on the scene's recording: one localising cluster within
    5 mm of the truth, every detection a planted spike."""
    rec = scene["rec"]
    loc = clinical.localise_spikes(rec.data, rec.times, rec.sfreq, rec.noise_cov, scene["gain"],
                                   R_INNER, rec.peak_channel)
    np.testing.assert_array_equal(loc.times, scene["det"])
    perf = clinical.detection_performance(loc.times, rec.spike_times, 40.0)
    assert perf.sensitivity == 1.0 and perf.n_false == 0
    assert loc.accepted.all() and loc.clusters.localising
    assert np.linalg.norm(loc.clusters.centroids[0] - R0) < 0.005
    with pytest.raises(ValueError, match="channel"):
        clinical.localise_spikes(rec.data, rec.times, rec.sfreq, rec.noise_cov, scene["gain"],
                                 R_INNER, 80)
