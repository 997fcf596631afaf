"""Exercises of notebook 07_inverse: the minimum-norm kernel and dSPM; an LCMV beamformer."""

import numpy as np

from neurocourse import inverse, meg
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

# Every answer is a closed-form matrix expression. The worst condition number met here is
# that of the loaded data covariance or of G R G^T + lambda^2 C, below ~1e7 for these
# geometries, so any correct order of operations agrees to ~1e-9; rtol 1e-7 leaves margin
# for solve() vs inv() vs SVD routes while every mistake below differs by > 1 %.
RTOL = 1e-7


def _geometry(rng, n_sensors=24, n_sources=10):
    arr = meg.radial_magnetometers(n_sensors, radius=0.115)
    u = rng.normal(size=(n_sources, 3))
    u[:, 2] = np.abs(u[:, 2]) + 0.5
    rr = 0.06 * u / np.linalg.norm(u, axis=1, keepdims=True) * rng.uniform(0.6, 1.0,
                                                                             (n_sources, 1))
    nn = np.cross(rr, rng.normal(size=(n_sources, 3)))  # tangential: visible to MEG
    G = meg.fixed_orientation(meg.lead_field(rr, arr.positions, arr.normals), nn)
    return G


def _noise_cov(rng, n, sigma=20e-15):
    A = rng.normal(size=(n, n))
    return (0.3 * A @ A.T / n + np.eye(n)) * sigma**2


def _draw_kernel(rng):
    G = _geometry(rng)
    return G, _noise_cov(rng, G.shape[0]), float(rng.choice([1 / 9, 1 / 25, 1.0]))


def _draw_dspm(rng):
    G, C, lam = _draw_kernel(rng)
    j = np.zeros(G.shape[1])
    j[rng.integers(G.shape[1])] = 20e-9
    b = G @ j + np.linalg.cholesky(C) @ rng.normal(size=G.shape[0])
    return G, C, lam, b


def _draw_lcmv(rng):
    G = _geometry(rng)
    n = G.shape[0]
    noise = _noise_cov(rng, n, 10e-15)
    k = rng.choice(G.shape[1], size=2, replace=False)
    C = noise + (15e-9) ** 2 * np.outer(G[:, k[0]], G[:, k[0]]) \
        + (10e-9) ** 2 * np.outer(G[:, k[1]], G[:, k[1]])
    return G, C, float(rng.choice([0.01, 0.05, 0.1]))


# ---------------------------------------------------------------- references
def _mne_kernel(G, noise_cov, lambda2):
    return inverse.inverse_kernel(G, noise_cov, lambda2, "MNE")


def _dspm(G, noise_cov, lambda2, b):
    return inverse.inverse_kernel(G, noise_cov, lambda2, "dSPM") @ b


def _lcmv_weights(G, data_cov, reg):
    return inverse.make_lcmv(G, data_cov, reg, None, weight_norm=None).W


def _lcmv_power(G, data_cov, reg):
    return inverse.lcmv_power(inverse.make_lcmv(G, data_cov, reg, None, weight_norm=None))


# ---------------------------------------------------------------- wrong answers (mutants)
def _kernel_explicit(G, C, lam, whiten=True, trace=True):
    n = G.shape[0]
    Cw = C if whiten else np.eye(n)
    s = n / np.trace(G.T @ np.linalg.solve(Cw, G)) if trace else 1.0
    return s * G.T @ np.linalg.inv(s * G @ G.T + lam * Cw)


def _k_no_whitening(G, noise_cov, lambda2):
    return _kernel_explicit(G, noise_cov, lambda2, whiten=False)


def _k_lambda(G, noise_cov, lambda2):
    return _kernel_explicit(G, noise_cov, np.sqrt(lambda2))


def _k_no_trace(G, noise_cov, lambda2):
    return _kernel_explicit(G, noise_cov, lambda2, trace=False)


def _k_transposed(G, noise_cov, lambda2):
    return _kernel_explicit(G, noise_cov, lambda2).T


def _dspm_no_norm(G, noise_cov, lambda2, b):
    return _kernel_explicit(G, noise_cov, lambda2) @ b


def _dspm_white_norm(G, noise_cov, lambda2, b):
    K = _kernel_explicit(G, noise_cov, lambda2)
    return K @ b / np.sqrt(np.sum(K**2, axis=1))


def _dspm_lambda(G, noise_cov, lambda2, b):
    K = _kernel_explicit(G, noise_cov, np.sqrt(lambda2))
    return K @ b / np.sqrt(np.einsum("ij,jk,ik->i", K, noise_cov, K))


def _loaded(C, reg):
    return C + reg * np.trace(C) / C.shape[0] * np.eye(C.shape[0])


def _w_no_denominator(G, data_cov, reg):
    return np.linalg.solve(_loaded(data_cov, reg), G).T


def _w_no_loading(G, data_cov, reg):
    Ci_G = np.linalg.solve(data_cov, G)
    return (Ci_G / np.sum(G * Ci_G, axis=0)).T


def _w_absolute_loading(G, data_cov, reg):
    Ci_G = np.linalg.solve(data_cov + reg * np.eye(len(data_cov)), G)
    return (Ci_G / np.sum(G * Ci_G, axis=0)).T


def _w_transposed(G, data_cov, reg):
    return _lcmv_weights(G, data_cov, reg).T


def _p_loaded(G, data_cov, reg):
    Cl = _loaded(data_cov, reg)
    return 1.0 / np.sum(G * np.linalg.solve(Cl, G), axis=0)


