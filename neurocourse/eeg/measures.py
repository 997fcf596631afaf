"""What the MEG-vs-EEG chapter measures: skull smearing, orientation sensitivity, conductivity
(in)dependence, forward errors from a wrong skull conductivity, SNR maps, and the Berg–Scherg
error.

Every function here combines the forward models of :mod:`neurocourse.eeg` (exact multi-shell
series) and :mod:`neurocourse.meg` (Sarvas) through :func:`neurocourse.forward.make_forward`; none
has physics of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ``neurocourse.forward`` builds on the eeg kernels, and these measures build on ``forward``: bind the
# module (not its names) so that either package can be imported first without a circular-import error.
from neurocourse import forward as _forward
from neurocourse._validation import (
    as_finite,
    check_int,
    check_option,
    check_points,
    check_positive,
    check_range,
    check_type,
)
from neurocourse.eeg.berg_scherg import berg_scherg_lead_field, fit_berg_scherg
from neurocourse.eeg.montage import Montage, electrode_grid, standard_montage
from neurocourse.eeg.reference import average_reference
from neurocourse.eeg.series import lead_field
from neurocourse.eeg.shells import ShellModel, three_shell
from neurocourse.meg.bem_multilayer import make_multilayer_bem
from neurocourse.meg.fields import dipole_source
from neurocourse.meg.mesh import ellipsoid
from neurocourse.meg.sensors import SensorArray, radial_magnetometers

__all__ = [
    "Asphericity",
    "NoiseLevels",
    "OrientationSensitivity",
    "Smearing",
    "asphericity_effect",
    "berg_scherg_error",
    "column_rdm_mag",
    "conductivity_error",
    "eeg_meg_maps",
    "half_max_arc",
    "meridian_potential",
    "noise_covariance",
    "orientation_sensitivity",
    "skull_smearing",
    "snr_map",
]

DEFAULT_RADII = (0.081, 0.085, 0.088)
"""Brain, skull and scalp radii (m) used throughout the chapter (a common three-shell choice)."""


def _default_meg(head: ShellModel) -> SensorArray:
    return radial_magnetometers(100, radius=head.radius + 0.025, center=head.center)


def _default_eeg(head: ShellModel) -> Montage:
    return electrode_grid(64, radius=head.radius, center=head.center)


def column_rdm_mag(G, G_ref):
    """RDM and MAG (Meijs et al. 1989) of every column of ``G`` against ``G_ref``.

    Parameters
    ----------
    G, G_ref : array_like, shape (n_channels, n_columns)
        Two lead fields (or sets of topographies) in the same unit.

    Returns
    -------
    rdm : ndarray, shape (n_columns,)
        :math:`\\|g/\\|g\\| - a/\\|a\\|\\|`, dimensionless, in [0, 2].
    mag : ndarray, shape (n_columns,)
        :math:`\\|g\\|/\\|a\\|`, a dimensionless ratio. Columns that are zero in both give RDM 0
        and MAG 1; a column
        zero in only one gives NaN (RDM) and 0 or inf (MAG).

    References
    ----------
    Meijs, Weier, Peters & van Oosterom (1989) IEEE TBME 36:1038 (the column-wise form of
    :func:`neurocourse.meg.bem.rdm` and :func:`neurocourse.meg.bem.mag_ratio`).
    """
    g = as_finite("G", G)
    a = as_finite("G_ref", G_ref)
    if g.shape != a.shape or g.ndim != 2:
        raise ValueError(f"G and G_ref must be 2-D of equal shape, got {g.shape} and {a.shape}")
    ng = np.linalg.norm(g, axis=0)
    na = np.linalg.norm(a, axis=0)
    silent = (ng == 0) & (na == 0)  # two silent topographies agree: RDM 0, MAG 1
    with np.errstate(divide="ignore", invalid="ignore"):
        rdm = np.linalg.norm(g / ng - a / na, axis=0)
        mag = ng / na
    return np.where(silent, 0.0, rdm), np.where(silent, 1.0, mag)


def meridian_potential(head: ShellModel, depth, orientation="radial", q=10e-9, n_angles=361):
    """Scalp potential along a meridian of a dipole under the vertex.

    The dipole sits at :math:`(0, 0, R - d)` relative to the centre; electrodes at polar angles
    :math:`\\theta\\in[0, \\pi]` in the x–z plane. A radial moment is along +z, a tangential one
    along +x (toward the electrodes at positive θ).

    Parameters
    ----------
    head : ShellModel
        The head.
    depth : float
        d, below the scalp in m; the dipole must be inside the innermost shell.
    orientation : {"radial", "tangential"}
        Direction of the moment.
    q : float, default 10e-9
        Moment in A·m (10 nA·m).
    n_angles : int, default 361
        Number of electrodes on the meridian (>= 3).

    Returns
    -------
    theta : ndarray, shape (n_angles,)
        Polar angles in rad.
    V : ndarray, shape (n_angles,)
        Potentials in V (reference at infinity).

    References
    ----------
    de Munck & Peters (1993) IEEE TBME 40:1166 (the series).
    """
    check_type("head", head, ShellModel)
    check_option("orientation", orientation, ("radial", "tangential"))
    d = float(check_range("depth", depth, 0.0, head.radius, low_inclusive=False,
                          high_inclusive=False, unit="m"))
    n = check_int("n_angles", n_angles, 3)
    th = np.linspace(0.0, np.pi, n)
    el = head.center + head.radius * np.column_stack([np.sin(th), np.zeros(n), np.cos(th)])
    r0 = head.center + np.array([0.0, 0.0, head.radius - d])
    mom = np.array([0.0, 0.0, q]) if orientation == "radial" else np.array([q, 0.0, 0.0])
    return th, lead_field(r0, el, head.radii, head.sigmas, head.center) @ mom


@dataclass(frozen=True)
class Smearing:
    """Scalp footprint of a dipole against the brain-to-skull conductivity ratio.

    Attributes
    ----------
    ratio : ndarray
        :math:`\\sigma_{brain}/\\sigma_{skull}`.
    peak : ndarray
        Radial dipole: potential under the dipole, V.
    half_width : ndarray
        Radial dipole: arc length on the scalp from the peak to where V falls to half of it, m.
    tangential_peak : ndarray
        Tangential dipole: largest potential on the meridian, V.
    extrema_separation : ndarray
        Tangential dipole: arc length between its positive and negative extrema, m (twice the
        arc from the vertex to the positive extremum, which is sampled every 180°/(n_angles-1)).
    """

    ratio: np.ndarray
    peak: np.ndarray
    half_width: np.ndarray
    tangential_peak: np.ndarray
    extrema_separation: np.ndarray


def half_max_arc(theta, V, radius) -> float:
    """Half-maximum radius of a topography sampled along a meridian from its peak.

    Parameters
    ----------
    theta : array_like, shape (n,)
        Increasing polar angles in rad, ``theta[0]`` at the peak.
    V : array_like, shape (n,)
        Values at ``theta`` (any unit), ``V[0] > 0`` the peak.
    radius : float
        Scalp radius in m.

    Returns
    -------
    float
        Arc length :math:`R\\,\\theta_{1/2}` in m, with :math:`\\theta_{1/2}` where V first falls
        to ``V[0] / 2``, linearly interpolated between the two samples around it.

    References
    ----------
    Nunez & Srinivasan (2006) *Electric Fields of the Brain* ch. 6 (half-width of scalp
    potentials as a measure of skull smearing).
    """
    th = as_finite("theta", theta, unit="rad")
    v = as_finite("V", V)
    R = float(check_positive("radius", radius, unit="m"))
    if th.ndim != 1 or v.shape != th.shape or th.size < 2:
        raise ValueError(f"theta and V must be 1-D of equal length >= 2, got {th.shape}, {v.shape}")
    if v[0] <= 0:
        raise ValueError(f"V[0] must be the (positive) peak, got {v[0]!r}")
    half = v[0] / 2.0
    below = np.flatnonzero(v <= half)
    if below.size == 0:
        raise ValueError("V never falls to half its peak over theta; extend the meridian")
    i = int(below[0])
    t = th[i - 1] + (v[i - 1] - half) / (v[i - 1] - v[i]) * (th[i] - th[i - 1])
    return R * float(t)


def skull_smearing(ratios, depth=0.02, radii=DEFAULT_RADII, sigma_brain=0.33, q=10e-9,
                   n_angles=721) -> Smearing:
    """Peak and width of the EEG topography against the brain-to-skull conductivity ratio.

    Parameters
    ----------
    ratios : array_like
        :math:`\\sigma_{brain}/\\sigma_{skull}`, dimensionless, each > 0 (1 = no skull contrast).
    depth : float, default 0.02
        Dipole depth below the scalp in m (inside the brain shell).
    radii : tuple, default (0.081, 0.085, 0.088)
        Brain, skull, scalp radii in m.
    sigma_brain : float, default 0.33
        Brain and scalp conductivity in S/m.
    q : float, default 10e-9
        Moment in A·m.
    n_angles : int, default 721
        Meridian sampling (0.25° steps by default); widths are interpolated linearly.

    Returns
    -------
    Smearing

    References
    ----------
    Rush & Driscoll (1968) Anesth Analg 47:717; Nunez & Srinivasan (2006) *Electric Fields of the
    Brain* ch. 6 (skull smearing).
    """
    rat = np.atleast_1d(check_positive("ratios", ratios))
    out = {k: np.empty(rat.shape) for k in ("peak", "hw", "tp", "sep")}
    for i, r in enumerate(rat):  # loop over conductivity values (separate head models)
        head = three_shell(r, radii, sigma_brain)
        th, V = meridian_potential(head, depth, "radial", q, n_angles)
        out["peak"][i], out["hw"][i] = V[0], half_max_arc(th, V, head.radius)
        th, Vt = meridian_potential(head, depth, "tangential", q, n_angles)
        out["tp"][i] = Vt.max()
        # the extrema of a tangential dipole are mirror images at +theta and -theta about the
        # vertex (the meridian samples the positive side): separation 2 R theta_max
        out["sep"][i] = 2.0 * head.radius * th[np.argmax(Vt)]
    return Smearing(rat, out["peak"], out["hw"], out["tp"], out["sep"])


@dataclass(frozen=True)
class OrientationSensitivity:
    """RMS signals of radial and tangential dipoles against depth (SI units).

    Attributes
    ----------
    depth : ndarray
        Depth below the scalp in m.
    eeg_radial, eeg_tangential : ndarray
        RMS over electrodes of the average-referenced potential, V.
    meg_radial, meg_tangential : ndarray
        RMS over magnetometers of the field, T.
    """

    depth: np.ndarray
    eeg_radial: np.ndarray
    eeg_tangential: np.ndarray
    meg_radial: np.ndarray
    meg_tangential: np.ndarray


def orientation_sensitivity(depths, head=None, meg=None, eeg=None,
                            q=10e-9) -> OrientationSensitivity:
    """Radial versus tangential sensitivity of EEG and MEG for dipoles under the vertex.

    Parameters
    ----------
    depths : array_like
        Depths below the scalp in m (each source inside the brain shell).
    head : ShellModel, optional
        Default :func:`neurocourse.eeg.shells.three_shell` (1:80 skull).
    meg : SensorArray, optional
        Default: 100 radial point magnetometers 25 mm outside the scalp.
    eeg : Montage, optional
        Default: 64 electrodes evenly over the scalp cap.
    q : float, default 10e-9
        Moment in A·m.

    Returns
    -------
    OrientationSensitivity
        A radial dipole gives MEG zero (to round-off) in a sphere (Sarvas 1987).

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11; Cohen & Cuffin (1983) Electroencephalogr Clin
    Neurophysiol 56:38 (MEG and EEG sensitivity to orientation and depth).
    """
    head = three_shell() if head is None else check_type("head", head, ShellModel)
    d = np.atleast_1d(check_positive("depths", depths, unit="m"))
    src = head.center + np.column_stack([np.zeros_like(d), np.zeros_like(d), head.radius - d])
    fwd = _forward.make_forward(src, meg=_default_meg(head) if meg is None else meg,
                       eeg=_default_eeg(head) if eeg is None else eeg, head=head)
    Ge = average_reference(fwd.pick("eeg").G) * q
    Gm = fwd.pick("mag").G * q
    rms_e = np.sqrt(np.mean(Ge ** 2, axis=0)).reshape(-1, 3)
    rms_m = np.sqrt(np.mean(Gm ** 2, axis=0)).reshape(-1, 3)
    return OrientationSensitivity(d, rms_e[:, 2], rms_e[:, 0], rms_m[:, 2], rms_m[:, 0])


def conductivity_error(true_ratio, assumed_ratios, r_sources, normals, *, meg=None, eeg=None,
                       radii=DEFAULT_RADII, sigma_brain=0.33) -> dict:
    """Forward error from assuming the wrong skull conductivity, for EEG and for MEG.

    The "true" data come from a three-shell head with ``true_ratio``; the model assumes each of
    ``assumed_ratios``. EEG topographies are compared average-referenced.

    Parameters
    ----------
    true_ratio : float
        True :math:`\\sigma_{brain}/\\sigma_{skull}`, dimensionless (> 0).
    assumed_ratios : array_like
        Conductivity ratios assumed by the model, dimensionless (> 0).
    r_sources : array_like, shape (n, 3)
        Sources in m.
    normals : array_like, shape (n, 3)
        Orientations (fixed-orientation comparison), dimensionless, normalised to unit vectors.
    meg, eeg : optional
        Sensors (defaults as :func:`orientation_sensitivity`).
    radii : tuple
        Brain, skull, scalp radii in m.
    sigma_brain : float
        Brain and scalp conductivity in S/m.

    Returns
    -------
    dict
        ``"eeg_rdm"``, ``"eeg_mag"``, ``"meg_rdm"``, ``"meg_mag"``: arrays (n_assumed, n_sources);
        RDM in [0, 2], MAG = assumed/true norm ratio. MEG's RDM is 0 and MAG 1 to round-off in
        spheres (the field does not depend on the radial conductivity profile).

    References
    ----------
    Meijs et al. (1989) IEEE TBME 36:1038 (RDM, MAG); Vallaghé & Clerc (2009) IEEE TBME 56:988
    (EEG sensitivity to skull conductivity); Sarvas (1987) Phys Med Biol 32:11.
    """
    src = check_points("r_sources", r_sources)
    nn = check_points("normals", normals, unit="")
    base = three_shell(true_ratio, radii, sigma_brain)
    meg = _default_meg(base) if meg is None else meg
    eeg = _default_eeg(base) if eeg is None else eeg
    truth = _forward.make_forward(src, meg=meg, eeg=eeg, head=base, normals=nn)
    rat = np.atleast_1d(check_positive("assumed_ratios", assumed_ratios))
    res = {k: np.empty((rat.size, src.shape[0])) for k in ("eeg_rdm", "eeg_mag", "meg_rdm",
                                                           "meg_mag")}
    for i, r in enumerate(rat):  # loop over assumed conductivities (separate models)
        f = _forward.make_forward(src, meg=meg, eeg=eeg, head=three_shell(r, radii, sigma_brain),
                         normals=nn)
        res["eeg_rdm"][i], res["eeg_mag"][i] = column_rdm_mag(
            average_reference(f.pick("eeg").G), average_reference(truth.pick("eeg").G))
        mtypes = tuple(sorted(set(truth.ch_types) - {"eeg"}))
        res["meg_rdm"][i], res["meg_mag"][i] = column_rdm_mag(f.pick(mtypes).G,
                                                              truth.pick(mtypes).G)
    return res


@dataclass(frozen=True)
class NoiseLevels:
    """Sensor noise standard deviations (SI units) for SNR maps.

    Defaults are MNE-Python's ad-hoc noise covariance (``make_ad_hoc_cov``, ``mne/defaults.py``):
    magnetometers 20 fT, planar gradiometers 5 fT/cm, EEG 0.2 µV.

    Attributes
    ----------
    mag : float
        T.
    grad : float
        T/m.
    eeg : float
        V.
    """

    mag: float = 20e-15
    grad: float = 5e-13
    eeg: float = 0.2e-6

    def of(self, ch_types) -> np.ndarray:
        """Noise standard deviation per channel for a sequence of channel types."""
        return np.array([getattr(self, t) for t in ch_types], dtype=float)


def snr_map(fwd: _forward.Forward, amplitude=10e-9, noise: NoiseLevels = NoiseLevels()) -> np.ndarray:
    """Signal-to-noise ratio of every source of a fixed-orientation forward, in dB.

    :math:`\\mathrm{SNR}_k = 10\\log_{10}\\big(\\tfrac1N\\sum_i (a\\,G_{ik}/\\sigma_i)^2\\big)`
    over the N channels (EEG rows average-referenced first), for a dipole of strength a.

    Parameters
    ----------
    fwd : Forward
        Fixed-orientation forward (any mix of mag, grad, eeg).
    amplitude : float, default 10e-9
        Source strength in A·m (10 nA·m).
    noise : NoiseLevels
        Per-type noise standard deviations.

    Returns
    -------
    snr_db : ndarray, shape (n_sources,)
        dB; ``-inf`` for a source no channel sees.

    References
    ----------
    Goldenholz et al. (2009) Hum Brain Mapp 30:1077 (the SNR definition and MEG/EEG maps).
    """
    check_type("fwd", fwd, _forward.Forward)
    if fwd.orientation != "fixed":
        raise ValueError("fwd must be fixed-orientation (use Forward.to_fixed(normals))")
    a = float(check_positive("amplitude", amplitude, unit="A·m"))
    G = fwd.G.copy()
    e = fwd.picks("eeg")
    if e.size:
        G[e] = average_reference(G[e])
    w = a * G / noise.of(fwd.ch_types)[:, None]
    with np.errstate(divide="ignore"):  # a silent source (radial, MEG in a sphere) is -inf dB
        return 10.0 * np.log10(np.mean(w * w, axis=0))


def berg_scherg_error(eccentricities, radii=(0.9 * 0.09, 0.92 * 0.09, 0.97 * 0.09, 0.09),
                      sigmas=(0.33, 1.0, 0.004, 0.33), n_electrodes=64):
    """Error of the Berg–Scherg approximation against the exact series, by eccentricity.

    For each eccentricity e (fraction of the innermost radius), dipoles along x, y and z at
    :math:`e\\,r_1(1, 1, 1)/\\sqrt3`, with electrodes evenly on the scalp; the worst of the three
    orientations is reported.

    Parameters
    ----------
    eccentricities : array_like
        Source radius over the innermost radius, dimensionless, each in [0, 1).
    radii, sigmas : tuple
        Head model (default: MNE's ``make_sphere_model`` with a 0.09 m scalp).
    n_electrodes : int, default 64
        Electrodes.

    Returns
    -------
    rdm, mag_error : ndarray
        Worst RDM and worst |MAG − 1| per eccentricity (dimensionless).

    References
    ----------
    Berg & Scherg (1994) Electroencephalogr Clin Neurophysiol 90:58.
    """
    e = np.atleast_1d(check_range("eccentricities", eccentricities, 0.0, 1.0,
                                  high_inclusive=False))
    head = ShellModel(radii, sigmas)
    el = electrode_grid(check_int("n_electrodes", n_electrodes, 3), head.radius, head.center,
                        z_min=-0.9).positions
    src = head.center + (e * head.inner_radius)[:, None] * np.ones(3) / np.sqrt(3.0)
    G = lead_field(src, el, head.radii, head.sigmas, head.center)
    Gb = berg_scherg_lead_field(src, el, head.radii, head.sigmas, head.center,
                                fit_berg_scherg(head.radii / head.radius, head.sigmas))
    rd, mg = column_rdm_mag(Gb, G)
    return rd.reshape(-1, 3).max(axis=1), np.abs(mg - 1.0).reshape(-1, 3).max(axis=1)


def eeg_meg_maps(ratio=25.0, depth=0.02, tilt_deg=0.0, azimuth_deg=0.0, elevation_deg=60.0,
                 rotation_deg=90.0, q=20e-9, radii=DEFAULT_RADII, sensor_gap=0.025) -> dict:
    """EEG and MEG topographies of one dipole in a three-shell head.

    The dipole is placed with :func:`neurocourse.meg.dipole_source` (direction from the centre,
    depth below the scalp, tilt 0° tangential to 90° radial). EEG: the 10-10 montage (70
    electrodes) on the scalp, exact series, average reference. MEG: 102 radial point
    magnetometers ``sensor_gap`` outside the scalp, Sarvas' formula.

    Parameters
    ----------
    ratio : float, default 25
        :math:`\\sigma_{brain}/\\sigma_{skull}` (brain and scalp 0.33 S/m).
    depth : float, default 0.02
        Depth below the scalp in m; the source must lie in the brain shell.
    tilt_deg, azimuth_deg, elevation_deg, rotation_deg : float
        Orientation and direction in degrees (see :func:`neurocourse.meg.dipole_source`).
    q : float, default 20e-9
        Moment in A·m.
    radii : tuple
        Brain, skull, scalp radii in m.
    sensor_gap : float, default 0.025
        Distance of the magnetometers outside the scalp in m (SQUID helmets: about 2 cm).

    Returns
    -------
    dict
        ``eeg_pos`` (70, 3) m, ``eeg`` (70,) V, ``meg_pos`` (102, 3) m, ``meg`` (102,) T,
        ``r0`` (3,) m and ``q`` (3,) A·m.

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11; de Munck & Peters (1993) IEEE TBME 40:1166.
    """
    head = three_shell(ratio, radii)
    r0, mom = dipole_source(azimuth_deg, elevation_deg, depth, tilt_deg, rotation_deg, q,
                            head_radius=head.radius)
    mont = standard_montage("1010", radius=head.radius, center=head.center)
    arr = radial_magnetometers(102, radius=head.radius + float(
        check_positive("sensor_gap", sensor_gap, unit="m")), center=head.center)
    fwd = _forward.make_forward(r0, meg=arr, eeg=mont, head=head)
    return {"eeg_pos": mont.positions, "eeg": average_reference(fwd.pick("eeg").G @ mom),
            "meg_pos": arr.positions, "meg": fwd.pick("mag").G @ mom, "r0": r0, "q": mom}


def noise_covariance(fwd: _forward.Forward, noise: NoiseLevels = NoiseLevels()) -> np.ndarray:
    """Sensor-noise covariance of a forward's channels: independent noise per channel.

    EEG rows follow the forward's reference: with ``fwd.eeg_reference == "average"`` the EEG
    block is :math:`T\\,\\mathrm{diag}(\\sigma^2)\\,T^\\top` with :math:`T = I - \\mathbf 1\\mathbf 1^\\top/n`
    (rank n − 1), as for average-referenced data.

    Parameters
    ----------
    fwd : Forward
        The channels.
    noise : NoiseLevels
        Per-type standard deviations (T, T/m, V).

    Returns
    -------
    C : ndarray, shape (n_channels, n_channels)
        Covariance in (channel unit)².

    References
    ----------
    MNE-Python ``make_ad_hoc_cov`` (the diagonal) and ``set_eeg_reference(projection=False)``.
    """
    check_type("fwd", fwd, _forward.Forward)
    C = np.diag(noise.of(fwd.ch_types) ** 2)
    e = fwd.picks("eeg")
    if e.size and fwd.eeg_reference == "average":
        T = np.eye(e.size) - 1.0 / e.size
        C[np.ix_(e, e)] = T @ C[np.ix_(e, e)] @ T.T
    return C


@dataclass(frozen=True)
class Asphericity:
    """Broken symmetry: a three-layer ellipsoidal head against the same head made spherical.

    Attributes
    ----------
    eps : ndarray
        Asphericities ε (semi-axes :math:`r_k(1+\\varepsilon), r_k, r_k(1-\\varepsilon)` of every
        layer).
    meg_leak : ndarray
        :math:`\\|B_{radial}\\|/\\|B_{tangential}\\|` over the magnetometers (0 in a sphere).
    eeg_radial_ratio : ndarray
        :math:`\\|V_{radial}\\|/\\|V_{tangential}\\|` over the electrodes, average reference.
    meg_rdm, eeg_rdm : ndarray
        RDM of the tangential dipole's topography against the spherical head (ε = 0) on the
        same mesh resolution: how wrong a sphere model is for that head.
    """

    eps: np.ndarray
    meg_leak: np.ndarray
    eeg_radial_ratio: np.ndarray
    meg_rdm: np.ndarray
    eeg_rdm: np.ndarray


def asphericity_effect(eps, ratio=25.0, radii=DEFAULT_RADII, order=2, eccentricity=0.7,
                       n_electrodes=64, n_sensors=100, sensor_radius=0.125) -> Asphericity:
    """MEG and EEG of radial and tangential dipoles in nested ellipsoids (three-layer BEM).

    Every layer k is the ellipsoid with semi-axes :math:`r_k(1+\\varepsilon), r_k,
    r_k(1-\\varepsilon)`, meshed from an ico-``order`` sphere and solved with
    :func:`neurocourse.meg.bem_multilayer.make_multilayer_bem` (brain and scalp 0.33 S/m, skull
    0.33/``ratio``). The dipoles (10 nA·m) sit at :math:`e\\,r_1\\hat{\\mathbf u}`,
    :math:`\\hat{\\mathbf u} = (1, 1, 1)/\\sqrt3`; the radial one points along
    :math:`\\hat{\\mathbf u}`, the tangential one along :math:`(1, -1, 0)/\\sqrt2`. Electrodes
    are an even grid of directions projected onto the outer ellipsoid; radial magnetometers sit on
    a sphere of ``sensor_radius`` for every ε.

    Parameters
    ----------
    eps : array_like
        Asphericities, dimensionless, each in [0, 0.2]; 0 is added if absent (the reference
        head).
    ratio : float, default 25
        Brain-to-skull conductivity ratio.
    radii : tuple
        Brain, skull, scalp radii (m) of the spherical head.
    order : int, default 2
        Icosphere order of the meshes (2: 162 vertices per layer).
    eccentricity : float, default 0.7
        Source distance as a fraction of the brain radius, in (0, 0.9].
    n_electrodes, n_sensors : int
        Electrodes and magnetometers.
    sensor_radius : float, default 0.125
        Magnetometer sphere in m; must clear the outer ellipsoid.

    Returns
    -------
    Asphericity
        One entry per ε (sorted, 0 first).

    References
    ----------
    Hämäläinen & Sarvas (1989) IEEE TBME 36:165 (three-layer BEM); Meijs et al. (1989) IEEE TBME
    36:1038 (ellipsoids as test heads, RDM); Ahlfors et al. (2010) Brain Topogr 23:227.
    """
    e = np.unique(np.concatenate([[0.0], np.atleast_1d(check_range("eps", eps, 0.0, 0.2))]))
    ecc = float(check_range("eccentricity", eccentricity, 0.0, 0.9, low_inclusive=False))
    r = np.asarray(radii, dtype=float)
    if float(sensor_radius) <= r[-1] * (1 + e.max()):
        raise ValueError(f"sensor_radius must exceed the outer semi-axis {r[-1] * (1 + e.max()):g}"
                         f" m, got {sensor_radius!r}")
    u = np.ones(3) / np.sqrt(3.0)
    src = (ecc * r[0] * u)[None, :]
    q_rad, q_tan = 1e-8 * u, 1e-8 * np.array([1.0, -1.0, 0.0]) / np.sqrt(2.0)
    dirs = electrode_grid(n_electrodes, radius=1.0).positions
    sensors = radial_magnetometers(n_sensors, radius=float(sensor_radius))
    sig = three_shell(ratio, radii).sigmas
    rows = []
    for eps_k in e:  # loop over head shapes (one BEM each)
        axes = np.array([1.0 + eps_k, 1.0, 1.0 - eps_k])
        model = make_multilayer_bem(tuple(ellipsoid(order, rk * axes) for rk in r), sig)
        el = dirs / np.sqrt(np.sum((dirs / (r[-1] * axes)) ** 2, axis=1, keepdims=True))
        f = _forward.make_forward(src, meg=sensors, eeg=el, head=model)
        Gm, Ge = f.pick("mag").G, f.pick("eeg").G
        rows.append((Gm @ q_rad, Gm @ q_tan, Ge @ q_rad, Ge @ q_tan))
    bm0, ve0 = rows[0][1], rows[0][3]
    out = np.array([[np.linalg.norm(br) / np.linalg.norm(bt), np.linalg.norm(vr) / np.linalg.norm(vt),
                     column_rdm_mag(bt[:, None], bm0[:, None])[0][0],
                     column_rdm_mag(vt[:, None], ve0[:, None])[0][0]] for br, bt, vr, vt in rows])
    return Asphericity(e, out[:, 0], out[:, 1], out[:, 2], out[:, 3])
