"""The self-check a student runs in a notebook: ``check("<exercise id>", fn, ...)``."""

from __future__ import annotations

import os
from collections.abc import Callable

from neurocourse.grading.registry import get
from neurocourse.grading.spec import ExerciseResult, call_safely, judge

#: Set in the batch grader's worker processes, where self-check cells must do nothing.
WORKER_ENV = "NEUROCOURSE_GRADING_WORKER"


def check(exercise_id: str, *functions: Callable, quiet: bool = False, **named: Callable) -> ExerciseResult | None:
    """Run the public checks of an exercise on your functions and print what passed and what did not.

    Parameters
    ----------
    exercise_id : str
        The exercise id given in the notebook, e.g. ``"gre_signal"``.
    *functions : callable
        Your functions; each is matched to the graded function of the same ``__name__``.
    quiet : bool
        If True, do not print the report (the result is still returned).
    **named : callable
        Functions given by graded name, e.g. ``ernst_angle=my_ernst``, for when your function has a
        different name.

    Returns
    -------
    ExerciseResult or None
        The verdicts, with ``.score`` and ``.max_score``; None inside the batch grader's worker.

    Notes
    -----
    Failures are reported in words, with the expected value for public checks. Passing every public
    check does not guarantee full marks: instructors may add hidden tests.
    """
    if os.environ.get(WORKER_ENV):
        return None
    exercise = get(exercise_id)
    supplied = _match_functions(exercise.functions, functions, named)
    outcomes = [call_safely(supplied.get(case.function), case) for case in exercise.cases]
    result = judge(exercise, outcomes)
    if not quiet:
        print(result.report())
    return result


def _match_functions(graded: tuple[str, ...], functions: tuple[Callable, ...], named: dict) -> dict:
    supplied: dict[str, Callable] = {}
    for fn in functions:
        name = getattr(fn, "__name__", None)
        if name not in graded:
            raise ValueError(
                f"check() got a function named {name!r}, but this exercise grades {list(graded)}; "
                "keep the given function names, or pass name=function"
            )
        supplied[name] = fn
    for name, fn in named.items():
        if name not in graded:
            raise ValueError(f"check() got {name}=..., but this exercise grades {list(graded)}")
        supplied[name] = fn
    return supplied
