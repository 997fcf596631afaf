"""Unit tests of the grader's parts: safe serialisation, reference-call detection, hidden tests."""

from __future__ import annotations

import base64
import io
import json
import pickle
import sys

import numpy as np
import pytest
from hostile.corpus import TOY_EXERCISES

from neurocourse.grading import serialize
from neurocourse.grading.batch import list_students
from neurocourse.grading.gradebook import fmt_points
from neurocourse.grading.hidden import load_hidden
from neurocourse.grading.sandbox import Limits
from neurocourse.grading.shortcut import static_reference_uses

TOY_ERNST = TOY_EXERCISES[1]


# ------------------------------------------------------------------ serialisation


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -7,
        2**80,
        1.5,
        float("nan"),
        float("-inf"),
        1e-310,
        2 + 3j,
        "µs",
        [],
        (1, "a"),
        {"k": [1.0, (2, 3)]},
        np.arange(6).reshape(2, 3),
        np.array(3.5),
        np.array([True, False]),
        np.array(["a", "bc"]),
        np.zeros((2, 2), dtype=complex),
        np.asfortranarray(np.eye(3)),
    ],
)
def test_round_trip_is_exact(value):
    back = serialize.loads(serialize.dumps(value))
    if isinstance(value, np.ndarray):
        assert type(back) is np.ndarray and back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value)
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    else:
        assert back == value and type(back) is type(value)


def test_numpy_scalars_and_subclasses_arrive_as_plain_values():
    class Sneaky(float):
        def __eq__(self, other):
            return True

    assert type(serialize.loads(serialize.dumps(np.float32(0.5)))) is float
    assert type(serialize.loads(serialize.dumps(np.int64(3)))) is int
    back = serialize.loads(serialize.dumps(Sneaky(-1.0)))
    assert type(back) is float and back != 2.0

    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    back = serialize.loads(serialize.dumps(np.arange(3.0).view(Lying)))
    assert type(back) is np.ndarray and not np.array_equal(back, [9, 9, 9])


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (object(), "object"),
        (iter([1]), "list_iterator"),
        (np.array([object()]), "dtype object"),
        ({1: 2}, "keys"),
        (np.zeros(3, dtype=[("a", float)]), "dtype"),
    ],
)
def test_unsupported_values_are_named(value, words):
    with pytest.raises(serialize.UnsupportedValue, match=words):
        serialize.to_json(value)


def _npy(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return base64.b64encode(buf.getvalue()).decode()


@pytest.mark.parametrize(
    "data",
    [
        b"NaN",  # bare constants
        json.dumps({"__ndarray__": _npy(np.array([{"a": 1}], dtype=object), allow_pickle=True)}).encode(),
        json.dumps({"__ndarray__": base64.b64encode(pickle.dumps([1, 2])).decode()}).encode(),
        json.dumps({"__evil__": 1}).encode(),
        json.dumps({"__tuple__": [1], "__dict__": {}}).encode(),
        json.dumps({"__int__": "9" * 5000}).encode(),
        b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than the recursion limit
        b"\xff\xfe",
    ],
)
def test_decoder_refuses_anything_but_the_encoding(data):
    with pytest.raises(ValueError):
        serialize.loads(data)


def test_frame_reader_refuses_oversized_messages_without_buffering_them():
    reader = serialize.FrameReader(max_bytes=1000)
    with pytest.raises(ValueError, match="MB"):
        reader.feed(b"\xff\xff\xff\xff" + b"x" * 10)
    reader = serialize.FrameReader()
    data = serialize.frame({"a": 1}) + serialize.frame({"b": 2})
    reader.feed(data[:3])
    assert reader.next_message() is None
    reader.feed(data[3:])
    assert reader.next_message() == {"a": 1} and reader.next_message() == {"b": 2}


# ------------------------------------------------------------------ reference-call detection

BODY = "\n    return {}(TR, T1)\n"


@pytest.mark.parametrize(
    "source",
    [
        "from neurocourse import mri\ndef ernst(TR, T1):" + BODY.format("mri.ernst_angle"),
        "import neurocourse.mri as m\ndef ernst(TR, T1):" + BODY.format("m.ernst_angle"),
        "import neurocourse\ndef ernst(TR, T1):" + BODY.format("neurocourse.mri.ernst_angle"),
        "from neurocourse.mri import ernst_angle as e\ndef ernst(TR, T1):" + BODY.format("e"),
        "from neurocourse import mri\ndef ernst(TR, T1):" + BODY.format('getattr(mri, "ernst_angle")'),
        "from neurocourse import mri\ndef _helper(a, b):\n    return mri.ernst_angle(a, b)\n"
        "def ernst(TR, T1):" + BODY.format("_helper"),
        "from neurocourse import mri\nernst = mri.ernst_angle\n",
        "from neurocourse.mri import ernst_angle as ernst\n",
    ],
)
def test_static_detection_finds_reference_calls(source):
    assert static_reference_uses([source], TOY_ERNST) == {"ernst": ["neurocourse.mri.ernst_angle"]}


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\ndef ernst(TR, T1):\n    return np.degrees(np.arccos(np.exp(-TR / T1)))\n",
        # comparing with the package outside the graded function is allowed
        "from neurocourse import mri\nimport numpy as np\n"
        "def ernst(TR, T1):\n    return np.degrees(np.arccos(np.exp(-TR / T1)))\nprint(mri.ernst_angle(2, 1))\n",
        # other package functions are allowed
        "from neurocourse import mri\ndef ernst(TR, T1):\n    return mri.spoiled_gre_signal(1, 0.05, TR, 0.01, 30)\n",
        "def ernst(TR, T1:\n",  # a syntax error is not a reference call
    ],
)
def test_static_detection_leaves_own_code_alone(source):
    assert static_reference_uses([source], TOY_ERNST) == {}


