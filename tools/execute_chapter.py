"""Execute one chapter as the book build does, and check it: ``python tools/execute_chapter.py CHAPTER [OUT]``.

For working on a chapter (``book/<name>.md``) without a full book build. The chapter is read with jupytext, executed by
nbclient in the chapter's folder with the book's cell timeout (``execute.timeout`` in ``_config.yml``)
and ``MPLBACKEND`` removed (figures through the inline backend, as in the build), through the same
fix for nbclient's lost ZeroMQ wake-up that ``tools/jb_launch.py`` applies to the build (a plain
``jupytext --execute`` has no timeout and can stall for ever after a widget cell). It prints the
execution time and every stderr output or error, and exits non-zero if there is any: stderr output
fails the strict build. The executed notebook is written to ``OUT.ipynb`` when given.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

TOOLS = Path(__file__).resolve().parent


def _launcher():
    spec = importlib.util.spec_from_file_location("jb_launch", TOOLS / "jb_launch.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _cell_timeout() -> int:
    spec = importlib.util.spec_from_file_location("build_book", TOOLS / "build_book.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return int(mod._cell_timeout())


def problems(nb) -> list[str]:
    """Every stderr stream output and error output of an executed notebook, as one line each."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"cell {i}: stderr: {out['text'].strip()[:300]}")
            elif out.get("output_type") == "error":
                found.append(f"cell {i}: {out['ename']}: {out['evalue'][:300]}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    src = Path(argv[1]).resolve()
    _launcher()._patch_jupyter_client()
    os.environ.pop("MPLBACKEND", None)
    nb = jupytext.read(src)
    client = NotebookClient(
        nb, timeout=_cell_timeout(), allow_errors=True, resources={"metadata": {"path": str(src.parent)}}
    )
    t0 = time.monotonic()
    client.execute()
    seconds = time.monotonic() - t0
    if len(argv) == 3:
        nbformat.write(nb, argv[2])
    found = problems(nb)
    print(f"{src.name}: executed in {seconds:.1f} s, {len(found)} problem(s)")
    for line in found:
        print(f"  {line}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
