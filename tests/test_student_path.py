"""The student path runs without the grader's dependencies, as it must in JupyterLite (Pyodide).

In Pyodide, ``%pip install neurocourse`` (the wheel the JupyterLite site indexes) can only succeed
when the package's required dependencies have Pyodide builds or pure-Python wheels: numpy, scipy,
matplotlib and ipywidgets. nbclient needs pyzmq, which Pyodide cannot load, so the grader's tools
(nbclient, nbformat, jupytext, tqdm) are an optional extra, ``neurocourse[grade]``.

Here every exercise notebook's code cells (imports, stubs, self-check cells) and every explorer
module run in a fresh interpreter in which importing those modules raises ``ImportError``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKED = ["nbclient", "nbformat", "jupytext", "tqdm", "zmq", "jupyter_client", "nbconvert", "psutil"]
# What Pyodide provides (numpy, scipy, matplotlib are Pyodide packages; ipywidgets is pure Python)
PYODIDE_OK = {"numpy", "scipy", "matplotlib", "ipywidgets"}

_RUNNER = r"""
import importlib.abc, json, pkgutil, sys
blocked = set(json.loads(sys.argv[1]))

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is blocked: not available in Pyodide")
        return None

sys.meta_path.insert(0, Block())
import matplotlib
matplotlib.use("Agg")
import neurocourse, neurocourse.widgets
for mod in pkgutil.iter_modules(neurocourse.widgets.__path__, "neurocourse.widgets."):
    __import__(mod.name)
cells = json.loads(sys.stdin.read())
ns = {}
ran = 0
for source in cells:
    try:
        exec(compile(source, "<cell>", "exec"), ns)
    except NotImplementedError:
        pass  # an unwritten stub, as the student receives it
    ran += 1
print(json.dumps({"cells": ran, "loaded": sorted(m for m in sys.modules if m.split(".")[0] in blocked)}))
"""


def _code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            # IPython magics (%matplotlib, %pip) are not Python
            cells.append("\n".join(line for line in src.splitlines() if not line.lstrip().startswith(("%", "!"))))
    return cells


@pytest.mark.parametrize("notebook", sorted((ROOT / "exercises").glob("*.ipynb")), ids=lambda p: p.name)
def test_exercise_runs_without_grader_dependencies(notebook):
    cells = _code_cells(notebook)
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(BLOCKED)],
        input=json.dumps(cells),
        capture_output=True,
        text=True,
        cwd=notebook.parent,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["cells"] == len(cells)
    assert result["loaded"] == []


def test_blocker_really_blocks():
    """The finder makes a grader import fail, so the test above would notice one."""
    code = "from neurocourse.grading import assign"
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, json.dumps(BLOCKED)],
        input=json.dumps([code]),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0
    assert "blocked: not available in Pyodide" in done.stderr


def test_wheel_requires_only_what_pyodide_has(tmp_path):
    """The wheel indexed by the JupyterLite site requires only Pyodide-installable packages."""
    sys.path.insert(0, str(ROOT / "web"))
    try:
        import neurocourse_web
    finally:
        sys.path.remove(str(ROOT / "web"))
    wheel = neurocourse_web.build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        assert zf.testzip() is None
    assert "neurocourse/grading/selfcheck.py" in names
    assert any(n.startswith("neurocourse/widgets/") for n in names)
    required = [
        line.split(":", 1)[1].split(";")[0].strip()
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    names_required = {r.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower() for r in required}
    assert names_required <= PYODIDE_OK, names_required - PYODIDE_OK
    assert "Provides-Extra: grade" in meta