# ------------------------------------------------------------------ hidden tests, small helpers


def test_load_hidden_marks_cases_hidden_and_validates(tmp_path):
    good = tmp_path / "h.py"
    good.write_text(
        "from neurocourse.grading.spec import Case\n"
        "HIDDEN = {'toy_ernst': [Case('ernst', args=(1.0, 2.0), points=2)]}\n"
    )
    cases = load_hidden(good, TOY_EXERCISES)
    assert cases["toy_ernst"][0].hidden and cases["toy_ernst"][0].points == 2
    bad = {
        "HIDDEN = 3\n": "must define a dict",
        "from neurocourse.grading.spec import Case\nHIDDEN = {'toy_ernst': [Case('nope')]}\n": "not one of",
        "HIDDEN = {'toy_ernst': [1]}\n": "must be a Case",
        "from neurocourse.grading.spec import Case\n"
        "HIDDEN = {'toy_ernst': [Case('ernst', args=(1,))]}\n": "reference answer cannot be computed",
        "raise RuntimeError('boom')\n": "could not be run",
    }
    for text, words in bad.items():
        good.write_text(text)
        with pytest.raises(ValueError, match=words):
            load_hidden(good, TOY_EXERCISES)
    with pytest.raises(ValueError, match="does not exist"):
        load_hidden(tmp_path / "missing.py", TOY_EXERCISES)


def test_small_helpers(tmp_path):
    assert [fmt_points(x) for x in (3, 2.5, 0.1 + 0.2, 1e-9, 12.0)] == [
        "3",
        "2.5",
        "0.3",
        "0",
        "12",
    ]
    for name in ("b", "a", "c", ".hidden"):
        (tmp_path / name).mkdir()
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a")

    def names(*shard):
        return [n for n, _ in list_students(tmp_path, *shard)]

    assert names() == ["a", "b", "c", "link"]
    assert names((1, 2)) == ["a", "c"] and names((2, 2)) == ["b", "link"]
    assert [r for n, r in list_students(tmp_path) if n == "link"] == [
        "this student folder is a symbolic link; it was not followed"
    ]
    with pytest.raises(ValueError, match="timeout must be > 0 s, got -1"):
        Limits(timeout=-1)


# ------------------------------------------------------------------ the zygote's malloc tuning


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_tuned_malloc_reuses_heap_pages_for_large_temporaries():
    """After isolation.tune_malloc (as the zygote does before it forks), numpy temporaries of 1-4 MB
    come from the heap, whose pages fault in once; with glibc's initial threshold (128 kB) each one
    is a fresh mapping whose pages all fault again. Counted in minor page faults of a fresh
    interpreter (a count, not a time: independent of the machine's load; a fresh process, because
    a forked test worker carries whatever its earlier tests left in its allocator and mappings).
    Arrays of 4 MB and more are left out: numpy asks for huge pages for those."""
    import subprocess
    import sys

    code = (
        "import resource, sys\n"
        "import numpy as np\n"
        "from neurocourse.grading import isolation\n"
        "assert isolation.tune_malloc(mmap_threshold=int(sys.argv[1]), trim_threshold=int(sys.argv[2]))\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "for k in range(20):  # 1.0 ... 3.85 MB, each freed at once\n"
        "    np.ones((1 << 17) + k * 19_200).sum()\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n"
    )

    def faults(mmap_threshold=64 << 20, trim_threshold=512 << 20) -> int:
        out = subprocess.run([sys.executable, "-c", code, str(mmap_threshold), str(trim_threshold)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        return int(out.stdout)

    default = faults(mmap_threshold=128 << 10, trim_threshold=128 << 10)
    tuned = faults()
    # each array mapped afresh: 20 arrays of 2.4 MB on average / 4 kB = ~12 000 faults; from the
    # heap, it grows to the largest array once: ~950 faults (plus noise). A factor 4 is far from both
    assert default > 8_000, default
    assert tuned < default / 4, (tuned, default)
