"""The virtual subject: each modality is the composition it claims to be, and each composed
pipeline recovers a planted single patch within stated bounds (and fails where physics says)."""

from types import SimpleNamespace

import numpy as np
import pytest

from neurocourse import bold, subject


@pytest.fixture(scope="module")
def wall():
    """A patch on a sulcal wall (u = λ/4 = 5 mm: the sheet is tilted most, tangential source)."""
    sub = subject.virtual_subject((subject.Patch("A", 0.005),))
    return sub, subject.simulate_subject(sub, rng=0)


def _balloon(onsets, frame_times, **revised):
    """The balloon model driven by 1-s unit bursts at ``onsets``, sampled at ``frame_times``."""
    dt = 0.01
    fine = np.arange(round(frame_times.size * np.diff(frame_times[:2])[0] / dt)) * dt
    u = np.zeros(fine.size)
    for o in onsets:
        u[(fine >= o) & (fine < o + 1.0)] = 1.0
    r = bold.simulate_balloon(u, dt, bold="revised", **revised)
    idx = np.rint(frame_times / dt).astype(int)
    return SimpleNamespace(bold=r.bold[idx], v=r.v[idx], q=r.q[idx])


def test_composition(wall):
    sub, d = wall
    inside = sub.labels == 0
    assert 2 <= inside.sum() <= 6  # 4-mm radius on a 1.5 mm x 7.5 mm grid
    p = sub.patches[0]
    # planted current: the Gaussian burst on the patch, zero elsewhere (closed form)
    ref = p.moment * np.exp(-((d.times - p.latency) ** 2) / (2 * p.width**2))
    np.testing.assert_allclose(d.source[inside], np.tile(ref, (inside.sum(), 1)), rtol=1e-14)
    assert not d.source[~inside].any()
    # the BOLD of a noise-free session equals the balloon model driven by the 1-s bursts, with
    # the revised output equation at the default acquisition (GRE, 3 T, TE = 30 ms)
    d0 = subject.simulate_subject(sub, bold_noise=0.0, rng=0)
    b = 100 * _balloon(d0.onsets, d0.frame_times, field_strength=3.0, TE=0.03).bold
    np.testing.assert_allclose(d0.bold[:, inside], np.tile(b[:, None], (1, inside.sum())),
                               rtol=1e-12, atol=1e-15)
    assert not d0.bold[:, ~inside].any()
    # the evoked residual is the averaged sensor noise: whitened, its variance is ~1
    W = 1 / np.sqrt(np.diag(d.evoked_cov))
    r = (d.evoked - sub.fwd.G @ d.source) * W[:, None]
    assert abs(r.var() - 1) < 0.05  # 92 channels x 251 samples: SE of the variance ~0.006


@pytest.mark.parametrize("modality,bound", [("fMRI", 0.003), ("MEG", 0.01), ("EEG", 0.01),
                                            ("MEG+EEG", 0.01), ("fMRI-weighted MEG", 0.01)])
def test_single_patch_recovered(wall, modality, bound):
    """Bounds: fMRI to 3 mm (the t peak falls on a patch source; centroid offset < 2 mm);
    M/EEG dSPM to 1 cm (measured 5.9 mm: grid rows are 7.5 mm apart across the folds);
    latency to 10 ms (5 samples at 500 Hz) for M/EEG; fMRI's temporal error is TR/2 = 1 s."""
    sub, d = wall
    r = subject.recover(sub, d, modality)
    assert r.spatial_error < bound
    if modality == "fMRI":
        assert r.temporal_error == 1.0 and r.time_course is None
    else:
        assert r.temporal_error <= 0.010


def test_crown_patch_is_invisible_to_meg_not_to_eeg():
    """On the crown of a gyrus (u = 0) the source is radial: MEG's dSPM misses it by > 1.5 cm,
    while EEG and MEG+EEG recover it (complementarity, the seed's MEG-vs-EEG point)."""
    sub = subject.virtual_subject((subject.Patch("crown", 0.0),))
    d = subject.simulate_subject(sub, rng=0)
    assert subject.recover(sub, d, "MEG").spatial_error > 0.015
    assert subject.recover(sub, d, "MEG+EEG").spatial_error < 0.005
    assert subject.recover(sub, d, "fMRI").spatial_error < 0.003


def test_validation():
    with pytest.raises(ValueError, match="overlaps"):
        subject.virtual_subject((subject.Patch("A", 0.0), subject.Patch("B", 0.001)))
    sub = subject.virtual_subject()
    with pytest.raises(ValueError, match="modality must be one of"):
        subject.recover(sub, subject.simulate_subject(sub, n_events=2), "PET")


@pytest.fixture(scope="module")
def quiet():
    """One wall patch, a noise-free session under several acquisitions (only the BOLD is used)."""
    sub = subject.virtual_subject((subject.Patch("A", 0.005),), n=(21, 3), n_meg=6, n_eeg=6)

    def run(**kw):
        return subject.simulate_subject(sub, n_events=4, rng=0,
                                        acquisition=subject.Acquisition(noise=0.0, **kw))
    return sub, run


