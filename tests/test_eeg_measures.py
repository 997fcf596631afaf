"""The chapter's measurements, against closed forms and physical invariants.

Tolerances: the on-axis peak against the closed form of a radial dipole at 1e-10 (the series is
exact to 1e-12); half-maximum widths against a root of the homogeneous closed form at 2e-3
relative (linear interpolation on a 0.25° meridian grid); invariants (MEG independence of the
conductivities, a radial dipole's silence) at round-off.
"""

import numpy as np
import pytest
from scipy.optimize import brentq

from neurocourse import eeg, meg
from neurocourse.eeg import measures
from neurocourse.forward import Forward, make_forward

R, SIG = 0.088, 0.33


def test_smearing_without_skull_contrast_matches_homogeneous_closed_forms():
    d, q = 0.02, 1e-8
    s = measures.skull_smearing([1.0], depth=d, q=q)
    assert s.peak[0] == pytest.approx(q * (2 + d / R) / (4 * np.pi * SIG * d**2), rel=1e-10)

    def v(theta):
        el = [[R * np.sin(theta), 0, R * np.cos(theta)]]
        return eeg.homogeneous_potential([0, 0, R - d], [0, 0, q], el, R, SIG)[0]

    theta_half = brentq(lambda t: v(t) - s.peak[0] / 2, 1e-6, np.pi / 2, xtol=1e-14)
    assert s.half_width[0] == pytest.approx(R * theta_half, rel=2e-3)


def test_skull_smears_and_weakens_eeg():
    s = measures.skull_smearing([1, 15, 25, 50, 80])
    assert np.all(np.diff(s.peak) < 0) and np.all(np.diff(s.tangential_peak) < 0)
    assert np.all(np.diff(s.half_width) > 0) and np.all(np.diff(s.extrema_separation) > 0)


def test_orientation_sensitivity():
    o = measures.orientation_sensitivity([0.015, 0.03, 0.05])
    # Sarvas: a radial dipole in a sphere produces no external field (round-off only)
    assert np.all(o.meg_radial <= 1e-12 * o.meg_tangential)
    assert np.all(o.eeg_radial > 0.3 * o.eeg_tangential)  # EEG sees both orientations
    # MEG loses more with depth than EEG (sheet §11)
    assert o.meg_tangential[-1] / o.meg_tangential[0] < o.eeg_tangential[-1] / o.eeg_tangential[0]
    # MEG RMS equals the RMS of Sarvas' field (radial component) computed directly
    arr = meg.radial_magnetometers(100, radius=R + 0.025)
    B = meg.sarvas_field([0, 0, R - 0.03], [1e-8, 0, 0], arr.positions)
    Bn = np.sum(B * arr.normals, axis=1)
    assert o.meg_tangential[1] == pytest.approx(np.sqrt(np.mean(Bn**2)), rel=1e-12)


def test_wrong_skull_conductivity_changes_eeg_not_meg():
    cx = meg.folded_cortex(n=(21, 3))
    res = measures.conductivity_error(80, [15, 80, 120], cx.positions, cx.normals)
    assert np.all(res["meg_rdm"] < 1e-12) and np.allclose(res["meg_mag"], 1, rtol=1e-12)
    np.testing.assert_allclose(res["eeg_rdm"][1], 0, atol=1e-12)  # the true model
    np.testing.assert_allclose(res["eeg_mag"][1], 1, rtol=1e-12)
    assert np.median(res["eeg_rdm"][0]) > 0.05 and np.all(res["eeg_mag"][0] > 1)  # too conductive
    assert np.all(res["eeg_mag"][2] < 1)  # a more resistive skull model predicts less


