"""Run ``jupyter-book`` with a diagnostic hook: ``python tools/jb_launch.py build . [options]``.

``tools/build_book.py`` starts the book build through this launcher. It behaves exactly like the
``jupyter-book`` command, and in addition answers ``SIGUSR1`` by printing, on standard output, every
pending asyncio task with its stack and every thread's stack. When a chapter runs far longer than it
should, the watchdog sends that signal, so the log shows where nbclient is waiting (starting the
kernel, waiting for a reply, shutting the kernel down) instead of just a long time.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import traceback


def _dump(signum, frame) -> None:
    out = sys.stdout
    print("\n[book] ---- diagnostic: pending asyncio tasks ----", file=out)
    loop = asyncio._get_running_loop()
    tasks = asyncio.all_tasks(loop) if loop is not None else set()
    for task in tasks:
        print(f"[book] task {task.get_name()}: {task.get_coro()!r}", file=out)
        task.print_stack(file=out)
    print("[book] ---- diagnostic: thread stacks ----", file=out)
    for tid, fr in sys._current_frames().items():
        print(f"[book] thread {tid}:", file=out)
        traceback.print_stack(fr, file=out)
    print("[book] ---- end of diagnostic ----", file=out, flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _dump)
    from jupyter_book.cli.main import main

    sys.argv[0] = "jupyter-book"
    sys.exit(main())
