"""Sealed references (grading.seal): what is sealed is decided by code identity, the sealed copy
holds none of the reference's code, and building blocks an exercise allows stay callable."""

from __future__ import annotations

import ast
import importlib.util
import sys

import pytest
from hostile.corpus import TOY_EXERCISES

from neurocourse import glm, meg, mri
from neurocourse.grading import registry, seal

TOY_ERNST = TOY_EXERCISES[1]


def _load(path, name):
    """Import one module file of a sealed copy under a private name (its imports use the real package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it runs
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def test_reference_and_its_callers_are_sealed_by_code_identity():
    codes = seal.sealed_codes(TOY_ERNST)
    assert mri.ernst_angle.__code__ in codes
    # a package function that calls a sealed one is sealed too (a higher-level route to the answer)
    for code in codes:
        fn = seal.science_functions()[code]
        assert fn is mri.ernst_angle or seal.callees(fn) & {seal.science_functions()[c] for c in codes}
    # identity, not name: an unrelated function that only shares the name is never sealed
    fake = type(mri.ernst_angle)(compile("def ernst_angle(TR, T1):\n    return 0\n", "x", "exec").co_consts[0], {})
    assert fake.__code__ not in codes


def test_higher_level_functions_of_a_glm_exercise_are_sealed():
    ex = registry.get("glm_design_ols")
    names = seal.describe(seal.sealed_codes(ex))
    assert "neurocourse.glm.fit.fit_glm" in names  # fit_glm answers an OLS exercise
    assert glm.fit_glm.__code__ in seal.sealed_codes(ex)


def test_sealed_copy_has_no_reference_code(tmp_path):
    course = seal.SealedCourse(tmp_path)
    path = course.package_path((TOY_ERNST,))
    text = (path / "mri.py").read_text()
    tree = ast.parse(text)
    (ernst,) = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "ernst_angle"]
    assert "arccos" not in ast.unparse(ernst) and "SealedReferenceError" in ast.unparse(ernst)
    assert not list((path / "__pycache__").glob("mri.*.pyc")) or all(
        b"arccos" not in p.read_bytes() for p in (path / "__pycache__").glob("mri.*.pyc")
    )
    assert not (path / "grading").exists() and not (path / "widgets").exists()
    module = _load(path / "mri.py", "_sealed_mri_copy")
    from neurocourse.grading.protocol import SealedReferenceError

    with pytest.raises(SealedReferenceError):
        module.ernst_angle(2.0, 1.3)
    assert module.spoiled_gre_signal is not None  # the rest of the module is intact


def test_an_allowed_building_block_gets_its_own_child():
    exs = registry.by_notebook("05_meg_forward")
    assert len(exs) >= 2
    sources = [
        "from neurocourse import meg\ndef lead_field_matrix(r, s, n, c):\n    return meg.sarvas_field(r, s, n, c)\n"
    ]
    uses = seal.solution_uses(exs, sources)
    lead = next(e for e in exs if "lead_field_matrix" in e.functions)
    assert meg.sarvas_field.__code__ in uses[lead.id]
    groups = seal.child_groups(exs, uses)
    volume = next(e for e in exs if "sphere_field" in e.functions)  # its answer is meg.sarvas_field
    assert meg.sarvas_field.__code__ in seal.sealed_codes(volume)
    assert not any(lead in g and volume in g for g in groups)  # so they never share a child
    assert seal.child_groups(exs) == [(e,) for e in exs]  # no solution known: one child each
