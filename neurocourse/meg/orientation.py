"""Least- and most-sensitive source orientations from the SVD of the three-orientation lead field.

At one source location the lead field has three columns, one per Cartesian dipole orientation:
:math:`G_k = [\\mathbf g_x, \\mathbf g_y, \\mathbf g_z]` (n_channels × 3). The measured pattern of
a dipole of moment :math:`q\\hat{\\mathbf n}` is :math:`q\\,G_k\\hat{\\mathbf n}`, so the singular
value decomposition :math:`G_k = U S V^T` orders the orientations by how strongly they are seen:
the first right singular vector is the orientation with the largest field norm, the last one the
orientation with the smallest, and :math:`s_3/s_1` is the least-to-most sensitivity ratio
(Ahlfors et al. 2010). In a sphere the last singular value of an MEG lead field is zero and its
vector is radial (Sarvas 1987); in any other conductor the silent direction turns away from the
centre-radial one and acquires a small field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_points, check_positive, check_range
from neurocourse.meg.bem import bem_lead_field, bem_model
from neurocourse.meg.mesh import ellipsoid, icosphere

__all__ = [
    "NormalSensitivity",
    "OrientationSVD",
    "angle_from_radial",
    "ellipsoid_orientation",
    "normal_sensitivity",
    "orientation_svd",
]


@dataclass(frozen=True)
class OrientationSVD:
    """Per-source singular values and orientations of a free-orientation lead field.

    Attributes
    ----------
    singular_values : ndarray, shape (n_sources, 3)
        :math:`s_1 \\ge s_2 \\ge s_3`, in the lead field's unit (T/(A·m) or V/(A·m)).
    most_sensitive, least_sensitive : ndarray, shape (n_sources, 3)
        Unit orientations (dimensionless) with the largest and the smallest field norm; the sign
        of each is arbitrary.
    ratio : ndarray, shape (n_sources,)
        :math:`s_3/s_1`, least-to-most sensitivity, dimensionless in [0, 1].
    """

    singular_values: np.ndarray
    most_sensitive: np.ndarray
    least_sensitive: np.ndarray
    ratio: np.ndarray


def orientation_svd(G) -> OrientationSVD:
    """Least- and most-sensitive orientation of every source of a free-orientation lead field.

    Parameters
    ----------
    G : array_like, shape (n_channels, 3·n_sources)
        Lead field in T/(A·m) or V/(A·m), MNE's free-orientation column order (column 3k+j is
        source k along axis j), as returned by :func:`neurocourse.meg.lead_field`,
        :func:`neurocourse.meg.bem.bem_lead_field` or :func:`neurocourse.eeg.lead_field`.

    Returns
    -------
    OrientationSVD
        Singular values (unit of ``G``), the two orientations (dimensionless unit vectors) and
        the ratio :math:`s_3/s_1` (dimensionless) per source.

    References
    ----------
    Ahlfors, Han, Belliveau & Hämäläinen (2010) Brain Topogr 23:227 (least/most sensitivity ratio
    from the SVD of the three-orientation lead field); Golub & Van Loan (2013) Matrix
    Computations, sec. 2.4.

    Examples
    --------
    >>> import numpy as np
    >>> res = orientation_svd(np.diag([3.0, 2.0, 0.5]))
    >>> float(res.ratio[0]), np.abs(res.least_sensitive[0]).round(6).tolist()
    (0.16666666666666666, [0.0, 0.0, 1.0])
    """
    g = as_finite("G", G)
    if g.ndim != 2 or g.shape[1] == 0 or g.shape[1] % 3 or g.shape[0] < 1:
        raise ValueError(f"G must be 2-D with a positive multiple of 3 columns (n_channels, "
                         f"3·n_sources), got shape {g.shape}")
    per_source = g.reshape(g.shape[0], -1, 3).transpose(1, 0, 2)   # (n_sources, n_channels, 3)
    _, s, vt = np.linalg.svd(per_source, full_matrices=False)
    if s.shape[1] < 3:  # fewer than three channels: the third orientation is exactly silent
        s = np.concatenate([s, np.zeros((s.shape[0], 3 - s.shape[1]))], axis=1)
        _, _, vt = np.linalg.svd(per_source, full_matrices=True)
    if np.any(s[:, 0] == 0):
        raise ValueError(f"G must not have an all-zero source block, got one at source "
                         f"{int(np.flatnonzero(s[:, 0] == 0)[0])}")
    return OrientationSVD(s, vt[:, 0, :], vt[:, 2, :], s[:, 2] / s[:, 0])


@dataclass(frozen=True)
class NormalSensitivity:
    """Sensitivity to sources along given normals, split into location and orientation factors.

    Attributes
    ----------
    best : ndarray, shape (n_sources,)
        :math:`s_1`, the field norm per unit moment of the best orientation at each location, in
        the lead field's unit (T/(A·m) or V/(A·m)): what depth and distance to the sensors allow.
    along_normal : ndarray, shape (n_sources,)
        :math:`\\|G_k\\hat{\\mathbf n}_k\\|`, same unit: the sensitivity to the source as oriented.
    orientation_factor : ndarray, shape (n_sources,)
        along_normal / best, dimensionless in [0, 1]: what the orientation costs.
    """

    best: np.ndarray
    along_normal: np.ndarray
    orientation_factor: np.ndarray


def normal_sensitivity(G, normals) -> NormalSensitivity:
    """Split the sensitivity to oriented sources into a location (depth) and an orientation factor.

    ``along_normal = best × orientation_factor``, with ``best`` the largest singular value of each
    source's three-column block and ``orientation_factor`` the fraction of it that the source's
    orientation keeps. This separates the two reasons a cortical source is weak in MEG: distance
    from the sensors, and closeness to the silent (nearly radial) orientation (Hillebrand & Barnes
    2002; Goldenholz et al. 2009).

    Parameters
    ----------
    G : array_like, shape (n_channels, 3·n_sources)
        Free-orientation lead field in T/(A·m) or V/(A·m), MNE's column order.
    normals : array_like, shape (n_sources, 3)
        Source orientations (normalised here; dimensionless), e.g. cortical normals.

    Returns
    -------
    NormalSensitivity
        ``best`` and ``along_normal`` in the unit of ``G``; ``orientation_factor`` dimensionless.

    References
    ----------
    Hillebrand & Barnes (2002) NeuroImage 16:638; Goldenholz et al. (2009) Hum Brain Mapp
    30:1077; Ahlfors et al. (2010) Brain Topogr 23:227.
    """
    res = orientation_svd(G)
    n = check_points("normals", normals, unit="")
    if n.shape != (res.ratio.size, 3):
        raise ValueError(f"normals must have shape ({res.ratio.size}, 3), one per source, got "
                         f"{n.shape}")
    nlen = np.linalg.norm(n, axis=1)
    if np.any(nlen == 0):
        raise ValueError("normals must be non-zero vectors, got a zero vector")
    g = as_finite("G", G).reshape(-1, res.ratio.size, 3)
    along = np.linalg.norm(np.einsum("ckj,kj->ck", g, n / nlen[:, None]), axis=0)
    best = res.singular_values[:, 0]
    return NormalSensitivity(best, along, np.minimum(along / best, 1.0))


def angle_from_radial(orientations, r_sources, center=(0.0, 0.0, 0.0)) -> np.ndarray:
    """Angle between each (sign-free) orientation and the radial direction from ``center``.

    Parameters
    ----------
    orientations : array_like, shape (n, 3) or (3,)
        Orientations (any non-zero length; dimensionless).
    r_sources : array_like, shape (n, 3) or (3,)
        Source positions in m, none at ``center``.
    center : array_like, shape (3,), default (0, 0, 0)
        Centre the radial direction is measured from, in m.

    Returns
    -------
    ndarray, shape (n,)
        Angle in degrees (°), in [0, 90]: an orientation and its opposite give the same angle.

    References
    ----------
    Ahlfors et al. (2010) Brain Topogr 23:227 (orientation measured against the local radial
    direction).
    """
    o = check_points("orientations", orientations, unit="")
    r = check_points("r_sources", r_sources) - np.asarray(as_finite("center", center), float)
    if o.shape != r.shape:
        raise ValueError(f"orientations must have the shape of r_sources {r.shape}, got {o.shape}")
    no, nr = np.linalg.norm(o, axis=1), np.linalg.norm(r, axis=1)
    if np.any(no == 0):
        raise ValueError("orientations must be non-zero vectors, got a zero vector")
    if np.any(nr == 0):
        raise ValueError("r_sources must differ from center, got a source at the centre")
    c = np.clip(np.abs(np.sum(o * r, axis=1)) / (no * nr), 0.0, 1.0)
    return np.degrees(np.arccos(c))


def ellipsoid_orientation(asphericity=0.1, eccentricity=0.5, order: int = 2,
                          radius: float = 0.09, sensor_radius: float = 0.13):
    """Least-sensitive MEG orientation of a source in an ellipsoidal conductor (single-layer BEM).

    The conductor and the source follow :func:`neurocourse.meg.bem.radial_leakage`: semi-axes
    :math:`R(1+\\epsilon)`, :math:`R`, :math:`R(1-\\epsilon)`, source at
    :math:`eR\\hat{\\mathbf u}` with :math:`\\hat{\\mathbf u} = (1, 1, 1)/\\sqrt3`. The field is
    sampled as all three components at the 162 vertices of an ico-2 sphere of ``sensor_radius``.

    Parameters
    ----------
    asphericity : float, default 0.1
        ε (dimensionless), in [0, 0.3].
    eccentricity : float, default 0.5
        e, source distance as a fraction of R (dimensionless), in (0, 0.9].
    order : int, default 2
        Icosphere order of the ellipsoid mesh.
    radius : float, default 0.09
        R in m.
    sensor_radius : float, default 0.13
        Sensor-shell radius in m; must exceed R(1+ε).

    Returns
    -------
    angle : float
        Angle between the least-sensitive orientation and the centre-radial direction, °.
    ratio : float
        :math:`s_3/s_1` of the source's lead field, dimensionless.
    radial_ratio : float
        Field norm of the centre-radial dipole over that of the most-sensitive one,
        dimensionless (the "leak" one sees when "radial" is taken from the centre).

    References
    ----------
    Ahlfors et al. (2010) Brain Topogr 23:227; Hämäläinen et al. (1993) Rev Mod Phys 65:413.
    """
    eps = float(check_range("asphericity", asphericity, 0.0, 0.3))
    e = float(check_range("eccentricity", eccentricity, 0.0, 0.9, low_inclusive=False))
    R = float(check_positive("radius", radius, unit="m"))
    rs = float(check_positive("sensor_radius", sensor_radius, unit="m"))
    if rs <= R * (1 + eps):
        raise ValueError(f"sensor_radius must exceed the largest semi-axis {R * (1 + eps):g} m, "
                         f"got {rs!r}")
    model = bem_model(ellipsoid(order, (R * (1 + eps), R, R * (1 - eps))))
    shell = icosphere(2, rs).vertices
    u = np.ones(3) / np.sqrt(3.0)
    G = bem_lead_field(model, e * R * u, np.repeat(shell, 3, axis=0),
                       np.tile(np.eye(3), (len(shell), 1)))
    res = orientation_svd(G)
    angle = float(angle_from_radial(res.least_sensitive, e * R * u)[0])
    radial = float(np.linalg.norm(G @ u) / res.singular_values[0, 0])
    return angle, float(res.ratio[0]), radial
