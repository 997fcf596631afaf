"""Every Markdown cell of every notebook and chapter renders with its math intact.

The Markdown is parsed with the book's own parser (myst-parser's markdown-it, with the extensions of
``_config.yml``), the parser myst-nb uses for the web pages. Math the parser did not recognise shows
as a stray ``$`` in the text; math it closed in the wrong place swallows the prose that follows
(e.g. ``$$ ... $$`` inside a paragraph: it is not display math there, and the single ``$`` pairs
that remain enclose sentences). Display math must also be a block of its own (blank line before,
``$$`` on its own lines), which JupyterLab, Colab and GitHub render the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
EXTENSIONS = set(CONFIG["parse"]["myst_enable_extensions"])
MD = create_md_parser(MdParserConfig(enable_extensions=EXTENSIONS), RendererHTML)

# directives whose body is Markdown (admonitions and the like): parsed too
_CODE_DIRECTIVES = {
    "{code-cell}",
    "{code-block}",
    "{code}",
    "{math}",
    "{raw}",
    "{eval-rst}",
    "{footbibliography}",
    "{bibliography}",
    "{glue}",
    "{figure}",
    "{image}",
    "{list-table}",
    "{csv-table}",
    "{mermaid}",
    "{literalinclude}",
    "{toctree}",
    "{tableofcontents}",
}
# inside math: \text{...}-like groups and \commands are not prose
_MATH_TEXT = re.compile(r"\\(text|mathrm|mathit|mathbf|operatorname|textrm|textit|mbox)\s*\{[^{}]*\}")
_MATH_CMD = re.compile(r"\\[A-Za-z]+")
_PROSE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}\s+[A-Za-z]{3,}\s+[A-Za-z]{2,}")


def _cells(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
    else:
        nb = jupytext.read(path)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def _sources() -> list[Path]:
    files = sorted((ROOT / "book").glob("*.md"))
    files += sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))
    return files


def _display_math_problems(text: str) -> list[str]:
    """``$$`` opens a display block only at the start of a line that follows a blank line."""
    problems = []
    lines = text.splitlines()
    inside = False
    in_code = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
        if in_code or "$$" not in line:
            continue
        count = line.count("$$")
        if not inside:
            if not stripped.startswith("$$"):
                problems.append(f"line {i + 1}: $$ inside a paragraph: {stripped[:60]!r}")
            elif i > 0 and lines[i - 1].strip() and not lines[i - 1].strip().startswith(("$$", ":::", "```")):
                problems.append(f"line {i + 1}: display math needs a blank line before it: {stripped[:60]!r}")
        if count % 2 == 1:
            inside = not inside
    return problems


def _token_problems(tokens, where: str) -> list[str]:
    problems = []
    for tok in tokens:
        if tok.type in ("fence", "colon_fence"):
            name = tok.info.strip().split(" ")[0]
            if name.startswith("{") and name not in _CODE_DIRECTIVES:
                body = "\n".join(line for line in tok.content.splitlines() if not re.match(r"\s*:\w[\w-]*:", line))
                problems += _token_problems(MD.parse(body), where)
            continue
        for child in tok.children or []:
            if child.type == "text" and "$" in child.content:
                problems.append(f"{where}: stray $ in the text: {child.content[:60]!r}")
            if child.type.startswith("math_inline"):
                body = child.content
                if body != body.strip():
                    problems.append(
                        f"{where}: inline math starts or ends with a space "
                        f"(a $ closed in the wrong place?): {body[:60]!r}"
                    )
                plain = _MATH_CMD.sub(" ", _MATH_TEXT.sub(" ", body))
                if "**" in body or "`" in body or _PROSE.search(plain):
                    problems.append(f"{where}: prose swallowed into math: {body[:60]!r}")
        if tok.type == "inline" and "$$" in tok.content:
            problems.append(f"{where}: $$ inside a paragraph is not display math: {tok.content[:60]!r}")
    return problems


def markdown_problems(text: str, where: str = "cell") -> list[str]:
    """Problems of one Markdown cell (empty when it renders cleanly)."""
    return _token_problems(MD.parse(text), where) + [f"{where}: {p}" for p in _display_math_problems(text)]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_renders(path):
    problems = []
    for k, text in enumerate(_cells(path)):
        problems += markdown_problems(text, f"{path.name} markdown cell {k}")
    assert not problems, "\n".join(problems)


# The checker itself: it must catch the broken forms and accept the correct ones.
BROKEN = [
    "An LTI system responds with\n$$y = s * h,$$\na **causal** sum where $t$ is time.",  # issue 12
    "The cost is $5 and the fee $6 per scan.",  # unescaped dollars pair up
    "We write $ x$ here.",  # space inside delimiters
    "Text before\n$$\nx = 1\n$$\n",  # display math glued to a paragraph
]
FINE = [
    "Inline $x = 1$ and $\\text{slope}\\cdot n\\,dt$ math.",
    "Convolution:\n\n$$\ny(t) = \\int s(\\tau)\\,h(t-\\tau)\\,d\\tau\n$$ (eq-conv)\n\nthen text.",
    "1. item with\n\n   $$\n   a = b\n   $$\n\n2. next",
    "Code `a$b` is not math, nor is\n\n```python\nx = '$'\n```\n",
]


@pytest.mark.parametrize("text", BROKEN)
def test_checker_catches_broken_markdown(text):
    assert markdown_problems(text)


@pytest.mark.parametrize("text", FINE)
def test_checker_accepts_correct_markdown(text):
    assert markdown_problems(text) == []
