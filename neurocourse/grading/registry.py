"""The exercise registry: every :class:`~neurocourse.grading.spec.Exercise` of the course.

Each notebook's exercises live in their own module under :mod:`neurocourse.grading.exercises`,
as a module-level tuple ``EXERCISES``. This module collects them, checks that ids are unique, and
looks them up by id or notebook.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from neurocourse.grading import exercises as _exercise_pkg
from neurocourse.grading.spec import Exercise


@cache
def all_exercises() -> tuple[Exercise, ...]:
    """Every registered exercise, ordered by notebook name, then as declared in its module."""
    found: list[Exercise] = []
    for info in sorted(pkgutil.iter_modules(_exercise_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_exercise_pkg.__name__}.{info.name}")
        found.extend(getattr(module, "EXERCISES", ()))
    seen: dict[str, Exercise] = {}
    for ex in found:
        if ex.id in seen:
            raise ValueError(f"exercise id {ex.id!r} is registered twice")
        seen[ex.id] = ex
    return tuple(sorted(found, key=lambda e: e.notebook))


def get(exercise_id: str) -> Exercise:
    """The exercise with id ``exercise_id``; ValueError listing the known ids otherwise."""
    for ex in all_exercises():
        if ex.id == exercise_id:
            return ex
    known = ", ".join(e.id for e in all_exercises())
    raise ValueError(f"unknown exercise id {exercise_id!r}; known ids: {known}")


def by_notebook(notebook: str) -> tuple[Exercise, ...]:
    """Exercises whose notebook stem is ``notebook`` (e.g. ``"02_mr_acquisition"``)."""
    return tuple(ex for ex in all_exercises() if ex.notebook == notebook)


def notebooks() -> tuple[str, ...]:
    """Notebook stems that carry at least one exercise, sorted."""
    return tuple(sorted({ex.notebook for ex in all_exercises()}))
