"""Explorer for the MEG forward chapter: a dipole's field over the Vectorview helmet.

Thin wrapper over :func:`neurocourse.meg.dipole_source`, :func:`neurocourse.meg.helmet_maps` and
:func:`neurocourse.plotting.plot_topomap`: sliders and plotting only. The default state is a
20 nAm tangential dipole 2.5 cm below the top of an 8.5 cm head (sphere centred at the helmet
origin), the textbook bipolar pattern.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import meg
from neurocourse.meg import dipole_source, helmet_maps
from neurocourse.plotting import plot_topomap

__all__ = ["meg_field_explorer"]


def meg_field_explorer(azimuth=0.0, elevation=60.0, depth=0.025, tilt=0.0, rotation=90.0):
    """Sliders for a dipole's position, depth and orientation; field maps on the helmet.

    Parameters
    ----------
    azimuth, elevation : float
        Source direction from the centre in degrees. Defaults 0 and 60 (over the right side of
        the vertex).
    depth : float
        Depth below an 8.5 cm head surface in m (default 0.025).
    tilt : float
        Angle out of the tangent plane in degrees (default 0: tangential; 90: radial).
    rotation : float
        Orientation within the tangent plane in degrees (default 90).

    Returns
    -------
    ipywidgets.interactive
    """
    arr = meg.vectorview_array()

    def show(azimuth_deg, elevation_deg, depth_mm, tilt_deg, rotation_deg):
        r0, q = dipole_source(azimuth_deg, elevation_deg, depth_mm / 1000, tilt_deg,
                              rotation_deg)
        maps = helmet_maps(r0, q, arr)
        fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
        plot_topomap(axes[0], maps["mag_pos"], maps["mag"], unit="fT", scale=1e15,
                     title=f"magnetometers: peak {np.abs(maps['mag']).max() * 1e15:.0f} fT")
        plot_topomap(axes[1], maps["grad_pos"], maps["grad"], unit="fT/cm", scale=1e13,
                     cmap="viridis",
                     title=f"gradiometer pairs: peak {maps['grad'].max() * 1e13:.1f} fT/cm")
        fig.suptitle(f"20 nAm dipole at depth {depth_mm:.0f} mm, tilt {tilt_deg:.0f}° "
                     "from tangential", fontsize=10)
        fig.tight_layout()
        plt.show()

    return widgets.interactive(
        show,
        azimuth_deg=widgets.FloatSlider(value=azimuth, min=-180, max=180, step=5,
                                        description="azimuth (°)"),
        elevation_deg=widgets.FloatSlider(value=elevation, min=0, max=90, step=5,
                                          description="elevation (°)"),
        depth_mm=widgets.FloatSlider(value=depth * 1000, min=5, max=75, step=5,
                                     description="depth (mm)"),
        tilt_deg=widgets.FloatSlider(value=tilt, min=0, max=90, step=5,
                                     description="tilt (°)"),
        rotation_deg=widgets.FloatSlider(value=rotation, min=0, max=180, step=5,
                                         description="rotation (°)"),
    )
