"""Explorer for the connectivity chapter: lag, SNR and zero-lag leakage → every coupling measure.

Thin wrapper over :func:`neurocourse.connectivity.simulate.coupled_oscillators` and
:func:`neurocourse.connectivity.spectral_connectivity`: sliders and plotting only. The default
state is the chapter's lesson in one picture: two sources coupled with a 20 ms lag at 10 Hz,
seen through sensors that also mix them at zero lag (leakage 0.6), in-band SNR 4. Coherence and
PLV are inflated by the leakage, while imaginary coherence, wPLI and debiased wPLI² report the
lagged interaction only; setting the lag to 0 leaves coherence high and the imaginary measures
at their null level.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from neurocourse.connectivity import spectral_connectivity
from neurocourse.connectivity.simulate import coupled_oscillators

__all__ = ["MEASURES", "coupling_explorer"]

MEASURES = ("coh", "plv", "imcoh", "pli", "wpli", "wpli2_debiased")
_LABELS = ("coherence", "PLV", "|imag. coh.|", "PLI", "wPLI", "debiased wPLI²")


def _show(lag_ms, coupling, leakage, snr, n_epochs=60, seed=0):
    sim = coupled_oscillators(n_epochs=n_epochs, lag=lag_ms / 1000, coupling=coupling,
                              leakage=leakage, snr=snr, rng=seed)
    res = spectral_connectivity(sim.data, sim.sfreq, MEASURES, fmin=10.0, fmax=10.0)
    values = [abs(res[m][0, 1, 0]) if m == "imcoh" else res[m][0, 1, 0] for m in MEASURES]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    colours = ["tab:red", "tab:red", "tab:blue", "tab:blue", "tab:blue", "tab:blue"]
    ax.bar(range(len(MEASURES)), values, color=colours)
    ax.axhline(abs(sim.coherency), color="k", ls="--", lw=1,
               label=f"planted |coherency| {abs(sim.coherency):.2f}")
    ax.axhline(abs(sim.coherency.imag), color="tab:blue", ls=":", lw=1.5,
               label=f"planted |Im coherency| {abs(sim.coherency.imag):.2f}")
    ax.set_xticks(range(len(MEASURES)), _LABELS, fontsize=9)
    ax.set_ylim(-0.1, 1.35)
    ax.set_ylabel("value at 10 Hz (dimensionless)")
    ax.set_title(f"lag {lag_ms:.0f} ms (phase {360 * 10 * lag_ms / 1000:.0f}°), "
                 f"leakage {leakage:.2f}, SNR {snr:g}; red: fooled by leakage", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", ncol=2)
    fig.tight_layout()
    plt.show()


def coupling_explorer(lag=0.02, coupling=0.8, leakage=0.6, snr=4.0):
    """Sliders for the lag, the coupling, the zero-lag leakage and the SNR of two sensors.

    Parameters
    ----------
    lag : float
        Delay of source b behind source a in s (default 0.02).
    coupling : float
        Coherence κ of the two sources (default 0.8).
    leakage : float
        Weight of source a in sensor 2 (default 0.6).
    snr : float
        In-band signal-to-noise power ratio (default 4).

    Returns
    -------
    ipywidgets.interactive
    """
    return widgets.interactive(
        _show,
        lag_ms=widgets.FloatSlider(value=lag * 1000, min=0, max=50, step=5,
                                   description="lag (ms)"),
        coupling=widgets.FloatSlider(value=coupling, min=0, max=1, step=0.1,
                                     description="coupling κ"),
        leakage=widgets.FloatSlider(value=leakage, min=0, max=1.5, step=0.1,
                                    description="leakage"),
        snr=widgets.FloatLogSlider(value=snr, base=10, min=-1, max=2, step=0.25,
                                   description="SNR"),
        n_epochs=widgets.fixed(60),
        seed=widgets.fixed(0),
    )
