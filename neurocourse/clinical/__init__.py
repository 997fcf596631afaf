"""Epilepsy: interictal spike simulation, detection (amplitude and Teager-Kaiser) with measured
sensitivity and false-alarm rate, equivalent-dipole localisation of spikes with GOF acceptance and
clustering, and EEG-informed fMRI with a family of HRFs."""

from neurocourse.clinical.detection import (
    DETECTORS,
    DetectionCurve,
    DetectionPerformance,
    bandpass,
    detect_spikes,
    detection_performance,
    detection_vs_snr,
    robust_sigma,
    teager_kaiser,
)
from neurocourse.clinical.ecd import (
    DipoleClusters,
    SpikeLocalisation,
    accept_dipoles,
    cluster_dipoles,
    fit_spike_dipoles,
    localise_spikes,
)
from neurocourse.clinical.eeg_fmri import (
    BAGSHAW_PEAKS,
    EEGfMRIMap,
    SpikeBOLD,
    eeg_fmri_glm,
    hrf_family,
    simulate_spike_bold,
    spike_regressors,
)
from neurocourse.clinical.scenario import INNER_SKULL, EpilepsyScene, epilepsy_scene
from neurocourse.clinical.spikes import (
    SpikeRecording,
    simulate_spike_recording,
    spike_times,
    spike_waveform,
)

__all__ = [
    "BAGSHAW_PEAKS",
    "DETECTORS",
    "INNER_SKULL",
    "DetectionCurve",
    "DetectionPerformance",
    "DipoleClusters",
    "EEGfMRIMap",
    "EpilepsyScene",
    "SpikeBOLD",
    "SpikeLocalisation",
    "SpikeRecording",
    "accept_dipoles",
    "bandpass",
    "cluster_dipoles",
    "detect_spikes",
    "detection_performance",
    "detection_vs_snr",
    "eeg_fmri_glm",
    "epilepsy_scene",
    "fit_spike_dipoles",
    "hrf_family",
    "localise_spikes",
    "robust_sigma",
    "simulate_spike_bold",
    "simulate_spike_recording",
    "spike_regressors",
    "spike_times",
    "spike_waveform",
    "teager_kaiser",
]
