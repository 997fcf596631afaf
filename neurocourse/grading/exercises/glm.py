"""Exercises of notebook 04_glm: design matrix, OLS, the A > B t-statistic and pre-whitening.

Seed problem 4445783. The data are simulated once, at import, with fixed seeds, from task regressors
made by :mod:`neurocourse.design`; the reference answers come from :mod:`neurocourse.glm`.
"""

import numpy as np
from scipy.stats import norm as _norm

from neurocourse import design, glm
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

# Tolerance: a correct answer solves the same least-squares problem as the reference, maybe by the
# normal equations instead of a pseudo-inverse. That loses about cond(X)^2 * 1e-16 relative; here
# cond(X) < 100, so agreement is ~1e-12. rtol 1e-8 accepts any sound route, while every wrong
# answer listed below is off by more than 1e-3 on the cases where it is flagged.
RTOL = 1e-8
ATOL = 1e-10  # for exact zeros (e.g. the zero weights of a contrast, a whitened constant at rho=0)

TR = 2.0  # s


# --------------------------------------------------------------------------- inputs
def _task_regressors(n_scans, seed):
    """Two conditions in alternating 8-s blocks with jittered onsets, convolved with Glover's HRF."""
    rng = np.random.default_rng(seed)
    ft = design.frame_times(n_scans, TR)
    onsets = np.arange(8.0, n_scans * TR - 24.0, 20.0) + rng.uniform(0, 4, 1)
    which = rng.permutation(np.arange(onsets.size) % 2)
    reg = [design.compute_regressor(onsets[which == k], 8.0, 1.0, ft)[0][:, 0] for k in (0, 1)]
    return reg[0], reg[1]


def _motion(n_scans, seed):
    """Six slow random-walk motion traces (mm and rad, small), as a realignment would give."""
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(0.0, 0.02, (n_scans, 6)), axis=0)


def _build_design(reg_a, reg_b, motion):
    n = len(reg_a)
    return np.column_stack([reg_a, reg_b, motion, np.linspace(-1.0, 1.0, n), np.ones(n)])


def _data(n_scans, seed, rho=0.35, beta_ab=(1.2, 0.6)):
    a, b = _task_regressors(n_scans, seed)
    m = _motion(n_scans, seed + 1)
    X = _build_design(a, b, m)
    beta = np.concatenate([beta_ab, np.full(6, 0.3), [0.5, 100.0]])
    y = X @ beta + design.simulate_ar1_noise(n_scans, 1, rho, 1.0, rng=seed + 2)[:, 0]
    return a, b, m, X, y


A1, B1, M1, X1, Y1 = _data(120, 1)
A2, B2, M2, X2, Y2 = _data(80, 10, rho=0.5, beta_ab=(0.0, 0.8))
# Column names of the design built by _build_design; contrasts are built from them by glm.contrast_vector,
# the same function the GLM and DesignMatrix.contrast use.
COLUMNS = ("A", "B", *(f"motion_{k}" for k in range(1, 7)), "drift", "constant")
C_AB = glm.contrast_vector({"A": 1, "B": -1}, COLUMNS)
BETA_TRUE = np.concatenate([[2.0, -1.0], np.linspace(0.1, 0.6, 6), [0.2, 50.0]])


def _draw_design(rng):
    seed = int(rng.integers(100, 10_000))
    a, b, m, _, _ = _data(int(rng.integers(60, 150)), seed)
    return a, b, m


def _draw_fit(rng):
    _, _, _, X, y = _data(int(rng.integers(60, 150)), int(rng.integers(100, 10_000)),
                          rho=float(rng.uniform(0.1, 0.6)))
    return y, X


def _draw_whiten(rng):
    n = int(rng.integers(20, 80))
    return rng.normal(size=(n, int(rng.integers(1, 4)))), float(rng.uniform(-0.6, 0.8))


def _draw_wt(rng):
    rho = float(rng.uniform(0.1, 0.6))
    _, _, _, X, y = _data(int(rng.integers(60, 150)), int(rng.integers(100, 10_000)), rho=rho)
    return y, X, C_AB, rho


