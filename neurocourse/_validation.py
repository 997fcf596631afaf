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
