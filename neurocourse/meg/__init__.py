"""MEG biophysics and the forward problem: dipole fields, sensors, sphere model, lead fields.

The boundary-element solver and the meshes live in the submodules ``neurocourse.meg.bem`` and
``neurocourse.meg.mesh``; import them explicitly.
"""

from neurocourse.meg.cortex import FoldedCortex, folded_cortex
from neurocourse.meg.fields import (
    MU0_OVER_4PI,
    FieldSplit,
    QuasiStatic,
    dipole_field_infinite,
    dipole_potential_infinite,
    dipole_source,
    quasistatic_check,
    sarvas_field,
    split_field,
    volume_current_density,
    volume_current_field,
)
from neurocourse.meg.leadfield import (
    apply_forward,
    fixed_orientation,
    helmet_maps,
    lead_field,
    sensor_lead_field,
)
from neurocourse.meg.orientation import (
    NormalSensitivity,
    OrientationSVD,
    angle_from_radial,
    ellipsoid_orientation,
    normal_sensitivity,
    orientation_svd,
)
from neurocourse.meg.sensors import (
    CoilDefinition,
    SensorArray,
    axial_gradiometer_coil,
    coil_definition,
    coil_types,
    ctf275_array,
    gradiometer_pairs,
    make_sensor_array,
    opm_array,
    planar_gradiometer_coil,
    point_magnetometers,
    radial_magnetometers,
    square_magnetometer_coil,
    vectorview_array,
)

__all__ = [
    "MU0_OVER_4PI",
    "CoilDefinition",
    "FieldSplit",
    "FoldedCortex",
    "NormalSensitivity",
    "OrientationSVD",
    "QuasiStatic",
    "SensorArray",
    "angle_from_radial",
    "apply_forward",
    "axial_gradiometer_coil",
    "coil_definition",
    "coil_types",
    "ctf275_array",
    "dipole_field_infinite",
    "dipole_potential_infinite",
    "dipole_source",
    "ellipsoid_orientation",
    "fixed_orientation",
    "folded_cortex",
    "gradiometer_pairs",
    "helmet_maps",
    "lead_field",
    "make_sensor_array",
    "normal_sensitivity",
    "opm_array",
    "orientation_svd",
    "planar_gradiometer_coil",
    "point_magnetometers",
    "quasistatic_check",
    "radial_magnetometers",
    "sarvas_field",
    "sensor_lead_field",
    "split_field",
    "square_magnetometer_coil",
    "vectorview_array",
    "volume_current_density",
    "volume_current_field",
]
