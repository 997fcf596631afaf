"""Input validation shared by the science modules.

Every check raises :class:`ValueError` with a message that names the parameter, the value that
was given and the valid range, e.g. ``TR must be > 0 s, got -2.0``.
"""

from __future__ import annotations

import numpy as np


def _fmt(value) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return repr(arr.item())
    return f"array of shape {arr.shape}"


def as_finite(name: str, value, *, unit: str = "") -> np.ndarray:
    """Return ``value`` as a float array, raising ValueError if any element is NaN or infinite."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number or array, got {value!r}") from exc
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{name} must be finite{_unit(unit)}, got {bad!r}")
    return arr


def _unit(unit: str) -> str:
    return f" (in {unit})" if unit else ""


def check_positive(name: str, value, *, unit: str = "", allow_zero: bool = False) -> np.ndarray:
    """Require every element of ``value`` to be finite and > 0 (or >= 0 with ``allow_zero``)."""
    arr = as_finite(name, value, unit=unit)
    bad = arr < 0 if allow_zero else arr <= 0
    if np.any(bad):
        op = ">= 0" if allow_zero else "> 0"
        u = f" {unit}" if unit else ""
        raise ValueError(f"{name} must be {op}{u}, got {_fmt(arr[bad].ravel()[0])}")
    return arr


def check_range(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    unit: str = "",
) -> np.ndarray:
    """Require every element of ``value`` to lie in the interval given by ``low`` and ``high``.

    The interval is written in the error message in standard notation, e.g. ``(0, 1)`` or
    ``(0, 180] deg``.
    """
    arr = as_finite(name, value, unit=unit)
    ok = np.ones(arr.shape, dtype=bool)
    if low is not None:
        ok &= arr >= low if low_inclusive else arr > low
    if high is not None:
        ok &= arr <= high if high_inclusive else arr < high
    if not np.all(ok):
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = f"{'[' if low_inclusive and low is not None else '('}{lo}, {hi}"
        interval += "]" if high_inclusive and high is not None else ")"
        u = f" {unit}" if unit else ""
        raise ValueError(f"{name} must be in {interval}{u}, got {_fmt(arr[~ok].ravel()[0])}")
    return arr


def check_shape(name: str, value, shape: tuple) -> np.ndarray:
    """Require ``value`` to have ``shape``; ``None`` entries in ``shape`` match any length."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
        want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    return arr


def check_int(name: str, value, low: int) -> int:
    """Require ``value`` to be an integer (an int, or a float with no fractional part) >= ``low``."""
    try:
        ival = int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}") from exc
    if ival != value or ival < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return ival


def check_scalar(name: str, value, *, unit: str = "") -> float:
    """Require ``value`` to be a finite scalar and return it as a float."""
    arr = as_finite(name, value, unit=unit)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {arr.shape}")
    return float(arr)


def check_vec3(name: str, value, *, unit: str = "") -> np.ndarray:
    """Require ``value`` to be a finite 3-vector (shape ``(3,)``)."""
    arr = as_finite(name, value, unit=unit)
    if arr.shape != (3,):
        raise ValueError(f"{name} must be a 3-vector (shape (3,)){_unit(unit)}, got shape {arr.shape}")
    return arr


def check_points(name: str, value, *, unit: str = "m") -> np.ndarray:
    """Require ``value`` to be finite points of shape ``(n, 3)``, n >= 1; a single ``(3,)`` point
    is returned as ``(1, 3)``."""
    arr = as_finite(name, value, unit=unit)
    if arr.ndim == 1 and arr.shape == (3,):
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n, 3) or (3,){_unit(unit)} with n >= 1, got {arr.shape}")
    return arr


def check_option(name: str, value, options) -> object:
    """Require ``value`` to be one of ``options`` (compared with ``==``) and return it."""
    options = tuple(options)
    try:
        ok = any(value is o or (type(value) is type(o) and value == o) for o in options)
    except (TypeError, ValueError):  # e.g. an array compared with a string
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


def check_type(name: str, value, types, *, what: str | None = None) -> object:
    """Require ``isinstance(value, types)``; raise TypeError naming the expected type(s)."""
    if not isinstance(value, types):
        tnames = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise TypeError(f"{name} must be {what or tnames}, got {type(value).__name__} {value!r:.60}")
    return value


def check_sensors_outside(r_sensors_c: np.ndarray, r_sources_c: np.ndarray) -> None:
    """Sensors must lie outside every sphere that holds the sources (radii from the centre)."""
    r_sens = np.linalg.norm(r_sensors_c, axis=1)
    r_src = np.linalg.norm(r_sources_c, axis=1)
    r_max = r_src.max()
    bad = np.flatnonzero(r_sens <= r_max)
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"r_sensors must lie outside the conductor, i.e. farther from the sphere centre than "
            f"every source (> {r_max:.6g} m); sensor {i} is {r_sens[i]:.6g} m from the centre"
        )


def unwrap_0d(a):
    """Return a 0-d array as a numpy scalar and any other array unchanged (for scalar-in, scalar-out)."""
    return a[()] if np.ndim(a) == 0 else a
