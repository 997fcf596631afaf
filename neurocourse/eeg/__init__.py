"""EEG forward modelling in concentric spheres: shell factors, the exact series, the
homogeneous closed form, the Berg–Scherg approximation, references and montages."""

from neurocourse.eeg.berg_scherg import BergScherg, berg_scherg_lead_field, fit_berg_scherg
from neurocourse.eeg.geometry import ELECTRODE_RTOL, centred_geometry, project_to_scalp
from neurocourse.eeg.homogeneous import homogeneous_lead_field, homogeneous_potential
from neurocourse.eeg.measures import (
    Asphericity,
    NoiseLevels,
    OrientationSensitivity,
    Smearing,
    asphericity_effect,
    berg_scherg_error,
    column_rdm_mag,
    conductivity_error,
    eeg_meg_maps,
    half_max_arc,
    meridian_potential,
    noise_covariance,
    orientation_sensitivity,
    skull_smearing,
    snr_map,
)
from neurocourse.eeg.montage import Montage, electrode_grid, montage_provenance, standard_montage
from neurocourse.eeg.reference import average_reference, reference_matrix, rereference
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
    "Asphericity",
    "BergScherg",
    "Montage",
    "NoiseLevels",
    "OrientationSensitivity",
    "ShellModel",
    "Smearing",
    "asphericity_effect",
    "average_reference",
    "berg_scherg_error",
    "berg_scherg_lead_field",
    "centred_geometry",
    "column_rdm_mag",
    "conductivity_error",
    "eeg_meg_maps",
    "electrode_grid",
    "fit_berg_scherg",
    "half_max_arc",
    "homogeneous_lead_field",
    "homogeneous_potential",
    "lead_field",
    "max_degree",
    "meridian_potential",
    "montage_provenance",
    "n_terms",
    "noise_covariance",
    "orientation_sensitivity",
    "project_to_scalp",
    "reference_matrix",
    "rereference",
    "series_lead_field",
    "shell_coefficients",
    "skull_smearing",
    "snr_map",
    "sphere_potential",
    "standard_montage",
    "three_shell",
]
