"""MEG sensors: coil definitions with integration points, and sensor arrays (helmets).

A channel's output is :math:`b_k = \\sum_p w_{kp}\\,\\mathbf B(\\mathbf r_{kp})\\cdot\\mathbf n_{kp}`
(MNE-Python, ``doc/_includes/forward.rst``). Integration points and normals are defined in coil
coordinates and moved to the channel pose with the 12-value ``loc`` vector
:math:`(\\mathbf r_0, \\mathbf e_x, \\mathbf e_y, \\mathbf e_z)`:
:math:`\\mathbf r = \\mathbf r_0 + x\\mathbf e_x + y\\mathbf e_y + z\\mathbf e_z`.

The coil definitions (accuracy "accurate", the set ``mne.make_forward_solution`` uses) and the
Vectorview and CTF-275 helmet geometries are read from JSON files in ``neurocourse/data`` that
``tools/make_meg_helmets.py`` derived once from MNE-Python 1.13 (``mne/data/coil_def.dat`` and
``mne.channels.read_meg_canonical_info``); MNE is not needed at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from neurocourse._validation import check_option, check_points, check_positive

_DATA = Path(__file__).resolve().parents[1] / "data"

COIL_CLASSES = {1: "mag", 2: "axial_grad", 3: "planar_grad"}
"""Coil class number in coil_def.dat → channel kind."""


# --------------------------------------------------------------------------------------------
# coil definitions
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class CoilDefinition:
    """Integration rule of one coil type, in coil coordinates.

    Attributes
    ----------
    coil_type : int
        MNE/FIFF coil type (e.g. 3012 Vectorview planar gradiometer, 3024 Vectorview
        magnetometer, 5001 CTF axial gradiometer, 2000 point magnetometer).
    kind : str
        ``"mag"``, ``"planar_grad"`` or ``"axial_grad"``.
    description : str
        Human-readable description.
    size : float
        Coil size in m (side of the square, or diameter).
    baseline : float
        Gradiometer baseline in m (0 for magnetometers).
    weights : ndarray, shape (n_points,)
        Weights: dimensionless for magnetometers and axial gradiometers (output in T), in 1/m
        for planar gradiometers (output in T/m).
    points : ndarray, shape (n_points, 3)
        Integration points in coil coordinates, m.
    normals : ndarray, shape (n_points, 3)
        Unit normals at the points, coil coordinates.
    """

    coil_type: int
    kind: str
    description: str
    size: float
    baseline: float
    weights: np.ndarray
    points: np.ndarray
    normals: np.ndarray

    @property
    def unit(self) -> str:
        """Output unit of a channel with this coil: ``"T/m"`` for planar gradiometers, else T."""
        return "T/m" if self.kind == "planar_grad" else "T"


@cache
def _coil_library() -> dict:
    text = (_DATA / "meg_coil_defs.json").read_text()
    return json.loads(text)


@cache
def _helmet_library() -> dict:
    text = (_DATA / "meg_helmets.json").read_text()
    return json.loads(text)


def coil_types() -> tuple[int, ...]:
    """Coil types available from the stored MNE coil definitions.

    Returns
    -------
    tuple of int
        FIFF coil types (e.g. 2000, 3012, 3024, 5001, 8001).
    """
    return tuple(sorted(int(k) for k in _coil_library()["coils"]))


def coil_definition(coil_type: int) -> CoilDefinition:
    """Return the "accurate" integration rule of a coil type, as in MNE's ``coil_def.dat``.

    Parameters
    ----------
    coil_type : int
        FIFF coil type, one of :func:`coil_types`.

    Returns
    -------
    CoilDefinition
        Weights, points (m) and unit normals in coil coordinates.

    References
    ----------
    MNE-Python ``mne/data/coil_def.dat`` (accuracy 2) and ``_read_coil_def_file`` (normals are
    normalised to unit length).
    """
    lib = _coil_library()["coils"]
    d = lib[str(check_option("coil_type", int(coil_type) if np.ndim(coil_type) == 0 else coil_type, coil_types()))]
    n = np.asarray(d["n"], dtype=float)
    return CoilDefinition(
        coil_type=int(coil_type), kind=COIL_CLASSES[d["class"]], description=d["description"],
        size=float(d["size"]), baseline=float(d["baseline"]),
        weights=np.asarray(d["w"], dtype=float), points=np.asarray(d["r"], dtype=float),
        normals=n / np.linalg.norm(n, axis=1, keepdims=True),
    )


def square_magnetometer_coil(side, n_grid=4, z_offset=0.0, coil_type=-1) -> CoilDefinition:
    """A square magnetometer loop integrated on an ``n_grid × n_grid`` midpoint grid.

    The flux through a flat square loop of side ``s`` divided by its area is approximated by the
    mean of :math:`B_z` at the centres of ``n_grid²`` equal sub-squares (weights
    ``1/n_grid²``). With ``side=0.021, n_grid=4, z_offset=3e-4`` this is exactly MNE's
    Vectorview T3 magnetometer (coil 3024, accurate).

    Parameters
    ----------
    side : float
        Side of the square in m (> 0).
    n_grid : int, default 4
        Points per side (>= 1).
    z_offset : float, default 0
        Height of the integration plane above the coil origin, m.
    coil_type : int, default -1
        Label for the generated coil (-1 = user-defined).

    Returns
    -------
    CoilDefinition
        Output in T (mean normal field over the loop).

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. IV; MNE ``coil_def.dat`` (3024).
    """
    s = float(check_positive("side", side, unit="m"))
    n = int(n_grid)
    if n < 1:
        raise ValueError(f"n_grid must be >= 1, got {n_grid!r}")
    c = (np.arange(n) + 0.5) * s / n - s / 2
    xx, yy = np.meshgrid(c, c, indexing="ij")
    pts = np.column_stack([xx.ravel(), yy.ravel(), np.full(n * n, float(z_offset))])
    return CoilDefinition(
        coil_type=int(coil_type), kind="mag", description=f"square magnetometer {s * 1e3:g} mm",
        size=s, baseline=0.0, weights=np.full(n * n, 1.0 / (n * n)), points=pts,
        normals=np.tile([0.0, 0.0, 1.0], (n * n, 1)),
    )


def planar_gradiometer_coil(side, baseline, n_grid=2, z_offset=0.0,
                            coil_type=-1) -> CoilDefinition:
    """A first-order planar gradiometer: two coplanar loops along x, output (B₊ − B₋)/baseline.

    Each of the two loops (centres at ±baseline/2 on x) is integrated on an ``n_grid × n_grid``
    midpoint grid of a square of side ``side``; weights are ``±1/(n_grid² · baseline)`` so the
    output approximates :math:`\\partial B_z/\\partial x` in T/m.

    Parameters
    ----------
    side : float
        Side of each loop, m (> 0).
    baseline : float
        Distance between the loop centres, m (> 0).
    n_grid : int, default 2
        Points per side of each loop.
    z_offset : float, default 0
        Height of the integration plane, m.
    coil_type : int, default -1
        Label for the generated coil.

    Returns
    -------
    CoilDefinition
        Output in T/m.

    References
    ----------
    Hämäläinen et al. (1993) Rev Mod Phys 65:413, sec. IV.A; Ahonen et al. (1993) Phys Scr T49:198.
    """
    b = float(check_positive("baseline", baseline, unit="m"))
    loop = square_magnetometer_coil(side, n_grid, z_offset)
    m = loop.points.shape[0]
    shift = np.array([b / 2, 0.0, 0.0])
    pts = np.vstack([loop.points + shift, loop.points - shift])
    w = np.concatenate([np.full(m, 1.0 / (m * b)), np.full(m, -1.0 / (m * b))])
    return CoilDefinition(
        coil_type=int(coil_type), kind="planar_grad",
        description=f"planar gradiometer {loop.size * 1e3:g} mm, baseline {b * 1e3:g} mm",
        size=loop.size, baseline=b, weights=w, points=pts, normals=np.tile([0.0, 0, 1], (2 * m, 1)),
    )


def axial_gradiometer_coil(diameter, baseline, n_ring=6, coil_type=-1) -> CoilDefinition:
    """A first-order axial gradiometer: pickup loop at z=0 minus compensation loop at z=baseline.

    Each circular loop is integrated with its centre (weight 1/4) and ``n_ring`` points on a ring
    of radius :math:`\\sqrt{2/3}\\,(d/2)` (weights 3/(4·n_ring)), the 7-point disc rule MNE uses
    for the CTF coil (5001) when ``n_ring=6``; the compensation loop has negative weights.

    Parameters
    ----------
    diameter : float
        Loop diameter, m (> 0).
    baseline : float
        Distance between the loops along the normal, m (> 0).
    n_ring : int, default 6
        Points on the ring.
    coil_type : int, default -1
        Label for the generated coil.

    Returns
    -------
    CoilDefinition
        Output in T.

    References
    ----------
    Abramowitz & Stegun (1964) 25.4.61 (7-point disc rule); MNE ``coil_def.dat`` (5001).
    """
    d = float(check_positive("diameter", diameter, unit="m"))
    b = float(check_positive("baseline", baseline, unit="m"))
    k = int(n_ring)
    ang = 2 * np.pi * np.arange(k) / k
    rho = np.sqrt(2.0 / 3.0) * d / 2
    ring = np.column_stack([rho * np.cos(ang), rho * np.sin(ang), np.zeros(k)])
    disc = np.vstack([[0.0, 0.0, 0.0], ring])
    wd = np.concatenate([[0.25], np.full(k, 0.75 / k)])
    pts = np.vstack([disc, disc + np.array([0.0, 0.0, b])])
    return CoilDefinition(
        coil_type=int(coil_type), kind="axial_grad",
        description=f"axial gradiometer {d * 1e3:g} mm, baseline {b * 1e3:g} mm",
        size=d, baseline=b, weights=np.concatenate([wd, -wd]), points=pts,
        normals=np.tile([0.0, 0, 1], (2 * (k + 1), 1)),
    )


# --------------------------------------------------------------------------------------------
# sensor arrays
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SensorArray:
    """A set of MEG channels with their integration points (head frame, SI units).

    Attributes
    ----------
    names : tuple of str
        Channel names.
    kinds : tuple of str
        ``"mag"``, ``"planar_grad"`` or ``"axial_grad"`` per channel.
    coil_types : ndarray of int, shape (n_channels,)
        Coil type per channel.
    positions : ndarray, shape (n_channels, 3)
        Coil origins :math:`\\mathbf r_0` in m.
    orientations : ndarray, shape (n_channels, 3, 3)
        Rows :math:`\\mathbf e_x, \\mathbf e_y, \\mathbf e_z`; :math:`\\mathbf e_z` is the normal.
    points : ndarray, shape (n_points, 3)
        All integration points in m.
    point_normals : ndarray, shape (n_points, 3)
        Unit normals at the points.
    weights : ndarray, shape (n_points,)
        Integration weights (1/m for planar gradiometers).
    channel_of_point : ndarray of int, shape (n_points,)
        Channel index of each integration point.
    """

    names: tuple
    kinds: tuple
    coil_types: np.ndarray
    positions: np.ndarray
    orientations: np.ndarray
    points: np.ndarray
    point_normals: np.ndarray
    weights: np.ndarray
    channel_of_point: np.ndarray

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.names)

    @property
    def normals(self) -> np.ndarray:
        """Channel normals :math:`\\mathbf e_z`, shape (n_channels, 3)."""
        return self.orientations[:, 2, :]

    @property
    def units(self) -> tuple:
        """Output unit per channel: ``"T/m"`` for planar gradiometers, ``"T"`` otherwise."""
        return tuple("T/m" if k == "planar_grad" else "T" for k in self.kinds)

    def picks(self, kind: str) -> np.ndarray:
        """Indices of the channels of one kind (``"mag"``, ``"planar_grad"``, ``"axial_grad"``)."""
        check_option("kind", kind, tuple(COIL_CLASSES.values()))
        return np.flatnonzero(np.asarray(self.kinds) == kind)

    def integration_matrix(self) -> np.ndarray:
        """Dense (n_channels, n_points) matrix W with ``b = W @ (B(points)·normals)``."""
        W = np.zeros((self.n_channels, self.points.shape[0]))
        W[self.channel_of_point, np.arange(self.points.shape[0])] = self.weights
        return W

    def subset(self, idx) -> SensorArray:
        """A new array with the channels ``idx`` (integer indices), in that order."""
        idx = np.asarray(idx, dtype=int).ravel()
        if idx.size and (idx.min() < -self.n_channels or idx.max() >= self.n_channels):
            raise ValueError(f"idx must be in [0, {self.n_channels - 1}], got {idx.tolist()}")
        idx = idx % self.n_channels if idx.size else idx
        order = np.concatenate([np.flatnonzero(self.channel_of_point == i) for i in idx]) \
            if idx.size else np.zeros(0, int)
        new_ch = np.repeat(np.arange(idx.size), [np.sum(self.channel_of_point == i) for i in idx])
        return SensorArray(
            names=tuple(self.names[i] for i in idx), kinds=tuple(self.kinds[i] for i in idx),
            coil_types=self.coil_types[idx], positions=self.positions[idx],
            orientations=self.orientations[idx], points=self.points[order],
            point_normals=self.point_normals[order], weights=self.weights[order],
            channel_of_point=new_ch,
        )


def gradiometer_pairs(sensors: SensorArray) -> np.ndarray:
    """Pairs of orthogonal planar gradiometers that share a site (Vectorview layout).

    Two planar gradiometers form a pair when their coil origins coincide (within 1 µm).
    The root of the sum of squares of a pair is the usual orientation-independent display of
    planar-gradiometer data.

    Parameters
    ----------
    sensors : SensorArray
        An array with planar gradiometers, e.g. :func:`vectorview_array`.

    Returns
    -------
    pairs : ndarray of int, shape (n_sites, 2)
        Channel indices of the two gradiometers at each site, in channel order.

    References
    ----------
    Ahonen et al. (1993) Phys Scr T49:198 (the Vectorview sensor element).
    """
    idx = sensors.picks("planar_grad")
    pos = np.round(sensors.positions[idx] * 1e6).astype(np.int64)  # µm grid
    _, inverse, counts = np.unique(pos, axis=0, return_inverse=True, return_counts=True)
    if idx.size == 0 or np.any(counts != 2):
        raise ValueError("sensors must hold planar gradiometers in pairs at shared sites, got "
                         f"{idx.size} gradiometers at sites with counts {sorted(set(counts))}")
    order = np.argsort(inverse.ravel(), kind="stable")
    pairs = idx[order].reshape(-1, 2)
    return pairs[np.argsort(pairs[:, 0])]


def _orthonormal_frames(normals: np.ndarray) -> np.ndarray:
    """Right-handed frames (ex, ey, ez) with ez = normal; ex chosen perpendicular to z if possible."""
    ez = normals / np.linalg.norm(normals, axis=1, keepdims=True)
    helper = np.where(np.abs(ez[:, 2:3]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    ex = np.cross(helper, ez)
    ex /= np.linalg.norm(ex, axis=1, keepdims=True)
    ey = np.cross(ez, ex)
    return np.stack([ex, ey, ez], axis=1)


def make_sensor_array(positions, orientations, coils, names=None) -> SensorArray:
    """Place coils at channel poses and collect their integration points.

    Parameters
    ----------
    positions : array_like, shape (n_channels, 3)
        Coil origins :math:`\\mathbf r_0` in m.
    orientations : array_like, shape (n_channels, 3, 3) or (n_channels, 3)
        Either full frames (rows ex, ey, ez of unit vectors; ez the normal) or only the normals,
        from which a right-handed frame is built; dimensionless.
    coils : int, CoilDefinition, or sequence of these (length n_channels)
        Coil type(s) from :func:`coil_types` or coil definitions.
    names : sequence of str, optional
        Channel names (default ``"MEG001"``, ...).

    Returns
    -------
    SensorArray

    References
    ----------
    MNE-Python ``_create_meg_coil`` and ``_loc_to_coil_trans`` (the ``loc`` convention).
    """
    pos = check_points("positions", positions)
    n_ch = pos.shape[0]
    ori = np.asarray(orientations, dtype=float)
    if ori.shape == (n_ch, 3):
        if np.any(np.linalg.norm(ori, axis=1) == 0):
            raise ValueError("orientations must be non-zero vectors")
        ori = _orthonormal_frames(ori)
    if ori.shape != (n_ch, 3, 3) or not np.all(np.isfinite(ori)):
        raise ValueError(f"orientations must have shape ({n_ch}, 3, 3) or ({n_ch}, 3) and be "
                         f"finite, got {ori.shape}")
    if isinstance(coils, (int, np.integer, CoilDefinition)):
        coils = [coils] * n_ch
    if len(coils) != n_ch:
        raise ValueError(f"coils must have length {n_ch} (one per channel), got {len(coils)}")
    defs: dict = {}
    per_ch = []
    for c in coils:  # resolve each distinct coil type once (a handful, not a loop over sensors)
        key = c if isinstance(c, CoilDefinition) else int(c)
        if key not in defs:
            defs[key] = c if isinstance(c, CoilDefinition) else coil_definition(c)
        per_ch.append(defs[key])
    counts = np.array([d.weights.size for d in per_ch])
    ch_of_pt = np.repeat(np.arange(n_ch), counts)
    local_pts = np.concatenate([d.points for d in per_ch])
    local_nrm = np.concatenate([d.normals for d in per_ch])
    frames = ori[ch_of_pt]  # (n_points, 3, 3), rows ex, ey, ez
    pts = pos[ch_of_pt] + np.einsum("pi,pij->pj", local_pts, frames)
    nrm = np.einsum("pi,pij->pj", local_nrm, frames)
    if names is None:
        names = [f"MEG{i + 1:03d}" for i in range(n_ch)]
    if len(names) != n_ch:
        raise ValueError(f"names must have length {n_ch}, got {len(names)}")
    return SensorArray(
        names=tuple(names), kinds=tuple(d.kind for d in per_ch),
        coil_types=np.array([d.coil_type for d in per_ch]), positions=pos, orientations=ori,
        points=pts, point_normals=nrm, weights=np.concatenate([d.weights for d in per_ch]),
        channel_of_point=ch_of_pt,
    )


def point_magnetometers(positions, normals, names=None) -> SensorArray:
    """Point magnetometers (MNE coil type 2000) at ``positions`` measuring B·normal.

    Parameters
    ----------
    positions : array_like, shape (n, 3)
        Sensor positions in m.
    normals : array_like, shape (n, 3)
        Sensing directions, dimensionless (normalised internally to unit vectors).
    names : sequence of str, optional
        Channel names.

    Returns
    -------
    SensorArray
        Output in T.

    References
    ----------
    MNE-Python ``coil_def.dat`` coil 2000.
    """
    return make_sensor_array(positions, normals, 2000, names)


def _from_helmet(key: str) -> SensorArray:
    h = _helmet_library()["helmets"][key]
    loc = np.asarray(h["loc"], dtype=float)
    frames = loc[:, 3:12].reshape(-1, 3, 3)  # rows ex, ey, ez
    return make_sensor_array(loc[:, :3], frames, h["coil_types"], h["names"])


def vectorview_array() -> SensorArray:
    """The 306-channel MEGIN/Elekta Vectorview helmet (102 magnetometers, 204 planar gradiometers).

    Geometry of ``mne.channels.read_meg_canonical_info('neuromag')`` (MNE 1.13, device frame
    used as head frame), coils 3024 and 3012 with MNE's accurate integration points.

    Returns
    -------
    SensorArray
        Channels in MNE's order (``MEG 0113``, ``MEG 0112``, ``MEG 0111``, ...).

    References
    ----------
    MNE-Python ``mne/channels/data/canonical_meg``; Ahonen et al. (1993) Phys Scr T49:198.
    """
    return _from_helmet("vectorview")


def ctf275_array() -> SensorArray:
    """A 274-channel CTF-type helmet of first-order axial gradiometers (coil 5001).

    Geometry of ``mne.channels.read_meg_canonical_info('ctf275')`` (MNE 1.13; the canonical
    file has 274 of the 275 channels), with MNE's accurate integration points; no reference
    channels or synthetic gradiometry.

    Returns
    -------
    SensorArray
        Output in T (pickup minus compensation coil 50 mm further out).

    References
    ----------
    MNE-Python ``mne/channels/data/canonical_meg``; Vrba & Robinson (2001) Methods 25:249.
    """
    return _from_helmet("ctf275")


def _fibonacci_cap(n: int, z_min: float) -> np.ndarray:
    """n nearly uniform unit vectors with z >= z_min (Fibonacci lattice on a spherical cap)."""
    k = np.arange(n) + 0.5
    z = 1 - (1 - z_min) * k / n
    phi = np.pi * (3 - np.sqrt(5)) * k
    rho = np.sqrt(1 - z**2)
    return np.column_stack([rho * np.cos(phi), rho * np.sin(phi), z])


def radial_magnetometers(n=100, radius=0.12, center=(0, 0, 0), z_min=-0.2,
                         coil=2000) -> SensorArray:
    """A toy helmet: magnetometers on a spherical cap, oriented radially.

    Parameters
    ----------
    n : int, default 100
        Number of sensors.
    radius : float, default 0.12
        Distance of the sensors from ``center`` in m (SQUID helmets sit about 0.11–0.125 m from
        the centre of an 0.08–0.09 m head).
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m.
    z_min : float, default -0.2
        Lowest cos(polar angle) covered, dimensionless, in (-1, 1).
    coil : int or CoilDefinition, default 2000
        Coil type (2000 = point magnetometer).

    Returns
    -------
    SensorArray

    References
    ----------
    González (2010) Math Geosci 42:49 (Fibonacci lattice).
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    R = float(check_positive("radius", radius, unit="m"))
    if not -1 < float(z_min) < 1:
        raise ValueError(f"z_min must be in (-1, 1), got {z_min!r}")
    c = np.asarray(center, dtype=float)
    u = _fibonacci_cap(n, float(z_min))
    return make_sensor_array(c + R * u, u, coil, [f"MAG{i + 1:03d}" for i in range(n)])


