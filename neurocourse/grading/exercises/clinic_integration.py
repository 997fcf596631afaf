"""Exercises of notebook 10_clinic_integration: detect interictal spikes and fit their dipoles
with a GOF threshold; an fMRI-weighted source prior and the localisation error it removes and the
one it creates."""

import numpy as np

from neurocourse import clinical, eeg, inverse, meg, multimodal
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

# Every answer is a closed form (TKEO, a projection, a regularised linear inverse) or an exact
# selection of samples. rtol 1e-9 covers any order of floating-point operations (the worst
# condition number, of G̃RG̃ᵀ + λ²I, is below 1e4 here); every mistake below differs by > 1 %.
RTOL = 1e-9


# ---------------------------------------------------------------- inputs
def _signal(rng, n=3000, sfreq=500.0, n_spikes=6, snr=(6.0, 14.0)):
    """Filtered-looking channel: unit Gaussian noise plus spikes of both signs and peak SNRs
    drawn in ``snr``, >= 0.35 s apart."""
    x = rng.standard_normal(n)
    t = np.arange(n) / sfreq
    on = 0.3 + np.sort(rng.choice(np.arange(0, (n / sfreq - 0.6) / 0.35).astype(int),
                                  n_spikes, replace=False)) * 0.35
    amp = rng.uniform(*snr, n_spikes) * rng.choice([-1.0, 1.0], n_spikes)
    return x + clinical.spike_waveform(t, on, amp), sfreq


def _draw_tk(rng):
    return (rng.standard_normal(int(rng.integers(3, 40))),)


def _draw_detect(rng):
    x, fs = _signal(rng)
    return x, fs, float(rng.choice([4.0, 5.0])), float(rng.choice([0.05, 0.1]))


_ARR = meg.radial_magnetometers(40, radius=0.12, z_min=-0.2)
_ELEC = np.array([[0.09 * np.sin(a) * np.cos(p), 0.09 * np.sin(a) * np.sin(p), 0.09 * np.cos(a)]
                  for a in (0.4, 0.9, 1.4) for p in np.linspace(0, 2 * np.pi, 7)[:-1]])
_RADII, _SIGMAS = (0.08, 0.085, 0.09), (0.33, 0.0042, 0.33)


def _meg_g3(r):
    return meg.lead_field(np.atleast_2d(r), _ARR.positions, _ARR.normals)


def _meeg_g3(r):
    return np.vstack([_meg_g3(r), eeg.lead_field(np.atleast_2d(r), _ELEC, _RADII, _SIGMAS)])


def _draw_gof_meg(rng):
    r = rng.normal(size=3)
    r = 0.06 * r / np.linalg.norm(r) * np.array([1, 1, 0.3]) + [0, 0, 0.03]
    G3 = _meg_g3(r)
    q = np.cross(r, rng.normal(size=3))
    q *= 40e-9 / np.linalg.norm(q)
    sd = np.full(G3.shape[0], 20e-15)
    return G3 @ q + sd * rng.standard_normal(sd.size) * 3, G3, sd


def _draw_gof_meeg(rng):
    r = np.array([0.02, -0.01, 0.05]) + rng.uniform(-0.01, 0.01, 3)
    G3 = _meeg_g3(r)
    q = rng.normal(size=3) * 20e-9
    sd = np.r_[np.full(40, 20e-15), np.full(18, 0.2e-6)] * rng.uniform(0.7, 1.3, 58)
    return G3 @ q + sd * rng.standard_normal(58) * 2, G3, sd


def _fmri_scene(seed, n_src=16):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n_src, 3))
    u[:, 2] = np.abs(u[:, 2]) + 0.5
    rr = u / np.linalg.norm(u, axis=1, keepdims=True) * rng.uniform(0.03, 0.07, (n_src, 1))
    nn = np.cross(rr, rng.normal(size=(n_src, 3)))
    nn /= np.linalg.norm(nn, axis=1, keepdims=True)
    arr = meg.radial_magnetometers(30, radius=0.12, z_min=-0.2)
    G = meg.fixed_orientation(meg.lead_field(rr, arr.positions, arr.normals), nn)
    sd = 20e-15 * rng.uniform(0.8, 1.25, 30)
    return rng, G, sd, rr


