"""Virtual fMRI experiments, seeded: a simulated slice and the efficiency of canonical designs.

These helpers compose :mod:`neurocourse.design` (events, design matrices, efficiency, AR(1) noise)
with fixed, documented choices, so that the book, its explorers and the tests show the same
numbers:

- :func:`slice_experiment`: a 2-D slice with two conditions (A, B) in alternating 7.5-s blocks,
  two Gaussian blobs of activation and AR(1) noise (a :class:`SliceExperiment`).
- :func:`block_design_efficiency`: efficiency of "task > rest" for an on/off block design, as a
  function of the block length, drifts included.
- :func:`event_design_efficiency`: efficiency of the main effect and of the differential contrast
  of a two-condition event-related design with null events (jitter).
- The **virtual subject** of the capstone, re-exported from :mod:`neurocourse.subject` (a folded
  cortex with patches seen by fMRI, MEG and EEG: :func:`virtual_subject`,
  :func:`simulate_subject`, :func:`simulate_recording`, :func:`recover`, ...) and its resolution
  tests from :mod:`neurocourse.subject_resolution` (:func:`two_sources`, :func:`two_events`).

Signals are in percent signal change around a baseline of 100; times in s; frequencies in Hz.

References
----------
.. [1] A. M. Dale, "Optimal experimental design for event-related fMRI", Hum. Brain Mapp.
   8:109-114, 1999.
.. [2] R. N. A. Henson, "Efficient experimental design for fMRI", in Statistical Parametric
   Mapping (Friston et al., eds.), Academic Press, 2007, ch. 15.
.. [3] nilearn, ``nilearn/glm/first_level/design_matrix.py`` (the design-matrix conventions
   followed by :mod:`neurocourse.design`), version 0.14.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse import design as _design
from neurocourse._validation import as_finite, check_int, check_option, check_positive, check_range
from neurocourse.subject import (
    ACTIVITIES,
    MODALITIES,
    SEQUENCES,
    Acquisition,
    Patch,
    PatchActivity,
    Recording,
    Recovery,
    SubjectData,
    VirtualSubject,
    acquired_bold,
    patch_activity,
    recover,
    simulate_recording,
    simulate_subject,
    virtual_subject,
)
from neurocourse.subject_resolution import (
    EventResolution,
    PairResolution,
    two_events,
    two_sources,
)

__all__ = [
    "ACTIVITIES",
    "CONTRASTS",
    "MODALITIES",
    "SEQUENCES",
    "Acquisition",
    "EventResolution",
    "PairResolution",
    "Patch",
    "PatchActivity",
    "Recording",
    "Recovery",
    "SliceExperiment",
    "SubjectData",
    "VirtualSubject",
    "acquired_bold",
    "block_design_efficiency",
    "event_design_efficiency",
    "patch_activity",
    "recover",
    "simulate_recording",
    "simulate_subject",
    "slice_experiment",
    "two_events",
    "two_sources",
    "virtual_subject",
]

#: Contrast names understood by :meth:`SliceExperiment.contrast_vector`.
CONTRASTS = ("A", "B", "A > B", "B > A", "any effect (F)")



@dataclass(frozen=True)
class SliceExperiment:
    """A simulated slice: its design, data and ground truth.

    Attributes
    ----------
    design : neurocourse.design.DesignMatrix
        Columns A, B, cosine drifts and the constant.
    Y : ndarray, shape (n_scans, ny * nx)
        Voxel time series (percent signal change around a baseline of 100).
    beta_a, beta_b : ndarray, shape (ny, nx)
        True response amplitudes of conditions A and B (percent signal change).
    shape : tuple of int
        (ny, nx).
    """

    design: _design.DesignMatrix
    Y: np.ndarray
    beta_a: np.ndarray
    beta_b: np.ndarray
    shape: tuple

    def true_effect(self, name):
        """The ground-truth effect map that a contrast of :data:`CONTRASTS` tests.

        Parameters
        ----------
        name : str
            One of :data:`CONTRASTS`.

        Returns
        -------
        ndarray, shape (ny, nx)
            In percent signal change: ``beta_a``, ``beta_b``, their difference for "A > B" and
            "B > A", and the length ``hypot(beta_a, beta_b)`` of the effect vector for the F test.
        """
        check_option("contrast", name, CONTRASTS)
        maps = {"A": self.beta_a, "B": self.beta_b, "A > B": self.beta_a - self.beta_b,
                "B > A": self.beta_b - self.beta_a}  # fmt: skip
        return maps[name] if name in maps else np.hypot(self.beta_a, self.beta_b)

    def contrast_vector(self, name):
        """Contrast for one of :data:`CONTRASTS`.

        Parameters
        ----------
        name : str
            One of :data:`CONTRASTS`.

        Returns
        -------
        ndarray, shape (n_columns,) or (2, n_columns)
            A contrast vector (t test), or a two-row matrix for ``"any effect (F)"``
            (dimensionless weights).
        """
        check_option("contrast", name, CONTRASTS)
        dm = self.design
        if name == "A":
            return dm.contrast({"A": 1})
        if name == "B":
            return dm.contrast({"B": 1})
        if name == "A > B":
            return dm.contrast({"A": 1, "B": -1})
        if name == "B > A":
            return dm.contrast({"A": -1, "B": 1})
        return np.vstack([dm.contrast({"A": 1}), dm.contrast({"B": 1})])  # "any effect (F)"


def _blob(shape, center, radius):
    """Unit-peak isotropic Gaussian on a (ny, nx) voxel grid; centre and radius in voxels."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return np.exp(-((yy - center[0]) ** 2 + (xx - center[1]) ** 2) / (2.0 * radius**2))


