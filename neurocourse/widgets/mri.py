"""Explorers for the MR acquisition chapter: the spoiled-GRE signal and vessel-size sensitivity.

Thin wrappers over :mod:`neurocourse.mri` and :mod:`neurocourse.vessels`. Defaults show a
whole-brain GRE-EPI of grey matter at 3 T (TR = 2 s, TE = 30 ms, flip at the Ernst angle) and the
vessel-size curves at 3 T for both sequences.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import mri, vessels
from neurocourse.mri import PROTOCOL_TE
from neurocourse.plotting import plot_vessel_curves

__all__ = ["gre_explorer", "vessel_size_explorer"]


def gre_explorer(TR=2.0, T1=1.3, TE_ms=30.0, flip_deg=None, T2star_ms=45.0):
    """Sliders for TR, T1, TE and the flip angle; plots the spoiled-GRE signal and BOLD contrast.

    Parameters
    ----------
    TR : float
        Repetition time, s. Default 2 s (whole-brain EPI).
    T1 : float
        Longitudinal relaxation time, s. Default 1.3 s (grey matter at 3 T).
    TE_ms : float
        Echo time, ms. Default 30 ms.
    flip_deg : float, optional
        Flip angle, degrees; default the Ernst angle of ``TR`` and ``T1``.
    T2star_ms : float
        Grey-matter T2*, ms. Default 45 ms.

    Returns
    -------
    ipywidgets.interactive
    """
    if flip_deg is None:
        flip_deg = round(float(mri.ernst_angle(TR, T1)))

    def show(TR_s, T1_s, TE_ms, flip_deg):
        T2s = T2star_ms / 1e3
        TE = TE_ms / 1e3
        flips = np.linspace(0.5, 180, 360)
        aE = float(mri.ernst_angle(TR_s, T1_s))
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7, 3.4))
        ax1.plot(flips, mri.spoiled_gre_signal(T1_s, T2s, TR_s, TE, flips), color="C0")
        S = float(mri.spoiled_gre_signal(T1_s, T2s, TR_s, TE, flip_deg))
        SE_ = float(mri.spoiled_gre_signal(T1_s, T2s, TR_s, TE, aE))
        ax1.axvline(aE, color="C3", ls="--", lw=1)
        ax1.plot([aE], [SE_], "v", color="C3", label=f"Ernst angle {aE:.1f}°")
        ax1.plot([flip_deg], [S], "o", mfc="gold", mec="k", label=f"your flip: S = {S:.3f} M$_0$")
        ax1.set_xlabel("flip angle (degrees)")
        ax1.set_ylabel("signal at TE (units of M$_0$)")
        ax1.set_title(f"TR = {TR_s:g} s, T1 = {T1_s:g} s, TE = {TE_ms:g} ms")
        ax1.legend(fontsize=8)
        tes = np.linspace(0, 0.15, 301)
        dS = mri.bold_signal_change(tes, T2s, -1.0) * S / float(np.exp(-TE / T2s))
        ax2.plot(1e3 * tes, 100 * dS, color="C2")
        ax2.axvline(T2star_ms, color="k", ls=":", lw=1, label=f"TE = T2* = {T2star_ms:g} ms")
        ax2.axvline(TE_ms, color="gold", lw=2, label="your TE")
        ax2.set_xlabel("echo time TE (ms)")
        ax2.set_ylabel("BOLD change ΔS (% of M$_0$)")
        ax2.set_title("signal change for ΔR2* = −1 s$^{-1}$")
        ax2.legend(fontsize=8)
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        TR_s=widgets.FloatLogSlider(value=TR, base=10, min=-2, max=1, step=0.05,
                                    description="TR (s)"),
        T1_s=widgets.FloatSlider(value=T1, min=0.5, max=4.5, step=0.05, description="T1 (s)"),
        TE_ms=widgets.FloatSlider(value=TE_ms, min=0, max=120, step=1, description="TE (ms)"),
        flip_deg=widgets.FloatSlider(value=flip_deg, min=1, max=180, step=1,
                                     description="flip (°)"),
    )


def vessel_size_explorer(result=None, n_spins=800, n_radii=10, rng=0):
    """Choose the field and the sequence; shows ΔR2* (GRE) and ΔR2 (SE) against vessel radius.

    Parameters
    ----------
    result : VesselMCResult, optional
        A precomputed :func:`neurocourse.vessels.simulate_vessel_mc` result that includes the
        fields and echo times of :data:`neurocourse.mri.PROTOCOL_TE`. If omitted, one is computed
        at construction with ``n_spins`` spins and ``n_radii`` radii from 1 to 100 µm (a few s).
    n_spins, n_radii : int
        Size of that simulation.
    rng : int
        Seed of that simulation.

    Returns
    -------
    ipywidgets.interactive
        Default state: both sequences at 3 T.
    """
    if result is None:
        tes = sorted({te for pair in PROTOCOL_TE.values() for te in pair})
        result = vessels.simulate_vessel_mc(np.geomspace(1e-6, 100e-6, n_radii),
                                            B0=list(PROTOCOL_TE), TE=tes, n_spins=n_spins,
                                            n_orientations=6, rng=rng)

    def show(B0, sequence):
        fig, ax = plt.subplots(figsize=(6.5, 4))
        plot_vessel_curves(ax, result, B0, sequence)
        fig.tight_layout()
        plt.show()

    fields = [float(b) for b in result.B0]
    return widgets.interactive(
        show,
        B0=widgets.Dropdown(options=[(f"{b:g} T", b) for b in fields],
                            value=3.0 if 3.0 in fields else fields[0], description="field"),
        sequence=widgets.ToggleButtons(options=[("GRE", "ge"), ("SE", "se"), ("both", "both")],
                                       value="both", description="sequence"),
    )
