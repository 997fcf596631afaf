"""Events, regressors and first-level design matrices for fMRI, with nilearn's conventions.

The pipeline from an experiment to a design matrix ``X`` (n_scans, n_columns), one module per step:

1. :mod:`~neurocourse.design.events`: :class:`Events` (onsets and durations in s, amplitudes,
   condition labels), :func:`make_events`, :func:`frame_times` and :func:`sample_condition` (the
   stimulus function on a fine grid of spacing ``tr / oversampling``).
2. :mod:`~neurocourse.design.regressors`: :func:`compute_regressor` convolves it with an HRF kernel
   (:mod:`neurocourse.hrf`), samples at the frame times and orthogonalises derivative columns.
3. :mod:`~neurocourse.design.drifts`: :func:`cosine_drift` and :func:`polynomial_drift`.
4. :mod:`~neurocourse.design.matrix`: :func:`make_design_matrix` stacks task regressors, extra
   regressors, drifts and the constant (last), as nilearn's ``make_first_level_design_matrix``.

Diagnostics (:mod:`~neurocourse.design.efficiency`): :func:`efficiency` (Dale 1999; Liu & Frank
2004), :func:`contrast_efficiency` (the same from any coefficient covariance) and :func:`vif`;
under autocorrelated noise (:mod:`~neurocourse.design.correlated`): :func:`correlated_efficiency`;
detection versus estimation (:mod:`~neurocourse.design.fir`):
:func:`estimation_efficiency`, :func:`detection_power`. Sequences
(:mod:`~neurocourse.design.sequences`): m-sequences, jitter and null events; a seeded
genetic-algorithm search (:mod:`~neurocourse.design.search`). Simulation
(:mod:`~neurocourse.design.noise`): :func:`simulate_ar1_noise` and :func:`simulate_voxels`.

All times are in seconds and frequencies in Hz.
"""

from neurocourse.design.correlated import (
    ANALYSES,
    ar1_covariance,
    ar1_precision,
    correlated_efficiency,
)
from neurocourse.design.drifts import cosine_drift, polynomial_drift
from neurocourse.design.efficiency import contrast_efficiency, efficiency, vif
from neurocourse.design.events import (
    Events,
    check_frame_times,
    frame_times,
    make_events,
    sample_condition,
)
from neurocourse.design.fir import (
    detection_power,
    estimation_efficiency,
    fir_design,
    nuisance_projector,
)
from neurocourse.design.matrix import DesignMatrix, as_design_array, make_design_matrix
from neurocourse.design.noise import simulate_ar1_noise, simulate_voxels
from neurocourse.design.regressors import HRF_MODELS, compute_regressor, orthogonalize
from neurocourse.design.search import SearchResult, fir_fitness, genetic_search
from neurocourse.design.sequences import (
    MSEQ_TAPS,
    jittered_onsets,
    m_sequence,
    sequence_events,
    trial_sequence,
)

__all__ = [
    "ANALYSES",
    "HRF_MODELS",
    "MSEQ_TAPS",
    "DesignMatrix",
    "Events",
    "SearchResult",
    "ar1_covariance",
    "ar1_precision",
    "as_design_array",
    "check_frame_times",
    "compute_regressor",
    "contrast_efficiency",
    "correlated_efficiency",
    "cosine_drift",
    "detection_power",
    "efficiency",
    "estimation_efficiency",
    "fir_design",
    "fir_fitness",
    "frame_times",
    "genetic_search",
    "jittered_onsets",
    "m_sequence",
    "make_design_matrix",
    "make_events",
    "nuisance_projector",
    "orthogonalize",
    "polynomial_drift",
    "sample_condition",
    "sequence_events",
    "simulate_ar1_noise",
    "simulate_voxels",
    "trial_sequence",
    "vif",
]
