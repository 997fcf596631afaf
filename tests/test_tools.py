"""The build tools: the lock-file staleness check and the stage runner (no network, no real build)."""

import importlib.util
import subprocess
import sys
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
