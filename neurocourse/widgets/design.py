"""Explorers for the chapter "Experimental design": design efficiency, with the design matrix shown.

Thin wrappers over :mod:`neurocourse.design` and :mod:`neurocourse.simulate` (efficiency sweeps):
sliders and plotting only.

Default states: the design explorer shows a 16-s on/off block design (near the optimum of a 32-s
cycle) with AR(1) noise rho = 0.4 and a 128-s high-pass, with its design matrix and its white-noise
and GLS efficiencies; the efficiency explorer (moved here from the GLM chapter) starts at 16-s
blocks and at a 4-s SOA without null events.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import design
from neurocourse.simulate import block_design_efficiency, event_design_efficiency

__all__ = ["design_explorer", "efficiency_explorer"]

_TR, _N_SCANS = 2.0, 160
_DESIGNS = ("blocks", "events", "events + nulls", "m-sequence")


def _design_matrix(kind, block_length, soa, high_pass):
    ft = design.frame_times(_N_SCANS, _TR)
    if kind == "blocks":
        events = design.make_events(np.arange(0.0, _N_SCANS * _TR, 2 * block_length),
                                    block_length, 1.0, "task")
    elif kind == "m-sequence":
        codes = design.m_sequence(7)[: int(_N_SCANS * _TR / soa)]
        events = design.sequence_events(codes, soa, 1.0, names=["task"])
    else:
        p_null = 0.0 if kind == "events" else 1 / 3
        codes = design.trial_sequence(int(_N_SCANS * _TR / soa), 1, p_null, rng=0)
        codes[0] = 1
        events = design.sequence_events(codes, soa, 1.0, names=["task"])
    return design.make_design_matrix(ft, events, hrf_model="glover", drift_model="cosine",
                                     high_pass=high_pass)


def _show_design(kind, block_length, soa, rho, high_pass=1 / 128):
    dm = _design_matrix(kind, block_length, soa, high_pass)
    c = dm.contrast({"task": 1})
    e_white = design.efficiency(dm.matrix, c)
    e_ar = design.correlated_efficiency(dm.matrix, c, rho=rho) if rho > 0 else e_white
    _fig, axes = plt.subplots(1, 2, figsize=(6.6, 3.4), width_ratios=[1, 2], layout="constrained")
    X = dm.matrix / np.abs(dm.matrix).max(axis=0)
    axes[0].imshow(X, aspect="auto", cmap="gray", interpolation="nearest",
                   extent=[-0.5, X.shape[1] - 0.5, dm.frame_times[-1], dm.frame_times[0]])
    axes[0].set_xticks(range(X.shape[1]), [n.replace("drift_", "d") for n in dm.names],
                       rotation=90, fontsize=8)
    axes[0].set_ylabel("time (s)")
    axes[0].set_title("design matrix (columns scaled)", fontsize=8)
    axes[1].plot(dm.frame_times, dm.column("task"), color="C0")
    axes[1].set_xlabel("time (s)")
    axes[1].set_ylabel("task regressor (a.u.)")
    axes[1].set_title(f"{kind}: efficiency {e_white:.1f} (white noise), {e_ar:.1f} "
                      f"(AR(1) ρ = {rho:g}, GLS)", fontsize=9)
    plt.show()
    return e_white, e_ar


def design_explorer(kind="blocks", block_length=16.0, soa=4.0, rho=0.4):
    """Sliders for the design type and timing and the noise autocorrelation; shows X and efficiency.

    Parameters
    ----------
    kind : str, default="blocks"
        One of ``"blocks"``, ``"events"``, ``"events + nulls"`` (a third of slots null) and
        ``"m-sequence"``.
    block_length : float, default=16.0
        Block length (s) for ``"blocks"``.
    soa : float, default=4.0
        Slot spacing (s) for the event designs.
    rho : float, default=0.4
        AR(1) coefficient of the noise, in [0, 0.9].

    Returns
    -------
    ipywidgets.interactive
    """

    def show(kind, block_length, soa, rho):
        _show_design(kind, block_length, soa, rho)

    return widgets.interactive(
        show,
        kind=widgets.Dropdown(options=_DESIGNS, value=kind, description="design"),
        block_length=widgets.FloatSlider(value=block_length, min=4.0, max=100.0, step=2.0,
                                         description="block (s)"),
        soa=widgets.FloatSlider(value=soa, min=2.0, max=16.0, step=0.5, description="SOA (s)"),
        rho=widgets.FloatSlider(value=rho, min=0.0, max=0.9, step=0.05, description="AR(1) ρ"),
    )


_BLOCKS = np.array([2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 24.0, 30.0, 40.0, 50.0, 60.0, 80.0,
                    100.0])
_P_NULL = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6])


def _show_efficiency(block_length, soa):
    curve = np.array([block_design_efficiency(b) for b in _BLOCKS])
    here = block_design_efficiency(block_length)
    ev = [event_design_efficiency(soa, p) for p in _P_NULL]
    fig, axes = plt.subplots(1, 2, figsize=(6.6, 3.2))
    axes[0].plot(_BLOCKS, curve, "o-", color="C0", ms=4)
    axes[0].plot([block_length], [here], "o", color="C3", ms=9, label=f"{block_length:g}-s blocks")
    axes[0].axvline(50.0, color="0.6", ls=":", lw=1, label="half of the 100-s high-pass period")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("block length (s)")
    axes[0].set_ylabel("efficiency, task > rest (a.u.)")
    axes[0].legend(fontsize=8)
    axes[1].plot(_P_NULL, [e["A + B"] for e in ev], "o-", label="A + B (main effect)")
    axes[1].plot(_P_NULL, [e["A - B"] for e in ev], "s-", label="A − B (differential)")
    axes[1].set_xlabel("fraction of null events")
    axes[1].set_ylabel("efficiency (a.u.)")
    axes[1].set_title(f"events every {soa:g} s", fontsize=9)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    plt.show()
    return here


def efficiency_explorer(block_length=16.0, soa=4.0):
    """Sliders for the block length and the event SOA; plots design efficiency.

    Parameters
    ----------
    block_length : float, default 16.0
        Task (and rest) block length (s) for the block design.
    soa : float, default 4.0
        Slot SOA (s) for the event-related design, whose null-event fraction is varied on the
        x axis of the right panel.

    Returns
    -------
    ipywidgets.interactive
    """

    def show(block_length, soa):
        _show_efficiency(block_length, soa)

    return widgets.interactive(
        show,
        block_length=widgets.FloatSlider(value=block_length, min=2.0, max=100.0, step=2.0,
                                         description="block (s)"),
        soa=widgets.FloatSlider(value=soa, min=1.0, max=16.0, step=0.5, description="SOA (s)"),
    )
