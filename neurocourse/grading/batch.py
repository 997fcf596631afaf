"""Batch grading: a folder of submissions in, a gradebook, feedback and a summary out.

``SUBMISSIONS/<student>/<notebook>.ipynb`` (notebook names as in ``exercises/``; any subset). Every
notebook runs in its own limited worker child (:mod:`neurocourse.grading.sandbox`); the worker only
returns what the student's functions produced on the inputs sent to it, and :func:`spec.judge`
compares those values with reference answers computed here, in the grader's process.

Before any student code runs, every submission is copied (read-only open, size-capped) into a
private staging area and hashed; grading works from those copies, and the originals are re-hashed at
the end, so grading can neither change a submission nor be changed by one.

No credit for calling the reference implementation
--------------------------------------------------
A function that merely calls the package function it is meant to reimplement gets no credit for the
whole exercise. This is detected twice, both best effort:

* statically, in the grader: the AST of the notebook is searched, inside the graded functions and
  the notebook functions they call, for a reference to the reference callable by module and name
  (``mri.ernst_angle``, ``from neurocourse.mri import ernst_angle``, ``getattr(mri, "ernst_angle")``);
* at run time, in the worker: the reference callables are wrapped with a tripwire before the
  notebook runs, which records a call made while that exercise's functions are being graded.

Code written to hide such a call (e.g. rebuilding the function from strings, or restoring the
original in the worker) can defeat both; the checks catch the honest shortcut, not a determined
cheat.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from neurocourse.grading.notebook import code_sources, read_notebook
from neurocourse.grading.sandbox import ExercisePlan, Limits, NotebookRun, Sandbox
from neurocourse.grading.spec import Case, CaseResult, Exercise, ExerciseResult, judge

#: Submissions larger than this are not read (bytes).
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
#: Code cells with this tag are not run by the grader (demos, plots, slow simulations).
SKIP_TAG = "skip-grading"
LONG_COLUMNS = ("student", "exercise", "test", "points", "max", "status", "message")


def fmt_points(x: float) -> str:
    """Points as written in the CSVs: at most 6 decimals, no trailing zeros."""
    x = round(float(x), 6)
    return f"{x:.6f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


# ---------------------------------------------------------------------------------------------
# Which package callables count as "the reference implementation" of an exercise


def _thin_target(fn: Callable) -> Callable | None:
    """The package callable that ``fn`` merely forwards to (``lambda x: mod.f(x)``), if any."""
    code = getattr(fn, "__code__", None)
    glob = getattr(fn, "__globals__", None)
    if code is None or glob is None:
        return None
    names = code.co_names
    if len(names) == 2 and type(glob.get(names[0])).__name__ == "module":
        target = getattr(glob[names[0]], names[1], None)
    elif len(names) == 1:
        target = glob.get(names[0])
    else:
        return None
    return target if callable(target) and _is_science(target) else None


def _is_science(fn: Callable) -> bool:
    mod = getattr(fn, "__module__", None) or ""
    return mod.startswith("neurocourse.") and not mod.startswith("neurocourse.grading")


def reference_names(exercise: Exercise) -> dict[str, list[tuple[str, str]]]:
    """For each graded function, the (module, attribute) pairs through which its package reference
    callable can be reached (empty when the reference is not a package function)."""
    import functools
    import sys

    out: dict[str, list[tuple[str, str]]] = {}
    for name, ref in exercise.reference.items():
        while isinstance(ref, functools.partial):
            ref = ref.func
        target = ref if _is_science(ref) else _thin_target(ref)
        pairs: list[tuple[str, str]] = []
        if target is not None:
            for mod_name, mod in sorted(sys.modules.items()):
                if not mod_name.startswith("neurocourse") or mod_name.startswith(
                    "neurocourse.grading"
                ):
                    continue
                for attr, value in sorted(getattr(mod, "__dict__", {}).items()):
                    if value is target:
                        pairs.append((mod_name, attr))
        out[name] = pairs
    return out


def _import_aliases(trees: list[ast.Module]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        root = a.name.split(".")[0]
                        aliases[root] = root
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _dotted(node: ast.AST, aliases: dict[str, str], own: set[str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id in own or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])


def static_reference_uses(sources: Sequence[str], exercise: Exercise) -> dict[str, list[str]]:
    """Graded functions of ``exercise`` whose code (or the notebook functions it calls) refers to
    the exercise's own reference callables: ``{function: [dotted names]}``. Best effort."""
    forbidden = {f"{m}.{a}" for pairs in reference_names(exercise).values() for m, a in pairs}
    if not forbidden:
        return {}
    trees = []
    for src in sources:
        try:
            trees.append(ast.parse(src))
        except SyntaxError:
            continue
    aliases = _import_aliases(trees)
    defs: dict[str, ast.AST] = {}
    bindings: dict[str, list[ast.AST]] = {}
    for tree in trees:
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                defs[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name) and stmt.value is not None:
                        bindings.setdefault(t.id, []).append(stmt.value)
    own = set(defs)
    found: dict[str, list[str]] = {}
    for fname in exercise.functions:
        regions: list[ast.AST] = []
        if fname in defs:
            regions.append(defs[fname])
        else:
            regions.extend(bindings.get(fname, []))
            if (
                fname in aliases and aliases[fname] in forbidden
            ):  # from neurocourse.mri import ernst_angle
                found.setdefault(fname, []).append(aliases[fname])
        seen_defs = {fname}
        hits: set[str] = set()
        while regions:
            region = regions.pop()
            for node in ast.walk(region):
                dotted = None
                if isinstance(node, ast.Attribute | ast.Name) and isinstance(
                    getattr(node, "ctx", None), ast.Load
                ):
                    dotted = _dotted(node, aliases, own)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "getattr"
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)
                ):
                    base = _dotted(node.args[0], aliases, own)
                    dotted = f"{base}.{node.args[1].value}" if base else None
                if dotted in forbidden:
                    hits.add(dotted)
                if isinstance(node, ast.Name) and node.id in defs and node.id not in seen_defs:
                    seen_defs.add(node.id)
                    regions.append(defs[node.id])
        if hits:
            found.setdefault(fname, []).extend(sorted(hits))
    return found


