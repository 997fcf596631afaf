"""Explorer for the epilepsy chapter: spike moment, depth and brain noise → detections and dipoles.

Thin wrapper over :func:`neurocourse.clinical.epilepsy_scene` and
:func:`neurocourse.clinical.localise_spikes`: sliders and plotting only. The default state is a
200 nAm tangential spike source 30 mm deep in 200 fT of background activity (peak-channel SNR
about 11), 0.5 spikes per second for 30 s: every spike is detected, every fit passes GOF >= 80 %
and the fits form one cluster at the source. Lower the moment or push the source deeper to watch
detections drop out and the fits scatter and fail the acceptance criteria.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import clinical

__all__ = ["spike_explorer"]


def spike_explorer(moment=200e-9, depth=0.03, background=200e-15, min_gof=80.0,
                   method="amplitude"):
    """Sliders for the spike source and the acceptance threshold.

    Parameters
    ----------
    moment : float, default 200e-9
        Peak moment in A·m (slider 20–400 nAm).
    depth : float, default 0.03
        Depth below the scalp in m (slider 15–60 mm).
    background : float, default 200e-15
        Background brain-noise SD per channel in T (slider 50–600 fT).
    min_gof : float, default 80
        GOF acceptance threshold in % (slider 50–95).
    method : {"amplitude", "teager"}
        Detector.

    Returns
    -------
    ipywidgets.interactive
    """

    def show(moment_nAm, depth_mm, background_fT, min_gof, method):
        scene = clinical.epilepsy_scene(moment_nAm * 1e-9, depth_mm * 1e-3,
                                        background_fT * 1e-15, duration=30.0, rate=0.5, rng=1)
        rec = scene.recording
        loc = clinical.localise_spikes(rec.data, rec.times, rec.sfreq, rec.noise_cov, scene.gain,
                                       scene.radius, rec.peak_channel, method=method,
                                       min_gof=min_gof)
        perf = clinical.detection_performance(loc.times, rec.spike_times, 30.0)
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7, 3.4),
                                       gridspec_kw=dict(width_ratios=[1.5, 1]))
        keep = rec.times < 15.0
        ax0.plot(rec.times[keep], rec.data[rec.peak_channel, keep] * 1e15, lw=0.5, color="0.3")
        top = np.abs(rec.data[rec.peak_channel, keep]).max() * 1e15
        for t in rec.spike_times[rec.spike_times < 15]:
            ax0.axvline(t, color="tab:green", lw=0.8, alpha=0.6)
        det = loc.times[loc.times < 15]
        ax0.plot(det, np.full(det.size, 1.05 * top), "v", color="tab:red", ms=5)
        ax0.set_xlabel("time (s)")
        ax0.set_ylabel("peak channel (fT)")
        ax0.set_title(f"SNR {rec.snr:.1f}: sensitivity {perf.sensitivity:.2f}, "
                      f"{perf.n_false} false", fontsize=9)
        ok = loc.accepted
        if loc.positions.size:
            ax1.plot(loc.positions[~ok, 0] * 100, loc.positions[~ok, 2] * 100, "x",
                     color="0.5", label="rejected")
            ax1.plot(loc.positions[ok, 0] * 100, loc.positions[ok, 2] * 100, "o", ms=4,
                     color="tab:blue", label="accepted")
        ax1.plot(rec.position[0] * 100, rec.position[2] * 100, "*", color="tab:red", ms=12,
                 label="true source")
        ax1.add_patch(plt.Circle((0, 0), scene.radius * 100, fill=False, color="0.6", lw=0.8))
        ax1.set_xlim(-2, 8)
        ax1.set_ylim(0, 10)
        ax1.set_aspect("equal")
        ax1.set_xlabel("x (cm)")
        ax1.set_ylabel("z (cm)")
        ax1.legend(fontsize=8, loc="lower left")
        n_cl = int(loc.clusters.sizes[0]) if loc.clusters.localising else 0
        ax1.set_title(f"{ok.sum()}/{ok.size} fits accepted; cluster of {n_cl}", fontsize=9)
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        moment_nAm=widgets.FloatSlider(value=moment * 1e9, min=20, max=400, step=10,
                                       description="moment (nAm)"),
        depth_mm=widgets.FloatSlider(value=depth * 1e3, min=15, max=60, step=5,
                                     description="depth (mm)"),
        background_fT=widgets.FloatSlider(value=background * 1e15, min=50, max=600, step=25,
                                          description="brain noise (fT)"),
        min_gof=widgets.FloatSlider(value=min_gof, min=50, max=95, step=5,
                                    description="GOF ≥ (%)"),
        method=widgets.Dropdown(options=list(clinical.DETECTORS), value=method,
                                description="detector"),
    )