def test_acquisition_gre_and_se(quiet):
    """GRE equals the balloon's revised output equation (Obata 2004) at the same TE and B0; SE
    is GRE minus the refocused share (1 - se_ratio) of the extravascular term, closed form, so it
    is smaller than GRE at the same TE for a positive response."""
    sub, run = quiet
    inside = sub.labels == 0
    gre, se = run(sequence="GRE", TE=0.05), run(sequence="SE", TE=0.05)
    ref = _balloon(gre.onsets, gre.frame_times, field_strength=3.0, TE=0.05)
    # rtol 1e-12: the same RK4 trajectory, two evaluations of the same algebra
    np.testing.assert_allclose(gre.bold[:, inside], np.tile(100 * ref.bold[:, None],
                                                            (1, inside.sum())),
                               rtol=1e-12, atol=1e-14)
    k1 = bold.bold_coefficients(bold.BalloonParams(), "revised", field_strength=3.0, TE=0.05)[0]
    expected_se = 100 * (ref.bold - 0.7 * 0.02 * k1 * (1 - ref.q))  # V0 = 0.02, se_ratio 0.3
    np.testing.assert_allclose(se.bold[:, inside][:, 0], expected_se, rtol=1e-12, atol=1e-14)
    peak = int(np.argmax(gre.bold[:, inside][:, 0]))
    assert 0 < se.bold[peak, inside][0] < 0.8 * gre.bold[peak, inside][0]
    # a spin echo with nothing refocused (se_ratio = 1) is the gradient echo, exactly
    np.testing.assert_array_equal(run(sequence="SE", TE=0.05, se_ratio=1.0).bold, gre.bold)


@pytest.mark.parametrize("sequence", ["GRE", "SE"])
def test_signal_change_is_linear_in_te(quiet, sequence):
    """k1 and k2 are proportional to TE and k3 = 1 - epsilon = 0 (epsilon = 1): the fractional
    change doubles with TE exactly (rtol 1e-12, rounding only)."""
    _, run = quiet
    a, b = run(sequence=sequence, TE=0.02), run(sequence=sequence, TE=0.04)
    np.testing.assert_allclose(b.bold, 2 * a.bold, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("tr", [1.0, 2.0, 2.5])
def test_tr_sets_the_sampling(quiet, tr):
    _, run = quiet
    d = run(TR=tr)
    n_scans = int(np.ceil((d.onsets[-1] + 20.0) / tr))  # session: last onset + 20 s
    assert d.bold.shape[0] == n_scans == d.frame_times.size
    np.testing.assert_allclose(np.diff(d.frame_times), tr, rtol=1e-12)
    assert subject.recover(quiet[0], d, "fMRI").temporal_error == tr / 2


@pytest.mark.parametrize("sequence,te,t2", [("GRE", 0.03, 0.066), ("SE", 0.06, 0.076)])
def test_thermal_noise_grows_as_the_baseline_decays(sequence, te, t2):
    """Noise of 0.13 % of S0 is 0.13 / exp(-TE / T2(*)) % of the baseline at the echo (grey
    matter at 3 T: T2* = 66 ms, T2 = 76 ms, tabulated). Outside the patch the BOLD is pure noise:
    its SD over ~200 voxels x 33 scans (relative SE of the SD 1/sqrt(2 x 6600) = 0.9 %) matches
    within 3 %."""
    sub = subject.virtual_subject((subject.Patch("A", 0.005),), n=(41, 5), n_meg=6, n_eeg=6)
    acq = subject.Acquisition(sequence=sequence, TE=te, noise=0.13)
    d = subject.simulate_subject(sub, n_events=4, rng=1, acquisition=acq)
    expected = 0.13 / np.exp(-te / t2)
    assert acq.noise_percent == pytest.approx(expected, rel=1e-12)
    assert np.std(d.bold[:, sub.labels < 0]) == pytest.approx(expected, rel=0.03)


def test_se_session_recovers_the_patch(wall):
    """End to end with a spin echo at TE = 60 ms: the t map still peaks within 3 mm of the
    patch (the response is ~0.5 of GRE's, the noise 1.4 times larger; 20 events keep t >> 3)."""
    sub, _ = wall
    d = subject.simulate_subject(sub, rng=0, acquisition=subject.Acquisition("SE", TE=0.06))
    assert subject.recover(sub, d, "fMRI").spatial_error < 0.003


@pytest.mark.parametrize("kwargs,match", [
    ({"sequence": "EPI"}, "sequence must be one of"),
    ({"TE": 0.0}, "TE must be > 0"),
    ({"TR": -1.0}, "TR must be > 0"),
    ({"noise": -0.1}, "noise must be"),
    ({"field_strength": 9.4}, "field_strength must be one of"),
    ({"se_ratio": 1.5}, "se_ratio must be in"),
])
def test_acquisition_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        subject.Acquisition(**kwargs)


def test_default_se_ratio_is_the_vessel_monte_carlo_ratio():
    """The default se_ratio (0.3) is the SE peak over the GRE plateau of the package's vessel
    Monte Carlo at 3 T, TE = 60 ms (the mr_acquisition chapter's run): measured 0.29. Tolerance
    0.05: the MC standard errors are a few % of each rate, and the radius grid is coarse."""
    from neurocourse import vessels

    mc = vessels.simulate_vessel_mc(np.geomspace(2e-6, 50e-6, 6), B0=3.0, TE=0.06, n_spins=1600,
                                    n_orientations=6, rng=2024)
    ratio = mc.dR2_se.max() / mc.dR2star_ge.max()
    assert abs(ratio - subject.Acquisition().se_ratio) < 0.05
