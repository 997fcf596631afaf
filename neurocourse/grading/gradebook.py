"""Gradebook output: the wide and long CSVs, per-student feedback, the summary, and shard merging.

Everything written here may contain text a student controls (a folder name, an error message, a
value's description). Two rules keep that text inert:

* **CSV**: a cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) is prefixed with ``'`` (:func:`csv_cell`), as OWASP recommends;
* **Markdown**: student-controlled text in feedback is cut to one short line and its Markdown
  characters are backslash-escaped (:func:`md_text`), so it cannot forge a heading, a total or a
  link. Hidden tests appear only as "hidden test k: passed/failed (points)".
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from neurocourse.grading.spec import Case, CaseResult, Exercise, ExerciseResult

LONG_COLUMNS = ("student", "exercise", "test", "points", "max", "status", "message")
#: Longest student-controlled text quoted in feedback or the long CSV (characters).
MAX_QUOTE = 300
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")  # the rest is inert inside one "- " line


def csv_cell(text: str) -> str:
    """``text`` safe for a spreadsheet: a leading formula character gets a ``'`` in front."""
    text = str(text)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def one_line(text: str, limit: int = MAX_QUOTE) -> str:
    """Whitespace collapsed to single spaces, cut to ``limit`` characters (with an ellipsis)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def md_text(text: str, limit: int = MAX_QUOTE) -> str:
    """Student-controlled text as one short, inert line of Markdown (specials backslash-escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text, limit))


