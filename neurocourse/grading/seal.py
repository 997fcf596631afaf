"""Sealed references: the copy of the package a sandboxed child imports, without the answers.

For each exercise the grader decides, by code identity, which package functions are "the reference
implementation of what this exercise asks for", and writes a copy of the science package in which
the body of each of them is replaced by ``raise SealedReferenceError``. A child imports
``neurocourse.<module>`` from that copy only (the real package folder is not readable in the
sandbox), so the answer can neither be called nor read there, by any route.

What is sealed for an exercise (all decided from function objects and their code, never by name
alone):

1. each ``Exercise.reference`` callable that is a package function (``functools.partial`` and bound
   methods unwrapped), and each callable listed in ``Exercise.sealed``;
2. for a reference written in the registry module (``lambda omega, dt: vessels.echo_phase(...)``, or
   a small function): the package function it forwards to when it calls exactly one, and any package
   function it calls that carries the graded function's name;
3. the private helpers (``_name``) of the same module that a sealed function calls, transitively:
   the core of the implementation;
4. every package function that calls a sealed function, transitively (``fit_glm`` for an OLS
   exercise): a higher-level route to the same answer.

Everything else stays callable: data helpers, validators, and package functions an exercise allows.
The registry (``neurocourse.grading.exercises``), the grader's own modules and the widgets are not in
the copy at all. A function sealed for one exercise may be an allowed building block of the next
(``meg.sarvas_field``): exercises share a child only when the solution notebook shows that neither
uses what is sealed for the other (:func:`child_groups`).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import os
import pkgutil
import shutil
import stat
import sys
import tempfile
import types
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import neurocourse
from neurocourse.grading.spec import Exercise

PACKAGE_DIR = Path(neurocourse.__file__).resolve().parent
#: Sub-packages that never go into the sandbox copy of the science.
EXCLUDED = ("grading", "widgets", "plotting")
#: The grader modules a child runs with (the rest of ``neurocourse.grading`` stays outside).
RUNTIME_MODULES = (
    "__init__",
    "worker",
    "serialize",
    "protocol",
    "spec",
    "notebook",
    "selfcheck",
    "registry",
    "isolation",
)


def _is_science_name(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "neurocourse" and (len(parts) == 1 or parts[1] not in EXCLUDED)


@functools.cache
def science_functions() -> dict[types.CodeType, types.FunctionType]:
    """Every function defined in the science package (module level and in classes), by code object.

    Modules that fail to import (e.g. one being written) are skipped: nothing in them can be sealed,
    and nothing in the sandbox can import them either.
    """
    with warnings.catch_warnings():  # a module's own compile-time warnings are not the grader's
        warnings.simplefilter("ignore")
        for info in pkgutil.walk_packages(neurocourse.__path__, "neurocourse.", onerror=lambda _name: None):
            if _is_science_name(info.name):
                try:
                    importlib.import_module(info.name)
                except Exception:
                    continue
    found: dict[types.CodeType, types.FunctionType] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not _is_science_name(name):
            continue
        for value in list(vars(module).values()):
            for fn in _functions_in(value):
                if _is_science_name(getattr(fn, "__module__", "") or "") and _in_package(fn):
                    found.setdefault(fn.__code__, fn)
    return found


def third_party_imports() -> tuple[str, ...]:
    """Modules outside the course package that the science imports (numpy, scipy, sklearn, ...),
    sorted: the zygote imports them once, so that no child pays for them. None of them is an
    answer; the package's own modules are never preloaded."""
    science_functions()
    found: set[str] = set()
    for name, module in list(sys.modules.items()):
        if module is None or not _is_science_name(name):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, types.ModuleType):
                found.add(value.__name__)
            elif isinstance(value, type | types.FunctionType):
                found.add(getattr(value, "__module__", "") or "")
    return tuple(sorted(m for m in found if m and not m.startswith(("neurocourse", "__")) and m in sys.modules))


def _functions_in(value) -> Iterable[types.FunctionType]:
    if isinstance(value, types.FunctionType):
        yield value
    elif isinstance(value, type):
        for attr in vars(value).values():
            attr = getattr(attr, "__func__", attr)  # staticmethod, classmethod
            if isinstance(attr, types.FunctionType):
                yield attr
            elif isinstance(attr, property):
                for f in (attr.fget, attr.fset, attr.fdel):
                    if isinstance(f, types.FunctionType):
                        yield f


