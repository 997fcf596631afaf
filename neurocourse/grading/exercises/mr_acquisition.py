"""Exercises of notebook 02_mr_acquisition: spoiled GRE and the Ernst angle (seed problem 4445786);
GRE vs SE dephasing and vessel-size sensitivity (seed problem 4445775)."""

import numpy as np

from neurocourse import mri, vessels
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

# Every answer is a closed form of a few exp/cos/log evaluations, so a correct implementation
# agrees with the reference to ~1e-15 relative. rtol 1e-9 admits any order of operations; the
# wrong answers below are off by more than 1e-3 relative on at least one case.
RTOL = 1e-9
# Phases summed over ~100 steps: any summation order agrees to ~1e-13 rad; exact zeros of a
# refocused spin echo are compared with atol 1e-9 rad.
ATOL_PHASE = 1e-9


# --------------------------------------------------------------------------- references
def _gre(T1, T2star, TR, TE, flip_deg, M0=1.0):
    return mri.spoiled_gre_signal(T1, T2star, TR, TE, flip_deg, M0)


def _dS(TE, T2star, dR2star):
    return mri.bold_signal_change(TE, T2star, dR2star)


def _te_opt(T2star, dR2star):
    return mri.contrast_optimal_te(T2star, dR2star)


# --------------------------------------------------------------------------- wrong answers
def _gre_radians(T1, T2star, TR, TE, flip_deg, M0=1.0):
    E1 = np.exp(-TR / T1)
    a = np.asarray(flip_deg, float)
    return M0 * np.sin(a) * (1 - E1) / (1 - E1 * np.cos(a)) * np.exp(-TE / T2star)


def _gre_no_decay(T1, T2star, TR, TE, flip_deg, M0=1.0):
    return mri.spoiled_gre_signal(T1, T2star, TR, 0.0, flip_deg, M0)


def _gre_swapped(T1, T2star, TR, TE, flip_deg, M0=1.0):
    E1 = np.exp(-T1 / TR)
    a = np.deg2rad(flip_deg)
    return M0 * np.sin(a) * (1 - E1) / (1 - E1 * np.cos(a)) * np.exp(-TE / T2star)


def _gre_no_saturation(T1, T2star, TR, TE, flip_deg, M0=1.0):
    return M0 * np.sin(np.deg2rad(flip_deg)) * np.exp(-TE / T2star)


def _ernst_radians(TR, T1):
    return np.arccos(np.exp(-TR / T1))


def _ernst_swapped(TR, T1):
    return np.degrees(np.arccos(np.exp(-T1 / TR)))


def _ernst_arcsin(TR, T1):
    return np.degrees(np.arcsin(np.exp(-TR / T1)))


def _dS_wrong_sign(TE, T2star, dR2star):
    return -mri.bold_signal_change(TE, T2star, dR2star)


def _dS_no_baseline(TE, T2star, dR2star):
    return np.expm1(-TE * dR2star)


def _te_is_t2star(T2star, dR2star):
    return T2star + 0.0 * dR2star


def _te_in_ms(T2star, dR2star):
    return 1e3 * mri.contrast_optimal_te(T2star, dR2star)


def _gre_phase_no_dt(omega, dt):
    return np.sum(omega, axis=-1)


def _gre_phase_hz(omega, dt):
    return vessels.echo_phase(omega, dt, "ge") / (2 * np.pi)


def _se_not_refocused(omega, dt):
    return vessels.echo_phase(omega, dt, "ge")


def _se_wrong_half(omega, dt):
    return -vessels.echo_phase(omega, dt, "se")


def _se_off_by_one(omega, dt):
    omega = np.asarray(omega, float)
    k = omega.shape[-1] // 2 + 1
    return dt * (omega[..., k:].sum(axis=-1) - omega[..., :k].sum(axis=-1))


def _rate_real_part(phases, TE):
    return -np.log(np.abs(np.mean(np.cos(phases), axis=-1))) / TE