def test_snr_map_closed_form_and_complementarity():
    G = np.array([[2e-13, 1e-13], [1e-6, 3e-6], [-1e-6, -3e-6]])
    f = Forward(G=G, ch_names=("M", "E1", "E2"), ch_types=("mag", "eeg", "eeg"),
                units=("T", "V", "V"), ch_pos=np.zeros((3, 3)), source_rr=np.ones((2, 3)) * 0.01,
                source_nn=np.tile([0, 0, 1.0], (2, 1)), orientation="fixed")
    noise = measures.NoiseLevels(mag=1e-14, eeg=1e-7)
    a = 1e-8
    # average reference of (1, -1) e-6 leaves it unchanged
    expected = 10 * np.log10(np.mean((a * G / np.array([[1e-14], [1e-7], [1e-7]])) ** 2, axis=0))
    np.testing.assert_allclose(measures.snr_map(f, a, noise), expected, rtol=1e-12)
    # over a folded cortex, EEG gains on MEG where the cortex is radial (Goldenholz et al. 2009)
    cx = meg.folded_cortex(n=(41, 3))
    fwd = make_forward(cx.positions, meg=meg.radial_magnetometers(100, radius=0.113),
                       eeg=eeg.electrode_grid(64, radius=R), normals=cx.normals)
    adv = measures.snr_map(fwd.pick("eeg")) - np.maximum(measures.snr_map(fwd.pick("mag")), -60)
    assert np.corrcoef(cx.radiality, adv)[0, 1] > 0.5
    both = measures.snr_map(fwd)
    assert np.all(both <= np.maximum(measures.snr_map(fwd.pick("eeg")),
                                     measures.snr_map(fwd.pick("mag"))) + 1e-9)
    with pytest.raises(ValueError, match="fixed-orientation"):
        measures.snr_map(make_forward(cx.positions[:2], eeg=eeg.electrode_grid(8, radius=R)))


def test_berg_scherg_error_small_and_growing():
    rd, mg = measures.berg_scherg_error([0.1, 0.5, 0.8])
    assert np.all(np.diff(rd) > 0) and rd[-1] < 5e-3  # sheet §7.6 bound inside r1
    assert np.all(mg < 5e-3)


def test_column_rdm_mag():
    a = np.array([[1.0, 0.0], [0.0, 2.0]])
    rd, mg = measures.column_rdm_mag(2 * a, a)
    np.testing.assert_allclose(rd, 0, atol=1e-15)
    np.testing.assert_allclose(mg, 2, rtol=1e-15)
    rd, _ = measures.column_rdm_mag(-a, a)
    np.testing.assert_allclose(rd, 2, rtol=1e-15)  # opposite topographies: RDM = 2


def test_noise_covariance_diagonal_and_average_reference():
    f = make_forward(np.array([[0.0, 0.0, 0.06]]), meg=meg.radial_magnetometers(5, radius=0.11),
                     eeg=eeg.electrode_grid(4, radius=R))
    noise = measures.NoiseLevels(mag=2e-14, eeg=3e-7)
    C = measures.noise_covariance(f, noise)
    np.testing.assert_array_equal(C, np.diag([4e-28] * 5 + [9e-14] * 4))
    Ca = measures.noise_covariance(f.set_eeg_reference("average"), noise)
    T = np.eye(4) - 0.25
    np.testing.assert_allclose(Ca[5:, 5:], 9e-14 * T @ T.T, rtol=1e-14)  # T diag T^T
    assert np.linalg.matrix_rank(Ca[5:, 5:]) == 3 and np.all(Ca[:5, 5:] == 0)


def test_asphericity_effect_sphere_limit_and_growth():
    a = measures.asphericity_effect([0.1], order=2)
    assert list(a.eps) == [0.0, 0.1]
    # the spherical head on ico-2 meshes: radial MEG at the discretisation floor (OpenMEEG's
    # acceptance threshold, radial < 0.02 x tangential), EEG radial and tangential comparable
    assert a.meg_leak[0] < 0.02 and 0.3 < a.eeg_radial_ratio[0] < 3
    # asphericity makes the radial dipole leak (sheet §9.6: roughly linear, ~1-2 x eps) and
    # moves both topographies away from the spherical ones
    assert 0.5 * 0.1 < a.meg_leak[1] < 3 * 0.1
    assert a.meg_rdm[0] == 0 and a.eeg_rdm[0] == 0
    assert a.meg_rdm[1] > 0.01 and a.eeg_rdm[1] > 0.01


def test_asphericity_reference_head_matches_the_series():
    # eps = 0 is three concentric spheres: the BEM's EEG must match the exact series within the
    # issue's RDM <= 0.05 (eccentricity 0.7, ico-2 meshes at the 1:25 ratio)
    from neurocourse.meg.bem import rdm
    from neurocourse.meg.bem_multilayer import concentric_meshes, make_multilayer_bem

    head = eeg.three_shell(25)
    model = make_multilayer_bem(concentric_meshes(head.radii, 2), head.sigmas)
    u = np.ones(3) / np.sqrt(3)
    src = 0.7 * 0.081 * u
    el = eeg.electrode_grid(64, radius=0.088).positions
    q = 1e-8 * np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
    bem_v = make_forward(src, eeg=el, head=model).G @ q
    exact = eeg.average_reference(eeg.sphere_potential(src, q, el, head.radii, head.sigmas))
    assert rdm(bem_v, exact) < 0.05
