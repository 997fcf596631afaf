"""Process management for grading: one zygote per job slot, one child per submission notebook.

A :class:`Sandbox` owns a zygote (:mod:`neurocourse.grading.worker`) started with a clean
environment in its own session. :meth:`Sandbox.run` sends it one notebook and the calls to make,
reads the child's framed results from a pipe with a bounded buffer, enforces a wall-clock deadline
per exercise, and kills the child's whole process group (``SIGKILL``, which no code can ignore)
after a timeout and always at the end. A child that times out or dies costs only the exercise it
was working on: a fresh child re-runs the notebook and continues with the next exercise.

Isolation is best effort and needs no containers: the child runs as the same user as the grader
(see the README, "What isolation does and does not guarantee").
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from neurocourse.grading.serialize import FrameReader, from_json
from neurocourse.grading.spec import Outcome

_OUTCOME_KINDS = ("ok", "error", "missing", "unsupported")
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


class GraderError(RuntimeError):
    """The grader itself cannot run (as opposed to a submission failing)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of a worker child.

    Parameters
    ----------
    timeout : float
        Wall-clock seconds allowed for running the notebook's cells, and again for each exercise.
    memory_mb : float
        Address space the submission may add on top of the worker's baseline (MB, 1e6 bytes).
    fsize_mb : float
        Largest file the submission may write (MB).
    """

    timeout: float = 30.0
    memory_mb: float = 1024.0
    fsize_mb: float = 64.0

    def __post_init__(self):
        if not self.timeout > 0:
            raise ValueError(f"timeout must be > 0 s, got {self.timeout}")
        if not self.memory_mb >= 16:
            raise ValueError(f"memory_mb must be >= 16 MB, got {self.memory_mb}")
        if not self.fsize_mb >= 0:
            raise ValueError(f"fsize_mb must be >= 0 MB, got {self.fsize_mb}")


@dataclass(frozen=True)
class ExercisePlan:
    """What to call for one exercise: ``calls`` are (function, args, kwargs); ``tripwires`` are
    (module, attribute) of the reference callables to watch."""

    exercise_id: str
    calls: tuple[tuple[str, tuple, dict], ...]
    tripwires: tuple[tuple[str, str], ...] = ()


@dataclass
class ExerciseRun:
    """What came back for one exercise: one Outcome per call, and the reference callables tripped."""

    outcomes: list[Outcome]
    tripped: list[str] = field(default_factory=list)
    problem: str = ""  # "timeout" or "crash" in words, if the exercise did not complete


@dataclass
class NotebookRun:
    """The whole run of one notebook."""

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


class Sandbox:
    """A zygote process plus the logic to run one notebook in a fresh, limited child.

    Use as a context manager, or call :meth:`close`. Not thread-safe: one Sandbox per thread.
    """

    def __init__(self, preload: tuple[str, ...] = (), scratch: str | None = None):
        self._preload = tuple(preload)
        self._own_scratch = scratch is None
        self.scratch = tempfile.mkdtemp(prefix="neurocourse-grade-") if scratch is None else scratch
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._buf = b""
        self._exits: dict[int, int] = {}
        self._counter = 0

    # -- zygote life cycle -------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PWD", "OLDPWD")}
        env.update(
            NEUROCOURSE_GRADING_WORKER="1",
            MPLBACKEND="Agg",
            PYTHONHASHSEED="0",
            PYTHONDONTWRITEBYTECODE="1",
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            PYTHONWARNINGS="ignore",
        )
        return env

    def start(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self._close_zygote()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        home = tempfile.mkdtemp(prefix="zygote-", dir=self.scratch)
        cmd = [sys.executable, "-m", "neurocourse.grading.worker", "--zygote", str(child.fileno())]
        if self._preload:
            cmd += ["--preload", ",".join(self._preload)]
        try:
            self._proc = subprocess.Popen(
                cmd,
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=home,
                env=self._env(),
                start_new_session=True,
            )
        except OSError as exc:
            raise GraderError(f"cannot start the grading worker ({exc})") from exc
        finally:
            child.close()
        self._sock = parent
        self._buf = b""
        self._exits.clear()
        reply = self._command({"op": "ping"}, (), wait_for="pong", timeout=120.0)
        if reply is None:
            self._close_zygote()
            raise GraderError(
                "the grading worker did not start (try `python -m neurocourse.grading.worker --help`)"
            )

    def _close_zygote(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._proc.wait()
            self._proc = None

    def close(self) -> None:
        self._close_zygote()
        if self._own_scratch:
            import shutil

            shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _command(
        self, message: dict, fds: tuple[int, ...], wait_for: str, timeout: float
    ) -> dict | None:
        assert self._sock is not None
        data = json.dumps(message).encode() + b"\n"
        try:
            if fds:
                socket.send_fds(self._sock, [data], list(fds))
            else:
                self._sock.sendall(data)
        except OSError:
            return None
        return self._read_zygote(lambda m: wait_for in m, time.monotonic() + timeout)

    def _read_zygote(self, want, deadline: float) -> dict | None:
        """Read zygote messages until one satisfies ``want`` (recording exits) or the deadline."""
        assert self._sock is not None
        while True:
            while b"\n" in self._buf:
                line, self._buf = self._buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if "exited" in msg:
                    self._exits[int(msg["exited"])] = int(msg["code"])
                if want(msg):
                    return msg
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self._sock], [], [], remaining)
            if not ready:
                return None
            try:
                chunk = self._sock.recv(65536)
            except OSError:  # the zygote died (a submission may have killed it)
                return None
            if not chunk:
                return None
            self._buf += chunk

    def _exit_code(self, pid: int, wait: float) -> int | None:
        if pid in self._exits:
            return self._exits.pop(pid)
        msg = self._read_zygote(lambda m: m.get("exited") == pid, time.monotonic() + wait)
        return self._exits.pop(pid, None) if msg is not None else None

    # -- one child ---------------------------------------------------------------------------

    def _spawn(self, request: dict) -> tuple[int, int]:
        self._counter += 1
        req_path = os.path.join(self.scratch, f"request-{self._counter}.json")
        fd = os.open(req_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(request, f)
        r, w = os.pipe()
        try:
            for _attempt in range(2):
                self.start()
                reply = self._command(
                    {"op": "spawn", "request": req_path}, (w,), wait_for="pid", timeout=60.0
                )
                if reply is not None:
                    return int(reply["pid"]), r
                self._close_zygote()  # the zygote died (a student may have killed it): restart once
            raise GraderError("the grading worker stopped responding")
        except BaseException:
            os.close(r)
            raise
        finally:
            os.close(w)
            os.unlink(req_path)

    @staticmethod
    def _kill(pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def run(
        self,
        notebook_text: str,
        filename: str,
        workdir: str,
        plans: list[ExercisePlan],
        limits: Limits,
    ) -> NotebookRun:
        """Run one notebook in fresh children and return what its functions produced.

        Parameters
        ----------
        notebook_text : str
            The notebook's JSON (already validated by the caller).
        filename : str
            Its file name, for messages.
        workdir : str
            An empty directory holding only a copy of the notebook; the child's working directory.
        plans : list of ExercisePlan
            The exercises of this notebook and the calls to make, in order.
        limits : Limits
            Deadlines and resource limits.
        """
        run = NotebookRun(exercises=[None] * len(plans))  # type: ignore[list-item]
        base = {
            "notebook": notebook_text,
            "filename": filename,
            "workdir": workdir,
            "exercises": [
                {
                    "id": p.exercise_id,
                    "calls": [
                        {"function": f, "args": _tree(tuple(a)), "kwargs": _tree(dict(k))}
                        for f, a, k in p.calls
                    ],
                }
                for p in plans
            ],
            "tripwires": [[i, m, a] for i, p in enumerate(plans) for m, a in p.tripwires],
            "limits": {
                "memory_bytes": int(limits.memory_mb * 1e6),
                "cpu_seconds": int(limits.timeout * (len(plans) + 1) + 10),
                "fsize_bytes": int(limits.fsize_mb * 1e6),
            },
        }
        k = 0
        first = True
        while k < len(plans):
            pid, fd = self._spawn({**base, "start": k})
            reader = FrameReader()
            try:
                status, msg = self._next(fd, reader, time.monotonic() + limits.timeout)
                if status != "ok" or msg.get("type") != "ready":
                    problem, detail = self._problem(
                        status, pid, limits, "running the notebook's cells"
                    )
                    run.notebook_problem = problem
                    kind = "timeout" if status == "timeout" else "crash"
                    for j in range(k, len(plans)):
                        run.exercises[j] = _failed_run(plans[j], kind, problem, detail)
                    break
                if first:
                    run.cell_errors = _cell_errors(msg.get("cell_errors"))
                    stopped = msg.get("stopped")
                    run.stopped = str(stopped)[:1000] if stopped else None
                    first = False
                while k < len(plans):
                    status, msg = self._next(fd, reader, time.monotonic() + limits.timeout)
                    if status == "ok" and msg.get("type") == "exercise" and msg.get("index") == k:
                        run.exercises[k] = _parse_exercise(plans[k], msg)
                        k += 1
                        continue
                    if status == "ok":
                        status = "malformed"
                    kind = "timeout" if status == "timeout" else "crash"
                    problem, detail = self._problem(
                        status, pid, limits, f"exercise {plans[k].exercise_id}"
                    )
                    run.exercises[k] = _failed_run(plans[k], kind, problem, detail)
                    k += 1
                    break
            finally:
                os.close(fd)
                self._kill(pid)
        return run

    def _problem(self, status: str, pid: int, limits: Limits, what: str) -> tuple[str, str]:
        """(a sentence for the notes, the detail for each outcome) explaining why ``what`` failed."""
        if status == "timeout":
            return f"{what} did not finish within {limits.timeout:g} s, so it was stopped", ""
        if status == "malformed":
            return f"{what} sent results that could not be read", "its results could not be read"
        self._kill(pid)
        detail = _describe_exit(self._exit_code(pid, wait=5.0))
        return f"{what} crashed the Python process: {detail}", detail

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


def _tree(value: Any) -> Any:
    from neurocourse.grading.serialize import to_json

    return to_json(value)


def _failed_run(plan: ExercisePlan, kind: str, problem: str, detail: str = "") -> ExerciseRun:
    outcomes = [Outcome(kind, error=detail) for _ in plan.calls]  # type: ignore[arg-type]
    return ExerciseRun(outcomes, problem=problem)


def _cell_errors(raw: Any) -> list[tuple[int, str]]:
    out = []
    if isinstance(raw, list):
        for item in raw[:100]:
            if isinstance(item, list) and len(item) == 2 and type(item[0]) is int:
                out.append((item[0], str(item[1])[:1000]))
    return out


def _parse_exercise(plan: ExercisePlan, msg: dict) -> ExerciseRun:
    raw = msg.get("outcomes")
    if not isinstance(raw, list) or len(raw) != len(plan.calls):
        return _failed_run(
            plan,
            "crash",
            "the worker sent results that could not be read",
            "its results could not be read",
        )
    outcomes = []
    for item in raw:
        outcomes.append(_parse_outcome(item))
    tripped = msg.get("tripped")
    tripped = [str(t)[:200] for t in tripped[:20]] if isinstance(tripped, list) else []
    return ExerciseRun(outcomes, tripped=tripped)


def _parse_outcome(item: Any) -> Outcome:
    if not isinstance(item, dict) or item.get("kind") not in _OUTCOME_KINDS:
        return Outcome("crash", error="the worker sent a result that could not be read")
    kind = item["kind"]
    if kind == "ok":
        try:
            return Outcome("ok", value=from_json(item.get("value")))
        except (ValueError, RecursionError, OverflowError):
            return Outcome("unsupported", error="a value that could not be read back")
    return Outcome(kind, error=str(item.get("error", ""))[:1000])
