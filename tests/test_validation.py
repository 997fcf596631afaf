"""The shared validators name the parameter, the value and the valid range."""

import numpy as np
import pytest

from neurocourse._validation import as_finite, check_int, check_positive, check_range, check_shape


def test_check_positive_messages():
    assert check_positive("TR", 2.0) == 2.0
    with pytest.raises(ValueError, match=r"TR must be > 0 s, got -2.0"):
        check_positive("TR", -2.0, unit="s")
    assert check_positive("x", 0.0, allow_zero=True) == 0.0


def test_check_range_interval_notation():
    with pytest.raises(ValueError, match=r"flip_deg must be in \(0, 180\] deg, got 200.0"):
        check_range("flip_deg", 200.0, 0, 180, low_inclusive=False, unit="deg")
    with pytest.raises(ValueError, match=r"zeta must be in \(0, 1\), got 1.0"):
        check_range("zeta", [0.5, 1.0], 0, 1, low_inclusive=False, high_inclusive=False)


def test_as_finite_rejects_nan_and_text():
    with pytest.raises(ValueError, match="neural must be finite"):
        as_finite("neural", [0.0, np.nan])
    with pytest.raises(ValueError, match="must be a real number"):
        as_finite("x", "abc")


def test_check_int_and_shape():
    assert check_int("n", 3.0, 1) == 3
    for bad in (2.5, 0, "three"):
        with pytest.raises(ValueError, match=r"n must be an integer >= 1"):
            check_int("n", bad, 1)
    with pytest.raises(ValueError, match=r"r must have shape \(n, 3\), got \(4, 2\)"):
        check_shape("r", np.zeros((4, 2)), (None, 3))
