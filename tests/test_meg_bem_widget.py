"""Smoke test of the BEM chapter's widget (its science is tested in test_meg_bem_maps.py)."""

import matplotlib

matplotlib.use("Agg")

from neurocourse.widgets.bem import asphericity_explorer


def test_explorer_builds_with_meaningful_default():
    w = asphericity_explorer()
    assert w.children[0].value == 0.15 and w.children[1].value == 0.7
