"""`neurocourse release OUT`: the student copy holds the book, exercises and package, never
solutions/ or hidden tests, and refuses to write where it must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurocourse.grading import cli
from neurocourse.grading.release import release

REPO = Path(__file__).resolve().parents[1]


def _fake_course(root: Path) -> Path:
    for folder in ("book", "exercises", "solutions", "neurocourse/grading", "tests"):
        (root / folder).mkdir(parents=True)
    (root / "_toc.yml").write_text("root: intro\n")
    (root / "book" / "intro.md").write_text("# Intro\n")
    (root / "exercises" / "01_x.ipynb").write_text('{"cells": []}')
    (root / "solutions" / "01_x.ipynb").write_text("### BEGIN SOLUTION\n")
    (root / "neurocourse" / "__init__.py").write_text("")
    (root / "neurocourse" / "grading" / "hidden.py").write_text('"""loader\n\n    HIDDEN = {}\n"""\n')
    (root / "tests" / "test_x.py").write_text("")
    return root


def test_release_of_the_real_course_has_no_solutions(tmp_path):
    out = tmp_path / "student"
    assert cli.main(["release", str(out), "--source", str(REPO)]) == 0
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert any(n.startswith("exercises/") for n in names) and any(n.startswith("book/") for n in names)
    assert "neurocourse/grading/selfcheck.py" in names and "_toc.yml" in names
    assert not any(n.startswith(("solutions/", "tests/", ".git/")) for n in names)
    for p in out.rglob("*.ipynb"):
        assert "### BEGIN SOLUTION" not in p.read_text()


def test_release_refuses_unsafe_targets_and_leaks(tmp_path):
    course = _fake_course(tmp_path / "course")
    written = release(tmp_path / "rel", source=course)
    assert {p.relative_to(tmp_path / "rel").as_posix() for p in written} == {
        "_toc.yml",
        "book/intro.md",
        "exercises/01_x.ipynb",
        "neurocourse/__init__.py",
        "neurocourse/grading/hidden.py",  # the loader documents HIDDEN indented: not a tests file
    }
    with pytest.raises(ValueError, match="already exists"):
        release(tmp_path / "rel", source=course)
    release(tmp_path / "rel", source=course, force=True)  # an earlier release may be replaced
    (tmp_path / "other").mkdir()
    with pytest.raises(ValueError, match="already exists"):
        release(tmp_path / "other", source=course, force=True)  # but never any other folder
    with pytest.raises(ValueError, match="outside the course"):
        release(course / "inside", source=course)
    (course / "neurocourse" / "my_tests.py").write_text("HIDDEN = {'x': []}\n")
    with pytest.raises(ValueError, match="defines HIDDEN"):
        release(tmp_path / "rel2", source=course)
    assert not (tmp_path / "rel2").exists()
    (course / "neurocourse" / "my_tests.py").unlink()
    (course / "exercises" / "02_y.ipynb").write_text('{"source": "### BEGIN SOLUTION"}')
    with pytest.raises(ValueError, match="solution marker"):
        release(tmp_path / "rel3", source=course)
