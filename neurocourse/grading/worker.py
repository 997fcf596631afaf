"""The grading worker: runs one student notebook in a sandbox and returns its functions' outputs.

The grader starts a *zygote* with ``python -I -S -B`` (isolated mode, no ``site``, no bytecode
writes), an allow-listed environment and a ``sys.path`` of the Python installation plus a copy of
the grader's runtime modules (:func:`neurocourse.grading.seal.write_runtime_copy`), never the course
repository. The zygote imports numpy and scipy once, then waits for SPAWN
messages (:mod:`neurocourse.grading.protocol`) on a Unix socket. It never imports the science
package, and never reads a notebook or a case input: each child receives its notebook and its
calls over its own pipes after ``fork``.

For each sealed copy of the science that a batch uses, the zygote forks a *template*
(:func:`_fork_template`, on a TEMPLATE message): a process that imports that copy's science
modules (the ones the solution notebook imports, and those of the exercises' references: stubs in
that copy) and the third-party modules the solution imports (e.g. scikit-learn), then forks the
children of that copy, so that no child pays for those imports (10-60 ms of CPU per notebook run).
The zygote itself stays lean, because fork and exit cost grow with the parent's memory: a trivial
child of a process with numpy and scipy (62 MB) costs 7.6 ms of CPU, with matplotlib and
scikit-learn too (129 MB) 12.2 ms. A template is a zygote in every other respect: it never holds a
notebook, a case input or a hidden test, never runs student code, and refuses to fork for another
sealed copy. Every child is still a fresh process; nothing flows back from a child to its template
(no shared writable mappings: checked on the preloaded modules).

A child (:func:`_spawn`):

1. starts its own session, keeps only its two pipes, points stdin/stdout/stderr at ``/dev/null``;
2. enters the sandbox (:mod:`neurocourse.grading.isolation`): new namespaces, then a second fork
   whose process is pid 1 of the new PID namespace; that process locks itself down (private
   ``/proc``, unprivileged uid, rlimits, allow-listed environment, Landlock) before reading the
   notebook. The intermediate process only waits and exits with the same status. A root grader's
   zygote saves that second fork of a large process: it forks the child straight into a fresh PID
   namespace (``unshare(CLONE_NEWPID)`` before the fork, ``setns`` back to its own right after it,
   or it exits), and the child, pid 1 from birth, makes the other namespaces itself;
3. imports ``neurocourse.<module>`` from the sealed copy of the science for its exercises
   (:mod:`neurocourse.grading.seal`), executes the notebook's code cells, reports READY;
4. answers each CALLS message with the outcomes of calling the student's functions.

Comparison with reference answers never happens here: the grader judges the returned values in its
own process. Timeouts are enforced by the grader, which kills the child's PID namespace.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import socket
import sys
from typing import Any

MAX_ERROR_CHARS = 1000
#: What the zygote imports before it forks anything (numpy, scipy and the grader's runtime modules).
ZYGOTE_IMPORTS = (
    "numpy",
    "scipy",
    "scipy.special",
    "scipy.linalg",
    "scipy.signal",
    "scipy.stats",
    "scipy.optimize",
    "scipy.integrate",
    "scipy.interpolate",
    "scipy.sparse",
    "scipy.spatial",
    "neurocourse",
    "neurocourse.grading",
    "neurocourse.grading.protocol",
    "neurocourse.grading.spec",
    "neurocourse.grading.notebook",
    "neurocourse.grading.serialize",
    "neurocourse.grading.selfcheck",
    "neurocourse.grading.isolation",
)
_CMD_FD, _RESULT_FD, _PID_FD = 3, 4, 5


# ---------------------------------------------------------------------------------------------
# The zygote


def _zygote_main(sock_fd: int, preload: tuple[str, ...] = ()) -> None:
    import warnings

    warnings.simplefilter("ignore")  # stderr is /dev/null anyway; keep imports quiet
    for name in (*ZYGOTE_IMPORTS, *(m for m in preload if not m.startswith("neurocourse"))):
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module only costs speed
            pass
    import gc

    gc.collect()
    gc.freeze()  # children do not copy the preloaded objects' pages just to scan them
    from neurocourse.grading import isolation

    own_ns = isolation.own_pid_namespace()  # root: one fork per child (see _spawn)
    isolation.tune_malloc()  # inherited by templates and children
    _serve(socket.socket(fileno=sock_fd), own_ns)
    os._exit(0)  # the grader closed the socket: no interpreter teardown of a large process


def _serve(sock: socket.socket, own_ns: int | None, package_path: str | None = None) -> None:
    """Answer PING, SPAWN and TEMPLATE commands on ``sock`` until the grader closes it.

    A template (``package_path`` set) forks children for that sealed copy only: it refuses a SPAWN
    for any other, so that a child never runs with science modules of another exercise's copy.
    """
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
                op = command.get("op")
                if op == "spawn":
                    cmd_fd, result_fd = fds.pop(0), fds.pop(0)
                    if package_path is not None and command["config"].get("package_path") != package_path:
                        os.close(cmd_fd)
                        os.close(result_fd)
                        _send(sock, {"refused": "this template serves another sealed copy"})
                        continue
                    pid, init = _spawn(command["config"], cmd_fd, result_fd, sock, (wake_r, wake_w), own_ns)
                    os.close(cmd_fd)
                    os.close(result_fd)
                    _send(sock, {"pid": pid, "init": init})
                elif op == "template":
                    template_fd = fds.pop(0)
                    pid = _fork_template(command, template_fd, sock, [wake_r, wake_w, *fds], own_ns)
                    os.close(template_fd)
                    _send(sock, {"template": pid})
                elif op == "ping":
                    _send(sock, {"pong": True})
        _reap(sock)


def _fork_template(command: dict, template_fd: int, parent: socket.socket, close: list[int], own_ns: int | None) -> int:
    """Fork a *template*: a copy of this zygote that imports the science modules of one sealed copy
    (``command["package_path"]``, ``command["modules"]``) and then serves SPAWNs for that copy on
    its own socket (``template_fd``), so that its children do not import them again.

    A template never receives a notebook, a case input or a hidden test, and never runs student
    code: like the zygote, it only forks. It stays in the zygote's process group (the grader's
    ``killpg`` of the zygote ends it), and the zygote reaps it.
    """
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        signal.set_wakeup_fd(-1)
        parent.close()
        for fd in close:
            os.close(fd)
        import gc

        import neurocourse

        package_path = str(command["package_path"])
        neurocourse.__path__[:] = [package_path]  # the sealed copy, as in the children
        for name in command.get("modules") or ():
            if isinstance(name, str) and name:
                try:
                    importlib.import_module(name)
                except Exception:  # the child imports it itself (and reports what fails)
                    pass
        gc.collect()
        gc.freeze()
        sock = socket.socket(fileno=template_fd)
        _send(sock, {"ready": os.getpid()})
        _serve(sock, own_ns, package_path)
    except BaseException:
        code = 70
    os._exit(code)


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


def _restore_or_die(own_ns: int) -> None:
    from neurocourse.grading import isolation

    try:
        isolation.restore_pid_namespace(own_ns)
    except OSError:  # a later child would share a student's PID namespace: never fork again
        os._exit(75)


def _spawn(
    config: dict,
    cmd_fd: int,
    result_fd: int,
    sock: socket.socket,
    wake: tuple[int, int],
    own_ns: int | None = None,
) -> tuple[int, int]:
    """Fork one child. As root (``own_ns``), the child is born as pid 1 of its own PID namespace (one
    fork); otherwise it makes the namespaces itself and forks once more (:func:`_enter_child`)."""
    from neurocourse.grading import isolation

    pid_r, pid_w = os.pipe()
    direct = False
    if own_ns is not None and config.get("sandbox", True):
        try:
            direct = isolation.pid_namespace_for_next_child(own_ns)
        except OSError:
            os._exit(75)  # not in the state a zygote must be in: the grader starts a new one
    try:
        pid = os.fork()
    except BaseException:
        if direct:
            _restore_or_die(own_ns)
        raise
    if pid == 0:  # the child: never returns
        code = 70
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sock.close()
            os.close(pid_r)
            for fd in (*wake, *((own_ns,) if own_ns is not None else ())):
                os.close(fd)
            _enter_child(config, cmd_fd, result_fd, pid_w, direct)
        except BaseException:
            pass
        os._exit(code)
    if direct:
        _restore_or_die(own_ns)
    os.close(pid_w)
    init = pid
    if not direct:  # the intermediate process reports its child, pid 1 of the new namespace
        ready, _, _ = select.select([pid_r], [], [], 30.0)
        if ready:
            try:
                init = int(os.read(pid_r, 32).decode() or pid)
            except (OSError, ValueError):
                init = pid
    os.close(pid_r)
    return pid, init


def _enter_child(config: dict, cmd_fd: int, result_fd: int, pid_w: int, direct: bool = False) -> None:
    """In the forked child: own session, three pipes on fixed descriptors, then the sandbox.

    ``direct``: this process already is pid 1 of a fresh PID namespace (a root grader's zygote made
    it so); it makes the other namespaces and locks itself down without a second fork.
    """
    import fcntl

    os.setsid()
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in (cmd_fd, result_fd, pid_w)]
    for fd, target in zip(high, (_CMD_FD, _RESULT_FD, _PID_FD)):
        os.dup2(fd, target)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(_PID_FD + 1, 65536)
    if not config.get("sandbox", True):
        os.write(_PID_FD, str(os.getpid()).encode())
        os.close(_PID_FD)
        from neurocourse.grading import isolation

        isolation.apply_limits_only(config)
        os._exit(_child_main(config))
    from neurocourse.grading import isolation

    if direct:
        os.close(_PID_FD)
        try:
            isolation.unshare_namespaces(pid=False)
            isolation.lock_down(config)
        except OSError as exc:
            _fail(exc)
        os._exit(_child_main(config))
    try:
        isolation.unshare_namespaces()
    except OSError as exc:
        _fail(exc)
    init = os.fork()
    if init == 0:  # pid 1 of the new PID namespace
        os.close(_PID_FD)
        try:
            isolation.lock_down(config)
        except OSError as exc:
            _fail(exc)
        os._exit(_child_main(config))
    os.write(_PID_FD, str(init).encode())
    for fd in (_PID_FD, _CMD_FD, _RESULT_FD):
        os.close(fd)
    _, status = os.waitpid(init, 0)
    if os.WIFSIGNALED(status):  # die the same way, so the grader can say what happened
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _fail(exc: BaseException) -> None:
    from neurocourse.grading.protocol import SANDBOX_FAILED

    try:
        _write(_RESULT_FD, {"type": SANDBOX_FAILED, "reason": str(exc)[:MAX_ERROR_CHARS]})
    finally:
        os._exit(71)


# ---------------------------------------------------------------------------------------------
# The child: one submission notebook


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


def _read(fd: int, reader) -> dict | None:
    while True:
        msg = reader.next_message()
        if msg is not None:
            return msg
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None
        reader.feed(chunk)


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


def _child_main(config: dict) -> int:
    import neurocourse
    from neurocourse.grading import protocol
    from neurocourse.grading.notebook import exec_sources
    from neurocourse.grading.serialize import MAX_MESSAGE_BYTES, FrameReader, from_json
    from neurocourse.grading.spec import Case, Outcome, call_safely

    neurocourse.__path__[:] = [config["package_path"]]  # the science comes from the sealed copy
    sys.argv = ["notebook.ipynb"]
    sys.path[:] = [p for p in sys.path if p not in ("", ".")]
    reader = FrameReader(max_bytes=MAX_MESSAGE_BYTES)
    first = _read(_CMD_FD, reader)
    if not first or first.get("type") != protocol.NOTEBOOK:
        return 72
    cells = first.get("cells")
    if not isinstance(cells, list) or not all(type(c) is str for c in cells):
        return 72
    del first
    ns: dict[str, Any] = {"__name__": "__notebook__"}
    stopped = None
    cell_errors: list = []
    try:
        _, errors = exec_sources(cells, ns)
        cell_errors = [[e.cell, e.error[:MAX_ERROR_CHARS]] for e in errors]
    except BaseException as exc:  # SystemExit, KeyboardInterrupt: the remaining cells did not run
        stopped = _error_text(exc)
    _write(_RESULT_FD, {"type": protocol.READY, "cell_errors": cell_errors, "stopped": stopped})
    while True:
        msg = _read(_CMD_FD, reader)
        if not msg or msg.get("type") != protocol.CALLS:
            return 0
        outcomes = []
        for call in msg["calls"]:
            fn = ns.get(call["function"])
            case = Case(call["function"], args=tuple(from_json(call["args"])), kwargs=from_json(call["kwargs"]))
            try:
                outcome = call_safely(fn if callable(fn) else None, case)
            except BaseException as exc:  # SystemExit, KeyboardInterrupt raised by the student's function
                outcome = Outcome("error", error=_error_text(exc))
            outcomes.append(_encode_outcome(outcome))
        _write(_RESULT_FD, {"type": protocol.OUTCOMES, "phase": msg.get("phase"), "outcomes": outcomes})


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="neurocourse grading worker (started by the grader)")
    parser.add_argument("--zygote", type=int, required=True, help="socket file descriptor")
    parser.add_argument("--preload", default="", help="comma-separated third-party modules to import once")
    args = parser.parse_args(argv)
    _zygote_main(args.zygote, tuple(m for m in args.preload.split(",") if m))
    return 0


if __name__ == "__main__":
    sys.exit(main())
