"""Explorer for the BEM chapter: how a radial dipole stops being silent in an aspherical head.

Thin wrapper over :func:`neurocourse.meg.bem.radial_tangential_maps`: sliders and plotting only.
The conductor is an ico-2 ellipsoid with semi-axes R(1+ε), R, R(1−ε) (R = 9 cm); a radial and a
tangential 10 nAm dipole sit at eccentricity e along (1, 1, 1)/√3, and radial magnetometers on a
13 cm sphere read their fields. The default state (ε = 0.15, e = 0.7) shows a clear, non-zero radial-dipole map.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse.meg.bem import radial_tangential_maps

__all__ = ["asphericity_explorer"]

SENSOR_RADIUS = 0.13  # m, sensor shell passed to radial_tangential_maps and used for the projection


def _plot(asphericity=0.15, eccentricity=0.7):
    sensors, b_rad, b_tan = radial_tangential_maps(asphericity, eccentricity,
                                                   sensor_radius=SENSOR_RADIUS)
    # azimuthal equidistant projection of the upper half sphere
    theta = np.arccos(np.clip(sensors[:, 2] / SENSOR_RADIUS, -1, 1))
    phi = np.arctan2(sensors[:, 1], sensors[:, 0])
    x, y = 100 * theta * np.cos(phi) * SENSOR_RADIUS, 100 * theta * np.sin(phi) * SENSOR_RADIUS
    lim = np.abs(b_tan).max() * 1e15
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.4), constrained_layout=True)
    for ax, b, name in zip(axes, (b_rad, b_tan), ("radial dipole", "tangential dipole")):
        sc = ax.tricontourf(x, y, b * 1e15, levels=np.linspace(-lim, lim, 21), cmap="RdBu_r")
        ax.set_aspect("equal")
        ax.set_xlabel("x on the flattened sensor shell (cm)")
        ax.set_ylabel("y (cm)")
        ax.set_title(f"{name}: max |B_r| = {np.abs(b).max() * 1e15:.0f} fT")
    fig.colorbar(sc, ax=axes, label="radial field $B_r$ (fT)")
    fig.suptitle(f"ellipsoid ε = {asphericity:.2f}, source eccentricity {eccentricity:.2f}; "
                 f"radial/tangential = {np.linalg.norm(b_rad) / np.linalg.norm(b_tan):.2f}")
    plt.show()


def asphericity_explorer():
    """Sliders for asphericity ε and eccentricity → field maps of a radial and a tangential dipole.

    Returns
    -------
    ipywidgets.interactive
        Default state ε = 0.15, e = 0.7 (a visibly non-silent radial dipole).
    """
    return widgets.interactive(
        _plot,
        asphericity=widgets.FloatSlider(value=0.15, min=0.0, max=0.3, step=0.05,
                                        description="asphericity ε"),
        eccentricity=widgets.FloatSlider(value=0.7, min=0.1, max=0.9, step=0.1,
                                         description="eccentricity"),
    )
