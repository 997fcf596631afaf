"""Source and electrode positions relative to a shell model, with the checks every EEG
forward function needs (sources inside the innermost shell, electrodes on the scalp)."""

from __future__ import annotations

import numpy as np

from neurocourse._validation import check_points, check_positive, check_vec3
from neurocourse.eeg.shells import ShellModel

__all__ = ["ELECTRODE_RTOL", "centred_geometry", "project_to_scalp"]

ELECTRODE_RTOL = 1e-6
"""Relative tolerance on an electrode's distance from the centre: |r| must equal R to this."""


def centred_geometry(model: ShellModel, r_sources, r_electrodes):
    """Validate positions against a shell model and return them relative to its centre.

    Parameters
    ----------
    model : ShellModel
        The head.
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Dipole positions in m; each strictly inside the innermost shell.
    r_electrodes : array_like, shape (n_electrodes, 3) or (3,)
        Electrode positions in m; each on the outer sphere (|r - c| = R to
        :data:`ELECTRODE_RTOL`).

    Returns
    -------
    src, el : ndarray
        Positions relative to ``model.center`` in m, shapes (n_sources, 3) and
        (n_electrodes, 3).

    Raises
    ------
    ValueError
        Naming the first source outside the source compartment or electrode off the scalp.
    """
    src = check_points("r_sources", r_sources) - model.center
    el = check_points("r_electrodes", r_electrodes) - model.center
    d_src = np.linalg.norm(src, axis=1)
    bad = np.flatnonzero(d_src >= model.inner_radius)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"r_sources must lie inside the innermost shell (distance from the "
                         f"centre < {model.inner_radius:g} m); source {i} is {d_src[i]:.6g} m "
                         f"from the centre")
    d_el = np.linalg.norm(el, axis=1)
    off = np.flatnonzero(np.abs(d_el - model.radius) > ELECTRODE_RTOL * model.radius)
    if off.size:
        i = int(off[0])
        raise ValueError(f"r_electrodes must lie on the scalp sphere (distance {model.radius:g} m "
                         f"from the centre, relative tolerance {ELECTRODE_RTOL:g}); electrode {i} "
                         f"is {d_el[i]:.6g} m from the centre (use project_to_scalp)")
    return src, el


def project_to_scalp(r_electrodes, radius, center=(0.0, 0.0, 0.0)) -> np.ndarray:
    """Move electrodes radially onto the sphere of ``radius`` about ``center``.

    Parameters
    ----------
    r_electrodes : array_like, shape (n, 3)
        Positions in m (none at the centre).
    radius : float
        Scalp radius in m (> 0).
    center : array_like, shape (3,)
        Centre in m.

    Returns
    -------
    ndarray, shape (n, 3)
        Positions in m at distance ``radius`` from ``center``.
    """
    R = float(check_positive("radius", radius, unit="m"))
    c = check_vec3("center", center, unit="m")
    p = check_points("r_electrodes", r_electrodes) - c
    d = np.linalg.norm(p, axis=1)
    if np.any(d == 0):
        raise ValueError("r_electrodes must not sit at the centre (no direction to project along)")
    return c + R * p / d[:, None]
