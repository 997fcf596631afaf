"""Explorer for the MEG forward chapter: a dipole's field over the Vectorview helmet.

Thin wrapper over :mod:`neurocourse.meg` and :func:`neurocourse.plotting.plot_topomap`. The
default state is a 20 nAm tangential dipole 2.5 cm below the top of an 8.5 cm head (sphere
centred at the helmet origin), the textbook bipolar pattern.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import meg
from neurocourse.plotting import plot_topomap

__all__ = ["dipole_source", "helmet_maps", "meg_field_explorer"]

HEAD_RADIUS = 0.085  # m, for the depth slider (the sphere model itself has no radius)


def dipole_source(azimuth_deg, elevation_deg, depth, tilt_deg, rotation_deg, moment=20e-9,
                  head_radius=HEAD_RADIUS):
    """Position (m) and moment (A·m) of a dipole given in head-centred angles.

    Parameters
    ----------
    azimuth_deg, elevation_deg : float
        Direction of the source from the sphere centre (degrees; elevation 90 is the vertex).
    depth : float
        Depth below the head surface in m.
    tilt_deg : float
        Angle of the moment away from the tangent plane, degrees (0 tangential, 90 radial).
    rotation_deg : float
        Direction of the tangential part within the tangent plane, degrees (0 = eastward).
    moment : float
        Dipole strength in A·m (default 20 nAm).
    head_radius : float
        Head radius in m.

    Returns
    -------
    r0 : ndarray, shape (3,)
        Position in m.
    q : ndarray, shape (3,)
        Moment in A·m.
    """
    az, el = np.radians(azimuth_deg), np.radians(elevation_deg)
    rhat = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    east = np.array([-np.sin(az), np.cos(az), 0.0])
    north = np.cross(rhat, east)
    rot, tilt = np.radians(rotation_deg), np.radians(tilt_deg)
    direction = np.cos(tilt) * (np.cos(rot) * east + np.sin(rot) * north) + np.sin(tilt) * rhat
    return (head_radius - depth) * rhat, moment * direction


def helmet_maps(r0, q, sensors=None):
    """Magnetometer readings (T) and gradiometer-pair amplitudes (T/m) on the Vectorview helmet.

    Parameters
    ----------
    r0 : array_like, shape (3,)
        Dipole position in m (sphere centred at the helmet origin).
    q : array_like, shape (3,)
        Moment in A·m.
    sensors : SensorArray, optional
        Default :func:`neurocourse.meg.vectorview_array`.

    Returns
    -------
    dict
        ``mag_pos`` (102, 3) m, ``mag`` (102,) T, ``grad_pos`` (102, 3) m, ``grad`` (102,) T/m
        (root sum of squares of each orthogonal pair).
    """
    arr = meg.vectorview_array() if sensors is None else sensors
    b = meg.apply_forward(meg.sensor_lead_field(np.atleast_2d(r0), arr), np.asarray(q, float))
    mags = arr.picks("mag")
    pairs = meg.gradiometer_pairs(arr)
    return {
        "mag_pos": arr.positions[mags], "mag": b[mags],
        "grad_pos": arr.positions[pairs[:, 0]], "grad": np.hypot(b[pairs[:, 0]], b[pairs[:, 1]]),
    }


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
        fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
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
