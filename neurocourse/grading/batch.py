"""Batch grading: a folder of submissions in, a :class:`~neurocourse.grading.gradebook.Gradebook` out.

``SUBMISSIONS/<student>/<notebook>.ipynb`` (notebook names as in ``exercises/``; any subset).

1. **Staging.** Before any student code runs, every submission is read (``O_NOFOLLOW``,
   ``O_NONBLOCK``, regular files only, size-capped) into memory and hashed; grading works from those
   bytes, and the originals are re-hashed at the end. Symbolic links (student folders or notebooks),
   FIFOs and other non-files are refused with a reason, never followed or opened for reading.
2. **Sealing.** One sealed copy of the science per group of exercises is written once per batch
   (:mod:`neurocourse.grading.seal`); reference answers for public and hidden cases are computed once
   per batch, in this process, on first use (:class:`Answers`).
3. **Running.** Every notebook runs in sandboxed children (:mod:`neurocourse.grading.sandbox`), one
   per group of its exercises; they only return what the student's functions produced on the inputs
   sent, and :func:`spec.judge` compares those values with the reference answers here.
4. **Verdicts.** A call of a sealed function (``SealedReferenceError``) or a reference to it in the
   notebook's code (:mod:`neurocourse.grading.shortcut`) gives no credit for the exercise. Anything
   unexpected while grading one notebook costs that notebook only (status ``invalid``, with the
   reason); the batch always completes.
"""

from __future__ import annotations

import gc
import hashlib
import os
import stat
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neurocourse.grading import seal
from neurocourse.grading.gradebook import (
    Gradebook,
    NotebookGrade,
    StudentGrade,
    all_cases,
    safe_name,
    status_only,
)
from neurocourse.grading.notebook import code_sources, parse_notebook
from neurocourse.grading.protocol import SEALED_PREFIX
from neurocourse.grading.sandbox import SANDBOX_UID_BASE, ExercisePlan, GraderError, Limits, Sandbox
from neurocourse.grading.shortcut import forbidden_names, no_credit, parse_sources, static_reference_uses
from neurocourse.grading.spec import Case, Exercise, expected_value, judge, mistake_value
from neurocourse.parallel import single_threaded_blas

#: Submissions larger than this are not read (bytes).
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
#: Code cells with this tag are not run by the grader (demos, plots, slow simulations).
SKIP_TAG = "skip-grading"


class Answers:
    """Reference answers, and what each known mistake returns, computed once per batch in the
    grader's process and shared by all students."""

    def __init__(self):
        self._values: dict[tuple[str, int], Any] = {}
        self._wrong: dict[tuple[str, int, int], tuple[bool, Any]] = {}
        self._lock = threading.Lock()

    def expected(self, exercise: Exercise):
        """``judge``'s ``expected`` callable for ``exercise`` (cases indexed as public then hidden)."""

        def get(index: int, case: Case) -> Any:
            key = (exercise.id, index)
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = expected_value(exercise, case)
            with self._lock:
                return self._values.setdefault(key, value)

        return get

    def wrong(self, exercise: Exercise):
        """``judge``'s ``wrong`` callable for ``exercise``: mistake ``k``'s value on case ``index``
        (a mistake that raised on those inputs raises the same kind of error again)."""

        def get(index: int, case: Case, k: int) -> Any:
            key = (exercise.id, index, k)
            with self._lock:
                known = self._wrong.get(key)
            if known is None:
                try:
                    known = (True, mistake_value(exercise.mistakes[k], case))
                except Exception as exc:
                    known = (False, type(exc).__name__)
                with self._lock:
                    known = self._wrong.setdefault(key, known)
            if not known[0]:
                raise ValueError(f"this mistake cannot be evaluated on these inputs ({known[1]})")
            return known[1]

        return get


