"""The README's student commands run.

Every ``.venv/bin/...`` command quoted in the README's "Student workflow" section is run as a
student would run it, from the repository root: JupyterLab is started and must serve the exercises
folder (then it is stopped); the terminal checker must check a whole stub notebook (exit 1: the
stubs fail their checks) and say which functions are still to write. ``make book``, the README's
first step, is what ``make test`` itself runs (environment, then the strict book build), so it is
not run again here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _student_section() -> str:
    start = README.index("## Student workflow")
    end = README.index("\n## ", start + 5)
    return README[start:end]


def _commands() -> list[str]:
    return [c for c in re.findall(r"`([^`]+)`", _student_section()) if c.startswith(".venv/bin/")]


def test_student_section_quotes_its_commands():
    commands = _commands()
    assert any(c.startswith(".venv/bin/jupyter lab") for c in commands), commands
    assert any(c.startswith(".venv/bin/neurocourse check") for c in commands), commands
    for c in commands:
        exe = ROOT / shlex.split(c)[0]
        assert exe.is_file(), f"README says `{c}` but {exe} does not exist (is it in requirements.txt?)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [c for c in _commands() if c.startswith(".venv/bin/jupyter lab")])
def test_jupyter_lab_serves_the_exercises(command, tmp_path):
    port = _free_port()
    args = [
        *shlex.split(command),
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=student",
    ]
    if os.geteuid() == 0:  # CI containers run as root; Jupyter refuses that unless told
        args.append("--allow-root")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    log = tmp_path / "lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        listing = None
        # the server starts in a few seconds; a loaded machine may need much longer
        for _ in range(240):
            if proc.poll() is not None:
                break
            try:
                # `jupyter lab <folder>` serves that folder as its root
                url = f"http://127.0.0.1:{port}/api/contents?token=student"
                with urllib.request.urlopen(url, timeout=5) as r:
                    listing = json.load(r)
                break
            except OSError:
                time.sleep(0.5)
        assert listing is not None, log.read_text()[-3000:]
        names = {item["name"] for item in listing["content"]}
        assert {p.name for p in (ROOT / "exercises").glob("*.ipynb")} <= names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=student", timeout=30) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("command", [c for c in _commands() if c.startswith(".venv/bin/neurocourse check")])
def test_neurocourse_check_runs_on_a_stub(command):
    done = subprocess.run(shlex.split(command), cwd=ROOT, capture_output=True, text=True, timeout=600)
    # exit 1: the stubs fail their checks; 0 would mean the stubs pass, 2 that the file could not be checked
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert done.stdout.strip(), "the checker printed nothing"
