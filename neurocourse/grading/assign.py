"""``neurocourse assign``: generate student notebooks from the solution notebooks.

Each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block in a code cell becomes a stub that raises
``NotImplementedError``; the cell is tagged ``raises-exception`` (so strict builds and nbval accept
it) and gets nbgrader-compatible metadata. Self-check cells are locked and carry the exercise's
points. Outputs and execution counts are stripped. The transformation is deterministic, so
``--check`` can verify that ``exercises/`` equals a fresh assignment.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from neurocourse.grading.notebook import defined_functions, read_notebook
from neurocourse.grading.registry import by_notebook

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("Write your solution here.")'
TEXT_STUB = "*Write your answer here.*"
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([a-z0-9_]+)["']""")


def _replace_blocks(source: str, stub: str, where: str) -> tuple[str, bool]:
    out: list[str] = []
    inside = False
    found = False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{where}: nested {BEGIN}")
            inside = found = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + stub)
        elif stripped == END:
            if not inside:
                raise ValueError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out), found


def _nbgrader(grade_id: str, *, solution: bool, grade: bool, points: float | None = None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def student_notebook(solution: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """The student version of a solution notebook (a new object; ``solution`` is not modified)."""
    nb = copy.deepcopy(solution)
    points = {ex.id: ex.max_points for ex in by_notebook(stem)}
    for k, cell in enumerate(nb.cells):
        where = f"{stem}.ipynb cell {k + 1}"
        tags = list(cell.metadata.get("tags", []))
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            new_source, had_solution = _replace_blocks(cell.source, STUB, where)
            if had_solution:
                names = defined_functions(cell.source) or [f"cell{k + 1}"]
                cell.source = new_source
                if "raises-exception" not in tags:
                    tags.append("raises-exception")
                cell.metadata["nbgrader"] = _nbgrader("answer_" + "_".join(names), solution=True, grade=False)
            else:
                ids = _CHECK_CALL.findall(cell.source)
                graded = [i for i in ids if i in points]
                if graded:
                    cell.metadata["nbgrader"] = _nbgrader(
                        "check_" + "_".join(graded),
                        solution=False,
                        grade=True,
                        points=sum(points[i] for i in graded),
                    )
        elif cell.cell_type == "markdown":
            new_source, had_solution = _replace_blocks(cell.source, TEXT_STUB, where)
            if had_solution:
                cell.source = new_source
                cell.metadata["nbgrader"] = _nbgrader(f"answer_text_{k + 1}", solution=True, grade=False)
        if tags:
            cell.metadata["tags"] = tags
    for key in ("widgets", "execution"):
        nb.metadata.pop(key, None)
    return nb


@dataclass(frozen=True)
class AssignResult:
    written: tuple[Path, ...]
    stale: tuple[Path, ...]


def assign(source: str | Path = "solutions", dest: str | Path = "exercises", *, check: bool = False) -> AssignResult:
    """Write (or with ``check=True`` only compare) the student notebook for every solution notebook.

    Returns the files written and, in check mode, the files that are missing or differ from a fresh
    assignment (including student notebooks that have no solution any more).
    """
    source, dest = Path(source), Path(dest)
    if not source.is_dir():
        raise ValueError(f"source must be a directory of solution notebooks, got {str(source)!r}")
    written, stale = [], []
    expected_names = set()
    for path in sorted(source.glob("*.ipynb")):
        expected_names.add(path.name)
        text = nbformat.writes(student_notebook(read_notebook(path), path.stem)) + "\n"
        target = dest / path.name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        if check:
            stale.append(target)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(target)
    if dest.is_dir():
        stale.extend(p for p in sorted(dest.glob("*.ipynb")) if p.name not in expected_names)
    return AssignResult(tuple(written), tuple(stale))
