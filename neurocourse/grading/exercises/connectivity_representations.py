"""Exercises of notebook 09_connectivity_representations: coherence vs imaginary coherence under
field spread, and cross-validated decoding with a crossnobis RDM."""

import numpy as np
from scipy.signal import get_window

from neurocourse import connectivity as conn
from neurocourse import decoding as dec
from neurocourse.connectivity import simulate as csim
from neurocourse.decoding import simulate as dsim
from neurocourse.grading.spec import Case, Exercise, Mistake

# Coherence and imaginary coherence are deterministic closed forms of the data: a correct answer
# agrees to round-off. rtol 1e-8 leaves ample room for summation order (observed 1e-15) and is
# tight enough to separate np.hanning (symmetric) from the periodic Hann window (which changes
# the values by ~1e-5 to 1e-4 here).
RTOL_SPEC = 1e-8
ATOL_SPEC = 1e-12  # imaginary coherence of zero-lag data is ~1e-2, not 0; the floor is for safety
# crossnobis: a closed form (sums of products); observed 1e-16 relative
RTOL_RSA = 1e-10
ATOL_RSA = 1e-12


# ------------------------------------------------------------------ reference answers
def _bin_spectra(epochs, sfreq, freq):
    spec = conn.epoch_spectra(epochs, sfreq, mode="fourier", fmin=0.0)
    f = int(np.argmin(np.abs(spec.freqs - freq)))
    C = spec.coefs[:, 0, :, f]  # (n_epochs, 2), one taper
    return C[:, 0] * C[:, 1].conj(), np.abs(C[:, 0]) ** 2, np.abs(C[:, 1]) ** 2


def _coherence(epochs, sfreq, freq):
    return float(conn.coherence(*_bin_spectra(epochs, sfreq, freq)))


def _imcoh(epochs, sfreq, freq):
    return float(conn.imaginary_coherence(*_bin_spectra(epochs, sfreq, freq)))


def _lagged(epochs, sfreq, freq, threshold):
    return bool(abs(_imcoh(epochs, sfreq, freq)) > threshold)


def _loro(X, y, runs):
    return float(dec.cross_validated_accuracy(X, y, runs, "lda").mean())


def _crossnobis(data):
    return dec.crossnobis(data)


# ------------------------------------------------------------------ wrong answers (mutants)
def _spectra_with(epochs, sfreq, freq, window):
    x = np.asarray(epochs, float)
    x = x - x.mean(axis=-1, keepdims=True)
    X = np.fft.rfft(x * window, axis=-1)
    k = int(np.argmin(np.abs(np.fft.rfftfreq(x.shape[-1], 1 / sfreq) - freq)))
    return X[:, 0, k], X[:, 1, k]


def _coh_squared(epochs, sfreq, freq):
    return _coherence(epochs, sfreq, freq) ** 2


def _coh_periodic_hann(epochs, sfreq, freq):
    a, b = _spectra_with(epochs, sfreq, freq, get_window("hann", np.shape(epochs)[-1]))
    return float(np.abs(np.mean(a * b.conj())) /
                 np.sqrt(np.mean(np.abs(a) ** 2) * np.mean(np.abs(b) ** 2)))


def _coh_per_epoch(epochs, sfreq, freq):
    a, b = _spectra_with(epochs, sfreq, freq, np.hanning(np.shape(epochs)[-1]))
    return float(np.abs(np.mean(a * b.conj() / (np.abs(a) * np.abs(b)))))


def _imcoh_abs(epochs, sfreq, freq):
    return abs(_imcoh(epochs, sfreq, freq))


def _imcoh_conj_wrong(epochs, sfreq, freq):
    return -_imcoh(epochs, sfreq, freq)


def _lagged_by_coherence(epochs, sfreq, freq, threshold):
    return bool(_coherence(epochs, sfreq, freq) > threshold)


def _loro_leaky(X, y, runs):
    """Trained on every trial, the test run included, then scored run by run."""
    est = dec.make_classifier("lda").fit(X, y)
    runs = np.asarray(runs)
    return float(np.mean([np.mean(est.predict(X[runs == r]) == y[runs == r])
                          for r in np.unique(runs)]))


def _loro_error_rate(X, y, runs):
    return 1.0 - _loro(X, y, runs)


