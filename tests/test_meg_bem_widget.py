"""Smoke test of the BEM chapter's widget and a check of the science behind it."""

import matplotlib

matplotlib.use("Agg")

import numpy as np

from neurocourse.widgets.bem import asphericity_explorer, radial_tangential_maps


def test_explorer_builds_with_meaningful_default():
    w = asphericity_explorer()
    assert w.children[0].value == 0.15 and w.children[1].value == 0.7


def test_maps_radial_silent_only_for_sphere():
    _, b_rad0, b_tan0 = radial_tangential_maps(0.0, 0.7)
    _, b_rad, b_tan = radial_tangential_maps(0.2, 0.7)
    # sphere: radial dipole silent up to the ico-2 BEM error (OpenMEEG's 2 % criterion)
    assert np.linalg.norm(b_rad0) < 0.02 * np.linalg.norm(b_tan0)
    # ellipsoid ε = 0.2: clearly visible (more than 10 % of the tangential field)
    assert np.linalg.norm(b_rad) > 0.1 * np.linalg.norm(b_tan)
