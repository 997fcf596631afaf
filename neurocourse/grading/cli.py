"""The ``neurocourse`` command line: ``assign``, ``list``, ``check``, ``grade`` and ``release``.

Exit codes: ``check`` returns 0 when every public check passed, 1 when some failed, 2 when the
notebook could not be checked. ``grade`` returns 0 whenever the batch completed (students may well
have failed), and 2 only when the grader itself could not run, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from neurocourse.grading.assign import assign


def _cmd_assign(args: argparse.Namespace) -> int:
    result = assign(args.source, args.dest, check=args.check)
    if args.check:
        if result.stale:
            for p in result.stale:
                print(f"out of date: {p}", file=sys.stderr)
            print(
                "exercises/ differs from a fresh `neurocourse assign`; run it and commit.",
                file=sys.stderr,
            )
            return 1
        print("exercises are in sync with solutions")
        return 0
    for p in result.written:
        print(f"wrote {p}")
    for p in result.stale:
        print(f"warning: {p} has no solution notebook", file=sys.stderr)
    if not result.written:
        print("exercises already up to date")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from neurocourse.grading.registry import all_exercises

    for ex in all_exercises():
        print(f"{ex.id:<20} {ex.notebook:<22} {ex.max_points:>5g} pts  seed {ex.seed_problem}  {ex.title}")
    return 0


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must look like K/N (e.g. 2/8), got {text!r}") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"K/N needs 1 <= K <= N, got {text!r}")
    return k, n


def _cmd_check(args: argparse.Namespace) -> int:
    from neurocourse.grading.batch import Course, grade_notebook, read_capped
    from neurocourse.grading.registry import by_notebook, notebooks
    from neurocourse.grading.sandbox import Limits, Sandbox

    path = Path(args.notebook)
    exercises = by_notebook(path.stem)
    if not exercises:
        known = ", ".join(f"{nb}.ipynb" for nb in notebooks()) or "none"
        raise ValueError(f"{path.name} is not a course notebook with exercises (known: {known})")
    if not path.exists() and not path.is_symlink():
        raise ValueError(f"{args.notebook} does not exist")
    content, reason = read_capped(path)
    if content is None:
        raise ValueError(reason)
    course = Course.build(exercises, isolate=not args.no_sandbox)
    try:
        with Sandbox(
            course.sealed.runtime,
            isolate=not args.no_sandbox,
            visible_workdir=str(course.sealed.work),
        ) as sandbox:
            grade = grade_notebook(sandbox, exercises, content, path.name, Limits(timeout=args.timeout), course)
    finally:
        course.close()
    for note in grade.notes:
        print(note)
    if grade.invalid:
        return 2
    all_passed = True
    for ex in exercises:
        result = grade.results[ex.id]
        print(result.report())
        all_passed &= all(c.passed for c in result.cases)
    return 0 if all_passed else 1


def _cmd_release(args: argparse.Namespace) -> int:
    from neurocourse.grading.release import release

    written = release(args.out, source=args.source, force=args.force)
    print(f"wrote the student release to {args.out} ({len(written)} files; no solutions/, no hidden tests)")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from neurocourse.grading import batch, gradebook
    from neurocourse.grading.sandbox import GraderError, Limits

    if args.merge:
        if args.submissions:
            raise ValueError("give either SUBMISSIONS or --merge, not both")
        written = gradebook.merge_gradebooks(args.merge, args.output)
        print("wrote " + ", ".join(str(p) for p in written))
        return 0
    if not args.submissions:
        raise ValueError("SUBMISSIONS is required (or --merge SHARD.csv ...)")
    hidden = None
    if args.hidden_tests:
        from neurocourse.grading.hidden import load_hidden
        from neurocourse.grading.registry import all_exercises

        hidden = load_hidden(args.hidden_tests, all_exercises())
    out = Path(args.output)
    _check_outputs(out, args.feedback, Path(args.submissions))
    limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)
    if args.no_sandbox:
        print("WARNING: --no-sandbox: student code runs as your user, unconfined (see the README).", file=sys.stderr)
    try:
        book = batch.grade_submissions(
            args.submissions,
            hidden=hidden,
            limits=limits,
            jobs=args.jobs,
            shard=args.shard,
            progress=not args.quiet,
            isolate=not args.no_sandbox,
        )
    except GraderError as exc:
        raise ValueError(str(exc)) from exc
    wide, long = gradebook.write_gradebook(book, out)
    print(gradebook.summary(book))
    print(f"Wrote {wide}, {long} and {gradebook.provenance_path(out)}.")
    if args.feedback:
        paths = gradebook.write_feedback(book, args.feedback)
        print(f"Wrote {len(paths)} feedback files to {args.feedback}.")
    return 0


def _check_outputs(out: Path, feedback: str | None, submissions: Path) -> None:
    """Refuse, before anything is graded, outputs that cannot be written or that sit in the submissions."""
    from neurocourse.grading import gradebook

    subs = submissions.resolve()
    targets = [out, gradebook.long_path(out), gradebook.provenance_path(out)]
    for target in targets:
        if target.is_symlink() or target.is_dir() or (target.exists() and not target.is_file()):
            raise ValueError(f"-o must name a regular CSV file; {str(target)!r} is a folder, link or special file")
    folders = [out.parent] + ([Path(feedback)] if feedback else [])
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"{str(folder)!r} is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise ValueError(f"cannot write to {str(folder)!r}")
        real = folder.resolve()
        if real == subs or real.is_relative_to(subs):
            raise ValueError(f"outputs must not be written inside SUBMISSIONS ({str(folder)!r})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurocourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("assign", help="generate exercises/ (student notebooks) from solutions/")
    p.add_argument("--source", default="solutions", help="directory of solution notebooks")
    p.add_argument("--dest", default="exercises", help="directory of student notebooks")
    p.add_argument("--check", action="store_true", help="only verify that dest is up to date")
    p.set_defaults(func=_cmd_assign)

    p = sub.add_parser("list", help="list the registered exercises")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("check", help="run the public checks of one notebook, as the grader would")
    p.add_argument("notebook", metavar="NOTEBOOK", help="e.g. exercises/02_mr_acquisition.ipynb")
    p.add_argument(
        "--timeout",
        type=_positive_float,
        default=30.0,
        help="seconds allowed for the notebook's cells, and for each exercise (default 30)",
    )
    p.add_argument("--no-sandbox", action="store_true", help="run without the sandbox (trusted notebooks only)")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser(
        "grade",
        help="grade a folder of submissions into a gradebook",
        description="Grade SUBMISSIONS/<student>/<notebook>.ipynb into a gradebook CSV (plus <name>_long.csv "
        "beside it), optional per-student feedback, and a summary. Or merge shard gradebooks with --merge.",
    )
    p.add_argument(
        "submissions",
        metavar="SUBMISSIONS",
        nargs="?",
        help="folder with one sub-folder per student",
    )
    p.add_argument("-o", "--output", required=True, help="gradebook CSV to write (e.g. grades.csv)")
    p.add_argument(
        "--timeout",
        type=_positive_float,
        default=30.0,
        help="seconds allowed for a notebook's cells, and for each exercise (default 30)",
    )
    p.add_argument(
        "--jobs",
        type=_positive_int,
        default=os.cpu_count() or 1,
        help="notebooks graded in parallel (default: number of cores)",
    )
    p.add_argument(
        "--memory-mb",
        type=_positive_float,
        default=1024.0,
        help="memory a submission may allocate, in MB (default 1024)",
    )
    p.add_argument("--hidden-tests", metavar="PATH", help="Python file defining HIDDEN (see the README)")
    p.add_argument("--feedback", metavar="DIR", help="write one markdown feedback file per student here")
    p.add_argument(
        "--shard",
        type=_shard,
        metavar="K/N",
        help="grade only the K-th of N shards of the students",
    )
    p.add_argument("--merge", nargs="+", metavar="SHARD_CSV", help="merge shard gradebooks into -o instead")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="grade without the sandbox (needed where none exists, e.g. macOS); trusted work only",
    )
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser(
        "release",
        help="write the student-facing copy of the course (no solutions/, no hidden tests)",
    )
    p.add_argument("out", metavar="OUT", help="new folder to write (must not exist, unless --force)")
    p.add_argument("--source", default=".", help="the course repository (default: .)")
    p.add_argument("--force", action="store_true", help="replace OUT if it is an earlier release")
    p.set_defaults(func=_cmd_release)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from neurocourse.grading.sandbox import GraderError

    try:
        return args.func(args)
    except (ValueError, GraderError) as exc:
        print(f"neurocourse {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
