"""The build tools: the lock-file staleness check and the stage runner (no network, no real build)."""

import importlib.util
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_lock_check_detects_a_changed_requirement(tmp_path, monkeypatch, capsys):
    lock = _load("lock")
    monkeypatch.setattr(lock, "ROOT", tmp_path)
    (tmp_path / "requirements.txt").write_text("numpy>=1.26\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest>=8\n")
    for name, files in lock.LOCKS.items():
        (tmp_path / name).write_text(f"{lock.HEADER}{lock.inputs_hash(files)}\nnumpy==2.0.0\n")
    assert lock.check() == 0
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest>=8\nruff>=0.6\n")
    assert lock.check() == 1
    err = capsys.readouterr().err
    assert "requirements-dev.lock is out of date" in err and "make lock" in err
    assert "requirements.lock is out of date" not in err  # the book lock does not cover the dev file


def test_committed_locks_match_the_requirements():
    assert _load("lock").check() == 0, "run `make lock` and commit the lock files"


def test_run_stages_runs_every_stage_and_fails_if_any_failed(tmp_path):
    (tmp_path / "Makefile").write_text("ok1:\n\t@true\nbad:\n\t@false\nok2:\n\t@true\n")
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "run_stages.py"), "ok1", "bad", "ok2"],
                         cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 1
    summary = out.stdout[out.stdout.index("=== summary") :]
    assert "ok1" in summary and "ok2" in summary  # the stage after the failure still ran
    assert "bad            FAIL (exit 2)" in summary
    assert "make test FAILED: bad" in out.stdout


def test_book_watchdog_kills_a_hung_chapters_kernel_then_the_build(monkeypatch, capsys):
    """The watchdog's decisions on a fake clock and fake processes (no kernel, no wall time)."""
    bb = _load("build_book")
    now = [1000.0]
    monkeypatch.setattr(bb.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(bb.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))

    class Kernel:
        pid = 4242

        def cpu_times(self):
            return types.SimpleNamespace(user=1.5, system=0.5)

        def status(self):
            return "sleeping"

        def num_threads(self):
            return 9

    killed, signalled = [], []
    monkeypatch.setattr(bb, "_kernels", lambda pid: [Kernel()])
    monkeypatch.setattr(bb, "_kill_group", lambda pid, sig=9: killed.append((pid, int(sig))))
    monkeypatch.setattr(bb.os, "kill", lambda pid, sig: signalled.append((pid, int(sig))))

    class Build:
        pid = 77

    a = bb.Attempt([], chapter_limit=240.0, stall_grace=60.0, slow=75.0)
    a._read(iter([f"{bb.ROOT}/book/glm.md: Executing notebook using local CWD [mystnb]\n"]))
    now[0] += 74.0
    a._watch(Build())
    assert signalled == [] and killed == []
    now[0] += 2.0
    a._watch(Build())  # slow: one diagnostic (SIGUSR1 to the build, for tools/jb_launch.py), nothing stopped
    a._watch(Build())
    assert signalled == [(77, int(bb.signal.SIGUSR1))] and killed == []
    out = capsys.readouterr().out
    assert "SLOW: book/glm has executed for 76 s" in out and "status sleeping, CPU 2.0 s, 9 threads" in out
    now[0] += 163.0
    a._watch(Build())
    assert killed == [] and a.watchdog_fired == []  # within the limit: nothing happens
    now[0] += 2.0
    a._watch(Build())
    assert killed == [(4242, 9)] and a.watchdog_fired == ["book/glm"]  # the kernel's group, SIGKILL
    now[0] += 61.0
    a._watch(Build())  # the build did not recover: TERM, then KILL, to the build's group
    assert killed[1:] == [(77, int(bb.signal.SIGTERM)), (77, int(bb.signal.SIGKILL))]