def _in_package(fn: types.FunctionType) -> bool:
    try:
        return Path(fn.__code__.co_filename).resolve().is_relative_to(PACKAGE_DIR)
    except (OSError, ValueError):
        return False


def _unwrap(fn: Callable) -> Callable:
    while True:
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, types.MethodType):
            fn = fn.__func__
        elif isinstance(getattr(fn, "__wrapped__", None), types.FunctionType):
            fn = fn.__wrapped__
        else:
            return fn


def unwrap(fn: Callable) -> Callable:
    """The function behind ``functools.partial``, bound methods and ``functools.wraps`` wrappers."""
    return _unwrap(fn)


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def callees(fn: Callable) -> set[types.FunctionType]:
    """The science functions that ``fn``'s code refers to through its globals (``f``, ``mod.f``)."""
    fn = _unwrap(fn)
    code = getattr(fn, "__code__", None)
    glob = getattr(fn, "__globals__", None)
    if code is None or glob is None:
        return set()
    known = science_functions()
    names = _names(code)
    found: set[types.FunctionType] = set()
    for name in names:
        value = glob.get(name)
        candidates = [value]
        if isinstance(value, types.ModuleType):
            with warnings.catch_warnings():  # numpy warns on getattr of deprecated aliases
                warnings.simplefilter("ignore")
                candidates = [getattr(value, other, None) for other in names]
        elif isinstance(value, type):
            candidates = list(_functions_in(value))
        for c in candidates:
            c = _unwrap(c) if c is not None else None
            if isinstance(c, types.FunctionType) and c.__code__ in known and c is not fn:
                found.add(c)
    return found


@functools.cache
def _call_graph() -> dict[types.CodeType, frozenset[types.CodeType]]:
    return {code: frozenset(c.__code__ for c in callees(fn)) for code, fn in science_functions().items()}


def _seeds(exercise: Exercise) -> set[types.CodeType]:
    known = science_functions()
    seeds: set[types.CodeType] = set()
    extra = tuple(getattr(exercise, "sealed", ()) or ())
    for graded, ref in [*exercise.reference.items(), *((None, s) for s in extra)]:
        fn = _unwrap(ref)
        code = getattr(fn, "__code__", None)
        if code in known:
            seeds.add(code)
            continue
        if graded is None:
            continue
        direct = callees(fn)
        if len(direct) == 1:
            seeds |= {f.__code__ for f in direct}
        seeds |= {f.__code__ for f in direct if f.__name__ == graded}
    return seeds


def sealed_codes(exercise: Exercise) -> frozenset[types.CodeType]:
    """The code objects of every package function sealed while ``exercise`` is graded."""
    known = science_functions()
    graph = _call_graph()
    sealed = set(_seeds(exercise))
    changed = True
    while changed:
        changed = False
        for code in list(sealed):  # 3. private helpers of the same module
            module = known[code].__module__
            for c in graph.get(code, ()):
                f = known[c]
                if c not in sealed and f.__name__.startswith("_") and f.__module__ == module:
                    sealed.add(c)
                    changed = True
        for code, calls in graph.items():  # 4. callers
            if code not in sealed and calls & sealed:
                sealed.add(code)
                changed = True
    return frozenset(sealed)


def resolve(dotted: str) -> types.CodeType | None:
    """The code object of the science function named ``dotted`` (``neurocourse.meg.sarvas_field``)."""
    parts = dotted.split(".")
    if not parts or parts[0] != "neurocourse":
        return None
    for k in range(len(parts) - 1, 0, -1):
        name = ".".join(parts[:k])
        if not _is_science_name(name):
            continue
        try:
            value = importlib.import_module(name)
        except Exception:
            continue
        for attr in parts[k:]:
            value = getattr(value, attr, None)
        fn = _unwrap(value) if value is not None else None
        code = getattr(fn, "__code__", None)
        return code if code in science_functions() else None
    return None


def solution_uses(exercises: Sequence[Exercise], sources: Sequence[str]) -> dict[str, frozenset[types.CodeType]]:
    """For each exercise, the package functions its graded functions use in the solution notebook."""
    from neurocourse.grading.shortcut import names_used

    out = {}
    for ex in exercises:
        names = set().union(*names_used(sources, ex.functions).values()) if ex.functions else set()
        out[ex.id] = frozenset(c for c in map(resolve, names) if c is not None)
    return out


