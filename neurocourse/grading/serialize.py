"""Safe encoding of values between the grader and its worker processes.

The worker runs untrusted student code, so whatever it sends back is untrusted data. Values travel as
JSON, never as pickle: numbers, strings, ``None``, lists, tuples, dicts with string keys, and numpy
arrays of numbers, bools or strings (as ``.npy`` bytes in base64, read back with
``allow_pickle=False``). Decoding builds fresh builtin and plain ``numpy.ndarray`` objects only, so
no object from the student's process (an always-equal class, an ndarray subclass, a monkeypatched
numpy) survives the trip into the grader.

Anything else (a generator, a DataFrame, an object array) cannot be encoded; the worker reports it
as ``Outcome("unsupported", error="an object of type X")``.
"""

from __future__ import annotations

import base64
import io
import json
import math
import struct
from typing import Any

import numpy as np

#: Largest encoded value the worker sends for one call (bytes); larger values are "unsupported".
MAX_VALUE_BYTES = 16 * 1024 * 1024
#: Largest framed message the grader accepts from a worker (bytes).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: Deepest nesting of lists, tuples and dicts accepted.
MAX_DEPTH = 32

_ARRAY_KINDS = "biufcU"  # bool, int, uint, float, complex, unicode str
_HEADER = struct.Struct(">I")


class UnsupportedValue(TypeError):
    """Raised by :func:`to_json` for a value that cannot be sent safely; ``str()`` says what it was."""


def to_json(value: Any, _depth: int = 0) -> Any:
    """A JSON-ready tree for ``value`` (see the module docstring for what is supported).

    Raises
    ------
    UnsupportedValue
        With a message like ``"an object of type DataFrame"``.
    """
    if _depth > MAX_DEPTH:
        raise UnsupportedValue(f"a value nested more than {MAX_DEPTH} levels deep")
    if value is None or type(value) is bool or type(value) is str:
        return value
    if isinstance(value, np.generic):  # numpy scalars: send the plain Python value
        if value.dtype.kind not in _ARRAY_KINDS:
            raise UnsupportedValue(f"an object of type {type(value).__name__}")
        value = value.item()
        if type(value) in (bool, str):
            return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return {"__int__": str(int.__int__(value))}
    if isinstance(value, float):
        return {"__float__": float.hex(float.__float__(value))}
    if isinstance(value, complex):
        return {"__complex__": [float.hex(value.real), float.hex(value.imag)]}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, np.ndarray):
        arr = np.asarray(value)
        if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
            raise UnsupportedValue(f"an array of dtype {arr.dtype}")
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=False)
        data = buf.getvalue()
        if len(data) > MAX_VALUE_BYTES:
            raise UnsupportedValue(f"an array too large to grade ({len(data) / 1e6:.0f} MB)")
        return {"__ndarray__": base64.b64encode(data).decode("ascii")}
    if isinstance(value, list):
        return [to_json(v, _depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [to_json(v, _depth + 1) for v in value]}
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            raise UnsupportedValue("a dict whose keys are not all strings")
        return {"__dict__": {k: to_json(v, _depth + 1) for k, v in value.items()}}
    raise UnsupportedValue(f"an object of type {type(value).__name__}")


def from_json(tree: Any, _depth: int = 0) -> Any:
    """Rebuild a value from a tree made by :func:`to_json`, accepting nothing else.

    Raises
    ------
    ValueError
        If the tree is not a well-formed encoding (it came from an untrusted process).
    """
    if _depth > MAX_DEPTH + 1:
        raise ValueError(f"value nested more than {MAX_DEPTH} levels deep")
    if tree is None or type(tree) in (bool, str):
        return tree
    if type(tree) is list:
        return [from_json(v, _depth + 1) for v in tree]
    if type(tree) is not dict or len(tree) != 1:
        raise ValueError(f"unexpected element of type {type(tree).__name__}")
    ((tag, body),) = tree.items()
    if tag == "__int__" and type(body) is str and len(body) <= 4000:
        return int(body)
    if tag == "__float__" and type(body) is str:
        return float.fromhex(body)
    if tag == "__complex__" and type(body) is list and len(body) == 2 and all(type(b) is str for b in body):
        return complex(float.fromhex(body[0]), float.fromhex(body[1]))
    if tag == "__tuple__" and type(body) is list:
        return tuple(from_json(v, _depth + 1) for v in body)
    if tag == "__dict__" and type(body) is dict:
        return {str(k): from_json(v, _depth + 1) for k, v in body.items()}
    if tag == "__ndarray__" and type(body) is str:
        return _read_array(body)
    raise ValueError(f"unexpected tag {tag!r}")


def _read_array(text: str) -> np.ndarray:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
        arr = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except Exception as exc:
        raise ValueError(f"unreadable array ({type(exc).__name__})") from exc
    if type(arr) is not np.ndarray or arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
        raise ValueError("array of an unsupported dtype")
    return arr


def dumps(value: Any) -> bytes:
    """Encode ``value`` as UTF-8 JSON bytes (see :func:`to_json`)."""
    return json.dumps(to_json(value), allow_nan=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> Any:
    """Decode bytes made by :func:`dumps`; ValueError for anything else."""
    try:
        tree = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError as exc:
        raise ValueError("value nested too deeply") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not valid JSON: {exc}") from exc
    try:
        return from_json(tree)
    except RecursionError as exc:
        raise ValueError("value nested too deeply") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"bare {name} is not allowed (floats are sent as hex strings)")


# ---------------------------------------------------------------------------------------------
# Framing: a 4-byte big-endian length, then a UTF-8 JSON message.


def frame(message: dict) -> bytes:
    """One framed message (the message's own values must already be JSON trees)."""
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")
    return _HEADER.pack(len(body)) + body


class FrameReader:
    """Accumulate bytes from a worker and cut them into messages, refusing oversized ones."""

    def __init__(self, max_bytes: int = MAX_MESSAGE_BYTES):
        self.max_bytes = max_bytes
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buf)
            if size > self.max_bytes:
                raise ValueError(
                    f"the worker sent a message of {size / 1e6:.0f} MB (limit {self.max_bytes / 1e6:.0f} MB)"
                )

    def next_message(self) -> dict | None:
        """The next complete message, or None if more bytes are needed. ValueError if malformed."""
        if len(self._buf) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self._buf)
        if size > self.max_bytes:
            raise ValueError(f"the worker sent a message of {size / 1e6:.0f} MB")
        end = _HEADER.size + size
        if len(self._buf) < end:
            return None
        body = bytes(self._buf[_HEADER.size : end])
        del self._buf[:end]
        try:
            message = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (RecursionError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"the worker sent a malformed message ({type(exc).__name__})") from exc
        if type(message) is not dict:
            raise ValueError("the worker sent a malformed message (not an object)")
        return message


def is_finite_number(x: Any) -> bool:
    """True for a finite int or float (used to validate numbers read from a worker)."""
    return type(x) in (int, float) and math.isfinite(x)
