"""Process management for grading: one zygote per batch, one sandboxed child per notebook run.

A :class:`Sandbox` owns a zygote (:mod:`neurocourse.grading.worker`) started with ``python -I -S -B``,
an allow-listed environment and no path into the course repository, and the zygote's templates (one
per sealed copy, with that copy's science modules imported; children are forked from them).
:meth:`Sandbox.run` asks it for a child, sends the child the notebook over a pipe, then the calls of
each exercise, public ones first and hidden ones last (:mod:`neurocourse.grading.protocol`), reads
the framed results with a bounded buffer, enforces a wall-clock deadline per step, and kills the child's PID namespace
(``SIGKILL`` to its pid 1, which no code can ignore) after a timeout and always at the end. A child
that times out or dies costs only the step it was working on: a fresh child re-runs the notebook and
continues with the next step.

The sandbox itself (namespaces, Landlock, uid switch, rlimits) is entered by the child
(:mod:`neurocourse.grading.isolation`). :meth:`Sandbox.start` proves that it can be entered on this
system by running an empty notebook; when it cannot, it raises :class:`GraderError` unless the
sandbox was explicitly turned off (``isolate=False``, ``neurocourse grade --no-sandbox``).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neurocourse.grading import protocol
from neurocourse.grading.serialize import FrameReader, frame, from_json, to_json
from neurocourse.grading.spec import Outcome

_SIGNAL_WORDS = {
    signal.SIGSEGV: "a segmentation fault (SIGSEGV): the code accessed invalid memory, e.g. through ctypes",
    signal.SIGBUS: "a bus error (SIGBUS)",
    signal.SIGABRT: "an abort (SIGABRT), e.g. a failed assertion in compiled code",
    signal.SIGFPE: "a floating-point exception (SIGFPE)",
    signal.SIGILL: "an illegal instruction (SIGILL)",
    signal.SIGXCPU: "running out of CPU time (SIGXCPU)",
    signal.SIGXFSZ: "writing a file larger than allowed (SIGXFSZ)",
    signal.SIGKILL: "being killed (SIGKILL), e.g. by the system when memory ran out",
}
#: The uid a child runs as when the grader is root (``nobody``); a batch gives each job slot its own
#: uid from SANDBOX_UID_BASE on, so that one slot's fork bomb (RLIMIT_NPROC counts per uid) cannot
#: starve another's. These uids must not belong to anyone on the grading machine.
SANDBOX_UID = 65534
SANDBOX_UID_BASE = 61000


class GraderError(RuntimeError):
    """The grader itself cannot run (as opposed to a submission failing)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of a worker child.

    Parameters
    ----------
    timeout : float
        Wall-clock seconds allowed for running the notebook's cells, and again for each exercise's
        public calls and for its hidden calls.
    memory_mb : float
        Address space the submission may add on top of the worker's baseline (MB, 1e6 bytes).
    fsize_mb : float
        Largest file the submission may write (MB).
    nproc : int
        Processes and threads the submission may run at once (per sandbox).
    """

    timeout: float = 30.0
    memory_mb: float = 1024.0
    fsize_mb: float = 64.0
    nproc: int = 64

    def __post_init__(self):
        if not self.timeout > 0:
            raise ValueError(f"timeout must be > 0 s, got {self.timeout}")
        if not self.memory_mb >= 16:
            raise ValueError(f"memory_mb must be >= 16 MB, got {self.memory_mb}")
        if not self.fsize_mb >= 0:
            raise ValueError(f"fsize_mb must be >= 0 MB, got {self.fsize_mb}")
        if not self.nproc >= 4:
            raise ValueError(f"nproc must be >= 4, got {self.nproc}")


@dataclass(frozen=True)
class ExercisePlan:
    """What to call for one exercise: ``calls`` (public) and ``hidden``, each (function, args, kwargs)."""

    exercise_id: str
    calls: tuple[tuple[str, tuple, dict], ...]
    hidden: tuple[tuple[str, tuple, dict], ...] = ()

    def framed(self, phase: str) -> bytes:
        """The framed CALLS message of ``phase`` ("public" or "hidden"), encoded once per plan (a
        batch shares one plan per exercise among all students)."""
        cache = self.__dict__.setdefault("_framed", {})  # frozen: the cache lives beside the fields
        if phase not in cache:
            calls = self.calls if phase == "public" else self.hidden
            cache[phase] = frame(
                protocol.calls_message(
                    phase,
                    [{"function": f, "args": to_json(tuple(a)), "kwargs": to_json(dict(kw))} for f, a, kw in calls],
                )
            )
        return cache[phase]


@dataclass
class ExerciseRun:
    """What came back for one exercise: one Outcome per public call, then per hidden call."""

    outcomes: list[Outcome]
    problem: str = ""  # the public calls did not complete (timeout or crash), in words
    hidden_problem: str = ""  # the hidden calls did not complete (no detail: see protocol)


@dataclass
class NotebookRun:
    """The whole run of one notebook (or of one group of its exercises)."""

    exercises: list[ExerciseRun]
    cell_errors: list[tuple[int, str]] = field(default_factory=list)
    stopped: str | None = None
    notebook_problem: str = ""  # the notebook's cells could not be run at all (timeout, crash)


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it ended unexpectedly"
    if code < 0:
        sig = -code
        words = _SIGNAL_WORDS.get(sig)
        if words is None:
            try:
                words = f"signal {signal.Signals(sig).name}"
            except ValueError:
                words = f"signal {sig}"
        return f"it was stopped by {words}"
    return f"it exited with status {code} (os._exit or a similar call)"


def python_paths() -> list[str]:
    """The ``sys.path`` entries of the Python installation (stdlib, site-packages), nothing else."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    out = []
    for p in sys.path:
        if not p or not os.path.exists(p):
            continue
        real = os.path.realpath(p)
        if any(real == r or real.startswith(r + os.sep) for r in roots) and p not in out:
            out.append(p)
    return out