def _no_credit(result: ExerciseResult, uses: dict[str, list[str]], how: str) -> ExerciseResult:
    parts = [f"{fn} uses {', '.join(sorted(set(names)))}" for fn, names in sorted(uses.items())]
    message = (
        f"No credit for this exercise: {'; '.join(parts)} ({how}), the package's own implementation of "
        "what this exercise asks you to write. Write the computation yourself (numpy and scipy are fine)."
    )
    cases = tuple(replace(c, points=0.0, status="no_credit", message=message) for c in result.cases)
    return replace(result, cases=cases)


# ---------------------------------------------------------------------------------------------
# Grading one notebook


@dataclass
class NotebookGrade:
    """The verdicts for one submitted notebook, plus notes in plain words."""

    notebook: str
    results: dict[str, ExerciseResult]
    notes: list[str] = field(default_factory=list)
    timeouts: int = 0
    crashes: int = 0
    invalid: str = ""  # the reason the file could not be graded at all


def _cases(exercise: Exercise, hidden: dict[str, tuple[Case, ...]]) -> tuple[Case, ...]:
    return tuple(exercise.cases) + tuple(hidden.get(exercise.id, ()))


def _status_only(
    exercise: Exercise, cases: tuple[Case, ...], status: str, message: str
) -> ExerciseResult:
    return ExerciseResult(
        exercise.id,
        exercise.title,
        tuple(
            CaseResult(
                exercise.id, k, c.function, c.label, 0.0, c.points, status, message, c.hidden
            )  # type: ignore[arg-type]
            for k, c in enumerate(cases)
        ),
    )


