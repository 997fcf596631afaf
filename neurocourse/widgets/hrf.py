"""Explorer for the chapter "Modelling the BOLD response": event timing and convolution.

A thin wrapper over :mod:`neurocourse.hrf`, :mod:`neurocourse.lti` and :mod:`neurocourse.design`.
The default state shows three brief events 4 s apart: their responses overlap and add.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from neurocourse.plotting import plot_convolution  # re-exported: chapters import it from here

__all__ = ["convolution_explorer", "plot_convolution"]

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
        fig, ax = plt.subplots(figsize=(6.8, 3.4))
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
