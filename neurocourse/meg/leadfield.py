"""Lead fields (gain matrices) of the spherical head model, for any sensor array.

Column :math:`3k+j` of a free-orientation lead field is the output of every channel for a unit
(1 A·m) dipole at source :math:`k` along head-frame axis :math:`j` (x, y, z), the column order of
MNE-Python's ``fwd['sol']['data']``. By linearity the sensor data of any source distribution is
:math:`\\mathbf b = G\\,\\mathbf j`.

The kernel evaluates Sarvas' formula in the form MNE uses (``_do_sphere_field``): for an
integration point at :math:`\\mathbf r` with normal :math:`\\mathbf e` and a source at
:math:`\\mathbf r_0` (both relative to the centre), the response to a unit dipole along axis
:math:`j` is :math:`10^{-7}[(\\mathbf r_0\\times\\mathbf e)_j/F
+ (\\mathbf r_0\\times\\mathbf r)_j\\, g]` with :math:`g = -\\nabla F\\cdot\\mathbf e/F^2`,
vectorised over sources and points and summed over points with the coil weights.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from neurocourse._validation import as_finite, check_points, check_sensors_outside, check_vec3
from neurocourse.meg.fields import MU0_OVER_4PI
from neurocourse.meg.sensors import SensorArray, gradiometer_pairs, vectorview_array

_CHUNK_ELEMENTS = 100_000  # sources × points per block: 0.8 MB per (P, S) array, cache-friendly


def _sphere_kernel(r_src: np.ndarray, r_pts: np.ndarray, e_pts: np.ndarray) -> np.ndarray:
    """Unit-dipole responses B·e / 1e-7, shape (n_pts, n_src, 3); positions relative to the centre.

    Everything is computed on (n_pts, n_src) arrays: |a|² is expanded as r² + r0² - 2 r·r0 (no
    (n_pts, n_src, 3) difference array), and the cross product r0 × H is written out per
    component. Dipoles within 1e-10 m of the centre give exactly zero, as in MNE.
    """
    rn = np.sqrt(np.einsum("pi,pi->p", r_pts, r_pts))[:, None]  # (P, 1)
    r0n2 = np.einsum("si,si->s", r_src, r_src)[None, :]  # (1, S)
    re = np.einsum("pi,pi->p", r_pts, e_pts)[:, None]
    rr0 = r_pts @ r_src.T  # (P, S)
    r0e = e_pts @ r_src.T
    a = np.sqrt(np.maximum(rn * rn + r0n2 - 2.0 * rr0, 0.0))
    ar = rn * rn - rr0  # a·r
    ar0 = ar / a
    F = a * (rn * a + ar)
    inv_F = 1.0 / F
    gr = a * a / rn + ar0 + 2.0 * (a + rn)
    g0 = a + 2.0 * rn + ar0
    g = (g0 * r0e - gr * re) * (inv_F * inv_F)
    H = [e_pts[:, n, None] * inv_F + r_pts[:, n, None] * g for n in range(3)]
    x, y, z = r_src[:, 0], r_src[:, 1], r_src[:, 2]
    out = np.empty((*rr0.shape, 3))
    out[:, :, 0] = y * H[2] - z * H[1]
    out[:, :, 1] = z * H[0] - x * H[2]
    out[:, :, 2] = x * H[1] - y * H[0]
    out[:, r0n2[0] <= 1e-20, :] = 0.0
    return out


def _sphere_lead_field(r_src, r_pts, e_pts, W) -> np.ndarray:
    """Free-orientation lead field (n_channels, 3 n_src).

    W is None (one point per channel, unit weights) or a sparse (n_channels, n_points) matrix of
    integration weights.
    """
    n_src, n_pts = r_src.shape[0], r_pts.shape[0]
    n_ch = n_pts if W is None else W.shape[0]
    G = np.empty((n_ch, 3 * n_src))
    step = max(1, _CHUNK_ELEMENTS // max(n_pts, 1))
    for s0 in range(0, n_src, step):  # blocks of sources bound the memory; work is vectorised
        s1 = min(s0 + step, n_src)
        K = _sphere_kernel(r_src[s0:s1], r_pts, e_pts).reshape(n_pts, 3 * (s1 - s0))
        G[:, 3 * s0:3 * s1] = K if W is None else W @ K
    G *= MU0_OVER_4PI
    return G


def lead_field(r_sources, r_sensors, normals, center=(0, 0, 0)) -> np.ndarray:
    """Sphere-model lead field of point magnetometers.

    Parameters
    ----------
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Source positions in m (head frame), inside the conductor.
    r_sensors : array_like, shape (n_sensors, 3)
        Point-magnetometer positions in m; each farther from ``center`` than every source.
    normals : array_like, shape (n_sensors, 3)
        Sensing directions (normalised internally).
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m.

    Returns
    -------
    G : ndarray, shape (n_sensors, 3 * n_sources)
        Lead field in T/(A·m); column ``3k + j`` is B·n for a unit dipole at source ``k`` along
        axis ``j`` (x, y, z), MNE's free-orientation column order.

    Raises
    ------
    ValueError
        If shapes disagree, a normal is zero, or a sensor is not outside every source.

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11; MNE-Python ``_do_sphere_field`` (identical to round-off
    with ``make_sphere_model(r0=center, head_radius=None)`` and coil type 2000).
    """
    c = check_vec3("center", center, unit="m")
    src = check_points("r_sources", r_sources) - c
    pts = check_points("r_sensors", r_sensors) - c
    nrm = check_points("normals", normals, unit="")
    if nrm.shape != pts.shape:
        raise ValueError(f"normals must have the shape of r_sensors {pts.shape}, got {nrm.shape}")
    lengths = np.linalg.norm(nrm, axis=1)
    if np.any(lengths == 0):
        raise ValueError(f"normals must be non-zero, got a zero vector at sensor "
                         f"{int(np.flatnonzero(lengths == 0)[0])}")
    check_sensors_outside(pts, src)
    return _sphere_lead_field(src, pts, nrm / lengths[:, None], None)


def sensor_lead_field(r_sources, sensors: SensorArray, center=(0, 0, 0)) -> np.ndarray:
    """Sphere-model lead field of any sensor array, with coil integration.

    Each channel output is :math:`\\sum_p w_p\\,\\mathbf B(\\mathbf r_p)\\cdot\\mathbf n_p` over
    the array's integration points; with the Vectorview or CTF arrays (MNE's "accurate" points)
    this reproduces ``mne.make_forward_solution`` with ``make_sphere_model(r0=center,
    head_radius=None)``.

    Parameters
    ----------
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Source positions in m.
    sensors : SensorArray
        The channels, e.g. :func:`~neurocourse.meg.sensors.vectorview_array`.
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m.

    Returns
    -------
    G : ndarray, shape (n_channels, 3 * n_sources)
        Lead field; rows of magnetometers and axial gradiometers in T/(A·m), of planar
        gradiometers in T/(m·A·m). Column ``3k + j`` as in :func:`lead_field`.

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11; MNE-Python ``_do_sphere_field`` and
    ``doc/_includes/forward.rst`` (coil integration).
    """
    if not isinstance(sensors, SensorArray):
        raise ValueError(f"sensors must be a SensorArray, got {type(sensors).__name__}")
    c = check_vec3("center", center, unit="m")
    src = check_points("r_sources", r_sources) - c
    pts = sensors.points - c
    check_sensors_outside(pts, src)
    W = sparse.csr_matrix((sensors.weights, (sensors.channel_of_point,
                                           np.arange(sensors.weights.size))),
                          shape=(sensors.n_channels, sensors.weights.size))
    return _sphere_lead_field(src, pts, sensors.point_normals, W)


def fixed_orientation(G, normals) -> np.ndarray:
    """Project a free-orientation lead field onto one orientation per source.

    :math:`G^{\\text{fixed}}_{:,k} = \\sum_j G_{:,3k+j}\\,n_{kj}`.

    Parameters
    ----------
    G : array_like, shape (n_channels, 3 * n_sources)
        Free-orientation lead field (any unit per A·m).
    normals : array_like, shape (n_sources, 3)
        Source orientations (e.g. outward cortical normals), normalised internally.

    Returns
    -------
    G_fixed : ndarray, shape (n_channels, n_sources)
        Lead field for unit dipoles along ``normals``, same unit as ``G``.

    References
    ----------
    MNE-Python ``convert_forward_solution(..., surf_ori=True, force_fixed=True)``.
    """
    G = as_finite("G", G)
    n = check_points("normals", normals, unit="")
    if G.ndim != 2 or G.shape[1] != 3 * n.shape[0]:
        raise ValueError(f"G must have shape (n_channels, {3 * n.shape[0]}) for {n.shape[0]} "
                         f"normals, got {G.shape}")
    lengths = np.linalg.norm(n, axis=1)
    if np.any(lengths == 0):
        raise ValueError("normals must be non-zero vectors")
    n = n / lengths[:, None]
    return np.einsum("ckj,kj->ck", G.reshape(G.shape[0], -1, 3), n)


def apply_forward(G, j) -> np.ndarray:
    """Sensor data of a source distribution by superposition, :math:`\\mathbf b = G\\,\\mathbf j`.

    Parameters
    ----------
    G : array_like, shape (n_channels, n_columns)
        Lead field (free: n_columns = 3 n_sources, moments ordered x, y, z per source; or fixed).
    j : array_like, shape (n_columns,) or (n_columns, n_times)
        Source amplitudes in A·m.

    Returns
    -------
    b : ndarray, shape (n_channels,) or (n_channels, n_times)
        Sensor data in the units of ``G`` times A·m (T or T/m).

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413; Mosher, Leahy & Lewis (1999) IEEE TBME 46:245.
    """
    G = as_finite("G", G)
    jj = as_finite("j", j, unit="A·m")
    if G.ndim != 2 or jj.ndim not in (1, 2) or jj.shape[0] != G.shape[1]:
        raise ValueError(f"j must have {G.shape[1] if G.ndim == 2 else '?'} rows to match G "
                         f"{G.shape}, got {jj.shape}")
    return G @ jj


def helmet_maps(r0, q, sensors=None, center=(0, 0, 0)) -> dict:
    """Magnetometer readings (T) and gradiometer-pair amplitudes (T/m) of one dipole on a helmet.

    Sphere-model forward (:func:`sensor_lead_field`, coil integration included) of a single
    dipole, split into the display quantities of a Vectorview-type helmet: the magnetometer
    outputs, and at each planar-gradiometer site the root sum of squares of the two orthogonal
    gradiometers (orientation-independent).

    Parameters
    ----------
    r0 : array_like, shape (3,)
        Dipole position in m.
    q : array_like, shape (3,)
        Moment in A·m.
    sensors : SensorArray, optional
        An array with magnetometers and paired planar gradiometers; default
        :func:`~neurocourse.meg.sensors.vectorview_array` (102 of each kind and pair).
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m (the Vectorview helmet origin by default).

    Returns
    -------
    dict
        ``mag_pos`` (n_mag, 3) m, ``mag`` (n_mag,) T, ``grad_pos`` (n_sites, 3) m (position of the
        first gradiometer of each pair), ``grad`` (n_sites,) T/m (root sum of squares of each
        orthogonal pair).

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11; Ahonen et al. (1993) Phys Scr T49:198 (the Vectorview
    sensor element and its paired planar gradiometers).
    """
    r0 = check_vec3("r0", r0, unit="m")
    q = check_vec3("q", q, unit="A·m")
    arr = vectorview_array() if sensors is None else sensors
    if not isinstance(arr, SensorArray):
        raise ValueError(f"sensors must be a SensorArray, got {type(arr).__name__}")
    b = apply_forward(sensor_lead_field(np.atleast_2d(r0), arr, center), q)
    mags = arr.picks("mag")
    pairs = gradiometer_pairs(arr)
    return {
        "mag_pos": arr.positions[mags], "mag": b[mags],
        "grad_pos": arr.positions[pairs[:, 0]], "grad": np.hypot(b[pairs[:, 0]], b[pairs[:, 1]]),
    }
