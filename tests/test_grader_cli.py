"""`neurocourse grade`, `grade --merge` and `check` end to end on temporary folders.

The in-process tests point the registry at the toy exercises of tests/hostile/corpus.py, so they do
not depend on which course exercises exist. One subprocess test runs the real command over whatever
the registry holds, with the solution notebooks (full marks) and the student stubs (zero).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile.corpus import TOY_EXERCISES, good_other, good_toy, stub_toy

from neurocourse.grading import batch, cli, gradebook, registry

REPO = Path(__file__).resolve().parents[1]
FAST = ["--timeout", "3", "--jobs", "2", "--quiet"]  # toy functions take ms; 3 s is ample


@pytest.fixture
def toy_registry(monkeypatch):
    monkeypatch.setattr(registry, "all_exercises", lambda: TOY_EXERCISES)
    monkeypatch.setattr(registry, "by_notebook", lambda nb: tuple(e for e in TOY_EXERCISES if e.notebook == nb))
    monkeypatch.setattr(registry, "notebooks", lambda: ("01_toy", "02_other"))


@pytest.fixture
def subs(tmp_path):
    root = tmp_path / "submissions"
    for name, toy in (
        ("bob", good_toy()),
        ("alice", stub_toy()),
        ("carol", good_toy("def scale(x, k):\n    return -x * k\n")),
    ):
        (root / name).mkdir(parents=True)
        (root / name / "01_toy.ipynb").write_text(toy)
    (root / "alice" / "02_other.ipynb").write_text(good_other())
    (root / "dave").mkdir()
    (root / "dave" / "01_toy.ipynb").write_bytes(b"\xff\xfe\x00binary")
    return root


def _read(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def _hashes(root):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_grade_writes_gradebook_feedback_and_is_reproducible(toy_registry, subs, tmp_path, capsys):
    before = _hashes(subs)
    out = tmp_path / "out" / "grades.csv"
    fb = tmp_path / "feedback"
    assert cli.main(["grade", str(subs), "-o", str(out), "--feedback", str(fb), *FAST]) == 0
    wide = _read(out)
    assert wide == [
        ["student", "total", "max", "toy_scale", "toy_ernst", "toy_other"],
        ["alice", "3", "10", "0", "0", "3"],  # stubs score zero, 02_other is right
        ["bob", "7", "10", "4", "3", "0"],  # did not submit 02_other
        ["carol", "4", "10", "1", "3", "0"],  # wrong sign on scale: only add passes in toy_scale
        ["dave", "0", "10", "0", "0", "0"],  # binary junk
    ]
    long = _read(tmp_path / "out" / "grades_long.csv")
    assert long[0] == list(gradebook.LONG_COLUMNS)
    carol = [r for r in long if r[0] == "carol" and r[1] == "toy_scale"]
    assert [r[5] for r in carol] == ["failed", "failed", "passed"]
    assert "check the sign" in carol[0][6]  # the Mistake's teaching message
    assert all(r[5] == "invalid" and "not a text file" in r[6] for r in long if r[0] == "dave" and r[1] == "toy_scale")
    text = (fb / "carol.md").read_text()
    assert "check the sign" in text and "Total: 4 / 10 points" in text
    assert "all tests passed" not in text.lower()
    assert "not a text file" in (fb / "dave.md").read_text()
    summary = capsys.readouterr().out
    assert "toy_scale" in summary and "mean" in summary and "with a timeout: 0" in summary
    # atomic writes leave no temporary files; grading again gives byte-identical CSVs
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "grades.csv",
        "grades_long.csv",
        "grades_provenance.json",
    ]
    first = (out.read_bytes(), (tmp_path / "out" / "grades_long.csv").read_bytes())
    assert cli.main(["grade", str(subs), "-o", str(out), *FAST]) == 0
    assert (out.read_bytes(), (tmp_path / "out" / "grades_long.csv").read_bytes()) == first
    assert _hashes(subs) == before


def test_hidden_tests_count_but_reveal_nothing(toy_registry, subs, tmp_path):
    hidden = tmp_path / "hidden_tests.py"
    hidden.write_text(
        "import numpy as np\nfrom neurocourse.grading.spec import Case\n"
        "HIDDEN = {'toy_scale': [Case('scale', args=(np.array([7.25, -3.5]), 4.0), label='SECRET-LABEL', points=2),\n"
        "                        Case('add', args=(40, 2), label='SECRET-ADD', points=1, compare='exact')]}\n"
    )
    out = tmp_path / "grades.csv"
    fb = tmp_path / "fb"
    assert (
        cli.main(
            [
                "grade",
                str(subs),
                "-o",
                str(out),
                "--hidden-tests",
                str(hidden),
                "--feedback",
                str(fb),
                *FAST,
            ]
        )
        == 0
    )
    wide = {r[0]: r for r in _read(out)}
    assert wide["bob"][1:4] == ["10", "13", "7"]
    assert wide["carol"][1:4] == [
        "5",
        "13",
        "2",
    ]  # wrong sign fails hidden test 1, add passes hidden test 2
    for path in [*fb.iterdir(), tmp_path / "grades_long.csv"]:
        text = path.read_text()
        assert "SECRET" not in text and "7.25" not in text and "29" not in text  # inputs, labels, answers
    carol = (fb / "carol.md").read_text()
    assert "hidden test 1: failed (0/2)" in carol and "hidden test 2: passed (1/1)" in carol


def test_merge_of_shards_equals_a_single_run(toy_registry, subs, tmp_path):
    full = tmp_path / "full.csv"
    assert cli.main(["grade", str(subs), "-o", str(full), *FAST]) == 0
    shards = []
    for k in (1, 2):
        shard = tmp_path / f"shard{k}.csv"
        assert cli.main(["grade", str(subs), "-o", str(shard), "--shard", f"{k}/2", *FAST]) == 0
        shards.append(str(shard))
    merged = tmp_path / "merged.csv"
    # as a shell glob shards/*.csv would, pass the long-form siblings too: they are merged as such
    longs = [str(gradebook.long_path(p)) for p in shards]
    assert cli.main(["grade", "--merge", *shards, *longs, "-o", str(merged)]) == 0
    assert merged.read_bytes() == full.read_bytes()
    assert (tmp_path / "merged_long.csv").read_bytes() == (tmp_path / "full_long.csv").read_bytes()


def test_grader_errors_exit_2_with_a_message(toy_registry, subs, tmp_path, capsys):
    out = str(tmp_path / "g.csv")
    assert cli.main(["grade", str(tmp_path / "nope"), "-o", out, *FAST]) == 2
    assert "SUBMISSIONS must be a folder" in capsys.readouterr().err
    bad = tmp_path / "hidden.py"
    bad.write_text("from neurocourse.grading.spec import Case\nHIDDEN = {'no_such_exercise': []}\n")
    assert cli.main(["grade", str(subs), "-o", out, "--hidden-tests", str(bad), *FAST]) == 2
    assert "unknown exercise id 'no_such_exercise'" in capsys.readouterr().err
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("student,total,max,x\ns1,1,2,1\n")
    b.write_text("student,total,max,y\ns2,1,2,1\n")
    assert cli.main(["grade", "--merge", str(a), str(b), "-o", out]) == 2
    assert "different columns" in capsys.readouterr().err
    assert not Path(out).exists()


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "grades.csv"
    target.write_text("old\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        gradebook.write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_check_command_exit_codes(toy_registry, tmp_path, capsys):
    good, stub, junk = (
        tmp_path / "good" / "01_toy.ipynb",
        tmp_path / "stub" / "01_toy.ipynb",
        tmp_path / "01_toy.ipynb",
    )
    for path, text in ((good, good_toy()), (stub, stub_toy())):
        path.parent.mkdir()
        path.write_text(text)
    junk.write_text("")
    assert cli.main(["check", str(good), "--timeout", "3"]) == 0
    assert "all public checks passed" in capsys.readouterr().out
    assert cli.main(["check", str(stub), "--timeout", "3"]) == 1
    assert "not written yet" in capsys.readouterr().out
    assert cli.main(["check", str(junk)]) == 2
    assert cli.main(["check", str(tmp_path / "99_unknown.ipynb")]) == 2


def test_real_registry_end_to_end(tmp_path, toy_registry, monkeypatch):
    """The real command over the real registry: solutions score full marks, stubs zero.

    If no course notebook exists yet, the same path runs in process on the toy exercises.
    """
    monkeypatch.undo()
    exercises = registry.all_exercises()
    notebooks = [nb for nb in registry.notebooks() if (REPO / "solutions" / f"{nb}.ipynb").is_file()]
    subs = tmp_path / "subs"
    (subs / "solution").mkdir(parents=True)
    (subs / "stub").mkdir()
    out = tmp_path / "grades.csv"
    if not notebooks:  # nothing registered yet: exercise the same code path with the toy exercises
        (subs / "solution" / "01_toy.ipynb").write_text(good_toy())
        (subs / "stub" / "01_toy.ipynb").write_text(stub_toy())
        book = batch.grade_submissions(subs, exercises=TOY_EXERCISES, jobs=2)
        gradebook.write_gradebook(book, out)
        graded = [ex.id for ex in TOY_EXERCISES if ex.notebook == "01_toy"]
    else:
        for nb in notebooks:
            shutil.copy(REPO / "solutions" / f"{nb}.ipynb", subs / "solution")
            if (REPO / "exercises" / f"{nb}.ipynb").is_file():
                shutil.copy(REPO / "exercises" / f"{nb}.ipynb", subs / "stub")
        cmd = [
            sys.executable,
            "-m",
            "neurocourse.grading.cli",
            "grade",
            str(subs),
            "-o",
            str(out),
            "--quiet",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        graded = [ex.id for ex in exercises if ex.notebook in notebooks]
    rows = {r["student"]: r for r in csv.DictReader(open(out, newline=""))}
    maxima = {ex.id: ex.max_points for ex in (TOY_EXERCISES if not notebooks else exercises)}
    for ex_id in graded:
        assert float(rows["solution"][ex_id]) == maxima[ex_id], ex_id
        assert float(rows["stub"][ex_id]) == 0.0, ex_id


def test_outputs_are_validated_before_grading(toy_registry, subs, tmp_path, capsys):
    inside = subs / "grades.csv"
    assert cli.main(["grade", str(subs), "-o", str(inside), *FAST]) == 2
    assert "inside SUBMISSIONS" in capsys.readouterr().err and not inside.exists()
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    out = tmp_path / "out" / "grades.csv"
    assert cli.main(["grade", str(subs), "-o", str(out), "--feedback", str(blocker), *FAST]) == 2
    assert "is not a folder" in capsys.readouterr().err and not out.exists()
    (tmp_path / "out" / "grades_long.csv").mkdir(parents=True)
    assert cli.main(["grade", str(subs), "-o", str(out), *FAST]) == 2
    assert "regular CSV file" in capsys.readouterr().err


def test_no_sandbox_system_refuses_unless_asked(toy_registry, subs, tmp_path, capsys, monkeypatch):
    import neurocourse.grading.sandbox as sandbox_module

    monkeypatch.setattr(sandbox_module.sys, "platform", "darwin")  # as on macOS: no namespaces, no Landlock
    out = tmp_path / "grades.csv"
    assert cli.main(["grade", str(subs), "-o", str(out), *FAST]) == 2
    err = capsys.readouterr().err
    assert "no sandbox is available on darwin" in err and "--no-sandbox" in err and not out.exists()
    assert cli.main(["grade", str(subs), "-o", str(out), "--no-sandbox", *FAST]) == 0
    captured = capsys.readouterr()
    assert "WARNING: --no-sandbox" in captured.err and "Sandbox: OFF (--no-sandbox)" in captured.out
    provenance = gradebook.provenance_path(out).read_text()
    assert '"isolated": false' in provenance
