"""neurocourse.glm.diagnostics: residual autocorrelation, Durbin-Watson, Ljung-Box.

The designs are built with numpy only (tests/glm_data.py), independent of neurocourse.design.
"""

import numpy as np
from glm_data import ar1_noise

from neurocourse import glm


def test_durbin_watson_and_acf_relations():
    rng = np.random.default_rng(7)
    e = ar1_noise(rng, 0.5, (3000, 3))
    e -= e.mean(0)
    acf = glm.residual_acf(e, 3)
    np.testing.assert_allclose(acf[0], 1.0)
    # d = 2(1 - r1) - (e_0^2 + e_{n-1}^2)/sum e^2: exact identity for the biased acf of zero-mean e
    dw = glm.durbin_watson(e)
    edge = (e[0] ** 2 + e[-1] ** 2) / (e**2).sum(0)
    np.testing.assert_allclose(dw, 2 * (1 - acf[1]) - edge, rtol=1e-12)
    _, p = glm.ljung_box(rng.standard_normal((500, 200)), 5)
    assert 0.0 < np.mean(p < 0.05) < 0.12  # white noise: about 5 % (binomial sd 1.5 %)