def child_groups(
    exercises: Sequence[Exercise], uses: dict[str, frozenset[types.CodeType]] | None = None
) -> list[tuple[Exercise, ...]]:
    """Split one notebook's exercises into the groups that share a child (and a sealed copy).

    A function sealed for one exercise may be an allowed building block of another (``sarvas_field``
    is the answer of ``volume_currents`` and a permitted helper of ``lead_field``). ``uses`` says,
    from the solution notebook, which package functions each exercise's own solution calls; two
    exercises share a child only when neither's solution uses a function sealed for the other.
    Without ``uses`` (no solution notebook), each exercise runs alone.
    """
    if uses is None:
        return [(ex,) for ex in exercises]
    groups: list[list[Exercise]] = []
    for ex in exercises:
        mine = uses.get(ex.id, frozenset())
        for group in groups:
            if all(
                not (mine & sealed_codes(other)) and not (uses.get(other.id, frozenset()) & sealed_codes(ex))
                for other in group
            ):
                group.append(ex)
                break
        else:
            groups.append([ex])
    return [tuple(g) for g in groups]


def describe(codes: Iterable[types.CodeType]) -> list[str]:
    """``module.qualname`` of sealed code objects, sorted (for messages and the provenance)."""
    known = science_functions()
    return sorted(f"{known[c].__module__}.{known[c].__qualname__}" for c in codes if c in known)


# ---------------------------------------------------------------------------------------------
# Writing the copies


def _stub(name: str, qualified: str, indent: str) -> list[str]:
    return [
        f"{indent}def {name}(*args, **kwargs):\n",
        f"{indent}    from neurocourse.grading.protocol import SealedReferenceError\n",
        f"{indent}    raise SealedReferenceError({qualified!r} + ' is sealed while this exercise is graded')\n",
    ]


def _seal_file(path: Path, codes: list[types.CodeType], known) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.unlink()  # it may be a hard link to the unsealed base copy
    tree = ast.parse("".join(lines))
    spans = []
    wanted = {(c.co_name, c.co_firstlineno): c for c in codes}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        code = wanted.get((node.name, first)) or wanted.get((node.name, node.lineno))
        if code is not None:
            fn = known[code]
            indent = lines[node.lineno - 1][: node.col_offset]
            spans.append((first, node.end_lineno, _stub(node.name, f"{fn.__module__}.{fn.__qualname__}", indent)))
    # innermost last, so that a sealed method inside a sealed class body is not cut twice
    for start, end, stub in sorted(spans, key=lambda s: (-s[0], s[1])):
        if any(o_start <= start and end <= o_end and (o_start, o_end) != (start, end) for o_start, o_end, _ in spans):
            continue
        lines[start - 1 : end] = stub
    path.write_text("".join(lines), encoding="utf-8")


def _copy_ignore(root: Path):
    def ignore(folder: str, names: list[str]) -> set[str]:
        skip = {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}
        if Path(folder).resolve() == root:
            skip |= {n for n in names if n in EXCLUDED or n.removesuffix(".py") in EXCLUDED}
        return skip

    return ignore


def _readable_tree(top: Path) -> None:
    for folder, _dirs, files in os.walk(top):
        os.chmod(folder, 0o755)
        for f in files:
            os.chmod(os.path.join(folder, f), 0o644)


def _compile(target: Path) -> None:
    import compileall

    with warnings.catch_warnings():  # a module's own SyntaxWarnings are not the grader's business
        warnings.simplefilter("ignore")
        compileall.compile_dir(str(target), quiet=2, workers=1)  # children read these, never write them


def write_science_copy(dest: Path, codes: frozenset[types.CodeType], base: Path | None = None) -> Path:
    """A copy of the science package under ``dest/neurocourse`` with ``codes`` sealed; returns it.

    With ``base`` (an unsealed, compiled copy), unchanged files are hard links to it; a sealed file
    is unlinked, rewritten and recompiled, and its old bytecode removed (it would hold the answer).
    """
    target = dest / "neurocourse"
    if base is None:
        shutil.copytree(PACKAGE_DIR, target, ignore=_copy_ignore(PACKAGE_DIR))
    else:
        shutil.copytree(base, target, copy_function=os.link)
    known = science_functions()
    by_file: dict[Path, list[types.CodeType]] = {}
    for code in codes:
        rel = Path(code.co_filename).resolve().relative_to(PACKAGE_DIR)
        by_file.setdefault(target / rel, []).append(code)
    for path, file_codes in by_file.items():
        for pyc in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
            pyc.unlink()
        _seal_file(path, file_codes, known)
    _compile(target)
    _readable_tree(dest)
    return target


