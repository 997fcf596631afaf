"""The checks have teeth: for every registered exercise, the solution scores full marks, the generated
stub scores zero, and every known mistake (a plausible wrong answer) loses points and is explained.
Also: exercises/ is in sync with solutions/, and the notebooks are structured as the registry says."""

import contextlib
import inspect
import io
import os
import re
from functools import cache
from pathlib import Path

import pytest

from neurocourse.grading.assign import assign
from neurocourse.grading.notebook import exec_notebook, read_notebook
from neurocourse.grading.registry import all_exercises, notebooks
from neurocourse.grading.selfcheck import WORKER_ENV
from neurocourse.grading.spec import call_safely, judge

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = all_exercises()
IDS = [e.id for e in EXERCISES]
MISTAKES = [(ex, m) for ex in EXERCISES for m in ex.mistakes]
MISTAKE_IDS = [f"{ex.id}-{m.function}-{m.label}" for ex, m in MISTAKES]


@cache
def _namespace(kind: str, stem: str):
    nb = read_notebook(ROOT / kind / f"{stem}.ipynb")
    old = os.environ.get(WORKER_ENV)
    os.environ[WORKER_ENV] = "1"  # self-check cells do nothing while we load the functions
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            ns, errors = exec_notebook(nb)
    finally:
        if old is None:
            del os.environ[WORKER_ENV]
        else:
            os.environ[WORKER_ENV] = old
    return ns, errors


def _grade(ex, ns, **override):
    fns = {name: ns.get(name) for name in ex.functions}
    fns.update(override)
    return judge(ex, [call_safely(fns[c.function], c) for c in ex.cases])


def test_the_course_has_exercises():
    assert len(EXERCISES) >= 1
    for stem in notebooks():
        assert (ROOT / "solutions" / f"{stem}.ipynb").exists(), f"no solution notebook for {stem}"


def test_exercises_in_sync_with_solutions():
    result = assign(ROOT / "solutions", ROOT / "exercises", check=True)
    assert result.stale == (), f"run `neurocourse assign`: stale {[p.name for p in result.stale]}"


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_solution_scores_full_marks(ex):
    ns, errors = _namespace("solutions", ex.notebook)
    assert errors == []
    result = _grade(ex, ns)
    assert result.score == result.max_score > 0, result.report()


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_stub_scores_zero(ex):
    ns, errors = _namespace("exercises", ex.notebook)
    assert errors == [], "student notebooks must run top to bottom without errors"
    result = _grade(ex, ns)
    assert result.score == 0, result.report()
    assert {c.status for c in result.cases} == {"not_implemented"}


@pytest.mark.parametrize("ex, mistake", MISTAKES, ids=MISTAKE_IDS)
def test_each_mistake_loses_points_and_is_explained(ex, mistake):
    ns, _ = _namespace("solutions", ex.notebook)
    result = _grade(ex, ns, **{mistake.function: mistake.wrong})
    assert result.score < result.max_score, f"mistake {mistake.label!r} is not caught"
    messages = [c.message for c in result.cases if not c.passed]
    assert any(mistake.message in m for m in messages), f"no failing case explains {mistake.label!r}"


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_exercise_structure(ex):
    assert len(ex.functions) >= 2, "each exercise has at least two graded functions"
    assert re.fullmatch(r"\d{7}", str(ex.seed_problem)), "seed problem ids are 7-digit numbers"
    missing = [f for f in ex.functions if not any(m.function == f for m in ex.mistakes)]
    assert missing == [], f"graded functions without a known mistake: {missing}"
    assert all(c.label for c in ex.cases), "every case describes its inputs"
    nb = read_notebook(ROOT / "solutions" / f"{ex.notebook}.ipynb")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(rf"""check\(\s*["']{ex.id}["']""", text), f"no self-check cell for {ex.id}"
    assert str(ex.seed_problem) in "\n".join(c.source for c in nb.cells), "notebook names its seed problem"


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_stub_signatures_and_docstrings_match_solution(ex):
    sol, _ = _namespace("solutions", ex.notebook)
    stu, _ = _namespace("exercises", ex.notebook)
    for name in ex.functions:
        assert inspect.signature(stu[name]) == inspect.signature(sol[name])
        assert inspect.getdoc(stu[name]) == inspect.getdoc(sol[name]) and inspect.getdoc(sol[name])
