"""Multimodal integration: fMRI-weighted minimum norm and the localisation error it removes and
creates."""

from neurocourse.multimodal.fmri_prior import (
    FMRI_METHODS,
    fmri_weighted_kernel,
    fmri_weights,
    peak_localisation_error,
)

__all__ = ["FMRI_METHODS", "fmri_weighted_kernel", "fmri_weights", "peak_localisation_error"]
