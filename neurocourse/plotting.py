"""Shared matplotlib helpers: sensor projections and topographic maps.

Plotting only: every number drawn here comes from the science modules.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.tri import Triangulation

__all__ = ["plot_topomap", "project_sensors"]


def project_sensors(positions, center=(0, 0, 0)) -> np.ndarray:
    """Azimuthal equidistant projection of 3-D sensor positions seen from above the head.

    A sensor at polar angle θ (from +z, about ``center``) and azimuth φ maps to
    ``ρ θ (cos φ, sin φ)``, with ρ the mean sensor distance from ``center``: distances from the
    vertex along the helmet are preserved.

    Parameters
    ----------
    positions : array_like, shape (n, 3)
        Sensor positions in m.
    center : array_like, shape (3,), default (0, 0, 0)
        Projection centre (sphere centre) in m.

    Returns
    -------
    xy : ndarray, shape (n, 2)
        Projected coordinates in m (x to the right ear, y to the nose).
    """
    p = np.asarray(positions, dtype=float) - np.asarray(center, dtype=float)
    r = np.linalg.norm(p, axis=1)
    theta = np.arccos(np.clip(p[:, 2] / r, -1.0, 1.0))
    phi = np.arctan2(p[:, 1], p[:, 0])
    rho = r.mean()
    return np.column_stack([rho * theta * np.cos(phi), rho * theta * np.sin(phi)])


def plot_topomap(ax, positions, values, *, center=(0, 0, 0), vlim=None, cmap="RdBu_r",
                 unit="fT", scale=1e15, title=None, colorbar=True, n_levels=22):
    """Draw a field map over the projected sensor layout.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    positions : array_like, shape (n, 3)
        Sensor positions in m.
    values : array_like, shape (n,)
        One value per sensor in SI units (T or T/m).
    center : array_like, shape (3,)
        Projection centre in m.
    vlim : float, optional
        Symmetric colour limit in display units (default: the largest |value|).
    cmap : str
        Colormap (diverging for signed data).
    unit : str
        Display unit for the colour bar, e.g. ``"fT"`` or ``"fT/cm"``.
    scale : float
        Factor from SI to display units (1e15 for T → fT, 1e13 for T/m → fT/cm).
    title : str, optional
        Axes title.
    colorbar : bool
        Add a colour bar labelled with ``unit``.
    n_levels : int
        Number of contour boundaries; an even number puts 0 in the middle of a colour band, so
        a map of zeros is drawn in the neutral colour.

    Returns
    -------
    matplotlib.contour.QuadContourSet
    """
    xy = project_sensors(positions, center) * 100  # cm
    v = np.asarray(values, dtype=float) * scale
    lim = float(np.max(np.abs(v))) if vlim is None else float(vlim)
    lim = lim if lim > 0 else 1.0
    signed = np.min(v) < 0 or cmap in ("RdBu_r", "coolwarm", "seismic")
    lo = -lim if signed else 0.0
    tri = Triangulation(xy[:, 0], xy[:, 1])
    levels = np.linspace(lo, lim, n_levels)
    cs = ax.tricontourf(tri, np.clip(v, lo, lim), levels=levels, cmap=cmap, extend="neither")
    ax.plot(xy[:, 0], xy[:, 1], "k.", ms=1.5)
    ax.set_aspect("equal")
    ax.set_xlabel("left → right (cm along helmet)")
    ax.set_ylabel("back → front (cm)")
    if title:
        ax.set_title(title, fontsize=10)
    if colorbar:
        cb = plt.colorbar(cs, ax=ax, shrink=0.8)
        cb.set_label(unit)
    return cs
