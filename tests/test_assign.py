"""`neurocourse assign`: stubs, tags, nbgrader metadata, determinism, and the sync check."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from neurocourse.grading.assign import STUB, assign, student_notebook
from neurocourse.grading.cli import main

SOLUTION_CELL = '''def ernst(TR, T1):
    """Docstring stays."""
    x = 1
    ### BEGIN SOLUTION
    import numpy as np
    return np.degrees(np.arccos(np.exp(-TR / T1)))
    ### END SOLUTION'''


def _solution():
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Title"),
        new_code_cell("import numpy as np"),
        new_code_cell(SOLUTION_CELL, outputs=[], execution_count=3),
        new_code_cell('check("toy", ernst)'),
        new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    return nb


def test_student_notebook_replaces_block_keeps_signature_and_indentation():
    sol = _solution()
    before = nbformat.writes(sol)
    stu = student_notebook(sol, "00_toy")
    assert nbformat.writes(sol) == before  # the solution is not modified
    code = stu.cells[2].source
    assert code.splitlines() == ['def ernst(TR, T1):', '    """Docstring stays."""', "    x = 1", "    " + STUB]
    assert "raises-exception" in stu.cells[2].metadata["tags"]
    meta = stu.cells[2].metadata["nbgrader"]
    assert meta["solution"] is True and meta["grade_id"] == "answer_ernst" and meta["locked"] is False
    assert stu.cells[2].execution_count is None
    assert stu.cells[1].outputs == []
    assert "Because" not in stu.cells[4].source and stu.cells[4].metadata["nbgrader"]["solution"] is True
    assert "nbgrader" not in stu.cells[0].metadata
    nbformat.validate(stu)


def test_stub_raises_not_implemented():
    stu = student_notebook(_solution(), "00_toy")
    ns = {}
    exec(stu.cells[2].source, ns)
    with pytest.raises(NotImplementedError):
        ns["ernst"](2.0, 1.3)


@pytest.mark.parametrize(
    "source, match",
    [
        ("### BEGIN SOLUTION\nx = 1", "without ### END"),
        ("x = 1\n### END SOLUTION", "without ### BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
    ],
)
def test_unbalanced_markers_are_errors(source, match):
    nb = new_notebook(cells=[new_code_cell(source)])
    with pytest.raises(ValueError, match=match):
        student_notebook(nb, "00_toy")


def test_assign_is_deterministic_and_check_detects_drift(tmp_path):
    src, dst = tmp_path / "solutions", tmp_path / "exercises"
    src.mkdir()
    nbformat.write(_solution(), src / "00_toy.ipynb")
    first = assign(src, dst)
    assert [p.name for p in first.written] == ["00_toy.ipynb"]
    text = (dst / "00_toy.ipynb").read_text()
    assert assign(src, dst).written == ()  # idempotent
    assert (dst / "00_toy.ipynb").read_text() == text
    assert assign(src, dst, check=True).stale == ()
    assert main(["assign", "--source", str(src), "--dest", str(dst), "--check"]) == 0

    # Editing a solution without regenerating makes the check fail.
    nb = nbformat.read(src / "00_toy.ipynb", as_version=4)
    nb.cells[0].source = "# A new title"
    nbformat.write(nb, src / "00_toy.ipynb")
    assert [p.name for p in assign(src, dst, check=True).stale] == ["00_toy.ipynb"]
    assert main(["assign", "--source", str(src), "--dest", str(dst), "--check"]) == 1

    # A student notebook without a solution is stale too.
    (dst / "99_orphan.ipynb").write_text(text)
    assert "99_orphan.ipynb" in [p.name for p in assign(src, dst, check=True).stale]


def test_assign_rejects_missing_source(tmp_path):
    with pytest.raises(ValueError, match="source must be a directory"):
        assign(tmp_path / "nope", tmp_path / "out")
