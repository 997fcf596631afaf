"""Explorer for the chapter "Modelling the BOLD response": event timing and convolution.

A thin wrapper over :mod:`neurocourse.hrf`, :mod:`neurocourse.lti` and :mod:`neurocourse.design`.
The default state shows three brief events 4 s apart: their responses overlap and add.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import hrf, lti

__all__ = ["convolution_explorer", "plot_convolution"]

_DT = 0.05  # s, fine grid of the explorer
_T_END = 60.0  # s


def _kernel(model):
    # nilearn's kernels are unit-sum on a grid of dt; divide by dt to get a density in 1/s
    fn = hrf.spm_hrf if model == "spm" else hrf.glover_hrf
    return fn(_DT, oversampling=1, time_length=32.0) / _DT


def plot_convolution(ax, n_events=3, isi=4.0, duration=0.0, hrf_model="spm", tr=2.0,
                     show_parts=True):
    """Plot events, each event's HRF response, their sum, and the sum sampled every TR.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    n_events : int
        Number of events, >= 1.
    isi : float
        Inter-stimulus interval (s), onset to onset.
    duration : float
        Event duration (s); 0 for brief (impulse) events.
    hrf_model : {"spm", "glover"}
        nilearn's HRF shape.
    tr : float
        Repetition time (s) at which the summed response is sampled.
    show_parts : bool
        Draw each event's own response.

    Returns
    -------
    numpy.ndarray
        The summed response on the fine grid (per unit area of input).
    """
    n = round(_T_END / _DT)
    t = np.arange(n) * _DT
    kernel = _kernel(hrf_model)
    onsets = 5.0 + isi * np.arange(int(n_events))
    area = duration if duration > 0 else 1.0  # boxes of height 1; impulses of unit area
    total = lti.predict_bold(onsets, kernel, _DT, n, durations=duration)
    if show_parts:
        for k, t0 in enumerate(onsets):
            part = lti.predict_bold([t0], kernel, _DT, n, durations=duration)
            ax.plot(t, part, lw=1, ls="--", color="C0", alpha=0.7,
                    label="response to each event" if k == 0 else None)
    ax.plot(t, total, lw=2.2, color="C3", label="sum (LTI prediction)")
    scans = np.arange(0.0, _T_END, tr)
    ax.plot(scans, np.interp(scans, t, total), "o", color="k", ms=4,
            label=f"sampled every TR = {tr:g} s")
    top = max(float(total.max()), 1e-12)
    for t0 in onsets:
        ax.axvspan(t0, t0 + max(duration, 0.15), ymin=0, ymax=0.06, color="0.3")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlim(0, _T_END)
    ax.set_ylim(-0.25 * top, 1.15 * top)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("predicted response (per unit input)" if area == 1.0 else
                  "predicted response (input units)")
    ax.legend(loc="upper right", fontsize=8)
    return total


def convolution_explorer(n_events=3, isi=4.0, duration=0.0, hrf_model="spm", tr=2.0):
    """Sliders for the number of events, ISI, duration, HRF model and TR; plots the convolution.

    Parameters
    ----------
    n_events : int, default=3
        Number of events.
    isi : float, default=4.0
        Inter-stimulus interval (s).
    duration : float, default=0.0
        Event duration (s).
    hrf_model : {"spm", "glover"}, default="spm"
        HRF shape.
    tr : float, default=2.0
        Repetition time (s).

    Returns
    -------
    ipywidgets.interactive
    """

    def show(n_events, isi_s, duration_s, hrf_model, tr_s):
        fig, ax = plt.subplots(figsize=(7.5, 3.6))
        plot_convolution(ax, n_events, isi_s, duration_s, hrf_model, tr_s)
        ax.set_title(f"{n_events} events, ISI {isi_s:g} s, duration {duration_s:g} s")
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        n_events=widgets.IntSlider(value=n_events, min=1, max=10, description="events"),
        isi_s=widgets.FloatSlider(value=isi, min=0.5, max=20.0, step=0.5, description="ISI (s)"),
        duration_s=widgets.FloatSlider(value=duration, min=0.0, max=20.0, step=0.5,
                                       description="duration (s)"),
        hrf_model=widgets.Dropdown(options=["spm", "glover"], value=hrf_model,
                                   description="HRF"),
        tr_s=widgets.FloatSlider(value=tr, min=0.5, max=3.0, step=0.1, description="TR (s)"),
    )
