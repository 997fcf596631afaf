"""Exercises of notebook 08_group_design: a sign-flip max-t test and design efficiency under AR(1).

Seed problem 4445783 (statistical inference on the GLM). The group data and the design regressors are
built once, at import, with fixed seeds; the reference answers come from :mod:`neurocourse.stats`
and :mod:`neurocourse.design`.
"""

import numpy as np

from neurocourse import design, stats
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

# t statistics and efficiencies are sums of a few hundred terms: any sound route (std with ddof=1,
# normal equations, solve instead of inv) agrees to ~1e-12 relative; 1e-8 accepts them all while
# every listed mistake is off by more than 1e-3.
RTOL = 1e-8
# p-values are multiples of 1 / 2^n: a correct answer is exact, a wrong count is off by >= 1/2^n.
P_ATOL = 1e-12


# --------------------------------------------------------------------------- inputs: group data
def _group(n_subjects, n_tests, seed, effect=1.0, n_active=3):
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((n_subjects, n_tests))
    Y[:, :n_active] += effect  # planted effects in the first tests
    return Y


Y1 = _group(8, 30, 1)
Y2 = _group(10, 50, 2, effect=-1.2)
Y3 = np.abs(_group(6, 12, 3, effect=0.0)) + 2.0  # all subjects positive everywhere


def _draw_group(rng):
    return (_group(int(rng.integers(5, 10)), int(rng.integers(10, 40)),
                   int(rng.integers(100, 10_000))),)


# --------------------------------------------------------------------------- references: group
def _one_sample_t(Y):
    return stats.one_sample_t(Y)[0]


def _all_patterns(n):
    return stats.sign_flip_patterns(n, tail=1)[0]  # every one of the 2^n patterns


def _max_t_null(Y):
    Y = np.asarray(Y, dtype=float)
    return np.sort(np.abs(stats.signflip_t(Y, _all_patterns(Y.shape[0]))).max(axis=1))


def _fwe_p_values(Y):
    return stats.permutation_fwe(Y).p_fwe


# --------------------------------------------------------------------------- wrong answers: group
def _t_ddof0(Y):
    Y = np.asarray(Y, dtype=float)
    return Y.mean(axis=0) / (Y.std(axis=0, ddof=0) / np.sqrt(Y.shape[0]))


def _t_all(Y):
    Y = np.asarray(Y, dtype=float)
    return stats.signflip_t(Y, _all_patterns(Y.shape[0]))


def _null_without_identity(Y):
    Y = np.asarray(Y, dtype=float)
    return np.sort(np.abs(_t_all(Y)[1:]).max(axis=1))  # row 0 is the identity


def _p_one_sided(Y):
    Y = np.asarray(Y, dtype=float)
    null = _t_all(Y).max(axis=1)
    t = _one_sample_t(Y)
    return (null[None, :] >= t[:, None] * (1 - 1e-12)).mean(axis=1)


def _p_without_identity(Y):
    Y = np.asarray(Y, dtype=float)
    null = np.abs(_t_all(Y)[1:]).max(axis=1)
    t = np.abs(_one_sample_t(Y))
    return (null[None, :] >= t[:, None] * (1 - 1e-12)).mean(axis=1)


def _p_uncorrected(Y):
    Y = np.asarray(Y, dtype=float)
    t_all = np.abs(_t_all(Y))
    return (t_all >= t_all[0] * (1 - 1e-12)).mean(axis=0)  # each test against its own null


# --------------------------------------------------------------------------- inputs: designs
TR = 2.0  # s
N_SCANS = 160
FT = design.frame_times(N_SCANS, TR)
DRIFT = design.cosine_drift(1 / 128, FT)  # cosines below 1/128 Hz, then the constant (last)


def _block_regressor(block):
    """On/off blocks of ``block`` s (Glover HRF), starting at t = 0."""
    onsets = np.arange(0.0, N_SCANS * TR, 2.0 * block)
    return design.compute_regressor(onsets, block, 1.0, FT, "glover")[0][:, 0]


def _event_regressor(seed):
    codes = design.trial_sequence(int(N_SCANS * TR / 4.0), 1, 0.4, seed)
    ev = design.sequence_events(codes, 4.0)
    return design.compute_regressor(ev.onsets, 2.0, 1.0, FT, "glover")[0][:, 0]


B6, B16, B24, B64 = (_block_regressor(b) for b in (6.0, 16.0, 24.0, 64.0))
E1 = _event_regressor(1)