def _draw_weighted(rng):
    _, G, sd, _ = _fmri_scene(int(rng.integers(1 << 30)))
    j = np.zeros(G.shape[1])
    k = rng.choice(G.shape[1], 2, replace=False)
    j[k] = [30e-9, -15e-9]
    active = np.zeros(G.shape[1], bool)
    active[np.r_[k[0], rng.integers(G.shape[1])]] = True
    return (G, G @ j + sd * rng.standard_normal(sd.size), sd, active,
            float(rng.choice([0.1, 0.3])), float(rng.choice([1 / 9, 1 / 25])))


def _draw_peak(rng):
    rr = rng.uniform(-0.07, 0.07, (20, 3))
    est = rng.normal(size=20)
    est[rng.integers(20)] = -5.0  # the largest |value| is negative
    return est, rr, rng.uniform(-0.07, 0.07, 3)


# ---------------------------------------------------------------- references
def _tk(x):
    return clinical.teager_kaiser(x)


def _detect(x, sfreq, k=5.0, merge=0.1):
    return clinical.detect_spikes(x, sfreq, "amplitude", k, band=None, merge=merge)


def _gof(b, G3, noise_sd):
    sd = np.asarray(noise_sd, float)  # pre-whiten: mixed units would fail the PD check on C
    Gw = np.asarray(G3, float) / sd[:, None]
    return float(inverse.dipole_gof(np.asarray(b, float) / sd, np.eye(sd.size), lambda P: Gw,
                                    np.zeros((1, 3)))[0])


def _weighted(G, b, noise_sd, active, nu0=0.1, lambda2=1 / 9):
    C = np.diag(np.asarray(noise_sd, float) ** 2)
    return multimodal.fmri_weighted_kernel(G, C, active, nu0, lambda2, "MNE") @ b


def _peak_error(estimate, source_rr, true_position):
    return multimodal.peak_localisation_error(estimate, source_rr, true_position)


# ---------------------------------------------------------------- wrong answers (mutants)
def _tk_forward(x):
    x = np.asarray(x, float)
    return x[1:-1] ** 2 - x[1:-1] * x[2:]


def _tk_sign(x):
    return -clinical.teager_kaiser(x)


def _tk_roll(x):
    x = np.asarray(x, float)
    return x**2 - np.roll(x, 1) * np.roll(x, -1)


def _detect_std(x, sfreq, k=5.0, merge=0.1):
    s = np.std(x) / (np.median(np.abs(x)) / 0.6745)
    return clinical.detect_spikes(x, sfreq, "amplitude", k * s, band=None, merge=merge)


def _detect_no_merge(x, sfreq, k=5.0, merge=0.1):
    return clinical.detect_spikes(x, sfreq, "amplitude", k, band=None, merge=0.0)


def _detect_samples(x, sfreq, k=5.0, merge=0.1):
    return np.rint(_detect(x, sfreq, k, merge) * sfreq)


def _detect_signed(x, sfreq, k=5.0, merge=0.1):
    t = _detect(x, sfreq, k, merge)
    return t[np.asarray(x)[np.rint(t * sfreq).astype(int)] > 0]


def _gof_fraction(b, G3, noise_sd):
    return _gof(b, G3, noise_sd) / 100.0


def _gof_unwhitened(b, G3, noise_sd):
    return _gof(b, G3, np.ones(len(b)))


def _gof_unsquared(b, G3, noise_sd):
    g = _gof(b, G3, noise_sd) / 100.0
    return 100.0 * (1.0 - np.sqrt(1.0 - g))


def _w_by_w(G, b, noise_sd, active, nu0=0.1, lambda2=1 / 9):
    return _weighted(G, b, noise_sd, active, nu0**2, lambda2)  # columns scaled by w, R = w²


def _w_no_backscale(G, b, noise_sd, active, nu0=0.1, lambda2=1 / 9):
    s = np.sqrt(multimodal.fmri_weights(active, nu0))
    return _weighted(G, b, noise_sd, active, nu0, lambda2) / s


def _w_inverted(G, b, noise_sd, active, nu0=0.1, lambda2=1 / 9):
    return _weighted(G, b, noise_sd, ~np.asarray(active), nu0, lambda2)


def _w_no_trace(G, b, noise_sd, active, nu0=0.1, lambda2=1 / 9):
    W = np.diag(1.0 / np.asarray(noise_sd, float))
    w = multimodal.fmri_weights(active, nu0)
    Gw = W @ G
    return w * (Gw.T @ np.linalg.solve((Gw * w) @ Gw.T + lambda2 * np.eye(len(b)), W @ b))


