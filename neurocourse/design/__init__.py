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
2004) and :func:`vif`. Simulation (:mod:`~neurocourse.design.noise`): :func:`simulate_ar1_noise`
and :func:`simulate_voxels` (seeded).

All times are in seconds and frequencies in Hz.
"""

from neurocourse.design.drifts import cosine_drift, polynomial_drift
from neurocourse.design.efficiency import efficiency, vif
from neurocourse.design.events import (
    Events,
    check_frame_times,
    frame_times,
    make_events,
    sample_condition,
)
from neurocourse.design.matrix import DesignMatrix, as_design_array, make_design_matrix
from neurocourse.design.noise import simulate_ar1_noise, simulate_voxels
from neurocourse.design.regressors import HRF_MODELS, compute_regressor, orthogonalize

__all__ = [
    "HRF_MODELS",
    "DesignMatrix",
    "Events",
    "as_design_array",
    "check_frame_times",
    "compute_regressor",
    "cosine_drift",
    "efficiency",
    "frame_times",
    "make_design_matrix",
    "make_events",
    "orthogonalize",
    "polynomial_drift",
    "sample_condition",
    "simulate_ar1_noise",
    "simulate_voxels",
    "vif",
]
