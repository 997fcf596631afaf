"""EEG-informed fMRI: the HRF family against scipy's gamma density, the spike regressors against
nilearn's compute_regressor with the same kernel, and the planted 7-s focus recovered by the GLM
family with the HRF-mismatch penalty measured."""

import numpy as np
import pytest
from nilearn.glm.first_level import compute_regressor
from scipy import stats

from neurocourse import clinical, design


def _nilearn_kernel(peak):
    def kernel(tr, oversampling):
        dt = tr / oversampling
        t = np.linspace(0, 32.0, np.rint(32.0 / dt).astype(int))  # nilearn's HRF grid
        h = stats.gamma.pdf(t, a=6.0, scale=peak / 5.0)
        return h / h.sum()
    return kernel


def test_hrf_family_peaks_and_shape():
    tr, os_ = 2.0, 50
    K = clinical.hrf_family(tr, (3.0, 5.0, 7.0, 9.0), os_)
    for k, p in zip(K, (3.0, 5.0, 7.0, 9.0), strict=True):
        np.testing.assert_allclose(k, _nilearn_kernel(p)(tr, os_), rtol=1e-12, atol=1e-16)
        t = np.linspace(0, 32.0, k.size)
        assert abs(t[np.argmax(k)] - p) <= t[1]  # mode (a - 1) scale = p, to one fine sample


def test_spike_regressors_match_nilearn():
    rng = np.random.default_rng(2)
    tk = np.sort(rng.uniform(5.0, 380.0, 30))
    ft = design.frame_times(200, 2.0)
    X = clinical.spike_regressors(tk, ft)
    for j, p in enumerate(clinical.BAGSHAW_PEAKS):
        ref, _ = compute_regressor(np.vstack([tk, np.zeros(30), np.ones(30)]), _nilearn_kernel(p),
                                   ft)
        # same grid, the same causal discrete convolution and linear resampling: round-off only
        np.testing.assert_allclose(X[:, j], ref[:, 0], rtol=1e-10, atol=1e-14)


@pytest.fixture(scope="module")
def session():
    tk = clinical.spike_times(400.0, rate=0.1, refractory=1.0, rng=0)
    return clinical.simulate_spike_bold(tk, n_scans=200, tr=2.0, true_peak=7.0, amplitude=1.0,
                                        noise_sd=1.0, rng=0)


def test_glm_family_recovers_planted_focus(session):
    m = clinical.eeg_fmri_glm(session.Y, session.spike_times, session.frame_times)
    t7 = m.t[list(m.peaks).index(7.0)]
    # the focus is the 9 voxels with the largest 7-s t: the null voxels' t is ~N(0, 1) over 135
    # voxels, max ≈ 2.6, while the focus mean is ≈ 2.8 - 3 here (amplitude 1 %, noise 1 %)
    assert np.mean(t7[session.focus]) > 2.0
    assert abs(np.mean(t7[~session.focus])) < 0.3  # mean of 135 N(0,1): SE 0.09
    # the matching HRF gives the largest mean t in the focus, as the reference's known answer
    assert m.peaks[np.argmax(m.t[:, session.focus].mean(axis=1))] == 7.0


def test_hrf_mismatch_costs_t():
    """Noise-free planted 7-s response: the t ratio canonical (5 s) / matched (7 s) is the
    correlation loss, below 1; the reference expects about 0.8-0.9 (depends on TR)."""
    tk = clinical.spike_times(400.0, rate=0.1, refractory=1.0, rng=0)
    ratios = []
    for seed in range(3):
        s = clinical.simulate_spike_bold(tk, true_peak=7.0, amplitude=1.0, noise_sd=1.0, rng=seed)
        m = clinical.eeg_fmri_glm(s.Y[:, s.focus], tk, s.frame_times, peaks=(5.0, 7.0))
        ratios.append(m.t[0].mean() / m.t[1].mean())
    r = float(np.mean(ratios))
    assert 0.6 < r < 0.95, r
    X = clinical.spike_regressors(tk, s.frame_times, (5.0, 7.0))
    Xc = X - X.mean(axis=0)
    corr = Xc[:, 0] @ Xc[:, 1] / np.linalg.norm(Xc[:, 0]) / np.linalg.norm(Xc[:, 1])
    # expected t ratio ≈ regressor correlation (same noise); 27 voxels x 3 seeds: ±0.1
    assert abs(r - corr) < 0.1


def test_validation():
    with pytest.raises(ValueError, match="peaks"):
        clinical.hrf_family(2.0, (5.0, -1.0))
    with pytest.raises(ValueError, match="focus"):
        clinical.simulate_spike_bold([10.0], shape=(4, 4), focus=(3, 3), focus_size=3)
