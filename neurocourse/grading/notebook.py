"""Reading notebooks and executing their code cells into a namespace.

One function serves the batch grader's worker, ``neurocourse check`` and the test suite, so that
all three see a submission the same way: code cells run top to bottom in one fresh namespace, a
failing cell is recorded and skipped (it does not stop later cells), and IPython-only lines
(``%magic``, ``!shell``) are ignored.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read and validate a notebook (nbformat 4), raising ValueError with a plain reason if it is not one."""
    path = Path(path)
    return parse_notebook(path.read_bytes(), path.name)


def parse_notebook(data: bytes, name: str) -> nbformat.NotebookNode:
    """Validate a notebook's bytes (nbformat 4); ValueError with a plain reason if it is not one.

    Hostile content (deep nesting, huge numbers) is reported as invalid, never raised as anything else.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name} is not a text file (binary content)") from exc
    try:
        return _parse_text(text, name)
    except ValueError:
        raise
    except (RecursionError, MemoryError, TypeError, AttributeError, KeyError) as exc:
        raise ValueError(f"{name} is not a valid notebook ({type(exc).__name__})") from exc


def _parse_text(text: str, path_name: str) -> nbformat.NotebookNode:
    import nbformat

    if not text.strip():
        raise ValueError(f"{path_name} is empty")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several types for bad JSON or a non-notebook
        raise ValueError(f"{path_name} is not a valid notebook: {str(exc).splitlines()[0][:200]}") from exc
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise ValueError(f"{path_name} is not a valid notebook: {str(exc.message)[:200]}") from exc
    return nb


def code_sources(nb: nbformat.NotebookNode) -> list[str]:
    """The source of each code cell, with IPython-only lines (``%``, ``!``) commented out."""
    sources = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = []
        for line in cell.source.splitlines():
            stripped = line.lstrip()
            lines.append(("# " + line) if stripped.startswith(("%", "!")) else line)
        sources.append("\n".join(lines))
    return sources


@dataclass(frozen=True)
class CellError:
    """A code cell that raised while the notebook was executed."""

    cell: int
    error: str


def exec_notebook(nb: nbformat.NotebookNode, namespace: dict | None = None) -> tuple[dict, list[CellError]]:
    """Execute the notebook's code cells in order in ``namespace`` (a fresh one by default).

    Returns the namespace and the list of cells that raised. Runs in the calling process: callers
    that do not trust the notebook must call this in a separate, limited process.
    """
    return exec_sources(code_sources(nb), namespace)


def exec_sources(sources: list[str], namespace: dict | None = None) -> tuple[dict, list[CellError]]:
    """Execute code cell sources (from :func:`code_sources`) in order, as :func:`exec_notebook`."""
    ns: dict = {"__name__": "__notebook__"} if namespace is None else namespace
    errors: list[CellError] = []
    for k, src in enumerate(sources):
        try:
            code = compile(src, f"<cell {k + 1}>", "exec")
            exec(code, ns)
        except Exception as exc:
            errors.append(CellError(k + 1, f"{type(exc).__name__}: {exc}"))
    return ns, errors


def defined_functions(source: str) -> list[str]:
    """Names of the functions defined at the top level of ``source`` (no execution)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
