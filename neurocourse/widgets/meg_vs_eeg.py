"""Explorer for the MEG-vs-EEG chapter: one dipole, its EEG and MEG maps side by side.

Thin wrapper over :func:`neurocourse.eeg.eeg_meg_maps` and
:func:`neurocourse.plotting.plot_topomap`: sliders and plotting only. The default state is a
20 nAm tangential dipole 20 mm under the scalp with a brain-to-skull conductivity ratio of 25
(a modern in-vivo estimate): a broad EEG dipole pattern next to a tight MEG one, rotated by 90°.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse.eeg import eeg_meg_maps
from neurocourse.plotting import plot_topomap

__all__ = ["meg_vs_eeg_explorer"]


def meg_vs_eeg_explorer(ratio=25.0, depth=0.02, tilt=0.0):
    """Sliders for the skull conductivity ratio and the dipole's depth and tilt.

    Parameters
    ----------
    ratio : float, default 25
        Brain-to-skull conductivity ratio (slider 1–100; 80 is the classic value).
    depth : float, default 0.02
        Depth below the 88 mm scalp in m (slider 10–70 mm).
    tilt : float, default 0
        Angle out of the tangent plane in degrees (0 tangential, 90 radial).

    Returns
    -------
    ipywidgets.interactive
    """

    def show(ratio, depth_mm, tilt_deg):
        m = eeg_meg_maps(ratio=ratio, depth=depth_mm / 1000, tilt_deg=tilt_deg)
        fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
        plot_topomap(axes[0], m["eeg_pos"], m["eeg"], unit="µV", scale=1e6,
                     title=f"EEG (avg. ref.): peak {np.abs(m['eeg']).max() * 1e6:.2f} µV")
        meg_peak = np.abs(m["meg"]).max()
        plot_topomap(axes[1], m["meg_pos"], m["meg"], unit="fT", scale=1e15,
                     vlim=None if meg_peak > 1e-18 else 1.0,
                     title=f"MEG (radial B): peak {meg_peak * 1e15:.0f} fT")
        fig.suptitle(f"20 nAm dipole {depth_mm:.0f} mm deep, tilt {tilt_deg:.0f}°, "
                     f"brain:skull = {ratio:.0f}:1", fontsize=10)
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        ratio=widgets.FloatSlider(value=ratio, min=1, max=100, step=1,
                                  description="σ brain/skull"),
        depth_mm=widgets.FloatSlider(value=depth * 1000, min=10, max=70, step=5,
                                     description="depth (mm)"),
        tilt_deg=widgets.FloatSlider(value=tilt, min=0, max=90, step=5,
                                     description="tilt (°)"),
    )
