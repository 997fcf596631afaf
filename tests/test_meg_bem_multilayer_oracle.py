"""neurocourse.meg.bem_multilayer against OpenMEEG 2.6 (symmetric Galerkin BEM, Kybic et al.
2005) on the same three-layer meshes (concentric spheres and nested ellipsoids), for EEG and MEG,
with a 1:80 skull; and against MNE-Python's three-layer BEM (linear collocation) for EEG."""

import mne
import numpy as np
import openmeeg as om
import pytest
from mne.io.constants import FIFF

from neurocourse import eeg
from neurocourse.meg import sarvas_field
from neurocourse.meg.bem import mag_ratio, rdm
from neurocourse.meg.bem_multilayer import (
    bem_eeg_lead_field,
    bem_meg_lead_field,
    concentric_meshes,
    make_multilayer_bem,
)
from neurocourse.meg.mesh import ellipsoid, icosphere

RADII = (0.087, 0.092, 0.100)            # brain, skull, scalp (m)
SIGMAS = (0.33, 0.33 / 80, 0.33)         # S/m, Rush & Driscoll's 1:80
U = np.array([0.0, 1.0, 2.0]) / np.sqrt(5.0)
Q_TAN = np.array([1.0, 0.0, 0.0])
ECC = np.array([0.3, 0.6, 0.8])          # of the brain radius
ELECTRODES = icosphere(2, RADII[-1]).vertices          # the scalp vertices of ico-2
mne.set_log_level("ERROR")


def _avg(v):
    return v - v.mean(axis=0)


def _openmeeg_gains(meshes, dipoles, electrodes, pos, ori):
    """OpenMEEG EEG (V/(A·m)) and MEG (T/(A·m)) gains, (n_channels, n_dipoles).

    OpenMEEG's nested-geometry path expects the opposite triangle order to our outward one
    for the EEG sign (reference notes §9.5; MNE passes ``faces[:, [1, 0, 2]]`` too), so the
    faces are swapped; the MEG gain does not depend on it.
    """
    geom = om.make_nested_geometry([(m.vertices.copy(), m.triangles[:, [1, 0, 2]].copy())
                                    for m in meshes], conductivity=SIGMAS)
    integ = om.Integrator(3, 0, 0.005)
    hminv = om.HeadMat(geom, integ).inverse()
    dip = om.Matrix(np.asfortranarray(dipoles))
    dsm = om.DipSourceMat(geom, dip, integ, "Brain")
    eeg = om.GainEEG(hminv, dsm, om.Head2EEGMat(geom, om.make_sensors(electrodes.copy(),
                                                                        geometry=geom)))
    sens = om.make_sensors(pos, ori)
    meg = om.GainMEG(hminv, dsm, om.Head2MEGMat(geom, sens), om.DipSource2MEGMat(dip, sens))
    return eeg.array(), meg.array()


@pytest.fixture(scope="module")
def gains():
    # ico-2 (162 vertices per surface): OpenMEEG's three-layer build takes about 7 s of CPU
    # here, ico-3 about ten times more, too slow for the suite (the benchmark runs ico-3)
    meshes = concentric_meshes(RADII, 2)
    src = ECC[:, None] * RADII[0] * U
    dipoles = np.vstack([np.hstack([src, np.tile(Q_TAN, (3, 1))]),
                         np.hstack([src, np.tile(U, (3, 1))])])            # tangential, radial
    shell = icosphere(2, 0.12).vertices
    pos, ori = np.repeat(shell, 3, axis=0), np.tile(np.eye(3), (len(shell), 1))
    om_eeg, om_meg = _openmeeg_gains(meshes, dipoles, ELECTRODES, pos, ori)
    model = make_multilayer_bem(meshes, SIGMAS)
    G_eeg = bem_eeg_lead_field(model, src, ELECTRODES)
    G_meg = bem_meg_lead_field(model, src, pos, ori)
    ours_eeg = np.stack([G_eeg[:, 3 * (k % 3):3 * (k % 3) + 3] @ dipoles[k, 3:]
                         for k in range(6)], axis=1)
    ours_meg = np.stack([G_meg[:, 3 * (k % 3):3 * (k % 3) + 3] @ dipoles[k, 3:]
                         for k in range(6)], axis=1)
    return dict(src=src, dipoles=dipoles, pos=pos, ori=ori, om_eeg=_avg(om_eeg),
                om_meg=om_meg, ours_eeg=ours_eeg, ours_meg=ours_meg)