@dataclass
class Course:
    """What every notebook of a batch shares: sealed copies, cached answers, hidden cases, mode."""

    sealed: seal.SealedCourse
    answers: Answers
    hidden: dict[str, tuple[Case, ...]]
    isolate: bool = True
    groups: dict[str, list[tuple[Exercise, ...]]] = field(default_factory=dict)
    #: per exercise id: the dotted names of its references (static shortcut check), once per batch
    forbidden: dict[str, frozenset[str]] = field(default_factory=dict)
    #: per group (by exercise ids): its ExercisePlans, built once so that their encoded calls are too
    plans: dict[tuple[str, ...], list[ExercisePlan]] = field(default_factory=dict)
    #: per notebook stem: the science modules its solution imports (a template preloads them)
    modules: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, exercises: Sequence[Exercise], hidden=None, isolate: bool = True, sealed: seal.SealedCourse | None = None
    ) -> Course:
        if sealed is None:
            try:
                sealed = seal.SealedCourse()
            except OSError as exc:
                raise GraderError(f"cannot write the sealed package copies: {exc}") from exc
        course = cls(sealed, Answers(), dict(hidden or {}), isolate)
        by_nb: dict[str, list[Exercise]] = {}
        for ex in exercises:
            by_nb.setdefault(ex.notebook, []).append(ex)
        for stem, exs in by_nb.items():  # written now, before any thread needs them
            sources = _solution_sources(stem)
            uses = seal.solution_uses(exs, sources) if sources is not None else None
            course.groups[stem] = seal.child_groups(exs, uses)
            course.modules[stem] = _notebook_modules(sources or [], exs)
            for group in course.groups[stem]:
                course.sealed.package_path(group)
                course.plans_of(group)
        for ex in exercises:
            course.forbidden[ex.id] = forbidden_names(ex)
        return course

    def plans_of(self, group: Sequence[Exercise]) -> list[ExercisePlan]:
        """The calls (public, then hidden) of each exercise of ``group``, the same for every student."""
        key = tuple(ex.id for ex in group)
        if key not in self.plans:
            self.plans[key] = [
                ExercisePlan(
                    ex.id,
                    tuple((c.function, tuple(c.args), dict(c.kwargs)) for c in ex.cases),
                    tuple((c.function, tuple(c.args), dict(c.kwargs)) for c in self.hidden.get(ex.id, ())),
                )
                for ex in group
            ]
        return self.plans[key]

    def groups_of(self, exercises: Sequence[Exercise]) -> list[tuple[Exercise, ...]]:
        """The child groups of one notebook's exercises (each exercise alone if unknown)."""
        stems = {ex.notebook for ex in exercises}
        known = self.groups.get(next(iter(stems))) if len(stems) == 1 else None
        if known is not None and {e.id for g in known for e in g} == {e.id for e in exercises}:
            return known
        return seal.child_groups(exercises)

    def close(self) -> None:
        """Nothing to remove: the sealed copies are kept by content hash (see seal.cache_root)."""


def _solution_sources(stem: str) -> list[str] | None:
    """The code cells of the course's own solution notebook for ``stem``, if the repository has it."""
    path = seal.PACKAGE_DIR.parent / "solutions" / f"{stem}.ipynb"
    if not path.is_file():
        return None
    try:
        nb = parse_notebook(path.read_bytes(), path.name)
    except (OSError, ValueError):
        return None
    return code_sources(nb)


def _notebook_modules(sources: Sequence[str], exercises: Sequence[Exercise] = ()) -> tuple[str, ...]:
    """The modules that a notebook's children import, sorted: for each dotted name the cells import
    (``neurocourse.meg.bem``, ``sklearn.linear_model``), its longest prefix that is a loaded module
    (never the grader's, the widgets or the plotting), and the modules of the exercises' package
    references (sealed in the children's copy)."""
    import sys
    import types

    names = list(parse_sources(sources).aliases.values())
    for ex in exercises:
        for ref in map(seal.unwrap, (*ex.reference.values(), *ex.sealed)):
            module = getattr(ref, "__module__", None) or ""
            if module.startswith("neurocourse."):  # a package reference (not the registry's own code)
                names.append(module)
    found = set()
    for dotted in names:
        parts = dotted.split(".")
        if parts[0] == "neurocourse" and (len(parts) < 2 or parts[1] in seal.EXCLUDED):
            continue
        for k in range(len(parts), 0, -1):
            if isinstance(sys.modules.get(".".join(parts[:k])), types.ModuleType):
                found.add(".".join(parts[:k]))
                break
    from neurocourse.grading.worker import ZYGOTE_IMPORTS

    return tuple(sorted(found - set(ZYGOTE_IMPORTS) - {"itertools", "math", "functools"}))