def slice_experiment(shape=(32, 32), n_scans=160, tr=2.0, amplitude=1.0, sigma=1.0, rho=0.4,
                     seed=0):
    """Simulate one slice: a block design with conditions A and B, two blobs, AR(1) noise.

    Blocks of 7.5 s start every 15 s from t = 10 s, alternating A, B, A, ...; the design has the
    Glover HRF, cosine drifts with a 0.01 Hz cut-off and a constant. The true maps are Gaussian
    blobs of standard deviation ny / 9 voxels: A centred at (0.45 ny, 0.28 nx), B at
    (0.55 ny, 0.72 nx), and B also responds with half of A's map. Noise is AR(1) with marginal
    standard deviation ``sigma`` (:func:`neurocourse.design.simulate_voxels`).

    Parameters
    ----------
    shape : tuple of int, default (32, 32)
        Slice size in voxels (ny, nx), each >= 1.
    n_scans : int, default 160
        Number of scans, >= 2; ``n_scans * tr`` must exceed 45 s (at least one A and one B block).
    tr : float, default 2.0
        Repetition time (s), > 0.
    amplitude : float, default 1.0
        Peak response at the blob centres (percent signal change). A peaks left (and responds at
        half amplitude to B), B peaks right.
    sigma : float, default 1.0
        Marginal noise standard deviation (percent signal change), >= 0.
    rho : float, default 0.4
        AR(1) coefficient of the noise (dimensionless), in (-1, 1).
    seed : int, default 0
        Random seed.

    Returns
    -------
    SliceExperiment
        Design, data ``Y`` (n_scans, ny * nx) and the true maps.

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    if np.ndim(shape) != 1 or len(shape) != 2:
        raise ValueError(f"shape must be a pair (ny, nx) of integers >= 1, got {shape!r}")
    ny, nx = (check_int("shape", s, 1) for s in shape)
    n_scans = check_int("n_scans", n_scans, 2)
    tr = float(check_positive("tr", tr, unit="s"))
    if n_scans * tr <= 45.0:
        raise ValueError(f"n_scans * tr must be > 45 s (one A and one B block), "
                         f"got {n_scans * tr:g} s")
    amplitude = float(as_finite("amplitude", amplitude))
    check_positive("sigma", sigma, allow_zero=True)
    check_range("rho", rho, -1.0, 1.0, low_inclusive=False, high_inclusive=False)
    shape = (ny, nx)
    ft = _design.frame_times(n_scans, tr)
    onsets = np.arange(10.0, n_scans * tr - 20.0, 15.0)
    conds = np.where(np.arange(onsets.size) % 2 == 0, "A", "B")
    events = _design.make_events(onsets, 7.5, 1.0, conds)
    dm = _design.make_design_matrix(ft, events, hrf_model="glover", drift_model="cosine",
                                    high_pass=0.01)
    a = amplitude * _blob(shape, (ny * 0.45, nx * 0.28), ny / 9)
    b = amplitude * _blob(shape, (ny * 0.55, nx * 0.72), ny / 9) + 0.5 * a
    beta = np.zeros((dm.shape[1], ny * nx))
    beta[dm.index("A")] = a.ravel()
    beta[dm.index("B")] = b.ravel()
    beta[dm.index("constant")] = 100.0
    Y = _design.simulate_voxels(dm.matrix, beta, rho=rho, sigma=sigma, rng=seed)
    return SliceExperiment(dm, Y, a, b, shape)


def block_design_efficiency(block_length, n_scans=200, tr=2.0, high_pass=0.01, rho=0.0):
    """Efficiency of "task > rest" for an on/off block design, drift columns included.

    Task blocks start at t = 0 and every ``2 * block_length`` s; the design has the Glover HRF,
    cosine drifts and a constant. Very short blocks are smoothed away by the HRF, very long ones
    are absorbed by the drifts, so the efficiency has an interior optimum (Henson 2007).

    Parameters
    ----------
    block_length : float
        Length of each task block (s), > 0; rest blocks have the same length (period
        2 x block_length).
    n_scans : int, default 200
        Number of scans, >= 2.
    tr : float, default 2.0
        Repetition time (s), > 0.
    high_pass : float, default 0.01
        Cosine drift cut-off (Hz), > 0, as in nilearn (periods longer than 1/high_pass are
        modelled as drift).
    rho : float, default 0.0
        AR(1) coefficient of the noise (dimensionless), in (-1, 1); 0 is white noise.

    Returns
    -------
    float
        :func:`neurocourse.design.efficiency` of the task column, :math:`1 / (c^T (X^T X)^{-1} c)`
        with noise sigma = 1 (1 / signal unit squared; Dale 1999); for rho != 0 the GLS
        efficiency :math:`1 / (c^T (X^T V^{-1} X)^{-1} c)` of
        :func:`neurocourse.design.correlated_efficiency`.

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    block_length = float(check_positive("block_length", block_length, unit="s"))
    n_scans = check_int("n_scans", n_scans, 2)
    tr = float(check_positive("tr", tr, unit="s"))
    high_pass = float(check_positive("high_pass", high_pass, unit="Hz"))
    ft = _design.frame_times(n_scans, tr)
    onsets = np.arange(0.0, n_scans * tr, 2.0 * block_length)
    dm = _design.make_design_matrix(ft, _design.make_events(onsets, block_length, 1.0, "task"),
                                    hrf_model="glover", drift_model="cosine",
                                    high_pass=high_pass)
    return _efficiency(dm, {"task": 1}, rho)


