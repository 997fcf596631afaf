"""How an exercise is specified and judged.

An :class:`Exercise` names the functions a student writes, the package callables that compute the
reference answers, points-weighted :class:`Case` inputs, and known :class:`Mistake` s (plausible wrong
answers that get a teaching message, and that the test suite uses as mutants).

Judging is split from running, so that the same judge serves the in-notebook self-check (student
code runs in the student's kernel) and the batch grader (student code runs in a separate, limited
process that only returns values). :func:`judge` always runs in the grader's own process: it
computes the reference answers itself and compares them with the returned outputs.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Compare = Literal["allclose", "exact"] | Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Case:
    """One points-weighted test input for one graded function.

    Parameters
    ----------
    function : str
        Name of the student's function this case calls.
    args, kwargs : tuple, dict
        Inputs: plain numbers, strings, bools and numpy arrays (they must survive a round trip to a
        separate process).
    label : str
        The inputs in words, e.g. ``"TR = 2 s, T1 = 1.3 s"``; shown in feedback.
    points : float
        Points awarded when the output matches the reference.
    rtol, atol : float
        Relative and absolute tolerance for ``compare="allclose"``.
    compare : {"allclose", "exact"} or callable
        ``"allclose"`` compares numbers and arrays (shapes must match; NaN equals NaN);
        ``"exact"`` compares with ``==`` (strings, ints, bools, sequences of those); a callable
        ``(got, expected) -> bool`` is used as is.
    hint : str, optional
        Shown when the case fails and no known mistake matches the output.
    hidden : bool
        Hidden cases are reported only as "hidden test k: passed/failed".
    """

    function: str
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    points: float = 1.0
    rtol: float = 1e-9
    atol: float = 0.0
    compare: Compare = "allclose"
    hint: str | None = None
    hidden: bool = False

    def __post_init__(self):
        if self.points < 0:
            raise ValueError(f"points must be >= 0, got {self.points}")
        if self.rtol < 0 or self.atol < 0:
            raise ValueError(f"rtol and atol must be >= 0, got {self.rtol}, {self.atol}")
        if not isinstance(self.compare, str) and not callable(self.compare):
            raise ValueError(f"compare must be 'allclose', 'exact' or a callable, got {self.compare!r}")
        if isinstance(self.compare, str) and self.compare not in ("allclose", "exact"):
            raise ValueError(f"compare must be 'allclose', 'exact' or a callable, got {self.compare!r}")


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer for one graded function.

    Parameters
    ----------
    function : str
        The graded function this mistake is about.
    label : str
        A short name, e.g. ``"returned radians"``.
    wrong : callable
        A complete wrong implementation with the same signature as the graded function.
    message : str
        What the student is told when their output matches ``wrong`` on a failing case.
    """

    function: str
    label: str
    wrong: Callable[..., Any]
    message: str


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: a seed problem, the functions to write, and the cases that judge them."""

    id: str
    title: str
    notebook: str
    seed_problem: int
    practises: str
    reference: Mapping[str, Callable[..., Any]]
    cases: tuple[Case, ...]
    mistakes: tuple[Mistake, ...] = ()
    #: Extra package callables to seal while this exercise is graded (see grading.seal); the
    #: references and the package functions built on them are sealed without being listed here.
    sealed: tuple[Callable[..., Any], ...] = ()

    def __post_init__(self):
        if not self.id.isidentifier() or self.id != self.id.lower():
            raise ValueError(f"exercise id must be a lower-case identifier, got {self.id!r}")
        if not self.cases:
            raise ValueError(f"exercise {self.id!r} has no cases")
        for case in self.cases:
            if case.function not in self.reference:
                raise ValueError(
                    f"exercise {self.id!r}: case calls {case.function!r}, which is not one of the "
                    f"graded functions {sorted(self.reference)}"
                )
        for mistake in self.mistakes:
            if mistake.function not in self.reference:
                raise ValueError(
                    f"exercise {self.id!r}: mistake {mistake.label!r} is about {mistake.function!r}, "
                    f"which is not one of the graded functions {sorted(self.reference)}"
                )

    @property
    def functions(self) -> tuple[str, ...]:
        """Names of the functions the student writes, in the order they are first tested."""
        return tuple(self.reference)

    @property
    def max_points(self) -> float:
        return float(sum(c.points for c in self.cases))


def random_cases(
    function: str,
    *,
    n: int,
    seed: int,
    draw: Callable[[np.random.Generator], tuple],
    label: str = "random inputs",
    **case_options,
) -> tuple[Case, ...]:
    """Draw ``n`` cases whose positional inputs come from ``draw(rng)``, seeded once, at import.

    Students and the grader therefore see the same inputs, and grading is reproducible.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for k in range(n):
        args = draw(rng)
        if not isinstance(args, tuple):
            args = (args,)
        cases.append(Case(function, args=args, label=f"{label} #{k + 1}", **case_options))
    return tuple(cases)