def sandbox_provenance(isolate: bool) -> dict:
    """How the batch was isolated, for the summary and ``<gradebook>_provenance.json``."""
    import platform
    import sys

    import neurocourse
    from neurocourse.grading.isolation import landlock_abi
    from neurocourse.grading.sandbox import SANDBOX_UID_BASE

    abi = landlock_abi()
    root = os.geteuid() == 0
    if isolate:
        words = (
            f"on: own user/mount/PID/network/IPC namespaces per run, Landlock ABI {abi}, "
            + (
                f"uids {SANDBOX_UID_BASE} + job slot (grader is root)"
                if root
                else "grader's uid in a user namespace, no capabilities"
            )
            + ", python -I -S -B, allow-listed environment, sealed references"
        )
    else:
        words = (
            "OFF (--no-sandbox): student code ran as the grader's user and could read and change "
            "anything that user can, use the network, and read the package's reference implementations"
        )
    return {
        "sandbox": words,
        "isolated": bool(isolate),
        "landlock_abi": abi,
        "kernel": platform.release(),
        "grader_is_root": root,
        "python": sys.version.split()[0],
        "neurocourse": neurocourse.__version__,
    }


# ---------------------------------------------------------------------------------------------
# Grading one notebook


def _cell_note(cell: int, error: str) -> str:
    if error.startswith(SEALED_PREFIX):
        return (
            f"Cell {cell} calls a package function that is sealed while this notebook is graded "
            "(the reference answer of an exercise); that cell was skipped."
        )
    return f"Cell {cell} raised {error}"


def grade_notebook(
    sandbox: Sandbox,
    exercises: Sequence[Exercise],
    content: bytes,
    filename: str,
    limits: Limits,
    course: Course,
    uid: int | None = None,
) -> NotebookGrade:
    """Grade one notebook's exercises from its bytes (never from a path into the submissions).

    ``uid``: the uid its children drop to when the grader is root (default: the sandbox's own).
    """
    hidden = course.hidden
    stem = Path(filename).stem
    try:
        nb = parse_notebook(content, filename)
    except ValueError as exc:
        reason = str(exc)
        results = {
            ex.id: status_only(ex, all_cases(ex, hidden), "invalid", f"not graded: {reason}") for ex in exercises
        }
        return NotebookGrade(stem, results, notes=[f"{filename} could not be graded: {reason}."], invalid=reason)
    # demo cells the course marks as not needed for grading (e.g. slow simulations or plots)
    nb.cells = [c for c in nb.cells if SKIP_TAG not in c.get("metadata", {}).get("tags", [])]
    sources = code_sources(nb)
    index = None  # parsed once per notebook, only if an exercise has a package reference to look for
    grade = NotebookGrade(stem, {})
    first = True
    for group in course.groups_of(exercises):
        plans = course.plans_of(group)
        run = sandbox.run(
            sources, filename, course.sealed.package_path(group), plans, limits, course.modules.get(stem, ()), uid
        )
        if first:
            for cell, error in run.cell_errors:
                if not error.startswith("NotImplementedError"):
                    grade.notes.append(_cell_note(cell, error))
            if run.stopped:
                grade.notes.append(f"The notebook stopped early ({run.stopped}); the cells after it did not run.")
            if run.notebook_problem:
                grade.notes.append(f"The notebook could not be run: {run.notebook_problem}.")
            first = False
        for ex, ex_run in zip(group, run.exercises):
            result = judge(
                ex,
                ex_run.outcomes,
                all_cases(ex, hidden),
                expected=course.answers.expected(ex),
                wrong=course.answers.wrong(ex),
            )
            forbidden = course.forbidden.get(ex.id)
            if forbidden is None:
                forbidden = course.forbidden[ex.id] = forbidden_names(ex)
            if forbidden and index is None:
                index = parse_sources(sources)
            static = static_reference_uses(None, ex, index=index, forbidden=forbidden)
            sealed_calls = any(
                o.kind == "error" and o.error.startswith(SEALED_PREFIX) for o in ex_run.outcomes[: len(ex.cases)]
            )
            if static:
                result = no_credit(result, static, "found in the notebook's code")
            elif sealed_calls:
                result = no_credit(result, {"a graded function": ["a sealed package function"]}, "called while grading")
            for problem in (ex_run.problem, ex_run.hidden_problem):
                if problem and not run.notebook_problem:
                    grade.notes.append(problem[:1].upper() + problem[1:] + ".")
            if any(c.status == "timeout" for c in result.cases):
                grade.timeouts += 1
            if any(c.status == "crash" for c in result.cases):
                grade.crashes += 1
            grade.results[ex.id] = result
    return grade


# ---------------------------------------------------------------------------------------------
# Grading a folder of submissions


