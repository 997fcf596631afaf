"""The M/EEG inverse problem: ill-posedness (SVD, null space), noise covariance and whitening,
minimum-norm-type inverses (MNE, dSPM, sLORETA, eLORETA) and the choice of λ², the LCMV
beamformer, single-dipole fitting, and resolution analysis. Small seeded scenarios for the
chapter live in ``neurocourse.inverse.scenario``."""

from neurocourse.inverse.beamformer import LCMV, apply_lcmv, lcmv_power, make_lcmv
from neurocourse.inverse.dipole import DipoleFit, dipole_gof, fit_dipole, guess_grid
from neurocourse.inverse.illposed import (
    WhitenedSVD,
    null_space_patterns,
    radial_dipoles,
    whitened_svd,
)
from neurocourse.inverse.linear import (
    METHODS,
    InverseOperator,
    apply_inverse,
    inverse_kernel,
    kernel,
    lambda2_from_snr,
    make_inverse_operator,
)
from neurocourse.inverse.noise import (
    Whitener,
    check_covariance,
    estimate_noise_cov,
    simulate_baseline,
    whitener,
)
from neurocourse.inverse.regularization import RegularizationCurve, regularization_curve
from neurocourse.inverse.resolution import (
    ResolutionMetrics,
    peak_depth_bias,
    resolution_matrix,
    resolution_metrics,
)

__all__ = [
    "LCMV",
    "METHODS",
    "DipoleFit",
    "InverseOperator",
    "RegularizationCurve",
    "ResolutionMetrics",
    "WhitenedSVD",
    "Whitener",
    "apply_inverse",
    "apply_lcmv",
    "check_covariance",
    "dipole_gof",
    "estimate_noise_cov",
    "fit_dipole",
    "guess_grid",
    "inverse_kernel",
    "kernel",
    "lambda2_from_snr",
    "lcmv_power",
    "make_inverse_operator",
    "make_lcmv",
    "null_space_patterns",
    "peak_depth_bias",
    "radial_dipoles",
    "regularization_curve",
    "resolution_matrix",
    "resolution_metrics",
    "simulate_baseline",
    "whitened_svd",
    "whitener",
]
