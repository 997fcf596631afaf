"""Smoke test: the MR acquisition chapter's explorers build and render their default state."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from neurocourse import vessels
from neurocourse.mri import PROTOCOL_TE
from neurocourse.widgets.mri import gre_explorer, vessel_size_explorer


def test_gre_explorer_default_and_corners():
    w = gre_explorer()
    defaults = {c._kwarg: c.value for c in w.kwargs_widgets}
    assert defaults["flip_deg"] == 78  # Ernst angle of TR 2 s, T1 1.3 s, rounded (77.6°)
    w.f(**defaults)  # call the plot function directly so that any exception propagates
    for end in ("min", "max"):
        # a log slider's min/max are exponents of its base
        w.f(**{c._kwarg: getattr(c, "base", 1) ** getattr(c, end) if hasattr(c, "base")
               else getattr(c, end) for c in w.kwargs_widgets})
    plt.close("all")


def test_vessel_explorer_with_small_result():
    tes = sorted({te for pair in PROTOCOL_TE.values() for te in pair})
    res = vessels.simulate_vessel_mc(np.array([2e-6, 50e-6]), B0=list(PROTOCOL_TE), TE=tes,
                                     n_spins=80, n_orientations=2, n_vessels=6, n_boxes=2)
    w = vessel_size_explorer(result=res)
    for b in PROTOCOL_TE:
        for seq in ("ge", "se", "both"):
            w.f(B0=b, sequence=seq)
    plt.close("all")
