"""Benchmark the batch grader: 100 realistic submissions graded on this machine.

Each student submits every solution notebook in ``solutions/`` (about 10 % skip one), and in about a
third of the notebooks one graded function is made wrong (its output negated), so the judge also
exercises its failure paths (mistake matching, messages). Prints submissions per second (goal >= 1 on
2 cores) and the median time one submission keeps a worker busy.

Usage: ``python benchmarks/bench_grade.py [--students 100] [--jobs N]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell

from neurocourse.grading import batch
from neurocourse.grading.registry import by_notebook
from neurocourse.grading.sandbox import Limits

REPO = Path(__file__).resolve().parents[1]


def make_submissions(
    root: Path, n_students: int, seed: int = 0, exclude: tuple[str, ...] = ()
) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--exclude", nargs="*", default=(), help="notebook stems to leave out")
    args = parser.parse_args()

    per_notebook: dict[str, float] = {}
    original = batch.grade_notebook

    def timed(sandbox, exercises, content, filename, limits, hidden=None):
        t0 = time.perf_counter()
        try:
            return original(sandbox, exercises, content, filename, limits, hidden)
        finally:
            per_notebook[f"{id(content)}"] = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "submissions"
        make_submissions(root, args.students, exclude=tuple(args.exclude))
        n_files = sum(1 for _ in root.rglob("*.ipynb"))
        batch.grade_notebook = timed
        t0 = time.perf_counter()
        book = batch.grade_submissions(root, limits=Limits(timeout=60), jobs=args.jobs)
        wall = time.perf_counter() - t0
        batch.grade_notebook = original
    n = len(book.students)
    per_student = [wall * args.jobs / n]  # fallback if timings were not captured
    if per_notebook:
        nb_per_student = n_files / n
        per_student = [t * nb_per_student for t in per_notebook.values()]
    totals = [sum(book.result(st, ex).score for ex in book.exercises) for st in book.students]
    print(
        f"graded {n} submissions ({n_files} notebooks, {len(book.exercises)} exercises) "
        f"with {args.jobs} jobs in {wall:.1f} s (including worker start-up)"
    )
    print(f"throughput: {n / wall:.2f} submissions/s (goal >= 1)")
    print(
        f"median per submission: {statistics.median(per_student):.3f} s of one worker "
        f"(median per notebook {statistics.median(per_notebook.values()):.3f} s)"
    )
    print(
        f"scores: median {statistics.median(totals):g} of {book.max_points:g}; "
        f"full marks {sum(t == book.max_points for t in totals)} / {n}"
    )


if __name__ == "__main__":
    main()