def test_eeg_agrees_with_openmeeg(gains):
    ours, ref = gains["ours_eeg"], gains["om_eeg"]
    for k in range(6):
        # Both are linear-element Galerkin BEMs on the same meshes (OpenMEEG symmetric, ours the
        # potential formulation with the isolated-problem approach and Nyström scalp values).
        # Against the exact series both stay within 0.02 RDM here (test_meg_bem_multilayer and
        # the benchmark); measured mutual RDM ≤ 0.0111 (e = 0.8, radial); bound 0.02.
        assert rdm(ours[:, k], ref[:, k]) < 0.02
        # amplitudes: measured MAG 0.992-0.993 (ours ~0.8 % below OpenMEEG); bound 0.015
        assert abs(mag_ratio(ours[:, k], ref[:, k]) - 1) < 0.015
    # the OpenMEEG EEG sign pitfall: a radial dipole gives a positive potential above it
    top = np.argmax(ELECTRODES @ U)
    assert np.all(ref[top, 3:] > 0) and np.all(ours[top, 3:] > 0)


def test_meg_agrees_with_openmeeg_and_sarvas(gains):
    ours, ref = gains["ours_meg"], gains["om_meg"]
    pos, ori, src = gains["pos"], gains["ori"], gains["src"]
    for k in range(3):  # tangential dipoles
        sarvas = np.einsum("pi,pi->p", sarvas_field(src[k], Q_TAN, pos), ori)
        # OpenMEEG's own full-vector error on ico-2 grows to 0.033 at e = 0.8 (measured; ours
        # 0.019), so the mutual RDM (measured ≤ 0.0203) is bounded by 0.03; MAG measured
        # within 0.0007 of 1, bound 0.005
        assert rdm(ours[:, k], ref[:, k]) < 0.03
        assert abs(mag_ratio(ours[:, k], ref[:, k]) - 1) < 0.005
        assert rdm(ref[:, k], sarvas) < 0.05
    for k in range(3, 6):  # radial dipoles: the sphere makes them silent in both
        tangential = np.linalg.norm(ref[:, k - 3])
        # measured ≤ 0.018 (ours) and ≤ 0.035 (OpenMEEG) of the tangential field on ico-2;
        # bounds 0.025 and 0.05 (OpenMEEG's acceptance threshold for radial/tangential is
        # 0.02 on radial magnetometers; all three components are compared here)
        assert np.linalg.norm(ours[:, k]) < 0.025 * tangential
        assert np.linalg.norm(ref[:, k]) < 0.05 * tangential


@pytest.fixture(scope="module")
def ellipsoid_gains():
    """Nested ellipsoids (semi-axes 1.1 : 1 : 0.9 of 87 mm, skull 5 mm, scalp 8 mm beyond it):
    no spherical symmetry, so radial sources leak into MEG and every term of both solvers is
    exercised; ico-2 meshes (OpenMEEG about 12 s of CPU)."""
    base = RADII[0] * np.array([1.1, 1.0, 0.9])
    meshes = [ellipsoid(2, base + d) for d in (0.0, 0.005, 0.013)]
    src = np.array([[0.0, 0.03, 0.05], [0.04, -0.02, 0.02], [0.0, 0.0, 0.06]])
    radial = src / np.linalg.norm(src, axis=1)[:, None]
    tang = np.cross(radial, [1.0, 0.0, 0.0])
    tang /= np.linalg.norm(tang, axis=1)[:, None]
    dipoles = np.vstack([np.hstack([src, tang]), np.hstack([src, radial])])
    electrodes = meshes[-1].vertices
    shell = icosphere(2, 0.13).vertices
    pos, ori = np.repeat(shell, 3, axis=0), np.tile(np.eye(3), (len(shell), 1))
    om_eeg, om_meg = _openmeeg_gains(meshes, dipoles, electrodes, pos, ori)
    model = make_multilayer_bem(meshes, SIGMAS)
    G_eeg = bem_eeg_lead_field(model, src, electrodes)
    G_meg = bem_meg_lead_field(model, src, pos, ori)
    pick = [slice(3 * (k % 3), 3 * (k % 3) + 3) for k in range(6)]
    ours_eeg = np.stack([G_eeg[:, pick[k]] @ dipoles[k, 3:] for k in range(6)], axis=1)
    ours_meg = np.stack([G_meg[:, pick[k]] @ dipoles[k, 3:] for k in range(6)], axis=1)
    return dict(om_eeg=_avg(om_eeg), om_meg=om_meg, ours_eeg=ours_eeg, ours_meg=ours_meg)