def _python_readable() -> list[str]:
    out = []
    for p in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))):
        for q in (p, os.path.realpath(p)):
            if q not in out:
                out.append(q)
    return out


def remove_tree(path: str | Path) -> None:
    """Delete a scratch folder whatever a student left in it (modes 000, FIFOs, symlinks)."""

    def retry(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            if os.path.isdir(p) and not os.path.islink(p):
                os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=retry)


@dataclass
class _Link:
    """The grader's end of a zygote's (or a template's) socket, and what it has said so far."""

    sock: socket.socket | None
    pid: int
    buf: bytes = b""
    exits: dict[int, int] = field(default_factory=dict)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class Sandbox:
    """A zygote process plus the logic to run one notebook in fresh, sandboxed children.

    Parameters
    ----------
    runtime : str or Path
        Folder holding the copy of the grader's runtime modules
        (:func:`neurocourse.grading.seal.write_runtime_copy`).
    isolate : bool
        Enter the sandbox in every child (default). False only for ``--no-sandbox``.
    scratch : str, optional
        Folder for the children's working folders (default: a fresh temporary folder).
    visible_workdir : str, optional
        An empty folder at a fixed path: a sandboxed child sees its working folder there.
    preload : tuple of str
        Third-party modules the zygote imports once (never the course package).
    uid : int
        The unprivileged uid its children drop to when the grader is root (default of :meth:`run`).

    Use as a context manager, or call :meth:`close`. Thread-safe: the job threads of a batch share
    one zygote and its templates (each talk to them is serialised; a child's own pipes are not),
    and each passes its own ``uid`` to :meth:`run`.
    """

    def __init__(
        self,
        runtime: str | Path,
        *,
        isolate: bool = True,
        scratch: str | None = None,
        visible_workdir: str | None = None,
        preload: tuple[str, ...] = (),
        uid: int = SANDBOX_UID,
    ):
        self.runtime = str(runtime)
        self.uid = int(uid)
        self.preload = tuple(preload)
        self.visible_workdir = visible_workdir
        self.isolate = bool(isolate)
        self._own_scratch = scratch is None
        self.scratch = tempfile.mkdtemp(prefix="neurocourse-grade-") if scratch is None else str(scratch)
        os.chmod(self.scratch, 0o711)  # a child's uid may traverse it, never list it
        self._proc: subprocess.Popen | None = None
        self._main: _Link | None = None
        #: per sealed copy (package path): a template forked from the zygote with its modules loaded
        self._templates: dict[str, _Link] = {}
        self._dropped: list[int] = []  # templates given up on: waited for (or killed) at close
        self._pending: list[tuple[_Link, int]] = []
        self._root = os.geteuid() == 0
        self._lock = threading.RLock()  # guards the zygote, its templates and their sockets

    # -- zygote life cycle -------------------------------------------------------------------

    def _env(self, home: str) -> dict[str, str]:
        from neurocourse.grading.isolation import ENV_ALLOWED

        return {**ENV_ALLOWED, "HOME": home, "TMPDIR": home, "MPLCONFIGDIR": home}

    def start(self) -> None:
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self._close_zygote()
        if not sys.platform.startswith("linux") and self.isolate:
            raise GraderError(
                f"no sandbox is available on {sys.platform}: grading untrusted notebooks needs Linux "
                "(user/mount/PID/network namespaces and Landlock); use --no-sandbox only for trusted work"
            )
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        home = tempfile.mkdtemp(prefix="zygote-", dir=self.scratch)
        paths = [self.runtime, *python_paths()]
        boot = (
            f"import sys; sys.path[:] = {paths!r}; "
            "from neurocourse.grading.worker import main; sys.exit(main(sys.argv[1:]))"
        )
        cmd = [sys.executable, "-I", "-S", "-B", "-c", boot, "--zygote", str(child.fileno())]
        if self.preload:
            cmd += ["--preload", ",".join(self.preload)]
        try:
            self._proc = subprocess.Popen(
                cmd,
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=home,
                env=self._env(home),
                start_new_session=True,
            )
        except OSError as exc:
            raise GraderError(f"cannot start the grading worker ({exc})") from exc
        finally:
            child.close()
        self._main = _Link(parent, self._proc.pid)
        reply = self._command(self._main, {"op": protocol.PING}, (), wait_for="pong", timeout=120.0)
        if reply is None:
            self._close_zygote()
            raise GraderError("the grading worker did not start")
        if self.isolate:
            self._probe()

    @property
    def zygote_pid(self) -> int | None:
        """The zygote's process id while it runs (for accounting, e.g. ``benchmarks/bench_grade.py``)."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def template_pids(self) -> list[int]:
        """The process ids of the zygote's templates (one per sealed copy used so far)."""
        return [link.pid for link in self._templates.values()]

    def _probe(self) -> None:
        """Run an empty notebook once: proves the sandbox can be entered here, or says why not."""
        run = self.run([], "probe.ipynb", os.path.join(self.runtime, "neurocourse"), [], Limits(timeout=60.0))
        if run.notebook_problem:
            self._close_zygote()
            raise GraderError(
                f"the grading sandbox cannot be entered on this system ({run.notebook_problem}); "
                "use --no-sandbox only for trusted work (see the README)"
            )

    def _retire_templates(self, wait: float = 5.0) -> None:
        """Let the templates and then the zygote exit on their own (each sees its socket close and
        ends), so that each is reaped by its parent and its CPU time, and its children's, reaches
        this process's ``RUSAGE_CHILDREN``. :meth:`_close_zygote` then kills whatever is left."""
        if self._main is None or self._proc is None:
            return
        deadline = time.monotonic() + wait
        pids = [link.pid for link in self._templates.values()] + self._dropped
        for link in self._templates.values():
            link.close()
        self._templates.clear()
        ended = [self._exit_code(self._main, pid, max(0.0, deadline - time.monotonic())) for pid in pids]
        self._main.close()
        try:
            self._proc.wait(max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return
        if all(code is not None for code in ended):  # nothing is left in the zygote's process group
            self._proc = None

    def _close_zygote(self) -> None:
        for _link, pid in self._pending:  # their zygote is going: end them now (their pid 1 is already dead)
            self._kill(pid, pid)
        self._pending.clear()
        for link in [*self._templates.values(), *([self._main] if self._main is not None else [])]:
            link.close()
        self._templates.clear()
        self._dropped.clear()
        self._main = None
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._proc.wait()
            self._proc = None

    def close(self) -> None:
        with self._lock:
            self._drain(60.0)  # every child's PID namespace is empty before the grader goes on
            self._retire_templates()
            self._close_zygote()
        if self._own_scratch:
            remove_tree(self.scratch)

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _command(self, link: _Link, message: dict, fds: tuple[int, ...], wait_for: str, timeout: float) -> dict | None:
        if link.sock is None:
            return None
        data = json.dumps(message).encode() + b"\n"
        try:
            if fds:
                socket.send_fds(link.sock, [data], list(fds))
            else:
                link.sock.sendall(data)
        except OSError:
            return None
        return self._read_zygote(link, lambda m: wait_for in m or "refused" in m, time.monotonic() + timeout)

    @staticmethod
    def _read_zygote(link: _Link, want, deadline: float) -> dict | None:
        """Read a zygote's (or template's) messages until one satisfies ``want`` (recording exits)
        or the deadline."""
        while True:
            while b"\n" in link.buf:
                line, link.buf = link.buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if "exited" in msg:
                    link.exits[int(msg["exited"])] = int(msg["code"])
                if want(msg):
                    return msg
            remaining = deadline - time.monotonic()
            if remaining <= 0 or link.sock is None:
                return None
            ready, _, _ = select.select([link.sock], [], [], remaining)
            if not ready:
                return None
            try:
                chunk = link.sock.recv(65536)
            except OSError:
                return None
            if not chunk:
                return None
            link.buf += chunk

    def _exit_code(self, link: _Link, pid: int, wait: float) -> int | None:
        if pid in link.exits:
            return link.exits[pid]
        if link.sock is None:
            return None
        msg = self._read_zygote(link, lambda m: m.get("exited") == pid, time.monotonic() + wait)
        return link.exits.get(pid) if msg is not None else None

    def _end(self, link: _Link, pid: int, init: int) -> None:
        """Kill pid 1 of the child's PID namespace: the kernel then kills every process in it. The
        child's intermediate process exits once the namespace is empty; :meth:`close` waits for
        that, so a batch never ends with a student's process alive, and no run waits for it."""
        if not self.isolate:  # --no-sandbox: the child's own session
            self._kill(pid, init)
            with self._lock:
                link.exits.pop(pid, None)
            return
        try:
            os.kill(init, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        with self._lock:
            self._pending.append((link, pid))
            self._drain(0.0)

    def _drain(self, wait: float) -> None:
        """Forget the ended children whose namespaces are gone (waiting up to ``wait`` s for them)."""
        deadline = time.monotonic() + wait
        while self._pending:
            link, pid = self._pending[0]
            if pid not in link.exits and link.sock is None:
                # its template or zygote was replaced meanwhile, so no exit notice can come; its
                # PID namespace's init was killed already (which ends every process in it), and
                # the pid, reaped by someone else, may be reused: forget it, never signal it
                self._pending.pop(0)
                continue
            if pid not in link.exits:
                if deadline <= time.monotonic():
                    return
                self._read_zygote(link, lambda m, pid=pid: m.get("exited") == pid, deadline)
                if pid not in link.exits:
                    return
            self._pending.pop(0)
            link.exits.pop(pid, None)

    # -- one child ---------------------------------------------------------------------------

    def _workdir(self, uid: int) -> str:
        workdir = tempfile.mkdtemp(prefix="job-", dir=self.scratch)
        if self._root and self.isolate:
            os.chown(workdir, uid, uid)
        return workdir

    def _template(self, package_path: str, modules: tuple[str, ...]) -> _Link | None:
        """The template for ``package_path`` (forked from the zygote on first use, with ``modules``
        imported from that sealed copy), or None if it cannot be had: then the zygote forks."""
        link = self._templates.get(package_path)
        if link is not None or not modules or self._main is None:
            return link
        self._fork_templates({package_path: modules})
        return self._templates.get(package_path)

    def prepare(self, templates: dict[str, tuple[str, ...]]) -> None:
        """Start the zygote and the templates of these sealed copies (package path -> modules) now,
        all at once, so that their imports run side by side rather than one by one on first use."""
        with self._lock:
            self._start()
            self._fork_templates({p: m for p, m in templates.items() if m and p not in self._templates})

    def _fork_templates(self, wanted: dict[str, tuple[str, ...]]) -> None:
        """Ask the zygote for one template per sealed copy, then wait until each has its modules."""
        forked: dict[str, _Link] = {}
        for package_path, modules in wanted.items():
            if self._main is None:
                break
            parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                reply = self._command(
                    self._main,
                    {"op": protocol.TEMPLATE, "package_path": package_path, "modules": list(modules)},
                    (child.fileno(),),
                    wait_for="template",
                    timeout=60.0,
                )
            finally:
                child.close()
            forked[package_path] = _Link(parent, int(reply["template"]) if reply and "template" in reply else 0)
        deadline = time.monotonic() + 120.0
        for package_path, link in forked.items():
            if not link.pid or self._read_zygote(link, lambda m: "ready" in m, deadline) is None:
                # never signalled by pid (the zygote may have reaped it and the pid be reused): a
                # live template ends when its socket closes, and killpg of the zygote's group
                # ends a stuck one with the batch
                link.close()
                if link.pid:
                    self._dropped.append(link.pid)
                continue
            self._templates[package_path] = link

    def _spawn(self, config: dict, modules: tuple[str, ...] = ()) -> tuple[_Link, int, int, int, int]:
        """Fork a child, from the template of its sealed copy if there is one, else from the
        zygote: returns (the link it came from, pid, init pid, command pipe write end, result pipe
        read end)."""
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        try:
            with self._lock:
                link, pid, init = self._spawn_locked(config, modules, (cmd_r, res_w))
            return link, pid, init, cmd_w, res_r
        except BaseException:
            os.close(cmd_w)
            os.close(res_r)
            raise
        finally:
            os.close(cmd_r)
            os.close(res_w)

    def _spawn_locked(self, config: dict, modules: tuple[str, ...], fds: tuple[int, int]) -> tuple[_Link, int, int]:
        """:meth:`_spawn`'s talk to the zygote (under the lock): (link, pid, init pid)."""
        for _attempt in range(2):
            self._start()
            link = self._template(config["package_path"], modules)
            if link is not None:
                reply = self._command(link, {"op": protocol.SPAWN, "config": config}, fds, wait_for="pid", timeout=60.0)
                if reply is not None and "pid" in reply:
                    return link, int(reply["pid"]), int(reply.get("init") or reply["pid"])
                self._templates.pop(config["package_path"], None)  # it died: the zygote forks
                link.close()  # (see _fork_templates: never signalled by pid)
                self._dropped.append(link.pid)
            assert self._main is not None
            reply = self._command(
                self._main, {"op": protocol.SPAWN, "config": config}, fds, wait_for="pid", timeout=60.0
            )
            if reply is not None and "pid" in reply:
                return self._main, int(reply["pid"]), int(reply.get("init") or reply["pid"])
            self._close_zygote()  # the zygote died: restart once
        raise GraderError("the grading worker stopped responding")

    @staticmethod
    def _kill(pid: int, init: int) -> None:
        for target, group in ((init, False), (pid, True)):
            try:
                (os.killpg if group else os.kill)(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _config(self, workdir: str, package_path: str, limits: Limits, n_steps: int, uid: int | None = None) -> dict:
        readable = [*_python_readable(), self.runtime, str(Path(package_path).parent)]
        return protocol.spawn_config(
            workdir=workdir,
            visible_workdir=self.visible_workdir or workdir,
            package_path=package_path,
            readable=readable,
            limits={
                "memory_bytes": int(limits.memory_mb * 1e6),
                "cpu_seconds": int(limits.timeout * (n_steps + 1) + 10),
                "fsize_bytes": int(limits.fsize_mb * 1e6),
                "nproc": int(limits.nproc),
            },
            sandbox=self.isolate,
            uid=self.uid if uid is None else int(uid),
        )

    def run(
        self,
        cells: list[str],
        filename: str,
        package_path: str | Path,
        plans: list[ExercisePlan],
        limits: Limits,
        preload: tuple[str, ...] = (),
        uid: int | None = None,
    ) -> NotebookRun:
        """Run one notebook in fresh children and return what its functions produced.

        Parameters
        ----------
        cells : list of str
            The sources of the notebook's code cells, in order (already read and validated by the
            caller: the child never parses a notebook).
        filename : str
            Its file name, for messages (never a path: the child sees neither).
        package_path : str or Path
            The sealed copy of the science the children import (``.../neurocourse``).
        plans : list of ExercisePlan
            The exercises and their calls, in order.
        limits : Limits
            Deadlines and resource limits.
        preload : tuple of str
            Science modules (``neurocourse.meg``) that the children of this sealed copy will import:
            a template forked from the zygote imports them once from ``package_path``, and forks
            the children (see :mod:`neurocourse.grading.worker`). Only speed depends on it.
        uid : int, optional
            The uid the children drop to when the grader is root (default: the Sandbox's): a batch
            gives each job slot its own, so that one slot's fork bomb cannot starve another's.
        """
        uid = self.uid if uid is None else int(uid)
        run = NotebookRun(exercises=[ExerciseRun([]) for _ in plans])
        public: list[list[Outcome] | None] = [None] * len(plans)
        hidden: list[list[Outcome] | None] = [None if p.hidden else [] for p in plans]
        steps = [(i, "public") for i in range(len(plans))]
        steps += [(i, "hidden") for i, p in enumerate(plans) if p.hidden]
        k = 0
        first = True
        while True:
            workdir = self._workdir(uid)
            link, pid, init, cmd_w, res_r = self._spawn(
                self._config(workdir, str(package_path), limits, len(steps), uid), tuple(preload)
            )
            reader = FrameReader()
            try:
                deadline = time.monotonic() + limits.timeout
                sent = self._send(
                    cmd_w, {"type": protocol.NOTEBOOK, "cells": list(cells), "filename": filename}, deadline
                )
                status, msg = self._next(res_r, reader, deadline)
                if status == "ok" and msg.get("type") == protocol.SANDBOX_FAILED:
                    run.notebook_problem = f"the sandbox could not be entered: {str(msg.get('reason'))[:300]}"
                    if self.isolate and not plans:
                        break
                    raise GraderError(run.notebook_problem)
                if status != "ok" or msg.get("type") != protocol.READY:
                    if status == "ok" or (status == "timeout" and not sent):
                        status = "malformed" if status == "ok" else status
                    problem, detail = self._problem(status, link, pid, init, limits, "running the notebook's cells")
                    run.notebook_problem = problem
                    kind = "timeout" if status == "timeout" else "crash"
                    for i, phase in steps[k:]:
                        n = len(plans[i].calls if phase == "public" else plans[i].hidden)
                        (public if phase == "public" else hidden)[i] = [Outcome(kind, error=detail)] * n
                    break
                if first:
                    run.cell_errors = _cell_errors(msg.get("cell_errors"))
                    stopped = msg.get("stopped")
                    run.stopped = str(stopped)[:1000] if stopped else None
                    first = False
                while k < len(steps):
                    i, phase = steps[k]
                    calls = plans[i].calls if phase == "public" else plans[i].hidden
                    deadline = time.monotonic() + limits.timeout
                    sent = self._send(cmd_w, plans[i].framed(phase), deadline)
                    status, msg = self._next(res_r, reader, deadline) if sent else ("eof", None)
                    outcomes = _parse_outcomes(msg, len(calls), phase) if status == "ok" else None
                    if outcomes is not None:
                        (public if phase == "public" else hidden)[i] = outcomes
                        k += 1
                        continue
                    if status == "ok":
                        status = "malformed"
                    kind = "timeout" if status == "timeout" else "crash"
                    what = f"exercise {plans[i].exercise_id}"
                    problem, detail = self._problem(status, link, pid, init, limits, what)
                    if phase == "public":
                        public[i] = [Outcome(kind, error=detail)] * len(calls)  # type: ignore[arg-type]
                        run.exercises[i].problem = problem
                    else:  # nothing about a hidden run reaches feedback but "did not complete"
                        hidden[i] = [Outcome(kind)] * len(calls)  # type: ignore[arg-type]
                        run.exercises[
                            i
                        ].hidden_problem = f"the hidden tests of exercise {plans[i].exercise_id} did not complete"
                    k += 1
                    break
                else:
                    self._send(cmd_w, {"type": protocol.END}, time.monotonic() + 1.0)
            finally:
                os.close(cmd_w)
                os.close(res_r)
                self._end(link, pid, init)
                remove_tree(workdir)
            if k >= len(steps):
                break
        for i, ex in enumerate(run.exercises):
            ex.outcomes = list(public[i] or []) + list(hidden[i] or [])
        return run

    def _problem(self, status: str, link: _Link, pid: int, init: int, limits: Limits, what: str) -> tuple[str, str]:
        """(a sentence for the notes, the detail for each outcome) explaining why ``what`` failed."""
        if status == "timeout":
            return f"{what} did not finish within {limits.timeout:g} s, so it was stopped", ""
        if status == "malformed":
            return f"{what} sent results that could not be read", "its results could not be read"
        # the child's own exit status first (the intermediate re-raises pid 1's signal), then the kill
        with self._lock:
            code = self._exit_code(link, pid, wait=10.0)
        detail = _describe_exit(code)
        self._kill(pid, init)
        return f"{what} crashed the Python process: {detail}", detail

    @staticmethod
    def _send(fd: int, message: dict | bytes, deadline: float) -> bool:
        """Write one message (a dict, or bytes already framed) without ever blocking past
        ``deadline``; False if it failed."""
        data = memoryview(message if isinstance(message, bytes) else frame(message))
        os.set_blocking(fd, False)
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            _, ready, _ = select.select([], [fd], [], remaining)
            if not ready:
                return False
            try:
                n = os.write(fd, data)
            except BlockingIOError:
                continue
            except OSError:  # the child is gone
                return False
            data = data[n:]
        return True

    @staticmethod
    def _next(fd: int, reader: FrameReader, deadline: float) -> tuple[str, Any]:
        """Next message from the child: ("ok", msg), ("timeout", None), ("eof", None), ("malformed", None)."""
        while True:
            try:
                msg = reader.next_message()
            except ValueError:
                return "malformed", None
            if msg is not None:
                return "ok", msg
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout", None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return "timeout", None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return "eof", None
            try:
                reader.feed(chunk)
            except ValueError:
                return "malformed", None


def _cell_errors(raw: Any) -> list[tuple[int, str]]:
    out = []
    if isinstance(raw, list):
        for item in raw[:100]:
            if isinstance(item, list) and len(item) == 2 and type(item[0]) is int:
                out.append((item[0], str(item[1])[:1000]))
    return out


def _parse_outcomes(msg: dict, n: int, phase: str) -> list[Outcome] | None:
    raw = msg.get("outcomes")
    if msg.get("type") != protocol.OUTCOMES or msg.get("phase") != phase:
        return None
    if not isinstance(raw, list) or len(raw) != n:
        return None
    return [_parse_outcome(item) for item in raw]


def _parse_outcome(item: Any) -> Outcome:
    if not isinstance(item, dict) or item.get("kind") not in protocol.OUTCOME_KINDS:
        return Outcome("crash", error="the worker sent a result that could not be read")
    kind = item["kind"]
    if kind == "ok":
        try:
            return Outcome("ok", value=from_json(item.get("value")))
        except (ValueError, RecursionError, OverflowError):
            return Outcome("unsupported", error="a value that could not be read back")
    return Outcome(kind, error=str(item.get("error", ""))[:1000])


def is_regular_file(st: os.stat_result) -> bool:
    """True for a regular file's stat (not a FIFO, socket, device or folder)."""
    return stat.S_ISREG(st.st_mode)
