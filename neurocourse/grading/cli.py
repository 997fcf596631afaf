"""The ``neurocourse`` command line: ``assign``, ``list`` (and, for instructors, ``check`` and ``grade``)."""

from __future__ import annotations

import argparse
import sys

from neurocourse.grading.assign import assign


def _cmd_assign(args: argparse.Namespace) -> int:
    result = assign(args.source, args.dest, check=args.check)
    if args.check:
        if result.stale:
            for p in result.stale:
                print(f"out of date: {p}", file=sys.stderr)
            print("exercises/ differs from a fresh `neurocourse assign`; run it and commit.", file=sys.stderr)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"neurocourse {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
