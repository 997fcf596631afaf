"""Explorer for the multimodal chapter: plant activity on the folded sheet, choose a modality, and
compare the recovered map and time course with the truth.

Thin wrapper over :func:`neurocourse.subject.virtual_subject`, :func:`~neurocourse.subject.
simulate_subject` and :func:`~neurocourse.subject.recover`: sliders and plotting only. The
default state is a patch on a sulcal wall (u = 5 mm) seen by MEG+EEG: the dSPM map peaks within
6 mm of the patch and its time course peaks at the planted 100 ms. Move the patch to the crown
(u = 0) and choose MEG to see a radial source vanish; tick "fMRI decoy" and choose the fMRI-
weighted MEG to see the prior pull the estimate to an fMRI-only patch.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import subject

__all__ = ["multimodal_explorer"]


def multimodal_explorer(u=0.005, coupling=1.0, decoy=False, modality="MEG+EEG", sequence="GRE"):
    """Sliders for the patch position and its haemodynamic coupling, a decoy, the modality and
    the fMRI sequence.

    Parameters
    ----------
    u : float, default 0.005
        Patch position along the folds in m (slider -20 to 20 mm; 0 is a gyral crown, ±5 mm
        sulcal walls).
    coupling : float, default 1.0
        Neural-to-BOLD gain of the patch (dimensionless; 0 = fMRI-invisible).
    decoy : bool, default False
        Add an fMRI-only patch (no current) 10 mm further along the folds.
    modality : str, default "MEG+EEG"
        One of :data:`neurocourse.subject.MODALITIES`.
    sequence : {"GRE", "SE"}, default "GRE"
        fMRI acquisition at 3 T: gradient echo at TE = 30 ms or spin echo at TE = 60 ms
        (:class:`neurocourse.subject.Acquisition`).

    Returns
    -------
    ipywidgets.interactive
    """

    def show(u_mm, coupling, decoy, modality, sequence):
        patches = [subject.Patch("A", u_mm * 1e-3, bold_coupling=coupling)]
        if decoy:
            patches.append(subject.Patch("fMRI-only", u_mm * 1e-3 + 0.010, moment=0.0))
        sub = subject.virtual_subject(tuple(patches))
        acq = subject.Acquisition(sequence, TE=0.03 if sequence == "GRE" else 0.06)
        data = subject.simulate_subject(sub, rng=0, acquisition=acq)
        rec = subject.recover(sub, data, modality)
        fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(7, 3.2), constrained_layout=True)
        rr = sub.source_rr
        line = np.abs(rr[:, 1]) < 1e-9  # the v = 0 row of the sheet
        m = rec.map / (np.abs(rec.map).max() or 1.0)
        sc = ax0.scatter(rr[line, 0] * 100, rr[line, 2] * 100, c=m[line], cmap="viridis", s=14,
                         vmin=min(0.0, m.min()), vmax=1)
        for k, p in enumerate(sub.patches):
            c = sub.centroid(k)
            ax0.plot(c[0] * 100, c[2] * 100, "*" if p.moment > 0 else "s", ms=11,
                     mfc="none", mec="tab:red", mew=1.5, label=p.name)
        ax0.set_xlabel("x (cm)")
        ax0.set_ylabel("z (cm)")
        ax0.set_title(f"{modality}: peak {rec.spatial_error * 1e3:.1f} mm from A", fontsize=9)
        ax0.legend(fontsize=8, loc="lower left")
        fig.colorbar(sc, ax=ax0, shrink=0.8, label="map / max")
        if rec.time_course is None:
            peak = int(np.argmax(rec.map))
            ax1.plot(data.frame_times, data.bold[:, peak], color="tab:blue", lw=0.8,
                     label="BOLD at the peak voxel")
            ax1.vlines(data.onsets, *ax1.get_ylim(), color="0.7", lw=0.6, label="events")
            ax1.set_xlabel("time (s)")
            ax1.set_ylabel("BOLD (%)")
            ax1.set_title(f"fMRI ({sequence}, TE {acq.TE * 1e3:.0f} ms): sampled every "
                          f"{data.frame_times[1]:.0f} s", fontsize=9)
        else:
            truth = data.source[sub.labels == 0].mean(axis=0)
            ax1.plot(data.times * 1e3, rec.time_course / np.abs(rec.time_course).max(),
                     label=f"recovered (error {rec.temporal_error * 1e3:.0f} ms)")
            ax1.plot(data.times * 1e3, truth / (np.abs(truth).max() or 1.0), "--", color="k",
                     label="planted")
            ax1.set_xlabel("time (ms)")
            ax1.set_ylabel("normalised amplitude")
            ax1.set_title("time course at the map's peak", fontsize=9)
        ax1.legend(fontsize=8)
        plt.show()

    return widgets.interactive(
        show,
        u_mm=widgets.FloatSlider(value=u * 1e3, min=-20, max=20, step=1.5,
                                 description="patch u (mm)"),
        coupling=widgets.FloatSlider(value=coupling, min=0, max=1, step=0.25,
                                     description="BOLD coupling"),
        decoy=widgets.Checkbox(value=decoy, description="fMRI decoy"),
        modality=widgets.Dropdown(options=list(subject.MODALITIES), value=modality,
                                  description="modality"),
        sequence=widgets.ToggleButtons(options=list(subject.SEQUENCES), value=sequence,
                                       description="fMRI"),
    )
