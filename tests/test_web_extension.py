"""The book's web extension (web/neurocourse_web.py) and the vendored browser libraries.

Unit tests of the pieces the browser test sees only as a whole: the static fallback of an explorer,
the launch buttons (JupyterLite always on exercise pages; Binder and Colab only with a repository
URL; none on chapters), the external-asset filter, and the checksums of the vendored files.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


web = _load("neurocourse_web", ROOT / "web" / "neurocourse_web.py")
vendor = _load("vendor_web", ROOT / "tools" / "vendor_web.py")

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()
STATE = {
    "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_slider", "IPY_MODEL_out"]}},
    "slider": {"model_name": "IntSliderModel", "state": {"value": 3}},
    "out": {
        "model_name": "OutputModel",
        "state": {"outputs": [{"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "<Figure>"}}]},
    },
}


def test_static_fallback_shows_the_saved_figure_and_the_hint():
    html = web.static_fallback(json.dumps({"version_major": 2, "model_id": "box"}), STATE)
    assert f'src="data:image/png;base64,{PNG}"' in html
    assert 'class="nc-widget-static"' in html
    assert html.count('class="nc-widget-live"') == 1 and "jupyter lab" in html


def test_static_fallback_without_a_figure_still_says_how_to_make_it_live():
    html = web.static_fallback(json.dumps({"model_id": "slider"}), STATE)
    assert "nc-widget-static" not in html and "nc-widget-live" in html
    assert "img" not in web.static_fallback(json.dumps({"model_id": "unknown"}), STATE)
    assert web.static_fallback("not json", STATE) == ""


def test_static_explorers_rewrites_every_view(monkeypatch):
    monkeypatch.setattr(web, "page_widget_state", lambda app, page: STATE)
    view = '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "box"}</script>'
    context = {"body": f"<p>a</p>{view}<p>b</p>{view}"}
    web.static_explorers(None, "book/x", None, context, None)
    assert context["body"].count("nc-widget-static") == 2
    assert context["body"].index("nc-widget-static") > context["body"].index(view)


def _app(repo: str, pagename: str):
    return SimpleNamespace(
        env=SimpleNamespace(metadata={pagename: {"kernelspec": {"name": "python3"}}}),
        config=SimpleNamespace(html_theme_options={"repository_url": repo, "repository_branch": "main"}),
        neurocourse_launch={
            "binderhub_url": "https://mybinder.org",
            "colab_url": "https://colab.research.google.com",
            "notebook_interface": "jupyterlab",
        },
    )


def _buttons(repo: str, pagename: str) -> list[dict]:
    context = {"header_buttons": [], "pathto": lambda target, flag: f"../{target}"}
    web.launch_buttons(_app(repo, pagename), pagename, None, context, None)
    return [b for group in context["header_buttons"] for b in group["buttons"]]


def test_exercise_page_without_repository_gets_only_jupyterlite():
    buttons = _buttons("", "exercises/03_lti_hrf")
    assert [b["text"] for b in buttons] == ["JupyterLite"]
    assert buttons[0]["url"] == "../lite/lab/index.html?path=03_lti_hrf.ipynb"
    # Jupyter Book's own default repository is not the course's
    jb_default = _buttons("https://github.com/executablebooks/jupyter-book", "exercises/03_lti_hrf")
    assert [b["text"] for b in jb_default] == ["JupyterLite"]


def test_exercise_page_with_repository_gets_binder_and_colab():
    buttons = {b["text"]: b["url"] for b in _buttons("https://github.com/org/neurocourse", "exercises/04_glm")}
    assert (
        buttons["Binder"] == "https://mybinder.org/v2/gh/org/neurocourse/main?urlpath=lab/tree/exercises/04_glm.ipynb"
    )
    assert (
        buttons["Colab"] == "https://colab.research.google.com/github/org/neurocourse/blob/main/exercises/04_glm.ipynb"
    )


def test_chapters_get_no_launch_buttons():
    assert _buttons("https://github.com/org/neurocourse", "book/glm") == []


def test_external_fonts_and_thebe_are_dropped():
    thebe = SimpleNamespace(filename=None, attributes={"body": 'const THEBE_JS_URL = "https://unpkg.com/x"'})
    keep = SimpleNamespace(filename="doctools.js", attributes={})
    context = {
        "css_files": ["https://fonts.googleapis.com/css?family=Vibur", "mystnb.css"],
        "script_files": [thebe, SimpleNamespace(filename="sphinx-thebe.js", attributes={}), keep],
    }
    app = SimpleNamespace(config=SimpleNamespace(html_theme_options={"launch_buttons": {}}))
    web.drop_external_assets(app, "book/x", None, context, None)
    assert context["css_files"] == ["mystnb.css"]
    assert context["script_files"] == [keep]
    assert context["default_mode"] == "auto"


def test_vendored_files_match_their_pins_and_checksums():
    assert vendor.check() == []
    scripts = web.widget_scripts()
    order = list(scripts)
    assert order[0].endswith("require.js") and order[-1].endswith("embed-amd.js")
    for path in scripts:
        assert (ROOT / "web" / "static" / path).is_file(), path


def test_vendor_check_detects_a_changed_file(tmp_path, monkeypatch):
    copy = tmp_path / "vendor"
    shutil.copytree(vendor.VENDOR, copy)
    target = next(copy.glob("requirejs-*/require.js"))
    target.write_bytes(target.read_bytes() + b"\n// tampered")
    monkeypatch.setattr(vendor, "VENDOR", copy)
    problems = vendor.check()
    assert len(problems) == 1 and "sha256 differs" in problems[0]


@pytest.mark.parametrize("key", ["@jupyter-widgets/html-manager", "requirejs"])
def test_pins_are_sha512_integrities(key):
    version, integrity, keep = vendor.PINS[key]
    assert integrity.startswith("sha512-") and len(base64.b64decode(integrity[7:])) == 64
    assert keep and version.count(".") == 2
