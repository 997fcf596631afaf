"""The M/EEG inverse problem: ill-posedness, noise and whitening, linear inverses."""

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
from neurocourse.inverse.noise import Whitener, check_covariance, estimate_noise_cov, whitener
from neurocourse.inverse.regularization import RegularizationCurve, regularization_curve
from neurocourse.inverse.resolution import (
    ResolutionMetrics,
    resolution_matrix,
    resolution_metrics,
)

__all__ = [
    "METHODS",
    "InverseOperator",
    "RegularizationCurve",
    "ResolutionMetrics",
    "WhitenedSVD",
    "Whitener",
    "apply_inverse",
    "check_covariance",
    "estimate_noise_cov",
    "inverse_kernel",
    "kernel",
    "lambda2_from_snr",
    "make_inverse_operator",
    "null_space_patterns",
    "radial_dipoles",
    "regularization_curve",
    "resolution_matrix",
    "resolution_metrics",
    "whitened_svd",
    "whitener",
]
