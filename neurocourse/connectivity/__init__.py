"""Functional connectivity: fMRI (seed, partial correlation, PPI) and M/EEG (coherence family,
amplitude envelopes, field spread and leakage).

Simulations with planted truth are in :mod:`neurocourse.connectivity.simulate`.
"""

from neurocourse.connectivity.envelope import (
    analytic_signal,
    envelope_correlation,
    symmetric_orthogonalise,
)
from neurocourse.connectivity.fmri import (
    PPIDesign,
    convolution_matrix,
    deconvolve,
    fisher_z,
    gppi_design,
    ledoit_wolf,
    partial_correlation,
    ppi_design,
    precision_to_partial,
    seed_correlation,
)
from neurocourse.connectivity.leakage import (
    estimate_cross_spectrum,
    mixed_cross_spectrum,
    seed_coherency,
)
from neurocourse.connectivity.spectral import (
    METHODS,
    EpochSpectra,
    SpectralConnectivity,
    coherence,
    coherency,
    cross_spectra,
    epoch_spectra,
    imaginary_coherence,
    pli,
    plv,
    spectral_connectivity,
    tapers,
    wpli,
    wpli2_debiased,
)

__all__ = [
    "METHODS",
    "EpochSpectra",
    "PPIDesign",
    "SpectralConnectivity",
    "analytic_signal",
    "coherence",
    "coherency",
    "convolution_matrix",
    "cross_spectra",
    "deconvolve",
    "envelope_correlation",
    "epoch_spectra",
    "estimate_cross_spectrum",
    "fisher_z",
    "gppi_design",
    "imaginary_coherence",
    "ledoit_wolf",
    "mixed_cross_spectrum",
    "partial_correlation",
    "pli",
    "plv",
    "ppi_design",
    "precision_to_partial",
    "seed_coherency",
    "seed_correlation",
    "spectral_connectivity",
    "symmetric_orthogonalise",
    "tapers",
    "wpli",
    "wpli2_debiased",
]
