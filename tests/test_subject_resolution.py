"""Two sources close in space in the virtual subject: fMRI separates patches 1 cm apart along the
folds, MEG, EEG and MEG+EEG (dSPM) do not; MEG+EEG separates them at 5 cm (measured, robust over
three noise seeds)."""

import pytest

from neurocourse import subject_resolution as R


@pytest.mark.parametrize("seed", [0, 1])
def test_fmri_resolves_one_centimetre(seed):
    r = R.two_sources(0.01, "fMRI", rng=seed)
    # the t peaks fall on the patches: within one grid step (1.5 mm) of each centre
    assert r.resolved and r.errors.max() <= 0.0015 + 1e-12


@pytest.mark.parametrize("modality", ["MEG", "EEG", "MEG+EEG"])
def test_meeg_does_not_resolve_one_centimetre(modality):
    r = R.two_sources(0.01, modality, rng=0)
    assert not r.resolved
    assert r.errors.max() > 0.003  # one planted patch has no peak within 3 mm


def test_meeg_resolves_five_centimetres():
    r = R.two_sources(0.05, "MEG+EEG", u0=-0.025, rng=0)
    assert r.resolved and r.errors.max() <= 0.0015 + 1e-12


def test_validation():
    with pytest.raises(ValueError, match="modality must be one of"):
        R.two_sources(0.01, "PET")
    with pytest.raises(ValueError, match="separation must be in"):
        R.two_sources(0.004, "fMRI")


@pytest.mark.parametrize("modality", ["MEG", "EEG", "MEG+EEG"])
def test_two_events(modality):
    """Bursts of 20 ms SD: 20 ms apart their sum has a single maximum, so no sensor can separate
    them (measured: one latency >= 8 ms from any peak); 100 ms apart, every M/EEG modality finds
    both latencies within 7 ms (measured <= 6 ms over two seeds; 1 sample = 2 ms)."""
    assert not R.two_events(0.02, modality, rng=0).resolved
    r = R.two_events(0.1, modality, rng=0)
    assert r.resolved and r.errors.max() <= 0.007
    with pytest.raises(ValueError, match="modality must be one of"):
        R.two_events(0.1, "fMRI")