def grade_notebook(
    sandbox: Sandbox,
    exercises: Sequence[Exercise],
    content: bytes,
    filename: str,
    limits: Limits,
    hidden: dict[str, tuple[Case, ...]] | None = None,
) -> NotebookGrade:
    """Grade one notebook's exercises from its bytes (never from a path into the submissions)."""
    hidden = hidden or {}
    stem = Path(filename).stem
    workdir = tempfile.mkdtemp(prefix="job-", dir=sandbox.scratch)
    try:
        copy_path = Path(workdir) / filename
        copy_path.write_bytes(content)
        try:
            nb = read_notebook(copy_path)
        except ValueError as exc:
            reason = str(exc)
            results = {
                ex.id: _status_only(ex, _cases(ex, hidden), "invalid", f"not graded: {reason}")
                for ex in exercises
            }
            return NotebookGrade(
                stem, results, notes=[f"{filename} could not be graded: {reason}."], invalid=reason
            )
        import nbformat

        # demo cells the course marks as not needed for grading (e.g. slow simulations or plots)
        nb.cells = [c for c in nb.cells if SKIP_TAG not in c.get("metadata", {}).get("tags", [])]
        text = nbformat.writes(nb)
        sources = code_sources(nb)
        plans = []
        for ex in exercises:
            calls = tuple((c.function, tuple(c.args), dict(c.kwargs)) for c in _cases(ex, hidden))
            wires = tuple(p for pairs in reference_names(ex).values() for p in pairs[:1])
            plans.append(ExercisePlan(ex.id, calls, wires))
        run: NotebookRun = sandbox.run(text, filename, workdir, plans, limits)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    grade = NotebookGrade(stem, {})
    for cell, error in run.cell_errors:
        if not error.startswith("NotImplementedError"):
            grade.notes.append(f"Cell {cell} raised {error}")
    if run.stopped:
        grade.notes.append(
            f"The notebook stopped early ({run.stopped}); the cells after it did not run."
        )
    if run.notebook_problem:
        grade.notes.append(f"The notebook could not be run: {run.notebook_problem}.")
    for ex, plan_run in zip(exercises, run.exercises):
        cases = _cases(ex, hidden)
        result = judge(ex, plan_run.outcomes, cases)
        static = static_reference_uses(sources, ex)
        if static:
            result = _no_credit(result, static, "found in the notebook's code")
        elif plan_run.tripped:
            result = _no_credit(
                result, {"a graded function": plan_run.tripped}, "called while grading"
            )
        if plan_run.problem and not run.notebook_problem:
            grade.notes.append(plan_run.problem[:1].upper() + plan_run.problem[1:] + ".")
        if any(c.status == "timeout" for c in result.cases):
            grade.timeouts += 1
        if any(c.status == "crash" for c in result.cases):
            grade.crashes += 1
        grade.results[ex.id] = result
    return grade