def _rate_mean_phase(phases, TE):
    return -np.log(np.abs(np.exp(1j * np.mean(phases, axis=-1)))) / TE + 0.0 * TE


def _rate_positive_log(phases, TE):
    return np.log(np.abs(np.mean(np.exp(1j * np.asarray(phases)), axis=-1))) / TE


def _rank_ascending(radii, rates):
    return np.asarray(radii, float)[np.argsort(rates, kind="stable")]


def _rank_by_radius(radii, rates):
    return np.sort(np.asarray(radii, float))[::-1]


# --------------------------------------------------------------------------- inputs
def _omega_case(seed, n_spins, n_steps, drift=50.0):
    """Frequency histories (rad/s): a static offset per spin plus a random-walk component."""
    rng = np.random.default_rng(seed)
    w0 = rng.normal(0.0, 80.0, (n_spins, 1))
    walk = np.cumsum(rng.normal(0.0, drift, (n_spins, n_steps)), axis=1) / np.sqrt(n_steps)
    return np.repeat(w0, n_steps, axis=1) + walk


_STATIC = np.repeat(np.array([[-120.0], [35.0], [310.0]]), 40, axis=1)  # rad/s, 40 steps
_DYN = _omega_case(11, 6, 60)
_DYN_ODD_HALF = _omega_case(12, 4, 50)  # 25 steps per half: catches an off-by-one split
_PH = np.random.default_rng(5).normal(0.4, 0.9, 400)  # rad, with a net mean phase
_PH_SMALL = np.random.default_rng(6).normal(-1.2, 0.2, 300)

# Vessel-size curves (s⁻¹) from simulate_vessel_mc(_RADII, B0=3.0, TE=[0.03, 0.06],
# n_spins=4000, rng=0) (GRE at TE 30 ms, SE at TE 60 ms), rounded to 0.01 s⁻¹: the inputs of the
# ranking task (the reference ranks whatever rates it is given).
_RADII = np.array([1.0, 2.5, 5.0, 12.0, 40.0, 100.0]) * 1e-6
_GE_3T = np.array([0.26, 0.84, 1.69, 2.31, 2.18, 2.16])
_SE_3T = np.array([0.21, 0.61, 0.83, 0.54, 0.13, 0.02])


