"""EEG forward modelling in concentric spheres: shell factors, the exact series, the
homogeneous closed form, the Berg–Scherg approximation, references and montages."""

from neurocourse.eeg.berg_scherg import BergScherg, berg_scherg_lead_field, fit_berg_scherg
from neurocourse.eeg.geometry import ELECTRODE_RTOL, centred_geometry, project_to_scalp
from neurocourse.eeg.homogeneous import homogeneous_lead_field, homogeneous_potential
from neurocourse.eeg.series import lead_field, max_degree, n_terms, series_lead_field, sphere_potential
from neurocourse.eeg.shells import (
    MNE_SPHERE_RELATIVE_RADII,
    MNE_SPHERE_SIGMAS,
    ShellModel,
    shell_coefficients,
    three_shell,
)

__all__ = [
    "ELECTRODE_RTOL",
    "MNE_SPHERE_RELATIVE_RADII",
    "MNE_SPHERE_SIGMAS",
    "BergScherg",
    "ShellModel",
    "berg_scherg_lead_field",
    "centred_geometry",
    "fit_berg_scherg",
    "homogeneous_lead_field",
    "homogeneous_potential",
    "lead_field",
    "max_degree",
    "n_terms",
    "project_to_scalp",
    "series_lead_field",
    "shell_coefficients",
    "sphere_potential",
    "three_shell",
]
