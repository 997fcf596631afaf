"""The house rules of CONTRIBUTING.md, checked on every module of the package (including new ones).

1. The science never imports ``neurocourse.grading``, ``neurocourse.widgets``, ``neurocourse.plotting``,
   matplotlib or ipywidgets (checked statically per module, and by importing all of the science in a
   fresh interpreter).
2. No module imports another module's private (``_x``) name. ``neurocourse._validation`` is a private
   *module* of public helpers, made to be shared.
3. ``__init__.py`` files only re-export: a docstring, imports, ``__all__`` (and ``__version__``).
4. Every public function of the science has a numpydoc docstring: a ``Parameters`` section naming
   every parameter and a ``Returns`` (or ``Yields``) section, and every numeric entry states its unit
   (the rule is spelled out in CONTRIBUTING.md, "Docstrings and units").
5. Doctested ``Examples`` run and give the output they show.

Modules that broke a rule when the rule arrived are listed in ``KNOWN_GAPS`` below, visibly, with
the rule they break: any other module that breaks a rule fails the test, and a listed module that
has been fixed raises a warning asking for its entry to be deleted, so the list only shrinks.
Nothing is skipped: the listed modules are still checked for every other rule.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import inspect
import pkgutil
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import neurocourse

PKG = Path(neurocourse.__file__).resolve().parent
NOT_SCIENCE = ("neurocourse.grading", "neurocourse.widgets", "neurocourse.plotting")
FORBIDDEN = ("neurocourse.grading", "neurocourse.widgets", "neurocourse.plotting", "matplotlib", "ipywidgets")


def _all_modules() -> list[str]:
    names = ["neurocourse"]
    for info in pkgutil.walk_packages([str(PKG)], prefix="neurocourse."):
        names.append(info.name)
    return sorted(names)


ALL = _all_modules()
SCIENCE = [m for m in ALL if not m.startswith(NOT_SCIENCE)]
# The docstring rule covers the public API: modules with a private component (``neurocourse._validation``) are
# internal helpers.
PUBLIC_SCIENCE = [m for m in SCIENCE if not any(part.startswith("_") for part in m.split("."))]


def _path(module: str) -> Path:
    rel = Path(*module.split(".")[1:])
    pkg_init = PKG / rel / "__init__.py"
    return pkg_init if pkg_init.exists() else PKG / rel.with_suffix(".py")


def _tree(module: str) -> ast.Module:
    return ast.parse(_path(module).read_text(encoding="utf-8"))


def _imports(module: str):
    """(imported module, imported name or None, line) for every import statement, resolving relative ones."""
    is_pkg = _path(module).name == "__init__.py"
    base = module.split(".") if is_pkg else module.split(".")[:-1]
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            src = node.module or ""
            if node.level:
                src = ".".join(base[: len(base) - node.level + 1] + ([src] if src else []))
            for a in node.names:
                yield src, a.name, node.lineno


# Modules that broke a rule when the rule was introduced (16:00 UTC on the day of issue 16). Each entry
# is a gap to close, not a permission: fix the module, then delete its entry (the test insists).
KNOWN_GAPS: dict[str, set[str]] = {
    "private_imports": set(),
    "docstrings": set(),
}


def _known_gap(rule: str, module: str, problems: list[str]) -> bool:
    """True when ``module`` is a listed gap of ``rule`` (warning, not failing, once it has been fixed)."""
    if module not in KNOWN_GAPS[rule]:
        return False
    if not problems:
        warnings.warn(f"{module} now follows the {rule} rule: delete it from KNOWN_GAPS[{rule!r}] in {__file__}",
                      UserWarning, stacklevel=2)  # fmt: skip
    return True


# ------------------------------------------------------------------------------- 1. import graph
@pytest.mark.parametrize("module", SCIENCE)
def test_science_does_not_import_grading_widgets_or_matplotlib(module):
    bad = []
    for src, name, line in _imports(module):
        full = f"{src}.{name}" if name else src
        if any(src == f or src.startswith(f + ".") or full == f for f in FORBIDDEN):
            bad.append(f"line {line}: {full}")
    assert not bad, f"{module} (science) imports {bad}"


def test_importing_all_of_the_science_loads_no_plotting_or_grading():
    code = (
        "import importlib, sys\n"
        f"for m in {SCIENCE!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets')"
        f" or m.startswith({NOT_SCIENCE!r}))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"importing the science loaded {out.stdout.strip()}"


# ------------------------------------------------------------------------------- 2. private names
@pytest.mark.parametrize("module", ALL)
def test_no_module_imports_another_modules_private_name(module):
    bad = []
    aliases = {}  # local name -> neurocourse module imported under it
    for src, name, line in _imports(module):
        if not src.startswith("neurocourse"):
            continue
        if name is None:
            continue
        target = f"{src}.{name}"
        if target in ALL:  # "from neurocourse import design as _design" imports a module
            aliases[name] = target
        elif name.startswith("_") and not name.startswith("__") and src != module:
            bad.append(f"line {line}: from {src} import {name}")
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("neurocourse"):
                    aliases[a.asname or a.name] = a.name
    for node in ast.walk(_tree(module)):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):  # fmt: skip
            bad.append(f"line {node.lineno}: {aliases[node.value.id]}.{node.attr}")
    if _known_gap("private_imports", module, bad):
        return
    assert not bad, f"{module} uses private names of other modules: {bad}"


# ------------------------------------------------------------------------------- 3. __init__ files
INIT_MODULES = [m for m in ALL if _path(m).name == "__init__.py"]


@pytest.mark.parametrize("module", INIT_MODULES)
def test_init_files_only_reexport(module):
    bad = []
    for i, node in enumerate(_tree(module).body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if all(isinstance(t, ast.Name) and t.id in ("__all__", "__version__") for t in targets):
                continue
        bad.append(f"line {node.lineno}: {type(node).__name__}")
    assert not bad, f"{module} (an __init__.py) holds more than re-exports: {bad}"


# ------------------------------------------------------------------------------- 4. docstrings
SECTION = re.compile(r"^(?P<indent>[ \t]*)(?P<title>[A-Z][A-Za-z ]+)\n(?P=indent)-{3,}[ \t]*$", re.M)
# A unit, or an explicit statement that there is none: words (any case) and SI symbols (DESIGN.md §3).
UNIT_WORDS = re.compile(
    r"dimensionless|unitless|no unit|any unit|units? of|same units?|its units?|input units?|signal units?"
    r"|arbitrary units?|\b(?:seconds?|metres?|meters?|tesla|volts?|hertz|radians?|degrees?|percent|samples?"
    r"|scans?|voxels?|sensors?|channels?|sources?|subjects?|fraction|ratio|proportion|probabilit(?:y|ies)"
    r"|p-values?|statistics?|t values?|z scores?|weights?|counts?|number of|unit vectors?|unit[- ]norm"
    r"|unit length)\b",
    re.I,
)
UNIT_SYMBOLS = re.compile(
    r"(?<![\w/])(?:s|ms|m|mm|cm|T|fT|V|µV|Hz|A·m|nAm|S/m|rad|rad/s|sr|1/s|s⁻¹|m²/s|m\^2/s|ppm|T/m|V/m"
    r"|T/\(A·m\)|V/\(A·m\)|%|°)(?=[\s,.;:)]|$)"
)


def states_unit(text: str) -> bool:
    """Whether an entry's text states a unit (or that it has none)."""
    return bool(UNIT_WORDS.search(text) or UNIT_SYMBOLS.search(text))


