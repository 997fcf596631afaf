"""neurocourse.glm.results: t and F tests of contrasts against their closed forms.

The designs are built with numpy only (tests/glm_data.py), independent of neurocourse.design.
"""

import numpy as np
from glm_data import N, design_ab
from scipy.stats import t as t_dist

from neurocourse import glm


def test_f_of_one_row_is_t_squared_and_two_sided():
    rng = np.random.default_rng(1)
    X = design_ab()
    y = X @ [1.0, 0.2, 0.0, 10.0] + rng.standard_normal(N)
    res = glm.fit_glm(y, X)
    c = np.array([1.0, -1.0, 0.0, 0.0])
    t, f = res.contrast(c), res.contrast(c[None])
    assert f.stat_type == "F" and t.stat_type == "t"
    np.testing.assert_allclose(f.stat, t.stat**2, rtol=1e-12)  # F(1, d) = t(d)^2, algebraically
    np.testing.assert_allclose(f.p_value, 2 * t_dist.sf(abs(t.stat), N - 4), rtol=1e-9)


def test_f_closed_form_and_contrast_invariance():
    rng = np.random.default_rng(2)
    X = design_ab()
    y = X @ [1.0, 0.5, 0.3, 10.0] + rng.standard_normal(N)
    res = glm.fit_glm(y, X)
    C = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
    # F = (C b)' [C (X'X)^-1 C']^-1 (C b) / (q s2)
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ y
    s2 = np.sum((y - X @ b) ** 2) / (N - 4)
    cb = C @ b
    f_ref = cb @ np.linalg.solve(C @ xtx_inv @ C.T, cb) / (2 * s2)
    np.testing.assert_allclose(res.contrast(C).stat, f_ref, rtol=1e-10)
    # F depends on the row space only: another basis of the same space gives the same F.
    np.testing.assert_allclose(res.contrast([[1.0, 1, 0, 0], [1.0, -1, 0, 0]]).stat, f_ref, rtol=1e-10)
