"""Hostile-submission corpus for ``tests/test_grader*.py``.

Two toy notebooks are graded: ``01_toy`` (exercises ``toy_scale`` and ``toy_ernst``) and ``02_other``
(exercise ``toy_other``). :data:`TOY_EXERCISES` defines them with the real grading API; ``toy_ernst``
uses the package's :func:`neurocourse.mri.ernst_angle` as its reference, so that calling it gets no
credit.

Each entry of :data:`HOSTILE` is a student whose ``01_toy`` notebook misbehaves in one way; its
expected scores are in :data:`EXPECTED` (points per exercise). Every hostile student also submits a
correct ``02_other`` notebook, which must score full marks whatever their ``01_toy`` did.
"""

from __future__ import annotations

import textwrap

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from neurocourse import mri
from neurocourse.grading.spec import Case, Exercise, Mistake

TOY_EXERCISES = (
    Exercise(
        id="toy_scale",
        title="Scale and add",
        notebook="01_toy",
        seed_problem=1,
        practises="toy",
        reference={"scale": lambda x, k: np.asarray(x, dtype=float) * k, "add": lambda a, b: a + b},
        cases=(
            # exact arithmetic on small numbers: any correct implementation is within rounding
            Case("scale", args=(np.array([1.0, 2.0, 3.0]), 2.0), label="array times 2", points=2),
            Case("scale", args=(1.5, -1.0), label="1.5 times -1", points=1),
            Case("add", args=(2, 3), label="2 + 3", points=1, compare="exact"),
        ),
        mistakes=(Mistake("scale", "wrong sign", lambda x, k: -np.asarray(x) * k, "check the sign"),),
    ),
    Exercise(
        id="toy_ernst",
        title="Ernst angle",
        notebook="01_toy",
        seed_problem=2,
        practises="toy",
        reference={"ernst": mri.ernst_angle},
        cases=(
            # closed form arccos(exp(-TR/T1)): a correct numpy version agrees to ~1e-15
            Case("ernst", args=(2.0, 1.3), label="TR = 2 s, T1 = 1.3 s", points=2, rtol=1e-9),
            Case("ernst", args=(0.05, 1.0), label="TR = 50 ms, T1 = 1 s", points=1, rtol=1e-9),
        ),
        mistakes=(Mistake("ernst", "radians", lambda TR, T1: np.arccos(np.exp(-TR / T1)), "use degrees"),),
    ),
    Exercise(
        id="toy_other",
        title="Half",
        notebook="02_other",
        seed_problem=3,
        practises="toy",
        reference={"half": lambda x: np.asarray(x, dtype=float) / 2},
        cases=(Case("half", args=(np.arange(4.0),), label="0..3", points=3),),
        mistakes=(Mistake("half", "doubled", lambda x: np.asarray(x) * 2.0, "divide"),),
    ),
)
MAX = {"toy_scale": 4.0, "toy_ernst": 3.0, "toy_other": 3.0}

GOOD_SCALE = """
def scale(x, k):
    return np.asarray(x, dtype=float) * k
"""
GOOD_ADD = """
def add(a, b):
    return a + b
"""
GOOD_ERNST = """
def ernst(TR, T1):
    return np.degrees(np.arccos(np.exp(-TR / T1)))
"""
HEADER = "import numpy as np\nfrom neurocourse.grading import check\n"


def notebook(*cells: str) -> str:
    """A notebook (JSON text) with a markdown title and the given code cells."""
    nb = new_notebook(
        cells=[new_markdown_cell("# toy"), new_code_cell(HEADER)]
        + [new_code_cell(textwrap.dedent(c).strip("\n")) for c in cells]
    )
    return nbformat.writes(nb)


def good_toy(scale: str = GOOD_SCALE, add: str = GOOD_ADD, ernst: str = GOOD_ERNST, *extra: str) -> str:
    """A ``01_toy`` notebook; pass a replacement for any of the three functions."""
    return notebook(scale, add, ernst, 'check("toy_scale", scale, add)', *extra)


def good_other() -> str:
    return notebook("def half(x):\n    return np.asarray(x, dtype=float) / 2\n")


def stub_toy() -> str:
    stub = "    raise NotImplementedError('Write your solution here.')\n"
    return notebook("def scale(x, k):\n" + stub, "def add(a, b):\n" + stub, "def ernst(TR, T1):\n" + stub)