@dataclass(frozen=True)
class _Staged:
    student: str
    filename: str
    original: Path
    sha256: str
    content: bytes | None
    reason: str = ""


def read_capped(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> tuple[bytes | None, str]:
    """The bytes of a regular file, or (None, the reason): never follows a link, never blocks on a FIFO."""
    name = safe_name(path.name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            return None, f"{name} is a symbolic link, not a file; it was not followed"
        return None, f"{name} could not be read ({exc.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, f"{name} is not a regular file (a FIFO, socket, device or folder)"
        if st.st_size > limit:
            return None, f"{name} is larger than {limit // 2**20} MB"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, f"{name} could not be read ({exc.strerror})"
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        return None, f"{name} is larger than {limit // 2**20} MB"
    return data, ""


def _sha256(path: Path) -> str:
    data, reason = read_capped(path, limit=1 << 62)
    return hashlib.sha256(data).hexdigest() if data is not None else f"unreadable: {reason}"


def list_students(submissions: Path, shard: tuple[int, int] | None = None) -> list[tuple[str, str]]:
    """``(name, refusal)`` of each student entry, sorted; ``refusal`` is "" for a real folder.

    Hidden entries are skipped and plain files ignored; a symbolic link is listed with a refusal and
    never followed. Optionally one shard ``(k, n)``.
    """
    entries = []
    with os.scandir(submissions) as it:
        for e in it:
            if e.name.startswith("."):
                continue
            if e.is_symlink():
                entries.append((e.name, "this student folder is a symbolic link; it was not followed"))
            elif e.is_dir(follow_symlinks=False):
                entries.append((e.name, ""))
    entries.sort()
    if shard is not None:
        k, n = shard
        entries = entries[k - 1 :: n]
    return entries


def _stage(submissions: Path, shard, by_notebook) -> tuple[dict[str, StudentGrade], list[_Staged]]:
    staged: list[_Staged] = []
    students: dict[str, StudentGrade] = {}
    for name, refusal in list_students(submissions, shard):
        st = students[name] = StudentGrade(name, {})
        if refusal:
            st.notes.append(refusal + ".")
            continue
        try:
            with os.scandir(submissions / name) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            st.notes.append(f"this folder could not be read ({exc.strerror}).")
            continue
        for e in entries:
            path = Path(e.path)
            if not e.name.endswith(".ipynb") or e.name.startswith("."):
                continue
            stem = e.name[: -len(".ipynb")]
            if stem not in by_notebook:
                known = ", ".join(f"{nb}.ipynb" for nb in by_notebook)
                msg = f"{safe_name(e.name)} is not one of the course notebooks ({known}); it was not graded"
                st.extra_rows.append({"test": e.name, "status": "unknown_notebook", "message": msg})
                st.notes.append(msg + ".")
                continue
            content, reason = read_capped(path)
            digest = hashlib.sha256(content).hexdigest() if content is not None else _sha256(path)
            staged.append(_Staged(name, e.name, path, digest, content, reason))
    return students, staged


def grade_submissions(
    submissions: str | Path,
    *,
    exercises: Sequence[Exercise] | None = None,
    hidden: dict[str, tuple[Case, ...]] | None = None,
    limits: Limits | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    progress: bool = False,
    isolate: bool = True,
    scratch: str | None = None,
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
    isolate : bool
        Run every notebook in the sandbox (default). False is ``--no-sandbox``: see the README.
    scratch : str, optional
        Folder for the children's working folders (default: fresh temporary folders).

    Raises
    ------
    GraderError
        If the grader itself cannot run (no sandbox on this system, no exercises, no folder).
    """
    t0 = time.monotonic()
    limits = Limits() if limits is None else limits
    submissions = Path(submissions)
    if submissions.is_symlink() or not submissions.is_dir():
        raise GraderError(f"SUBMISSIONS must be a folder of student folders, got {str(submissions)!r}")
    if exercises is None:
        from neurocourse.grading.registry import all_exercises

        exercises = all_exercises()
    if not exercises:
        raise GraderError("there are no exercises to grade")
    order = {nb: i for i, nb in enumerate(sorted({ex.notebook for ex in exercises}))}
    exercises = tuple(sorted(exercises, key=lambda ex: order[ex.notebook]))
    by_notebook: dict[str, list[Exercise]] = {}
    for ex in exercises:
        by_notebook.setdefault(ex.notebook, []).append(ex)
    jobs = max(1, int(jobs or os.cpu_count() or 1))

    students, staged = _stage(submissions, shard, by_notebook)  # 1. before any student code runs
    try:
        sealed = seal.SealedCourse()
    except OSError as exc:
        raise GraderError(f"cannot write the sealed package copies: {exc}") from exc
    # one zygote (and its templates) for every job slot; it starts while the course is sealed
    sandbox = Sandbox(sealed.runtime, isolate=isolate, scratch=scratch, visible_workdir=str(sealed.work))
    started: list[BaseException | None] = []

    def start() -> None:
        try:
            sandbox.start()
            started.append(None)
        except BaseException as exc:  # re-raised below, in this thread
            started.append(exc)

    starter = threading.Thread(target=start, name="grader-zygote", daemon=True)
    launched = any(item.content is not None for item in staged)  # else no student code runs at all
    if launched:
        starter.start()
    try:
        course = Course.build(exercises, hidden, isolate, sealed=sealed)  # 2. sealed copies, once per batch
    except BaseException:
        if launched:
            starter.join()
        sandbox.close()
        raise
    if launched:
        starter.join()
        if started[0] is not None:  # e.g. no sandbox on this system: GraderError
            sandbox.close()
            raise started[0]
        stems = {item.filename[: -len(".ipynb")] for item in staged if item.content is not None}
        sandbox.prepare(
            {
                str(course.sealed.package_path(group)): course.modules.get(stem, ())
                for stem in sorted(stems)
                for group in course.groups_of(by_notebook[stem])
            }
        )
    # Everything loaded so far (the science, the references' inputs, the sealed sets) lives for the
    # whole batch: out of the collector's sight, a full collection scans only what grading
    # allocates, not ~270 000 objects (measured: 0.15 -> 0.03 s of collections per 40-student
    # batch). Undone when the batch ends.
    frozen = gc.isenabled() and gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    local = threading.local()
    slots = iter(range(1 << 30))
    lock = threading.Lock()

    def work(item: _Staged) -> tuple[_Staged, NotebookGrade]:
        stem = item.filename[: -len(".ipynb")]
        exs = by_notebook[stem]
        if item.content is None:
            results = {
                ex.id: status_only(ex, all_cases(ex, course.hidden), "invalid", f"not graded: {item.reason}")
                for ex in exs
            }
            return item, NotebookGrade(stem, results, notes=[f"{item.reason}."], invalid=item.reason)
        slot = getattr(local, "slot", None)
        if slot is None:  # each job slot (thread) has its own uid
            with lock:
                slot = local.slot = next(slots)
        try:
            return item, grade_notebook(
                sandbox, exs, item.content, item.filename, limits, course, uid=SANDBOX_UID_BASE + slot
            )
        except GraderError:
            raise
        except Exception as exc:  # a per-notebook failure of the grader never stops the batch
            reason = f"the grader could not process this notebook ({type(exc).__name__})"
            results = {
                ex.id: status_only(ex, all_cases(ex, course.hidden), "invalid", f"not graded: {reason}") for ex in exs
            }
            return item, NotebookGrade(stem, results, notes=[reason + "."], invalid=reason)

    bar = None
    if progress:
        from tqdm import tqdm

        tqdm.monitor_interval = 0
        bar = tqdm(total=len(staged), unit="notebook", desc="grading", dynamic_ncols=True)
    try:
        # the grader's own linear algebra (reference answers, mistakes) is small and its job threads
        # already fill the cores: idle OpenBLAS threads spinning between calls cost ~2 CPU s per
        # 40-student batch on 2 cores (perf); the children run with OPENBLAS_NUM_THREADS=1
        with single_threaded_blas(), ThreadPoolExecutor(max_workers=jobs) as pool:
            for item, grade in pool.map(work, staged):
                students[item.student].notebooks[grade.notebook] = grade
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        sandbox.close()
        course.close()
        if frozen:
            gc.unfreeze()

    # 3. the originals must be untouched
    changed = [f"{s.student}/{s.filename}" for s in staged if _sha256(s.original) != s.sha256]
    provenance = sandbox_provenance(isolate)
    provenance["hidden_tests"] = sum(len(v) for v in course.hidden.values())
    return Gradebook(
        exercises,
        [students[k] for k in sorted(students)],
        course.hidden,
        changed,
        seconds=time.monotonic() - t0,
        provenance=provenance,
    )
