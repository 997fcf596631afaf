"""The grader run by a normal user (issue 18): end to end as uid 65534, the sandbox's user-namespace path.

On a laptop the instructor grades as an unprivileged user, and the sandbox then rests on a user
namespace (the grader's own uid mapped, capabilities dropped with ``capset``) instead of a uid switch.
As root, these tests drop the *grader itself* to uid 65534 (``setpriv``) and check that:

1. the whole hostile class of ``test_grader_sandbox.py`` (every attack class beside an honest student)
   is still defeated, graded twice, with byte-identical submissions, no process left behind and no
   secret in any output;
2. ``neurocourse grade`` works end to end from the command line on real course notebooks.

Here the Python installation lives under ``/root`` (mode 0700), which uid 65534 cannot traverse.
Nothing is changed on the machine to let it in: the grader runs in a private mount namespace
(``unshare --mount``) in which an empty tmpfs covers the private folder and the Python installation
alone is bind-mounted back, read-only. The namespace, and so the change, ends with the grader.

Run as a normal user, every other grader test already exercises this path, so these skip there.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_grader_sandbox import _leaked_processes, assert_no_plant_survived

from neurocourse.grading.isolation import landlock_abi
from neurocourse.grading.registry import by_notebook

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or landlock_abi() < 1, reason="the sandbox needs Linux with Landlock"
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="as a normal user, every grader test already runs unprivileged"),
]

NOBODY = 65534
REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "neurocourse"
# a guard against a hung grader only, never a measurement: the class grades in ~30 s at load 4
RUN_TIMEOUT = 900
TOY_MAX = {"toy_scale": 6.0, "toy_ernst": 4.0, "toy_other": 3.0}  # with the suite's hidden cases


def _untraversable_ancestor(path: Path) -> Path | None:
    """The outermost folder above ``path`` that uid 65534 cannot enter (no ``o+x``), if any."""
    for parent in reversed(path.parents):
        st = parent.stat()
        if st.st_uid != NOBODY and not st.st_mode & 0o001:
            return parent
    return None


def _reach_lines(stage: Path, read_only: list[Path], writable: list[Path]) -> list[str]:
    """Shell lines (run as root in a private mount namespace) that make each path reachable by uid
    65534: an empty tmpfs over each folder it cannot enter, and the paths bound back under it."""
    wanted = {p.resolve(): True for p in read_only} | {p.resolve(): False for p in writable}
    wanted = {p: ro for p, ro in wanted.items() if not any(p != q and p.is_relative_to(q) for q in wanted)}
    by_hidden: dict[Path, list[Path]] = {}
    for path in sorted(wanted):
        hidden = _untraversable_ancestor(path)
        if hidden is not None:
            by_hidden.setdefault(hidden, []).append(path)
    lines = []
    for k, (hidden, paths) in enumerate(sorted(by_hidden.items())):
        staged = [(path, stage / f"{k}-{j}") for j, path in enumerate(paths)]
        for path, st in staged:
            lines += [f"mkdir {shlex.quote(str(st))}", f"mount --bind {shlex.quote(str(path))} {shlex.quote(str(st))}"]
        lines.append(f"mount -t tmpfs -o mode=0755,size=1m tmpfs {shlex.quote(str(hidden))}")
        for path, st in staged:
            q, qs = shlex.quote(str(path)), shlex.quote(str(st))
            lines += [f"mkdir -p {q}", f"mount --bind {qs} {q}", f"umount {qs}", f"rmdir {qs}"]
            if wanted[path]:
                lines.append(f"mount -o remount,bind,ro {q}")
    return lines


def run_as_nobody(base: Path, argv: list[str], extra_env: dict[str, str] | None = None):
    """Run ``argv`` as uid/gid 65534 with no supplementary groups and no capabilities, in a private
    mount namespace where the Python installation, the virtual environment, this repository (all
    read-only) and ``base`` are reachable (see the module docstring)."""
    stage = Path(tempfile.mkdtemp(prefix="neurocourse-stage-", dir="/tmp"))  # outside anything hidden
    python = [Path(sys.base_prefix), Path(sys.prefix), REPO]
    lines = ["set -e", *_reach_lines(stage, python, [base])]
    lines.append(
        f'exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"'
    )
    home, tmp = base / "home", base / "tmp"
    for d in (home, tmp):
        d.mkdir(exist_ok=True)
        os.chown(d, NOBODY, NOBODY)
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(home), "TMPDIR": str(tmp), **(extra_env or {})}
    try:
        return subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(lines), "sh", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            cwd=str(base),
        )
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _new_base(prefix: str) -> Path:
    base = Path(tempfile.mkdtemp(prefix=prefix))  # pytest's folders are private to root
    os.chmod(base, 0o755)
    return base


def _hashes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out



@pytest.fixture(scope="module")
def nobody_class():
    base = _new_base("neurocourse-unpriv-")
    work = base / "class"
    work.mkdir()
    os.chown(work, NOBODY, NOBODY)
    try:
        proc = run_as_nobody(base, [sys.executable, str(REPO / "tests" / "hostile" / "run_class.py"), str(work)])
        assert proc.returncode == 0, proc.stderr[-3000:]
        result = json.loads((work / "result.json").read_text())
        yield work, result, _leaked_processes(str(base))
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_grader_ran_unprivileged_in_a_user_namespace(nobody_class):
    _, result, _ = nobody_class
    assert result["uid"] == NOBODY
    for run in result["runs"]:
        prov = run["provenance"]
        assert prov["isolated"] and not prov["grader_is_root"]
        assert "user namespace" in prov["sandbox"] and "Landlock" in prov["sandbox"]


def test_honest_student_keeps_full_marks_and_attacks_fail(nobody_class):
    _, result, _ = nobody_class
    for run in result["runs"]:
        scores = run["scores"]
        assert scores["honest"] == TOY_MAX
        assert scores["seeks_reference"] == {"toy_scale": 6, "toy_ernst": 0, "toy_other": 3}  # sealed
        for name in ("daemon_and_overwrites", "persists"):
            assert scores[name] == TOY_MAX, name
        assert scores["kills_everything"]["toy_scale"] == 6  # the grader was neither killed nor stopped
        assert run["changed"] == []


def test_submissions_untouched_and_no_process_outlives_the_grader(nobody_class):
    work, result, leftover = nobody_class
    assert _hashes(work / "submissions") == result["before"]  # checked after the grader exited
    assert leftover == []  # the daemon died with its PID namespace: nothing of this grader remains
    run1, run2 = result["runs"]
    assert run1["wide"] == run2["wide"] and run1["long"] == run2["long"]  # byte-identical regrade
    out = work / "out" / "grades.csv"
    assert out.read_text("utf-8", "surrogateescape") == run2["wide"] and "1000" not in run2["wide"]


def test_nothing_persists_outside_the_sandbox(nobody_class):
    assert_no_plant_survived()


def test_hidden_tests_and_grader_secrets_stay_hidden(nobody_class):
    work, result, _ = nobody_class
    run = result["runs"][0]
    texts = [run["wide"], run["long"], *(p.read_text() for p in (work / "out" / "feedback1").iterdir())]
    for text in texts:
        assert "123.4567" not in text and "1.234567" not in text  # the hidden input, any format
        assert "SECRET-HIDDEN-FILE-CONTENT" not in text
        assert "s3cr3t-value" not in text
        assert str(work / "submissions") not in text
    notes = " ".join(run["notes"]["leaks_hidden"]["01_toy"])
    assert "hidden tests of exercise toy_ernst did not complete" in notes


def test_odd_entries_are_refused_with_a_reason(nobody_class):
    _, result, _ = nobody_class
    run = result["runs"][0]
    for name, words in {"fifo": "not a regular file", "symlinks": "symbolic link", "huge": "larger than"}.items():
        assert words in (run["invalid"][name]["01_toy"] or ""), name
    assert "symbolic link" in " ".join(run["student_notes"]["linked_folder"])
    assert run["scores"]["deep_recursion"]["toy_scale"] == 6


def test_neurocourse_grade_end_to_end_as_a_normal_user():
    """``neurocourse grade`` from the command line, as uid 65534, on real course notebooks."""
    stem = "02_mr_acquisition"
    base = _new_base("neurocourse-unpriv-cli-")
    try:
        class_dir = base / "class"
        subs = class_dir / "submissions"
        for student, source in (("honest", REPO / "solutions"), ("stub", REPO / "exercises")):
            (subs / student).mkdir(parents=True)
            shutil.copy(source / f"{stem}.ipynb", subs / student / f"{stem}.ipynb")
        (class_dir / "out").mkdir()
        for p in [class_dir, *class_dir.rglob("*")]:
            os.chown(p, NOBODY, NOBODY)
        out = class_dir / "out" / "grades.csv"
        cli = Path(sys.executable).parent / "neurocourse"
        proc = run_as_nobody(
            base, [str(cli), "grade", str(subs), "-o", str(out), "--feedback", str(class_dir / "fb"), "--quiet"]
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        rows = {r["student"]: r for r in csv.DictReader(out.open())}
        for ex in by_notebook(stem):
            assert float(rows["honest"][ex.id]) == ex.max_points, ex.id
            assert float(rows["stub"][ex.id]) == 0, ex.id
        prov = json.loads((class_dir / "out" / "grades_provenance.json").read_text())
        assert prov["isolated"] and not prov["grader_is_root"] and "user namespace" in prov["sandbox"]
        assert (class_dir / "fb" / "honest.md").is_file()
    finally:
        shutil.rmtree(base, ignore_errors=True)