# ---------------------------------------------------------------------------------------------
# Grading a folder of submissions


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
    changed: list[str] = field(
        default_factory=list
    )  # submissions whose bytes changed during grading
    seconds: float = 0.0

    @property
    def max_points(self) -> float:
        return sum(sum(c.points for c in _cases(ex, self.hidden)) for ex in self.exercises)

    def result(self, student: StudentGrade, ex: Exercise) -> ExerciseResult:
        nbg = student.notebooks.get(ex.notebook)
        if nbg is not None and ex.id in nbg.results:
            return nbg.results[ex.id]
        return _status_only(
            ex, _cases(ex, self.hidden), "not_submitted", f"{ex.notebook}.ipynb was not submitted"
        )

    def wide_rows(self) -> list[list[str]]:
        header = ["student", "total", "max", *[ex.id for ex in self.exercises]]
        rows = [header]
        for st in self.students:
            scores = [self.result(st, ex).score for ex in self.exercises]
            rows.append(
                [
                    st.student,
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
                        message = (
                            "" if c.passed else c.status
                        )  # hidden inputs and answers stay here
                    else:
                        test = f"{c.function}({c.label})" if c.label else c.function
                        message = c.message
                    rows.append(
                        [
                            st.student,
                            ex.id,
                            test,
                            fmt_points(c.points),
                            fmt_points(c.max_points),
                            c.status,
                            _one_line(message),
                        ]
                    )
            for extra in st.extra_rows:
                rows.append(
                    [st.student, "", extra["test"], "0", "0", extra["status"], extra["message"]]
                )
        return rows


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class _Staged:
    student: str
    filename: str
    original: Path
    sha256: str
    content: bytes | None
    reason: str = ""


def _read_capped(path: Path) -> tuple[bytes | None, str]:
    if path.is_symlink():
        return None, f"{path.name} is a symbolic link, not a file"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        return None, f"{path.name} could not be read ({exc.strerror})"
    if len(data) > MAX_NOTEBOOK_BYTES:
        return None, f"{path.name} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
    return data, ""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return "unreadable"
    return h.hexdigest()


def list_students(submissions: Path, shard: tuple[int, int] | None = None) -> list[str]:
    """Student folder names in sorted order (hidden folders skipped), optionally one shard ``(k, n)``."""
    names = sorted(
        p.name for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    if shard is not None:
        k, n = shard
        names = names[k - 1 :: n]
    return names


def grade_submissions(
    submissions: str | Path,
    *,
    exercises: Sequence[Exercise] | None = None,
    hidden: dict[str, tuple[Case, ...]] | None = None,
    limits: Limits | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    progress: bool = False,
) -> Gradebook:
    """Grade every ``SUBMISSIONS/<student>/<notebook>.ipynb``.

    Parameters
    ----------
    submissions : str or Path
        The folder holding one sub-folder per student.
    exercises : sequence of Exercise, optional
        The exercises to grade (default: every registered exercise). Gradebook columns follow their
        notebook, then their order here.
    hidden : dict, optional
        Hidden cases by exercise id (see :func:`neurocourse.grading.hidden.load_hidden`).
    limits : Limits, optional
        Time and resource limits per notebook (default: ``Limits()``).
    jobs : int, optional
        Notebooks graded in parallel (default: the number of cores).
    shard : (k, n), optional
        Grade only students k, k + n, k + 2n, ... (1-based) of the sorted list.
    progress : bool
        Show a progress bar on stderr.
    """
    from neurocourse.grading.sandbox import GraderError

    t0 = time.monotonic()
    limits = Limits() if limits is None else limits
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise GraderError(
            f"SUBMISSIONS must be a folder of student folders, got {str(submissions)!r}"
        )
    if exercises is None:
        from neurocourse.grading.registry import all_exercises

        exercises = all_exercises()
    if not exercises:
        raise GraderError("there are no exercises to grade")
    order = {nb: i for i, nb in enumerate(sorted({ex.notebook for ex in exercises}))}
    exercises = tuple(sorted(exercises, key=lambda ex: order[ex.notebook]))
    hidden = dict(hidden or {})
    by_notebook: dict[str, list[Exercise]] = {}
    for ex in exercises:
        by_notebook.setdefault(ex.notebook, []).append(ex)
    jobs = max(1, int(jobs or os.cpu_count() or 1))

    # 1. snapshot every submission before any student code runs
    staged: list[_Staged] = []
    students: dict[str, StudentGrade] = {}
    for name in list_students(submissions, shard):
        students[name] = StudentGrade(name, {})
        for path in sorted((submissions / name).iterdir()):
            if path.suffix != ".ipynb" or path.name.startswith("."):
                continue
            content, reason = _read_capped(path)
            if path.stem not in by_notebook:
                known = ", ".join(f"{nb}.ipynb" for nb in by_notebook)
                msg = f"{path.name} is not one of the course notebooks ({known}); it was not graded"
                students[name].extra_rows.append(
                    {"test": path.name, "status": "unknown_notebook", "message": msg}
                )
                students[name].notes.append(msg + ".")
                continue
            digest = hashlib.sha256(content).hexdigest() if content is not None else _sha256(path)
            staged.append(_Staged(name, path.name, path, digest, content, reason))

    # 2. grade, one sandbox (zygote) per thread
    preload = tuple(
        sorted({m for ex in exercises for pairs in reference_names(ex).values() for m, _ in pairs})
    )
    local = threading.local()
    sandboxes: list[Sandbox] = []
    lock = threading.Lock()

    def work(item: _Staged) -> tuple[_Staged, NotebookGrade]:
        stem = Path(item.filename).stem
        exs = by_notebook[stem]
        if item.content is None:
            cases = {
                ex.id: _status_only(ex, _cases(ex, hidden), "invalid", f"not graded: {item.reason}")
                for ex in exs
            }
            return item, NotebookGrade(stem, cases, notes=[f"{item.reason}."], invalid=item.reason)
        sb = getattr(local, "sandbox", None)
        if sb is None:
            sb = Sandbox(preload=preload)
            with lock:
                sandboxes.append(sb)
            local.sandbox = sb
        return item, grade_notebook(sb, exs, item.content, item.filename, limits, hidden)

    bar = None
    if progress:
        from tqdm import tqdm

        tqdm.monitor_interval = 0
        bar = tqdm(total=len(staged), unit="notebook", desc="grading", dynamic_ncols=True)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for item, grade in pool.map(work, staged):
                students[item.student].notebooks[grade.notebook] = grade
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        for sb in sandboxes:
            sb.close()

    # 3. the originals must be untouched
    changed = [f"{s.student}/{s.filename}" for s in staged if _sha256(s.original) != s.sha256]
    return Gradebook(
        exercises,
        [students[k] for k in sorted(students)],
        hidden,
        changed,
        seconds=time.monotonic() - t0,
    )


# ---------------------------------------------------------------------------------------------
# Output: CSVs, feedback, summary, merge


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
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


def write_gradebook(book: Gradebook, output: str | Path) -> tuple[Path, Path]:
    """Write the wide and the long CSV atomically; returns their paths."""
    output = Path(output)
    write_atomic(output, _csv_text(book.wide_rows()))
    write_atomic(long_path(output), _csv_text(book.long_rows()))
    return output, long_path(output)


def feedback_markdown(book: Gradebook, st: StudentGrade) -> str:
    """Per-student feedback: public checks with their messages, hidden tests as passed/failed only."""
    total = sum(book.result(st, ex).score for ex in book.exercises)
    lines = [
        f"# Feedback for {st.student}",
        "",
        f"**Total: {fmt_points(total)} / {fmt_points(book.max_points)} points.**",
        "",
    ]
    lines += [f"- {n}" for n in st.notes]
    for nb in sorted({ex.notebook for ex in book.exercises}):
        lines += ["", f"## {nb}.ipynb", ""]
        nbg = st.notebooks.get(nb)
        if nbg is None:
            lines.append("Not submitted.")
        else:
            lines += [f"- {n}" for n in nbg.notes]
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
                    lines.append(
                        f"- hidden test {hidden_k}: {'passed' if c.passed else 'failed'} {pts}"
                    )
                    continue
                what = f"`{c.function}` ({c.label})" if c.label else f"`{c.function}`"
                if c.passed:
                    lines.append(f"- passed: {what} {pts}")
                else:
                    lines.append(f"- **failed**: {what} {pts}: {_one_line(c.message)}")
            public = [c for c in res.cases if not c.hidden]
            n_ok = sum(c.passed for c in public)
            verdict = (
                "all public checks passed"
                if public and n_ok == len(public)
                else f"{n_ok} of {len(public)} public checks passed"
            )
            lines += ["", f"Public checks: {verdict}."]
    return "\n".join(lines) + "\n"


def write_feedback(book: Gradebook, folder: str | Path) -> list[Path]:
    folder = Path(folder)
    paths = []
    for st in book.students:
        path = folder / f"{st.student}.md"
        write_atomic(path, feedback_markdown(book, st))
        paths.append(path)
    return paths


def summary(book: Gradebook) -> str:
    """Mean and median per exercise, and how many notebooks timed out, crashed or were invalid."""
    lines = [f"Graded {len(book.students)} students in {book.seconds:.1f} s."]
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
            raise ValueError(
                f"shard {str(path)!r} is not a neurocourse gradebook (first column must be 'student')"
            )
        mine: dict[str, list[list[str]]] = {}
        for row in rows[1:]:
            mine.setdefault(row[0], []).append(row)
        for student, srows in mine.items():
            if student in by_student:
                if by_student[student] != srows:
                    raise ValueError(
                        f"student {student!r} is in {origin[student]} and {path} with different grades"
                    )
                continue
            if key_unique and len(srows) > 1:
                raise ValueError(f"student {student!r} appears twice in {path}")
            by_student[student] = srows
            origin[student] = path
    assert header is not None
    return [header, *[r for s in sorted(by_student) for r in by_student[s]]]
