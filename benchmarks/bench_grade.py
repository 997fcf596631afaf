"""Benchmark the batch grader: the sandbox's overhead on realistic submissions.

Each student submits every solution notebook in ``solutions/`` (about 10 % skip one), and in about a
third of the notebooks one graded function is made wrong (its output negated), so the judge also
exercises its failure paths. Every exercise also gets two hidden tests (copies of its first public
cases), so the hidden phase is timed too. The same submissions are graded twice in the same run:
with the sandbox (the default) and with ``--no-sandbox``; the script prints submissions (student
folders) per second for both, their ratio, whether the gradebooks agree, and the load average.
Reference answers for public and hidden cases are computed once per batch.

Usage: ``python benchmarks/bench_grade.py [--students 40] [--jobs N]``
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell

from neurocourse.grading import batch
from neurocourse.grading.registry import all_exercises, by_notebook
from neurocourse.grading.sandbox import Limits

REPO = Path(__file__).resolve().parents[1]


def make_submissions(root: Path, n_students: int, seed: int = 0, exclude: tuple[str, ...] = ()) -> None:
    rng = np.random.default_rng(seed)
    solutions = [p for p in sorted((REPO / "solutions").glob("*.ipynb")) if p.stem not in exclude]
    for i in range(n_students):
        student = root / f"student{i:03d}"
        student.mkdir(parents=True)
        for path in solutions:
            exercises = by_notebook(path.stem)
            if not exercises or rng.random() < 0.1 / len(solutions):
                continue
            nb = nbformat.read(path, as_version=4)
            if rng.random() < 0.33:
                ex = exercises[rng.integers(len(exercises))]
                fn = ex.functions[rng.integers(len(ex.functions))]
                nb.cells.append(
                    new_code_cell(
                        f"_orig_{fn} = {fn}\n"
                        f"def {fn}(*args, **kwargs):\n"
                        f"    return np.negative(_orig_{fn}(*args, **kwargs))\n"
                    )
                )
            nbformat.write(nb, student / path.name)


def _cpu_seconds() -> float:
    """CPU time of this process and of every finished descendant (zygotes, children), in s: the
    load-independent cost of a batch (wall time on a shared machine mostly measures the others)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def hidden_tests() -> dict:
    return {ex.id: tuple(dataclasses.replace(c, hidden=True) for c in ex.cases[:2]) for ex in all_exercises()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--exclude", nargs="*", default=(), help="notebook stems to leave out")
    args = parser.parse_args()
    hidden = hidden_tests()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "submissions"
        make_submissions(root, args.students, exclude=tuple(args.exclude))
        n_files = sum(1 for _ in root.rglob("*.ipynb"))
        results = {}
        for isolate in (True, False):
            load = os.getloadavg()[0]
            cpu0 = _cpu_seconds()
            t0 = time.perf_counter()
            book = batch.grade_submissions(
                root, hidden=hidden, limits=Limits(timeout=60), jobs=args.jobs, isolate=isolate
            )
            wall = time.perf_counter() - t0
            results[isolate] = (book, wall, load, _cpu_seconds() - cpu0)
    print(
        f"{args.students} submissions ({n_files} notebooks, {len(all_exercises())} exercises, "
        f"{sum(len(v) for v in hidden.values())} hidden cases), {args.jobs} jobs"
    )
    for isolate, (_book, wall, load, cpu) in results.items():
        label = "sandbox on " if isolate else "no sandbox "
        print(
            f"{label}: {cpu:6.1f} CPU s in all processes = {cpu / args.students:.3f} CPU s per submission; "
            f"on {args.jobs} idle cores that is {args.jobs * args.students / cpu:5.2f} submissions/s"
        )
        print(
            f"{label}: {wall:6.1f} s, {args.students / wall:5.2f} submissions/s, "
            f"{n_files / wall:5.2f} notebooks/s (load average {load:.2f} at start)"
        )
    (b_on, w_on, _, c_on), (b_off, w_off, _, c_off) = results[True], results[False]
    print(
        f"sandbox overhead: {w_on / w_off:.2f}x the unsandboxed wall time, {c_on / c_off:.2f}x its CPU time "
        "(goal: >= 3 submissions/s with the sandbox on)"
    )
    same = b_on.wide_rows() == b_off.wide_rows()
    print(f"gradebooks agree: {same}; load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