def test_book_log_parsing_times_chapters_and_drops_kernel_noise(capsys):
    bb = _load("build_book")
    a = bb.Attempt([], chapter_limit=240.0, stall_grace=60.0)
    a._read(iter([
        "\x1b[01m/repo/book/glm.md: Executing notebook using local CWD [mystnb]\x1b[39;49;00m\n",
        "[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication ...\n",
        "/repo/book/glm.md: Executed notebook in 12.50 seconds [mystnb]\n",
        "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n",
        "/repo/book/mri.md: Executing notebook using local CWD [mystnb]\n",
        "/repo/book/mri.md: WARNING: Executing notebook failed: DeadKernelError [mystnb.exec]\n",
    ]))  # fmt: skip
    out = capsys.readouterr().out
    assert "TCP without encryption" not in out and "KeyboardInterrupt" not in out
    assert a.times["/repo/book/glm"] == 12.5 and a.failed == {"/repo/book/mri": "DeadKernelError"}
    assert a.transient  # a dead kernel is the one failure worth a retry


def test_book_launcher_prints_where_the_build_waits(capsys):
    """The SIGUSR1 handler of tools/jb_launch.py names the pending coroutine and every thread's stack."""
    import asyncio

    launch = _load("jb_launch")

    async def wait_for_kernel_reply():
        await asyncio.sleep(3600)

    async def main():
        task = asyncio.ensure_future(wait_for_kernel_reply())
        await asyncio.sleep(0)
        launch._dump(None, None)
        task.cancel()

    asyncio.run(main())
    out = capsys.readouterr().out
    assert "pending asyncio tasks" in out and "wait_for_kernel_reply" in out
    assert "thread stacks" in out and "test_book_launcher_prints_where_the_build_waits" in out


class _LostWakeUpSocket:
    """A socket whose poll never wakes early: it sees a queued message only when its timeout expires."""

    def __init__(self, queued: list):
        self.queued = queued
        self.polls: list[int] = []

    async def poll(self, timeout_ms):
        self.polls.append(timeout_ms)
        await __import__("asyncio").sleep(0)  # no real waiting: the test counts the polls instead
        return 1 if self.queued else 0


def test_sliced_get_msg_bounds_a_lost_zeromq_wake_up():
    """A reply that the first poll missed is picked up by the next slice, not after the whole timeout."""
    import asyncio
    from queue import Empty

    launch = _load("jb_launch")

    class Channel:
        def __init__(self, queued):
            self.socket = _LostWakeUpSocket(queued)

        async def _recv(self):
            return self.socket.queued.pop(0)

    ch = Channel(["execute_reply"])
    assert asyncio.run(launch._sliced_get_msg(ch, timeout=180)) == "execute_reply"
    assert ch.socket.polls == [500]  # one slice of POLL_SLICE, never the 180 s cell timeout
    ch = Channel(["reply"])
    assert asyncio.run(launch._sliced_get_msg(ch, timeout=None)) == "reply"
    assert ch.socket.polls == [500]  # no timeout: still sliced
    empty = Channel([])
    try:
        asyncio.run(launch._sliced_get_msg(empty, timeout=0.0))
    except Empty:
        pass
    else:
        raise AssertionError("an empty socket must raise queue.Empty at the deadline, as jupyter_client does")
    assert empty.socket.polls == [0]


def test_the_launcher_patches_the_async_channel():
    from jupyter_client.channels import AsyncZMQSocketChannel

    launch = _load("jb_launch")
    original = AsyncZMQSocketChannel.get_msg
    try:
        launch._patch_jupyter_client()
        assert AsyncZMQSocketChannel.get_msg is launch._sliced_get_msg
    finally:
        AsyncZMQSocketChannel.get_msg = original


def test_execute_chapter_reports_stderr_and_errors(tmp_path, capsys):
    """One real (tiny) chapter through the tool: clean cells pass, stderr output or an error fails."""
    tool = _load("execute_chapter")
    chapter = tmp_path / "tiny.md"
    header = "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
    header += "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
    chapter.write_text(header + "```{code-cell}\nprint(2 + 2)\n```\n")
    assert tool.main(["x", str(chapter), str(tmp_path / "out.ipynb")]) == 0
    assert "0 problem(s)" in capsys.readouterr().out and (tmp_path / "out.ipynb").exists()
    chapter.write_text(header + "```{code-cell}\nimport sys\nprint('oops', file=sys.stderr)\n1 / 0\n```\n")
    assert tool.main(["x", str(chapter)]) == 1
    out = capsys.readouterr().out
    assert "stderr: oops" in out and "ZeroDivisionError" in out
