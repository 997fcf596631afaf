"""Exercises of notebook 01_bold_physiology: the energy budget of signalling and the OEF scenarios."""

import numpy as np

from neurocourse import bold
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

_F = bold.FARADAY


def _cmro2_change_percent(current, cmro2_baseline, p_o_ratio=2.5):
    na = bold.na_rate_from_current(current)
    return 100.0 * (bold.cmro2_ratio_from_na(na, cmro2_baseline, p_o_ratio=p_o_ratio) - 1.0)


def _bold_sign(cbf_ratio, cmro2_ratio, alpha=0.38, beta=1.5):
    return bold.bold_sign(cbf_ratio, cmro2_ratio, alpha, beta)


# Tolerances: every answer is a few multiplications and powers of O(1)-scaled numbers, so a
# correct implementation agrees to round-off (~1e-15); rtol 1e-9 accepts any reasonable order of
# operations while rejecting every listed mistake on the fixed cases (it is off by >= 1e-6).

EXERCISES = (
    Exercise(
        id="energy_budget",
        title="From a sodium influx to oxygen consumption",
        notebook="01_bold_physiology",
        seed_problem=4445789,
        practises="Follow the energy budget: Na+ influx → ATP used by the Na+/K+-ATPase → O2 used by "
        "oxidative phosphorylation → the CMRO2 change caused by a synaptic current.",
        reference={
            "atp_demand": bold.atp_rate_from_na,
            "o2_demand": bold.o2_rate_from_atp,
            "cmro2_change_percent": _cmro2_change_percent,
        },
        cases=(
            Case("atp_demand", args=(3.0e-12,), label="Na+ influx 3e-12 mol/s", points=1),
            Case("atp_demand", args=(0.0,), label="no influx", points=1),
            Case("atp_demand", args=(np.array([1.5e-12, 6e-12, 9e-11]),),
                 label="an array of influxes (mol/s)", points=1),
            *random_cases("atp_demand", n=2, seed=11, points=1,
                          draw=lambda rng: (rng.uniform(1e-13, 1e-10),),
                          label="random influx"),
            Case("o2_demand", args=(5.0e-12,), label="ATP 5e-12 mol/s, default P/O = 2.5",
                 points=1),
            Case("o2_demand", args=(6.0e-12, 1.5), label="ATP 6e-12 mol/s, P/O = 1.5 (FADH2)",
                 points=1),
            *random_cases("o2_demand", n=2, seed=12, points=1,
                          draw=lambda rng: (rng.uniform(1e-13, 1e-10), rng.uniform(1.5, 2.7)),
                          label="random ATP rate and P/O"),
            Case("cmro2_change_percent", args=(5e-6, 2.5e-11),
                 label="current 5 µA, baseline 2.5e-11 mol O2/s (about 1 mm^3 of cortex)",
                 points=2),
            Case("cmro2_change_percent", args=(-5e-6, 2.5e-11),
                 label="inward current written as -5 µA (electrophysiology sign), same baseline",
                 points=1),
            Case("cmro2_change_percent", args=(0.0, 2.5e-11), label="no current", points=1),
            *random_cases("cmro2_change_percent", n=2, seed=13, points=1,
                          draw=lambda rng: (rng.uniform(1e-6, 2e-5), rng.uniform(1e-11, 5e-11),
                                            rng.uniform(2.0, 2.7)),
                          label="random current (A), baseline (mol/s) and P/O"),
        ),
        mistakes=(
            Mistake("atp_demand", "multiplied by 3",
                    wrong=lambda na_influx: 3.0 * np.asarray(na_influx, dtype=float),
                    message="Each ATP pumps three Na+ out, so the ATP rate is the Na+ rate "
                    "divided by 3, not multiplied."),
            Mistake("atp_demand", "used the K+ count",
                    wrong=lambda na_influx: np.asarray(na_influx, dtype=float) / 2.0,
                    message="The pump exchanges 3 Na+ for 2 K+ per ATP; it is the 3 Na+ that "
                    "must be cleared, so divide the Na+ influx by 3, not 2."),
            Mistake("o2_demand", "forgot that O2 has two oxygen atoms",
                    wrong=lambda atp_rate, p_o_ratio=2.5: np.asarray(atp_rate, dtype=float)
                    / p_o_ratio,
                    message="The P/O ratio counts ATP per oxygen atom; one O2 molecule carries "
                    "two atoms, so one O2 yields 2 × P/O ATP."),
            Mistake("o2_demand", "multiplied instead of divided",
                    wrong=lambda atp_rate, p_o_ratio=2.5: np.asarray(atp_rate, dtype=float)
                    * 2 * p_o_ratio,
                    message="More ATP per O2 means less O2 per ATP: divide the ATP rate by "
                    "2 × P/O."),
            Mistake("cmro2_change_percent", "current used as a molar flux",
                    wrong=lambda current, cmro2_baseline, p_o_ratio=2.5: 100.0 * abs(current)
                    / (3 * 2 * p_o_ratio) / cmro2_baseline,
                    message="A current in ampere is a charge flux in C/s; divide by the Faraday "
                    "constant (96485 C/mol) to get mol of Na+ per second."),
            Mistake("cmro2_change_percent", "kept the sign of an inward current",
                    wrong=lambda current, cmro2_baseline, p_o_ratio=2.5: 100.0 * current / _F
                    / (3 * 2 * p_o_ratio) / cmro2_baseline,
                    message="An inward current is negative by convention, but it still brings "
                    "Na+ in that must be pumped out: use its magnitude."),
            Mistake("cmro2_change_percent", "returned a fraction",
                    wrong=lambda current, cmro2_baseline, p_o_ratio=2.5: abs(current) / _F
                    / (3 * 2 * p_o_ratio) / cmro2_baseline,
                    message="Return the change in percent (multiply the fractional change by "
                    "100)."),
        ),
    ),
    Exercise(
        id="oef_scenarios",
        title="OEF, deoxyhaemoglobin and the sign of the BOLD change",
        notebook="01_bold_physiology",
        seed_problem=4445737,
        practises="Use Fick's principle to get the OEF change for a CBF and a CMRO2 change, decide "
        "the sign of the BOLD change with the Davis model, and size the arteriolar dilation "
        "behind a flow change with Poiseuille's law.",
        reference={
            "oef_change": bold.oef_ratio,
            "bold_sign": _bold_sign,
            "dilation_for_flow": bold.dilation_for_flow_ratio,
        },
        cases=(
            Case("oef_change", args=(1.5, 1.0), label="scenario 1: CBF +50 %, CMRO2 unchanged",
                 points=2),
            Case("oef_change", args=(1.0, 1.2), label="scenario 2: CBF unchanged, CMRO2 +20 %",
                 points=2),
            Case("oef_change", args=(np.array([1.6, 1.3]), np.array([1.2, 1.1])),
                 label="arrays: typical activations", points=1),
            *random_cases("oef_change", n=2, seed=21, points=1,
                          draw=lambda rng: (rng.uniform(0.8, 2.0), rng.uniform(0.8, 1.4)),
                          label="random CBF and CMRO2 ratios"),
            Case("bold_sign", args=(1.5, 1.0), label="scenario 1", points=1, compare="exact"),
            Case("bold_sign", args=(1.0, 1.2), label="scenario 2", points=1, compare="exact"),
            Case("bold_sign", args=(1.0, 1.0), label="no change at all", points=1,
                 compare="exact"),
            Case("bold_sign", args=(1.5, 1.4),
                 label="CBF +50 %, CMRO2 +40 % (n = 1.25)", points=2, compare="exact"),
            Case("bold_sign", args=(1.5, 1.3, 0.2, 1.3),
                 label="CBF +50 %, CMRO2 +30 %, venous alpha 0.2, beta 1.3", points=1,
                 compare="exact"),
            Case("bold_sign", args=(np.array([1.6, 1.2, 0.8]), np.array([1.2, 1.3, 0.9])),
                 label="arrays: activation, metabolic boost, deactivation", points=1,
                 compare="exact"),
            Case("dilation_for_flow", args=(1.5,), label="flow +50 %", points=2),
            Case("dilation_for_flow", args=(np.array([1.0, 2.0, 0.8]),),
                 label="no change, doubling, -20 % flow", points=1),
            *random_cases("dilation_for_flow", n=2, seed=22, points=1,
                          draw=lambda rng: (rng.uniform(0.5, 3.0),), label="random flow ratio"),
        ),
        mistakes=(
            Mistake("oef_change", "inverted the ratio",
                    wrong=lambda cbf_ratio, cmro2_ratio: np.asarray(cbf_ratio, dtype=float)
                    / cmro2_ratio,
                    message="By Fick's principle OEF = CMRO2 / (CBF · CaO2): more flow lowers "
                    "the extraction, more consumption raises it."),
            Mistake("oef_change", "subtracted the changes",
                    wrong=lambda cbf_ratio, cmro2_ratio: 1.0 + np.asarray(cmro2_ratio, dtype=float)
                    - cbf_ratio,
                    message="The ratios combine multiplicatively: OEF/OEF0 = (CMRO2/CMRO2_0) / "
                    "(CBF/CBF0)."),
            Mistake("bold_sign", "compared flow and metabolism only",
                    wrong=lambda cbf_ratio, cmro2_ratio, alpha=0.38, beta=1.5: np.sign(
                        np.asarray(cbf_ratio, dtype=float) - cmro2_ratio).astype(int),
                    message="A flow rise larger than the CMRO2 rise (n > 1) lowers the dHb "
                    "concentration, but the dilated veins also hold more blood (CBV ∝ CBF^alpha). "
                    "Use the Davis model: the change is positive only if "
                    "r < f^(1 - alpha/beta)."),
            Mistake("bold_sign", "sign of the OEF change",
                    wrong=lambda cbf_ratio, cmro2_ratio, alpha=0.38, beta=1.5: np.sign(
                        np.asarray(cmro2_ratio, dtype=float) / cbf_ratio - 1).astype(int),
                    message="More deoxyhaemoglobin means a shorter T2* and a *lower* signal: the "
                    "BOLD change has the opposite sign to the OEF change (and the CBV term "
                    "matters too)."),
            Mistake("dilation_for_flow", "used the square (area) law",
                    wrong=lambda flow_ratio: np.asarray(flow_ratio, dtype=float) ** 0.5,
                    message="Poiseuille's law gives Q ∝ r^4 at fixed pressure, so the radius "
                    "ratio is the fourth root of the flow ratio, not the square root."),
            Mistake("dilation_for_flow", "divided the flow change by 4",
                    wrong=lambda flow_ratio: 1.0 + (np.asarray(flow_ratio, dtype=float) - 1) / 4,
                    message="(1 + x)^(1/4) ≈ 1 + x/4 only for small x; take the exact fourth "
                    "root."),
        ),
    ),
)
