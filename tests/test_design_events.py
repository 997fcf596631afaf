"""Events, frame times and stimulus functions (neurocourse.design.events): closed forms and bad input."""

import numpy as np
import pytest

from neurocourse import design


def test_frame_times():
    np.testing.assert_array_equal(design.frame_times(4, 2.0), [0.0, 2.0, 4.0, 6.0])
    np.testing.assert_allclose(design.frame_times(3, 2.0, 0.5), [1.0, 3.0, 5.0], rtol=1e-15)


def test_early_onsets_warn_and_are_ignored():
    ft = design.frame_times(20, 2.0)
    with pytest.warns(UserWarning, match="earlier than"):
        stim, _grid = design.sample_condition([-30.0, 5.0], [0.0, 0.0], [1.0, 1.0], ft)
    # nilearn's warning says such onsets are "not considered", but its code snaps them to the
    # first grid point; we follow the code (the oracle), so the early event sits at grid[0]
    assert stim[0] == 1.0 and stim.sum() == 2.0


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.make_design_matrix([0.0, 2.0, 2.0, 4.0]), "frame_times must be strictly"),
    (lambda: design.make_events([1.0, 2.0], [1.0, -0.5]), "durations must be >= 0"),
    (lambda: design.make_events({"duration": [1.0]}), "'onset'"),
    (lambda: design.make_events([1.0, 2.0], conditions=["a"]), "conditions must have 2"),
    (lambda: design.frame_times(10, -2.0), "tr must be > 0"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
