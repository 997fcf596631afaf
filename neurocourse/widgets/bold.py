"""Explorers for the BOLD physiology chapter: the Davis model and the balloon model.

Thin wrappers over :mod:`neurocourse.bold`; each returns an ``ipywidgets.interactive`` whose default
state is a typical activation (CBF +50 %, CMRO2 +20 %; a 2 s stimulus).
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import bold
from neurocourse.plotting import plot_davis_surface

__all__ = ["balloon_explorer", "davis_explorer"]


def davis_explorer(cbf_change=50.0, cmro2_change=20.0, M=0.08):
    """Sliders for ΔCBF and ΔCMRO2 (%) showing the OEF, venous deoxyhaemoglobin and Davis BOLD.

    Parameters
    ----------
    cbf_change, cmro2_change : float
        Initial changes, percent. Defaults 50 and 20 (a typical activation, n = 2.5).
    M : float
        Davis calibration constant, fraction. Default 0.08.

    Returns
    -------
    ipywidgets.interactive
    """

    def show(cbf_change_percent, cmro2_change_percent):
        f = 1 + cbf_change_percent / 100
        r = 1 + cmro2_change_percent / 100
        oef = float(bold.oef_ratio(f, r))
        dhb = float(bold.venous_dhb_ratio(f, r))
        cbv = float(bold.grubb_cbv_ratio(f))
        y = 100 * float(bold.davis_bold(f, r, M))
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7, 3.4), width_ratios=(1, 1.3))
        names = ["CBF", "CMRO$_2$", "OEF", "[dHb]$_v$", "CBV"]
        vals = np.array([f, r, oef, dhb, cbv])
        ax1.bar(names, 100 * (vals - 1), color=["C0", "C3", "C1", "C4", "C2"])
        ax1.axhline(0, color="k", lw=0.8)
        ax1.set_ylabel("change from rest (%)")
        ax1.set_title(f"BOLD (Davis, M = {100 * M:g} %): {y:+.2f} %")
        im = plot_davis_surface(ax2, M)
        ax2.plot(cbf_change_percent, cmro2_change_percent, "o", ms=8, mfc="gold", mec="k")
        fig.colorbar(im, ax=ax2, label="ΔS/S$_0$ (%)")
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        cbf_change_percent=widgets.FloatSlider(value=cbf_change, min=-30, max=100, step=5,
                                               description="ΔCBF (%)"),
        cmro2_change_percent=widgets.FloatSlider(value=cmro2_change, min=-30, max=60, step=2,
                                                 description="ΔCMRO₂ (%)"),
    )


def balloon_explorer(duration=2.0, amplitude=1.0, total=40.0, dt=0.01):
    """Balloon-model response to a boxcar neural input of adjustable duration and amplitude.

    Parameters
    ----------
    duration : float
        Initial stimulus duration, s. Default 2.
    amplitude : float
        Initial neural input amplitude, s^-2. Default 1. The slider stops at 2: above about
        2.6 s^-2 the post-stimulus flow undershoot of a long block drives f below 0.
    total : float
        Simulated time, s. Default 40.
    dt : float
        Integration step, s. Default 0.01 (the accuracy contract of ``simulate_balloon``).

    Returns
    -------
    ipywidgets.interactive
    """

    def show(duration_s, amplitude_per_s2):
        n = round(total / dt)
        t = np.arange(n) * dt
        x = np.where((t >= 1.0) & (t < 1.0 + duration_s), amplitude_per_s2, 0.0)
        res = bold.simulate_balloon(x, dt)
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7, 3.3))
        ax1.plot(res.t, 100 * res.bold, color="k")
        ax1.axvspan(1.0, 1.0 + duration_s, color="0.9")
        ax1.axhline(0, color="0.5", lw=0.6)
        ax1.set_xlabel("time (s)")
        ax1.set_ylabel("BOLD change (%)")
        ax1.set_title(f"peak {100 * res.bold.max():.2f} % at {res.t[np.argmax(res.bold)]:.1f} s")
        for name, c in (("f", "C0"), ("v", "C2"), ("q", "C4")):
            ax2.plot(res.t, getattr(res, name), color=c, label=name)
        ax2.axvspan(1.0, 1.0 + duration_s, color="0.9")
        ax2.set_xlabel("time (s)")
        ax2.set_ylabel("ratio to rest")
        ax2.legend(["flow f", "volume v", "dHb q"], fontsize=8)
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        duration_s=widgets.FloatSlider(value=duration, min=0.1, max=30.0, step=0.1,
                                       description="duration (s)"),
        amplitude_per_s2=widgets.FloatSlider(value=amplitude, min=0.1, max=2.0, step=0.1,
                                             description="input (1/s²)"),
    )
