"""The design matrix (neurocourse.design.matrix): the object, and nilearn's make_first_level_design_matrix."""

import warnings

import numpy as np
import pandas as pd
import pytest
from nilearn.glm.first_level import make_first_level_design_matrix

from neurocourse import design

# Replicating nilearn's grid, round-up snapping and linear interpolation reproduces its numbers
# to rounding; 1e-10 (the contract) leaves room for pinv in the orthogonalisation.
TOL = {"rtol": 1e-10, "atol": 1e-12}


HRF_MODELS = [*design.HRF_MODELS, None]


def test_design_matrix_object():
    ft = design.frame_times(50, 2.0)
    ev = design.make_events([3.0, 20.0, 50.0], 1.0, 1.0, ["B", "A", "B"])
    dm = design.make_design_matrix(ft, ev, drift_model=None)
    assert dm.names == ("A", "B", "constant")
    np.testing.assert_array_equal(dm.contrast({"A": 1, "B": -1}), [1.0, -1.0, 0.0])
    np.testing.assert_array_equal(dm.column("constant"), np.ones(50))
    np.testing.assert_array_equal(np.asarray(dm), dm.matrix)


def _paradigm(seed=0, n_events=24, t_max=200.0):
    rng = np.random.default_rng(seed)
    # onsets off the fine grid (random reals) so that snapping is not decided by one ulp
    onsets = np.sort(rng.uniform(0.0, t_max, n_events))
    durations = rng.choice([0.0, 1.5, 4.0], n_events)
    amplitudes = rng.uniform(0.5, 2.0, n_events)
    conditions = rng.choice(["faces", "houses", "cars"], n_events)
    return onsets, durations, amplitudes, conditions


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


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.make_design_matrix(np.arange(10.0), drift_model="spline"), "drift_model"),
    (lambda: design.make_design_matrix(np.arange(10.0), add_regs=np.ones((9, 6))),
     r"add_regs must have shape \(10, n_add\)"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_as_design_array_accepts_designmatrix_and_rejects_bad():
    dm = design.make_design_matrix(design.frame_times(10, 2.0))
    np.testing.assert_array_equal(design.as_design_array(dm), dm.matrix)
    with pytest.raises(ValueError, match="X must be a 2-D design matrix"):
        design.as_design_array(np.ones(5))
    with pytest.raises(ValueError, match="X"):
        design.as_design_array([[1.0, np.nan]])
