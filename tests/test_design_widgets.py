"""The experimental-design chapter's explorers: smoke tests (the science is in test_design_*.py)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from neurocourse.widgets import design as wd


def test_design_explorer_builds_and_renders_every_design():
    w = wd.design_explorer()
    defaults = {c._kwarg: c.value for c in w.kwargs_widgets}
    assert defaults == {"kind": "blocks", "block_length": 16.0, "soa": 4.0, "rho": 0.4}
    for kind in wd._DESIGNS:
        e_white, e_ar = wd._show_design(kind, 20.0, 3.0, 0.4)
        assert e_white > 0 and e_ar > 0
    assert wd._show_design("blocks", 16.0, 4.0, 0.0)[0] == pytest.approx(
        wd._show_design("blocks", 16.0, 4.0, 0.0)[1])
    plt.close("all")


def test_efficiency_explorer_builds_and_renders():
    w = wd.efficiency_explorer()
    defaults = {c._kwarg: c.value for c in w.kwargs_widgets}
    assert defaults == {"block_length": 16.0, "soa": 4.0}
    w.f(block_length=2.0, soa=16.0)
    plt.close("all")
