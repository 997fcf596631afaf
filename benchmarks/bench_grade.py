"""Benchmark the batch grader: the sandbox's overhead on realistic submissions.

Each student submits every solution notebook in ``solutions/`` (about 10 % skip one), and in about a
third of the notebooks one graded function is made wrong (its output negated), so the judge also
exercises its failure paths. Every exercise also gets two hidden tests (copies of its first public
cases), so the hidden phase is timed too. The same submissions are graded twice in the same run:
with the sandbox (the default) and with ``--no-sandbox``; the script prints submissions (student
folders) per second for both, their ratio, whether the gradebooks agree, and the load average.
Reference answers for public and hidden cases are computed once per batch.

One submission is one student folder: every notebook of ``solutions/`` (10 notebooks, 24
exercises), minus one for about 10 % of the students.

``--profile`` instead says where one submission's CPU time goes, per notebook: the sandboxed
children (fork from the zygote, namespaces, lock-down, the notebook's cells, the calls, exit; read
from the zygote's ``/proc/<pid>/stat``, which accumulates its reaped children) and the grader's own
process (parsing, static analysis, encoding, judging); plus what every batch pays once (sealing,
zygote start, reference answers). CPU time, unlike wall time, barely depends on the machine's load.

Usage: ``python benchmarks/bench_grade.py [--students 40] [--jobs N] [--profile [--repeats 5]]``
Run timings under the shared lock: ``flock /tmp/bench.lock python benchmarks/bench_grade.py ...``.

Measured (2-core machine, running as root, 40 students, ``--jobs 2``; load average at start; the
other engineer's GLM work ran at times, so the load is mostly not ours):

==========================  ===========================  ===========================
                            before (2026-12-01 19:09)    after (20:02, 2 runs)
==========================  ===========================  ===========================
sandbox on, wall            20.9 s, 1.92/s (load 0.35)   11.4 / 11.8 s, 3.52 / 3.38/s
                                                         (load 2.8 / 2.9)
sandbox on, CPU             0.936 s per submission       0.475 / 0.498 s
``--no-sandbox``, wall      15.8 s, 2.54/s (load 1.8)    10.6 / 9.9 s, 3.79 / 4.03/s
``--no-sandbox``, CPU       0.743 s per submission       0.443 / 0.423 s
gradebooks agree            True                         True
==========================  ===========================  ===========================

(Earlier after-runs at 19:56-19:57, load 1.2 / 2.2, before the 09 cases changed: 3.50 / 3.48/s,
0.483 / 0.485 CPU s per submission. Later runs, 20:08-20:12, with the other engineer's work
sharing the two cores at times: 3.15-3.30/s at 0.51-0.53 CPU s per submission, and one run at
2.33/s where the CPU per submission itself rose to 0.71 s: contention, not our work.)

(The lead's re-measurements, 20:37-21:24, load 0.7-2.4, the same code: 2.46-2.85/s at 0.60-0.69 CPU s
per submission; an empty child 14-16 ms. The VM had slowed for memory-bound work, as back-to-back
runs show: the engineer's commit 84fece6 2.67 / 2.85/s, this code 2.61 / 2.82/s, and the code before
this work (e45e1d1) 1.26/s at 1.457 CPU s, which measured 1.99/s in the session before.)

``--profile --repeats 10``, CPU per submission: before (load 0.07, 3 repeats) children 563 ms (12
runs; an empty child 26.7 ms) + grader 174 ms = 738 ms; per batch sealing 1.62 s, each zygote
(one per job) 1.35 s. After (load 2.9) children 387 ms (an empty child 12 ms) + grader 91 ms =
478 ms; per batch sealing 1.70 s (in a batch it runs while the zygote starts; most of it is
importing the science, which a batch has done already) and one zygote for all jobs, 0.68 s.
What changed, with its measured effect:

* the C library is loaded once per process (``ctypes.util.find_library`` ran ``ldconfig -p`` ~8
  times per sandboxed child): an empty child 27 -> 10 ms, the batch 0.94 -> 0.80 CPU s/submission;
* the grader's own BLAS runs one thread during a batch (idle OpenBLAS threads spun ~2 CPU s);
* templates: per sealed copy the zygote forks a process that imports that copy's science modules
  (and the solution's third-party imports) and forks its children, so no child re-imports them
  (10-60 ms per run); the zygote itself is lean (numpy, scipy): a trivial child of a 62 MB process
  costs 7.6 ms to fork and reap, of a 129 MB one (with matplotlib, scikit-learn) 12.2 ms;
* one zygote and one set of templates for all job slots, forked all at once at the start;
* glibc's mmap threshold raised in the zygote (BEM calls 78 -> 51 ms per child);
* mistakes' values cached per batch and never evaluated for hidden cases; mismatch messages
  written only for a mismatch; the batch's objects frozen out of the garbage collector's scans;
* ``skull_smearing``'s potential cases on 31 angles instead of 91 (40 -> 15 ms per submission);
  ``decoding_crossnobis``'s decoding cases on three runs of 60 / 80 voxels instead of four of
  120 / 100 (60 -> 38 ms); the teeth tests still pass.

Where the time still goes (after, per submission): 12 sandboxed children, each ~10-12 ms to fork,
enter the sandbox and exit (~130 ms, mostly the kernel copying and tearing down the page tables of
a 60-110 MB parent); the exercises' own compute in them, led by 09's shrinkage-LDA fits (~40 ms),
05's BEM (~30 ms) and 06 (~15 ms); the grader's parsing, static analysis, decoding and judging
(~90 ms); and per batch ~2-3 s (zygote, templates, reference answers, sealing when the package
changed), i.e. 50-75 ms per submission at 40 students.
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


def _zygote_cpu(sandbox) -> float:
    """CPU seconds of a sandbox's zygote, its templates, and every child they have reaped
    (utime..cstime; a template's own time reaches the zygote's only when it exits)."""
    total = 0
    for pid in (sandbox.zygote_pid, *sandbox.template_pids):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += sum(int(x) for x in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def profile(repeats: int) -> None:
    """Print where one submission's CPU time goes (see the module docstring)."""
    from neurocourse.grading.sandbox import SANDBOX_UID_BASE, Sandbox

    print(f"load average {os.getloadavg()[0]:.2f} at start; CPU ms per notebook, the mean of {repeats} runs")
    t0 = time.process_time()
    course = batch.Course.build(all_exercises(), hidden_tests(), True)
    build = time.process_time() - t0
    sb = Sandbox(
        course.sealed.runtime,
        visible_workdir=str(course.sealed.work),
        uid=SANDBOX_UID_BASE,
    )
    t0 = time.process_time()
    sb.start()
    start = time.process_time() - t0 + _zygote_cpu(sb)
    limits = Limits(timeout=60)

    def cpu_of(fn) -> tuple[float, float]:
        z0, g0 = _zygote_cpu(sb), time.process_time()
        for _ in range(repeats):
            fn()
        return (_zygote_cpu(sb) - z0) / repeats, (time.process_time() - g0) / repeats

    empty_pkg = os.path.join(str(course.sealed.runtime), "neurocourse")
    child, _ = cpu_of(lambda: sb.run([], "empty.ipynb", empty_pkg, [], limits))
    print(f"once per batch: sealing and analysis {build:.2f} s, zygote start and probe {start:.2f} s CPU")
    print(f"an empty notebook's child (fork, namespaces, lock-down, exit): {1000 * child:.1f} ms")
    t0 = time.process_time()
    children = grader = runs = 0.0
    for path in sorted((REPO / "solutions").glob("*.ipynb")):
        exs = by_notebook(path.stem)
        if not exs:
            continue
        data = path.read_bytes()
        n_runs = len(course.groups_of(exs))
        batch.grade_notebook(sb, exs, data, path.name, limits, course)  # reference answers, once
        c, g = cpu_of(lambda e=exs, d=data, p=path: batch.grade_notebook(sb, e, d, p.name, limits, course))
        children, grader, runs = children + c, grader + g, runs + n_runs
        print(
            f"  {path.stem:34s} {n_runs} run(s): children {1000 * c:6.1f} ms "
            f"(of which child start-up ~{1000 * child * n_runs:4.0f}), grader {1000 * g:5.1f} ms"
        )
    sb.close()
    total = children + grader
    print(
        f"one submission: children {1000 * children:.0f} ms ({runs:.0f} runs, start-up ~{1000 * child * runs:.0f}) "
        f"+ grader {1000 * grader:.0f} ms = {1000 * total:.0f} ms CPU -> {2 / total:.2f} submissions/s on 2 idle "
        f"cores before the per-batch costs; load average now {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--exclude", nargs="*", default=(), help="notebook stems to leave out")
    parser.add_argument("--profile", action="store_true", help="where one submission's CPU time goes")
    parser.add_argument("--repeats", type=int, default=5, help="runs per notebook for --profile")
    args = parser.parse_args()
    if args.profile:
        profile(args.repeats)
        return
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
