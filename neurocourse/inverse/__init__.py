"""The M/EEG inverse problem: ill-posedness, noise and whitening, linear inverses."""

from neurocourse.inverse.illposed import (
    WhitenedSVD,
    null_space_patterns,
    radial_dipoles,
    whitened_svd,
)
from neurocourse.inverse.noise import Whitener, check_covariance, estimate_noise_cov, whitener

__all__ = [
    "WhitenedSVD",
    "Whitener",
    "check_covariance",
    "estimate_noise_cov",
    "null_space_patterns",
    "radial_dipoles",
    "whitened_svd",
    "whitener",
]