EXERCISES = (
    Exercise(
        id="gre_signal",
        title="Spoiled GRE signal, Ernst angle and the choice of TE",
        notebook="02_mr_acquisition",
        seed_problem=4445786,
        practises="Evaluate the spoiled-GRE steady state, find the Ernst angle and the "
        "contrast-optimal echo time.",
        reference={
            "spoiled_gre_signal": _gre,
            "ernst_angle": mri.ernst_angle,
            "bold_signal_change": _dS,
            "optimal_te": _te_opt,
        },
        cases=(
            Case("spoiled_gre_signal", args=(1.3, 0.045, 2.0, 0.03, 90.0),
                 label="GM at 3 T (apparent T2* 45 ms of an EPI voxel), TR = 2 s, TE = 30 ms, flip 90°", rtol=RTOL),
            Case("spoiled_gre_signal", args=(1.3, 0.045, 0.1, 0.03, 12.0),
                 label="short TR = 0.1 s, flip 12° (strong T1 saturation)", rtol=RTOL),
            Case("spoiled_gre_signal", args=(1.3, 0.045, 2.0, 0.0, 77.0, 2.5),
                 label="TE = 0, M0 = 2.5", rtol=RTOL),
            Case("spoiled_gre_signal", args=(1.3, 0.045, 1.5, 0.03, np.array([10.0, 45.0, 90.0])),
                 label="an array of flip angles", rtol=RTOL),
            *random_cases("spoiled_gre_signal", n=3, seed=4445786, rtol=RTOL,
                          draw=lambda rng: (rng.uniform(0.8, 2.2), rng.uniform(0.02, 0.07),
                                            rng.uniform(0.5, 3.0), rng.uniform(0.01, 0.05),
                                            rng.uniform(20, 90)),
                          label="random T1/T2*/TR/TE/flip"),
            Case("ernst_angle", args=(2.0, 1.3), label="TR = 2 s, T1 = 1.3 s", points=2,
                 rtol=RTOL),
            Case("ernst_angle", args=(0.05, 1.5), label="TR = 50 ms, T1 = 1.5 s", rtol=RTOL),
            Case("ernst_angle", args=(30.0, 1.0), label="TR ≫ T1 (limit 90°)", rtol=RTOL),
            Case("ernst_angle", args=(np.array([0.5, 1.0, 3.0]), 1.2),
                 label="an array of TRs", rtol=RTOL),
            Case("bold_signal_change", args=(0.03, 0.045, -1.0),
                 label="TE = 30 ms, T2* = 45 ms, ΔR2* = -1 /s", points=2, rtol=RTOL),
            Case("bold_signal_change", args=(0.0, 0.045, -1.0), label="TE = 0", atol=1e-15,
                 rtol=RTOL),
            Case("bold_signal_change", args=(np.array([0.01, 0.045, 0.1]), 0.045, 2.0),
                 label="several TEs, ΔR2* = +2 /s", rtol=RTOL),
            Case("optimal_te", args=(0.045, 1e-3), label="T2* = 45 ms, tiny ΔR2*", rtol=RTOL),
            Case("optimal_te", args=(0.066, -5.0), label="T2* = 66 ms, ΔR2* = -5 /s", points=2,
                 rtol=RTOL),
            Case("optimal_te", args=(0.03, 8.0), label="T2* = 30 ms, ΔR2* = +8 /s", rtol=RTOL),
        ),
        mistakes=(
            Mistake("spoiled_gre_signal", "flip in radians", _gre_radians,
                    "The flip angle is given in degrees; convert with np.deg2rad before sin/cos."),
            Mistake("spoiled_gre_signal", "forgot T2* decay", _gre_no_decay,
                    "The signal is read at the echo: multiply by exp(-TE / T2*)."),
            Mistake("spoiled_gre_signal", "TR and T1 swapped", _gre_swapped,
                    "E1 = exp(-TR / T1): the repetition time over the longitudinal relaxation "
                    "time."),
            Mistake("spoiled_gre_signal", "no T1 saturation", _gre_no_saturation,
                    "At short TR the longitudinal magnetisation does not recover fully: keep the "
                    "factor (1 - E1) / (1 - E1 cos α)."),
            Mistake("ernst_angle", "returned radians", _ernst_radians,
                    "ernst_angle must return degrees; convert with np.degrees."),
            Mistake("ernst_angle", "TR and T1 swapped", _ernst_swapped,
                    "The Ernst angle is arccos(exp(-TR / T1)), TR over T1."),
            Mistake("ernst_angle", "arcsin instead of arccos", _ernst_arcsin,
                    "cos α_E = E1: use arccos. Short TR must give a small angle."),
            Mistake("bold_signal_change", "wrong sign", _dS_wrong_sign,
                    "A drop of R2* (ΔR2* < 0, less deoxyhaemoglobin) must raise the signal: "
                    "ΔS = exp(-TE/T2*) (exp(-TE ΔR2*) - 1)."),
            Mistake("bold_signal_change", "forgot baseline decay", _dS_no_baseline,
                    "The change rides on the baseline signal: multiply by exp(-TE / T2*)."),
            Mistake("optimal_te", "answered T2* for a finite change", _te_is_t2star,
                    "TE = T2* is only the small-change limit; for a finite ΔR2* set "
                    "d(ΔS)/dTE = 0 with both exponentials."),
            Mistake("optimal_te", "milliseconds", _te_in_ms,
                    "Return the echo time in seconds."),
        ),
    ),
    Exercise(
        id="gre_vs_se",
        title="Gradient echo vs spin echo: refocusing and vessel-size sensitivity",
        notebook="02_mr_acquisition",
        seed_problem=4445775,
        practises="Accumulate spin phases with and without a 180° refocusing pulse, turn "
        "them into a relaxation rate, and rank vessel sizes by GRE and SE sensitivity.",
        reference={
            "gre_phase": lambda omega, dt: vessels.echo_phase(omega, dt, "ge"),
            "se_phase": lambda omega, dt: vessels.echo_phase(omega, dt, "se"),
            "dephasing_rate": vessels.dephasing_rate,
            "rank_by_sensitivity": vessels.rank_by_sensitivity,
        },
        cases=(
            Case("gre_phase", args=(_STATIC, 1e-3), label="three static offsets, 40 × 1 ms",
                 rtol=RTOL, atol=ATOL_PHASE),
            Case("gre_phase", args=(_DYN, 5e-4), label="six diffusing spins, 60 × 0.5 ms",
                 rtol=RTOL, atol=ATOL_PHASE),
            Case("se_phase", args=(_STATIC, 1e-3), label="static offsets are refocused",
                 points=2, rtol=RTOL, atol=ATOL_PHASE),
            Case("se_phase", args=(_DYN, 5e-4), label="six diffusing spins, 60 steps",
                 points=2, rtol=RTOL, atol=ATOL_PHASE),
            Case("se_phase", args=(_DYN_ODD_HALF, 1e-3), label="four spins, 50 steps",
                 rtol=RTOL, atol=ATOL_PHASE),
            Case("dephasing_rate", args=(_PH, 0.03), label="400 phases with a net offset",
                 points=2, rtol=RTOL),
            Case("dephasing_rate", args=(_PH_SMALL, 0.06), label="300 phases, narrow spread",
                 rtol=RTOL),
            Case("dephasing_rate", args=(np.full(5, 0.7), 0.03), label="identical phases",
                 atol=1e-12, rtol=RTOL),
            Case("rank_by_sensitivity", args=(_RADII, _GE_3T), label="GRE curve at 3 T",
                 compare="exact"),
            Case("rank_by_sensitivity", args=(_RADII, _SE_3T), label="SE curve at 3 T",
                 points=2, compare="exact"),
        ),
        mistakes=(
            Mistake("gre_phase", "forgot dt", _gre_phase_no_dt,
                    "Phase is frequency × time: multiply each step's ω (rad/s) by dt."),
            Mistake("gre_phase", "cycles instead of radians", _gre_phase_hz,
                    "ω is already in rad/s, so ∑ω dt is in radians; do not divide by 2π."),
            Mistake("se_phase", "no refocusing", _se_not_refocused,
                    "The 180° pulse at TE/2 negates the phase gathered in the first half: "
                    "φ = ∑ second half − ∑ first half, times dt."),
            Mistake("se_phase", "overall sign flipped", _se_wrong_half,
                    "After the pulse the first-half phase is negated and the second half adds "
                    "on top: second half minus first half."),
            Mistake("se_phase", "pulse one step late", _se_off_by_one,
                    "The pulse is exactly at TE/2: split the n steps into n//2 and n//2."),
            Mistake("dephasing_rate", "real part only", _rate_real_part,
                    "The signal is the magnitude of the complex mean |⟨e^{iφ}⟩|; the real part "
                    "alone depends on the net phase."),
            Mistake("dephasing_rate", "phase of the mean", _rate_mean_phase,
                    "Average the complex magnetisations, not the phases: dephasing is the spread "
                    "of the phases."),
            Mistake("dephasing_rate", "sign of the log", _rate_positive_log,
                    "S = exp(-ΔR TE), so ΔR = -ln S / TE, which is positive."),
            Mistake("rank_by_sensitivity", "ascending order", _rank_ascending,
                    "Most sensitive first: sort by decreasing rate."),
            Mistake("rank_by_sensitivity", "ranked by size", _rank_by_radius,
                    "Bigger is not always more sensitive: rank by the relaxation rate, not by "
                    "the radius (look at the SE curve)."),
        ),
    ),
)