def test_ellipsoids_agree_with_openmeeg(ellipsoid_gains):
    g = ellipsoid_gains
    for k in range(6):
        # EEG, tangential and radial: measured RDM ≤ 0.015 and MAG 0.989-0.993 (as on the
        # spheres, where both are within 0.02 of the exact series); bounds 0.025 and 0.015
        assert rdm(g["ours_eeg"][:, k], g["om_eeg"][:, k]) < 0.025
        assert abs(mag_ratio(g["ours_eeg"][:, k], g["om_eeg"][:, k]) - 1) < 0.015
    for k in range(3):
        # MEG, tangential: measured RDM ≤ 0.012, MAG within 0.0005 of 1; bounds 0.02, 0.005
        assert rdm(g["ours_meg"][:, k], g["om_meg"][:, k]) < 0.02
        assert abs(mag_ratio(g["ours_meg"][:, k], g["om_meg"][:, k]) - 1) < 0.005
    for k in (3, 4):  # radial sources off the symmetry axes: the asphericity makes them leak
        leak = [np.linalg.norm(g[key][:, k]) / np.linalg.norm(g[key][:, k - 3])
                for key in ("ours_meg", "om_meg")]
        # both see a leak of 10-20 % of the tangential field (measured 0.097 and 0.198 here,
        # OpenMEEG 0.098 and 0.197): the sizes agree within 0.7 %; bound 3 %
        assert leak[1] > 0.05
        assert abs(leak[0] / leak[1] - 1) < 0.03


def _mne_bem_eeg(meshes, src, electrodes):
    """MNE-Python's three-layer BEM (linear collocation, isolated-problem approach) and its EEG
    forward for discrete sources, reference-free (V/(A·m)). Surfaces given outer → inner with
    their ids and conductivities, as ``make_bem_model`` returns them."""
    ids = [FIFF.FIFFV_BEM_SURF_ID_HEAD, FIFF.FIFFV_BEM_SURF_ID_SKULL, FIFF.FIFFV_BEM_SURF_ID_BRAIN]
    surfs = [dict(rr=m.vertices.copy(), tris=m.triangles.copy(), id=i, sigma=s, np=m.n_vertices,
                  ntri=m.n_triangles, coord_frame=FIFF.FIFFV_COORD_MRI)
             for m, i, s in zip(meshes[::-1], ids, SIGMAS[::-1], strict=True)]
    bem = mne.make_bem_solution(surfs)
    names = [f"E{i:03d}" for i in range(len(electrodes))]
    info = mne.create_info(names, 1000.0, "eeg")
    info.set_montage(mne.channels.make_dig_montage(ch_pos=dict(zip(names, electrodes,
                                                                   strict=True)),
                                                   coord_frame="head"))
    space = mne.setup_volume_source_space(pos=dict(rr=src, nn=np.tile([0.0, 0.0, 1.0],
                                                                      (len(src), 1))))
    fwd = mne.make_forward_solution(info, mne.transforms.Transform("head", "mri"), space, bem,
                                    meg=False, eeg=True, mindist=0)
    assert np.array_equal(fwd["src"][0]["rr"][fwd["src"][0]["vertno"]], src)
    return fwd["sol"]["data"]


def test_eeg_agrees_with_mne_bem_within_its_discretisation_error():
    """MNE's linear-collocation BEM (de Munck 1992 elements, the same isolated-problem approach)
    on the same ico-2 meshes: a coarser scheme, so the comparison is against its own error."""
    meshes = concentric_meshes(RADII, 2)
    src = ECC[:, None] * RADII[0] * U
    G_mne = _avg(_mne_bem_eeg(meshes, src, ELECTRODES))
    G = bem_eeg_lead_field(make_multilayer_bem(meshes, SIGMAS), src, ELECTRODES)
    for k in range(3):
        for q in (Q_TAN, U):
            ref = _avg(eeg.sphere_potential(src[k], q, ELECTRODES, RADII, SIGMAS))
            ours, theirs = G[:, 3 * k:3 * k + 3] @ q, G_mne[:, 3 * k:3 * k + 3] @ q
            err_mne = rdm(theirs, ref)
            # MNE's own error on ico-2 (measured 0.024-0.085 for e = 0.3-0.8) dominates ours
            # (≤ 0.011), so the two differ by about MNE's error: bound 1.25 × it (measured
            # ≤ 1.13 ×), and the topographies correlate > 0.99 (MNE's own OpenMEEG-vs-MNE
            # criterion for EEG is 0.98)
            assert err_mne < 0.1
            assert rdm(ours, ref) < 0.25 * err_mne
            assert rdm(ours, theirs) < 1.25 * err_mne
            assert np.corrcoef(ours, theirs)[0, 1] > 0.99