# ---------------------------------------------------------------------------------------------
# Outcomes: what running a student's function produced (in whatever process it ran).


@dataclass(frozen=True)
class Outcome:
    """The result of calling a student's function on one case's inputs.

    ``kind`` is ``"ok"`` (``value`` holds the return value), ``"error"`` (the function raised;
    ``error`` is ``"TypeName: message"``), ``"missing"`` (no such function was defined),
    ``"timeout"``, ``"crash"`` (the process died) or ``"unsupported"`` (it returned a value that
    cannot be judged, e.g. an arbitrary object).
    """

    kind: Literal["ok", "error", "missing", "timeout", "crash", "unsupported"]
    value: Any = None
    error: str = ""


def call_safely(fn: Callable[..., Any] | None, case: Case) -> Outcome:
    """Call ``fn`` on a deep copy of ``case``'s inputs, turning any exception into an Outcome."""
    if fn is None:
        return Outcome("missing")
    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(dict(case.kwargs))
    try:
        value = fn(*args, **kwargs)
    except Exception as exc:  # the student's code may raise anything
        return Outcome("error", error=f"{type(exc).__name__}: {exc}")
    return Outcome("ok", value=value)


# ---------------------------------------------------------------------------------------------
# Judging: always in the grader's process.


@dataclass(frozen=True)
class CaseResult:
    """The verdict on one case."""

    exercise: str
    index: int
    function: str
    label: str
    points: float
    max_points: float
    status: Literal["passed", "failed", "error", "not_implemented", "missing", "timeout", "crash"]
    message: str
    hidden: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class ExerciseResult:
    """All case verdicts of one exercise, with the total."""

    exercise: str
    title: str
    cases: tuple[CaseResult, ...]

    def __repr__(self) -> str:
        # Short, so that a notebook cell ending in check(...) does not print every case twice.
        return f"<ExerciseResult {self.exercise}: {self.score:g}/{self.max_score:g} points>"

    @property
    def score(self) -> float:
        return float(sum(c.points for c in self.cases))

    @property
    def max_score(self) -> float:
        return float(sum(c.max_points for c in self.cases))

    def report(self, *, show_hidden_details: bool = False) -> str:
        """Plain-text feedback: one line per case, then the total. Hidden cases reveal nothing."""
        lines = [f"Exercise {self.exercise}: {self.title}"]
        hidden_k = 0
        # A function whose every public case raised NotImplementedError gets one line, not one per case.
        unwritten = {
            f
            for f in {c.function for c in self.cases}
            if all(c.status == "not_implemented" for c in self.cases if c.function == f and not c.hidden)
        }
        reported = set()
        for c in self.cases:
            if c.function in unwritten and not c.hidden:
                if c.function not in reported:
                    reported.add(c.function)
                    best = sum(x.max_points for x in self.cases if x.function == c.function and not x.hidden)
                    lines.append(
                        f"  [TODO] {c.function}: not written yet (it raises NotImplementedError) "
                        f"(0/{_fmt_points(best)})"
                    )
                continue
            mark = "PASS" if c.passed else "FAIL"
            pts = f"({_fmt_points(c.points)}/{_fmt_points(c.max_points)})"
            if c.hidden and not show_hidden_details:
                hidden_k += 1
                word = "passed" if c.passed else "failed"
                lines.append(f"  [{mark}] hidden test {hidden_k}: {word} {pts}")
                continue
            head = f"  [{mark}] {c.function}({c.label}) {pts}" if c.label else f"  [{mark}] {c.function} {pts}"
            lines.append(head if c.passed else f"{head}\n         {c.message}")
        public = [c for c in self.cases if not c.hidden]
        got = sum(c.points for c in public)
        best = sum(c.max_points for c in public)
        if public and all(c.passed for c in public):
            verdict = "all public checks passed"
        else:
            verdict = f"{sum(c.passed for c in public)} of {len(public)} public checks passed"
        lines.append(f"  Score: {_fmt_points(got)}/{_fmt_points(best)} points; {verdict}.")
        if any(c.hidden for c in self.cases):
            lines.append(f"  Including hidden tests: {_fmt_points(self.score)}/{_fmt_points(self.max_score)}.")
        else:
            lines.append("  (Instructors may grade with additional hidden tests.)")
        return "\n".join(lines)


