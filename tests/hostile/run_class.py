"""Grade the attacked class of ``tests/test_grader_sandbox.py`` in this process and write what the
root-side test checks to ``BASE/result.json``.

``tests/test_grader_unprivileged.py`` runs this script as uid 65534 (the grader as a normal user on
a laptop), so that every attack of the hostile suite also meets the user-namespace sandbox. Usage:
``python tests/hostile/run_class.py BASE`` (``BASE`` an empty folder this user owns).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for hostile.* and the suite

from test_grader_sandbox import grade_class, make_class


def main(base: Path) -> None:
    root, out, _hidden_file, before = make_class(base)  # made here: the attacks target this grader's pid
    scratch = base / "scratch"
    scratch.mkdir()
    books = grade_class(base, root, out, scratch)
    result = {
        "uid": os.getuid(),
        "pid": os.getpid(),
        "before": before,
        "scratch": str(scratch),
        "runs": [
            {
                "scores": {
                    st.student: {ex.id: book.result(st, ex).score for ex in book.exercises} for st in book.students
                },
                "notes": {st.student: {nb: g.notes for nb, g in st.notebooks.items()} for st in book.students},
                "invalid": {st.student: {nb: g.invalid for nb, g in st.notebooks.items()} for st in book.students},
                "student_notes": {st.student: st.notes for st in book.students},
                "changed": book.changed,
                "provenance": book.provenance,
                "wide": wide.decode("utf-8", "surrogateescape"),
                "long": long.decode("utf-8", "surrogateescape"),
            }
            for book, wide, long in books
        ],
    }
    (base / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
