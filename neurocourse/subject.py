"""A virtual subject: one folded cortical sheet with labelled patches, seen by fMRI, MEG and EEG.

Every modality is computed from the **same** neural activity with existing package functions
(there is no new physics here, only composition):

- the cortex is :func:`neurocourse.meg.folded_cortex`; a patch is the set of sources within a
  radius of a chosen point of the sheet;
- each patch carries a neural time course (:func:`patch_activity`, in A·m per source): an
  event-related Gaussian burst at a latency after each event, an amplitude-modulated band-limited
  rhythm (e.g. alpha), or interictal spikes (the spike train and waveform of
  :mod:`neurocourse.clinical`); :func:`simulate_recording` gives a continuous MEG+EEG recording of
  them;
- **fMRI**: the event train drives :func:`neurocourse.bold.simulate_balloon` per patch (scaled by
  the patch's metabolic coupling, 0 for an fMRI-invisible patch); the balloon's venous volume and
  deoxyhaemoglobin go through the acquisition (:class:`Acquisition`: GRE or SE, TE, B0, with the
  TE- and field-dependent output equation of :func:`neurocourse.bold.bold_coefficients`, the
  spin echo refocusing most of the extravascular term), are sampled every TR as % signal change
  with thermal noise whose percent size grows as the baseline decays with TE
  (:func:`neurocourse.mri.t2star_decay` with the grey-matter T2* or T2 of
  :func:`neurocourse.mri.tissue_relaxation`), and are analysed with
  :func:`neurocourse.glm.fit_glm` on a :func:`neurocourse.design.compute_regressor` (Glover HRF)
  regressor: a t map over the sheet;
- **MEG/EEG**: the evoked response (average of the trials) through the fixed-orientation lead
  fields of :func:`neurocourse.forward.make_forward` (radial magnetometers, EEG electrodes on a
  three-shell sphere, reference at infinity) plus sensor noise
  (:func:`neurocourse.eeg.measures.noise_covariance`) divided by the number of trials;
- recovery: dSPM (:func:`neurocourse.inverse.inverse_kernel`) for MEG, EEG, MEG+EEG and the
  fMRI-weighted MEG of :func:`neurocourse.multimodal.fmri_weighted_kernel`.

Units: m, s, A·m, T, V; BOLD in % signal change.

References
----------
.. [1] A. M. Dale and M. I. Sereno, "Improved localization of cortical activity by combining EEG
   and MEG with MRI cortical surface reconstruction: a linear approach", J. Cogn. Neurosci.
   5:162-176, 1993.
.. [2] A. K. Liu, J. W. Belliveau and A. M. Dale, Proc. Natl. Acad. Sci. USA 95:8945-8950, 1998.
.. [3] T. Obata et al., "Discrepancies between BOLD and flow dynamics in primary and supplementary
   motor areas: application of the balloon model to the interpretation of BOLD transients",
   NeuroImage 21:144-153, 2004 (the TE- and B0-dependent output equation).
.. [4] J. L. Boxerman et al., "MR contrast due to intravascular magnetic susceptibility
   perturbations", Magn. Reson. Med. 34:555-566, 1995 (spin echo: the static extravascular
   dephasing is refocused, the microvascular part remains).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from neurocourse import bold, clinical, design, eeg, glm, inverse, meg, mri
from neurocourse._validation import check_int, check_option, check_positive, check_range
from neurocourse.eeg.measures import NoiseLevels, noise_covariance
from neurocourse.forward import make_forward
from neurocourse.multimodal import fmri_weighted_kernel, peak_localisation_error

__all__ = [
    "ACTIVITIES",
    "MODALITIES",
    "SEQUENCES",
    "Acquisition",
    "Patch",
    "PatchActivity",
    "Recording",
    "Recovery",
    "SubjectData",
    "VirtualSubject",
    "acquired_bold",
    "patch_activity",
    "recover",
    "simulate_recording",
    "simulate_subject",
    "virtual_subject",
]

#: Modalities understood by :func:`recover`.
MODALITIES = ("fMRI", "MEG", "EEG", "MEG+EEG", "fMRI-weighted MEG")
#: Kinds of patch activity understood by :func:`patch_activity`.
ACTIVITIES = ("evoked", "oscillation", "spikes")
#: Pulse sequences understood by :class:`Acquisition`.
SEQUENCES = ("GRE", "SE")


@dataclass(frozen=True)
class Acquisition:
    """The fMRI acquisition of the virtual subject.

    Attributes
    ----------
    sequence : {"GRE", "SE"}
        Gradient echo or spin echo.
    TE : float
        Echo time, s (> 0). Default 0.03, the usual 3-T GRE-EPI choice
        (:data:`neurocourse.mri.PROTOCOL_TE`; SE uses about 0.06).
    TR : float
        Repetition time, s (> 0): the sampling interval of the BOLD series.
    noise : float
        Thermal noise SD as a percentage of the signal at TE = 0 (>= 0). The noise in percent of
        the baseline at the echo is ``noise / exp(-TE / T2)``, with T2* (GRE) or T2 (SE) of grey
        matter at ``field_strength``: a longer TE buys contrast and loses baseline signal.
        Default 0.13 %, i.e. 0.2 % of the GRE baseline at TE = 30 ms and 3 T.
    field_strength : {1.5, 3.0, 7.0}
        B0, T (the fields of :data:`neurocourse.mri.TISSUE_RELAXATION`).
    se_ratio : float
        Fraction of the GRE extravascular relaxation-rate change that a spin echo keeps, in
        [0, 1] (dimensionless). Default 0.3: the ratio of the SE peak (capillary radii) to the
        GRE plateau of :func:`neurocourse.vessels.simulate_vessel_mc` at 3 T, TE = 60 ms
        (0.79 / 2.6 s^-1 with 1 600 spins; the mr_acquisition chapter). The intravascular and
        volume terms are kept: blood's own T2 change is not refocused (Boxerman et al. 1995).
    """

    sequence: str = "GRE"
    TE: float = 0.03
    TR: float = 2.0
    noise: float = 0.13
    field_strength: float = 3.0
    se_ratio: float = 0.3

    def __post_init__(self):
        object.__setattr__(self, "sequence", check_option("sequence", self.sequence, SEQUENCES))
        object.__setattr__(self, "TE", float(check_positive("TE", self.TE, unit="s")))
        object.__setattr__(self, "TR", float(check_positive("TR", self.TR, unit="s")))
        object.__setattr__(self, "noise", float(check_range("noise", self.noise, 0.0)))
        check_option("field_strength", float(self.field_strength), (1.5, 3.0, 7.0))
        object.__setattr__(self, "field_strength", float(self.field_strength))
        object.__setattr__(self, "se_ratio", float(check_range("se_ratio", self.se_ratio, 0, 1)))

    @property
    def baseline(self) -> float:
        """Baseline signal at the echo relative to TE = 0, ``exp(-TE / T2(*))`` (dimensionless)."""
        tissue = mri.tissue_relaxation("gm", self.field_strength)
        return float(mri.t2star_decay(self.TE, tissue.T2star if self.sequence == "GRE"
                                      else tissue.T2))

    @property
    def noise_percent(self) -> float:
        """Noise SD in percent of the baseline signal at the echo."""
        return self.noise / self.baseline


def acquired_bold(v, q, acquisition: Acquisition = Acquisition(), params=None):
    """Fractional BOLD change of an acquisition, from the balloon's volume and deoxyhaemoglobin.

    .. math::

        \\frac{\\Delta S}{S} = V_0\\left[\\eta\\,k_1 (1 - q) + k_2\\Big(1 - \\frac qv\\Big)
        + k_3 (1 - v)\\right]

    with the revised coefficients :math:`k_1 = 4.3\\,\\vartheta_0 E_0 TE`,
    :math:`k_2 = \\varepsilon r_0 E_0 TE`, :math:`k_3 = 1 - \\varepsilon` of
    :func:`neurocourse.bold.bold_coefficients` (Obata et al. 2004) at the acquisition's TE and
    B0, and :math:`\\eta = 1` for GRE, ``acquisition.se_ratio`` for SE (the extravascular
    dephasing around large vessels is refocused; Boxerman et al. 1995).

    Parameters
    ----------
    v, q : array_like
        Normalised venous volume and deoxyhaemoglobin content (1 at rest), dimensionless.
    acquisition : Acquisition
        Sequence, TE (s) and B0 (T).
    params : BalloonParams, optional
        Supplies ``E0`` and ``V0`` (default: :class:`neurocourse.bold.BalloonParams`).

    Returns
    -------
    ndarray
        Fractional signal change ΔS/S (dimensionless; multiply by 100 for %).
    """
    params = bold.BalloonParams() if params is None else params
    kw = dict(field_strength=acquisition.field_strength, TE=acquisition.TE)
    gre = bold.bold_signal(v, q, params, "revised", **kw)
    if acquisition.sequence == "GRE":
        return gre
    k1 = bold.bold_coefficients(params, "revised", **kw)[0]
    return gre - (1.0 - acquisition.se_ratio) * params.V0 * k1 * (1.0 - np.asarray(q, float))


@dataclass(frozen=True)
class Patch:
    """A labelled cortical patch and its activity.

    Attributes
    ----------
    name : str
        Label.
    u : float
        Position of the patch centre along the folds (arc length from the sheet's centre), m.
    radius : float
        Sources within this distance of the centre source belong to the patch, m.
    moment : float
        Peak current per source in A·m.
    latency : float
        Peak latency of the evoked burst after each event, s.
    width : float
        SD of the Gaussian burst, s.
    bold_coupling : float
        Neural-to-haemodynamic gain (dimensionless, 1 = normal, 0 = fMRI-invisible).
    activity : {"evoked", "oscillation", "spikes"}
        Time course of the patch (:func:`patch_activity`): a burst time-locked to each event; an
        amplitude-modulated band-limited rhythm; or interictal spike-and-slow-wave complexes at
        Poisson times (:func:`neurocourse.clinical.spike_times`).
    frequency : float
        Centre frequency of the rhythm, Hz (default 10, alpha).
    bandwidth : float
        Width of the rhythm's band, Hz (default 2: 9-11 Hz).
    modulation : float
        Frequency of the rhythm's amplitude envelope ``(1 + cos 2π f_m t) / 2``, Hz.
    rate : float
        Mean interictal spike rate, Hz (< 1: the refractory period is 1 s).
    """

    name: str
    u: float
    radius: float = 0.004
    moment: float = 5e-9
    latency: float = 0.1
    width: float = 0.02
    bold_coupling: float = 1.0
    activity: str = "evoked"
    frequency: float = 10.0
    bandwidth: float = 2.0
    modulation: float = 0.1
    rate: float = 0.2


@dataclass(frozen=True, eq=False)
class VirtualSubject:
    """Geometry and forward models of the virtual subject.

    Attributes
    ----------
    source_rr, source_nn : ndarray, shape (n_sources, 3)
        Positions (m) and unit normals of the cortical sources.
    labels : ndarray of int, shape (n_sources,)
        Patch index of each source (-1: none).
    patches : tuple of Patch
        The patches.
    fwd : Forward
        Fixed-orientation MEG (mag) + EEG forward, T/(A·m) and V/(A·m).
    noise_cov : ndarray, shape (n_channels, n_channels)
        Single-trial sensor-noise covariance (20 fT, 0.2 µV), (channel unit)².
    """

    source_rr: np.ndarray
    source_nn: np.ndarray
    labels: np.ndarray
    patches: tuple
    fwd: object
    noise_cov: np.ndarray

    @property
    def membership(self) -> np.ndarray:
        """(n_sources, n_patches) 0/1 matrix: 1 where a source belongs to a patch
        (dimensionless)."""
        return (self.labels[:, None] == np.arange(len(self.patches))[None, :]).astype(float)

    def centroid(self, k) -> np.ndarray:
        """Mean position of patch ``k`` in m."""
        return self.source_rr[self.labels == k].mean(axis=0)


@dataclass(frozen=True, eq=False)
class PatchActivity:
    """The time course of one patch.

    Attributes
    ----------
    current : ndarray, shape (n_times,) or None
        Current per source of the patch, A·m (None when not asked for).
    drive : ndarray, shape (n_times,)
        Neural input of the balloon model (dimensionless, 0 to 1): 1 for 1 s after each event
        or spike; the amplitude envelope of a rhythm (BOLD follows band power, not phase).
    events : ndarray
        Times of the evoked peaks (onset + latency) or of the spike peaks, s (empty for a
        rhythm).
    """

    current: np.ndarray
    drive: np.ndarray
    events: np.ndarray


def _bursts(t, starts, length=1.0):
    """1 where ``t`` falls in a ``length``-s burst from any of ``starts`` (s), else 0."""
    return ((t[:, None] >= starts[None, :]) & (t[:, None] < starts[None, :] + length)).any(
        axis=1).astype(float)


def patch_activity(patch: Patch, times, onsets=(), rng=None, *, with_current=True
                   ) -> PatchActivity:
    """Neural time course of a patch on a uniform time axis.

    - ``"evoked"``: :math:`j(t) = m \\sum_k e^{-(t - o_k - \\ell)^2 / 2 w^2}` (moment m, latency
      ℓ, width w, onsets :math:`o_k`);
    - ``"oscillation"``: white noise band-passed to ``frequency ± bandwidth / 2``
      (:func:`neurocourse.clinical.bandpass`), scaled to unit RMS, times ``m √2 e(t)`` with the
      envelope :math:`e(t) = (1 + \\cos 2\\pi f_m t)/2`;
    - ``"spikes"``: :func:`neurocourse.clinical.spike_waveform` with peak m at the Poisson times of
      :func:`neurocourse.clinical.spike_times` (rate ``patch.rate``, refractory 1 s).

    Parameters
    ----------
    patch : Patch
        The patch and its activity parameters.
    times : array_like, shape (n_times,)
        Uniformly sampled times, s (at least 2 samples).
    onsets : array_like
        Event onsets, s (evoked patches only).
    rng : numpy.random.Generator or int, optional
        Random draws (rhythm and spike times).
    with_current : bool
        False skips the rhythm's carrier (``current`` is then None): the balloon needs only the
        drive, and a coarse haemodynamic time step cannot carry a fast rhythm.

    Returns
    -------
    PatchActivity
    """
    t = np.ravel(np.asarray(times, dtype=float))
    if t.size < 2:
        raise ValueError(f"times must hold at least 2 samples, got {t.size}")
    kind = check_option("activity", patch.activity, ACTIVITIES)
    m = float(patch.moment)
    if kind == "evoked":
        o = np.ravel(np.asarray(onsets, dtype=float))
        cur = m * np.exp(-((t[:, None] - o[None, :] - patch.latency) ** 2)
                         / (2 * patch.width**2)).sum(axis=1)
        return PatchActivity(cur, _bursts(t, o), o + patch.latency)
    rng = np.random.default_rng(rng)
    dt = float(t[1] - t[0])
    if kind == "oscillation":
        f0 = float(check_positive("frequency", patch.frequency, unit="Hz"))
        bw = float(check_range("bandwidth", patch.bandwidth, 0.0, 2 * f0, low_inclusive=False,
                               high_inclusive=False, unit="Hz"))
        fm = float(check_range("modulation", patch.modulation, 0.0, unit="Hz"))
        env = 0.5 * (1.0 + np.cos(2 * np.pi * fm * t))
        if not with_current:
            return PatchActivity(None, env, np.empty(0))
        carrier = clinical.bandpass(rng.standard_normal(t.size), 1.0 / dt,
                                    (f0 - bw / 2, f0 + bw / 2))
        cur = m * np.sqrt(2.0) * env * carrier / np.sqrt(np.mean(carrier**2))
        return PatchActivity(cur, env, np.empty(0))
    tk = t[0] + clinical.spike_times(t[-1] - t[0], patch.rate, 1.0, rng=rng)
    return PatchActivity(clinical.spike_waveform(t, tk, m), _bursts(t, tk), tk)


def virtual_subject(patches=(Patch("A", 0.0),), n=(41, 5), n_meg=60, n_eeg=32) -> VirtualSubject:
    """Build the subject: a folded sheet, its patches and the MEG+EEG forward.

    Parameters
    ----------
    patches : sequence of Patch
        Patches (their centres are snapped to the nearest source on the v = 0 line).
    n : tuple of int
        Grid of the folded sheet (along, across the folds).
    n_meg : int
        Number of radial magnetometers (0.12 m from the centre).
    n_eeg : int
        Number of EEG electrodes (on the 0.088-m scalp).

    Returns
    -------
    VirtualSubject
    """
    cx = meg.folded_cortex(n=n)
    rr, nn = cx.positions, cx.normals
    labels = np.full(rr.shape[0], -1)
    on_line = np.flatnonzero(np.abs(cx.v) == np.abs(cx.v).min())
    for k, p in enumerate(patches):
        c = on_line[np.argmin(np.abs(cx.u[on_line] - float(p.u)))]
        inside = np.linalg.norm(rr - rr[c], axis=1) <= float(check_positive("radius", p.radius))
        if np.any(labels[inside] >= 0):
            raise ValueError(f"patch {p.name!r} overlaps another patch")
        labels[inside] = k
    fwd = make_forward(rr, meg=meg.radial_magnetometers(check_int("n_meg", n_meg, 3), radius=0.12,
                                                        z_min=-0.2),
                       eeg=eeg.electrode_grid(check_int("n_eeg", n_eeg, 3)), normals=nn)
    return VirtualSubject(source_rr=rr, source_nn=nn, labels=labels, patches=tuple(patches),
                          fwd=fwd, noise_cov=noise_covariance(fwd, NoiseLevels()))


@dataclass(frozen=True, eq=False)
class SubjectData:
    """What each modality recorded.

    Attributes
    ----------
    times : ndarray, shape (n_times,)
        Epoch times of the evoked response, s.
    source : ndarray, shape (n_sources, n_times)
        Planted evoked current per source, A·m.
    evoked : ndarray, shape (n_channels, n_times)
        Trial-averaged MEG+EEG data (T and V).
    evoked_cov : ndarray, shape (n_channels, n_channels)
        Noise covariance of the average, (channel unit)².
    frame_times : ndarray, shape (n_scans,)
        Scan times, s.
    bold : ndarray, shape (n_scans, n_sources)
        BOLD per cortical voxel, % signal change of the acquisition (noise included).
    onsets : ndarray
        Event onsets, s.
    acquisition : Acquisition or None
        The fMRI acquisition that produced ``bold``.
    """

    times: np.ndarray
    source: np.ndarray
    evoked: np.ndarray
    evoked_cov: np.ndarray
    frame_times: np.ndarray
    bold: np.ndarray
    onsets: np.ndarray
    acquisition: Acquisition | None = None


def _sensor_noise(cov, n_times, rng):
    """Gaussian sensor noise of covariance ``cov`` (channel unit²), shape (n_channels, n_times)."""
    L = np.linalg.cholesky(cov + 1e-30 * np.eye(cov.shape[0]) * np.trace(cov))
    return L @ rng.standard_normal((cov.shape[0], n_times))


def simulate_subject(subject: VirtualSubject, n_events=20, isi=12.0, tr=None, bold_noise=None,
                     sfreq=500.0, epoch=(-0.1, 0.4), rng=0,
                     acquisition: Acquisition = Acquisition()) -> SubjectData:
    """Simulate an event-related session seen by fMRI and by MEG/EEG.

    Parameters
    ----------
    subject : VirtualSubject
        Geometry and patches.
    n_events : int
        Number of events (fMRI session; also the number of MEG/EEG trials averaged).
    isi : float
        Interval between events in s (the fMRI session lasts ``n_events * isi + 20`` s).
    tr : float, optional
        Repetition time in s; overrides ``acquisition.TR`` (kept for older callers).
    bold_noise : float, optional
        White noise SD of the BOLD series in % of the baseline at the echo; overrides
        ``acquisition.noise`` (kept for older callers; 0 gives a noise-free series).
    sfreq : float
        MEG/EEG sampling rate in Hz.
    epoch : tuple of float
        Epoch start and end in s.
    rng : numpy.random.Generator or int
        Random draws.
    acquisition : Acquisition
        fMRI sequence (GRE or SE), TE (s), TR (s), thermal noise (%) and B0 (T).

    Returns
    -------
    SubjectData
    """
    rng = np.random.default_rng(rng)
    ne = check_int("n_events", n_events, 1)
    isi = float(check_positive("isi", isi, unit="s"))
    if not isinstance(acquisition, Acquisition):
        raise TypeError(f"acquisition must be an Acquisition, got {type(acquisition).__name__}")
    if tr is not None:
        acquisition = replace(acquisition, TR=float(check_positive("tr", tr, unit="s")))
    if bold_noise is not None:
        sd0 = float(check_range("bold_noise", bold_noise, 0.0))
        acquisition = replace(acquisition, noise=sd0 * acquisition.baseline)
    tr = acquisition.TR
    sd = acquisition.noise_percent
    # ---- MEG/EEG: each patch's activity, averaged over the trials (an evoked burst is the same
    # on every trial; a rhythm or spikes are drawn on consecutive trials and averaged)
    fs = float(check_positive("sfreq", sfreq, unit="Hz"))
    t = np.arange(epoch[0], epoch[1] + 0.5 / fs, 1.0 / fs)
    P = len(subject.patches)
    wave = np.zeros((P, t.size))
    for k, p in enumerate(subject.patches):  # a few patches
        if p.activity == "evoked":
            wave[k] = patch_activity(p, t, [0.0]).current
        else:
            run = epoch[0] + np.arange(ne * t.size) / fs
            wave[k] = patch_activity(p, run, rng=rng).current.reshape(ne, t.size).mean(axis=0)
    onehot = subject.membership
    J = onehot @ wave
    cov = subject.noise_cov / ne
    noise = _sensor_noise(cov, t.size, rng)
    evoked = subject.fwd.G @ J + noise
    # ---- fMRI: each patch's neural drive (1-s bursts at each onset or spike, or a rhythm's
    # envelope) through the balloon model and the acquisition, sampled every TR
    onsets = 10.0 + isi * np.arange(ne)
    n_scans = int(np.ceil((onsets[-1] + 20.0) / tr))
    dt = 0.01
    fine = np.arange(round(n_scans * tr / dt)) * dt
    drive = np.column_stack([patch_activity(p, fine, onsets, rng=rng, with_current=False).drive
                             for p in subject.patches]).reshape(fine.size, P)
    coupling = np.array([p.bold_coupling for p in subject.patches], dtype=float)
    # one balloon run per distinct drive (patches sharing the events share the haemodynamics);
    # a 1-D run takes the balloon's fast scalar path
    uniq, inv = np.unique(drive, axis=1, return_inverse=True)
    runs = [bold.simulate_balloon(uniq[:, j], dt) for j in range(uniq.shape[1])]  # few drives
    v = np.column_stack([r.v for r in runs])[:, np.ravel(inv)]
    q = np.column_stack([r.q for r in runs])[:, np.ravel(inv)]
    b = 100.0 * acquired_bold(v, q, acquisition) * coupling
    ft = design.frame_times(n_scans, tr)
    idx = np.rint(ft / dt).astype(int)
    Y = b[idx] @ onehot.T + sd * rng.standard_normal((n_scans, subject.labels.size))
    return SubjectData(times=t, source=J, evoked=evoked, evoked_cov=cov, frame_times=ft, bold=Y,
                       onsets=onsets, acquisition=acquisition)


@dataclass(frozen=True, eq=False)
class Recording:
    """A continuous (single-trial) MEG+EEG recording of the virtual subject.

    Attributes
    ----------
    times : ndarray, shape (n_times,)
        Sample times, s.
    source : ndarray, shape (n_sources, n_times)
        Planted current per source, A·m.
    data : ndarray, shape (n_channels, n_times)
        MEG+EEG data (T and V), sensor noise included.
    noise_cov : ndarray, shape (n_channels, n_channels)
        Covariance of the added sensor noise, (channel unit)².
    onsets : ndarray
        Event onsets of the evoked patches, s.
    events : tuple of ndarray
        Per patch, the times of its evoked peaks or spikes (:attr:`PatchActivity.events`), s.
    """

    times: np.ndarray
    source: np.ndarray
    data: np.ndarray
    noise_cov: np.ndarray
    onsets: np.ndarray
    events: tuple


def simulate_recording(subject: VirtualSubject, duration=20.0, sfreq=250.0, isi=2.0,
                       rng=0) -> Recording:
    """A continuous MEG+EEG recording of every patch's activity (:func:`patch_activity`).

    :math:`\\mathbf b(t) = G\\,\\mathbf j(t) + \\mathbf n(t)` with the single-trial sensor
    noise of the subject (white, 20 fT and 0.2 µV); evoked patches respond to events every
    ``isi`` s from t = 0.5 s.

    Parameters
    ----------
    subject : VirtualSubject
        Geometry, patches and forward.
    duration : float
        Length, s (> 0).
    sfreq : float
        Sampling rate, Hz (> 0; above twice the highest rhythm band edge).
    isi : float
        Interval between events of the evoked patches, s (> 0).
    rng : numpy.random.Generator or int
        Random draws (activities in patch order, then noise).

    Returns
    -------
    Recording
    """
    rng = np.random.default_rng(rng)
    T = float(check_positive("duration", duration, unit="s"))
    fs = float(check_positive("sfreq", sfreq, unit="Hz"))
    onsets = np.arange(0.5, T, float(check_positive("isi", isi, unit="s")))
    t = np.arange(check_int("duration * sfreq", round(T * fs), 2)) / fs
    acts = [patch_activity(p, t, onsets, rng=rng) for p in subject.patches]
    P = len(acts)
    onehot = subject.membership
    J = onehot @ np.array([a.current for a in acts]).reshape(P, t.size)
    cov = subject.noise_cov
    noise = _sensor_noise(cov, t.size, rng)
    return Recording(times=t, source=J, data=subject.fwd.G @ J + noise, noise_cov=cov,
                     onsets=onsets, events=tuple(a.events for a in acts))


@dataclass(frozen=True, eq=False)
class Recovery:
    """One modality's recovered activity and its errors against the planted truth.

    Attributes
    ----------
    modality : str
        One of :data:`MODALITIES`.
    map : ndarray, shape (n_sources,)
        Spatial map (t for fMRI; |dSPM| at the true peak latency otherwise), dimensionless.
    time_course : ndarray or None
        dSPM time course at the map's peak source (None for fMRI), dimensionless.
    spatial_error : float
        Distance from the map's peak source to the planted patch centroid, m.
    temporal_error : float
        |latency of the time-course peak − planted latency|, s (for fMRI: half the TR, the
        resolution of the sampled BOLD).
    """

    modality: str
    map: np.ndarray
    time_course: np.ndarray | None
    spatial_error: float
    temporal_error: float


def recover(subject: VirtualSubject, data: SubjectData, modality, patch=0, lambda2=1 / 9,
            nu0=0.1, fmri_threshold=3.0) -> Recovery:
    """Recover the planted patch with one modality and measure its spatial and temporal error.

    Parameters
    ----------
    subject : VirtualSubject
        Geometry and forward.
    data : SubjectData
        Simulated recordings.
    modality : str
        One of :data:`MODALITIES`.
    patch : int
        Index of the patch whose truth is compared.
    lambda2 : float
        Inverse regularisation (dimensionless).
    nu0 : float
        Relative variance outside the fMRI map for the fMRI-weighted MEG (dimensionless).
    fmri_threshold : float
        t threshold of the fMRI map used as the prior (dimensionless).

    Returns
    -------
    Recovery
    """
    check_option("modality", modality, MODALITIES)
    k = check_int("patch", patch, 0)
    truth = subject.centroid(k)
    lat = subject.patches[k].latency

    def fmri_t():
        reg, _ = design.compute_regressor(data.onsets, np.ones(data.onsets.size),
                                          np.ones(data.onsets.size), data.frame_times)
        X = np.column_stack([reg[:, 0], design.cosine_drift(0.01, data.frame_times)])
        c = np.zeros(X.shape[1])
        c[0] = 1.0
        return np.ravel(glm.fit_glm(data.bold, X).contrast(c).stat)

    if modality == "fMRI":
        tmap = fmri_t()
        return Recovery(modality, tmap, None, peak_localisation_error(tmap, subject.source_rr,
                                                                      truth),
                        float(np.diff(data.frame_times[:2])[0]) / 2)
    picks = {"MEG": subject.fwd.picks("mag"), "EEG": subject.fwd.picks("eeg"),
             "MEG+EEG": np.arange(subject.fwd.n_channels),
             "fMRI-weighted MEG": subject.fwd.picks("mag")}[modality]
    G = subject.fwd.G[picks]
    C = data.evoked_cov[np.ix_(picks, picks)]
    types = [subject.fwd.ch_types[i] for i in picks]
    if modality == "fMRI-weighted MEG":
        K = fmri_weighted_kernel(G, C, fmri_t() > fmri_threshold, nu0, lambda2, "dSPM",
                                 ch_types=types)
    else:
        K = inverse.inverse_kernel(G, C, lambda2, "dSPM", ch_types=types)
    est = K @ data.evoked[picks]
    it = int(np.argmin(np.abs(data.times - lat)))
    m = np.abs(est[:, it])
    peak = int(np.argmax(m))
    tc = est[peak]
    return Recovery(modality, m, tc, peak_localisation_error(m, subject.source_rr, truth),
                    float(abs(data.times[int(np.argmax(np.abs(tc)))] - lat)))
