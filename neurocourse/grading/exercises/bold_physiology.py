"""Exercises of notebook 01_bold_physiology: the energy budget of signalling, the OEF scenarios and
the intravascular/extravascular split of the GRE BOLD change."""

import numpy as np

from neurocourse import bold
from neurocourse.grading.spec import Case, Exercise, Mistake, random_cases

_F = bold.FARADAY


def _cmro2_change_percent(current, cmro2_baseline, p_o_ratio=2.5):
    na = bold.na_rate_from_current(current)
    return 100.0 * (bold.cmro2_ratio_from_na(na, cmro2_baseline, p_o_ratio=p_o_ratio) - 1.0)


def _bold_sign(cbf_ratio, cmro2_ratio, alpha=0.38, beta=1.5):
    return bold.bold_sign(cbf_ratio, cmro2_ratio, alpha, beta)


def _ev(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    return bold.gre_compartments(field_strength, TE, Y_rest, Y_act, blood_volume).extravascular


def _iv(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    return bold.gre_compartments(field_strength, TE, Y_rest, Y_act, blood_volume).intravascular


def _share(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    return bold.gre_compartments(field_strength, TE, Y_rest, Y_act,
                                 blood_volume).intravascular_fraction


def _theta0(b0):
    return 40.3 * b0 / 1.5


def _tissue(b0, TE, V):
    return (1 - V) * np.exp(-np.asarray(TE, dtype=float) / bold.TISSUE_T2STAR[b0])


def _ev_unscaled_theta(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    te, V = np.asarray(TE, dtype=float), blood_volume
    t = _tissue(field_strength, te, V)
    return t * (np.exp(-te * 4.3 * 40.3 * V * (1 - Y_act)) - np.exp(-te * 4.3 * 40.3 * V * (1 - Y_rest)))


def _ev_no_t2star(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    te, V, th = np.asarray(TE, dtype=float), blood_volume, _theta0(field_strength)
    return (1 - V) * (np.exp(-te * 4.3 * th * V * (1 - Y_act))
                      - np.exp(-te * 4.3 * th * V * (1 - Y_rest)))


def _iv_no_orientation(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    te = np.asarray(TE, dtype=float)
    return blood_volume * (np.exp(-te * bold.blood_r2(Y_act, field_strength))
                           - np.exp(-te * bold.blood_r2(Y_rest, field_strength)))


def _iv_tissue_t2star(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    # blood given the tissue T2*: its oxygenation dependence is lost, so nothing changes
    decay = np.exp(-np.asarray(TE, dtype=float) / bold.TISSUE_T2STAR[field_strength])
    return blood_volume * (decay - decay)


def _share_ratio(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    s = bold.gre_compartments(field_strength, TE, Y_rest, Y_act, blood_volume)
    return s.intravascular / s.extravascular


def _share_ev(field_strength, TE, Y_rest=0.6, Y_act=0.7, blood_volume=0.04):
    return 1.0 - _share(field_strength, TE, Y_rest, Y_act, blood_volume)


_NA = 6.02214076e23  # Avogadro constant, 1/mol (CODATA 2018, exact)


def _atp_per_neuron(cmro2_ml_per_100g_per_min, neuron_density, density=1050.0, p_o_ratio=2.5):
    o2 = bold.cmro2_to_si(cmro2_ml_per_100g_per_min, density)
    return bold.atp_rate_from_o2(o2, p_o_ratio) * _NA / neuron_density


def _current_density(change_percent, cmro2_ml_per_100g_per_min, density=1050.0, p_o_ratio=2.5):
    return bold.na_current_for_cmro2_change(
        change_percent, bold.cmro2_to_si(cmro2_ml_per_100g_per_min, density), p_o_ratio=p_o_ratio)


def _si_no_minutes(cmro2_ml_per_100g_per_min, density=1050.0):
    return 60.0 * bold.cmro2_to_si(cmro2_ml_per_100g_per_min, density)


def _si_per_gram(cmro2_ml_per_100g_per_min, density=1050.0):
    return 0.1 * bold.cmro2_to_si(cmro2_ml_per_100g_per_min, density)


def _si_no_density(cmro2_ml_per_100g_per_min, density=1050.0):
    return bold.cmro2_to_si(cmro2_ml_per_100g_per_min, density) / density


def _atp_atoms(cmro2_ml_per_100g_per_min, neuron_density, density=1050.0, p_o_ratio=2.5):
    return 0.5 * _atp_per_neuron(cmro2_ml_per_100g_per_min, neuron_density, density, p_o_ratio)


def _atp_moles(cmro2_ml_per_100g_per_min, neuron_density, density=1050.0, p_o_ratio=2.5):
    return _atp_per_neuron(cmro2_ml_per_100g_per_min, neuron_density, density, p_o_ratio) / _NA


def _current_k(change_percent, cmro2_ml_per_100g_per_min, density=1050.0, p_o_ratio=2.5):
    return 2.0 / 3.0 * _current_density(change_percent, cmro2_ml_per_100g_per_min, density,
                                        p_o_ratio)


def _current_mol(change_percent, cmro2_ml_per_100g_per_min, density=1050.0, p_o_ratio=2.5):
    return _current_density(change_percent, cmro2_ml_per_100g_per_min, density,
                            p_o_ratio) / bold.FARADAY


def _draw_split(rng):
    b0 = float(rng.choice([1.5, 3.0, 7.0]))
    y0 = rng.uniform(0.55, 0.65)
    return (b0, rng.uniform(0.015, 0.06), y0, y0 + rng.uniform(0.05, 0.12), rng.uniform(0.02, 0.06))


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
    Exercise(
        id="iv_ev_split",
        title="Intravascular and extravascular BOLD against field strength",
        notebook="01_bold_physiology",
        seed_problem=4445737,
        practises="Split the GRE BOLD change into the blood (intravascular) and tissue "
        "(extravascular) compartments, and follow the intravascular share from 1.5 to 7 T.",
        reference={
            "extravascular_change": _ev,
            "intravascular_change": _iv,
            "iv_share": _share,
        },
        # Tolerances: closed forms of exponentials; the orientation factor may be computed by
        # quadrature, so rtol 1e-5 accepts >= 20 000 trapezoid points (error ~1e-8) or the
        # Fresnel form, while every listed mistake is off by more than 5 % on the fixed cases.
        cases=(
            Case("extravascular_change", args=(3.0, 0.03), label="3 T, TE = 30 ms, defaults",
                 points=2, rtol=1e-5),
            Case("extravascular_change", args=(7.0, np.array([0.015, 0.025, 0.04])),
                 label="7 T, TE = 15, 25, 40 ms", points=1, rtol=1e-5),
            Case("extravascular_change", args=(1.5, 0.05, 0.6, 0.7, 0.05),
                 label="1.5 T, TE = 50 ms, V = 5 %", points=1, rtol=1e-5),
            *random_cases("extravascular_change", n=2, seed=31, points=1, rtol=1e-5,
                          draw=_draw_split, label="random field, TE, saturations, V"),
            Case("intravascular_change", args=(3.0, 0.03), label="3 T, TE = 30 ms, defaults",
                 points=2, rtol=1e-5),
            Case("intravascular_change", args=(7.0, np.array([0.015, 0.025, 0.04])),
                 label="7 T, TE = 15, 25, 40 ms", points=1, rtol=1e-5),
            Case("intravascular_change", args=(1.5, 0.05, 0.6, 0.7, 0.05),
                 label="1.5 T, TE = 50 ms, V = 5 %", points=1, rtol=1e-5),
            *random_cases("intravascular_change", n=2, seed=32, points=1, rtol=1e-5,
                          draw=_draw_split, label="random field, TE, saturations, V"),
            Case("iv_share", args=(1.5, 0.03), label="1.5 T, TE = 30 ms", points=1, rtol=1e-5),
            Case("iv_share", args=(3.0, 0.03), label="3 T, TE = 30 ms (measured: about 30 %)",
                 points=1, rtol=1e-5),
            Case("iv_share", args=(7.0, 0.03), label="7 T, TE = 30 ms", points=1, rtol=1e-5),
            Case("iv_share", args=(3.0, np.array([0.02, 0.04, 0.06])),
                 label="3 T, TE = 20, 40, 60 ms", points=1, rtol=1e-5),
        ),
        mistakes=(
            Mistake("extravascular_change", "did not scale theta0 with the field",
                    wrong=_ev_unscaled_theta,
                    message="Ogawa's theta0 = 40.3 s^-1 is the 1.5 T value; it is proportional "
                    "to B0 (80.6 s^-1 at 3 T, 188 s^-1 at 7 T)."),
            Mistake("extravascular_change", "forgot the tissue T2* decay",
                    wrong=_ev_no_t2star,
                    message="Tissue water also decays with its own T2* before the echo: multiply "
                    "by (1 - V) exp(-TE / T2*_tissue), with T2* from bold.TISSUE_T2STAR."),
            Mistake("intravascular_change", "left out the orientation dephasing",
                    wrong=_iv_no_orientation,
                    message="Blood in a vessel at angle theta precesses at an offset "
                    "proportional to (3 cos^2 theta - 1); averaged over isotropic vessels this "
                    "dephases the blood signal by |<exp(i a (3u^2 - 1))>|, "
                    "a = 2 pi theta0 (1 - Y) TE / 3. Include that factor for each saturation."),
            Mistake("intravascular_change", "gave blood the tissue T2*",
                    wrong=_iv_tissue_t2star,
                    message="Blood relaxes with its own, oxygenation-dependent R2(Y) = R2_0 + "
                    "K (1 - Y)^2 (bold.blood_r2); with a fixed T2* the blood signal cannot "
                    "change."),
            Mistake("iv_share", "returned the IV/EV ratio",
                    wrong=_share_ratio,
                    message="The share is IV / (IV + EV), a fraction of the total change, not "
                    "the ratio IV / EV."),
            Mistake("iv_share", "returned the extravascular share",
                    wrong=_share_ev,
                    message="Return the intravascular (blood) share; the tissue share is one "
                    "minus it."),
        ),
    ),
    Exercise(
        id="energy_volume",
        title="A volumetric energy budget of grey matter",
        notebook="01_bold_physiology",
        seed_problem=4445789,
        practises="Put the energy budget on a per-volume basis: convert a clinical CMRO2 to SI, "
        "derive the ATP turnover per neuron, and the Na+ current density that a given CMRO2 "
        "increase corresponds to.",
        reference={
            "cmro2_si": bold.cmro2_to_si,
            "atp_per_neuron": _atp_per_neuron,
            "current_density_for_change": _current_density,
        },
        sealed=(bold.atp_rate_from_o2, bold.na_current_for_cmro2_change),
        # Unit conversions and products only: rtol 1e-9 covers any order of operations (and
        # 22.414 L/mol vs a value to 5 digits fails, as it should: the constant is given).
        cases=(
            Case("cmro2_si", args=(3.3,), label="3.3 mL O2/100 g/min (grey matter)", points=2),
            Case("cmro2_si", args=(np.array([1.5, 3.3, 4.0]), 1040.0),
                 label="white matter to hot grey matter, density 1040 kg/m^3", points=1),
            Case("atp_per_neuron", args=(3.3, 9e13),
                 label="3.3 mL/100 g/min, 90 000 neurons per mm^3", points=2),
            Case("atp_per_neuron", args=(3.0, 4e13, 1050.0, 2.0),
                 label="3.0 mL/100 g/min, 40 000 neurons per mm^3, P/O = 2", points=1),
            Case("current_density_for_change", args=(20.0, 3.3),
                 label="+20 % CMRO2 in grey matter at 3.3 mL/100 g/min", points=2),
            Case("current_density_for_change", args=(np.array([0.0, 5.0, 10.0]), 3.0),
                 label="0, 5 and 10 % at 3.0 mL/100 g/min", points=1),
        ),
        mistakes=(
            Mistake("cmro2_si", "per minute left in", _si_no_minutes,
                    "The clinical unit is per minute: divide by 60 to get per second."),
            Mistake("cmro2_si", "per gram instead of per 100 g", _si_per_gram,
                    "The clinical unit is per 100 g of tissue: multiply by 10 to get per kg, then "
                    "by the density (kg/m^3) to get per m^3."),
            Mistake("cmro2_si", "density forgotten", _si_no_density,
                    "mL/100 g is per mass; multiply by the tissue density (1050 kg/m^3) to get a "
                    "rate per volume."),
            Mistake("atp_per_neuron", "one ATP per P/O per O2", _atp_atoms,
                    "P/O counts ATP per oxygen atom, and each O2 has two: 2 x P/O ATP per O2."),
            Mistake("atp_per_neuron", "moles per neuron", _atp_moles,
                    "Return molecules per second per neuron: multiply mol/s by Avogadro's "
                    "constant (6.022e23 /mol)."),
            Mistake("current_density_for_change", "used the K+ count", _current_k,
                    "The pump clears 3 Na+ per ATP (and brings 2 K+ in); the current to count is "
                    "the Na+ one, 3 charges per ATP."),
            Mistake("current_density_for_change", "forgot the Faraday constant", _current_mol,
                    "A current is charge per second: multiply the Na+ flux (mol m^-3 s^-1) by "
                    "F = 96485 C/mol to get A/m^3."),
        ),
    ),
)
