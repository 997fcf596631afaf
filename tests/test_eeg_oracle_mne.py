"""neurocourse.eeg against MNE-Python: the exact shell factors and the sphere EEG forward.

* Shell factors: MNE's ``_fwd_eeg_get_multi_sphere_model_coeffs`` is the reference
  implementation of Zhang's recursion; we follow its operation order, so agreement is far below
  the issue's 1e-10 (asserted at 1e-10, observed 0).
* MNE's sphere EEG forward is the Berg–Scherg approximation (three equivalent dipoles in a
  homogeneous sphere). Our Berg–Scherg path fits the same parameters by the same procedure and
  evaluates the same closed form, so it must agree to the issue's 1e-8 (relative, with an absolute
  floor of 1e-8·max|G| for entries that cancel).
* The exact series differs from MNE by the Berg–Scherg error itself; we assert it is small
  (relative Frobenius difference < 5e-3, the reference sheet's bound §7.6 for sources well inside
  the brain) but not zero (> 1e-6), i.e. the two paths really are different computations.
"""

import mne
import numpy as np
import pytest
from mne.bem import _fwd_eeg_get_multi_sphere_model_coeffs

from neurocourse import eeg
from neurocourse.eeg import berg_scherg

mne.set_log_level("ERROR")
CENTER = np.array([0.002, -0.001, 0.03])  # not the origin (pitfall §13.2)
R = 0.09


def _electrodes(n, seed):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, 3))
    u[:, 2] = np.abs(u[:, 2])
    return CENTER + R * u / np.linalg.norm(u, axis=1, keepdims=True)


def _sources(n, seed, rmax=0.06):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return CENTER + u * rng.uniform(0.005, rmax, size=(n, 1))


def _mne_eeg_forward(el, rr, relative_radii, sigmas):
    names = [f"E{i:03d}" for i in range(len(el))]
    info = mne.create_info(names, 1000.0, "eeg")
    mont = mne.channels.make_dig_montage(ch_pos=dict(zip(names, el)), coord_frame="head")
    info.set_montage(mont)
    src = mne.setup_volume_source_space(pos=dict(rr=rr, nn=np.tile([0.0, 0, 1], (len(rr), 1))))
    sphere = mne.make_sphere_model(r0=CENTER, head_radius=R, relative_radii=relative_radii,
                                   sigmas=sigmas)
    fwd = mne.make_forward_solution(info, None, src, sphere, meg=False, eeg=True, mindist=0)
    assert np.array_equal(fwd["src"][0]["rr"][fwd["src"][0]["vertno"]], rr)
    return fwd["sol"]["data"], sphere


MODELS = [
    ((0.90, 0.92, 0.97, 1.0), (0.33, 1.0, 0.004, 0.33)),  # MNE default (brain, CSF, skull, scalp)
    ((0.87, 0.92, 1.0), (0.33, 0.0042, 0.33)),  # classic 1:80 three-shell
    ((0.85, 0.9, 0.95, 0.98, 1.0), (0.3, 1.7, 0.015, 0.2, 0.43)),  # five shells
]


@pytest.mark.parametrize("rel, sig", MODELS)
def test_shell_factors_match_mne(rel, sig):
    m = dict(layers=[dict(rel_rad=r, sigma=s) for r, s in zip(rel, sig)])
    expected = _fwd_eeg_get_multi_sphere_model_coeffs(m, 401)  # n = 1 ... 400
    got = eeg.shell_coefficients(np.arange(1, 401), np.array(rel) * R, sig)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=0)  # issue goal 1e-10


@pytest.mark.parametrize("rel, sig", MODELS)
def test_berg_scherg_fit_matches_mne(rel, sig):
    _, sphere = _mne_eeg_forward(_electrodes(4, 0), _sources(2, 0), rel, sig)
    # MNE fits on the relative radii exactly as given; COBYLA's path is sensitive to the last
    # bit of f_n (a 1-ulp change in a radius moves mu by ~1e-3), so give it the same numbers
    p = berg_scherg.fit_berg_scherg(rel, sig)
    # same procedure, same arithmetic: the parameters agree to round-off of the SVD (1e-8 leaves
    # room for BLAS differences; observed <= 3e-10)
    np.testing.assert_allclose(p.mu, sphere["mu"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.array(p.lam) / sig[-1], sphere["lambda"], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("n_el", [32, 64])
@pytest.mark.parametrize("rel, sig", MODELS[:2])
def test_berg_scherg_lead_field_matches_mne_forward(n_el, rel, sig):
    el, rr = _electrodes(n_el, n_el), _sources(20, n_el)
    Gm, _ = _mne_eeg_forward(el, rr, rel, sig)
    G = berg_scherg.berg_scherg_lead_field(rr, el, np.array(rel) * R, sig, center=CENTER,
                                           params=berg_scherg.fit_berg_scherg(rel, sig))
    np.testing.assert_allclose(G, Gm, rtol=1e-8, atol=1e-8 * np.abs(Gm).max())  # issue: 1e-8


@pytest.mark.parametrize("rel, sig", MODELS[:2])
def test_exact_series_differs_from_mne_by_the_berg_scherg_error(rel, sig):
    el, rr = _electrodes(64, 5), _sources(30, 5, rmax=0.05)
    Gm, _ = _mne_eeg_forward(el, rr, rel, sig)
    G = eeg.lead_field(rr, el, np.array(rel) * R, sig, center=CENTER)
    err = np.linalg.norm(G - Gm) / np.linalg.norm(Gm)
    assert 1e-6 < err < 5e-3, err  # sheet §7.6: ~5e-3 Frobenius for sources well inside r1
