"""The toy folded cortex: geometry closed forms and the MEG sensitivity it is built to show."""

import numpy as np
import pytest

from neurocourse import meg


def test_normals_unit_outward_and_perpendicular_to_surface():
    cx = meg.folded_cortex(n=(81, 5))
    np.testing.assert_allclose(np.linalg.norm(cx.normals, axis=1), 1.0, rtol=1e-14)
    assert np.all(np.sum(cx.normals * cx.positions, axis=1) > 0)
    P = cx.positions.reshape(*cx.shape, 3)
    N = cx.normals.reshape(*cx.shape, 3)
    # finite-difference tangents along both grid directions are orthogonal to the analytic
    # normal up to the O(h^2) truncation of central differences (h = 0.75 mm, lambda = 20 mm)
    tu = (P[2:, 1:-1] - P[:-2, 1:-1])
    tv = (P[1:-1, 2:] - P[1:-1, :-2])
    for t in (tu, tv):
        cos = np.sum(t * N[1:-1, 1:-1], axis=-1) / np.linalg.norm(t, axis=-1)
        assert np.abs(cos).max() < 2e-2


def test_crowns_and_fundi_radial_walls_tangential():
    cx = meg.folded_cortex(amplitude=0.008, wavelength=0.02, n=(241, 1))
    crown = np.isclose(cx.height, 0.008, atol=1e-9)
    fundus = np.isclose(cx.height, -0.008, atol=1e-9)
    assert crown.any() and fundus.any()
    # on crowns and fundi dh/du = 0, so the normal is exactly radial: round-off only
    np.testing.assert_allclose(cx.radiality[crown | fundus], 1.0, rtol=1e-12)
    # mid-wall: slope 2 pi A / lambda = 2.51, so |n.r| = 1/sqrt(1 + slope^2 (R/rho)^2) ~ 0.37
    wall = np.abs(cx.height) < 1e-4
    slope = 2 * np.pi * 0.008 / 0.02
    np.testing.assert_allclose(cx.radiality[wall], 1 / np.sqrt(1 + slope**2), rtol=0.02)


def test_flat_sheet_is_a_sphere():
    cx = meg.folded_cortex(amplitude=0.0)
    np.testing.assert_allclose(np.linalg.norm(cx.positions, axis=1), 0.07, rtol=1e-14)
    np.testing.assert_allclose(cx.radiality, 1.0, rtol=1e-13)


def test_walls_dominate_meg_sensitivity():
    cx = meg.folded_cortex(n=(121, 1))
    arr = meg.radial_magnetometers(80, radius=0.12)
    g = meg.fixed_orientation(meg.lead_field(cx.positions, arr.positions, arr.normals),
                              cx.normals)
    sens = np.linalg.norm(g, axis=0)
    crown = cx.radiality > 0.999
    wall = cx.radiality < 0.5
    # crowns and fundi have radial normals: silent up to the curvature of the patch, whose
    # polar angle is < 0.43 rad; the walls must be orders of magnitude more visible
    assert np.median(sens[wall]) > 20 * np.median(sens[crown])


def test_bad_input():
    with pytest.raises(ValueError, match="amplitude must be < radius"):
        meg.folded_cortex(radius=0.01, amplitude=0.02)
    with pytest.raises(ValueError, match="wavelength must be > 0"):
        meg.folded_cortex(wavelength=0)