def _fmt_points(p: float) -> str:
    return f"{p:g}"


def judge(
    exercise: Exercise,
    outcomes: Sequence[Outcome],
    cases: Sequence[Case] | None = None,
    expected: Callable[[int, Case], Any] | None = None,
    wrong: Callable[[int, Case, int], Any] | None = None,
) -> ExerciseResult:
    """Compare student outcomes with reference answers computed here, case by case.

    Parameters
    ----------
    exercise : Exercise
        The exercise being judged; its ``reference`` callables compute the expected values.
    outcomes : sequence of Outcome
        One outcome per case, in order.
    cases : sequence of Case, optional
        The cases the outcomes belong to (default: ``exercise.cases``; the batch grader appends
        hidden cases).
    expected : callable, optional
        ``expected(index, case)`` gives the reference answer of case ``index`` (the batch grader
        computes each once per batch); default: :func:`expected_value`.
    wrong : callable, optional
        ``wrong(index, case, k)`` gives what ``exercise.mistakes[k]`` returns on case ``index``, or
        raises (the batch grader computes each once per batch); default: :func:`mistake_value`.

    Hidden cases get a message that says only what happened (``"hidden test failed"``): nothing
    computed from a hidden input, by the student or by the reference, reaches feedback.
    """
    cases = tuple(exercise.cases if cases is None else cases)
    if len(outcomes) != len(cases):
        raise ValueError(f"outcomes must have one entry per case ({len(cases)}), got {len(outcomes)}")
    results = []
    for index, (case, outcome) in enumerate(zip(cases, outcomes)):
        status, message = _verdict(exercise, case, outcome, index, expected, wrong)
        if case.hidden:
            message = f"hidden test: {status.replace('_', ' ')}"
        results.append(
            CaseResult(
                exercise=exercise.id,
                index=index,
                function=case.function,
                label=case.label,
                points=case.points if status == "passed" else 0.0,
                max_points=case.points,
                status=status,
                message=message,
                hidden=case.hidden,
            )
        )
    return ExerciseResult(exercise.id, exercise.title, tuple(results))


def expected_value(exercise: Exercise, case: Case) -> Any:
    """The reference answer for ``case``, computed in this process on a copy of the inputs."""
    ref = exercise.reference[case.function]
    return ref(*copy.deepcopy(case.args), **copy.deepcopy(dict(case.kwargs)))


def mistake_value(mistake: Mistake, case: Case) -> Any:
    """What ``mistake`` returns on ``case``'s inputs (copies), computed in this process."""
    return mistake.wrong(*copy.deepcopy(case.args), **copy.deepcopy(dict(case.kwargs)))