def opm_array(n=100, radius=0.095, center=(0, 0, 0), z_min=-0.2, coil=8001) -> SensorArray:
    """An on-scalp optically pumped magnetometer (OPM) array measuring the radial field.

    Same layout as :func:`radial_magnetometers` but a few millimetres from the scalp: with an
    0.09 m head, 0.095 m places the sensitive cells about 5 mm outside it, versus about 2–3 cm
    for a SQUID helmet.

    Parameters
    ----------
    n : int, default 100
        Number of sensors.
    radius : float, default 0.095
        Distance of the cells from ``center`` in m.
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m.
    z_min : float, default -0.2
        Lowest cos(polar angle) covered, dimensionless, in (-1, 1).
    coil : int or CoilDefinition, default 8001
        Coil type: 8001 is the QuSpin Gen1 OPM (0.7 mm cell) of MNE's coil_def.dat.

    Returns
    -------
    SensorArray

    References
    ----------
    Iivanainen, Stenroos & Parkkonen (2017) NeuroImage 147:542; Boto et al. (2018) Nature
    555:657.
    """
    arr = radial_magnetometers(n, radius, center, z_min, coil)
    return SensorArray(names=tuple(f"OPM{i + 1:03d}" for i in range(arr.n_channels)),
                       kinds=arr.kinds, coil_types=arr.coil_types, positions=arr.positions,
                       orientations=arr.orientations, points=arr.points,
                       point_normals=arr.point_normals, weights=arr.weights,
                       channel_of_point=arr.channel_of_point)
