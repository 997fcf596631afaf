"""Decoding and representational similarity: cross-validated linear classifiers (scikit-learn),
permutation tests, time-resolved decoding, searchlights, RDMs, crossnobis and RDM comparison.

Simulations with planted truth are in :mod:`neurocourse.decoding.simulate`.
"""

from neurocourse.decoding.classify import (
    PermutationResult,
    cross_validated_accuracy,
    double_dipping_accuracy,
    make_classifier,
    permutation_test,
    searchlight,
    sphere_neighbours,
    time_resolved_accuracy,
)
from neurocourse.decoding.rsa import (
    compare_rdms,
    crossnobis,
    kendall_tau_a,
    noise_ceiling,
    pair_contrasts,
    rdm,
    whitened_cosine,
)

__all__ = [
    "PermutationResult",
    "compare_rdms",
    "cross_validated_accuracy",
    "crossnobis",
    "double_dipping_accuracy",
    "kendall_tau_a",
    "make_classifier",
    "noise_ceiling",
    "pair_contrasts",
    "permutation_test",
    "rdm",
    "searchlight",
    "sphere_neighbours",
    "time_resolved_accuracy",
    "whitened_cosine",
]