def _crossnobis_no_cv(data):
    """All fold pairs, the same fold with itself included: the noise no longer cancels."""
    B = np.asarray(data, float)
    C = dec.pair_contrasts(B.shape[1])
    D = np.einsum("pk,mkc->mpc", C, B).sum(axis=0) / B.shape[0]
    return np.sum(D * D, axis=1) / B.shape[2]


def _crossnobis_no_p(data):
    return dec.crossnobis(data) * np.shape(data)[2]


def _crossnobis_same_fold(data):
    """Within-fold distances averaged (no cross-validation at all)."""
    B = np.asarray(data, float)
    C = dec.pair_contrasts(B.shape[1])
    D = np.einsum("pk,mkc->mpc", C, B)
    return np.mean(np.sum(D * D, axis=2), axis=0) / B.shape[2]


# ------------------------------------------------------------------ inputs
def _coupled(**kw):
    s = csim.coupled_oscillators(n_epochs=30, n_times=250, sfreq=250.0, **kw)
    return s.data


_LAGGED = _coupled(lag=0.02, coupling=0.8, snr=4.0, rng=901)  # b lags a by 20 ms
_LEADING = _LAGGED[:, ::-1].copy()  # channels swapped: the seed now lags the target
_LEAK = _coupled(lag=0.0, coupling=0.0, leakage=0.8, snr=4.0, rng=902)  # pure field spread
_BOTH = _coupled(lag=0.015, coupling=0.7, leakage=0.6, snr=2.0, rng=903)
_NOISE = np.random.default_rng(904).normal(size=(30, 2, 250))

# three runs (three fits per call) of 60 and 80 voxels: each call costs about half of four runs
# of 120 and 100 voxels (the fits' fixed cost dominates), and the answers still separate every
# mistake: honest 0.708 and 0.528, leaky (test run in the training set) 1.0 on both
_DEC = dsim.decoding_dataset(n_runs=3, n_trials=16, n_voxels=60, n_informative=8,
                             effect=1.0, run_offset=0.5, rng=905)
_DEC_NULL = dsim.decoding_dataset(n_runs=3, n_trials=12, n_voxels=80, n_informative=0,
                                  effect=0.0, rng=906)
_PAT = dsim.pattern_dataset(n_folds=6, n_conditions=5, n_voxels=40, sigma=1.0, rng=907)
_PAT2 = dsim.pattern_dataset(n_folds=3, n_conditions=4, n_voxels=25, sigma=0.5,
                             identical=None, rng=908)

