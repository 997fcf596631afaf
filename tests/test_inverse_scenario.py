"""Scenarios behind the chapter and the widget: SNR definition, modality comparison invariants,
and the explorer smoke test."""

import matplotlib
import numpy as np
import pytest

from neurocourse import eeg, meg
from neurocourse.eeg import montage
from neurocourse.forward import make_forward
from neurocourse.inverse import scenario

matplotlib.use("Agg")


def test_point_source_snr_definition():
    scn = scenario.slab(n_x=5, n_z=4, n_sensors=30)
    est = scenario.point_source_estimate(scn.G, scn.noise_cov, 7, snr=5.0, rng=1)
    # the noise is the seed's standard normal draw times the 20 fT Cholesky factor; removing it
    # leaves the signal, whose whitened RMS over channels must be the requested SNR
    noise = np.random.default_rng(1).standard_normal(30) * 20e-15
    signal = est.data - noise
    assert np.sqrt(np.mean((signal / 20e-15) ** 2)) == pytest.approx(5.0, rel=1e-12)
    np.testing.assert_allclose(signal, scn.G[:, 7] * (signal @ scn.G[:, 7])
                               / (scn.G[:, 7] @ scn.G[:, 7]), rtol=1e-12)  # one source only
    with pytest.raises(ValueError, match="index"):
        scenario.point_source_estimate(scn.G, scn.noise_cov, 99)


@pytest.fixture(scope="module")
def forwards():
    cx = meg.folded_cortex(n=(9, 3))
    kw = dict(meg=meg.radial_magnetometers(40), eeg=montage.standard_montage("1020"),
              normals=cx.normals)
    f80 = make_forward(cx.positions, head=eeg.three_shell(80.0), **kw).set_eeg_reference(
        "average")
    f25 = make_forward(cx.positions, head=eeg.three_shell(25.0), **kw).set_eeg_reference(
        "average")
    return f80, f25


def test_meg_resolution_is_independent_of_skull_conductivity(forwards):
    f80, f25 = forwards
    exact = scenario.modality_resolution(f80, method="MNE")
    wrong = scenario.modality_resolution(f80, f25, method="MNE")
    # sphere MEG does not depend on conductivities (Sarvas): identical to round-off
    np.testing.assert_allclose(wrong["MEG"].psf.spatial_deviation,
                               exact["MEG"].psf.spatial_deviation, rtol=1e-10)
    # EEG does: a wrong skull conductivity changes its point-spread functions
    assert not np.allclose(wrong["EEG"].psf.spatial_deviation,
                           exact["EEG"].psf.spatial_deviation, rtol=1e-3)
    assert exact["MEG+EEG"].n_channels == 40 + 21


def test_forward_noise_cov_average_reference(forwards):
    f80, _ = forwards
    C, rank = scenario.forward_noise_cov(f80)
    eegm = np.array(f80.ch_types) == "eeg"
    assert rank == {"eeg": 20}
    np.testing.assert_allclose(C[np.ix_(eegm, eegm)].sum(axis=0), 0, atol=1e-25)  # V² scale
    np.testing.assert_allclose(np.diag(C)[~eegm], (20e-15) ** 2, rtol=1e-15)


def test_inverse_explorer_builds(monkeypatch):
    import matplotlib.pyplot as plt

    from neurocourse.widgets import inverse as winv

    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    w = winv.inverse_explorer()
    assert len(w.children) >= 5
    w.update()


def test_inverse_kernel_accepts_a_forward(forwards):
    from neurocourse.inverse import inverse_kernel

    f80, _ = forwards
    fm = f80.pick("mag")
    C = np.eye(fm.n_channels) * (20e-15) ** 2
    K1 = inverse_kernel(fm, C, 1 / 9, "dSPM")
    K2 = inverse_kernel(fm.G, C, 1 / 9, "dSPM", ch_types=fm.ch_types)
    np.testing.assert_array_equal(K1, K2)  # the same arithmetic on the same inputs


def test_source_covariance_closed_form():
    rng = np.random.default_rng(2)
    G = rng.normal(size=(6, 5))
    N = np.eye(6) * 0.1
    C = scenario.source_covariance(G, (1, 3), (2.0, 3.0), N, correlation=0.5)
    g1, g3 = G[:, 1], G[:, 3]
    ref = 4 * np.outer(g1, g1) + 9 * np.outer(g3, g3) + 3 * (np.outer(g1, g3)
                                                            + np.outer(g3, g1)) + N
    np.testing.assert_allclose(C, ref, rtol=1e-14)
    with pytest.raises(ValueError, match="correlation"):
        scenario.source_covariance(G, (1, 3), (2.0, 3.0), N, correlation=1.5)


def test_dipole_fits_improve_with_snr():
    scn = scenario.slab(n_x=9, n_z=7, n_sensors=60)
    fits, r0 = scenario.dipole_fits_vs_snr(scn, 5 * 9 + 4, (3.0, 30.0), rng=0)
    # GOF rises toward 100 % and the 95 % volume shrinks (as SNR^-3: factor 1000 here, within
    # a factor 3 because the moment and position estimates differ between the two draws)
    assert fits[0].gof < fits[1].gof and fits[1].gof > 99.0
    ratio = fits[0].confidence_volume / fits[1].confidence_volume
    assert 300 < ratio < 3000
    assert np.linalg.norm(fits[1].position - r0) < 2e-3
