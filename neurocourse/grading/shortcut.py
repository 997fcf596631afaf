"""Shortcut detection: a graded function that calls the package's own implementation of the answer.

In the sandbox the answer is sealed (:mod:`neurocourse.grading.seal`): calling it raises
``SealedReferenceError``, which costs the exercise. This module adds the static side, in the grader:
the AST of the notebook is searched, inside the graded functions and the notebook functions they
call, for a reference to the reference callable by module and name (``mri.ernst_angle``,
``from neurocourse.mri import ernst_angle``, ``getattr(mri, "ernst_angle")``), so that the feedback
can say exactly which call gets no credit. Both verdicts lead to :func:`no_credit`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from neurocourse.grading.spec import Exercise, ExerciseResult

#: What ``ast.parse`` may raise on hostile source besides SyntaxError (deep nesting, huge input).
PARSE_ERRORS = (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError)


def _thin_target(fn: Callable) -> Callable | None:
    """The package callable that ``fn`` merely forwards to (``lambda x: mod.f(x)``), if any."""
    code = getattr(fn, "__code__", None)
    glob = getattr(fn, "__globals__", None)
    if code is None or glob is None:
        return None
    names = code.co_names
    if len(names) == 2 and type(glob.get(names[0])).__name__ == "module":
        target = getattr(glob[names[0]], names[1], None)
    elif len(names) == 1:
        target = glob.get(names[0])
    else:
        return None
    return target if callable(target) and _is_science(target) else None


def _is_science(fn: Callable) -> bool:
    mod = getattr(fn, "__module__", None) or ""
    return mod.startswith("neurocourse.") and not mod.startswith("neurocourse.grading")


def reference_names(exercise: Exercise) -> dict[str, list[tuple[str, str]]]:
    """For each graded function, the (module, attribute) pairs through which its package reference
    callable can be reached (empty when the reference is not a package function)."""
    import functools
    import sys

    out: dict[str, list[tuple[str, str]]] = {}
    for name, ref in exercise.reference.items():
        while isinstance(ref, functools.partial):
            ref = ref.func
        target = ref if _is_science(ref) else _thin_target(ref)
        pairs: list[tuple[str, str]] = []
        if target is not None:
            for mod_name, mod in sorted(sys.modules.items()):
                if not mod_name.startswith("neurocourse") or mod_name.startswith("neurocourse.grading"):
                    continue
                for attr, value in sorted(getattr(mod, "__dict__", {}).items()):
                    if value is target:
                        pairs.append((mod_name, attr))
        out[name] = pairs
    return out


def _import_aliases(trees: list[ast.Module]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        root = a.name.split(".")[0]
                        aliases[root] = root
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _dotted(node: ast.AST, aliases: dict[str, str], own: set[str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id in own or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])


def names_used(sources: Sequence[str], functions: Sequence[str]) -> dict[str, set[str]]:
    """For each name in ``functions``, the dotted names of imported objects its code uses (and the
    code of the notebook functions it calls): ``{"ernst": {"neurocourse.mri.ernst_angle"}}``.

    Covers ``mod.f``, ``from pkg.mod import f as g``, ``getattr(mod, "f")`` and a graded function
    bound directly to an import (``ernst = mri.ernst_angle``). Best effort; never raises on hostile
    source (what cannot be parsed is skipped).
    """
    return names_used_in(parse_sources(sources), functions)


@dataclass(frozen=True)
class SourceIndex:
    """What :func:`names_used_in` needs from a notebook's cells, worked out once per notebook: the
    imported names (alias -> dotted name), the top-level functions and the top-level assignments."""

    aliases: dict[str, str]
    defs: dict[str, ast.AST]
    bindings: dict[str, list[ast.AST]]


def parse_sources(sources: Sequence[str]) -> SourceIndex:
    """Parse the cells (hostile source that does not parse is skipped) and index them."""
    trees = []
    for src in sources:
        try:
            trees.append(ast.parse(src))
        except PARSE_ERRORS:
            continue
    defs: dict[str, ast.AST] = {}
    bindings: dict[str, list[ast.AST]] = {}
    for tree in trees:
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                defs[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name) and stmt.value is not None:
                        bindings.setdefault(t.id, []).append(stmt.value)
    return SourceIndex(_import_aliases(trees), defs, bindings)


def names_used_in(index: SourceIndex, functions: Sequence[str]) -> dict[str, set[str]]:
    """:func:`names_used` on cells already indexed by :func:`parse_sources` (parse once, ask often)."""
    aliases, defs, bindings = index.aliases, index.defs, index.bindings
    own = set(defs)
    found: dict[str, set[str]] = {}
    for fname in functions:
        hits: set[str] = set()
        regions: list[ast.AST] = []
        if fname in defs:
            regions.append(defs[fname])
        else:
            regions.extend(bindings.get(fname, []))
            if fname in aliases:  # from neurocourse.mri import ernst_angle as ernst
                hits.add(aliases[fname])
        seen_defs = {fname}
        try:
            while regions:
                region = regions.pop()
                for node in ast.walk(region):
                    dotted = None
                    if isinstance(node, ast.Attribute | ast.Name) and isinstance(getattr(node, "ctx", None), ast.Load):
                        dotted = _dotted(node, aliases, own)
                    elif (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Name)
                        and node.func.id == "getattr"
                        and len(node.args) >= 2
                        and isinstance(node.args[1], ast.Constant)
                        and isinstance(node.args[1].value, str)
                    ):
                        base = _dotted(node.args[0], aliases, own)
                        dotted = f"{base}.{node.args[1].value}" if base else None
                    if dotted:
                        hits.add(dotted)
                    if isinstance(node, ast.Name) and node.id in defs and node.id not in seen_defs:
                        seen_defs.add(node.id)
                        regions.append(defs[node.id])
        except RecursionError:  # a pathologically deep expression: what was found so far stands
            pass
        found[fname] = hits
    return found


def forbidden_names(exercise: Exercise) -> frozenset[str]:
    """The dotted names (``neurocourse.mri.ernst_angle``) through which ``exercise``'s package
    reference callables can be reached: the same for every student, so a batch computes it once."""
    return frozenset(f"{m}.{a}" for pairs in reference_names(exercise).values() for m, a in pairs)


def static_reference_uses(
    sources: Sequence[str] | None,
    exercise: Exercise,
    *,
    index: SourceIndex | None = None,
    forbidden: frozenset[str] | None = None,
) -> dict[str, list[str]]:
    """Graded functions of ``exercise`` whose code (or the notebook functions it calls) refers to
    the exercise's own reference callables: ``{function: [dotted names]}``. Best effort.

    ``index`` (from :func:`parse_sources` of ``sources``) and ``forbidden`` (from
    :func:`forbidden_names`) may be given when they are already known; the answer is the same.
    """
    forbidden = forbidden_names(exercise) if forbidden is None else forbidden
    if not forbidden:
        return {}
    index = parse_sources(sources or ()) if index is None else index
    found = {}
    for fname, names in names_used_in(index, exercise.functions).items():
        hits = sorted(names & forbidden)
        if hits:
            found[fname] = hits
    return found


def no_credit(result: ExerciseResult, uses: dict[str, list[str]], how: str) -> ExerciseResult:
    parts = [f"{fn} uses {', '.join(sorted(set(names)))}" for fn, names in sorted(uses.items())]
    message = (
        f"No credit for this exercise: {'; '.join(parts)} ({how}), the package's own implementation of "
        "what this exercise asks you to write. Write the computation yourself (numpy and scipy are fine)."
    )
    cases = tuple(replace(c, points=0.0, status="no_credit", message=message) for c in result.cases)
    return replace(result, cases=cases)
