"""The group-inference chapter's explorer: a smoke test (the science is tested in test_stats_*)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from neurocourse.widgets import group as wg


def test_group_explorer_builds_and_renders():
    w = wg.group_explorer()
    defaults = {c._kwarg: c.value for c in w.kwargs_widgets}
    assert defaults == {"fwhm": 3.0, "cdt_p": 0.001, "method": "permutation"}
    rates = wg._show_group(2.0, 0.01, "cluster", n_studies=3)
    assert rates.fwe.shape == (1,) and 0.0 <= rates.power[0] <= 1.0
    plt.close("all")
