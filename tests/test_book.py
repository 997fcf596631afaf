"""Static checks of the book: notebook headers, the table of contents, chapter anatomy, citations.

The strict build (`jupyter-book build . -W -n`) is the final gate; these checks fail earlier and
with clearer messages.
"""

import re
from pathlib import Path

import pytest
import yaml

from neurocourse.grading.registry import notebooks

ROOT = Path(__file__).resolve().parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def _toc_files(node=TOC):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root"):
                yield value
            else:
                yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


TOC_FILES = list(_toc_files())
CHAPTERS = [f for f in TOC_FILES if f.startswith("book/") and f not in ("book/intro", "book/practices")]
BIB = (ROOT / "book" / "references.bib").read_text()
BIB_KEYS = re.findall(r"@\w+\{\s*([^,\s]+)\s*,", BIB)


def _source(entry: str) -> Path:
    for suffix in (".md", ".ipynb"):
        path = ROOT / f"{entry}{suffix}"
        if path.exists():
            return path
    raise AssertionError(f"_toc.yml lists {entry}, which does not exist")


def test_toc_entries_exist():
    for entry in TOC_FILES:
        _source(entry)


def test_every_exercise_notebook_is_in_the_book():
    for stem in notebooks():
        assert f"exercises/{stem}" in TOC_FILES, f"exercises/{stem} missing from _toc.yml"


@pytest.mark.parametrize("path", sorted((ROOT / "book").glob("*.md")), ids=lambda p: p.name)
def test_code_pages_have_the_full_jupytext_header(path):
    text = path.read_text()
    if "{code-cell}" not in text:
        return
    header = yaml.safe_load(text.split("---")[1])
    assert header["jupytext"]["text_representation"]["format_name"] == "myst"
    assert header["kernelspec"] == {"display_name": "Python 3", "language": "python", "name": "python3"}


@pytest.mark.parametrize("entry", CHAPTERS)
def test_chapter_anatomy(entry):
    text = _source(entry).read_text()
    assert "Learning objectives" in text
    labels = re.findall(r"^\$\$\s*\((eq-[\w-]+)\)", text, flags=re.M)
    assert labels, "numbered equations: $$ ... $$ (eq-label)"
    refs = set(re.findall(r"\{eq\}`(eq-[\w-]+)`", text))
    assert refs & set(labels), "equations must be referenced in the text with {eq}"
    assert "{footcite" in text and "{footbibliography}" in text, "per-chapter references"
    assert re.search(r"from neurocourse\.widgets(\.\w+)? import", text), "at least one ipywidgets explorer"
    assert "exercises/" in text or "{ref}`practices`" in text, "link to the graded exercises"
    assert "Check your understanding" in text


def test_bibliography_keys_are_unique_and_cited_keys_exist():
    dupes = {k for k in BIB_KEYS if BIB_KEYS.count(k) > 1}
    assert not dupes, f"duplicate bibtex keys: {sorted(dupes)}"
    for path in (ROOT / "book").glob("*.md"):
        for group in re.findall(r"\{(?:foot)?cite(?::\w+)?\}`([^`]+)`", path.read_text()):
            for key in group.split(","):
                assert key.strip() in BIB_KEYS, f"{path.name} cites unknown key {key.strip()!r}"
