"""The judge: verdicts, teaching messages, hidden-test discretion (closed, hand-made cases)."""

import numpy as np
import pytest

from neurocourse.grading.spec import Case, Exercise, Mistake, Outcome, call_safely, judge, random_cases


def _square(x):
    return np.asarray(x, dtype=float) ** 2


EX = Exercise(
    id="toy",
    title="Toy",
    notebook="00_toy",
    seed_problem=1234567,
    practises="squaring",
    reference={"square": _square, "name": lambda: "ok"},
    cases=(
        Case("square", args=(3.0,), label="x = 3", points=2),
        Case("square", args=(np.arange(4.0),), label="x = 0..3", points=1),
        Case("name", label="no input", points=1, compare="exact"),
        Case("square", args=(2.0,), label="secret", points=1, hidden=True),
    ),
    mistakes=(Mistake("square", "doubled", lambda x: 2 * np.asarray(x), "You doubled x instead of squaring it."),),
)


def _run(square, name=lambda: "ok"):
    fns = {"square": square, "name": name}
    return judge(EX, [call_safely(fns[c.function], c) for c in EX.cases])


def test_correct_functions_get_full_marks():
    r = _run(_square)
    assert r.score == r.max_score == 5
    assert "all public checks passed" in r.report()
    assert "all tests passed" not in r.report().lower()


def test_known_mistake_gets_its_message():
    r = _run(lambda x: 2 * np.asarray(x, dtype=float))
    # x = 3: 6 != 9 and matches the mistake; x = 0..3 differs too; hidden x = 2: 4 == 4 passes.
    assert r.cases[0].status == "failed"
    assert "You doubled x" in r.cases[0].message
    assert "expected 9, got 6" in r.cases[0].message
    assert r.score == 1 + 1


def test_off_by_one_shape_is_named():
    r = _run(lambda x: np.asarray(x, dtype=float)[:-1] ** 2 if np.ndim(x) else float(x) ** 2)
    assert r.cases[1].status == "failed"
    assert "off-by-one" in r.cases[1].message


def test_stub_and_errors_and_missing():
    def stub(x):
        raise NotImplementedError("Write your solution here.")

    r = _run(stub)
    assert [c.status for c in r.cases if c.function == "square"] == ["not_implemented"] * 3
    assert "not written yet" in r.cases[0].message
    text = r.report()
    assert text.count("[TODO] square: not written yet") == 1 and "(0/3)" in text
    assert "hidden test 1: failed" in text

    r = _run(lambda x: 1 / 0)
    assert r.cases[0].status == "error" and "ZeroDivisionError" in r.cases[0].message

    r = judge(EX, [call_safely(None, c) for c in EX.cases])
    assert r.score == 0 and all(c.status == "missing" for c in r.cases)


def test_timeout_crash_unsupported_outcomes():
    outcomes = [Outcome("timeout"), Outcome("crash", error="signal 11"), Outcome("unsupported", error="an object"),
                Outcome("ok", value=4.0)]
    r = judge(EX, outcomes)
    assert [c.status for c in r.cases] == ["timeout", "crash", "failed", "passed"]
    assert "time limit" in r.cases[0].message


def test_hidden_cases_reveal_nothing():
    r = _run(lambda x: np.asarray(x, dtype=float) ** 3)
    text = r.report()
    assert "hidden test 1: failed" in text
    assert "secret" not in text and "expected 4" not in text


def test_inputs_are_copied_so_a_function_cannot_corrupt_later_cases():
    def mutating(x):
        x = np.asarray(x)
        if x.ndim:
            x[:] = 100.0
        return _square(x)

    # The reference is computed on a fresh copy, so it still sees 0..3, and the mutated output fails.
    r = _run(mutating)
    assert r.cases[1].status == "failed"
    assert np.array_equal(EX.cases[1].args[0], np.arange(4.0))


def test_nan_is_not_a_pass_unless_expected():
    r = _run(lambda x: np.full(np.shape(x), np.nan))
    assert r.score == 1  # only the exact-compare "name" case


def test_random_cases_are_reproducible():
    a = random_cases("square", n=3, seed=7, draw=lambda rng: (rng.normal(),))
    b = random_cases("square", n=3, seed=7, draw=lambda rng: (rng.normal(),))
    assert [c.args for c in a] == [c.args for c in b]
    assert len({c.args for c in a}) == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"points": -1}, "points must be >= 0"),
        ({"rtol": -1e-3}, "rtol and atol"),
        ({"compare": "close"}, "compare must be"),
    ],
)
def test_case_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Case("square", **kwargs)


def test_exercise_rejects_unknown_function_and_bad_id():
    with pytest.raises(ValueError, match="not one of the graded functions"):
        Exercise("toy2", "t", "00", 1, "p", {"f": _square}, (Case("g"),))
    with pytest.raises(ValueError, match="lower-case identifier"):
        Exercise("Bad-Id", "t", "00", 1, "p", {"f": _square}, (Case("f"),))
