"""The grading worker: runs one student notebook and returns its functions' outputs, nothing else.

``python -m neurocourse.grading.worker --zygote FD`` starts a *zygote*: a clean interpreter that
imports numpy, scipy, matplotlib and the course package once, then waits for commands from the
grader on the Unix socket ``FD``. For each submission it forks a child, so a submission starts in
milliseconds instead of paying the imports again. The zygote itself never runs student code.

The child (:func:`_child_main`):

1. starts its own session (so the grader can kill its whole process group), closes every inherited
   file descriptor except the result pipe, points stdin/stdout/stderr at ``/dev/null``, and moves to
   a fresh temporary directory holding only a copy of the notebook (``HOME`` and ``TMPDIR`` too);
2. wraps the package's reference callables of the exercises with a *tripwire* that records when a
   graded function calls the very function it was asked to write (best effort: see
   :mod:`neurocourse.grading.batch`);
3. sets resource limits: address space, CPU time, file size, no core dumps;
4. executes the notebook's code cells with :func:`neurocourse.grading.notebook.exec_notebook`, with
   ``NEUROCOURSE_GRADING_WORKER=1`` so self-check cells do nothing;
5. for each exercise in turn, calls the requested functions on the inputs the grader sent and writes
   the outcomes back over the result pipe as framed JSON (:mod:`neurocourse.grading.serialize`).

Comparison with reference answers never happens here: the grader judges the returned values in its
own process. Timeouts are enforced by the grader, which kills the child's process group.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import select
import signal
import socket
import sys
from typing import Any

MAX_ERROR_CHARS = 1000
_DEFAULT_PRELOAD = (
    "numpy",
    "scipy",
    "scipy.special",
    "scipy.linalg",
    "scipy.signal",
    "scipy.stats",
    "scipy.optimize",
    "scipy.integrate",
    "scipy.interpolate",
    "matplotlib",
    "matplotlib.pyplot",
    "nbformat",
    "neurocourse",
    "neurocourse.grading",
    "neurocourse.grading.spec",
    "neurocourse.grading.notebook",
    "neurocourse.grading.serialize",
)


# ---------------------------------------------------------------------------------------------
# The zygote


def _zygote_main(sock_fd: int, preload: list[str]) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in (*_DEFAULT_PRELOAD, *preload):
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module only costs speed
            pass
    sock = socket.socket(fileno=sock_fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    buf = b""
    fds: list[int] = []
    while True:
        ready, _, _ = select.select([sock, wake_r], [], [])
        if wake_r in ready:
            try:
                while os.read(wake_r, 4096):
                    pass
            except BlockingIOError:
                pass
            _reap(sock)
        if sock in ready:
            msg, new_fds, _, _ = socket.recv_fds(sock, 65536, 8)
            if not msg:
                break  # the grader went away
            fds.extend(new_fds)
            buf += msg
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                command = json.loads(line)
                if command.get("op") == "spawn":
                    result_fd = fds.pop(0)
                    pid = _spawn(command, result_fd, sock, (wake_r, wake_w))
                    os.close(result_fd)
                    _send(sock, {"pid": pid})
                elif command.get("op") == "ping":
                    _send(sock, {"pong": True})
        _reap(sock)


def _send(sock: socket.socket, message: dict) -> None:
    try:
        sock.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(sock, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def _spawn(command: dict, result_fd: int, sock: socket.socket, wake: tuple[int, int]) -> int:
    with open(command["request"], "rb") as f:
        request = json.loads(f.read())
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sock.close()
            for fd in wake:
                os.close(fd)
            _child_main(request, result_fd)
        except BaseException:
            code = 70
        os._exit(code)
    return pid


# ---------------------------------------------------------------------------------------------
# The child: one submission notebook


class _Tripwires:
    """Records calls of the exercises' reference callables made while that exercise is graded."""

    def __init__(self):
        self.current: int | None = None
        self.hits: dict[int, set[str]] = {}

    def install(self, specs: list[list]) -> None:
        """``specs``: ``[exercise index, module, attribute]`` for each reference callable."""
        for index, module_name, attr in specs:
            try:
                module = importlib.import_module(module_name)
                original = getattr(module, attr)
            except Exception:
                continue
            wrapper = self._wrap(original, index, f"{module_name}.{attr}")
            for name, mod in list(sys.modules.items()):
                if not name.startswith("neurocourse") or name.startswith("neurocourse.grading"):
                    continue
                for key, value in list(getattr(mod, "__dict__", {}).items()):
                    if value is original:
                        setattr(mod, key, wrapper)

    def _wrap(self, original, index: int, qualified: str):
        hits = self.hits
        state = self

        def tripwire(*args, **kwargs):
            if state.current == index:
                caller = sys._getframe(1).f_globals.get("__name__", "")
                if not (isinstance(caller, str) and caller.startswith("neurocourse.")):
                    hits.setdefault(index, set()).add(qualified)
            return original(*args, **kwargs)

        tripwire.__name__ = getattr(original, "__name__", "reference")
        tripwire.__doc__ = getattr(original, "__doc__", None)
        return tripwire


