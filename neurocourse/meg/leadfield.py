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

_CHUNK_ELEMENTS = 100_000  # points × sources per block: 0.8 MB per (P, S) buffer, about L2-sized
_SERIAL_GEMM = 50_000  # rows × columns of one small-k product; with k = 5 below OpenBLAS's
# multithreading threshold (m·n·k <= 65536·4), so the product runs on one thread: on a shared,
# loaded machine a threaded GEMM this small spends more time waiting for its threads than computing


def _point_factors(r_pts: np.ndarray, e_pts: np.ndarray, cross_rows: bool) -> np.ndarray:
    """Left factor L, shape (3 P, 5) or (9 P, 5), of the per-(point, source) geometry.

    With a right factor holding :math:`(x_0, y_0, z_0, 1, r_0^2)` per source (m, m, m, 1, m²),
    the blocks of P rows of ``L @ R`` are :math:`a^2 = r^2 - 2\\mathbf r\\cdot\\mathbf r_0 +
    r_0^2`, :math:`\\mathbf a\\cdot\\mathbf r = r^2 - \\mathbf r\\cdot\\mathbf r_0` and
    :math:`d = (\\mathbf r_0 - \\mathbf r)\\cdot\\mathbf e` (all m², :math:`\\mathbf a =
    \\mathbf r - \\mathbf r_0`); with ``cross_rows`` six more blocks give
    :math:`10^{-7}(\\mathbf r_0\\times\\mathbf e)_j` (m) and :math:`10^{-7}(\\mathbf r_0\\times
    \\mathbf r)_j` (m²), j = x, y, z, the factor μ0/4π folded in.
    """
    n = r_pts.shape[0]
    rn2 = np.einsum("pi,pi->p", r_pts, r_pts)
    L = np.zeros((9 * n if cross_rows else 3 * n, 5))
    L[:n, :3] = -2.0 * r_pts
    L[:n, 3] = rn2
    L[:n, 4] = 1.0
    L[n:2 * n, :3] = -r_pts
    L[n:2 * n, 3] = rn2
    L[2 * n:3 * n, :3] = e_pts
    L[2 * n:3 * n, 3] = -np.einsum("pi,pi->p", r_pts, e_pts)
    if cross_rows:  # (r0 × u)_j = sum_k r0_k (e_k × u)_j
        for b, u in enumerate((e_pts, r_pts)):
            for k in range(3):
                ek_x_u = MU0_OVER_4PI * np.cross(np.eye(3)[k], u)  # (P, 3)
                for j in range(3):
                    L[(3 + 3 * b + j) * n:(4 + 3 * b + j) * n, k] = ek_x_u[:, j]
    return L


def _integration_operator(W, r_pts: np.ndarray, e_pts: np.ndarray) -> sparse.csr_matrix:
    """Sparse M, shape (3 C, 2 P): ``M @ [1/F; g]`` is the coil-integrated H, component-major.

    Row ``n C + c`` holds :math:`10^{-7} w_p e_{p,n}` in column ``p`` and
    :math:`10^{-7} w_p r_{p,n}` in column ``P + p`` for the points ``p`` of channel ``c``, so
    that :math:`H_{c,n} = 10^{-7}\\sum_p w_p (e_{p,n}/F_p + r_{p,n} g_p)` (T/(A·m²) times the
    weight unit; μ0/4π folded in).
    """
    coo = W.tocoo()
    rows, cols, w, n_ch = coo.row, coo.col, MU0_OVER_4PI * coo.data, W.shape[0]
    n_pts = r_pts.shape[0]
    M_rows = np.concatenate([rows + n * n_ch for n in range(3)] * 2)
    M_cols = np.concatenate([cols] * 3 + [cols + n_pts] * 3)
    M_vals = np.concatenate([w * e_pts[cols, n] for n in range(3)]
                            + [w * r_pts[cols, n] for n in range(3)])
    return sparse.csr_matrix((M_vals, (M_rows, M_cols)), shape=(3 * n_ch, 2 * n_pts))


def _inv_F_and_g(Y, rn, two_rn, inv_rn, re, inv_F, g, a, t) -> None:
    """1/F (1/m³) and g (1/m⁴) of Sarvas' formula, in place, for a block of (point, source) pairs.

    ``Y`` holds the first three blocks of :func:`_point_factors` times the source factor;
    ``rn``, ``two_rn``, ``inv_rn`` and ``re`` are |r| (m), 2|r| (m), 1/|r| (1/m) and r·e (m) as
    (P, 1) columns; ``a`` and ``t`` are (P, m) scratch buffers. :math:`F = a(ra + \\mathbf a\\cdot\\mathbf r)` and
    :math:`gF^2 = g_0\\,\\mathbf r_0\\cdot\\mathbf e - g_r\\,\\mathbf r\\cdot\\mathbf e` with
    MNE's :math:`g_0 = a + 2r + \\mathbf a\\cdot\\mathbf r/a` and :math:`g_r = g_0 + a^2/r + a`,
    i.e. :math:`gF^2 = g_0 d - (a^2/r + a)\\,\\mathbf r\\cdot\\mathbf e`.
    """
    n = rn.shape[0]
    a2, ar, d = Y[:n], Y[n:2 * n], Y[2 * n:3 * n]
    np.sqrt(a2, out=a)
    np.multiply(a2, rn, out=inv_F)  # F = r a² + a (a·r)
    np.multiply(a, ar, out=t)
    inv_F += t
    np.divide(1.0, inv_F, out=inv_F)
    np.divide(ar, a, out=g)  # g0 = a·r/a + a + 2r
    g += a
    g += two_rn
    g *= d
    np.multiply(a2, inv_rn, out=t)
    t += a
    t *= re
    g -= t
    g *= inv_F
    g *= inv_F


