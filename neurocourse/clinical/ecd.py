"""Equivalent-current-dipole (ECD) localisation of detected spikes: one dipole fit per spike
(:func:`neurocourse.inverse.fit_dipole`), acceptance by goodness of fit and confidence volume, and
clustering of the accepted dipoles.

Clinical magnetic source imaging fits a single dipole at each spike peak, keeps the fits whose GOF
and confidence volume pass a threshold, and calls a focus *localising* when enough accepted dipoles
cluster within about a centimetre; scattered dipoles are non-localising. The thresholds used here
(GOF >= 80 %, volume <= 1 cm³, >= 5 dipoles within 1 cm) are the commonly quoted ones; centres
differ, and GOF on whitened data (as here and in MNE) is not the GOF on raw data that some
clinical packages report.

References
----------
.. [1] A. I. Bagić et al., "American Clinical Magnetoencephalography Society Clinical Practice
   Guideline 1: recording and analysis of spontaneous cerebral activity", J. Clin. Neurophysiol.
   28:348-354, 2011.
.. [2] MNE-Python ``mne.fit_dipole`` (GOF in %, Xfit confidence volume).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist, squareform

from neurocourse._validation import as_finite, check_int, check_points, check_positive, check_range
from neurocourse.inverse import DipoleFit, fit_dipole

__all__ = [
    "DipoleClusters",
    "SpikeLocalisation",
    "accept_dipoles",
    "cluster_dipoles",
    "fit_spike_dipoles",
    "localise_spikes",
]


def fit_spike_dipoles(data, times, spike_times, noise_cov, gain: Callable, radius,
                      center=(0, 0, 0), **fit_kw) -> list[DipoleFit]:
    """Fit one dipole at the sample nearest to each spike time.

    Parameters
    ----------
    data : array_like, shape (n_channels, n_times)
        Sensor data in channel units.
    times : array_like, shape (n_times,)
        Sample times in s, increasing.
    spike_times : array_like, shape (n_spikes,)
        Times to fit (e.g. from :func:`neurocourse.clinical.detect_spikes`), s.
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance, (channel unit)².
    gain : callable
        ``gain(points (n, 3) in m) -> (n_channels, 3 n)`` lead field, channel unit per A·m.
    radius : float
        Inner-skull radius of the sphere model in m.
    center : array_like, shape (3,)
        Sphere centre in m.
    **fit_kw
        Passed to :func:`neurocourse.inverse.fit_dipole` (``grid_spacing``, ``min_dist``, ``tol``).

    Returns
    -------
    fits : list of DipoleFit
        One per spike, in the order of ``spike_times``.
    """
    X = as_finite("data", data)
    t = as_finite("times", times, unit="s")
    if X.ndim != 2 or t.shape != (X.shape[1],):
        raise ValueError(f"data must be (n_channels, n_times) matching times {t.shape}, "
                         f"got {X.shape}")
    tk = as_finite("spike_times", spike_times, unit="s").ravel()
    idx = np.clip(np.searchsorted(t, tk), 1, t.size - 1)
    idx = np.where(np.abs(t[idx - 1] - tk) <= np.abs(t[idx] - tk), idx - 1, idx)
    # one nonlinear search per spike: the loop is over events, each a separate optimisation
    return [fit_dipole(X[:, i], noise_cov, gain, radius, center, **fit_kw) for i in idx]


def accept_dipoles(fits, min_gof=80.0, max_volume=1e-6) -> np.ndarray:
    """Which dipole fits pass the clinical acceptance criteria.

    Parameters
    ----------
    fits : sequence of DipoleFit
        Fits (``.gof`` in %, ``.confidence_volume`` in m³).
    min_gof : float
        Minimum goodness of fit in % (0-100; 80 by default, some centres use 70).
    max_volume : float
        Maximum 95 % confidence volume in m³ (1e-6 m³ = 1 cm³ by default; ``inf`` disables).

    Returns
    -------
    accepted : ndarray of bool, shape (n_fits,)
    """
    g = float(check_range("min_gof", min_gof, 0.0, 100.0, unit="%"))
    v = float(max_volume)
    if not v > 0:  # inf is allowed (no volume criterion)
        raise ValueError(f"max_volume must be > 0 m³ (or inf), got {max_volume!r}")
    gof = np.array([f.gof for f in fits], dtype=float)
    vol = np.array([f.confidence_volume for f in fits], dtype=float)
    return (gof >= g) & (vol <= v)


@dataclass(frozen=True, eq=False)
class DipoleClusters:
    """Single-linkage clusters of dipole positions.

    Attributes
    ----------
    labels : ndarray of int, shape (n_dipoles,)
        Cluster of each dipole (0 = largest cluster, 1 = next, ...); -1 for dipoles in clusters
        smaller than ``min_size``.
    centroids : ndarray, shape (n_clusters, 3)
        Mean position of each kept cluster, m.
    sizes : ndarray of int, shape (n_clusters,)
        Number of dipoles in each kept cluster (decreasing).
    spreads : ndarray, shape (n_clusters,)
        RMS distance of a cluster's dipoles from its centroid, m.
    """

    labels: np.ndarray
    centroids: np.ndarray
    sizes: np.ndarray
    spreads: np.ndarray

    @property
    def localising(self) -> bool:
        """True when at least one cluster reached ``min_size``."""
        return self.sizes.size > 0


def cluster_dipoles(positions, link_distance=0.01, min_size=5) -> DipoleClusters:
    """Group dipoles linked by chains of neighbours closer than ``link_distance``.

    Two dipoles are in the same cluster when a chain of dipoles joins them with every step shorter
    than ``link_distance`` (single linkage: connected components of the neighbour graph).

    Parameters
    ----------
    positions : array_like, shape (n_dipoles, 3)
        Dipole positions in m (may be empty).
    link_distance : float
        Linking distance in m (default 1 cm).
    min_size : int
        Smallest cluster kept (default 5); smaller groups are labelled -1.

    Returns
    -------
    DipoleClusters
    """
    P = as_finite("positions", positions)
    if P.size == 0:  # no accepted dipole: no cluster
        e = np.zeros(0)
        return DipoleClusters(np.zeros(0, int), np.zeros((0, 3)), e.astype(int), e)
    P = check_points("positions", P)
    d = float(check_positive("link_distance", link_distance, unit="m"))
    m = check_int("min_size", min_size, 1)
    adj = csr_matrix(squareform(pdist(P)) < d)
    _, comp = connected_components(adj, directed=False)
    counts = np.bincount(comp)
    order = np.argsort(-counts, kind="stable")
    keep = order[counts[order] >= m]
    rank = np.full(counts.size, -1)
    rank[keep] = np.arange(keep.size)
    labels = rank[comp]
    onehot = (labels[None, :] == np.arange(keep.size)[:, None]).astype(float)
    sizes = onehot.sum(axis=1)
    cent = onehot @ P / np.maximum(sizes, 1)[:, None]
    dev2 = np.sum((P[None, :, :] - cent[:, None, :]) ** 2, axis=-1)
    spreads = np.sqrt(np.sum(onehot * dev2, axis=1) / np.maximum(sizes, 1))
    return DipoleClusters(labels=labels, centroids=cent, sizes=sizes.astype(int), spreads=spreads)


@dataclass(frozen=True, eq=False)
class SpikeLocalisation:
    """Detected spikes, their dipole fits, the accepted ones and their clusters.

    Attributes
    ----------
    times : ndarray, shape (n_detected,)
        Detection times in s.
    positions : ndarray, shape (n_detected, 3)
        Fitted dipole positions in m.
    moments : ndarray, shape (n_detected, 3)
        Fitted moments in A·m.
    gof : ndarray, shape (n_detected,)
        Goodness of fit in %.
    volume : ndarray, shape (n_detected,)
        95 % confidence volumes in m³.
    accepted : ndarray of bool, shape (n_detected,)
        Fits passing :func:`accept_dipoles`.
    clusters : DipoleClusters
        Clusters of the accepted fits (labels index the accepted fits only).
    """

    times: np.ndarray
    positions: np.ndarray
    moments: np.ndarray
    gof: np.ndarray
    volume: np.ndarray
    accepted: np.ndarray
    clusters: DipoleClusters


def localise_spikes(data, times, sfreq, noise_cov, gain: Callable, radius, channel, *,
                    center=(0, 0, 0), method="amplitude", k=None, min_gof=80.0, max_volume=1e-6,
                    link_distance=0.01, min_size=5, **fit_kw) -> SpikeLocalisation:
    """The clinical ECD pipeline: detect on one channel, fit at each detection, accept, cluster.

    Parameters
    ----------
    data : array_like, shape (n_channels, n_times)
        Sensor data in channel units.
    times : array_like, shape (n_times,)
        Sample times in s.
    sfreq : float
        Sampling rate in Hz.
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance, (channel unit)².
    gain : callable
        Free-orientation lead field ``gain(points) -> (n_channels, 3 n)``, channel unit per A·m.
    radius : float
        Inner-skull radius in m.
    channel : int
        Channel on which spikes are detected.
    center : array_like, shape (3,)
        Sphere centre in m.
    method : {"amplitude", "teager"}
        Detector, see :func:`neurocourse.clinical.detect_spikes`.
    k : float, optional
        Detection threshold (dimensionless), see :func:`neurocourse.clinical.detect_spikes`.
    min_gof : float
        GOF acceptance threshold in %.
    max_volume : float
        Largest accepted 95 % confidence volume in m³.
    link_distance : float
        Single-linkage distance in m.
    min_size : int
        Smallest cluster kept (number of dipoles).
    **fit_kw
        Passed to :func:`neurocourse.inverse.fit_dipole`.

    Returns
    -------
    SpikeLocalisation
    """
    from neurocourse.clinical.detection import detect_spikes

    X = as_finite("data", data)
    ch = check_int("channel", channel, 0)
    if ch >= X.shape[0]:
        raise ValueError(f"channel must be < {X.shape[0]}, got {ch}")
    det = detect_spikes(X[ch], sfreq, method, k)
    fits = fit_spike_dipoles(X, times, det, noise_cov, gain, radius, center, **fit_kw)
    ok = accept_dipoles(fits, min_gof, max_volume)
    pos = np.array([f.position for f in fits]).reshape(-1, 3)
    return SpikeLocalisation(
        times=det, positions=pos, moments=np.array([f.moment for f in fits]).reshape(-1, 3),
        gof=np.array([f.gof for f in fits]), volume=np.array([f.confidence_volume for f in fits]),
        accepted=ok, clusters=cluster_dipoles(pos[ok], link_distance, min_size))