def _isolate(request: dict, result_fd: int) -> int:
    """New session, clean descriptors and environment, fresh working directory. Returns the result fd."""
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if result_fd != 3:
        os.dup2(result_fd, 3)
    os.closerange(4, 65536)
    os.set_inheritable(3, False)
    workdir = request["workdir"]
    os.chdir(workdir)
    for key in ("PWD", "OLDPWD"):
        os.environ.pop(key, None)
    os.environ.update(HOME=workdir, TMPDIR=workdir, MPLCONFIGDIR=workdir)
    os.environ["NEUROCOURSE_GRADING_WORKER"] = "1"
    sys.argv = [request.get("filename", "notebook.ipynb")]
    sys.path[:] = [p for p in sys.path if p not in ("", ".")]
    return 3


def _set_limits(limits: dict) -> None:
    def _set(which: int, soft: int, hard: int | None = None) -> None:
        try:
            resource.setrlimit(which, (soft, soft if hard is None else hard))
        except (ValueError, OSError):
            pass

    with open("/proc/self/statm") as f:
        baseline = int(f.read().split()[0]) * resource.getpagesize()
    _set(resource.RLIMIT_AS, baseline + int(limits["memory_bytes"]))
    cpu = int(limits["cpu_seconds"])
    _set(resource.RLIMIT_CPU, cpu, cpu + 5)
    _set(resource.RLIMIT_FSIZE, int(limits["fsize_bytes"]))
    _set(resource.RLIMIT_CORE, 0)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit raises OSError instead


def _error_text(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # a student exception whose __str__ raises
        text = type(exc).__name__
    return text[:MAX_ERROR_CHARS]


def _write(fd: int, message: dict) -> None:
    from neurocourse.grading.serialize import frame

    data = memoryview(frame(message))
    while data:
        n = os.write(fd, data)
        data = data[n:]


def _encode_outcome(outcome) -> dict:
    from neurocourse.grading.serialize import UnsupportedValue, to_json

    if outcome.kind != "ok":
        return {"kind": outcome.kind, "error": str(outcome.error)[:MAX_ERROR_CHARS]}
    try:
        return {"kind": "ok", "value": to_json(outcome.value)}
    except UnsupportedValue as exc:
        return {"kind": "unsupported", "error": str(exc)}
    except BaseException:
        return {"kind": "unsupported", "error": f"an object of type {type(outcome.value).__name__}"}


def _child_main(request: dict, result_fd: int) -> None:
    import nbformat

    from neurocourse.grading.notebook import exec_notebook
    from neurocourse.grading.serialize import from_json
    from neurocourse.grading.spec import Case, Outcome, call_safely

    fd = _isolate(request, result_fd)
    tripwires = _Tripwires()
    tripwires.install(request.get("tripwires", []))
    _set_limits(request["limits"])

    nb = nbformat.reads(request["notebook"], as_version=4)
    ns: dict[str, Any] = {"__name__": "__notebook__"}
    stopped = None
    cell_errors: list = []
    try:
        _, errors = exec_notebook(nb, ns)
        cell_errors = [[e.cell, e.error[:MAX_ERROR_CHARS]] for e in errors]
    except BaseException as exc:  # SystemExit, KeyboardInterrupt: the remaining cells did not run
        stopped = _error_text(exc)
    _write(fd, {"type": "ready", "cell_errors": cell_errors, "stopped": stopped})

    exercises = request["exercises"]
    for index in range(int(request.get("start", 0)), len(exercises)):
        outcomes = []
        tripwires.current = index
        for call in exercises[index]["calls"]:
            fn = ns.get(call["function"])
            case = Case(
                call["function"],
                args=tuple(from_json(call["args"])),
                kwargs=from_json(call["kwargs"]),
            )
            try:
                outcome = call_safely(fn if callable(fn) else None, case)
            except (
                BaseException
            ) as exc:  # SystemExit, KeyboardInterrupt raised by the student's function
                outcome = Outcome("error", error=_error_text(exc))
            outcomes.append(_encode_outcome(outcome))
        tripwires.current = None
        tripped = sorted(tripwires.hits.get(index, ()))
        _write(fd, {"type": "exercise", "index": index, "outcomes": outcomes, "tripped": tripped})
    _write(fd, {"type": "done"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="neurocourse grading worker (started by the grader)"
    )
    parser.add_argument("--zygote", type=int, required=True, help="socket file descriptor")
    parser.add_argument("--preload", default="", help="comma-separated modules to import up front")
    args = parser.parse_args(argv)
    _zygote_main(args.zygote, [m for m in args.preload.split(",") if m])
    return 0


if __name__ == "__main__":
    sys.exit(main())
