"""Run ``jupyter-book`` with a fix and a diagnostic hook: ``python tools/jb_launch.py build . [options]``.

``tools/build_book.py`` starts the book build through this launcher. It behaves like the
``jupyter-book`` command, with two additions.

**A lost wake-up, fixed.** nbclient waits for a cell's ``execute_reply`` with one long ``poll`` on
the kernel's shell socket (``zmq.asyncio``), whose timeout is the cell timeout. When a cell displays
an ipywidgets ``Output`` (every chapter explorer does), nbclient *sends* the widget's state on that
same socket while the poll is pending. ZeroMQ signals readiness edge-triggered, and that send can
consume the edge that the pending poll was waiting for: the reply is then sitting in the socket, but
the poll only looks again when its timeout expires. The chapter does not fail, it just stalls for
the whole cell timeout (reproduced here: an explorer cell whose reply arrived at once, then 120 s
of silence, then the next cell; seen in the build as chapters taking 184 s instead of 6 s). It is
nbclient issue 312 (open, with PR 311). ``_sliced_get_msg`` replaces the one long poll with polls
of at most ``POLL_SLICE`` seconds up to the same deadline, so a lost edge costs at most that long.

**A diagnostic.** ``SIGUSR1`` makes the launcher print, on standard output, every pending asyncio
task with its stack and every thread's stack. When a chapter runs far longer than it should, the
watchdog sends that signal, so the log shows where nbclient is waiting (starting the kernel,
waiting for a reply, shutting the kernel down) instead of just a long time.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import traceback
from queue import Empty

POLL_SLICE = 0.5  # s: the longest a lost ZeroMQ wake-up can delay a message


async def _sliced_get_msg(self, timeout: float | None = None) -> dict:
    """``AsyncZMQSocketChannel.get_msg`` with the same contract, polling in slices of ``POLL_SLICE``.

    Returns the next message, or raises ``queue.Empty`` when none arrived within ``timeout`` seconds
    (``None``: wait for ever), as jupyter_client does.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = POLL_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
        if await self.socket.poll(int(min(POLL_SLICE, left) * 1000)):
            return await self._recv()
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def _patch_jupyter_client() -> None:
    from jupyter_client.channels import AsyncZMQSocketChannel

    AsyncZMQSocketChannel.get_msg = _sliced_get_msg


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
    _patch_jupyter_client()
    from jupyter_book.cli.main import main

    sys.argv[0] = "jupyter-book"
    sys.exit(main())
