"""Build the book under a watchdog: ``python tools/build_book.py [jupyter-book build options]``.

``make book`` and ``make test`` call this instead of ``jupyter-book build`` directly. It

- runs ``jupyter-book build . <options>`` in its own process group, with ``MPLBACKEND`` removed from
  the environment (chapters must emit figures through the inline backend);
- prints each chapter's execution time as it finishes, and a table of them at the end;
- drops known noise from the log: the kernel's "running over TCP without encryption" warning and the
  "KeyboardInterrupt caught in kernel" line that ipykernel writes when it is shut down;
- watches every chapter: nbclient's own cell timeout (``execute.timeout`` in ``_config.yml``) should
  stop a runaway cell, but a kernel that stops answering can leave nbclient waiting for ever. When a
  chapter has run for longer than that timeout plus a grace period, the watchdog kills the kernel's
  process group (jupyter_client starts each kernel in its own session, so killing the build alone
  would leave it running), which makes the chapter fail loudly with a ``DeadKernelError``. If the
  build still makes no progress, the whole build is killed and reported;
- logs a diagnostic for a chapter that runs longer than ``SLOW_CHAPTER`` (75 s; every chapter takes
  under 30 s): its kernels' state and CPU time, and, through ``tools/jb_launch.py``, the build's
  pending asyncio tasks and thread stacks, so a slow kernel start, reply or shutdown shows where it
  waits. Nothing is stopped at that point;
- retries the build once, and only once, when it failed for a known transient reason (a kernel that
  died or did not start, a port already in use, or a hang the watchdog broke). Chapters that executed
  in the first attempt are reused from the execution cache, so only the failed ones run again.
  Anything else (an error in a cell, a cell that hit nbclient's timeout, a Sphinx warning) fails
  at once.

The exit status is the build's (non-zero on any failure or kill). The report files of failed
chapters (``<build>/html/reports/*.err.log``) are printed at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path.cwd()  # run from the repository root (the Makefile does)

NOISE = (
    re.compile(r"Kernel is running over TCP without encryption"),
    re.compile(r"KeyboardInterrupt caught in kernel"),
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Sphinx colours its log even through a pipe
START = re.compile(r"^(?P<doc>\S+?)(?::\d+)?: Executing notebook using")
DONE = re.compile(r"^(?P<doc>\S+?)(?::\d+)?: Executed notebook in (?P<sec>[\d.]+) seconds")
FAILED = re.compile(r"^(?P<doc>\S+?)(?::\d+)?: (?:WARNING: )?Executing notebook failed: (?P<err>\w+)")
# Failures worth exactly one more attempt: the kernel, not the chapter, went wrong.
# A chapter running longer than this (s) gets a diagnostic in the log (it is not stopped).
SLOW_CHAPTER = 75.0
TRANSIENT = re.compile(
    r"DeadKernelError|Kernel died before replying to kernel_info|Kernel didn't respond in \d+ seconds"
    r"|Address already in use|ZMQError"
)


def _cell_timeout() -> float:
    """nbclient's per-cell timeout (s), from ``execute.timeout`` in ``_config.yml``."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return float((config.get("execute") or {}).get("timeout", 30))


def _short(doc: str) -> str:
    """A chapter's path relative to the repository, without its suffix."""
    try:
        doc = str(Path(doc).resolve().relative_to(ROOT))
    except ValueError:
        pass
    return re.sub(r"\.(md|ipynb)$", "", doc)


