"""Small, seeded inverse-problem scenarios for the chapter, the widget and the tests.

Two geometries: a vertical slab of tangential dipoles under a radial-magnetometer helmet (depth
bias is visible at a glance), and any :class:`neurocourse.forward.Forward` split into its MEG,
EEG and MEG+EEG parts (the modality comparison of the resolution section).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse import meg
from neurocourse._validation import check_int, check_option, check_positive
from neurocourse.eeg.measures import NoiseLevels, noise_covariance
from neurocourse.inverse.illposed import whitened_svd
from neurocourse.inverse.linear import inverse_kernel
from neurocourse.inverse.resolution import (
    ResolutionMetrics,
    resolution_matrix,
    resolution_metrics,
)


@dataclass(frozen=True, eq=False)
class Slab:
    """A vertical (x-z) slab of y-oriented (tangential) dipoles under radial magnetometers.

    Attributes
    ----------
    source_rr : ndarray, shape (n_z * n_x, 3)
        Source positions in m, C order over (z, x).
    x, z : ndarray
        Grid coordinates in m (z measured from the sphere centre).
    G : ndarray, shape (n_sensors, n_sources)
        Fixed-orientation lead field in T/(A·m).
    noise_cov : ndarray, shape (n_sensors, n_sensors)
        White sensor noise covariance in T².
    sensors : SensorArray
        The magnetometers.
    """

    source_rr: np.ndarray
    x: np.ndarray
    z: np.ndarray
    G: np.ndarray
    noise_cov: np.ndarray
    sensors: object

    @property
    def shape(self) -> tuple:
        """Grid shape (n_z, n_x)."""
        return (self.z.size, self.x.size)


def slab(n_x=17, n_z=13, half_width=0.05, z_range=(0.01, 0.075), n_sensors=100,
         sensor_radius=0.11, noise_sd=20e-15) -> Slab:
    """Build the slab scenario (all SI units).

    Parameters
    ----------
    n_x, n_z : int
        Grid points across and in depth.
    half_width : float
        Half extent of the slab in x, m.
    z_range : tuple of float
        Lowest and highest source z in m (the head centre is z = 0).
    n_sensors : int
        Number of radial point magnetometers (sensors).
    sensor_radius : float
        Radius of the sensor cap in m.
    noise_sd : float
        Sensor noise standard deviation in T (MNE's ad-hoc 20 fT).

    Returns
    -------
    Slab
    """
    nx, nz = check_int("n_x", n_x, 2), check_int("n_z", n_z, 2)
    x = np.linspace(-half_width, half_width, nx)
    z = np.linspace(*z_range, nz)
    zz, xx = np.meshgrid(z, x, indexing="ij")
    rr = np.column_stack([xx.ravel(), np.zeros(xx.size), zz.ravel()])
    arr = meg.radial_magnetometers(check_int("n_sensors", n_sensors, 3), radius=sensor_radius,
                                   z_min=-0.1)
    nn = np.tile([0.0, 1.0, 0.0], (rr.shape[0], 1))
    G = meg.fixed_orientation(meg.lead_field(rr, arr.positions, arr.normals), nn)
    sd = float(check_positive("noise_sd", noise_sd, unit="T"))
    return Slab(source_rr=rr, x=x, z=z, G=G, noise_cov=np.eye(arr.n_channels) * sd**2,
                sensors=arr)


@dataclass(frozen=True, eq=False)
class PointSourceEstimate:
    """Estimate of one simulated source, and its noise-free point-spread function.

    Attributes
    ----------
    estimate : ndarray, shape (n_sources,)
        Estimate from noisy data (A·m for MNE/eLORETA, dimensionless for dSPM/sLORETA).
    psf : ndarray, shape (n_sources,)
        Column of the resolution matrix (noise-free estimate of a unit source), same unit per
        A·m.
    data : ndarray, shape (n_channels,)
        The simulated data in T.
    index : int
        Source index.
    """

    estimate: np.ndarray
    psf: np.ndarray
    data: np.ndarray
    index: int


def point_source_estimate(G, noise_cov, index, snr=3.0, lambda2=1 / 9, method="dSPM",
                          depth=None, rng=0) -> PointSourceEstimate:
    """Simulate one source at ``index`` with a given SNR, and estimate it.

    The amplitude is chosen so that the RMS over channels of the whitened signal equals ``snr``
    (so SNR = 3 matches MNE's default λ² = 1/9); white whitened noise is then added.

    Parameters
    ----------
    G : array_like, shape (n_channels, n_sources)
        Fixed-orientation lead field, channel unit per A·m.
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance, channel unit².
    index : int
        Active source.
    snr : float
        Amplitude SNR of the whitened data (> 0, dimensionless).
    lambda2 : float
        Regularisation, dimensionless (see :func:`neurocourse.inverse.inverse_kernel`).
    method : str
        ``"MNE"``, ``"dSPM"``, ``"sLORETA"`` or ``"eLORETA"``.
    depth : float, optional
        Depth-prior exponent, dimensionless; ``None`` for none.
    rng : Generator or int
        Noise draw.

    Returns
    -------
    PointSourceEstimate
    """
    G = np.asarray(G, dtype=float)
    k = check_int("index", index, 0)
    if k >= G.shape[1]:
        raise ValueError(f"index must be < {G.shape[1]} (number of sources), got {index}")
    snr = float(check_positive("snr", snr))
    rng = np.random.default_rng(rng)
    C = np.asarray(noise_cov, dtype=float)
    L = np.linalg.cholesky(C)
    gw = np.linalg.solve(L, G[:, k])
    amp = snr * np.sqrt(G.shape[0]) / np.linalg.norm(gw)
    b = G[:, k] * amp + L @ rng.standard_normal(G.shape[0])
    K = inverse_kernel(G, C, lambda2, method, depth=depth)
    return PointSourceEstimate(estimate=K @ b, psf=K @ G[:, k], data=b, index=k)


MODALITIES = ("MEG", "EEG", "MEG+EEG")
_AD_HOC = NoiseLevels()  # MNE make_ad_hoc_cov: 20 fT, 5 fT/cm, 0.2 µV


def forward_noise_cov(fwd, noise: NoiseLevels = _AD_HOC):
    """Ad-hoc noise covariance for a forward (:func:`neurocourse.eeg.measures.noise_covariance`),
    and the rank to whiten it with.

    If the EEG rows are average-referenced, the EEG block is projected the same way (its rank
    drops by one), as MNE does with its average-reference projector.

    Parameters
    ----------
    fwd : Forward
        Any object with ``ch_types`` and ``eeg_reference`` (``neurocourse.forward.Forward``).
    noise : NoiseLevels
        Per-type noise standard deviations (MNE's ad-hoc values by default).

    Returns
    -------
    C : ndarray, shape (n_channels, n_channels)
        Noise covariance in channel units².
    rank : dict or None
        ``{"eeg": n_eeg - 1}`` for average-referenced EEG, else ``None``.
    """
    C = noise_covariance(fwd, noise)
    n_eeg = int(np.sum(np.asarray(fwd.ch_types) == "eeg"))
    if n_eeg and fwd.eeg_reference == "average":
        return C, {"eeg": n_eeg - 1}
    return C, None


@dataclass(frozen=True, eq=False)
class ModalityResolution:
    """Resolution metrics and the whitened singular spectrum of one modality.

    Attributes
    ----------
    psf, ctf : ResolutionMetrics
    singular_values : ndarray
        Whitened lead-field singular values, descending.
    n_channels : int
    """

    psf: ResolutionMetrics
    ctf: ResolutionMetrics
    singular_values: np.ndarray
    n_channels: int


def modality_resolution(fwd, fwd_true=None, *, method="dSPM", lambda2=1 / 9, depth=None,
                        noise: NoiseLevels = _AD_HOC) -> dict:
    """PSF/CTF metrics for MEG, EEG and MEG+EEG from one fixed-orientation forward.

    Parameters
    ----------
    fwd : Forward
        Fixed-orientation forward with MEG and EEG channels: the model the inverse assumes.
    fwd_true : Forward, optional
        The forward that generated the data (same channels and sources), e.g. with a different
        skull conductivity: the resolution matrix is then :math:`K_\\text{assumed}G_\\text{true}`.
    method : str
        ``"MNE"``, ``"dSPM"``, ``"sLORETA"`` or ``"eLORETA"``.
    lambda2 : float
        Regularisation, dimensionless.
    depth : float, optional
        Depth-prior exponent, dimensionless; ``None`` for none.
    noise : NoiseLevels
        Sensor noise levels.

    Returns
    -------
    dict
        ``{"MEG": ModalityResolution, "EEG": ..., "MEG+EEG": ...}``.

    References
    ----------
    Hauk, Stenroos & Treder (2022) NeuroImage 255:119177; Molins et al. (2008) NeuroImage
    42:1069 (MEG+EEG resolution); Goldenholz et al. (2009) Hum Brain Mapp 30:1077.
    """
    check_option("orientation", fwd.orientation, ("fixed",))
    truth = fwd if fwd_true is None else fwd_true
    if truth.G.shape != fwd.G.shape:
        raise ValueError(f"fwd_true must have the shape of fwd {fwd.G.shape}, got "
                         f"{truth.G.shape}")
    C, rank = forward_noise_cov(fwd, noise)
    types = np.asarray(fwd.ch_types)
    out = {}
    for name in MODALITIES:
        sel = {"MEG": types != "eeg", "EEG": types == "eeg",
               "MEG+EEG": np.ones(types.size, bool)}[name]
        if not sel.any():
            continue
        r = rank if (types[sel] == "eeg").any() else None
        Cs = C[np.ix_(sel, sel)]
        K = inverse_kernel(fwd.G[sel], Cs, lambda2, method, depth=depth,
                           ch_types=list(types[sel]), rank=r)
        R = resolution_matrix(K, truth.G[sel])
        sv = whitened_svd(fwd.G[sel], Cs, list(types[sel]), r).s
        out[name] = ModalityResolution(psf=resolution_metrics(R, fwd.source_rr, "psf"),
                                       ctf=resolution_metrics(R, fwd.source_rr, "ctf"),
                                       singular_values=sv, n_channels=int(sel.sum()))
    return out


def source_covariance(G, indices, amplitudes, noise_cov, correlation=0.0) -> np.ndarray:
    """Data covariance of two sources with a given correlation, plus noise.

    :math:`C = \\sum_{ab} a_a a_b \\rho_{ab}\\,\\mathbf g_a\\mathbf g_b^\\top + C_n`, with
    :math:`\\rho_{aa} = 1` and :math:`\\rho_{12} = \\rho_{21} =` ``correlation``.

    Parameters
    ----------
    G : array_like, shape (n_channels, n_sources)
        Fixed-orientation lead field, channel unit per A·m.
    indices : sequence of 2 int
        The two active sources.
    amplitudes : sequence of 2 float
        Their RMS amplitudes in A·m.
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance, channel unit².
    correlation : float, default 0.0
        Correlation of the two time courses, in [-1, 1] (dimensionless).

    Returns
    -------
    C : ndarray, shape (n_channels, n_channels)
        Channel unit².

    References
    ----------
    Van Veen et al. (1997) IEEE TBME 44:867, sec. V (correlated sources).
    """
    G = np.asarray(G, dtype=float)
    idx = [check_int("indices", i, 0) for i in indices]
    if len(idx) != 2 or max(idx) >= G.shape[1]:
        raise ValueError(f"indices must be 2 source indices < {G.shape[1]}, got {indices!r}")
    a = check_positive("amplitudes", amplitudes, unit="A·m")
    rho = float(np.asarray(correlation))
    if not -1 <= rho <= 1:
        raise ValueError(f"correlation must be in [-1, 1], got {correlation!r}")
    S = np.array([[1.0, rho], [rho, 1.0]]) * np.outer(a, a)
    Gs = G[:, idx]
    return Gs @ S @ Gs.T + np.asarray(noise_cov, dtype=float)


def dipole_fits_vs_snr(scn: Slab, index, snrs, moment=(0.0, 20e-9, 0.0), rng=0):
    """Fit a single dipole to one slab source at several SNRs (the clinical ECD workflow).

    Parameters
    ----------
    scn : Slab
        Scenario (its magnetometers, white noise and sphere centred at the origin).
    index : int
        True source (grid index).
    snrs : sequence of float
        Amplitude SNRs of the whitened data (> 0, dimensionless).
    moment : array_like, shape (3,)
        Moment direction (scaled to each SNR), A·m.
    rng : Generator or int
        Noise draws.

    Returns
    -------
    fits : list of DipoleFit
        One per SNR.
    true_position : ndarray, shape (3,)
        m.
    """
    from neurocourse.inverse.dipole import fit_dipole

    rng = np.random.default_rng(rng)
    arr = scn.sensors
    r0 = scn.source_rr[check_int("index", index, 0)]
    q = np.asarray(moment, dtype=float)

    def gain(P):
        return meg.lead_field(P, arr.positions, arr.normals)

    g = gain(r0[None]) @ q
    sd = np.sqrt(np.diag(scn.noise_cov))
    fits = []
    for snr in check_positive("snrs", snrs):
        scale = snr * np.sqrt(g.size) / np.linalg.norm(g / sd)
        b = g * scale + sd * rng.standard_normal(g.size)
        fits.append(fit_dipole(b, scn.noise_cov, gain, radius=0.08))
    return fits, r0
