"""Exercises and grading: the registry, the self-check, ``assign`` and the batch grader.

Students call :func:`check` in their notebooks. Instructors use the ``neurocourse`` command
(``neurocourse assign``, ``neurocourse check NOTEBOOK``, ``neurocourse grade``).
"""

from neurocourse.grading.selfcheck import check

__all__ = ["check"]