def _draw_efficiency(rng):
    x = _block_regressor(float(rng.uniform(8.0, 40.0)))
    return x, DRIFT, float(rng.uniform(0.1, 0.8))


# --------------------------------------------------------------------------- references: designs
def _ar1_correlation(n, rho):
    return design.ar1_covariance(n, rho)


def _task_contrast(p):
    c = np.zeros(p)
    c[0] = 1.0
    return c


def _ar1_efficiency(x, drift, rho):
    X = np.column_stack([x, drift])
    return design.correlated_efficiency(X, _task_contrast(X.shape[1]), rho=rho)


def _better_design(x1, x2, drift, rho):
    return 1 if _ar1_efficiency(x1, drift, rho) >= _ar1_efficiency(x2, drift, rho) else 2


# --------------------------------------------------------------------------- wrong answers: designs
def _eff_generic(X, V):
    c = _task_contrast(X.shape[1])
    return 1.0 / (c @ np.linalg.pinv(X.T @ np.linalg.solve(V, X)) @ c)


def _eff_no_drift(x, drift, rho):
    X = np.column_stack([x, np.ones(len(x))])  # cosines dropped, constant kept
    return _eff_generic(X, design.ar1_covariance(len(x), rho))


def _eff_white(x, drift, rho):
    X = np.column_stack([x, drift])
    return _eff_generic(X, np.eye(len(x)))


def _eff_xvx(x, drift, rho):
    X = np.column_stack([x, drift])
    c = _task_contrast(X.shape[1])
    return 1.0 / (c @ np.linalg.pinv(X.T @ design.ar1_covariance(len(x), rho) @ X) @ c)


def _eff_innovation_scaled(x, drift, rho):
    X = np.column_stack([x, drift])
    return _eff_generic(X, design.ar1_covariance(len(x), rho) / (1 - rho**2))


def _better_white(x1, x2, drift, rho):
    return 1 if _eff_white(x1, drift, rho) >= _eff_white(x2, drift, rho) else 2


def _better_no_drift(x1, x2, drift, rho):
    return 1 if _eff_no_drift(x1, drift, rho) >= _eff_no_drift(x2, drift, rho) else 2


