"""Group-level inference for neuroimaging: random, fixed and mixed effects, and multiple comparisons.

Modules: :mod:`~neurocourse.stats.group` (second-level models), :mod:`~neurocourse.stats.permutation`
(max-statistic sign flipping, :func:`permutation_fwe`), :mod:`~neurocourse.stats.cluster`
(cluster extent and mass), :mod:`~neurocourse.stats.tfce`, :mod:`~neurocourse.stats.rft`
(random field theory), :mod:`~neurocourse.stats.simulate` (seeded group studies),
:mod:`~neurocourse.stats.compare` (the methods side by side, measured error rates),
:mod:`~neurocourse.stats.circularity` (double dipping) and :mod:`~neurocourse.stats.power`.
"""

from neurocourse.stats.circularity import SelectionResult, selection_bias
from neurocourse.stats.cluster import (
    CLUSTER_STATISTICS,
    ClusterResult,
    cluster_fwe,
    connectivity_structure,
    find_clusters,
    max_cluster_statistic,
)
from neurocourse.stats.compare import METHODS, ErrorRates, detect, error_rates
from neurocourse.stats.group import (
    GroupEffect,
    fixed_effects,
    mixed_effects,
    one_sample_t,
    second_level_glm,
)
from neurocourse.stats.permutation import (
    PermutationResult,
    count_exceedances,
    permutation_fwe,
    sign_flip_patterns,
    signflip_t,
)
from neurocourse.stats.power import one_sample_power, subjects_for_power
from neurocourse.stats.rft import (
    FWHM_PER_SIGMA,
    ec_densities,
    estimate_fwhm,
    expected_ec,
    resels_box,
    rft_cluster_p,
    rft_p_value,
    rft_threshold,
)
from neurocourse.stats.simulate import (
    GroupStudy,
    blob_effect,
    field_autocorrelation,
    simulate_group_study,
    smooth_fields,
    smoothing_kernel,
    subject_estimates,
)
from neurocourse.stats.tfce import TFCE_CONVENTIONS, TFCEResult, tfce, tfce_fwe, tfce_stack

__all__ = [
    "CLUSTER_STATISTICS",
    "FWHM_PER_SIGMA",
    "METHODS",
    "TFCE_CONVENTIONS",
    "ClusterResult",
    "ErrorRates",
    "GroupEffect",
    "GroupStudy",
    "PermutationResult",
    "SelectionResult",
    "TFCEResult",
    "blob_effect",
    "cluster_fwe",
    "connectivity_structure",
    "count_exceedances",
    "detect",
    "ec_densities",
    "error_rates",
    "estimate_fwhm",
    "expected_ec",
    "field_autocorrelation",
    "find_clusters",
    "fixed_effects",
    "max_cluster_statistic",
    "mixed_effects",
    "one_sample_power",
    "one_sample_t",
    "permutation_fwe",
    "resels_box",
    "rft_cluster_p",
    "rft_p_value",
    "rft_threshold",
    "second_level_glm",
    "selection_bias",
    "sign_flip_patterns",
    "signflip_t",
    "simulate_group_study",
    "smooth_fields",
    "smoothing_kernel",
    "subject_estimates",
    "subjects_for_power",
    "tfce",
    "tfce_fwe",
    "tfce_stack",
]
