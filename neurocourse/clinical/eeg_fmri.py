"""EEG-informed fMRI of interictal spikes: spike times from the EEG become HRF-convolved
regressors, a GLM per HRF of a family peaking at 3, 5, 7 and 9 s maps the BOLD response, and the
mismatch between the true and the assumed HRF costs t.

The spike regressor is :math:`r(t) = \\sum_k a_k h(t - t_k)` (stick events at the EEG spike times).
Because the haemodynamic response to spikes varies across patients and regions, Bagshaw et al.
fitted several HRFs, gamma functions peaking at 3, 5, 7 and 9 s; here each is a gamma density of
shape 6 with scale ``peak / 5`` s (its mode is ``(shape - 1) * scale``), sampled on nilearn's
oversampled grid and normalised to unit sum as nilearn's kernels are.

References
----------
.. [1] A. P. Bagshaw, Y. Aghakhani, C.-G. Bénar, E. Kobayashi, C. Hawco, F. Dubeau, G. B. Pike
   and J. Gotman, "EEG-fMRI of focal epileptic spikes: analysis with multiple haemodynamic functions and
   comparison with gadolinium-enhanced MR angiograms", Hum. Brain Mapp. 22:179-192, 2004.
.. [2] J. Gotman, E. Kobayashi, A. P. Bagshaw, C.-G. Bénar and F. Dubeau, "Combining EEG and fMRI:
   a multimodal tool for epilepsy research", J. Magn. Reson. Imaging 23:906-920, 2006.
.. [3] nilearn ``hemodynamic_models.compute_regressor`` (0.14), whose sampling and convolution
   conventions :func:`spike_regressors` follows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse import design, glm, hrf, lti
from neurocourse._validation import as_finite, check_int, check_positive, check_range

__all__ = [
    "BAGSHAW_PEAKS",
    "EEGfMRIMap",
    "SpikeBOLD",
    "eeg_fmri_glm",
    "hrf_family",
    "simulate_spike_bold",
    "spike_regressors",
]

#: HRF peak times (s) of Bagshaw et al. 2004.
BAGSHAW_PEAKS = (3.0, 5.0, 7.0, 9.0)
_SHAPE = 6.0


def hrf_family(tr, peaks=BAGSHAW_PEAKS, oversampling=50, time_length=32.0):
    """Gamma HRFs peaking at ``peaks``, on nilearn's fine grid, each summing to 1.

    Parameters
    ----------
    tr : float
        Repetition time in s.
    peaks : sequence of float
        Peak times in s (> 0).
    oversampling : int
        Fine samples per TR.
    time_length : float
        Kernel length in s.

    Returns
    -------
    kernels : ndarray, shape (n_peaks, n_fine)
        Kernels sampled at ``hrf.hrf_times(tr, oversampling, time_length)`` (dimensionless, unit sum).
    """
    p = check_positive("peaks", peaks, unit="s").ravel()
    t = hrf.hrf_times(tr, oversampling, time_length)
    k = np.stack([hrf.gamma_hrf(t, shape=_SHAPE, scale=pk / (_SHAPE - 1)) for pk in p])
    return k / k.sum(axis=1, keepdims=True)


def spike_regressors(spike_times, frame_times, peaks=BAGSHAW_PEAKS, amplitudes=1.0,
                     oversampling=50):
    """One regressor per HRF of the family: stick events at the spike times, convolved, sampled.

    Parameters
    ----------
    spike_times : array_like, shape (n_spikes,)
        EEG spike times in s (scanner clock).
    frame_times : array_like, shape (n_scans,)
        Scan times in s.
    peaks : sequence of float
        HRF peak times in s (:func:`hrf_family`).
    amplitudes : float or array_like, shape (n_spikes,)
        Stick heights :math:`a_k` (1, or the spike amplitudes; dimensionless).
    oversampling : int
        Fine samples per TR.

    Returns
    -------
    X : ndarray, shape (n_scans, n_peaks)
        Regressors (dimensionless).
    """
    ft = design.check_frame_times(frame_times)
    os_ = check_int("oversampling", oversampling, 1)
    tk = as_finite("spike_times", spike_times, unit="s").ravel()
    stim, grid = design.sample_condition(tk, 0.0, np.broadcast_to(amplitudes, tk.shape), ft, os_)
    tr = float(np.min(np.diff(ft)))
    K = hrf_family(tr, peaks, os_)
    return np.stack([np.interp(ft, grid, lti.convolve(stim, k, dt=1.0)) for k in K], axis=1)


@dataclass(frozen=True, eq=False)
class EEGfMRIMap:
    """t maps of the spike regressor for each HRF of the family.

    Attributes
    ----------
    peaks : ndarray, shape (n_peaks,)
        HRF peak times in s.
    t : ndarray, shape (n_peaks, n_voxels)
        t statistic of the spike regressor in each GLM.
    effect : ndarray, shape (n_peaks, n_voxels)
        Its effect size (data units per regressor unit).
    """

    peaks: np.ndarray
    t: np.ndarray
    effect: np.ndarray

    @property
    def best_peak(self) -> np.ndarray:
        """HRF peak (s) giving the largest |t| in each voxel."""
        return self.peaks[np.argmax(np.abs(self.t), axis=0)]

    @property
    def max_abs_t(self) -> np.ndarray:
        """Largest |t| over the family in each voxel (an uncorrected summary)."""
        return np.max(np.abs(self.t), axis=0)


def eeg_fmri_glm(Y, spike_times, frame_times, peaks=BAGSHAW_PEAKS, high_pass=0.01,
                 noise_model="ols") -> EEGfMRIMap:
    """Fit one GLM per HRF: [spike regressor, cosine drifts, constant].

    Parameters
    ----------
    Y : array_like, shape (n_scans,) or (n_scans, n_voxels)
        BOLD data (any signal units, e.g. % signal change).
    spike_times : array_like
        EEG spike times in s.
    frame_times : array_like, shape (n_scans,)
        Scan times in s.
    peaks : sequence of float
        HRF peaks in s.
    high_pass : float
        Cosine drift cut-off in Hz (:func:`neurocourse.design.cosine_drift`).
    noise_model : {"ols", "ar1"}
        Passed to :func:`neurocourse.glm.fit_glm`.

    Returns
    -------
    EEGfMRIMap
    """
    Yv = as_finite("Y", Y)
    Yv = Yv[:, None] if Yv.ndim == 1 else Yv
    R = spike_regressors(spike_times, frame_times, peaks)
    D = design.cosine_drift(float(check_range("high_pass", high_pass, 0.0, unit="Hz")),
                            frame_times)
    c = np.zeros(1 + D.shape[1])
    c[0] = 1.0
    ts, eff = [], []
    # one GLM per candidate HRF (four fits at most): each is vectorised over voxels
    for j in range(R.shape[1]):
        con = glm.fit_glm(Yv, np.column_stack([R[:, j], D]), noise_model=noise_model).contrast(c)
        ts.append(np.ravel(con.stat))
        eff.append(np.ravel(con.effect))
    return EEGfMRIMap(peaks=check_positive("peaks", peaks).ravel(), t=np.array(ts),
                      effect=np.array(eff))


@dataclass(frozen=True, eq=False)
class SpikeBOLD:
    """A simulated EEG-fMRI session: BOLD on a slice with a spike-locked focus.

    Attributes
    ----------
    Y : ndarray, shape (n_scans, n_voxels)
        BOLD in % signal change (baseline removed), C order over ``shape``.
    frame_times : ndarray, shape (n_scans,)
        Scan times in s.
    spike_times : ndarray
        Spike times in s.
    focus : ndarray of bool, shape (n_voxels,)
        Voxels carrying the planted response.
    shape : tuple of int
        Slice shape.
    true_peak : float
        Peak time of the HRF used to plant the response, s.
    """

    Y: np.ndarray
    frame_times: np.ndarray
    spike_times: np.ndarray
    focus: np.ndarray
    shape: tuple
    true_peak: float


def simulate_spike_bold(spike_times, n_scans=200, tr=2.0, shape=(12, 12), focus=(4, 4),
                        focus_size=3, true_peak=7.0, amplitude=0.5, noise_sd=1.0,
                        rng=None) -> SpikeBOLD:
    """Plant a spike-locked response with a chosen HRF peak in a square focus, in white noise.

    Parameters
    ----------
    spike_times : array_like
        Spike times in s.
    n_scans : int
        Number of scans.
    tr : float
        Repetition time in s.
    shape : tuple of int
        Slice shape (rows, columns).
    focus : tuple of int
        Upper-left voxel of the focus.
    focus_size : int
        Side of the square focus in voxels.
    true_peak : float
        Peak time of the planted HRF in s.
    amplitude : float
        Peak of the planted response in % signal change (the regressor is scaled to a maximum
        of 1 before it is multiplied by ``amplitude``).
    noise_sd : float
        White noise SD in % signal change.
    rng : numpy.random.Generator or int, optional
        Noise draws.

    Returns
    -------
    SpikeBOLD
    """
    n = check_int("n_scans", n_scans, 3)
    ft = design.frame_times(n, check_positive("tr", tr, unit="s"))
    sh = (check_int("shape[0]", shape[0], 1), check_int("shape[1]", shape[1], 1))
    s = check_int("focus_size", focus_size, 1)
    r0, c0 = check_int("focus[0]", focus[0], 0), check_int("focus[1]", focus[1], 0)
    if r0 + s > sh[0] or c0 + s > sh[1]:
        raise ValueError(f"focus {tuple(focus)} with size {s} must fit in shape {sh}")
    mask = np.zeros(sh, bool)
    mask[r0:r0 + s, c0:c0 + s] = True
    mask = mask.ravel()
    reg = spike_regressors(spike_times, ft, (float(check_positive("true_peak", true_peak)),))[:, 0]
    reg = reg / np.max(np.abs(reg)) if np.any(reg) else reg
    rng = np.random.default_rng(rng)
    sd = float(check_positive("noise_sd", noise_sd))
    Y = np.outer(reg, mask * float(as_finite("amplitude", amplitude)))
    Y = Y + sd * rng.standard_normal(Y.shape)
    return SpikeBOLD(Y=Y, frame_times=ft, spike_times=as_finite("spike_times", spike_times).ravel(),
                     focus=mask, shape=sh, true_peak=float(true_peak))
