"""The GLM chapter's explorer: a smoke test (the efficiency explorer moved to test_design_widgets.py)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from neurocourse.simulate import CONTRASTS
from neurocourse.widgets import glm as wg


def test_glm_explorer_builds_and_renders_all_settings():
    w = wg.glm_explorer()
    defaults = {c._kwarg: c.value for c in w.kwargs_widgets}
    assert defaults == {"sigma": 1.0, "rho": 0.4, "contrast": "A", "noise_model": "ols"}
    for contrast in CONTRASTS:
        w.f(**{**defaults, "contrast": contrast, "noise_model": "ar1"})
    plt.close("all")