EXERCISES = (
    Exercise(
        id="group_maxt",
        title="A sign-flip max-t test with familywise-corrected p-values",
        notebook="08_group_design",
        seed_problem=4445783,
        practises="Compute one-sample t statistics over subjects, enumerate every sign-flip "
        "pattern to build the null distribution of max |t|, and turn it into FWE-corrected "
        "p-values with the identity pattern included.",
        reference={"one_sample_t": _one_sample_t, "max_t_null": _max_t_null,
                   "fwe_p_values": _fwe_p_values},
        cases=(
            Case("one_sample_t", args=(Y1,), label="8 subjects x 30 tests", points=2, rtol=RTOL),
            Case("one_sample_t", args=(Y2,), label="10 subjects x 50 tests", points=1, rtol=RTOL),
            *random_cases("one_sample_t", n=1, seed=81, draw=_draw_group, points=1, rtol=RTOL,
                          label="random group"),
            Case("max_t_null", args=(Y1,), label="8 subjects: 256 patterns", points=2, rtol=RTOL),
            Case("max_t_null", args=(Y3,), label="6 subjects, all positive", points=1,
                 rtol=RTOL),
            Case("fwe_p_values", args=(Y1,), label="8 subjects x 30 tests", points=2, rtol=0,
                 atol=P_ATOL),
            Case("fwe_p_values", args=(Y2,), label="10 subjects, negative effects", points=2,
                 rtol=0, atol=P_ATOL),
            Case("fwe_p_values", args=(Y3,), label="6 subjects, all positive: the smallest p",
                 points=1, rtol=0, atol=P_ATOL),
            *random_cases("fwe_p_values", n=1, seed=82, draw=_draw_group, points=1, rtol=0,
                          atol=P_ATOL, label="random group"),
        ),
        mistakes=(
            Mistake("one_sample_t", "standard deviation with ddof=0 (n instead of n - 1)",
                    wrong=_t_ddof0,
                    message="The one-sample t has n - 1 degrees of freedom: estimate the standard "
                    "deviation with ddof=1 (divide the sum of squares by n - 1, not n)."),
            Mistake("max_t_null", "identity pattern left out",
                    wrong=_null_without_identity,
                    message="The observed data are one of the sign patterns (all +1): keep the "
                    "identity in the null distribution, which then has 2^n entries."),
            Mistake("fwe_p_values", "identity pattern left out",
                    wrong=_p_without_identity,
                    message="Count the identity pattern too: then p can never be 0, and its "
                    "smallest possible two-sided value is 2 / 2^n."),
            Mistake("fwe_p_values", "two-sided p reported as one-sided",
                    wrong=_p_one_sided,
                    message="The test is two-sided: compare |t| with the maximum of |t| over the "
                    "tests of each pattern, not t with max t."),
            Mistake("fwe_p_values", "each test against its own null (uncorrected)",
                    wrong=_p_uncorrected,
                    message="For familywise control compare each |t| with the MAXIMUM |t| over "
                    "all tests of each pattern, not with the same test's permuted values."),
        ),
    ),
    Exercise(
        id="design_ar1_efficiency",
        title="Design efficiency under AR(1) noise, and the better of two designs",
        notebook="08_group_design",
        seed_problem=4445783,
        practises="Build the AR(1) correlation matrix, compute the GLS efficiency of a task "
        "regressor with the drift terms in the model, and choose the more efficient design.",
        reference={"ar1_correlation": _ar1_correlation, "ar1_efficiency": _ar1_efficiency,
                   "better_design": _better_design},
        cases=(
            Case("ar1_correlation", args=(5, 0.5), label="5 scans, rho = 0.5", points=1,
                 rtol=RTOL, atol=1e-15),
            Case("ar1_correlation", args=(40, -0.3), label="40 scans, rho = -0.3", points=1,
                 rtol=RTOL, atol=1e-15),
            Case("ar1_efficiency", args=(B24, DRIFT, 0.4), label="24-s blocks, rho = 0.4",
                 points=2, rtol=RTOL),
            Case("ar1_efficiency", args=(E1, DRIFT, 0.7), label="jittered events, rho = 0.7",
                 points=1, rtol=RTOL),
            Case("ar1_efficiency", args=(B64, DRIFT, 0.0), label="64-s blocks, white noise",
                 points=1, rtol=RTOL),
            *random_cases("ar1_efficiency", n=1, seed=83, draw=_draw_efficiency, points=1,
                          rtol=RTOL, label="random block length and rho"),
            Case("better_design", args=(B16, B6, DRIFT, 0.7), label="16-s vs 6-s blocks, "
                 "rho = 0.7", points=2, compare="exact"),
            Case("better_design", args=(B64, B6, DRIFT, 0.0), label="64-s vs 6-s blocks, white "
                 "noise, 128-s high-pass", points=2, compare="exact"),
            Case("better_design", args=(B24, E1, DRIFT, 0.4), label="24-s blocks vs jittered "
                 "events, rho = 0.4", points=1, compare="exact"),
        ),
        mistakes=(
            Mistake("ar1_correlation", "innovation-variance scaling",
                    wrong=lambda n, rho: design.ar1_covariance(n, rho) / (1 - rho**2),
                    message="Use the correlation matrix V_ij = rho^|i-j| (unit variance on the "
                    "diagonal), not the covariance of an AR(1) with unit innovations."),
            Mistake("ar1_efficiency", "efficiency without the drift terms",
                    wrong=_eff_no_drift,
                    message="Put the drift columns in the design: the high-pass filter removes "
                    "slow signal, and long blocks lose the most."),
            Mistake("ar1_efficiency", "rho ignored (white-noise efficiency)",
                    wrong=_eff_white,
                    message="Under AR(1) noise the efficiency is 1 / (c (X^T V^-1 X)^-1 c^T): "
                    "whiten with V^-1, do not use X^T X."),
            Mistake("ar1_efficiency", "X^T V X instead of X^T V^-1 X",
                    wrong=_eff_xvx,
                    message="Generalised least squares weights by the INVERSE of the noise "
                    "correlation: X^T V^-1 X."),
            Mistake("ar1_efficiency", "innovation-variance scaling",
                    wrong=_eff_innovation_scaled,
                    message="Use the correlation matrix rho^|i-j| (unit marginal variance), not "
                    "rho^|i-j| / (1 - rho^2)."),
            Mistake("better_design", "chose by white-noise efficiency",
                    wrong=_better_white,
                    message="Compare the designs under the AR(1) noise you were given: positive "
                    "rho penalises the slow designs."),
            Mistake("better_design", "chose without the drift terms",
                    wrong=_better_no_drift,
                    message="Compare the designs with the drift columns in the model: a block "
                    "design slower than the high-pass cut-off loses its signal to the drifts."),
        ),
    ),
)