def _w_unwhitened(G, b, noise_sd, active, nu0=0.1, lambda2=1 / 9):
    return _weighted(G, b, np.full(len(b), np.mean(noise_sd)), active, nu0, lambda2)


def _pe_signed(estimate, source_rr, true_position):
    rr = np.asarray(source_rr, float)
    return float(np.linalg.norm(rr[int(np.argmax(estimate))] - np.asarray(true_position)))


def _pe_mm(estimate, source_rr, true_position):
    return 1e3 * _peak_error(estimate, source_rr, true_position)


# ---------------------------------------------------------------- fixed cases
_N = np.arange(64)
_COS = 2.0 * np.cos(0.3 * _N + 0.4)
_X0, _FS0 = _signal(np.random.default_rng(10))
_B0, _G30, _SD0 = _draw_gof_meg(np.random.default_rng(11))
_B1, _G31, _SD1 = _draw_gof_meeg(np.random.default_rng(12))

# fMRI prior: one source, its map correct or marking its most correlated neighbour instead
_, _GF, _SDF, _RRF = _fmri_scene(5)
_TRUE = 2  # plain MNE: 14.5 mm off; correct map: 0; decoy map: 16.3 mm (measured)
_bF = _GF[:, _TRUE] * 30e-9
_Gn = _GF / _SDF[:, None]
_Gn = _Gn / np.linalg.norm(_Gn, axis=0)
_corr = np.abs(_Gn.T @ _Gn)
np.fill_diagonal(_corr, 0)
_DECOY = int(np.argmax(_corr[_TRUE]))
_ACT_GOOD = np.arange(_GF.shape[1]) == _TRUE
_ACT_DECOY = np.arange(_GF.shape[1]) == _DECOY
_ALL = np.ones(_GF.shape[1], bool)