def _kernels(root_pid: int) -> list[psutil.Process]:
    """The Jupyter kernels started, directly or not, by the process ``root_pid``."""
    try:
        children = psutil.Process(root_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    kernels = []
    for p in children:
        try:
            if any("ipykernel" in part for part in p.cmdline()):
                kernels.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return kernels


def _kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process group of ``pid``; ignore a group that is already gone."""
    try:
        os.killpg(os.getpgid(pid), sig)
    except (ProcessLookupError, PermissionError):
        pass


class Attempt:
    """One run of ``jupyter-book build`` under the watchdog."""

    def __init__(self, args: list[str], chapter_limit: float, stall_grace: float, slow: float = SLOW_CHAPTER):
        self.args = args
        self.chapter_limit = chapter_limit
        self.stall_grace = stall_grace
        self.slow = slow
        self.diagnosed: set[str] = set()
        self.times: dict[str, float] = {}
        self.failed: dict[str, str] = {}
        self.current: tuple[str, float] | None = None
        self.kernel_killed_at: float | None = None
        self.watchdog_fired: list[str] = []
        self.transient = False
        self.lock = threading.Lock()

    def _read(self, stream) -> None:
        for line in stream:
            if any(p.search(line) for p in NOISE):
                continue
            sys.stdout.write(line)
            sys.stdout.flush()
            text = ANSI.sub("", line).rstrip("\n")
            with self.lock:
                if TRANSIENT.search(text):
                    self.transient = True
                if m := START.match(text):
                    self.current = (_short(m["doc"]), time.monotonic())
                    self.kernel_killed_at = None
                elif m := DONE.match(text):
                    doc = _short(m["doc"])
                    self.times[doc] = float(m["sec"])
                    print(f"[book] executed {doc} in {float(m['sec']):.1f} s", flush=True)
                    self.current = None
                elif m := FAILED.match(text):
                    doc = _short(m["doc"])
                    self.failed[doc] = m["err"]
                    if self.current:
                        self.times[doc] = time.monotonic() - self.current[1]
                    self.current = None

    def run(self) -> int:
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        # jupyter-book, through a launcher that prints where nbclient waits when sent SIGUSR1
        cmd = [sys.executable, str(Path(__file__).with_name("jb_launch.py")), "build", ".", *self.args]
        print(f"[book] jupyter-book {' '.join(cmd[2:])}", flush=True)
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        reader = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        reader.start()
        try:
            while proc.poll() is None:
                time.sleep(1.0)
                self._watch(proc)
        finally:
            if proc.poll() is None:  # interrupted, or the build did not stop: take it all down
                _kill_group(proc.pid, signal.SIGKILL)
            for k in _kernels(proc.pid):
                _kill_group(k.pid)
            proc.wait()
            reader.join(timeout=10)
        if self.watchdog_fired:
            return proc.returncode or 1
        return proc.returncode

    def _watch(self, proc: subprocess.Popen) -> None:
        now = time.monotonic()
        with self.lock:
            current = self.current
            killed_at = self.kernel_killed_at
        if current is None:
            return
        doc, started = current
        if now - started > self.slow and doc not in self.diagnosed:
            self.diagnosed.add(doc)
            self._diagnose(proc, doc, now - started)
        if killed_at is None and now - started > self.chapter_limit:
            kernels = _kernels(proc.pid)
            msg = (
                f"WATCHDOG: {doc} has executed for {now - started:.0f} s (limit {self.chapter_limit:.0f} s);"
                f" killing its kernel (pid {', '.join(str(k.pid) for k in kernels) or 'none found'})"
            )
            print(f"\n[book] {msg}\n", file=sys.stderr, flush=True)
            self.watchdog_fired.append(doc)
            for k in kernels:
                _kill_group(k.pid)
            with self.lock:
                self.kernel_killed_at = now
        elif killed_at is not None and now - killed_at > self.stall_grace:
            print(
                f"\n[book] WATCHDOG: the build did not recover {self.stall_grace:.0f} s after the kernel of {doc}"
                " was killed; killing the build",
                file=sys.stderr,
                flush=True,
            )
            _kill_group(proc.pid, signal.SIGTERM)
            time.sleep(5)
            _kill_group(proc.pid, signal.SIGKILL)

    def _diagnose(self, proc: subprocess.Popen, doc: str, elapsed: float) -> None:
        """Log a slow chapter's kernels (state, CPU time) and where the build process waits; change nothing."""
        lines = [f"[book] SLOW: {doc} has executed for {elapsed:.0f} s (every chapter normally takes < 30 s)"]
        kernels = _kernels(proc.pid)
        for k in kernels:
            try:
                cpu = k.cpu_times()
                lines.append(
                    f"[book]   kernel pid {k.pid}: status {k.status()}, CPU {cpu.user + cpu.system:.1f} s,"
                    f" {k.num_threads()} threads"
                )
            except psutil.Error as err:
                lines.append(f"[book]   kernel pid {k.pid}: {err}")
        if not kernels:
            lines.append("[book]   no kernel process is running")
        print("\n" + "\n".join(lines), flush=True)
        try:
            os.kill(proc.pid, signal.SIGUSR1)  # tools/jb_launch.py prints its asyncio tasks and thread stacks
        except ProcessLookupError:
            pass


def _report(attempts: list[Attempt], rc: int, out_dir: Path) -> None:
    times: dict[str, float] = {}
    for a in attempts:
        times.update(a.times)
    if times:
        print("\n[book] chapter execution times (s), slowest first:")
        for doc, sec in sorted(times.items(), key=lambda kv: -kv[1]):
            flag = f"   FAILED ({attempts[-1].failed[doc]})" if doc in attempts[-1].failed else ""
            print(f"  {sec:7.1f}  {doc}{flag}")
        print(f"  {sum(times.values()):7.1f}  total")
    if rc != 0:
        for log in sorted((out_dir / "html" / "reports").glob("**/*.err.log")):
            print(f"\n[book] --- {log} ---", file=sys.stderr)
            print(log.read_text(encoding="utf-8", errors="replace"), file=sys.stderr)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], add_help=True)
    parser.add_argument(
        "--grace",
        type=float,
        default=60.0,
        help="seconds beyond the cell timeout before the watchdog kills a chapter's kernel",
    )
    parser.add_argument("--no-retry", action="store_true", help="never retry, even for a known transient")
    ours, jb_args = parser.parse_known_args(argv[1:])
    limit = _cell_timeout() + ours.grace
    out_dir = ROOT / "_build"
    if "--path-output" in jb_args:
        out_dir = Path(jb_args[jb_args.index("--path-output") + 1]) / "_build"

    # A CI cancel (SIGTERM) must take the build and its kernels down too: turn it into an exception.
    signal.signal(signal.SIGTERM, _interrupt)
    attempts = [Attempt(jb_args, limit, ours.grace)]
    rc = attempts[0].run()
    first = attempts[0]
    if rc != 0 and not ours.no_retry and (first.transient or first.watchdog_fired):
        print(
            "\n[book] the build failed for a known transient reason (a kernel died, did not start, or hung);"
            " retrying once, reusing the chapters that executed",
            flush=True,
        )
        # The retry must not re-read everything with a cleared cache, but --all is harmless: Sphinx re-reads
        # pages, and myst-nb takes every chapter that succeeded from the jupyter-cache.
        attempts.append(Attempt(jb_args, limit, ours.grace))
        rc = attempts[1].run()
    _report(attempts, rc, out_dir)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
