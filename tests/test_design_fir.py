"""Detection vs estimation (neurocourse.design.fir): nilearn's FIR columns and m-sequence closed forms."""

import warnings

import numpy as np
import pandas as pd
import pytest
from nilearn.glm.first_level import make_first_level_design_matrix

from neurocourse import design


def test_fir_design_matches_nilearn_with_unit_sticks():
    tr, n, k = 2.0, 50, 4
    rng = np.random.default_rng(0)
    stim = np.zeros((n, 2))
    for j in range(2):
        stim[rng.choice(np.arange(2, n - 5), 6, replace=False), j] = 1.0
    scans = [np.flatnonzero(stim[:, j]) for j in range(2)]
    events = pd.DataFrame({"onset": np.concatenate(scans) * tr,
                           "duration": tr,  # duration = TR gives unit sticks (reference pitfall)
                           "trial_type": np.repeat(["a", "b"], [s.size for s in scans])})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = make_first_level_design_matrix(np.arange(n) * tr, events, hrf_model="fir",
                                             fir_delays=list(range(k)), drift_model=None)
    ours = design.fir_design(stim, k)
    # nilearn builds the sticks on its oversampled grid: exact to rounding
    np.testing.assert_allclose(ours, ref.to_numpy()[:, : 2 * k], atol=1e-10)


def test_m_sequence_estimation_efficiency_closed_form():
    s = design.m_sequence(6)  # L = 63
    L, k = 63, 8
    X = design.fir_design(s, k, circular=True)
    expected = 1.0 / (4.0 / (L + 1) * ((k - 1) + L / (L - k)))  # applications.md 2.3: 1.9643
    assert design.estimation_efficiency(X) == pytest.approx(expected, rel=1e-10)
    assert expected == pytest.approx(1.9643, abs=1e-4)
    # with no projection X^T X = (L+1)/4 (I + 1 1^T): trace of the inverse 4k/(L+1) * (1 - 1/(k+1))
    assert design.estimation_efficiency(X, np.zeros((L, 0))) == pytest.approx(2.25, rel=1e-10)


def test_detection_power_is_a_rayleigh_quotient():
    rng = np.random.default_rng(1)
    stim = (rng.random(120) < 0.3).astype(float)
    X = design.fir_design(stim, 10)
    h = np.exp(-0.5 * ((np.arange(10) - 3.0) / 1.5) ** 2)
    P = design.nuisance_projector(120)
    M = X.T @ P @ X
    lam = np.linalg.eigvalsh(M)
    R = design.detection_power(X, h)
    assert R == pytest.approx(h @ M @ h / (h @ h), rel=1e-10)
    assert lam[0] <= R <= lam[-1]


def test_blocks_detect_random_designs_estimate():
    n, k = 120, 8
    blocks = np.tile(np.r_[np.ones(10), np.zeros(10)], 6)
    rand = (np.random.default_rng(2).random(n) < 0.5).astype(float)
    h = np.exp(-0.5 * ((np.arange(k) - 3.0) / 1.5) ** 2)
    Xb, Xr = design.fir_design(blocks, k), design.fir_design(rand, k)
    assert design.detection_power(Xb, h) > 2 * design.detection_power(Xr, h)
    assert design.estimation_efficiency(Xr) > 2 * design.estimation_efficiency(Xb)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.fir_design(np.ones(5), 6), "n_lags must be <= n_scans = 5"),
    (lambda: design.detection_power(np.ones((5, 4)), np.ones(3)), "X_fir must have"),
    (lambda: design.nuisance_projector(5, np.ones((4, 1))), "nuisance must have 5 rows"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