# --------------------------------------------------------------------------- references
def _contrast_a_gt_b(n_columns):
    names = ("A", "B", *(f"nuisance_{k}" for k in range(1, int(n_columns) - 1)))
    return glm.contrast_vector({"A": 1, "B": -1}, names)


def _ols_betas(y, X):
    return glm.fit_glm(y, X).beta


def _t_contrast(y, X, c):
    return glm.fit_glm(y, X).contrast(c).stat


def _prewhiten(a, rho):
    return glm.whiten_ar1(a, rho, convention="prais-winsten")


def _whitened_t(y, X, c, rho):
    return glm.fit_glm(y, X, "ar1", ar1_convention="prais-winsten", rho=rho).contrast(c).stat


# --------------------------------------------------------------------------- wrong answers
def _t_generic(y, X, c, dof_offset=0, root=True):
    beta = np.linalg.pinv(X) @ y
    resid = y - X @ beta
    s2 = resid @ resid / (len(y) - X.shape[1] + dof_offset)
    var = s2 * (c @ np.linalg.pinv(X.T @ X) @ c)
    return (c @ beta) / (np.sqrt(var) if root else var)


def _shift_forward(a, rho):  # a_t - rho * a_(t+1): the lag taken the wrong way
    a = np.asarray(a, dtype=float)
    out = a.copy()
    out[:-1] -= rho * a[1:]
    out[-1] *= np.sqrt(1 - rho**2)
    return out


def _whiten_nilearn(a, rho):  # first row not scaled
    return glm.whiten_ar1(a, rho, convention="nilearn")


def _whitened_t_y_only(y, X, c, rho):
    return _t_generic(_prewhiten(y, rho), X, c)


# --------------------------------------------------------------------------- rho estimation
def _ols_residuals(y, X):
    y = np.asarray(y, dtype=float)
    return y - X @ np.linalg.lstsq(X, y, rcond=None)[0]


def _estimate_rho(y, X):
    return glm.estimate_ar1(_ols_residuals(y, X))


def _inflation(X, c, rho):
    return design.efficiency(X, c) / design.correlated_efficiency(X, c, rho=rho, analysis="ols")


def _fpr(X, c, rho, alpha=0.05):
    return 2.0 * _norm.sf(_norm.isf(alpha / 2.0) / np.sqrt(_inflation(X, c, rho)))


def _rho_no_factor(y, X):
    e = _ols_residuals(y, X)
    return float(e[:-1] @ e[1:] / (e @ e))


def _rho_from_y(y, X):
    e = np.asarray(y, dtype=float) - np.mean(y)
    return float(len(e) / (len(e) - 1) * (e[:-1] @ e[1:]) / (e @ e))


def _inflation_inverted(X, c, rho):
    return 1.0 / _inflation(X, c, rho)


def _inflation_gls(X, c, rho):
    return design.efficiency(X, c) / design.correlated_efficiency(X, c, rho=rho, analysis="gls")


def _fpr_one_sided(X, c, rho, alpha=0.05):
    return _norm.sf(_norm.isf(alpha) / np.sqrt(_inflation(X, c, rho)))


def _fpr_no_sqrt(X, c, rho, alpha=0.05):
    return 2.0 * _norm.sf(_norm.isf(alpha / 2.0) / _inflation(X, c, rho))


def _draw_rho_fit(rng):
    _, _, _, X, y = _data(int(rng.integers(60, 150)), int(rng.integers(100, 10_000)),
                          rho=float(rng.uniform(0.1, 0.6)))
    return y, X


def _draw_infl(rng):
    _, _, _, X, _ = _data(int(rng.integers(60, 150)), int(rng.integers(100, 10_000)))
    return X, C_AB, float(rng.uniform(0.1, 0.6))


