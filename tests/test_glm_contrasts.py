"""neurocourse.glm.contrasts: named contrasts and z scores.

The designs are built with numpy only (tests/glm_data.py), independent of neurocourse.design.
"""

import numpy as np
import pandas as pd
import pytest
from glm_data import N, design_ab
from scipy.stats import norm

from neurocourse import design, glm


def test_z_from_p_closed_forms():
    np.testing.assert_allclose(glm.z_from_p(0.025), 1.959963984540054, rtol=1e-12)
    np.testing.assert_allclose(glm.z_from_p(0.5), 0.0, atol=1e-15)
    z = glm.z_from_p([0.0, 1.0])  # clipped, never infinite
    assert np.all(np.isfinite(z)) and z[0] == norm.isf(1e-300) and z[1] < -8


# ------------------------------------------------------------------ named contrasts
NAMES = ("A", "B", "drift_1", "constant")


def test_contrast_vector_from_names_by_hand():
    # exact: the weights are placed, not computed
    np.testing.assert_array_equal(glm.contrast_vector({"A": 1, "B": -1}, NAMES), [1.0, -1.0, 0.0, 0.0])
    np.testing.assert_array_equal(glm.contrast_vector("B", NAMES), [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(glm.contrast_vector(["A", {"B": 2}], NAMES), [[1, 0, 0, 0], [0, 2, 0, 0]])
    # numeric weights pass through unchanged, so callers can accept either form
    np.testing.assert_array_equal(glm.contrast_vector([1, 0, 0, 0], NAMES), [1.0, 0.0, 0.0, 0.0])


def test_contrast_vector_bad_input():
    with pytest.raises(ValueError, match=r"contrast column must be one of \['A', 'B', 'drift_1', 'constant'\]"):
        glm.contrast_vector({"C": 1}, NAMES)
    with pytest.raises(ValueError, match="weight of 'A'"):
        glm.contrast_vector({"A": np.nan}, NAMES)
    with pytest.raises(ValueError, match="needs the design's column names"):
        glm.contrast_vector({"A": 1}, None)
    with pytest.raises(ValueError, match="duplicates"):
        glm.contrast_vector({"A": 1}, ("A", "A"))


def test_named_contrast_equals_the_vector_it_names():
    rng = np.random.default_rng(3)
    X = design_ab()
    Y = X @ rng.normal(size=(4, 5)) + rng.standard_normal((N, 5))
    named = glm.fit_glm(Y, X, "ar1", names=NAMES)
    plain = glm.fit_glm(Y, X, "ar1")
    assert named.names == NAMES and plain.names is None
    # the same fit, so the same numbers to the last bit
    t_named, t_plain = named.contrast({"A": 1, "B": -1}), plain.contrast([1.0, -1.0, 0.0, 0.0])
    np.testing.assert_array_equal(t_named.stat, t_plain.stat)
    np.testing.assert_array_equal(named.contrast(["A", "B"]).stat, plain.contrast(np.eye(4)[:2]).stat)
    with pytest.raises(ValueError, match="needs the design's column names"):
        plain.contrast({"A": 1})
    with pytest.raises(ValueError, match=r"names must give one name per column of X \(4\), got 2"):
        glm.fit_glm(Y, X, names=("A", "B"))


def test_names_come_from_a_design_matrix_or_a_dataframe():
    events = design.make_events([0, 40, 80], 10.0, conditions=["A", "B", "A"])
    dm = design.make_design_matrix(np.arange(60) * 2.0, events)
    y = dm.matrix @ np.arange(1.0, dm.shape[1] + 1)
    assert glm.fit_glm(y, dm).names == dm.names
    frame = pd.DataFrame(dm.matrix, columns=list(dm.names))
    assert glm.fit_glm(y, frame).names == dm.names
    # the design's own contrast is built by the same function
    np.testing.assert_array_equal(dm.contrast({"A": 1, "B": -1}), glm.contrast_vector({"A": 1, "B": -1}, dm.names))
