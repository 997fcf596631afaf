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


def test_points_vectors_scalars_options_types():
    from neurocourse._validation import (
        check_option,
        check_points,
        check_scalar,
        check_sensors_outside,
        check_type,
        check_vec3,
    )

    assert check_points("r", [0.0, 0.0, 0.1]).shape == (1, 3)
    with pytest.raises(ValueError, match=r"r must have shape \(n, 3\) or \(3,\) \(in m\) with n >= 1, got \(2, 2\)"):
        check_points("r", np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"q must be a 3-vector \(shape \(3,\)\) \(in A·m\), got shape \(2,\)"):
        check_vec3("q", [1.0, 2.0], unit="A·m")
    assert check_scalar("x", 2) == 2.0
    with pytest.raises(ValueError, match=r"x must be a scalar, got shape \(2,\)"):
        check_scalar("x", [1, 2])
    assert check_option("method", "dSPM", ("MNE", "dSPM")) == "dSPM"
    with pytest.raises(ValueError, match=r"method must be one of \['MNE', 'dSPM'\], got 'mne'"):
        check_option("method", "mne", ("MNE", "dSPM"))
    with pytest.raises(TypeError, match=r"n must be int, got str"):
        check_type("n", "3", int)
    check_sensors_outside(np.array([[0.0, 0.0, 0.12]]), np.array([[0.0, 0.0, 0.07]]))
    with pytest.raises(ValueError, match="r_sensors must lie outside the conductor"):
        check_sensors_outside(np.array([[0.0, 0.0, 0.05]]), np.array([[0.0, 0.0, 0.07]]))


def test_unwrap_0d():
    from neurocourse._validation import unwrap_0d

    assert unwrap_0d(np.asarray(2.5)) == 2.5 and np.ndim(unwrap_0d(np.asarray(2.5))) == 0
    assert not isinstance(unwrap_0d(np.asarray(2.5)), np.ndarray)
    a = np.arange(3.0)
    assert unwrap_0d(a) is a
