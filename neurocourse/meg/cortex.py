"""A toy folded cortical sheet (gyri and sulci) with outward normals.

The sheet is a patch of a sphere whose radius is modulated by a sinusoidal fold running along
one direction: :math:`\\rho(u) = R + A\\cos(2\\pi u/\\lambda)`. Crowns of gyri sit at
:math:`\\rho = R + A`, fundi of sulci at :math:`R - A`, and the walls in between. Pyramidal cells
are perpendicular to the sheet, so the outward normal is the orientation of the primary
current: radial on crowns and fundi, nearly tangential on the walls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import check_positive


@dataclass(frozen=True, eq=False)
class FoldedCortex:
    """Vertices of a folded cortical sheet (SI units).

    Attributes
    ----------
    positions : ndarray, shape (n, 3)
        Vertex positions in m (relative to the head centre).
    normals : ndarray, shape (n, 3)
        Outward unit normals: the orientation of pyramidal-cell primary currents (flip the sign
        for currents flowing inward).
    u, v : ndarray, shape (n,)
        Arc-length coordinates along and across the folds, m (at radius R).
    height : ndarray, shape (n,)
        Radial offset :math:`A\\cos(2\\pi u/\\lambda)` from the mean radius, m (+A on crowns).
    radiality : ndarray, shape (n,)
        :math:`|\\hat{\\mathbf n}\\cdot\\hat{\\mathbf r}|`: 1 for radial (crowns, fundi), near 0
        on sulcal walls.
    shape : tuple of int
        Grid shape (n_u, n_v); the vertices are the grid in C order.
    """

    positions: np.ndarray
    normals: np.ndarray
    u: np.ndarray
    v: np.ndarray
    height: np.ndarray
    radiality: np.ndarray
    shape: tuple


def folded_cortex(radius=0.07, amplitude=0.008, wavelength=0.02, extent=(0.06, 0.03),
                  n=(61, 7)) -> FoldedCortex:
    """Build a folded cortical patch at the top of a spherical head.

    A point with arc lengths :math:`(u, v)` lies along
    :math:`\\hat{\\mathbf s} = (\\sin\\alpha\\cos\\beta, \\sin\\beta, \\cos\\alpha\\cos\\beta)`,
    :math:`\\alpha = u/R`, :math:`\\beta = v/R`, at distance :math:`\\rho(u)` from the centre.
    The normal is the normalised cross product of the analytic tangents
    :math:`\\partial\\mathbf p/\\partial u` and :math:`\\partial\\mathbf p/\\partial v`,
    oriented outward.

    Parameters
    ----------
    radius : float, default 0.07
        Mean radius R of the sheet in m (cortex about 1–2 cm under the scalp of a 9 cm head).
    amplitude : float, default 0.008
        Fold amplitude A in m (sulci 2A = 16 mm deep; human sulci are typically 1–2 cm deep).
    wavelength : float, default 0.02
        Gyrus-to-gyrus distance λ in m.
    extent : tuple of float, default (0.06, 0.03)
        Arc lengths of the patch along and across the folds in m.
    n : tuple of int, default (61, 7)
        Grid points along and across the folds.

    Returns
    -------
    FoldedCortex

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. II (cortical orientation and MEG
    sensitivity); Hillebrand & Barnes (2002) NeuroImage 16:638 (MEG sensitivity on the folded
    cortex).
    """
    R = float(check_positive("radius", radius, unit="m"))
    A = float(check_positive("amplitude", amplitude, unit="m", allow_zero=True))
    lam = float(check_positive("wavelength", wavelength, unit="m"))
    Lu, Lv = (float(x) for x in check_positive("extent", extent, unit="m"))
    if A >= R:
        raise ValueError(f"amplitude must be < radius ({R} m), got {A}")
    nu, nv = int(n[0]), int(n[1])
    if nu < 2 or nv < 1:
        raise ValueError(f"n must be (>= 2, >= 1) grid points, got {n!r}")
    if Lu / R >= np.pi / 2 or Lv / R >= np.pi / 2:
        raise ValueError(f"extent must be < (pi/2) * radius = {np.pi / 2 * R:.4g} m, got {extent}")
    uu, vv = np.meshgrid(np.linspace(-Lu / 2, Lu / 2, nu),
                         np.linspace(-Lv / 2, Lv / 2, nv) if nv > 1 else np.zeros(1),
                         indexing="ij")
    u, v = uu.ravel(), vv.ravel()
    k = 2 * np.pi / lam
    h = A * np.cos(k * u)
    dh = -A * k * np.sin(k * u)
    rho = R + h
    al, be = u / R, v / R
    s = np.column_stack([np.sin(al) * np.cos(be), np.sin(be), np.cos(al) * np.cos(be)])
    ds_da = np.column_stack([np.cos(al) * np.cos(be), np.zeros_like(al), -np.sin(al) * np.cos(be)])
    ds_db = np.column_stack([-np.sin(al) * np.sin(be), np.cos(be), -np.cos(al) * np.sin(be)])
    p = rho[:, None] * s
    tu = dh[:, None] * s + (rho / R)[:, None] * ds_da
    tv = (rho / R)[:, None] * ds_db
    nrm = np.cross(tu, tv)
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    nrm *= np.sign(np.sum(nrm * s, axis=1))[:, None]  # outward
    rhat = p / np.linalg.norm(p, axis=1, keepdims=True)
    return FoldedCortex(positions=p, normals=nrm, u=u, v=v, height=h,
                        radiality=np.abs(np.sum(nrm * rhat, axis=1)), shape=(nu, nv))
