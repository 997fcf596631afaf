"""Smoke test of the convolution explorer, and the science it draws."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from neurocourse import hrf, lti
from neurocourse.widgets.hrf import convolution_explorer, plot_convolution

DT = 0.05  # s, the fine grid plot_convolution draws on (60 s of it)


def _density(model):
    """The HRF as a density in 1/s: nilearn's unit-sum kernel on a grid of DT, divided by DT."""
    fn = hrf.spm_hrf if model == "spm" else hrf.glover_hrf
    return fn(DT, oversampling=1, time_length=32.0) / DT


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
    assert n == round(60.0 / DT)
    parts = sum(lti.predict_bold([5.0 + 3.0 * k], _density("glover"), DT, n) for k in range(4))
    np.testing.assert_allclose(total, parts, rtol=1e-12, atol=1e-15)  # superposition: rounding
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel()
    plt.close(fig)


def test_single_brief_event_response_has_unit_area():
    # one impulse of unit area convolved with a density of unit area: the response integrates to 1
    # (Riemann sum on the 0.05-s grid; the 32-s kernel is complete within the 60-s window)
    fig, ax = plt.subplots()
    total = plot_convolution(ax, n_events=1, hrf_model="spm", show_parts=False)
    assert abs(total.sum() * DT - 1) < 1e-9
    plt.close(fig)
