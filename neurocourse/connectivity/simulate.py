"""Seeded simulations with planted connectivity: lagged and zero-lag coupled oscillators,
field spread from one cortical source, chain-graph fMRI networks and PPI experiments.

Every generator takes ``rng`` (a :class:`numpy.random.Generator` or an int seed, passed through
:func:`numpy.random.default_rng`, which returns a Generator unaltered) and returns the planted
truth along with the data, so tests and chapters compare estimates with what was put in.

References
----------
Nolte et al. (2004) Clin Neurophysiol 115:2292 (lagged vs instantaneous mixing); Schoffelen &
Gross (2009) Hum Brain Mapp 30:1857 (field spread); Gitelman et al. (2003) NeuroImage 19:200
(PPI simulations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse import hrf, inverse, meg
from neurocourse._validation import (
    check_int,
    check_option,
    check_positive,
    check_range,
    check_scalar,
)
from neurocourse.connectivity.fmri import convolution_matrix

__all__ = [
    "CoupledEpochs",
    "FieldSpreadEpochs",
    "NetworkTimeseries",
    "PPIExperiment",
    "SourceLeakageEpochs",
    "chain_network",
    "coupled_oscillators",
    "envelope_pair",
    "field_spread_epochs",
    "narrowband_noise",
    "planted_coherency",
    "ppi_experiment",
    "source_leakage_epochs",
    "tangential_vertex",
]


def narrowband_noise(shape, sfreq, freq, bandwidth, rng=None) -> np.ndarray:
    """Gaussian noise with a flat spectrum in [freq − bandwidth/2, freq + bandwidth/2], zero elsewhere.

    Built in the frequency domain, so each epoch is periodic; every call has unit variance per
    sample in expectation.

    Parameters
    ----------
    shape : tuple of int
        Output shape; the last axis is time (n_times samples).
    sfreq : float
        Sampling frequency in Hz.
    freq, bandwidth : float
        Centre and full width of the band in Hz.
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    ndarray, shape ``shape``
        Band-limited noise, dimensionless, of unit variance per sample in expectation.
    """
    sfreq = float(check_positive("sfreq", sfreq, unit="Hz"))
    freq = float(check_range("freq", freq, 0, sfreq / 2, low_inclusive=False, unit="Hz"))
    bandwidth = float(check_positive("bandwidth", bandwidth, unit="Hz"))
    n = check_int("n_times", shape[-1], 4)
    f, band = _band(n, sfreq, freq, bandwidth)
    if not band.any():
        raise ValueError(f"bandwidth must cover at least one frequency bin ({sfreq / n:g} Hz), "
                         f"got {bandwidth:g} Hz around {freq:g} Hz")
    g = np.random.default_rng(rng)
    spec = (g.normal(size=(*shape[:-1], f.size)) + 1j * g.normal(size=(*shape[:-1], f.size)))
    spec *= band
    x = np.fft.irfft(spec, n=n, axis=-1)
    # irfft of unit-variance complex coefficients on n_band bins has variance 4 n_band / n^2
    return x / np.sqrt(4 * band.sum() / n**2)


def _band(n_times, sfreq, freq, bandwidth):
    """rfft frequencies (Hz) of an ``n_times`` epoch and the mask of the bins in the band."""
    f = np.fft.rfftfreq(n_times, 1 / float(sfreq))
    return f, np.abs(f - freq) <= bandwidth / 2


def _lagged_sources(n_epochs, n_times, sfreq, freq, bandwidth, lag, coupling, g):
    """Narrow-band sources a and b = κ a(t − lag) + sqrt(1 − κ²) c, each of unit variance."""
    a, c = narrowband_noise((2, n_epochs, n_times), sfreq, freq, bandwidth, g)
    return a, coupling * _delay(a, lag, sfreq) + np.sqrt(1 - coupling**2) * c


def _delay(x, lag, sfreq):
    """x(t − lag) for band-limited periodic epochs (exact phase shift in the Fourier domain)."""
    n = x.shape[-1]
    f = np.fft.rfftfreq(n, 1 / sfreq)
    return np.fft.irfft(np.fft.rfft(x, axis=-1) * np.exp(-2j * np.pi * f * lag), n=n, axis=-1)


@dataclass(frozen=True)
class CoupledEpochs:
    """Two sensors observing two coupled sources, with planted truth.

    Attributes
    ----------
    data : ndarray, shape (n_epochs, 2, n_times)
        Sensor epochs: x1 = a + ν1, x2 = b + leakage · a + ν2 (dimensionless), with ν white.
    sources : ndarray, shape (n_epochs, 2, n_times)
        The sources a and b = coupling · a(t − lag) + sqrt(1 − coupling²) · c.
    sfreq, freq, lag, coupling, leakage, snr : float
        Sampling rate (Hz), band centre (Hz), lag of b behind a (s), coupling κ, mixing of a
        into sensor 2, and the in-band signal-to-noise power ratio.
    coherency : complex
        Expected sensor coherency at ``freq`` (:func:`planted_coherency`).
    """

    data: np.ndarray
    sources: np.ndarray
    sfreq: float
    freq: float
    lag: float
    coupling: float
    leakage: float
    snr: float
    coherency: complex


def planted_coherency(coupling, phase, leakage=0.0, snr=np.inf) -> complex:
    """Expected coherency of the two sensors of :func:`coupled_oscillators`.

    With unit source power, :math:`S_{12} = \\kappa e^{i\\phi} + \\lambda`,
    :math:`S_{11} = 1 + 1/\\mathrm{SNR}` and
    :math:`S_{22} = 1 + \\lambda^2 + 2\\lambda\\kappa\\cos\\phi + 1/\\mathrm{SNR}`.

    Parameters
    ----------
    coupling : float
        κ in [0, 1], dimensionless (the coherence of the two sources).
    phase : float
        :math:`\\phi = 2\\pi f\\tau` in rad (a leads b by τ).
    leakage : float
        λ, the weight of source a in sensor 2 (zero-lag field spread), dimensionless.
    snr : float
        In-band signal-to-noise power ratio (> 0, may be inf).

    Returns
    -------
    complex
        Dimensionless; its imaginary part :math:`\\kappa\\sin\\phi/\\sqrt{S_{11}S_{22}}` does not
        contain λ in the numerator: leakage adds only a real part.

    References
    ----------
    Nolte et al. (2004) Clin Neurophysiol 115:2292, sec. 2.
    """
    k = float(check_range("coupling", coupling, 0, 1))
    phi = check_scalar("phase", phase, unit="rad")
    lam = check_scalar("leakage", leakage)
    snr = float(np.asarray(check_positive("snr", snr) if np.isfinite(snr) else snr))
    inv = 0.0 if np.isinf(snr) else 1.0 / snr
    s12 = k * np.exp(1j * phi) + lam
    s11 = 1 + inv
    s22 = 1 + lam**2 + 2 * lam * k * np.cos(phi) + inv
    return complex(s12 / np.sqrt(s11 * s22))


def coupled_oscillators(n_epochs=60, n_times=500, sfreq=250.0, freq=10.0, bandwidth=4.0,
                        lag=0.02, coupling=0.8, leakage=0.0, snr=np.inf, rng=None
                        ) -> CoupledEpochs:
    """Two narrow-band sources, b lagging a by ``lag``, seen by two sensors with zero-lag leakage.

    Parameters
    ----------
    n_epochs, n_times : int
        Epochs and samples per epoch.
    sfreq : float
        Sampling frequency in Hz.
    freq, bandwidth : float
        Band of the oscillation in Hz (centre, full width).
    lag : float
        Delay of b behind a in s (0 gives zero-lag coupling).
    coupling : float
        κ in [0, 1], the coherence of the two sources (dimensionless).
    leakage : float
        Weight of a in sensor 2 (field spread), dimensionless.
    snr : float
        In-band signal-to-noise power ratio of the independent white sensor noise (inf: no
        noise); outside the band the sensors see only that noise.
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    CoupledEpochs
        Sensor data, sources and the planted coherency.
    """
    n_epochs = check_int("n_epochs", n_epochs, 1)
    n_times = check_int("n_times", n_times, 4)
    lag = check_scalar("lag", lag, unit="s")
    k = float(check_range("coupling", coupling, 0, 1))
    lam = check_scalar("leakage", leakage)
    if np.isfinite(snr):
        check_positive("snr", snr)
    g = np.random.default_rng(rng)
    a, b = _lagged_sources(n_epochs, n_times, sfreq, freq, bandwidth, lag, k, g)
    # white sensor noise whose power per frequency bin is 1/snr of the sources' in-band power:
    # a unit-variance band of n_band bins has E|X_k|^2 = n^2/(2 n_band); white noise of
    # variance s^2 has n s^2 in every bin
    n_band = int(np.sum(_band(n_times, sfreq, freq, bandwidth)[1]))
    sd = 0.0 if np.isinf(snr) else np.sqrt(n_times / (2 * n_band * snr))
    n1, n2 = g.normal(size=(2, n_epochs, n_times))
    x1 = a + sd * n1
    x2 = b + lam * a + sd * n2
    return CoupledEpochs(
        data=np.stack([x1, x2], axis=1), sources=np.stack([a, b], axis=1), sfreq=float(sfreq),
        freq=float(freq), lag=lag, coupling=k, leakage=lam, snr=float(snr),
        coherency=planted_coherency(k, 2 * np.pi * freq * lag, lam, snr))


def envelope_pair(comodulation=0.0, leakage=0.0, n_times=20000, sfreq=250.0, freq=10.0,
                  bandwidth=4.0, mod_freq=0.2, rng=None) -> np.ndarray:
    r"""Two band-limited signals whose amplitude envelopes may co-vary, seen with zero-lag leakage.

    :math:`a = (1 + m\sin 2\pi f_m t)\,u`, :math:`b = (1 + m\sin 2\pi f_m t)\,v + \lambda a`
    with independent carriers u, v: the envelopes share the slow modulation (depth m =
    ``comodulation``) and the second signal contains a copy of the first (λ = ``leakage``).

    Parameters
    ----------
    comodulation : float
        Modulation depth m in [0, 1), dimensionless (0: no true envelope coupling).
    leakage : float
        λ, zero-lag mixing of a into b, dimensionless.
    n_times : int
        Samples in the one epoch (>= 16).
    sfreq, freq, bandwidth, mod_freq : float
        Sampling frequency, carrier band centre and full width, and envelope modulation
        frequency, all in Hz.
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    ndarray, shape (1, 2, n_times)
        One "epoch" of the two signals (dimensionless).

    References
    ----------
    Hipp et al. (2012) Nat Neurosci 15:884; Brookes et al. (2012) NeuroImage 63:910.
    """
    m = float(check_range("comodulation", comodulation, 0, 1, high_inclusive=False))
    lam = check_scalar("leakage", leakage)
    n = check_int("n_times", n_times, 16)
    u, v = narrowband_noise((2, n), sfreq, freq, bandwidth, np.random.default_rng(rng))
    env = 1 + m * np.sin(2 * np.pi * float(mod_freq) * np.arange(n) / sfreq)
    a, b = env * u, env * v
    return np.stack([a, b + lam * a])[None]


@dataclass(frozen=True)
class FieldSpreadEpochs:
    """Magnetometer epochs produced by one oscillating cortical dipole plus sensor noise.

    Attributes
    ----------
    data : ndarray, shape (n_epochs, n_sensors, n_times)
        T.
    positions, normals : ndarray, shape (n_sensors, 3)
        Sensor positions (m) and orientations.
    topography : ndarray, shape (n_sensors,)
        Field of the unit dipole at the sensors, T/(A·m).
    source_position : ndarray, shape (3,)
        m.
    moment : float
        Dipole amplitude (A·m, RMS of the time course).
    """

    data: np.ndarray
    positions: np.ndarray
    normals: np.ndarray
    topography: np.ndarray
    source_position: np.ndarray
    moment: float


def field_spread_epochs(n_epochs=40, n_times=250, sfreq=250.0, freq=10.0, bandwidth=4.0,
                        vertex=None, n_sensors=60, moment=20e-9, noise=20e-15, rng=None
                        ) -> FieldSpreadEpochs:
    """A single oscillating source on a folded cortex, seen by radial magnetometers.

    No two brain signals interact here, yet neighbouring sensors are highly coherent at zero
    lag: every sensor sees the same source, weighted by the lead field (field spread).

    Parameters
    ----------
    n_epochs, n_times : int
        Epochs and samples per epoch.
    sfreq, freq, bandwidth : float
        Sampling frequency, band centre and full band width, in Hz.
    vertex : int, optional
        Index into :func:`neurocourse.meg.folded_cortex` vertices (default: a sulcal-wall vertex
        near the patch centre, the most tangential one).
    n_sensors : int
        Radial point magnetometers on a 12 cm cap.
    moment : float
        RMS dipole moment in A·m (default 20 nAm).
    noise : float
        RMS white sensor noise in T (default 20 fT).
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    FieldSpreadEpochs
        Sensor data (T), sensor geometry and the source's topography.

    References
    ----------
    Schoffelen & Gross (2009) Hum Brain Mapp 30:1857.
    """
    n_epochs = check_int("n_epochs", n_epochs, 1)
    n_times = check_int("n_times", n_times, 4)
    moment = float(check_positive("moment", moment, unit="A·m"))
    noise = float(check_positive("noise", noise, unit="T", allow_zero=True))
    cortex = meg.folded_cortex()
    if vertex is None:
        centre = np.argsort(np.abs(cortex.u) + np.abs(cortex.v))[: max(1, cortex.shape[1] * 6)]
        vertex = int(centre[np.argmin(cortex.radiality[centre])])
    vertex = check_int("vertex", vertex, 0)
    if vertex >= cortex.positions.shape[0]:
        raise ValueError(f"vertex must be in [0, {cortex.positions.shape[0] - 1}], got {vertex}")
    sensors = meg.radial_magnetometers(n=check_int("n_sensors", n_sensors, 2), z_min=0.0)
    G = meg.lead_field(cortex.positions[vertex], sensors.positions, sensors.normals)
    topo = G @ cortex.normals[vertex]
    g = np.random.default_rng(rng)
    s = moment * narrowband_noise((n_epochs, n_times), sfreq, freq, bandwidth, g)
    data = topo[None, :, None] * s[:, None, :]
    data = data + noise * g.normal(size=data.shape)
    return FieldSpreadEpochs(data=data, positions=sensors.positions, normals=sensors.normals,
                             topography=topo, source_position=cortex.positions[vertex],
                             moment=moment)


def tangential_vertex(cortex, u=0.0, v=0.0, radius=0.01) -> int:
    """Index of the most tangential vertex within ``radius`` (m, arc length) of (u, v).

    Parameters
    ----------
    cortex : FoldedCortex
        The patch, from :func:`neurocourse.meg.folded_cortex`.
    u, v : float
        Arc-length coordinates in m.
    radius : float
        Search radius in m.

    Returns
    -------
    int
        Vertex index; the most tangential vertex is the one of least ``cortex.radiality``.
    """
    d = np.hypot(cortex.u - u, cortex.v - v)
    near = np.flatnonzero(d <= float(check_positive("radius", radius, unit="m")))
    if near.size == 0:
        raise ValueError(f"(u, v) must lie within {radius} m of a vertex, got ({u}, {v})")
    return int(near[np.argmin(cortex.radiality[near])])


@dataclass(frozen=True)
class SourceLeakageEpochs:
    """Linear source estimates of MEG epochs produced by one or two cortical sources.

    Attributes
    ----------
    estimates : ndarray, shape (n_epochs, n_vertices, n_times)
        :math:`K(Gs + n)` at every vertex of the folded cortex (A·m for ``method="MNE"``).
    positions : ndarray, shape (n_vertices, 3)
        m.
    seed, partner : int
        Vertex of the active source and of its (optional) lagged partner.
    resolution : ndarray, shape (n_vertices, n_vertices)
        KG.
    K, G : ndarray
        Inverse kernel and fixed-orientation lead field.
    noise_cov : ndarray
        Sensor noise covariance (T²).
    source_psd, noise_psd : float
        One-sided power spectral densities inside the band: of each source (A²·m²/Hz, its
        variance spread over the band's frequency bins) and of the white sensor noise (T²/Hz),
        for closed-form cross-spectra (:func:`neurocourse.connectivity.estimate_cross_spectrum`).
    """

    estimates: np.ndarray
    positions: np.ndarray
    seed: int
    partner: int
    resolution: np.ndarray
    K: np.ndarray
    G: np.ndarray
    noise_cov: np.ndarray
    source_psd: float
    noise_psd: float


def source_leakage_epochs(n_epochs=40, n_times=250, sfreq=250.0, freq=10.0, bandwidth=4.0,
                          partner_distance=0.03, coupling=0.0, lag=0.02, n_sensors=80,
                          moment=20e-9, noise=20e-15, lambda2=1 / 9, method="MNE", rng=None
                          ) -> SourceLeakageEpochs:
    """Source estimates from MEG epochs of a folded cortex with one active source (plus a partner).

    The seed is the most tangential vertex near the patch centre; the partner, the most
    tangential vertex ``partner_distance`` m along the folds. The partner carries
    ``coupling`` × the seed's signal delayed by ``lag`` plus independent activity of the same
    power (``coupling = 0``: only independent activity). Sensor data are inverted with
    :func:`neurocourse.inverse.inverse_kernel`, so every estimate is a mixture of all sources
    weighted by a row of the resolution matrix: leakage.

    Parameters
    ----------
    n_epochs, n_times : int
        Epochs and samples per epoch.
    sfreq, freq, bandwidth : float
        Sampling frequency, band centre and full band width, in Hz.
    partner_distance : float
        Distance of the partner from the seed along the folds, in m.
    coupling : float
        Coherence of the partner with the seed, dimensionless, in [0, 1].
    lag : float
        Delay of the partner behind the seed, in s.
    n_sensors : int
        Radial point magnetometers on a 12 cm cap.
    moment : float
        RMS moment of each source, A·m.
    noise : float
        RMS white sensor noise, T.
    lambda2 : float
        Regularisation of the inverse, dimensionless (1/SNR²).
    method : str
        Inverse method (see :func:`neurocourse.inverse.inverse_kernel`).
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    SourceLeakageEpochs
        Source estimates, the operators K and G, and the planted seed and partner.

    References
    ----------
    Palva et al. (2018) NeuroImage 173:632; Hauk et al. (2022) NeuroImage 260:119444.
    """
    n_epochs = check_int("n_epochs", n_epochs, 1)
    n_times = check_int("n_times", n_times, 4)
    k = float(check_range("coupling", coupling, 0, 1))
    lag = check_scalar("lag", lag, unit="s")
    moment = float(check_positive("moment", moment, unit="A·m"))
    noise = float(check_positive("noise", noise, unit="T"))
    cortex = meg.folded_cortex()
    seed = tangential_vertex(cortex)
    partner = tangential_vertex(cortex, u=float(check_positive("partner_distance",
                                                               partner_distance, unit="m")),
                                radius=0.006)
    sensors = meg.radial_magnetometers(n=check_int("n_sensors", n_sensors, 2), z_min=0.0)
    G = meg.fixed_orientation(meg.lead_field(cortex.positions, sensors.positions,
                                             sensors.normals), cortex.normals)
    C = noise**2 * np.eye(G.shape[0])
    K = inverse.inverse_kernel(G, C, lambda2=lambda2, method=method)
    g = np.random.default_rng(rng)
    a, b = _lagged_sources(n_epochs, n_times, sfreq, freq, bandwidth, lag, k, g)
    data = moment * (G[:, seed][None, :, None] * a[:, None, :]
                     + G[:, partner][None, :, None] * b[:, None, :])
    data = data + noise * g.normal(size=data.shape)
    est = np.einsum("vc,ect->evt", K, data)
    width = np.sum(_band(n_times, sfreq, freq, bandwidth)[1]) * float(sfreq) / n_times  # Hz covered
    return SourceLeakageEpochs(estimates=est, positions=cortex.positions, seed=seed,
                               partner=partner, resolution=K @ G, K=K, G=G, noise_cov=C,
                               source_psd=moment**2 / width, noise_psd=noise**2 / (sfreq / 2))


@dataclass(frozen=True)
class NetworkTimeseries:
    """ROI time courses drawn from :math:`N(0, \\Theta^{-1})` with a planted precision Θ.

    Attributes
    ----------
    ts : ndarray, shape (n_scans, n_rois)
        Time courses, dimensionless (unit diagonal precision).
    precision : ndarray, shape (n_rois, n_rois)
        The planted Θ (tridiagonal), dimensionless.
    partial : ndarray, shape (n_rois, n_rois)
        The planted partial correlations, dimensionless, diagonal 1.
    """

    ts: np.ndarray
    precision: np.ndarray
    partial: np.ndarray


def chain_network(n_scans=400, n_rois=6, rho=0.4, rng=None) -> NetworkTimeseries:
    """A chain graph: ROI k talks directly only to k − 1 and k + 1.

    Θ is tridiagonal with 1 on the diagonal and −ρ beside it, so the planted partial
    correlation of neighbours is ρ and that of every other pair is exactly 0, while their
    marginal correlations are not.

    Parameters
    ----------
    n_scans, n_rois : int
        Number of samples (scans) and of ROIs in the chain.
    rho : float
        Neighbour partial correlation, dimensionless, in (−0.5, 0.5) (keeps Θ positive
        definite for any chain length).
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    NetworkTimeseries
        Time courses with the planted precision and partial correlations.
    """
    n_scans = check_int("n_scans", n_scans, 2)
    n = check_int("n_rois", n_rois, 2)
    rho = float(check_range("rho", rho, -0.5, 0.5, low_inclusive=False, high_inclusive=False))
    theta = np.eye(n) - rho * (np.eye(n, k=1) + np.eye(n, k=-1))
    cov = np.linalg.inv(theta)
    ts = np.random.default_rng(rng).multivariate_normal(np.zeros(n), cov, size=n_scans,
                                                        method="cholesky")
    d = np.sqrt(np.diag(theta))
    partial = -theta / np.outer(d, d)
    np.fill_diagonal(partial, 1.0)
    return NetworkTimeseries(ts=ts, precision=theta, partial=partial)


@dataclass(frozen=True)
class PPIExperiment:
    """A seed and a target whose neural coupling changes with the task.

    Attributes
    ----------
    seed, target : ndarray, shape (n_scans,)
        BOLD time courses (arbitrary units).
    psych : ndarray, shape (n_scans,)
        +0.5 in condition A, −0.5 in B.
    conditions : ndarray, shape (n_scans, 2)
        0/1 indicators of A and B (for gPPI).
    neural : ndarray, shape (n_scans,)
        The seed's neural signal z.
    h : ndarray
        The HRF at the scan times (nilearn's ``spm`` kernel, unit sum).
    gamma, tr : float
        Planted interaction (target neural = β z + γ z p + task + noise) and TR in s.
    """

    seed: np.ndarray
    target: np.ndarray
    psych: np.ndarray
    conditions: np.ndarray
    neural: np.ndarray
    h: np.ndarray
    gamma: float
    tr: float


def ppi_experiment(n_scans=300, tr=2.0, gamma=0.5, coupling=0.3, task=0.5, design="block",
                   noise=0.0, rng=None) -> PPIExperiment:
    """Simulate a PPI experiment with a planted neural-level interaction.

    Neural seed z is white Gaussian; the target's neural signal is
    :math:`\\beta z + \\gamma z p + \\alpha p + \\varepsilon` (ε, unit-variance neural noise,
    only when ``noise > 0``) and both BOLD series are the neural signals convolved with the HRF
    plus white noise of standard deviation ``noise`` (relative to a unit neural signal).

    Parameters
    ----------
    n_scans : int
        Number of scans (>= 10).
    tr : float
        Repetition time in s.
    gamma, coupling, task : float
        γ (interaction), β (task-independent coupling), α (task main effect): weights of the
        target's neural signal, dimensionless (relative to a unit-variance seed).
    design : {"block", "event"}
        20-scan alternating blocks, or a random ±0.5 label per scan (rapid event-related).
    noise : float
        Standard deviation of the BOLD noise (>= 0), in units of the unit-variance neural
        signal (dimensionless).
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    PPIExperiment
        Seed and target BOLD series, the task variable and the planted interaction.

    References
    ----------
    Gitelman et al. (2003) NeuroImage 19:200; O'Reilly et al. (2012) Soc Cogn Affect Neurosci
    7:604.
    """
    n = check_int("n_scans", n_scans, 10)
    tr = float(check_positive("tr", tr, unit="s"))
    gamma, beta, alpha = (check_scalar(k, v) for k, v in
                          (("gamma", gamma), ("coupling", coupling), ("task", task)))
    check_option("design", design, ("block", "event"))
    noise = float(check_positive("noise", noise, allow_zero=True))
    g = np.random.default_rng(rng)
    if design == "block":
        p = np.where((np.arange(n) // 20) % 2 == 0, 0.5, -0.5)
    else:
        p = g.choice([-0.5, 0.5], size=n)
    h = hrf.spm_hrf(tr, oversampling=1)
    H = convolution_matrix(h, n)
    z = g.normal(size=n)
    eps = g.normal(size=n) if noise > 0 else np.zeros(n)
    zt = beta * z + gamma * z * p + alpha * p + eps
    seed = H @ z + noise * g.normal(size=n)
    target = H @ zt + noise * g.normal(size=n)
    cond = np.column_stack([p > 0, p < 0]).astype(float)
    return PPIExperiment(seed=seed, target=target, psych=p, conditions=cond, neural=z, h=h,
                         gamma=gamma, tr=tr)