EXERCISES = (
    Exercise(
        id="glm_design_ols",
        title="A design matrix with nuisance regressors, OLS and the A > B t-statistic",
        notebook="04_glm",
        seed_problem=4445783,
        practises="Assemble a design matrix (task, motion, drift, constant), estimate it by OLS, "
        "write the contrast vector for A > B and compute its t-statistic with n - p degrees of "
        "freedom.",
        reference={
            "build_design": _build_design,
            "ols_betas": _ols_betas,
            "contrast_a_gt_b": _contrast_a_gt_b,
            "t_contrast": _t_contrast,
        },
        cases=(
            Case("build_design", args=(A1, B1, M1), label="120 scans: A, B and six motion traces",
                 points=2, rtol=RTOL, atol=ATOL),
            Case("build_design", args=(A2, B2, M2), label="80 scans", points=1, rtol=RTOL,
                 atol=ATOL),
            *random_cases("build_design", n=1, seed=41, draw=_draw_design, points=1, rtol=RTOL,
                          atol=ATOL, label="random run length and events"),
            Case("ols_betas", args=(X1 @ BETA_TRUE, X1), label="noise-free data y = X beta",
                 points=2, rtol=1e-7, atol=1e-8),  # exact data: any solver recovers beta to ~1e-12
            Case("ols_betas", args=(Y1, X1), label="120 noisy scans", points=1, rtol=RTOL,
                 atol=ATOL),
            *random_cases("ols_betas", n=2, seed=42, draw=_draw_fit, points=1, rtol=RTOL,
                          atol=ATOL, label="random noisy run"),
            Case("contrast_a_gt_b", args=(10,), label="10 columns (A, B, 6 motion, drift, "
                 "constant)", points=1, rtol=RTOL, atol=ATOL),
            Case("contrast_a_gt_b", args=(4,), label="4 columns (A, B, drift, constant)",
                 points=1, rtol=RTOL, atol=ATOL),
            Case("t_contrast", args=(Y1, X1, C_AB), label="120 scans, A > B", points=2,
                 rtol=RTOL),
            Case("t_contrast", args=(Y2, X2, C_AB), label="80 scans, B stronger than A (t < 0)",
                 points=1, rtol=RTOL),
            Case("t_contrast", args=(Y1, X1, np.eye(10)[0]), label="120 scans, A > baseline",
                 points=1, rtol=RTOL),
            *random_cases("t_contrast", n=1, seed=43, points=1, rtol=RTOL,
                          draw=lambda rng: (*_draw_fit(rng), C_AB), label="random run, A > B"),
        ),
        mistakes=(
            Mistake("build_design", "forgot the constant",
                    wrong=lambda reg_a, reg_b, motion: _build_design(reg_a, reg_b, motion)[:, :-1],
                    message="Without a constant column the model forces the signal's mean (the "
                    "baseline, ~100 here) onto the other regressors; add a column of ones last."),
            Mistake("build_design", "drift from 0 to 1",
                    wrong=lambda reg_a, reg_b, motion: np.column_stack(
                        [reg_a, reg_b, motion, np.linspace(0.0, 1.0, len(reg_a)),
                         np.ones(len(reg_a))]),
                    message="The drift column must run linearly from -1 to +1 "
                    "(np.linspace(-1, 1, n)), as asked; it then has zero mean."),
            Mistake("ols_betas", "X^T y without (X^T X)^-1",
                    wrong=lambda y, X: X.T @ y,
                    message="X^T y is only the correlation with each regressor; the OLS estimate "
                    "is (X^T X)^-1 X^T y (or np.linalg.pinv(X) @ y)."),
            Mistake("ols_betas", "fitted the task columns only",
                    wrong=lambda y, X: np.linalg.pinv(X[:, :2]) @ y,
                    message="Fit all columns of X at once: the nuisance regressors must share the "
                    "variance with the task, and beta has one entry per column."),
            Mistake("contrast_a_gt_b", "sign flipped",
                    wrong=lambda n_columns: -_contrast_a_gt_b(n_columns),
                    message="A > B means beta_A - beta_B > 0: +1 on A (column 0) and -1 on B "
                    "(column 1)."),
            Mistake("contrast_a_gt_b", "two weights only",
                    wrong=lambda n_columns: np.array([1.0, -1.0]),
                    message="The contrast needs one weight per column of X, with zeros on the "
                    "nuisance columns."),
            Mistake("t_contrast", "df = n instead of n - p",
                    wrong=lambda y, X, c: _t_generic(y, X, c, dof_offset=X.shape[1]),
                    message="Estimate the noise variance as RSS / (n - p): the p fitted "
                    "parameters use up p degrees of freedom."),
            Mistake("t_contrast", "forgot the square root",
                    wrong=lambda y, X, c: _t_generic(y, X, c, root=False),
                    message="t divides the effect c beta by its standard error, the square root "
                    "of sigma^2 c (X^T X)^-1 c^T."),
        ),
    ),
    Exercise(
        id="glm_prewhitening",
        title="Pre-whitening AR(1) noise with a known rho",
        notebook="04_glm",
        seed_problem=4445783,
        practises="Whiten data and design with the exact AR(1) (Prais-Winsten) filter and "
        "recompute the A > B t-statistic by generalised least squares.",
        reference={"prewhiten": _prewhiten, "whitened_t": _whitened_t},
        cases=(
            Case("prewhiten", args=(Y1, 0.4), label="120-scan time series, rho = 0.4", points=2,
                 rtol=RTOL, atol=ATOL),
            Case("prewhiten", args=(X1, 0.35), label="the 120 x 10 design matrix, rho = 0.35",
                 points=2, rtol=RTOL, atol=ATOL),
            Case("prewhiten", args=(Y1, 0.0), label="rho = 0 (nothing to remove)", points=1,
                 rtol=RTOL, atol=ATOL),
            Case("prewhiten", args=(np.arange(1.0, 6.0), -0.5),
                 label="a = [1, 2, 3, 4, 5], rho = -0.5", points=1, rtol=RTOL, atol=ATOL),
            *random_cases("prewhiten", n=2, seed=44, draw=_draw_whiten, points=1, rtol=RTOL,
                          atol=ATOL, label="random array and rho"),
            Case("whitened_t", args=(Y1, X1, C_AB, 0.35), label="120 scans, A > B, rho = 0.35",
                 points=2, rtol=RTOL),
            Case("whitened_t", args=(Y2, X2, C_AB, 0.5), label="80 scans, A > B, rho = 0.5",
                 points=1, rtol=RTOL),
            Case("whitened_t", args=(Y1, X1, C_AB, 0.0), label="rho = 0: the OLS t", points=1,
                 rtol=RTOL),
            *random_cases("whitened_t", n=1, seed=45, draw=_draw_wt, points=1, rtol=RTOL,
                          label="random run and rho"),
        ),
        mistakes=(
            Mistake("prewhiten", "first sample not scaled",
                    wrong=_whiten_nilearn,
                    message="The first sample has variance sigma^2 / (1 - rho^2), the others "
                    "sigma^2 after filtering: multiply it by sqrt(1 - rho^2) (Prais-Winsten). "
                    "(nilearn skips this scaling, a small approximation; here we want the exact "
                    "filter.)"),
            Mistake("prewhiten", "first sample dropped",
                    wrong=lambda a, rho: glm.whiten_ar1(a, rho, convention="cochrane-orcutt"),
                    message="Keep all n samples: the first one has no predecessor, so scale it by "
                    "sqrt(1 - rho^2) instead of dropping it."),
            Mistake("prewhiten", "added instead of subtracted",
                    wrong=lambda a, rho: glm.whiten_ar1(a, -rho, convention="prais-winsten"),
                    message="AR(1) noise is e_t = rho e_(t-1) + w_t, so the innovation is "
                    "w_t = e_t - rho e_(t-1): subtract rho times the previous sample."),
            Mistake("prewhiten", "used the next sample",
                    wrong=_shift_forward,
                    message="Subtract rho times the previous sample, a[t-1], not the next one."),
            Mistake("whitened_t", "did not whiten (OLS t)",
                    wrong=lambda y, X, c, rho: _t_generic(y, X, c),
                    message="With autocorrelated noise the OLS t is too large; whiten both y and X "
                    "with rho before the fit."),
            Mistake("whitened_t", "whitened y but not X",
                    wrong=_whitened_t_y_only,
                    message="Apply the same filter to the design matrix: the model W y = W X beta "
                    "+ W e keeps the same beta only if X is whitened too."),
        ),
    ),
    Exercise(
        id="glm_rho_estimation",
        title="Estimating rho from OLS residuals, and the false positives it prevents",
        notebook="04_glm",
        seed_problem=4445783,
        practises="Estimate the AR(1) coefficient from OLS residuals as nilearn does, compute how "
        "much autocorrelated noise inflates the variance of an OLS contrast, and the resulting "
        "false-positive rate of a test that assumes white noise.",
        reference={"estimate_rho": _estimate_rho, "variance_inflation": _inflation,
                   "false_positive_rate": _fpr},
        sealed=(glm.estimate_ar1, design.correlated_efficiency),
        # All three are closed forms on fixed inputs (least squares, sums, a normal tail): rtol
        # 1e-7 leaves room for lstsq vs pinv vs normal equations (conditioning ~1e3 here), and
        # every mistake is off by more than 0.5 % (the n/(n-1) factor) on the fixed cases.
        cases=(
            Case("estimate_rho", args=(Y1, X1), label="120 scans, true rho 0.35", points=2,
                 rtol=1e-7),
            Case("estimate_rho", args=(Y2, X2), label="80 scans, true rho 0.5", points=1,
                 rtol=1e-7),
            *random_cases("estimate_rho", n=2, seed=46, draw=_draw_rho_fit, points=1, rtol=1e-7,
                          label="random run and rho"),
            Case("variance_inflation", args=(X1, C_AB, 0.35), label="120-scan design, A > B, "
                 "rho = 0.35", points=2, rtol=1e-7),
            Case("variance_inflation", args=(X1, C_AB, 0.0), label="rho = 0: no inflation",
                 points=1, rtol=1e-7),
            *random_cases("variance_inflation", n=2, seed=47, draw=_draw_infl, points=1,
                          rtol=1e-7, label="random design and rho"),
            Case("false_positive_rate", args=(X1, C_AB, 0.35), label="rho = 0.35, alpha = 0.05",
                 points=2, rtol=1e-7),
            Case("false_positive_rate", args=(X1, C_AB, 0.0), label="rho = 0: the nominal 5 %",
                 points=1, rtol=1e-7),
            Case("false_positive_rate", args=(X1, C_AB, 0.35, 0.001),
                 label="rho = 0.35, alpha = 0.001", points=1, rtol=1e-7),
        ),
        mistakes=(
            Mistake("estimate_rho", "left out n/(n-1)", _rho_no_factor,
                    "nilearn's Yule-Walker estimate is n/(n-1) * sum(e_t e_t+1) / sum(e_t^2): "
                    "the lag-1 sum has n-1 terms, the lag-0 sum n."),
            Mistake("estimate_rho", "autocorrelation of the data, not the residuals", _rho_from_y,
                    "Estimate rho from the OLS residuals e = y - X beta_hat: the task signal and "
                    "the drifts in y are autocorrelated too, and would inflate rho."),
            Mistake("variance_inflation", "inverted the ratio", _inflation_inverted,
                    "The inflation is the true variance of c beta_hat under AR(1), "
                    "c (X'X)^-1 X'VX (X'X)^-1 c', over the variance OLS assumes, c (X'X)^-1 c': "
                    "above 1 for positive rho and slow regressors."),
            Mistake("variance_inflation", "used the GLS variance", _inflation_gls,
                    "The question is what OLS (without whitening) gets wrong: use the OLS "
                    "sandwich X'VX, not the GLS variance (X'V^-1 X)^-1."),
            Mistake("false_positive_rate", "one-sided", _fpr_one_sided,
                    "The test is two-sided at level alpha: threshold |t| at z_(1-alpha/2) and "
                    "count both tails."),
            Mistake("false_positive_rate", "variance used as a standard deviation", _fpr_no_sqrt,
                    "Under the null t is roughly normal with variance kappa (the inflation), so "
                    "its standard deviation is sqrt(kappa): FPR = 2 P(Z > z_(1-alpha/2) / "
                    "sqrt(kappa))."),
        ),
    ),
)
