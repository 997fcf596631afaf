"""Smoke test of the convolution explorer, and the science it draws."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from neurocourse import lti
from neurocourse.widgets.hrf import _DT, _kernel, convolution_explorer, plot_convolution


def test_explorer_builds_with_meaningful_default():
    w = convolution_explorer()
    defaults = {c._kwarg: c.value for c in w.kwargs_widgets}
    assert defaults["n_events"] == 3 and defaults["isi_s"] == 4.0  # overlapping responses
    w.f(**defaults)  # render directly so that exceptions propagate
    w.f(**{c._kwarg: c.max for c in w.kwargs_widgets if hasattr(c, "max")}, hrf_model="glover")
    w.f(**{c._kwarg: c.min for c in w.kwargs_widgets if hasattr(c, "min")}, hrf_model="spm")
    plt.close("all")


def test_plotted_sum_is_the_sum_of_the_parts():
    fig, ax = plt.subplots()
    total = plot_convolution(ax, n_events=4, isi=3.0, duration=0.0, hrf_model="glover")
    n = total.size
    parts = sum(lti.predict_bold([5.0 + 3.0 * k], _kernel("glover"), _DT, n) for k in range(4))
    np.testing.assert_allclose(total, parts, rtol=1e-12, atol=1e-15)  # superposition: rounding
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel()
    plt.close(fig)


def test_kernel_is_a_density():
    # a unit-sum kernel divided by dt integrates to 1 (Riemann sum)
    assert abs(_kernel("spm").sum() * _DT - 1) < 1e-12