def _verdict(
    exercise: Exercise,
    case: Case,
    outcome: Outcome,
    index: int = 0,
    expected_of: Callable[[int, Case], Any] | None = None,
    wrong_of: Callable[[int, Case, int], Any] | None = None,
) -> tuple[str, str]:
    fname = case.function
    if outcome.kind == "missing":
        return "missing", f"no function named {fname} was found: keep the name and signature given."
    if outcome.kind == "timeout":
        return "timeout", f"{fname} did not finish within the time limit (an infinite loop?)."
    if outcome.kind == "crash":
        detail = f" ({outcome.error})" if outcome.error else ""
        return "crash", f"running {fname} crashed the Python process{detail}."
    if outcome.kind == "unsupported":
        return "failed", f"{fname} returned {outcome.error}; return numbers, arrays, strings or tuples of them."
    if outcome.kind == "error":
        if outcome.error.startswith("NotImplementedError"):
            return "not_implemented", f"{fname} is not written yet (it raises NotImplementedError)."
        return "error", f"{fname} raised {outcome.error}"
    expected = expected_of(index, case) if expected_of is not None else expected_value(exercise, case)
    got = outcome.value
    ok, problem = _matches(got, expected, case, explain=not case.hidden)
    if ok:
        return "passed", ""
    if case.hidden:  # judge() reports only the status: no mistake to look for
        return "failed", ""
    for k, mistake in enumerate(exercise.mistakes):
        if mistake.function != fname:
            continue
        try:
            wrong = wrong_of(index, case, k) if wrong_of is not None else mistake_value(mistake, case)
        except Exception:  # a mistake that cannot be evaluated on these inputs says nothing
            continue
        if _matches(got, wrong, case, False)[0] and not _matches(wrong, expected, case, False)[0]:
            return "failed", f"{problem} {mistake.message}"
    if case.hint:
        return "failed", f"{problem} Hint: {case.hint}"
    return "failed", problem


def _describe(value: Any) -> str:
    arr = _as_array(value)
    if arr is None:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    if arr.ndim == 0:
        x = arr.item()
        if isinstance(x, bool | np.bool_):
            return str(bool(x))
        if isinstance(x, int | np.integer):
            return str(int(x))
        if isinstance(x, float):
            return f"{x:.6g}"
        return repr(x)
    if arr.size <= 6:
        return np.array2string(arr, precision=5, separator=", ")
    head = np.array2string(arr.ravel()[:3], precision=4, separator=", ")
    return f"an array of shape {arr.shape} (first values {head}...)"


def _as_array(value: Any) -> np.ndarray | None:
    """A numeric (or bool) array view of ``value``, or None if it is not numeric."""
    if isinstance(value, str | bytes | dict) or value is None:
        return None
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    if arr.dtype.kind not in "biufc":
        return None
    return arr


def _matches(got: Any, expected: Any, case: Case, explain: bool = True) -> tuple[bool, str]:
    """Whether ``got`` matches ``expected`` under ``case``'s comparison, and if not, why (the
    message is only written for a mismatch: formatting arrays costs more than comparing them)."""

    def mismatch() -> str:
        if not explain:
            return ""
        if not case.label:
            return f"Expected {_describe(expected)}, got {_describe(got)}."
        return f"For {case.label}: expected {_describe(expected)}, got {_describe(got)}."

    if callable(case.compare):
        try:
            ok = bool(case.compare(got, expected))
        except Exception:
            ok = False
        return ok, "" if ok else mismatch()
    if case.compare == "exact":
        try:
            ok = _exact_equal(got, expected)
        except Exception:
            ok = False
        return ok, "" if ok else mismatch()
    exp = _as_array(expected)
    out = _as_array(got)
    if exp is None:
        raise TypeError(f"case for {case.function}: 'allclose' needs a numeric reference answer")
    if out is None:
        return False, f"For {case.label}: expected a number or array, got {_describe(got)}."
    if out.shape != exp.shape:
        hint = ""
        if out.ndim == exp.ndim == 1 and abs(out.shape[0] - exp.shape[0]) == 1:
            hint = " An off-by-one in the number of samples?"
        return False, f"For {case.label}: expected shape {exp.shape}, got shape {out.shape}.{hint}"
    with np.errstate(all="ignore"):
        ok = bool(np.allclose(out, exp, rtol=case.rtol, atol=case.atol, equal_nan=True))
    return ok, "" if ok else mismatch()


def _exact_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        return a_arr.shape == b_arr.shape and bool(np.all(a_arr == b_arr))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_exact_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    result = a == b
    return bool(result) if isinstance(result, bool | np.bool_) else False
