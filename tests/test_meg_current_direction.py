"""Direction of the primary current and the sign of MEG/EEG (meg_forward chapter, first figure).

Apical excitation drives the intracellular (primary) current down the dendrite, away from the
cortical surface; the chapter's figure uses q = (0, 0, -10 nAm). These tests pin the signs the
chapter states to closed forms of the current dipole in a conductor.
"""

import numpy as np
import pytest

from neurocourse import eeg, meg

SIGMA = 0.33
Q_IN = np.array([0.0, 0.0, -1e-8])   # apical excitation: toward the white matter


def test_inward_dipole_gives_negative_potential_above():
    # V = q·(r - r0) / (4 pi sigma |r - r0|^3): on the axis above an inward dipole q·r < 0.
    d = 0.01
    v = meg.dipole_potential_infinite([0, 0, 0], Q_IN, [[0, 0, d], [0, 0, -d]], sigma=SIGMA)
    expected = np.array([-1e-8 / (4 * np.pi * SIGMA * d**2), 1e-8 / (4 * np.pi * SIGMA * d**2)])
    # closed form, floating point only
    np.testing.assert_allclose(v, expected, rtol=1e-12)


def test_return_current_beside_the_dipole_opposes_it():
    # On the plane through the dipole perpendicular to q, grad V = q / (4 pi sigma r^3), so
    # J_v = -sigma grad V = -q / (4 pi r^3): the return current flows back up, toward the surface.
    r = 0.01
    J = meg.volume_current_density([0, 0, 0], Q_IN, [[r, 0, 0], [0, -r, 0]])  # sigma cancels
    np.testing.assert_allclose(J, np.tile(-Q_IN / (4 * np.pi * r**3), (2, 1)), rtol=1e-12,
                               atol=1e-12 * np.abs(Q_IN).max() / r**3)


def test_reversing_the_input_reverses_meg_and_eeg():
    # An inward radial dipole under the vertex of a three-shell head: the EEG at the vertex is
    # negative; flipping q (deep excitation or superficial inhibition) flips both modalities
    # exactly, because both are linear in q.
    head = eeg.three_shell()
    src = np.array([0.0, 0.01, head.radii[0] - 0.012])
    el = np.array([[0.0, 0.0, head.radii[-1]]])
    v_in = eeg.sphere_potential(src, Q_IN, el, head.radii, head.sigmas)
    v_out = eeg.sphere_potential(src, -Q_IN, el, head.radii, head.sigmas)
    assert v_in[0] < 0
    assert v_out[0] == pytest.approx(-v_in[0], rel=1e-12)
    q_tan = np.array([1e-8, 0.0, 0.0])
    sens = meg.radial_magnetometers(30, radius=0.12)
    b = meg.sarvas_field(src, q_tan, sens.positions)
    np.testing.assert_allclose(meg.sarvas_field(src, -q_tan, sens.positions), -b, rtol=1e-12,
                               atol=1e-12 * np.abs(b).max())
