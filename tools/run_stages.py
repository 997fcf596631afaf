"""Run the stages of ``make test`` one after another, whatever happens, and summarise them.

Usage: ``python tools/run_stages.py STAGE [STAGE ...]``. Each stage is a Makefile target, run as
``make --no-print-directory STAGE``. A failing stage does not stop the later ones: every stage runs
and reports, then a one-line summary per stage is printed, and the exit status is non-zero when any
stage failed. Only the standard library is used, so the runner works with any Python 3.11.

Adding a stage (e.g. a browser test after the book build) is a one-word edit of ``STAGES`` in the
Makefile plus a target of that name.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def run_stage(name: str, make: str) -> tuple[int, float]:
    """Run one Makefile target; return its exit status and its wall time in seconds."""
    banner = f"=== stage {name} "
    print(f"\n{banner}{'=' * max(3, 78 - len(banner))}", flush=True)
    t0 = time.monotonic()
    rc = subprocess.call([make, "--no-print-directory", name])
    return rc, time.monotonic() - t0


def main(argv: list[str]) -> int:
    stages = argv[1:]
    if not stages:
        print("usage: run_stages.py STAGE [STAGE ...]", file=sys.stderr)
        return 2
    make = os.environ.get("MAKE", "make")
    results = [(name, *run_stage(name, make)) for name in stages]
    print(f"\n=== summary {'=' * 66}")
    for name, rc, seconds in results:
        status = "ok  " if rc == 0 else f"FAIL (exit {rc})"
        print(f"  {name:<14} {status:<16} {seconds:7.1f} s")
    total = sum(s for _, _, s in results)
    failed = [name for name, rc, _ in results if rc != 0]
    load = os.getloadavg()
    print(f"  {'total':<14} {'':<16} {total:7.1f} s   (load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})")
    if failed:
        print(f"make test FAILED: {', '.join(failed)}")
        return 1
    print("make test passed: every stage ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