# Entries of these types must state a unit; bool arrays, strings, options, objects and ints do not.
NUMERIC = re.compile(r"\b(?:float|complex|ndarray|array_like|array|number|scalar)\b", re.I)


def _needs_unit(typ: str) -> bool:
    return bool(NUMERIC.search(typ)) and "bool" not in typ


def _sections(doc: str) -> dict[str, str]:
    doc = inspect.cleandoc(doc)
    marks = list(SECTION.finditer(doc))
    return {m["title"].strip(): doc[m.end() : (marks[i + 1].start() if i + 1 < len(marks) else len(doc))]
            for i, m in enumerate(marks)}  # fmt: skip


def _entries(section: str) -> list[tuple[list[str], str, str]]:
    """(names, type text, full entry text) for each numpydoc entry of a Parameters/Returns section."""
    out, lines = [], section.strip("\n").splitlines()
    for i, line in enumerate(lines):
        if line and not line[0].isspace():
            head, _, typ = line.partition(" : ")
            body = []
            for nxt in lines[i + 1 :]:
                if nxt and not nxt[0].isspace():
                    break
                body.append(nxt)
            names = [n.strip().lstrip("*") for n in head.split(",")] if " : " in line or typ else [head.strip()]
            out.append((names, typ if " : " in line else head, line + "\n" + "\n".join(body)))
    return out


