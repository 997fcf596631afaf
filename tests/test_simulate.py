"""The seeded virtual experiments of neurocourse.simulate (moved from the GLM widget module)."""

import numpy as np
import pytest

from neurocourse import design
from neurocourse import simulate as sim


def test_slice_experiment_has_the_stated_truth_and_design():
    exp = sim.slice_experiment(shape=(12, 10), n_scans=100, sigma=0.0, seed=1)
    assert exp.Y.shape == (100, 120) and exp.beta_a.shape == (12, 10)
    # sigma = 0: the data are exactly X beta, baseline 100
    X = exp.design.matrix
    beta = np.zeros((X.shape[1], 120))
    beta[exp.design.index("A")] = exp.beta_a.ravel()
    beta[exp.design.index("B")] = exp.beta_b.ravel()
    beta[exp.design.index("constant")] = 100.0
    np.testing.assert_allclose(exp.Y, X @ beta, rtol=1e-12)
    # the blob centre is off the voxel grid (<= 0.5 voxel per axis, radius 12/9 voxels), so the
    # largest sampled value is between exp(-0.5 / (2 * (4/3)**2)) = 0.87 and the amplitude 1
    assert 0.87 < exp.beta_a.max() <= 1.0
    c = exp.contrast_vector("A > B")
    assert c[exp.design.index("A")] == 1 and c[exp.design.index("B")] == -1 and c.sum() == 0
    assert exp.contrast_vector("any effect (F)").shape == (2, X.shape[1])
    with pytest.raises(ValueError, match="contrast must be one of"):
        exp.contrast_vector("C")


def test_block_efficiency_equals_the_matrix_formula_and_has_an_interior_optimum():
    ft = design.frame_times(200, 2.0)
    dm = design.make_design_matrix(ft, design.make_events(np.arange(0.0, 400.0, 32.0), 16.0, 1.0,
                                                          "task"))
    X = dm.matrix
    c = dm.contrast({"task": 1})
    expected = 1.0 / (c @ np.linalg.inv(X.T @ X) @ c)  # Dale 1999, sigma = 1
    np.testing.assert_allclose(sim.block_design_efficiency(16.0), expected, rtol=1e-10)
    eff = [sim.block_design_efficiency(b) for b in (2.0, 12.0, 100.0)]
    # very short blocks are smoothed away by the HRF; very long ones are absorbed by the drifts
    assert eff[1] > 5 * eff[0] and eff[1] > 5 * eff[2]


def test_null_events_trade_differential_for_main_effect_efficiency():
    fixed = sim.event_design_efficiency(2.0, 0.0)
    jittered = sim.event_design_efficiency(2.0, 0.4)
    assert jittered["A + B"] > 2 * fixed["A + B"]  # Henson / Dale: jitter helps the main effect
    assert jittered["A - B"] < fixed["A - B"]  # ... and costs the differential contrast


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"shape": (0, 10)}, "shape must be an integer >= 1"),
    ({"shape": (10,)}, "shape must be a pair"),
    ({"tr": -2.0}, "tr must be > 0 s, got -2"),
    ({"n_scans": 20}, r"n_scans \* tr must be > 45 s"),
    ({"sigma": -1.0}, "sigma must be >= 0"),
    ({"rho": 1.0}, r"rho must be in \(-1, 1\)"),
    ({"amplitude": np.nan}, "amplitude"),
])
def test_slice_experiment_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sim.slice_experiment(**kwargs)


def test_efficiency_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="block_length must be > 0 s"):
        sim.block_design_efficiency(0.0)
    with pytest.raises(ValueError, match="high_pass must be > 0 Hz"):
        sim.block_design_efficiency(16.0, high_pass=-0.01)
    with pytest.raises(ValueError, match=r"p_null must be in \[0, 1\)"):
        sim.event_design_efficiency(2.0, 1.0)
    with pytest.raises(ValueError, match="soa must leave at least two slots"):
        sim.event_design_efficiency(500.0)
    with pytest.raises(ValueError, match="n_scans must be an integer"):
        sim.event_design_efficiency(2.0, n_scans=10.5)


def test_true_effect_maps_follow_the_contrast():
    from neurocourse.simulate import CONTRASTS, slice_experiment

    exp = slice_experiment(seed=0)
    # exact: the maps are the stored ground truth, combined by one subtraction or hypot
    np.testing.assert_array_equal(exp.true_effect("A"), exp.beta_a)
    np.testing.assert_array_equal(exp.true_effect("B > A"), exp.beta_b - exp.beta_a)
    np.testing.assert_array_equal(exp.true_effect("any effect (F)"), np.hypot(exp.beta_a, exp.beta_b))
    assert all(exp.true_effect(c).shape == exp.shape for c in CONTRASTS)
    with pytest.raises(ValueError, match="contrast must be one of"):
        exp.true_effect("C")


def test_the_virtual_subject_is_reexported_without_a_cycle():
    """neurocourse.simulate re-exports the subject (one object, not a copy), and a fresh
    interpreter can import it first (no import cycle through neurocourse.subject)."""
    import subprocess
    import sys

    from neurocourse import subject, subject_resolution

    for name in subject.__all__:
        assert getattr(sim, name) is getattr(subject, name)
    for name in subject_resolution.__all__:
        assert getattr(sim, name) is getattr(subject_resolution, name)
    assert set(subject.__all__) <= set(sim.__all__)
    out = subprocess.run([sys.executable, "-c", "import neurocourse.simulate as s; "
                          "print(s.virtual_subject.__module__)"], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "neurocourse.subject"
