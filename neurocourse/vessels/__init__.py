"""Susceptibility fields around vessels, static dephasing theory, and a GRE/SE Monte Carlo.

Modules: :mod:`~neurocourse.vessels.field` (cylinder field, blood susceptibility),
:mod:`~neurocourse.vessels.sdt` (static dephasing theory), :mod:`~neurocourse.vessels.echo` (GE/SE echo
phases) and :mod:`~neurocourse.vessels.montecarlo` (the Monte Carlo).

Units are SI throughout: lengths in m, times in s, fields in T, angular frequencies in rad/s,
diffusion coefficients in m²/s. Magnetic susceptibilities are **SI volume susceptibilities**
(dimensionless; χ_SI = 4π χ_cgs). Orientation angles are in radians.

References
----------
Ogawa et al. (1993), Biophys. J. 64:803 (field around a magnetised cylinder).
Yablonskiy & Haacke (1994), MRM 32:749 (static dephasing regime, f_c).
Weisskoff et al. (1994), MRM 31:601 and Boxerman et al. (1995), MRM 34:555 (Monte Carlo of spins
diffusing among randomly oriented cylinders; GRE vs SE vessel-size sensitivity).
Spees et al. (2001), MRM 45:533 (susceptibility of deoxygenated red cells).
"""

from neurocourse.vessels.echo import dephasing_rate, echo_phase, rank_by_sensitivity
from neurocourse.vessels.field import DCHI_DO_SI, GAMMA, blood_susceptibility, cylinder_field
from neurocourse.vessels.montecarlo import VesselMCResult, VesselParams, simulate_vessel_mc
from neurocourse.vessels.sdt import yh_delta_omega, yh_dR2star, yh_fc, yh_signal

__all__ = [
    "DCHI_DO_SI",
    "GAMMA",
    "VesselMCResult",
    "VesselParams",
    "blood_susceptibility",
    "cylinder_field",
    "dephasing_rate",
    "echo_phase",
    "rank_by_sensitivity",
    "simulate_vessel_mc",
    "yh_dR2star",
    "yh_delta_omega",
    "yh_fc",
    "yh_signal",
]