def safe_name(text: str) -> str:
    """``text`` printable in any output: undecodable bytes and control characters made visible."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def fmt_points(x: float) -> str:
    """Points as written in the CSVs: at most 6 decimals, no trailing zeros."""
    x = round(float(x), 6)
    return f"{x:.6f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


@dataclass
class NotebookGrade:
    """The verdicts for one submitted notebook, plus notes in plain words."""

    notebook: str
    results: dict[str, ExerciseResult]
    notes: list[str] = field(default_factory=list)
    timeouts: int = 0
    crashes: int = 0
    invalid: str = ""  # the reason the file could not be graded at all


def all_cases(exercise: Exercise, hidden: dict[str, tuple[Case, ...]]) -> tuple[Case, ...]:
    return tuple(exercise.cases) + tuple(hidden.get(exercise.id, ()))


def status_only(exercise: Exercise, cases: tuple[Case, ...], status: str, message: str) -> ExerciseResult:
    return ExerciseResult(
        exercise.id,
        exercise.title,
        tuple(
            CaseResult(exercise.id, k, c.function, c.label, 0.0, c.points, status, message, c.hidden)  # type: ignore[arg-type]
            for k, c in enumerate(cases)
        ),
    )


@dataclass
class StudentGrade:
    student: str
    notebooks: dict[str, NotebookGrade]
    extra_rows: list[dict[str, str]] = field(default_factory=list)  # unknown files
    notes: list[str] = field(default_factory=list)


@dataclass
class Gradebook:
    """Everything one batch produced."""

    exercises: tuple[Exercise, ...]
    students: list[StudentGrade]
    hidden: dict[str, tuple[Case, ...]]
    changed: list[str] = field(default_factory=list)  # submissions whose bytes changed during grading
    seconds: float = 0.0
    #: How the batch was isolated (see :func:`neurocourse.grading.batch.sandbox_provenance`).
    provenance: dict = field(default_factory=dict)

    @property
    def max_points(self) -> float:
        return sum(sum(c.points for c in all_cases(ex, self.hidden)) for ex in self.exercises)

    def result(self, student: StudentGrade, ex: Exercise) -> ExerciseResult:
        nbg = student.notebooks.get(ex.notebook)
        if nbg is not None and ex.id in nbg.results:
            return nbg.results[ex.id]
        return status_only(ex, all_cases(ex, self.hidden), "not_submitted", f"{ex.notebook}.ipynb was not submitted")

    def wide_rows(self) -> list[list[str]]:
        header = ["student", "total", "max", *[ex.id for ex in self.exercises]]
        rows = [header]
        for st in self.students:
            scores = [self.result(st, ex).score for ex in self.exercises]
            rows.append(
                [
                    safe_name(st.student),
                    fmt_points(sum(scores)),
                    fmt_points(self.max_points),
                    *[fmt_points(s) for s in scores],
                ]
            )
        return rows

    def long_rows(self) -> list[list[str]]:
        rows = [list(LONG_COLUMNS)]
        for st in self.students:
            for ex in self.exercises:
                hidden_k = 0
                for c in self.result(st, ex).cases:
                    if c.hidden:
                        hidden_k += 1
                        test = f"hidden test {hidden_k}"
                        message = "" if c.passed else c.status  # hidden inputs and answers stay here
                    else:
                        test = f"{c.function}({c.label})" if c.label else c.function
                        message = safe_name(c.message)
                    rows.append(
                        [
                            safe_name(st.student),
                            ex.id,
                            test,
                            fmt_points(c.points),
                            fmt_points(c.max_points),
                            c.status,
                            one_line(message),
                        ]
                    )
            for extra in st.extra_rows:
                rows.append(
                    [
                        safe_name(st.student),
                        "",
                        safe_name(extra["test"]),
                        "0",
                        "0",
                        extra["status"],
                        one_line(safe_name(extra["message"])),
                    ]
                )
        return rows


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([[csv_cell(c) for c in row] for row in rows])
    return buf.getvalue()


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def long_path(output: str | Path) -> Path:
    """The long-form CSV beside ``output``: ``grades.csv`` -> ``grades_long.csv``."""
    output = Path(output)
    return output.with_name(f"{output.stem}_long{output.suffix or '.csv'}")


def provenance_path(output: str | Path) -> Path:
    """The provenance beside ``output``: ``grades.csv`` -> ``grades_provenance.json``."""
    output = Path(output)
    return output.with_name(f"{output.stem}_provenance.json")


def write_gradebook(book: Gradebook, output: str | Path) -> tuple[Path, Path]:
    """Write the wide and the long CSV, and the provenance JSON, atomically; returns the CSV paths."""
    import json

    output = Path(output)
    write_atomic(output, _csv_text(book.wide_rows()))
    write_atomic(long_path(output), _csv_text(book.long_rows()))
    if book.provenance:
        write_atomic(provenance_path(output), json.dumps(book.provenance, indent=2, sort_keys=True) + "\n")
    return output, long_path(output)


def feedback_markdown(book: Gradebook, st: StudentGrade) -> str:
    """Per-student feedback: public checks with their messages, hidden tests as passed/failed only."""
    total = sum(book.result(st, ex).score for ex in book.exercises)
    lines = [
        f"# Feedback for {md_text(safe_name(st.student), 120)}",
        "",
        f"**Total: {fmt_points(total)} / {fmt_points(book.max_points)} points.**",
        "",
    ]
    lines += [f"- {md_text(n)}" for n in st.notes]
    for nb in sorted({ex.notebook for ex in book.exercises}):
        lines += ["", f"## {nb}.ipynb", ""]
        nbg = st.notebooks.get(nb)
        if nbg is None:
            lines.append("Not submitted.")
        else:
            lines += [f"- {md_text(n)}" for n in nbg.notes]
        for ex in (e for e in book.exercises if e.notebook == nb):
            res = book.result(st, ex)
            lines += [
                "",
                f"### {ex.id}: {ex.title} ({fmt_points(res.score)} / {fmt_points(res.max_score)} points)",
                "",
            ]
            if nbg is None or nbg.invalid:
                continue
            hidden_k = 0
            for c in res.cases:
                pts = f"({fmt_points(c.points)}/{fmt_points(c.max_points)})"
                if c.hidden:
                    hidden_k += 1
                    lines.append(f"- hidden test {hidden_k}: {'passed' if c.passed else 'failed'} {pts}")
                    continue
                what = f"`{c.function}` ({c.label})" if c.label else f"`{c.function}`"
                if c.passed:
                    lines.append(f"- passed: {what} {pts}")
                else:
                    lines.append(f"- **failed**: {what} {pts}: {md_text(c.message)}")
            public = [c for c in res.cases if not c.hidden]
            n_ok = sum(c.passed for c in public)
            verdict = (
                "all public checks passed"
                if public and n_ok == len(public)
                else f"{n_ok} of {len(public)} public checks passed"
            )
            lines += ["", f"Public checks: {verdict}."]
    return "\n".join(lines) + "\n"


def feedback_filename(student: str) -> str:
    """``<student>.md`` when the name is a plain, short file name; otherwise a readable slug plus a
    hash of the name, so that odd names (``..``, newlines, 300 characters, undecodable bytes) can
    neither escape the folder nor collide."""
    plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._ @+-]{0,100}", student) and student not in (".", "..")
    if plain:
        return f"{student}.md"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", safe_name(student))[:60].strip("._") or "student"
    digest = hashlib.sha256(student.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{slug}-{digest}.md"


def write_feedback(book: Gradebook, folder: str | Path) -> list[Path]:
    folder = Path(folder)
    paths = []
    for st in book.students:
        path = folder / feedback_filename(st.student)
        write_atomic(path, feedback_markdown(book, st))
        paths.append(path)
    return paths


def summary(book: Gradebook) -> str:
    """Mean and median per exercise, and how many notebooks timed out, crashed or were invalid."""
    lines = [f"Graded {len(book.students)} students in {book.seconds:.1f} s."]
    if book.provenance:
        lines.append(f"Sandbox: {book.provenance.get('sandbox', 'unknown')}")
    width = max([len(ex.id) for ex in book.exercises] + [8])
    lines.append(f"{'exercise':<{width}}  {'mean':>7}  {'median':>7}  {'max':>6}")
    for ex in book.exercises:
        scores = [book.result(st, ex).score for st in book.students] or [0.0]
        lines.append(
            f"{ex.id:<{width}}  {statistics.fmean(scores):7.2f}  {statistics.median(scores):7.2f}  "
            f"{ex.max_points + sum(c.points for c in book.hidden.get(ex.id, ())):6g}"
        )
    grades = [g for st in book.students for g in st.notebooks.values()]
    timeouts = sum(1 for g in grades if g.timeouts)
    crashes = sum(1 for g in grades if g.crashes)
    invalid = sum(1 for g in grades if g.invalid)
    unknown = sum(len(st.extra_rows) for st in book.students)
    lines.append(
        f"Notebooks graded: {len(grades)}; with a timeout: {timeouts}; with a crash: {crashes}; "
        f"unreadable: {invalid}; unknown notebook names: {unknown}."
    )
    if book.changed:
        lines.append(
            "WARNING: these submissions changed on disk during grading (grades use the copies read "
            "before any code ran): " + ", ".join(book.changed)
        )
    return "\n".join(lines)


def merge_gradebooks(inputs: Sequence[str | Path], output: str | Path) -> tuple[Path, ...]:
    """Merge shard gradebooks (and their ``*_long.csv`` siblings, when every shard has one).

    Raises ValueError if the headers differ or a student appears in two shards with different rows.
    """
    if not inputs:
        raise ValueError("--merge needs at least one CSV")
    # a glob like shards/grades_*.csv also matches the long-form siblings: merge those as such
    paths = [Path(p) for p in inputs]
    siblings = {long_path(p).resolve() for p in paths}
    inputs = [p for p in paths if p.resolve() not in siblings]
    written = [Path(output)]
    wide = _merge_csv([Path(p) for p in inputs], key_unique=True)
    write_atomic(output, _csv_text(wide))
    longs = [long_path(p) for p in inputs]
    present = [p.is_file() for p in longs]
    if all(present):
        write_atomic(long_path(output), _csv_text(_merge_csv(longs, key_unique=False)))
        written.append(long_path(output))
    elif any(present):
        missing = ", ".join(str(p) for p, ok in zip(longs, present) if not ok)
        raise ValueError(f"some shards have no long-form CSV beside them: {missing}")
    return tuple(written)


def _merge_csv(paths: list[Path], key_unique: bool) -> list[list[str]]:
    header: list[str] | None = None
    by_student: dict[str, list[list[str]]] = {}
    origin: dict[str, Path] = {}
    for path in paths:
        if not path.is_file():
            raise ValueError(f"shard {str(path)!r} does not exist")
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        if not rows:
            raise ValueError(f"shard {str(path)!r} is empty")
        if header is None:
            header = rows[0]
        elif rows[0] != header:
            raise ValueError(f"shard {str(path)!r} has different columns from {str(paths[0])!r}")
        if not header or header[0] != "student":
            raise ValueError(f"shard {str(path)!r} is not a neurocourse gradebook (first column must be 'student')")
        mine: dict[str, list[list[str]]] = {}
        for row in rows[1:]:
            mine.setdefault(row[0], []).append(row)
        for student, srows in mine.items():
            if student in by_student:
                if by_student[student] != srows:
                    raise ValueError(f"student {student!r} is in {origin[student]} and {path} with different grades")
                continue
            if key_unique and len(srows) > 1:
                raise ValueError(f"student {student!r} appears twice in {path}")
            by_student[student] = srows
            origin[student] = path
    assert header is not None
    return [header, *[r for s in sorted(by_student) for r in by_student[s]]]