def _sphere_lead_field(r_src, r_pts, e_pts, W) -> np.ndarray:
    """Free-orientation lead field (n_channels, 3 n_src) in T/(A·m); positions relative to the centre.

    W is None (one point per channel, unit weights) or a sparse (n_channels, n_points) matrix of
    integration weights. Sarvas' field of a unit dipole along axis j at r0, seen by a point r
    with normal e, is :math:`10^{-7}(\\mathbf r_0\\times\\mathbf H)_j` with
    :math:`\\mathbf H = \\mathbf e/F + \\mathbf r\\,g`. Per (point, source) pair only the two
    scalars 1/F and g are computed (:func:`_inv_F_and_g`), from one k = 5 GEMM per block of
    sources. Point sensors combine them with the GEMM's :math:`\\mathbf r_0\\times\\mathbf e` and
    :math:`\\mathbf r_0\\times\\mathbf r` rows. For coils, r0 belongs to the source only, so the
    integration commutes with the cross product: one sparse product
    (:func:`_integration_operator`) sums 1/F and g to the channels' H, and r0 × H is taken on
    the (C, S) result. No (P, S, 3) array is formed; the buffers are reused across blocks and
    every block-sized operation is in place (a fresh block-sized temporary costs a page-faulting
    allocation each time, measured as much as the arithmetic on a loaded machine).
    """
    n_src, n_pts = r_src.shape[0], r_pts.shape[0]
    direct = W is None
    L = _point_factors(r_pts, e_pts, cross_rows=direct)
    R = np.empty((5, n_src))  # right factor: rows (x0, y0, z0, 1, r0²)
    R[:3] = r_src.T
    R[3] = 1.0
    R[4] = np.einsum("si,si->s", r_src, r_src)
    rn = np.sqrt(L[n_pts:2 * n_pts, 3])[:, None]  # |r| in m, (P, 1)
    two_rn, inv_rn = 2.0 * rn, 1.0 / rn
    re = -L[2 * n_pts:3 * n_pts, 3:4]  # r·e in m, (P, 1)
    step = max(1, min(n_src, _CHUNK_ELEMENTS // max(n_pts, 1)))
    Y = np.empty((L.shape[0], step))
    X = np.empty((2 * n_pts, step))  # 1/F (1/m³) over g (1/m⁴)
    a, t = np.empty((n_pts, step)), np.empty((n_pts, step))
    if direct:
        n_ch = n_pts
    else:
        M = _integration_operator(W, r_pts, e_pts)
        n_ch = W.shape[0]
        c = np.empty((n_ch, step))
    G = np.empty((n_ch, n_src, 3))
    rows = max(1, _SERIAL_GEMM // step)
    for s0 in range(0, n_src, step):  # blocks of sources bound the memory; work is vectorised
        s1 = min(s0 + step, n_src)
        m = s1 - s0
        Yb, Rb, Gb = Y[:, :m], R[:, s0:s1], G[:, s0:s1]
        for p0 in range(0, L.shape[0], rows):
            np.matmul(L[p0:p0 + rows], Rb, out=Yb[p0:p0 + rows])
        inv_F, g, tb = X[:n_pts, :m], X[n_pts:, :m], t[:, :m]
        _inv_F_and_g(Yb, rn, two_rn, inv_rn, re, inv_F, g, a[:, :m], tb)
        if direct:  # G_j = 1e-7 [(r0 × e)_j / F + (r0 × r)_j g]
            for j in range(3):
                v1 = Yb[(3 + j) * n_pts:(4 + j) * n_pts]
                v2 = Yb[(6 + j) * n_pts:(7 + j) * n_pts]
                np.multiply(v1, inv_F, out=Gb[..., j])
                np.multiply(v2, g, out=tb)
                Gb[..., j] += tb
            continue
        H = (M @ X[:, :m]).reshape(3, n_ch, m)  # 1e-7 × coil-integrated H
        x, y, z = Rb[0], Rb[1], Rb[2]
        cb = c[:, :m]
        for j, (k, n, u, v) in enumerate(((2, 1, y, z), (0, 2, z, x), (1, 0, x, y))):
            np.multiply(H[k], u, out=Gb[..., j])  # G = r0 × H, written into G directly
            np.multiply(H[n], v, out=cb)
            Gb[..., j] -= cb
    G[:, R[4] <= 1e-20, :] = 0.0  # dipoles within 1e-10 m of the centre: zero, as in MNE
    return G.reshape(n_ch, 3 * n_src)


def lead_field(r_sources, r_sensors, normals, center=(0, 0, 0)) -> np.ndarray:
    """Sphere-model lead field of point magnetometers.

    Parameters
    ----------
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Source positions in m (head frame), inside the conductor.
    r_sensors : array_like, shape (n_sensors, 3)
        Point-magnetometer positions in m; each farther from ``center`` than every source.
    normals : array_like, shape (n_sensors, 3)
        Sensing directions, dimensionless (normalised internally to unit vectors).
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
        Source orientations (e.g. outward cortical normals), dimensionless, normalised
        internally to unit vectors.

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