def _efficiency(dm, weights, rho):
    """White-noise efficiency at rho = 0 (bit-identical to before), else the AR(1) GLS one."""
    rho = float(check_range("rho", rho, -1.0, 1.0, low_inclusive=False, high_inclusive=False))
    c = dm.contrast(weights)
    if rho == 0.0:
        return _design.efficiency(dm.matrix, c)
    return _design.correlated_efficiency(dm.matrix, c, rho=rho)


def event_design_efficiency(soa, p_null=0.0, n_scans=200, tr=2.0, seed=0, rho=0.0):
    """Efficiency of an event-related design with two conditions and optional null events.

    Events (0.5 s long) are placed every ``soa`` seconds from t = 4 s; each slot is a null event
    (nothing happens) with probability ``p_null``, otherwise A or B with equal probability (the
    first two slots are always A then B). Null events jitter the effective interval between real
    events, which raises the efficiency of the main effect and lowers that of the differential
    contrast (Dale 1999; Henson 2007). Glover HRF, cosine drifts (0.01 Hz) and a constant.

    Parameters
    ----------
    soa : float
        Stimulus onset asynchrony of the slots (s), > 0; at least two slots must fit between 4 s
        and ``n_scans * tr - 16`` s.
    p_null : float, default 0.0
        Probability that a slot is a null event, in [0, 1).
    n_scans : int, default 200
        Number of scans, >= 2.
    tr : float, default 2.0
        Repetition time (s), > 0.
    seed : int, default 0
        Random seed of the sequence.
    rho : float, default 0.0
        AR(1) coefficient of the noise (dimensionless), in (-1, 1); 0 is white noise.

    Returns
    -------
    dict
        ``{"A + B": e_main, "A - B": e_diff}``: efficiencies (noise sigma = 1, 1 / signal unit
        squared) of the main effect of the task and of the differential contrast (GLS under
        AR(1) noise when rho != 0).

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    soa = float(check_positive("soa", soa, unit="s"))
    p_null = float(check_range("p_null", p_null, 0.0, 1.0, high_inclusive=False))
    n_scans = check_int("n_scans", n_scans, 2)
    tr = float(check_positive("tr", tr, unit="s"))
    if 4.0 + soa >= n_scans * tr - 16.0:
        raise ValueError(f"soa must leave at least two slots between 4 s and "
                         f"n_scans * tr - 16 = {n_scans * tr - 16.0:g} s, got {soa:g} s")
    rng = np.random.default_rng(seed)
    ft = _design.frame_times(n_scans, tr)
    onsets = np.arange(4.0, n_scans * tr - 16.0, soa)
    kind = rng.choice(["A", "B"], size=onsets.size)
    real = rng.random(onsets.size) >= p_null
    real[:2] = True  # keep both conditions present
    kind[:2] = ["A", "B"]
    events = _design.make_events(onsets[real], 0.5, 1.0, kind[real])
    dm = _design.make_design_matrix(ft, events, hrf_model="glover", drift_model="cosine",
                                    high_pass=0.01)
    return {
        "A + B": _efficiency(dm, {"A": 1, "B": 1}, rho),
        "A - B": _efficiency(dm, {"A": 1, "B": -1}, rho),
    }