def write_runtime_copy(dest: Path) -> Path:
    """``dest/neurocourse``: the package's ``__init__`` and the grader modules a child runs with."""
    grading = dest / "neurocourse" / "grading"
    (grading / "exercises").mkdir(parents=True)
    shutil.copy2(PACKAGE_DIR / "__init__.py", dest / "neurocourse" / "__init__.py")
    for name in RUNTIME_MODULES:
        shutil.copy2(PACKAGE_DIR / "grading" / f"{name}.py", grading / f"{name}.py")
    (grading / "exercises" / "__init__.py").write_text('"""Not available while grading."""\n')
    _compile(dest)
    _readable_tree(dest)
    return dest


def _tree_hash(top: Path, names: Iterable[str] | None = None) -> str:
    h = hashlib.sha256(sys.version.encode())
    files = (
        sorted(p for p in top.rglob("*.py") if "__pycache__" not in p.parts)
        if names is None
        else [top / n for n in names]
    )
    for path in files:
        rel = path.relative_to(top).as_posix()
        if names is None and rel.split("/")[0].removesuffix(".py") in EXCLUDED:
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cache_root() -> Path:
    """``$TMPDIR/neurocourse-grader-<uid>``: where sealed copies are kept, by content hash.

    Content-addressed names make every path a child can see the same from one run to the next (so
    a regrade is byte-identical even if a student prints ``__file__``), and let a second batch reuse
    the copies. The folder must be ours and not writable by anyone else, or it is refused.
    """
    root = Path(tempfile.gettempdir()) / f"neurocourse-grader-{os.geteuid()}"
    try:
        root.mkdir(mode=0o755)
    except FileExistsError:
        pass
    st = os.lstat(root)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise OSError(f"{root} is not a private folder of this user (owner, mode or type); remove it")
    (root / "work").mkdir(mode=0o755, exist_ok=True)
    return root


def _publish(final: Path, build: Callable[[Path], None], mode: int = 0o755) -> Path:
    """Build a folder under a temporary name and rename it into place, unless it already exists."""
    if final.is_dir() and not final.is_symlink():
        return final
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=final.parent))
    try:
        build(tmp)
        os.chmod(tmp, mode)
        os.rename(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not final.is_dir():
            raise
    return final


class SealedCourse:
    """The sealed copies a batch uses, in :func:`cache_root` (one per distinct sealed set)."""

    def __init__(self, root: str | Path | None = None):
        self.root = cache_root() if root is None else Path(root)
        self.work = self.root / "work"
        self.work.mkdir(mode=0o755, exist_ok=True)
        names = ["__init__.py", *(f"grading/{m}.py" for m in RUNTIME_MODULES)]
        tag = _tree_hash(PACKAGE_DIR, names)
        self.runtime = _publish(self.root / f"runtime-{tag}", write_runtime_copy)
        self._package = _tree_hash(PACKAGE_DIR)
        self._copies: dict[frozenset, Path] = {}
        self._base: Path | None = None
        # by the identity of a group's Exercise objects (kept alive here, so ids are not reused):
        # every notebook of a batch asks again, and working out a sealed set costs milliseconds
        self._by_group: dict[tuple[int, ...], tuple[tuple[Exercise, ...], Path]] = {}

    def package_path(self, group: Sequence[Exercise]) -> Path:
        """The folder to import ``neurocourse.<module>`` from while ``group`` is graded."""
        key = tuple(id(ex) for ex in group)
        known = self._by_group.get(key)
        if known is not None:
            return known[1]
        codes = frozenset().union(*(sealed_codes(ex) for ex in group))
        if codes not in self._copies:
            if self._base is None:  # unsealed and compiled once; never readable by a child
                self._base = (
                    _publish(
                        self.root / f"base-{self._package}",
                        lambda d: write_science_copy(d, frozenset()),
                        mode=0o700,
                    )
                    / "neurocourse"
                )
            tag = hashlib.sha256(("\n".join(describe(codes)) + self._package).encode()).hexdigest()[:16]
            base = self._base
            dest = _publish(self.root / f"science-{tag}", lambda d: write_science_copy(d, codes, base))
            self._copies[codes] = dest / "neurocourse"
        self._by_group[key] = (tuple(group), self._copies[codes])
        return self._copies[codes]


def source_of(fn: Callable) -> str:
    """The source of a function (for tests that check a sealed copy holds none of it)."""
    return inspect.getsource(_unwrap(fn))
