"""MEG biophysics and the forward problem: dipole fields, sensors, sphere model, lead fields.

The boundary-element solver and the meshes live in the submodules ``neurocourse.meg.bem`` and
``neurocourse.meg.mesh``; import them explicitly.
"""

from neurocourse.meg.fields import (
    MU0_OVER_4PI,
    FieldSplit,
    QuasiStatic,
    dipole_field_infinite,
    dipole_potential_infinite,
    quasistatic_check,
    sarvas_field,
    split_field,
    volume_current_field,
)

__all__ = [
    "MU0_OVER_4PI",
    "FieldSplit",
    "QuasiStatic",
    "dipole_field_infinite",
    "dipole_potential_infinite",
    "quasistatic_check",
    "sarvas_field",
    "split_field",
    "volume_current_field",
]