EXERCISES = (
    Exercise(
        id="spike_ecd",
        title="Detect interictal spikes and fit their dipoles",
        notebook="10_clinic_integration",
        seed_problem=4445749,
        practises=(
            "Compute the Teager-Kaiser energy, detect spikes with a robust amplitude threshold "
            "and merge close detections, and compute the goodness of fit of the best dipole at a "
            "fixed position on whitened data (the quantity thresholded at 80 % in clinical "
            "practice)."
        ),
        reference={"teager_kaiser": _tk, "detect_amplitude": _detect, "dipole_gof": _gof},
        cases=(
            Case("teager_kaiser", args=(_COS,), points=2, rtol=RTOL,
                 label="2 cos(0.3 n + 0.4), 64 samples (the energy is constant)"),
            Case("teager_kaiser", args=(np.array([1.0, -2.0, 3.0]),), points=1, rtol=RTOL,
                 label="three samples"),
            *random_cases("teager_kaiser", n=2, seed=44457490, draw=_draw_tk, points=1,
                          rtol=RTOL, label="white noise"),
            Case("detect_amplitude", args=(_X0, _FS0), points=2, rtol=RTOL, atol=1e-12,
                 label="6 s at 500 Hz, six spikes of both signs, defaults k = 5, merge = 0.1 s"),
            *random_cases("detect_amplitude", n=2, seed=44457491, draw=_draw_detect, points=1,
                          rtol=RTOL, atol=1e-12, label="spikes in noise, k and merge drawn"),
            Case("dipole_gof", args=(_B0, _G30, _SD0), points=2, rtol=RTOL,
                 label="40 magnetometers (sphere: the radial column is silent), 40 nAm"),
            Case("dipole_gof", args=(_B1, _G31, _SD1), points=2, rtol=RTOL,
                 label="40 magnetometers + 18 electrodes, unequal noise, free 3-D moment"),
            *random_cases("dipole_gof", n=2, seed=44457492, draw=_draw_gof_meg, points=1,
                          rtol=RTOL, label="sphere MEG, tangential dipole"),
        ),
        mistakes=(
            Mistake("teager_kaiser", "forward neighbour", _tk_forward,
                    "The operator is x[n]² − x[n−1]·x[n+1]: one neighbour on each side."),
            Mistake("teager_kaiser", "wrong sign", _tk_sign,
                    "ψ[n] = x[n]² − x[n−1]x[n+1] is positive for a sinusoid (A² sin²Ω)."),
            Mistake("teager_kaiser", "np.roll wrap-around", _tk_roll,
                    "np.roll wraps the ends around: return only the n − 2 interior samples."),
            Mistake("detect_amplitude", "threshold from the standard deviation", _detect_std,
                    "Use the robust scale median(|x|)/0.6745: the spikes themselves inflate the "
                    "standard deviation and raise the threshold."),
            Mistake("detect_amplitude", "no merging", _detect_no_merge,
                    "Flagged samples closer than merge seconds are one event: report one time "
                    "per event, at its largest |x|."),
            Mistake("detect_amplitude", "sample indices", _detect_samples,
                    "Return times in seconds (sample index / sfreq)."),
            Mistake("detect_amplitude", "positive peaks only", _detect_signed,
                    "Threshold |x|: interictal spikes can have either polarity on a channel."),
            Mistake("dipole_gof", "fraction instead of percent", _gof_fraction,
                    "Return the GOF in percent (0-100), as MNE and clinical reports do."),
            Mistake("dipole_gof", "no whitening", _gof_unwhitened,
                    "Divide each channel (row of b and of G3) by its noise SD before the fit: "
                    "with mixed channel types the GOF is otherwise dominated by the unit with "
                    "the largest numbers."),
            Mistake("dipole_gof", "residual norm not squared", _gof_unsquared,
                    "GOF = 1 − ‖r‖²/‖b‖² on whitened data (energies, not amplitudes), × 100."),
        ),
    ),
    Exercise(
        id="fmri_prior",
        title="An fMRI-weighted source prior: the error it removes and the one it creates",
        notebook="10_clinic_integration",
        seed_problem=4445749,
        practises=(
            "Weight the source variance of a minimum-norm estimate by an fMRI map (1 inside, "
            "nu0 outside), with MNE's trace scaling, and measure the peak-localisation error "
            "for a correct map and for a map that marks a neighbouring source instead."
        ),
        reference={"fmri_weighted_mne": _weighted, "peak_localisation_error": _peak_error},
        cases=(
            Case("fmri_weighted_mne", args=(_GF, _bF, _SDF, _ACT_GOOD), points=2, rtol=RTOL,
                 label="30 magnetometers, 16 sources, one 30 nAm source, correct map, ν₀ = 0.1"),
            Case("fmri_weighted_mne", args=(_GF, _bF, _SDF, _ACT_DECOY), points=1, rtol=RTOL,
                 label="same source, the map marks its most correlated neighbour"),
            Case("fmri_weighted_mne", args=(_GF, _bF, _SDF, _ALL, 0.1, 1 / 9), points=1,
                 rtol=RTOL, label="every source active (no prior: plain MNE)"),
            *random_cases("fmri_weighted_mne", n=2, seed=44457493, draw=_draw_weighted,
                          points=1, rtol=RTOL, label="two sources plus noise, ν₀ and λ² drawn"),
            Case("peak_localisation_error",
                 args=(_weighted(_GF, _bF, _SDF, _ACT_DECOY), _RRF, _RRF[_TRUE]), points=1,
                 rtol=RTOL, atol=1e-12, label="the decoy-map estimate above"),
            *random_cases("peak_localisation_error", n=2, seed=44457494, draw=_draw_peak,
                          points=1, rtol=RTOL, atol=1e-12, label="largest value negative"),
        ),
        mistakes=(
            Mistake("fmri_weighted_mne", "columns scaled by w", _w_by_w,
                    "The source variance is R = diag(w): scale the columns by √w (and the "
                    "estimate back by √w), or use R directly; scaling by w squares the weight."),
            Mistake("fmri_weighted_mne", "no back-scaling", _w_no_backscale,
                    "With the column-scaling trick the estimate of the scaled problem must be "
                    "multiplied by √w to return to currents (A·m)."),
            Mistake("fmri_weighted_mne", "weights inverted", _w_inverted,
                    "Weight 1 goes to fMRI-active sources, ν₀ to the others."),
            Mistake("fmri_weighted_mne", "no trace scaling", _w_no_trace,
                    "Scale R so that trace(G̃RG̃ᵀ) equals the number of channels before adding "
                    "λ²I; otherwise λ² is not 1/SNR²."),
            Mistake("fmri_weighted_mne", "no whitening", _w_unwhitened,
                    "Whiten with the per-channel noise SD (divide rows of G and b by noise_sd)."),
            Mistake("peak_localisation_error", "signed maximum", _pe_signed,
                    "The peak is the largest |estimate|: currents can be negative."),
            Mistake("peak_localisation_error", "millimetres", _pe_mm,
                    "Return metres (SI)."),
        ),
    ),
)
