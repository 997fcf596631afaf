"""Shared matplotlib helpers: sensor projections and topographic maps.

Plotting only: every number drawn here comes from the science modules.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.tri import Triangulation

from neurocourse import bold, hrf, lti
from neurocourse.mri import PROTOCOL_TE

__all__ = ["plot_convolution", "plot_davis_surface", "plot_topomap", "plot_vessel_curves", "project_sensors"]


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


# ---------------------------------------------------------------- chapter figures (moved from widgets/)
def plot_davis_surface(ax, M=0.08, alpha=0.38, beta=1.5, n_lines=(1.5, 2.0, 3.0, 5.0)):
    """Draw the Davis BOLD change (%) over ΔCBF × ΔCMRO2 (%) with iso-n lines on ``ax``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    M, alpha, beta : float
        Davis model parameters (dimensionless), as :func:`neurocourse.bold.davis_bold`.
    n_lines : sequence of float
        Flow-metabolism coupling ratios n = ΔCBF/ΔCMRO2 (dimensionless) drawn as dashed lines.

    Returns
    -------
    matplotlib.collections.QuadMesh
        The colour map of the BOLD change (%), for a colour bar.
    """
    dcbf = np.linspace(-30, 100, 131)
    dcmro2 = np.linspace(-30, 60, 91)
    F, R = np.meshgrid(1 + dcbf / 100, 1 + dcmro2 / 100)
    Y = 100 * bold.davis_bold(F, R, M, alpha, beta)
    lim = np.max(np.abs(Y))
    im = ax.pcolormesh(dcbf, dcmro2, Y, cmap="RdBu_r", vmin=-lim, vmax=lim, shading="auto")
    cs = ax.contour(dcbf, dcmro2, Y, levels=[-4, -2, 0, 2, 4], colors="k", linewidths=0.6,
                    linestyles="solid")
    ax.clabel(cs, fmt="%g %%", fontsize=8)
    for n in n_lines:
        r = bold.cmro2_ratio_from_coupling(1 + dcbf / 100, n)
        ax.plot(dcbf, 100 * (r - 1), ls="--", lw=1.2, color="darkgreen")
        inside = np.flatnonzero(100 * (r - 1) <= dcmro2[-1])[-1]
        ax.annotate(f"n = {n:g}", (dcbf[inside], 100 * (r[inside] - 1)), fontsize=8,
                    ha="right", va="bottom", color="darkgreen")
    ax.set_xlim(dcbf[0], dcbf[-1])
    ax.set_ylim(dcmro2[0], dcmro2[-1])
    ax.set_xlabel("ΔCBF (%)")
    ax.set_ylabel("ΔCMRO$_2$ (%)")
    return im


def plot_vessel_curves(ax, result, B0, sequence="both"):
    """Draw GRE ΔR2* and/or SE ΔR2 (s⁻¹) against vessel radius (µm) from a Monte Carlo result.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    result : neurocourse.vessels.VesselMCResult
        Monte Carlo result containing ``B0`` and the echo times of
        :data:`neurocourse.mri.PROTOCOL_TE` for that field.
    B0 : float
        Field strength to show, in T (the nearest one in ``result``).
    sequence : {"ge", "se", "both"}
        Which curves to draw.
    """
    ib = int(np.argmin(np.abs(result.B0 - B0)))
    te_ge, te_se = PROTOCOL_TE[float(result.B0[ib])]
    r_um = 1e6 * result.radii
    if sequence in ("ge", "both"):
        it = int(np.argmin(np.abs(result.TE - te_ge)))
        ax.errorbar(r_um, result.dR2star_ge[ib, it], 2 * result.dR2star_ge_sem[ib, it],
                    marker="o", ms=4, capsize=2, color="C0",
                    label=f"GRE ΔR2* (TE {1e3 * te_ge:g} ms)")
        ax.axhline(result.static_dR2star[ib, it], color="C0", ls=":", lw=1,
                   label="static dephasing (YH)")
    if sequence in ("se", "both"):
        it = int(np.argmin(np.abs(result.TE - te_se)))
        ax.errorbar(r_um, result.dR2_se[ib, it], 2 * result.dR2_se_sem[ib, it], marker="s",
                    ms=4, capsize=2, color="C3", label=f"SE ΔR2 (TE {1e3 * te_se:g} ms)")
    ax.set_xscale("log")
    ax.set_xlabel("vessel radius (µm)")
    ax.set_ylabel("relaxation-rate change (s$^{-1}$)")
    ax.set_title(f"extravascular relaxation at B0 = {result.B0[ib]:g} T")
    ax.legend(fontsize=8)


_CONV_DT = 0.05  # s, fine grid of plot_convolution
_CONV_T_END = 60.0  # s


def _hrf_density(model):
    # nilearn's kernels are unit-sum on a grid of dt; divide by dt to get a density in 1/s
    fn = hrf.spm_hrf if model == "spm" else hrf.glover_hrf
    return fn(_CONV_DT, oversampling=1, time_length=32.0) / _CONV_DT


def plot_convolution(ax, n_events=3, isi=4.0, duration=0.0, hrf_model="spm", tr=2.0,
                     show_parts=True):
    """Plot events, each event's HRF response, their sum, and the sum sampled every TR.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    n_events : int
        Number of events, >= 1.
    isi : float
        Inter-stimulus interval (s), onset to onset.
    duration : float
        Event duration (s); 0 for brief (impulse) events.
    hrf_model : {"spm", "glover"}
        nilearn's HRF shape.
    tr : float
        Repetition time (s) at which the summed response is sampled.
    show_parts : bool
        Draw each event's own response.

    Returns
    -------
    numpy.ndarray
        The summed response on the fine grid (per unit area of input).
    """
    n = round(_CONV_T_END / _CONV_DT)
    t = np.arange(n) * _CONV_DT
    kernel = _hrf_density(hrf_model)
    onsets = 5.0 + isi * np.arange(int(n_events))
    area = duration if duration > 0 else 1.0  # boxes of height 1; impulses of unit area
    total = lti.predict_bold(onsets, kernel, _CONV_DT, n, durations=duration)
    if show_parts:
        for k, t0 in enumerate(onsets):
            part = lti.predict_bold([t0], kernel, _CONV_DT, n, durations=duration)
            ax.plot(t, part, lw=1, ls="--", color="C0", alpha=0.7,
                    label="response to each event" if k == 0 else None)
    ax.plot(t, total, lw=2.2, color="C3", label="sum (LTI prediction)")
    scans = np.arange(0.0, _CONV_T_END, tr)
    ax.plot(scans, np.interp(scans, t, total), "o", color="k", ms=4,
            label=f"sampled every TR = {tr:g} s")
    top = max(float(total.max()), 1e-12)
    for t0 in onsets:
        ax.axvspan(t0, t0 + max(duration, 0.15), ymin=0, ymax=0.06, color="0.3")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlim(0, _CONV_T_END)
    ax.set_ylim(-0.25 * top, 1.15 * top)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("predicted response (per unit input)" if area == 1.0 else
                  "predicted response (input units)")
    ax.legend(loc="upper right", fontsize=8)
    return total
