"""neurocourse.glm.multiple: Bonferroni and Benjamini-Hochberg on hand-worked examples.

The designs are built with numpy only (tests/glm_data.py), independent of neurocourse.design.
"""

import numpy as np

from neurocourse import glm


def test_fdr_and_bonferroni_hand_examples():
    p = np.array([0.01, 0.02, 0.03, 0.5])
    rej, adj = glm.fdr_bh(p, 0.05)  # thresholds k * 0.05 / 4 = 0.0125, 0.025, 0.0375, 0.05
    np.testing.assert_array_equal(rej, [True, True, True, False])
    np.testing.assert_allclose(adj, [0.04, 0.04, 0.04, 0.5])
    rej, adj = glm.bonferroni(p, 0.05)  # threshold 0.0125
    np.testing.assert_array_equal(rej, [True, False, False, False])
    np.testing.assert_allclose(adj, [0.04, 0.08, 0.12, 1.0])
    # step-up: a small p later in the order rescues earlier ones (0.04 <= 0.05 * 2/2)
    np.testing.assert_array_equal(glm.fdr_bh([0.04, 0.045])[0], [True, True])
