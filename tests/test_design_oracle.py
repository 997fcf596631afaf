"""neurocourse.design against nilearn (regressors, design matrices, drifts) and statsmodels (VIF)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from nilearn.glm.first_level import compute_regressor, make_first_level_design_matrix
from nilearn.signal import create_cosine_drift
from statsmodels.stats.outliers_influence import variance_inflation_factor

from neurocourse import design

# Replicating nilearn's grid, round-up snapping and linear interpolation reproduces its numbers
# to rounding; 1e-10 (the contract) leaves room for pinv in the orthogonalisation.
TOL = {"rtol": 1e-10, "atol": 1e-12}
HRF_MODELS = [*design.HRF_MODELS, None]


def _paradigm(seed=0, n_events=24, t_max=200.0):
    rng = np.random.default_rng(seed)
    # onsets off the fine grid (random reals) so that snapping is not decided by one ulp
    onsets = np.sort(rng.uniform(0.0, t_max, n_events))
    durations = rng.choice([0.0, 1.5, 4.0], n_events)
    amplitudes = rng.uniform(0.5, 2.0, n_events)
    conditions = rng.choice(["faces", "houses", "cars"], n_events)
    return onsets, durations, amplitudes, conditions


@pytest.mark.parametrize("hrf_model", HRF_MODELS)
@pytest.mark.parametrize(("tr", "n", "os", "ref"), [(2.0, 110, 50, 0.0), (1.37, 150, 16, 0.5)])
def test_compute_regressor(hrf_model, tr, n, os, ref):
    on, du, am, _ = _paradigm()
    ft = (np.arange(n) + ref) * tr
    fir = [0, 1, 4] if hrf_model == "fir" else None
    ours, names = design.compute_regressor(on, du, am, ft, hrf_model, os, fir, name="c")
    theirs, their_names = compute_regressor(np.vstack([on, du, am]), hrf_model, ft, con_id="c",
                                            oversampling=os, fir_delays=fir)
    assert names == list(their_names)
    np.testing.assert_allclose(ours, theirs, **TOL)


def _nilearn_dm(ft, on, du, am, co, **kw):
    events = pd.DataFrame({"onset": on, "duration": du, "modulation": am, "trial_type": co})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nilearn warns about zero durations
        return make_first_level_design_matrix(ft, events, **kw)


@pytest.mark.parametrize("hrf_model", HRF_MODELS)
@pytest.mark.parametrize("drift_model", ["cosine", "polynomial", None])
def test_design_matrix_with_motion(hrf_model, drift_model):
    on, du, am, co = _paradigm(1)
    ft = np.arange(120) * 2.0
    motion = np.random.default_rng(2).standard_normal((120, 6)) * 0.1
    names = ["tx", "ty", "tz", "rx", "ry", "rz"]
    kw = dict(hrf_model=hrf_model, drift_model=drift_model, high_pass=1 / 128, drift_order=3,
              fir_delays=[0, 2], add_regs=motion, add_reg_names=names)
    ref = _nilearn_dm(ft, on, du, am, co, **kw)
    ours = design.make_design_matrix(
        ft, {"onset": on, "duration": du, "modulation": am, "trial_type": co}, **kw)
    assert list(ours.names) == list(ref.columns)
    assert ours.names[-1] == "constant"
    np.testing.assert_allclose(ours.matrix, ref.to_numpy(), **TOL)


def test_design_matrix_defaults_and_events_object():
    on, du, am, co = _paradigm(3)
    ft = (np.arange(100) + 0.5) * 2.5
    ref = _nilearn_dm(ft, on, du, am, co)  # glover, cosine 0.01 Hz
    ours = design.make_design_matrix(ft, design.make_events(on, du, am, co))
    assert list(ours.names) == list(ref.columns)
    np.testing.assert_allclose(ours.matrix, ref.to_numpy(), **TOL)


def test_duplicate_events_are_summed_like_nilearn():
    on = np.array([10.3, 10.3, 40.7])
    du = np.array([2.0, 2.0, 0.0])
    am = np.array([1.0, 0.5, 1.0])
    co = np.array(["a", "a", "a"])
    ft = np.arange(60) * 2.0
    ref = _nilearn_dm(ft, on, du, am, co)
    with pytest.warns(UserWarning, match="Duplicated"):
        ours = design.make_design_matrix(ft, design.make_events(on, du, am, co))
    np.testing.assert_allclose(ours.matrix, ref.to_numpy(), **TOL)


def test_singular_design_regularised_like_nilearn():
    ft = np.arange(80) * 2.0
    on, du, am, co = _paradigm(4, t_max=140.0)
    extra = np.ones((80, 1))  # duplicates the constant: cond = inf
    ref = _nilearn_dm(ft, on, du, am, co, add_regs=extra)
    with pytest.warns(UserWarning, match="singular"):
        ours = design.make_design_matrix(ft, design.make_events(on, du, am, co), add_regs=extra)
    # both rebuild X from its SVD (LAPACK gesdd): rounding of order 1e-15 * |X|
    np.testing.assert_allclose(ours.matrix, ref.to_numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("high_pass", "n", "tr"), [(0.01, 200, 2.0), (1 / 128, 333, 0.8),
                                                    (0.0, 50, 3.0), (0.2, 40, 2.0)])
def test_cosine_drift(high_pass, n, tr):
    ft = np.arange(n) * tr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0.2 Hz at TR 2 s is above Nyquist: both warn
        ref = create_cosine_drift(high_pass, ft)
        ours = design.cosine_drift(high_pass, ft)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)  # same cosines: rounding


def test_vif_matches_statsmodels():
    rng = np.random.default_rng(5)
    a = rng.standard_normal(100)
    X = np.column_stack([a, a + 0.3 * rng.standard_normal(100), rng.standard_normal(100),
                         np.ones(100)])
    ref = [variance_inflation_factor(X, j) for j in range(3)]
    ours = design.vif(X)
    # inverse correlation matrix vs auxiliary OLS regressions: both well conditioned here
    np.testing.assert_allclose(ours[:3], ref, rtol=1e-10)
    assert np.isnan(ours[3])
