"""The connectivity and representations explorers build and draw their default state."""

import matplotlib

from neurocourse.widgets import connectivity as wconn
from neurocourse.widgets import representations as wrep

matplotlib.use("Agg")


def test_coupling_explorer_builds(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    w = wconn.coupling_explorer()
    assert len(w.children) >= 4
    w.update()


def test_geometry_explorer_builds(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    w = wrep.geometry_explorer()
    assert len(w.children) >= 3
    w.update()