HOSTILE: dict[str, str] = {
    # --- stalls: each costs only toy_scale
    "infinite_loop": good_toy("def scale(x, k):\n    while True:\n        pass\n"),
    "ignores_signals": good_toy(
        """
        import signal, time
        for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        def scale(x, k):
            signal.alarm(1)
            time.sleep(10_000)
        """
    ),
    "swallows_everything": good_toy(
        """
        import time
        def scale(x, k):
            while True:
                try:
                    time.sleep(10_000)
                except BaseException:
                    pass
        """
    ),
    # --- process exits: os._exit kills the process (crash); sys.exit is an exception (error)
    "os_exit": good_toy("import os\ndef scale(x, k):\n    os._exit(0)\n"),
    "sys_exit": good_toy(GOOD_SCALE, "import sys\ndef add(a, b):\n    sys.exit(3)\n"),
    "sys_exit_top_level": notebook(GOOD_SCALE, GOOD_ADD, "import sys\nsys.exit(0)", GOOD_ERNST),
    # --- resources
    # each allocation is larger than the whole limit, so it fails at once without touching pages:
    # the MemoryError does not depend on how fast a loaded machine can zero memory (issue 16)
    "memory_bomb": good_toy(
        "def scale(x, k):\n    hog = [bytearray(2_000_000_000) for _ in range(100_000)]\n    return hog\n"
    ),
    "prints_200mb": good_toy(
        GOOD_SCALE,
        GOOD_ADD,
        GOOD_ERNST,
        "import sys\nchunk = 'x' * 1_000_000\nfor _ in range(200):\n    sys.stdout.write(chunk)\n",
    ),
    "segfault": good_toy("import ctypes\ndef scale(x, k):\n    return ctypes.string_at(0)\n"),
    "runaway_thread": good_toy(
        GOOD_SCALE,
        GOOD_ADD,
        GOOD_ERNST,
        """
        import threading
        def _spin():
            while True:
                pass
        threading.Thread(target=_spin, daemon=False).start()
        """,
    ),
    "floods_result_pipe": good_toy(  # the worker's pipes are descriptors 3 (commands) and 4 (results)
        "import os\ndef scale(x, k):\n    for fd in (3, 4):\n        try:\n"
        "            os.write(fd, b'\\xff' * 1_000_000)\n        except OSError:\n            pass\n"
        "    return 0.0\n"
    ),
    "kills_its_parent": good_toy("import os, signal\ndef scale(x, k):\n    os.kill(os.getppid(), signal.SIGKILL)\n"),
    # --- tampering: tries to overwrite every notebook it can reach from its working directory
    "overwrites_others": good_toy(
        GOOD_SCALE,
        GOOD_ADD,
        GOOD_ERNST,
        """
        import glob, os
        _targets = set()
        for _base in {os.getcwd(), os.environ.get("HOME", ""), os.environ.get("OLDPWD", ""),
                      os.environ.get("PWD", ""), os.path.dirname(os.path.abspath(__file__))
                      if "__file__" in globals() else ""}:
            if not _base:
                continue
            for _up in ("", "..", "../..", "../../.."):
                for _pattern in ("*/01_toy.ipynb", "*/02_other.ipynb", "*/*/01_toy.ipynb", "*/*/02_other.ipynb"):
                    _targets.update(glob.glob(os.path.join(_base, _up, _pattern)))
        for _path in _targets:
            try:
                with open(_path, "w") as _f:
                    _f.write("{}")
            except OSError:
                pass
        """,
    ),
    # --- cheating the comparison: patched numpy and always-equal objects, with wrong answers
    "patches_numpy": good_toy(
        """
        import math
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.isclose = lambda *a, **k: np.True_
        math.isclose = lambda *a, **k: True
        class AlwaysEqual(float):
            def __eq__(self, other):
                return True
        def scale(x, k):
            return AlwaysEqual(-1.0)
        """,
        "def add(a, b):\n    return a - b\n",
        "def ernst(TR, T1):\n    return 0.0\n",
    ),
    "returns_objects": good_toy(
        "class Weird:\n    def __eq__(self, other):\n        return True\ndef scale(x, k):\n    return Weird()\n",
    ),
    # --- calling the package's reference implementation
    "imports_reference": good_toy(
        GOOD_SCALE,
        GOOD_ADD,
        "from neurocourse.mri import ernst_angle as _ea\ndef ernst(TR, T1):\n    return _ea(TR, T1)\n",
    ),
    "hides_reference": good_toy(
        GOOD_SCALE,
        GOOD_ADD,
        """
        import importlib
        def ernst(TR, T1):
            module = importlib.import_module("neurocourse." + "mri")
            return getattr(module, "ernst" + "_angle")(TR, T1)
        """,
    ),
}

#: Expected points per exercise for each student of HOSTILE (02_other is always full marks).
EXPECTED: dict[str, dict[str, float]] = {
    # a stuck or dead worker costs the whole exercise it was grading (add is in toy_scale too)
    "infinite_loop": {"toy_scale": 0, "toy_ernst": 3},
    "ignores_signals": {"toy_scale": 0, "toy_ernst": 3},
    "swallows_everything": {"toy_scale": 0, "toy_ernst": 3},
    "os_exit": {"toy_scale": 0, "toy_ernst": 3},
    "segfault": {"toy_scale": 0, "toy_ernst": 3},
    "floods_result_pipe": {"toy_scale": 0, "toy_ernst": 3},  # garbage on the result pipe is refused
    # exceptions cost only the calls that raised
    "sys_exit": {"toy_scale": 3, "toy_ernst": 3},
    "memory_bomb": {"toy_scale": 1, "toy_ernst": 3},
    "returns_objects": {"toy_scale": 1, "toy_ernst": 3},
    "kills_its_parent": {
        "toy_scale": 1,
        "toy_ernst": 3,
    },  # scale returns None; the grader restarts the zygote
    "sys_exit_top_level": {"toy_scale": 4, "toy_ernst": 0},  # cells after sys.exit do not run
    # harmless to the grade
    "prints_200mb": {"toy_scale": 4, "toy_ernst": 3},
    "runaway_thread": {"toy_scale": 4, "toy_ernst": 3},
    "overwrites_others": {"toy_scale": 4, "toy_ernst": 3},
    # cheating
    "patches_numpy": {"toy_scale": 0, "toy_ernst": 0},
    "imports_reference": {"toy_scale": 4, "toy_ernst": 0},
    "hides_reference": {"toy_scale": 4, "toy_ernst": 0},
}

#: Files that are not notebooks at all, each under the name 01_toy.ipynb.
MALFORMED: dict[str, bytes] = {
    "empty_file": b"",
    "invalid_json": b'{"cells": [',
    "binary_junk": bytes(range(256)) * 8,
    "json_not_notebook": b'{"hello": "world"}',
}
