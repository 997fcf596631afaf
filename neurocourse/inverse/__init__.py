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

__all__ = [
    "METHODS",
    "InverseOperator",
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
    "whitened_svd",
    "whitener",
]