EXERCISES = (
    Exercise(
        id="coherence_leakage",
        title="Coherence, imaginary coherence and the measure that survives field spread",
        notebook="09_connectivity_representations",
        seed_problem=4445728,
        practises=(
            "Compute magnitude coherence and signed imaginary coherency from epochs (symmetric "
            "Hanning taper, nearest Fourier bin), and use the imaginary part to tell a lagged "
            "interaction from zero-lag field spread."
        ),
        reference={"coherence": _coherence, "imaginary_coherence": _imcoh,
                   "is_lagged_coupling": _lagged},
        cases=(
            Case("coherence", args=(_LAGGED, 250.0, 10.0), points=2, rtol=RTOL_SPEC,
                 atol=ATOL_SPEC, label="two coupled 10 Hz sources, 20 ms lag, 30 epochs of 1 s"),
            Case("coherence", args=(_LEAK, 250.0, 10.0), points=1, rtol=RTOL_SPEC,
                 atol=ATOL_SPEC, label="one source leaking into both sensors (no interaction)"),
            Case("coherence", args=(_NOISE, 250.0, 23.4), points=1, rtol=RTOL_SPEC,
                 atol=ATOL_SPEC, label="white noise, freq 23.4 Hz (nearest bin 23 Hz)"),
            Case("imaginary_coherence", args=(_LAGGED, 250.0, 10.0), points=2, rtol=RTOL_SPEC,
                 atol=ATOL_SPEC, label="20 ms lag, first channel leading"),
            Case("imaginary_coherence", args=(_LEADING, 250.0, 10.0), points=2, rtol=RTOL_SPEC,
                 atol=ATOL_SPEC, label="the same data with the channels swapped",
                 hint="imaginary coherency is signed: it changes sign when the order changes."),
            Case("imaginary_coherence", args=(_BOTH, 250.0, 10.0), points=1, rtol=RTOL_SPEC,
                 atol=ATOL_SPEC, label="lagged coupling plus zero-lag leakage"),
            Case("is_lagged_coupling", args=(_LEAK, 250.0, 10.0, 0.2), points=2,
                 compare="exact", label="pure field spread, threshold 0.2"),
            Case("is_lagged_coupling", args=(_BOTH, 250.0, 10.0, 0.2), points=1,
                 compare="exact", label="lagged coupling plus leakage, threshold 0.2"),
            Case("is_lagged_coupling", args=(_LEADING, 250.0, 10.0, 0.2), points=1,
                 compare="exact", label="lagged coupling, target leading, threshold 0.2"),
        ),
        mistakes=(
            Mistake("coherence", "squared", _coh_squared,
                    "You returned the magnitude-squared coherence (what scipy.signal.coherence "
                    "gives); here coherence is |<Sxy>| / sqrt(<Sxx><Syy>), not squared."),
            Mistake("coherence", "periodic Hann", _coh_periodic_hann,
                    "Use the symmetric Hanning window np.hanning(n_times); "
                    "scipy's get_window('hann') is the periodic one."),
            Mistake("coherence", "per-epoch normalisation", _coh_per_epoch,
                    "Average the cross- and auto-spectra over epochs first, then normalise; "
                    "normalising each epoch first gives a phase-locking value instead."),
            Mistake("imaginary_coherence", "absolute value", _imcoh_abs,
                    "Imaginary coherency is signed (positive when the first signal leads); do "
                    "not take its absolute value."),
            Mistake("imaginary_coherence", "conjugated the wrong signal", _imcoh_conj_wrong,
                    "The cross-spectrum is S_xy = X · conj(Y) (first signal times the conjugate "
                    "of the second); your sign is reversed."),
            Mistake("is_lagged_coupling", "thresholded coherence", _lagged_by_coherence,
                    "Zero-lag field spread makes coherence large without any interaction; only "
                    "the imaginary part of coherency is immune to it."),
        ),
    ),
    Exercise(
        id="decoding_crossnobis",
        title="Leave-one-run-out decoding and a crossnobis RDM",
        notebook="09_connectivity_representations",
        seed_problem=4445783,
        practises=(
            "Decode two conditions from voxel patterns with shrinkage LDA and leave-one-run-out "
            "cross-validation, and estimate the representational geometry with the "
            "cross-validated Mahalanobis (crossnobis) distance, unbiased by noise."
        ),
        reference={"loro_accuracy": _loro, "crossnobis_rdm": _crossnobis},
        cases=(
            # accuracies are fractions of whole trials; any correct implementation gives the
            # same predictions, so the comparison is exact up to round-off
            Case("loro_accuracy", args=(_DEC.X, _DEC.y, _DEC.runs), points=2, rtol=0,
                 atol=1e-12, label="3 runs x 16 trials, 60 voxels, 8 informative"),
            Case("loro_accuracy", args=(_DEC_NULL.X, _DEC_NULL.y, _DEC_NULL.runs), points=2,
                 rtol=0, atol=1e-12, label="3 runs x 12 trials, 80 voxels of pure noise",
                 hint="on pure noise an honest cross-validated accuracy is near 0.5."),
            Case("crossnobis_rdm", args=(_PAT.data,), points=2, rtol=RTOL_RSA, atol=ATOL_RSA,
                 label="6 runs, 5 conditions (0 and 1 identical), 40 voxels"),
            Case("crossnobis_rdm", args=(_PAT2.data,), points=2, rtol=RTOL_RSA, atol=ATOL_RSA,
                 label="3 runs, 4 conditions, 25 voxels"),
        ),
        mistakes=(
            Mistake("loro_accuracy", "test run in the training set", _loro_leaky,
                    "The classifier must be trained without the held-out run: fit on the other "
                    "runs only, then predict the held-out one."),
            Mistake("loro_accuracy", "error rate", _loro_error_rate,
                    "Return the fraction of correctly classified trials, not the error rate."),
            Mistake("crossnobis_rdm", "no cross-validation", _crossnobis_no_cv,
                    "Cross-validate: multiply the pattern difference of one run by the mean "
                    "difference of the *other* runs, so the noise does not enter squared."),
            Mistake("crossnobis_rdm", "within-run distances", _crossnobis_same_fold,
                    "You averaged within-run squared distances; crossnobis pairs each run with "
                    "the others (never with itself)."),
            Mistake("crossnobis_rdm", "not divided by P", _crossnobis_no_p,
                    "Divide by the number of voxels P (rsatoolbox's convention)."),
        ),
    ),
)
