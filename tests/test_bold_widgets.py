"""Smoke test: the BOLD chapter's explorers build and render their default state."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from neurocourse.widgets.bold import balloon_explorer, davis_explorer


def test_explorers_build_and_run_default():
    for make in (davis_explorer, balloon_explorer):
        w = make()
        defaults = {c._kwarg: c.value for c in w.kwargs_widgets}
        assert len(defaults) == 2
        w.f(**defaults)  # call the plot function directly so that any exception propagates
        # extreme slider corners must also work
        w.f(**{c._kwarg: c.max for c in w.kwargs_widgets})
        w.f(**{c._kwarg: c.min for c in w.kwargs_widgets})
    plt.close("all")
