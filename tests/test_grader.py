"""The batch grader against a hostile-submission corpus (tests/hostile/corpus.py).

One batch holds two good students, every hostile submission, every malformed file and an unknown
notebook name. It is graded once (module fixture) with short limits, and each test checks one
promise: the right points and status for each misbehaviour, good students unaffected, bounded time,
unchanged submission files, and no credit for calling the reference implementation.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from hostile.corpus import EXPECTED, HOSTILE, MALFORMED, MAX, TOY_EXERCISES, good_other, good_toy

from neurocourse.grading import batch, gradebook
from neurocourse.grading.sandbox import Limits

# s per step: the toy notebooks and functions take milliseconds, and a sandboxed child starts in
# about 50 ms; 5 s holds at 4x load (measured: < 0.5 s per step under a CPU hog on 2 cores)
TIMEOUT = 5.0
LIMITS = Limits(timeout=TIMEOUT, memory_mb=400)
GOOD = ("a_good", "zz_good")


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    for name in GOOD:
        (root / name).mkdir()
        (root / name / "01_toy.ipynb").write_text(good_toy())
        (root / name / "02_other.ipynb").write_text(good_other())
    for name, text in HOSTILE.items():
        (root / name).mkdir()
        (root / name / "01_toy.ipynb").write_text(text)
        (root / name / "02_other.ipynb").write_text(good_other())
    for name, data in MALFORMED.items():
        (root / name).mkdir()
        (root / name / "01_toy.ipynb").write_bytes(data)
        (root / name / "02_other.ipynb").write_text(good_other())
    (root / "unknown_name").mkdir()
    (root / "unknown_name" / "01_toy (1).ipynb").write_text(good_toy())
    (root / "unknown_name" / "02_other.ipynb").write_text(good_other())
    (root / "empty_folder").mkdir()
    before = _hashes(root)
    t0 = time.monotonic()
    book = batch.grade_submissions(root, exercises=TOY_EXERCISES, limits=LIMITS, jobs=2)
    elapsed = time.monotonic() - t0
    return root, book, before, elapsed


def _student(book, name):
    return next(s for s in book.students if s.student == name)


def _scores(book, name):
    st = _student(book, name)
    return {ex.id: book.result(st, ex).score for ex in book.exercises}


def test_batch_finishes_in_bounded_time(graded):
    _, book, _, elapsed = graded
    # 3 stalls cost one timeout each (they sleep or spin, in parallel on 2 jobs); every other child
    # takes well under a second. Bound: 3 x TIMEOUT + about 60 children x 0.25 s, times 4 for a
    # loaded 2-core machine; a hang (no timeout firing) would exceed it by far.
    assert elapsed < 4 * (3 * TIMEOUT + 15), f"batch took {elapsed:.1f} s"
    assert len(book.students) == 2 + len(HOSTILE) + len(MALFORMED) + 2


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_submission_is_graded_correctly(graded, name):
    _, book, _, _ = graded
    scores = _scores(book, name)
    assert scores == {**EXPECTED[name], "toy_other": MAX["toy_other"]}, name


def test_good_students_unaffected_by_hostile_neighbours(graded):
    _, book, _, _ = graded
    for name in GOOD:
        assert _scores(book, name) == MAX
    rows = book.wide_rows()
    assert rows[0] == ["student", "total", "max", "toy_scale", "toy_ernst", "toy_other"]
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])  # one row per folder, sorted
    good_rows = [r for r in rows if r[0] in GOOD]
    assert good_rows == [[n, "10", "10", "4", "3", "3"] for n in GOOD]


def test_submission_files_never_modified(graded):
    root, book, before, _ = graded
    assert _hashes(root) == before
    assert book.changed == []


def _statuses(book, student, exercise):
    st = _student(book, student)
    ex = next(e for e in book.exercises if e.id == exercise)
    return [c.status for c in book.result(st, ex).cases], [c.message for c in book.result(st, ex).cases]


def test_statuses_and_messages_say_what_happened(graded):
    _, book, _, _ = graded
    status, msg = _statuses(book, "infinite_loop", "toy_scale")
    assert set(status) == {"timeout"} and "did not finish" in msg[0]
    notes = _student(book, "infinite_loop").notebooks["01_toy"].notes
    assert any(f"within {TIMEOUT:g} s" in n for n in notes)
    status, msg = _statuses(book, "segfault", "toy_scale")
    assert set(status) == {"crash"} and "segmentation fault" in msg[0]
    status, msg = _statuses(book, "os_exit", "toy_scale")
    assert set(status) == {"crash"} and "exited with status 0" in msg[0]
    status, msg = _statuses(book, "memory_bomb", "toy_scale")
    assert status[:2] == ["error", "error"] and "MemoryError" in msg[0]
    status, msg = _statuses(book, "sys_exit", "toy_scale")
    assert status[2] == "error" and "SystemExit" in msg[2]
    status, msg = _statuses(book, "returns_objects", "toy_scale")
    assert status[0] == "failed" and "an object of type Weird" in msg[0]
    status, _ = _statuses(book, "sys_exit_top_level", "toy_ernst")
    assert set(status) == {"missing"}
    assert any("stopped early" in n for n in _student(book, "sys_exit_top_level").notebooks["01_toy"].notes)


def test_no_credit_for_calling_the_reference(graded):
    _, book, _, _ = graded
    status, msg = _statuses(book, "imports_reference", "toy_ernst")
    assert set(status) == {"no_credit"}
    assert "neurocourse.mri.ernst_angle" in msg[0] and "found in the notebook's code" in msg[0]
    status, msg = _statuses(book, "hides_reference", "toy_ernst")  # invisible statically: the tripwire
    assert set(status) == {"no_credit"} and "called while grading" in msg[0]
    for name in GOOD:  # a correct, own implementation is not flagged
        assert set(_statuses(book, name, "toy_ernst")[0]) == {"passed"}


def test_malformed_files_get_a_zero_row_with_a_reason(graded):
    _, book, _, _ = graded
    reasons = {
        "empty_file": "is empty",
        "invalid_json": "not a valid notebook",
        "binary_junk": "not a text file",
        "json_not_notebook": "not a valid notebook",
    }
    for name, reason in reasons.items():
        scores = _scores(book, name)
        assert scores == {"toy_scale": 0, "toy_ernst": 0, "toy_other": 3}
        status, msg = _statuses(book, name, "toy_scale")
        assert set(status) == {"invalid"} and reason in msg[0], (name, msg[0])
    st = _student(book, "unknown_name")
    assert _scores(book, "unknown_name") == {"toy_scale": 0, "toy_ernst": 0, "toy_other": 3}
    assert st.extra_rows[0]["status"] == "unknown_notebook" and "01_toy (1).ipynb" in st.extra_rows[0]["test"]
    assert _scores(book, "empty_folder") == {"toy_scale": 0, "toy_ernst": 0, "toy_other": 0}
    long_rows = book.long_rows()
    assert any(r[0] == "unknown_name" and r[5] == "unknown_notebook" for r in long_rows)
    assert any(r[0] == "empty_folder" and r[5] == "not_submitted" for r in long_rows)


def test_summary_counts_timeouts_and_crashes(graded):
    _, book, _, _ = graded
    text = gradebook.summary(book)
    assert "with a timeout: 3" in text
    assert "with a crash: 3" in text  # os_exit, segfault, floods_result_pipe (kills_its_parent survives)
    assert "unreadable: 4" in text and "unknown notebook names: 1" in text
    assert "toy_scale" in text and "median" in text
