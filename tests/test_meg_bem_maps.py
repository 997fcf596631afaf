"""radial_tangential_maps (neurocourse.meg.bem): the science behind the BEM chapter's explorer."""

import numpy as np
import pytest

from neurocourse.meg.bem import radial_tangential_maps


def test_maps_radial_silent_only_for_sphere():
    _, b_rad0, b_tan0 = radial_tangential_maps(0.0, 0.7)
    _, b_rad, b_tan = radial_tangential_maps(0.2, 0.7)
    # sphere: radial dipole silent up to the ico-2 BEM error (OpenMEEG's 2 % criterion)
    assert np.linalg.norm(b_rad0) < 0.02 * np.linalg.norm(b_tan0)
    # ellipsoid ε = 0.2: clearly visible (more than 10 % of the tangential field)
    assert np.linalg.norm(b_rad) > 0.1 * np.linalg.norm(b_tan)


def test_maps_reject_bad_input():
    with pytest.raises(ValueError, match=r"asphericity must be in \[0, 0.3\]"):
        radial_tangential_maps(0.5)
    with pytest.raises(ValueError, match=r"eccentricity must be in \[0, 0.9\]"):
        radial_tangential_maps(0.1, 1.0)
    with pytest.raises(ValueError, match="sensor_radius must be in"):
        radial_tangential_maps(0.1, 0.5, sensor_radius=0.095)