def _p_unloaded_formula(G, data_cov, reg):
    return 1.0 / np.sum(G * np.linalg.solve(data_cov, G), axis=0)


def _p_amplitude(G, data_cov, reg):
    return np.sqrt(_lcmv_power(G, data_cov, reg))


_G0 = _geometry(np.random.default_rng(7))
_C0 = _noise_cov(np.random.default_rng(8), _G0.shape[0])

EXERCISES = (
    Exercise(
        id="minimum_norm",
        title="The minimum-norm kernel and dSPM",
        notebook="07_inverse",
        seed_problem=4445749,
        practises=(
            "Whiten a lead field with the noise covariance, scale the source variance so that "
            "trace(G̃RG̃ᵀ) equals the number of channels, build the Tikhonov (minimum-norm) "
            "kernel for a given λ², and noise-normalise it into dSPM."
        ),
        reference={"mne_kernel": _mne_kernel, "dspm_estimate": _dspm},
        cases=(
            Case("mne_kernel", args=(_G0, _C0, 1 / 9), points=2, rtol=RTOL,
                 label="24 magnetometers, 10 tangential sources, correlated noise, λ² = 1/9"),
            Case("mne_kernel", args=(_G0, np.eye(24) * (20e-15) ** 2, 1 / 9), points=1,
                 rtol=RTOL, label="same geometry, white noise of 20 fT"),
            *random_cases("mne_kernel", n=2, seed=4445749, draw=_draw_kernel, points=1,
                          rtol=RTOL, label="random geometry, noise and λ²"),
            *random_cases("dspm_estimate", n=3, seed=44457491, draw=_draw_dspm, points=1,
                          rtol=RTOL, label="one 20 nAm source plus noise"),
        ),
        mistakes=(
            Mistake("mne_kernel", "no whitening", _k_no_whitening,
                    "Whiten first: the regularisation term is λ² times the noise covariance "
                    "(λ² I in whitened space), and the trace scaling uses the whitened G̃ = WG."),
            Mistake("mne_kernel", "lambda instead of lambda^2", _k_lambda,
                    "lambda2 already is λ² (= 1/SNR²): add it as it is, do not take its square "
                    "root."),
            Mistake("mne_kernel", "no trace scaling", _k_no_trace,
                    "Scale the source variance R = s·I so that trace(G̃ R G̃ᵀ) equals the "
                    "number of channels; without it λ² has no meaning as 1/SNR²."),
            Mistake("mne_kernel", "transposed kernel", _k_transposed,
                    "K maps data to sources: it must have shape (n_sources, n_channels)."),
            Mistake("dspm_estimate", "no noise normalisation", _dspm_no_norm,
                    "dSPM divides each source's MNE estimate by its noise standard deviation "
                    "sqrt((K C Kᵀ)_kk); you returned the MNE current estimate in A·m."),
            Mistake("dspm_estimate", "normalised with K Kᵀ", _dspm_white_norm,
                    "The noise variance of the estimate is diag(K C Kᵀ) with the noise "
                    "covariance C, not diag(K Kᵀ)."),
            Mistake("dspm_estimate", "lambda instead of lambda^2", _dspm_lambda,
                    "lambda2 already is λ²: do not take its square root."),
        ),
    ),
    Exercise(
        id="lcmv_beamformer",
        title="An LCMV beamformer and its output power",
        notebook="07_inverse",
        seed_problem=4445749,
        practises=(
            "Build unit-gain LCMV filters w_k = C⁻¹g_k/(g_kᵀC⁻¹g_k) from a diagonally loaded data "
            "covariance, and compute the power each filter passes, w_k C w_kᵀ."
        ),
        reference={"lcmv_weights": _lcmv_weights, "lcmv_source_power": _lcmv_power},
        cases=(
            *random_cases("lcmv_weights", n=3, seed=44457492, draw=_draw_lcmv, points=2,
                          rtol=RTOL, label="two active sources, loading 1-10 %"),
            *random_cases("lcmv_source_power", n=3, seed=44457493, draw=_draw_lcmv, points=2,
                          rtol=RTOL, label="two active sources, loading 1-10 %"),
        ),
        mistakes=(
            Mistake("lcmv_weights", "no unit-gain denominator", _w_no_denominator,
                    "Divide C⁻¹g_k by g_kᵀC⁻¹g_k so that the filter passes its own source with "
                    "gain 1 (w_k g_k = 1)."),
            Mistake("lcmv_weights", "no diagonal loading", _w_no_loading,
                    "Load the covariance first: C + reg·(trace C / n)·I."),
            Mistake("lcmv_weights", "loading not scaled", _w_absolute_loading,
                    "reg is relative: add reg times the mean eigenvalue trace(C)/n, not reg "
                    "itself (C is in T², so reg·I would be enormous)."),
            Mistake("lcmv_weights", "transposed", _w_transposed,
                    "Return one filter per row: shape (n_sources, n_channels)."),
            Mistake("lcmv_source_power", "power from the loaded covariance", _p_loaded,
                    "The output power is w_k C w_kᵀ with the measured (unloaded) covariance; "
                    "1/(g_kᵀC_loaded⁻¹g_k) uses the loaded one."),
            Mistake("lcmv_source_power", "unloaded formula", _p_unloaded_formula,
                    "Use the loaded covariance in the filter, and the measured one in the power."),
            Mistake("lcmv_source_power", "amplitude instead of power", _p_amplitude,
                    "Power is in (A·m)²: w_k C w_kᵀ, no square root."),
        ),
    ),
)
