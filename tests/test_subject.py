"""The virtual subject: each modality is the composition it claims to be, and each composed
pipeline recovers a planted single patch within stated bounds (and fails where physics says)."""

import numpy as np
import pytest

from neurocourse import bold, subject


@pytest.fixture(scope="module")
def wall():
    """A patch on a sulcal wall (u = λ/4 = 5 mm: the sheet is tilted most, tangential source)."""
    sub = subject.virtual_subject((subject.Patch("A", 0.005),))
    return sub, subject.simulate_subject(sub, rng=0)


def test_composition(wall):
    sub, d = wall
    inside = sub.labels == 0
    assert 2 <= inside.sum() <= 6  # 4-mm radius on a 1.5 mm x 7.5 mm grid
    p = sub.patches[0]
    # planted current: the Gaussian burst on the patch, zero elsewhere (closed form)
    ref = p.moment * np.exp(-((d.times - p.latency) ** 2) / (2 * p.width**2))
    np.testing.assert_allclose(d.source[inside], np.tile(ref, (inside.sum(), 1)), rtol=1e-14)
    assert not d.source[~inside].any()
    # the BOLD of a noise-free session equals the balloon model driven by the 1-s bursts
    d0 = subject.simulate_subject(sub, bold_noise=0.0, rng=0)
    dt = 0.01
    fine = np.arange(round(d0.frame_times.size * 2.0 / dt)) * dt
    u = np.zeros(fine.size)
    for o in d0.onsets:
        u[(fine >= o) & (fine < o + 1.0)] = 1.0
    b = 100 * bold.simulate_balloon(u, dt).bold[np.rint(d0.frame_times / dt).astype(int)]
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
