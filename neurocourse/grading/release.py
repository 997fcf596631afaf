"""``neurocourse release OUT``: the student-facing copy of a graded course.

The course repository holds what students must not see while they are graded: ``solutions/`` (the
single source of every exercise) and, if an instructor keeps it there against advice, a hidden-tests
file. A release holds the book sources, the Jupyter Book configuration, ``exercises/``, the package
(with its public self-checks), and what is needed to install it, and nothing else. It is checked
after writing: no solution marker, no file defining ``HIDDEN``, no ``solutions/`` folder.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

#: What a release copies from the course repository (folders and files, when present).
INCLUDED = (
    "book",
    "exercises",
    "neurocourse",
    "_config.yml",
    "_toc.yml",
    "README.md",
    "pyproject.toml",
    "requirements.txt",
    "LICENSE",
    "Makefile",
)
_SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints", "_build", ".git", "solutions"}
_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS")
_HIDDEN_DEF = re.compile(r"^HIDDEN\s*[:=]", re.MULTILINE)
_RELEASE_TAG = ".neurocourse-release"


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {
        n for n in names if n in _SKIP_NAMES or n.endswith((".pyc", ".egg-info")) or n.lower().startswith("hidden_test")
    }


def release(out: str | Path, *, source: str | Path = ".", force: bool = False) -> list[Path]:
    """Write the student-facing copy of the course at ``source`` into the new folder ``out``.

    Parameters
    ----------
    out : str or Path
        The folder to create. It must not exist, unless ``force`` and it is an earlier release.
    source : str or Path
        The course repository (holding ``_toc.yml`` and ``neurocourse/``).
    force : bool
        Replace ``out`` when it is an earlier release (never any other folder).

    Returns
    -------
    list of Path
        Every file written.

    Raises
    ------
    ValueError
        If ``source`` is not a course repository, ``out`` exists (and is not a release with
        ``force``) or lies inside ``source``, or the copy would hold a solution or hidden test.
    """
    source, out = Path(source).resolve(), Path(out)
    if not (source / "neurocourse").is_dir() or not (source / "exercises").is_dir():
        raise ValueError(
            f"source must be the course repository (with neurocourse/ and exercises/), got {str(source)!r}"
        )
    if out.resolve() == source or out.resolve().is_relative_to(source):
        raise ValueError(f"OUT must be outside the course repository, got {str(out)!r}")
    if out.exists() or out.is_symlink():
        if not (force and (out / _RELEASE_TAG).is_file() and not out.is_symlink()):
            raise ValueError(f"OUT {str(out)!r} already exists (use --force to replace an earlier release)")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / _RELEASE_TAG).write_text("written by `neurocourse release`\n")
    for name in INCLUDED:
        src = source / name
        if src.is_symlink():
            continue
        if src.is_dir():
            shutil.copytree(src, out / name, ignore=_ignore, symlinks=True)
        elif src.is_file():
            shutil.copy2(src, out / name)
    written = sorted(p for p in out.rglob("*") if p.is_file() and p.name != _RELEASE_TAG)
    problems = []
    for path in written:
        if path.is_symlink():
            problems.append(f"{path.relative_to(out)} is a symbolic link")
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        if any(m in text for m in _MARKERS) and path.suffix == ".ipynb":
            problems.append(f"{path.relative_to(out)} holds a solution marker")
        if path.suffix == ".py" and _HIDDEN_DEF.search(text):
            problems.append(f"{path.relative_to(out)} defines HIDDEN (a hidden-tests file)")
    if problems:
        shutil.rmtree(out)
        raise ValueError("the release was not written: " + "; ".join(problems))
    return written
