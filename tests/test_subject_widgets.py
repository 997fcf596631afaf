"""The multimodal explorer builds in its default state and in the states its docstring names."""

import matplotlib

from neurocourse.widgets import multimodal as w

matplotlib.use("Agg")


def test_explorer_builds(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    ex = w.multimodal_explorer()
    assert len(ex.children) >= 4
    ex.update()
    ex.children[3].value = "fMRI"  # no time course: the BOLD panel
    ex.update()
    ex.children[2].value = True  # decoy patch, fMRI-weighted MEG
    ex.children[3].value = "fMRI-weighted MEG"
    ex.update()
    ex.children[3].value = "fMRI"
    ex.children[4].value = "SE"  # spin-echo acquisition
    ex.update()