def docstring_problems(fn) -> list[str]:
    """What the house docstring rule finds wrong with ``fn`` (empty when it complies)."""
    doc = inspect.getdoc(fn)
    if not doc:
        return ["no docstring"]
    problems = []
    sections = _sections(fn.__doc__)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = None
    params = [p for p in (sig.parameters.values() if sig else [])
              if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]  # fmt: skip
    if params:
        if "Parameters" not in sections:
            problems.append("no Parameters section")
        else:
            entries = _entries(sections["Parameters"])
            named = {n for names, _, _ in entries for n in names}
            missing = [p.name for p in params if p.name not in named]
            if missing:
                problems.append(f"Parameters does not describe {missing}")
            for names, typ, text in entries:
                if _needs_unit(typ) and not states_unit(text):
                    problems.append(f"parameter {', '.join(names)} states no unit")
    returns_none = sig is not None and sig.return_annotation in (None, "None")
    if not returns_none:
        key = "Returns" if "Returns" in sections else "Yields" if "Yields" in sections else None
        if key is None:
            problems.append("no Returns section")
        else:
            for names, typ, text in _entries(sections[key]):
                if _needs_unit(typ + " " + " ".join(names)) and not states_unit(text):
                    problems.append(f"return value {', '.join(names)} states no unit")
    return problems


def _public_functions(module: str):
    mod = importlib.import_module(module)
    exported = set(getattr(mod, "__all__", ()))
    for name, obj in vars(mod).items():
        if not inspect.isfunction(obj) or obj.__module__ != module:
            continue  # re-exports are checked where they are defined
        if name in exported or not name.startswith("_"):
            yield name, obj


def _docstring_report(module: str) -> list[str]:
    return [f"{name}: {'; '.join(p)}" for name, fn in _public_functions(module) if (p := docstring_problems(fn))]


@pytest.mark.parametrize("module", PUBLIC_SCIENCE)
def test_public_functions_have_numpydoc_docstrings_with_units(module):
    report = _docstring_report(module)
    if _known_gap("docstrings", module, report):
        return
    assert not report, f"{module}:\n  " + "\n  ".join(report)


def test_the_docstring_rule_has_teeth():
    def no_units(x, n):
        """Something.

        Parameters
        ----------
        x : float
            A length.
        n : int
            How many.

        Returns
        -------
        ndarray
            The result.
        """

    def good(x, n):
        """Something.

        Parameters
        ----------
        x : float
            A length in m.
        n : int
            How many.

        Returns
        -------
        ndarray, shape (n,)
            Field values (T).
        """

    def undocumented(x):
        """Only a summary."""

    assert docstring_problems(no_units) == ["parameter x states no unit", "return value ndarray states no unit"]
    assert docstring_problems(good) == []
    assert docstring_problems(undocumented) == ["no Parameters section", "no Returns section"]


# ------------------------------------------------------------------------------- 5. doctests
@pytest.mark.parametrize("module", [*SCIENCE, "neurocourse.plotting"])
def test_doctest_examples_run(module):
    mod = importlib.import_module(module)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(mod, module) if t.examples]
    for t in tests:
        runner.run(t, out=lambda s: None)
    res = runner.summarize(verbose=False)
    where = _path(module).relative_to(PKG.parent)
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples fail: run pytest --doctest-modules {where}"


# ------------------------------------------------------------------------------- 6. chapters and widgets
CHAPTERS = sorted((PKG.parent / "book").glob("*.md"))
_WIDGET_IMPORT = re.compile(r"^from neurocourse\.widgets(?:\.(\w+))? import (.+)$", re.MULTILINE)


def _widget_imports(text: str) -> list[str]:
    """Names a chapter imports from ``neurocourse.widgets`` or one of its modules (module imports excluded)."""
    names = []
    for module, imported in _WIDGET_IMPORT.findall(text):
        for item in imported.replace("(", "").replace(")", "").split(","):
            name = item.split(" as ")[0].strip()
            if name and not (module == "" and importlib.util.find_spec(f"neurocourse.widgets.{name}")):
                names.append(name)
    return names


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_take_only_explorers_from_widgets(chapter):
    """Figure helpers live in ``neurocourse.plotting``; ``widgets`` holds the interactive explorers only."""
    bad = [n for n in _widget_imports(chapter.read_text(encoding="utf-8")) if not n.endswith("_explorer")]
    assert not bad, f"{chapter.name} imports {bad} from neurocourse.widgets, not neurocourse.plotting"


def test_the_widget_import_rule_has_teeth():
    text = "from neurocourse.widgets.bold import plot_davis_surface, davis_explorer\n"
    text += "from neurocourse.widgets import glm\n"
    assert _widget_imports(text) == ["plot_davis_surface", "davis_explorer"]
