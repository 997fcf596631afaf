"""Seeded simulations with planted representational truth for decoding and RSA.

Every generator takes ``rng`` (a Generator or an int seed, passed through
:func:`numpy.random.default_rng`, which returns a Generator unaltered) and returns what it
planted.

References
----------
Walther et al. (2016) NeuroImage 137:188 (noise model of fold-wise patterns); King & Dehaene
(2014) Trends Cogn Sci 18:203 (time-resolved decoding); Kriegeskorte et al. (2006) PNAS
103:3863 (searchlight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_int, check_positive, check_range

__all__ = [
    "DecodingData",
    "EpochDecodingData",
    "PatternData",
    "SearchlightData",
    "decoding_dataset",
    "geometry_patterns",
    "meg_decoding_epochs",
    "pattern_dataset",
    "searchlight_dataset",
]


def _alternating_labels(n):
    """Class labels 0, 1, 0, 1, ... for ``n`` trials."""
    return np.tile([0, 1], n // 2 + 1)[:n]


def _add_class_effect(X, y, columns, effect):
    """Add ±effect/2 (class 1 / class 0) to ``X[:, columns]`` in place."""
    X[:, columns] += effect * np.where(y == 1, 0.5, -0.5)[:, None]


@dataclass(frozen=True)
class DecodingData:
    """Trials of two classes with a planted pattern difference.

    Attributes
    ----------
    X : ndarray, shape (n_trials, n_voxels)
        Trial patterns, in units of the trial noise standard deviation.
    y : ndarray, shape (n_trials,), int (0 / 1)
        Class labels.
    runs : ndarray, shape (n_trials,), int
        Run label of each trial.
    informative : ndarray of int
        Voxels whose class means differ (by ±effect/2 around the run offset).
    effect : float
        The planted class-mean difference, in units of the noise standard deviation.
    """

    X: np.ndarray
    y: np.ndarray
    runs: np.ndarray
    informative: np.ndarray
    effect: float


def decoding_dataset(n_runs=6, n_trials=20, n_voxels=40, n_informative=5, effect=0.8,
                     run_offset=1.0, rng=None) -> DecodingData:
    """Two balanced classes in each run; ``n_informative`` voxels differ by ``effect``.

    Each run adds a random offset to every voxel (standard deviation ``run_offset``), the
    signature of scanner drift that makes trials of one run dependent.

    Parameters
    ----------
    n_runs, n_trials : int
        Runs, and trials per run (even: half of each class).
    n_voxels, n_informative : int
        Voxels per trial, and how many of them (the first ones) carry the effect.
    effect : float
        Class-mean difference, in units of the trial noise standard deviation
        (dimensionless), >= 0.
    run_offset : float
        Standard deviation of the per-run offsets, in units of the trial noise standard
        deviation (dimensionless), >= 0.
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    DecodingData
        Trials, labels, runs and the planted informative voxels.
    """
    R = check_int("n_runs", n_runs, 2)
    T = check_int("n_trials", n_trials, 2)
    if T % 2:
        raise ValueError(f"n_trials must be even (balanced classes per run), got {T}")
    V = check_int("n_voxels", n_voxels, 1)
    k = check_int("n_informative", n_informative, 0)
    if k > V:
        raise ValueError(f"n_informative must be <= n_voxels ({V}), got {k}")
    effect = float(check_positive("effect", effect, allow_zero=True))
    off = float(check_positive("run_offset", run_offset, allow_zero=True))
    g = np.random.default_rng(rng)
    y = np.tile(np.repeat([0, 1], T // 2), R)
    runs = np.repeat(np.arange(R), T)
    X = g.normal(size=(R * T, V)) + off * g.normal(size=(R, V))[runs]
    _add_class_effect(X, y, slice(0, k), effect)
    return DecodingData(X=X, y=y, runs=runs, informative=np.arange(k), effect=effect)


@dataclass(frozen=True)
class PatternData:
    """Fold-wise condition patterns with planted geometry.

    Attributes
    ----------
    data : ndarray, shape (n_folds, n_conditions, n_voxels)
        True patterns plus independent Gaussian noise per fold.
    patterns : ndarray, shape (n_conditions, n_voxels)
        The planted patterns.
    sigma : float
        Noise standard deviation per fold and voxel.
    true_rdm : ndarray, shape (n_pairs,)
        :math:`\\|\\mu_i-\\mu_j\\|^2/P`, the expectation of crossnobis with identity precision.
    """

    data: np.ndarray
    patterns: np.ndarray
    sigma: float
    true_rdm: np.ndarray


def pattern_dataset(n_folds=8, n_conditions=6, n_voxels=50, sigma=1.0, patterns=None,
                    identical=(0, 1), rng=None) -> PatternData:
    """Condition patterns seen in ``n_folds`` independent runs.

    Parameters
    ----------
    n_folds, n_conditions, n_voxels : int
        Folds (independent runs), conditions and voxels (the last two are ignored when
        ``patterns`` is given).
    sigma : float
        Noise standard deviation (>= 0), in the units of the patterns (arbitrary units).
    patterns : array_like, shape (n_conditions, n_voxels), optional
        Planted patterns, arbitrary units; default: standard-normal patterns, with the two conditions in
        ``identical`` made equal (a pair whose true distance is exactly 0).
    identical : tuple of int or None
        The pair of conditions made equal in the default patterns (``None``: none).
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    PatternData
        Fold-wise data, the planted patterns and the true RDM.
    """
    M = check_int("n_folds", n_folds, 2)
    sigma = float(check_positive("sigma", sigma, allow_zero=True))
    g = np.random.default_rng(rng)
    if patterns is None:
        K = check_int("n_conditions", n_conditions, 2)
        V = check_int("n_voxels", n_voxels, 1)
        mu = g.normal(size=(K, V))
        if identical is not None:
            mu[identical[1]] = mu[identical[0]]
    else:
        mu = as_finite("patterns", patterns)
        if mu.ndim != 2 or mu.shape[0] < 2:
            raise ValueError(f"patterns must have shape (n_conditions >= 2, n_voxels), got "
                             f"{mu.shape}")
    K, V = mu.shape
    data = mu[None] + sigma * g.normal(size=(M, K, V))
    i, j = np.triu_indices(K, 1)
    true = np.sum((mu[i] - mu[j]) ** 2, axis=1) / V
    return PatternData(data=data, patterns=mu, sigma=sigma, true_rdm=true)


def geometry_patterns(coords, n_voxels=60, rng=None) -> np.ndarray:
    """Embed condition positions in a plane of a voxel space, preserving crossnobis distances.

    Parameters
    ----------
    coords : array_like, shape (n_conditions, 2)
        Condition positions in a 2-D representational plane, in units such that the squared
        distance between two points equals their expected crossnobis distance
        :math:`\\|\\mu_i-\\mu_j\\|^2/P` (noise SD per voxel = 1 unit of pattern amplitude).
    n_voxels : int
        P (>= 2).
    rng : Generator or int, optional
        Draws the random orthonormal plane.

    Returns
    -------
    ndarray, shape (n_conditions, n_voxels)
        Patterns :math:`\\sqrt P\\,c\\,Q^\\top` with Q (P × 2) orthonormal, in units of the noise
        standard deviation per voxel (arbitrary units).
    """
    c = as_finite("coords", coords)
    if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] < 2:
        raise ValueError(f"coords must have shape (n_conditions >= 2, 2), got {c.shape}")
    P = check_int("n_voxels", n_voxels, 2)
    Q, _ = np.linalg.qr(np.random.default_rng(rng).normal(size=(P, 2)))
    return np.sqrt(P) * c @ Q.T


@dataclass(frozen=True)
class EpochDecodingData:
    """MEG-like epochs with a class difference confined to a time window.

    Attributes
    ----------
    epochs : ndarray, shape (n_trials, n_channels, n_times)
        Epochs, in units of the (unit) noise standard deviation.
    y : ndarray, shape (n_trials,)
        Class labels, 0 and 1 alternating.
    times : ndarray, shape (n_times,)
        s, relative to stimulus onset.
    window : tuple of float
        Start and end of the planted effect, s.
    d_prime : float
        Class separation along the discriminant in the window (Mahalanobis distance).
    """

    epochs: np.ndarray
    y: np.ndarray
    times: np.ndarray
    window: tuple
    d_prime: float


def meg_decoding_epochs(n_trials=80, n_channels=10, sfreq=100.0, tmin=-0.1, tmax=0.5,
                        window=(0.1, 0.3), d_prime=2.0, rng=None) -> EpochDecodingData:
    """Epochs of white sensor noise with a fixed topography added to class 1 within ``window``.

    With unit noise and a topography of norm ``d_prime``, the optimal linear classifier has
    AUC :math:`\\Phi(d'/\\sqrt2)` inside the window and 0.5 outside.

    Parameters
    ----------
    n_trials, n_channels : int
        Trials (classes alternate 0, 1, ...) and channels.
    sfreq : float
        Sampling frequency in Hz.
    tmin, tmax : float
        Epoch limits in s.
    window : tuple of float
        Effect window in s.
    d_prime : float
        Separation (>= 0), in units of the noise standard deviation (dimensionless).
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    EpochDecodingData
        Epochs, labels, times (s) and the planted window.
    """
    n = check_int("n_trials", n_trials, 4)
    c = check_int("n_channels", n_channels, 1)
    sfreq = float(check_positive("sfreq", sfreq, unit="Hz"))
    d = float(check_positive("d_prime", d_prime, allow_zero=True))
    w0, w1 = (float(v) for v in check_range("window", window, tmin, tmax, unit="s"))
    g = np.random.default_rng(rng)
    times = np.arange(np.round(tmin * sfreq), np.round(tmax * sfreq) + 1) / sfreq
    y = _alternating_labels(n)
    topo = g.normal(size=c)
    topo *= d / np.linalg.norm(topo)
    E = g.normal(size=(n, c, times.size))
    inside = (times >= w0) & (times <= w1)
    E[np.ix_(y == 1, np.arange(c), np.flatnonzero(inside))] += topo[None, :, None]
    return EpochDecodingData(epochs=E, y=y, times=times, window=(w0, w1), d_prime=d)


@dataclass(frozen=True)
class SearchlightData:
    """Trials on a small voxel grid with an informative ball.

    Attributes
    ----------
    X : ndarray, shape (n_trials, n_voxels)
        Trial patterns, in units of the noise standard deviation.
    y : ndarray, shape (n_trials,)
        Class labels, 0 and 1 alternating.
    positions : ndarray, shape (n_voxels, 3)
        Voxel centres in m.
    shape : tuple of int
        Grid shape; voxels are in C order.
    informative : ndarray of bool, shape (n_voxels,)
        True inside the informative ball.
    voxel_size : float
        m.
    """

    X: np.ndarray
    y: np.ndarray
    positions: np.ndarray
    shape: tuple
    informative: np.ndarray
    voxel_size: float


def searchlight_dataset(shape=(6, 6, 4), voxel_size=3e-3, center=(2, 2, 1), radius=4.5e-3,
                        n_trials=40, effect=1.5, rng=None) -> SearchlightData:
    """Two classes; the voxels within ``radius`` of ``center`` differ by ``effect``.

    Parameters
    ----------
    shape : tuple of int
        Grid size in voxels.
    voxel_size : float
        Isotropic voxel size in m (default 3 mm).
    center : tuple of int
        Voxel index of the centre of the informative ball.
    radius : float
        Radius of the informative ball in m.
    n_trials : int
        Even; classes alternate.
    effect : float
        Class difference, in units of the noise standard deviation (dimensionless), >= 0.
    rng : Generator or int, optional
        Random generator, or a seed for one.

    Returns
    -------
    SearchlightData
        Trials, labels, voxel positions (m) and the planted informative ball.
    """
    shape = tuple(check_int("shape", s, 1) for s in shape)
    vs = float(check_positive("voxel_size", voxel_size, unit="m"))
    radius = float(check_positive("radius", radius, unit="m"))
    n = check_int("n_trials", n_trials, 4)
    effect = float(check_positive("effect", effect, allow_zero=True))
    idx = np.indices(shape).reshape(3, -1).T
    pos = idx * vs
    inf = np.linalg.norm(pos - np.asarray(center, float) * vs, axis=1) <= radius * (1 + 1e-9)
    g = np.random.default_rng(rng)
    y = _alternating_labels(n)
    X = g.normal(size=(n, pos.shape[0]))
    _add_class_effect(X, y, inf, effect)
    return SearchlightData(X=X, y=y, positions=pos, shape=shape, informative=inf,
                           voxel_size=vs)
