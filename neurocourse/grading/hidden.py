"""Hidden tests: extra cases an instructor keeps out of the course repository.

File format
-----------
A hidden-tests file is a Python file that defines a dict ``HIDDEN`` mapping exercise ids to
sequences of :class:`~neurocourse.grading.spec.Case`::

    # hidden_tests.py  (keep it out of the published repository)
    import numpy as np
    from neurocourse.grading.spec import Case

    HIDDEN = {
        "gre_signal": [
            Case("ernst_angle", args=(0.005, 1.4), label="very short TR", points=1, rtol=1e-6),
            Case("spoiled_gre_signal", args=(1.0, 0.05, 0.02, 0.01, 90.0), points=2, rtol=1e-9),
        ],
    }

The file is executed in the grader process only, never in a worker, and only the case inputs
travel to the worker that runs a submission. Every case is marked ``hidden=True`` whatever the file
says, so feedback shows only "hidden test k: passed/failed (points)", never inputs or expected
values. Reference answers come from the exercise's ``reference`` callables, as for public cases; the
loader computes each one once so that a broken hidden case stops the grader before any student is
graded.
"""

from __future__ import annotations

import dataclasses
import runpy
from collections.abc import Mapping, Sequence
from pathlib import Path

from neurocourse.grading.spec import Case, Exercise, expected_value


def load_hidden(path: str | Path, exercises: Sequence[Exercise]) -> dict[str, tuple[Case, ...]]:
    """Read a hidden-tests file and check it against ``exercises``.

    Parameters
    ----------
    path : str or Path
        The Python file defining ``HIDDEN`` (see the module docstring).
    exercises : sequence of Exercise
        The exercises being graded; every key of ``HIDDEN`` must be one of their ids.

    Returns
    -------
    dict
        Exercise id -> tuple of cases, each with ``hidden=True``.

    Raises
    ------
    ValueError
        If the file is missing, does not define a suitable ``HIDDEN``, names an unknown exercise or
        function, or a reference answer cannot be computed for a case.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"hidden-tests file {str(path)!r} does not exist")
    try:
        namespace = runpy.run_path(str(path), run_name="__hidden_tests__")
    except Exception as exc:
        raise ValueError(f"hidden-tests file {path.name} could not be run: {type(exc).__name__}: {exc}") from exc
    hidden = namespace.get("HIDDEN")
    if not isinstance(hidden, Mapping):
        raise ValueError(f"hidden-tests file {path.name} must define a dict HIDDEN = {{exercise id: [Case, ...]}}")
    by_id = {ex.id: ex for ex in exercises}
    out: dict[str, tuple[Case, ...]] = {}
    for ex_id, cases in hidden.items():
        if ex_id not in by_id:
            known = ", ".join(sorted(by_id))
            raise ValueError(f"hidden-tests file {path.name}: unknown exercise id {ex_id!r}; known ids: {known}")
        exercise = by_id[ex_id]
        if isinstance(cases, Case) or not isinstance(cases, Sequence):
            raise ValueError(f"hidden-tests file {path.name}: HIDDEN[{ex_id!r}] must be a list of Case")
        checked = []
        for k, case in enumerate(cases, start=1):
            where = f"hidden-tests file {path.name}: HIDDEN[{ex_id!r}] case {k}"
            if not isinstance(case, Case):
                raise ValueError(f"{where} must be a Case, got {type(case).__name__}")
            if case.function not in exercise.reference:
                raise ValueError(f"{where} calls {case.function!r}, which is not one of {list(exercise.functions)}")
            case = dataclasses.replace(case, hidden=True)
            try:
                expected_value(exercise, case)
            except Exception as exc:
                raise ValueError(
                    f"{where}: the reference answer cannot be computed ({type(exc).__name__}: {exc})"
                ) from exc
            checked.append(case)
        out[ex_id] = tuple(checked)
    return out
