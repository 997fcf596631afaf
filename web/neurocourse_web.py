"""Sphinx extension: the neurocourse book as an offline-first web product.

Loaded by Jupyter Book from ``_config.yml`` (``sphinx.local_extensions``). It runs after Jupyter
Book has turned ``_config.yml`` into a Sphinx configuration, and does five things:

1. **Local widget scripts.** The vendored require.js and ``@jupyter-widgets/html-manager`` (see
   ``tools/vendor_web.py``; versions read from ``web/static/vendor/MANIFEST.json``) are copied into
   ``_static/`` and wired through myst-nb's ``nb_ipywidgets_js``, so only pages with saved widget
   state load them, in order: require.js, a few lines of configuration that tell require.js where
   the manager lives (its icon fonts are resolved next to it, not next to the page), the manager.
   ``web/static`` is added to ``html_static_path`` here, after Jupyter Book globbed its own static
   folders, so the vendored files are not added to every page.
2. **Static explorers.** After every saved widget view, the page carries the figure(s) that the
   explorer's Output widget held at execution time (its default state), shown when the widget
   manager cannot run and hidden by CSS once the live widget is drawn, plus one line that says how
   to make the explorer live.
3. **Launch buttons on exercise pages only.** JupyterLite (always: the site is built with the book),
   and Binder and Colab only when ``repository.url`` is set in ``_config.yml``: otherwise they would
   point at Jupyter Book's own repository. Chapters keep their ``.md`` download and also offer the
   executed ``.ipynb``.
4. **JupyterLite content.** The exercise notebooks, each with a first cell
   ``%pip install neurocourse``, and a pure-Python wheel of the package, written at each build
   (offline, no build backend) and indexed by piplite. The Lite staging folder lives in the build
   folder, not in the source tree.
5. **No external assets.** jupyterlite-sphinx registers a Google Fonts stylesheet on every page;
   it is dropped (its only user is the ``try_examples`` button, which the book does not use), and
   so are the unused Thebe scripts (their duplicated ``const THEBE_JS_URL`` was a JavaScript error).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
ROOT = HERE.parent

EXERCISE_PREFIX = "exercises/"
LITE_DIR = "lite"  # jupyterlite-sphinx builds the site into <outdir>/lite
LIVE_HINT = (
    "This explorer shows its default state. To move the sliders, run the page in Jupyter: download it "
    "as <code>.ipynb</code> (download button, top of the page) and open it with "
    "<code>.venv/bin/jupyter lab</code>."
)
_VIEW_RE = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.DOTALL)


def _vendored() -> dict[str, str]:
    """Folder (relative to ``_static/``) of each vendored package, from the vendoring manifest."""
    manifest = json.loads((STATIC / "vendor" / "MANIFEST.json").read_text())
    return {entry["package"]: f"vendor/{name}" for name, entry in manifest.items()}


def widget_scripts() -> dict[str, dict[str, str]]:
    """The scripts of a page with widget state, in load order, for myst-nb's ``nb_ipywidgets_js``.

    Paths are relative to ``_static/``; the values are the attributes of each ``<script>`` tag.
    """
    folders = _vendored()
    manager = folders["@jupyter-widgets/html-manager"]
    return {
        f"{folders['requirejs']}/require.js": {},
        # sets require.js paths so the manager's public path (fonts) is its own folder
        "neurocourse-widgets-config.js": {"data-manager-path": f"{manager}/"},
        # unknown third-party widget modules (the book uses none) would be fetched from this URL
        # instead of jsDelivr: a local miss, never a request to the network
        f"{manager}/embed-amd.js": {"data-jupyter-widgets-cdn": f"_static/{manager}/missing/"},
    }


def _config_inited(app: Sphinx, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    # without an icon every browser asks for /favicon.ico, a 404 logged as a console error
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")
    config.nb_ipywidgets_js = widget_scripts()
    # jupyterlite-sphinx stages its contents in <srcdir>/<content_dir>, and `jupyter lite build`
    # keeps a cache in its lite dir: keep both in the build folder, not in the source tree
    build = Path(app.outdir).parent
    config.jupyterlite_content_dir = str(build / "lite_contents")
    lite_dir = build / "lite_dir"
    lite_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / "lite" / "jupyter_lite_config.json", lite_dir / "jupyter_lite_config.json")
    config.jupyterlite_dir = str(lite_dir)
    # Launch providers are handled here, per page (see launch_buttons); the theme's own handler
    # would add them to every notebook page, and fails without a repository URL.
    theme = dict(config.html_theme_options)
    launch = dict(theme.get("launch_buttons", {}))
    app.neurocourse_launch = launch  # type: ignore[attr-defined]
    theme["launch_buttons"] = {}
    config.html_theme_options = theme


def build_wheel(dest: Path) -> Path:
    """Write a pure-Python wheel of the ``neurocourse`` package into ``dest``, without the network.

    The wheel holds the package folder (modules and data files) and the metadata of
    ``pyproject.toml`` (name, version, ``Requires-Dist`` including the ``grade`` extra), which is all
    piplite needs to ``%pip install neurocourse`` in Pyodide. A local builder rather than
    ``pip wheel``: the build backend pinned in ``pyproject.toml`` would be downloaded first.

    Parameters
    ----------
    dest : pathlib.Path
        Folder for the wheel (created).

    Returns
    -------
    pathlib.Path
        The wheel file, ``neurocourse-<version>-py3-none-any.whl``.
    """
    import csv
    import hashlib
    import io
    import tomllib
    import zipfile

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    meta = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {project.get('description', '')}",
        f"Requires-Python: {project.get('requires-python', '>=3.11')}",
    ]
    meta += [f"Requires-Dist: {req}" for req in project.get("dependencies", [])]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        meta.append(f"Provides-Extra: {extra}")
        meta += [f'Requires-Dist: {req}; extra == "{extra}"' for req in reqs]
    distinfo = f"{name}-{version}.dist-info"
    files = {}
    for path in sorted((ROOT / name).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    files[f"{distinfo}/METADATA"] = ("\n".join(meta) + "\n").encode()
    files[f"{distinfo}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: neurocourse_web\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    scripts = project.get("scripts", {})
    if scripts:
        lines = ["[console_scripts]", *(f"{k} = {v}" for k, v in scripts.items())]
        files[f"{distinfo}/entry_points.txt"] = ("\n".join(lines) + "\n").encode()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arc, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([arc, f"sha256={digest}", len(data)])
    writer.writerow([f"{distinfo}/RECORD", "", ""])
    files[f"{distinfo}/RECORD"] = record.getvalue().encode()
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, data in files.items():
            info = zipfile.ZipInfo(arc, date_time=(2026, 1, 1, 0, 0, 0))  # reproducible bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return wheel


LITE_INSTALL_CELL = "%pip install -q neurocourse  # JupyterLite only: installs the course package in the browser"


def _stage_lite(app: Sphinx) -> None:
    """Stage the JupyterLite contents: the exercise notebooks, each opening with an install cell.

    The package wheel is written fresh at each build and indexed by piplite, so the first cell,
    ``%pip install neurocourse``, installs the book's own version in Pyodide.
    """
    if app.builder.format != "html":
        return
    import nbformat

    wheels = Path(app.outdir).parent / "lite_wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    wheel = build_wheel(wheels)
    opts = dict(app.config.jupyterlite_build_command_options or {})
    opts["piplite-wheels"] = str(wheel)
    app.config.jupyterlite_build_command_options = opts
    staging = Path(app.config.jupyterlite_content_dir)
    staging.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = nbformat.v4.new_code_cell(LITE_INSTALL_CELL)
        cell.id = "jupyterlite-install"
        nb.cells.insert(0, cell)
        nbformat.write(nb, staging / path.name)


def _outputs_of(model_id: str, state: dict, seen: set | None = None) -> list[dict]:
    """Every output stored in the Output widgets below ``model_id`` (depth first)."""
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id].get("state", {})
    found = list(model.get("outputs", [])) if state[model_id].get("model_name") == "OutputModel" else []
    for child in model.get("children", []):
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            found += _outputs_of(child[len("IPY_MODEL_") :], state, seen)
    return found


def static_fallback(view_json: str, state: dict) -> str:
    """HTML shown in place of one widget view when the widget manager cannot draw it.

    Parameters
    ----------
    view_json : str
        Content of the ``application/vnd.jupyter.widget-view+json`` script (holds ``model_id``).
    state : dict
        The page's saved widget state (model id -> model).

    Returns
    -------
    str
        The default figures of the explorer and the one-line hint on how to make it live.
    """
    try:
        view = json.loads(view_json)
        view = json.loads(view) if isinstance(view, str) else view
        model_id = view["model_id"]
    except (ValueError, KeyError, TypeError):
        return ""
    images = []
    for out in _outputs_of(model_id, state):
        data = out.get("data", {})
        if "image/png" in data:
            png = data["image/png"]
            png = "".join(png) if isinstance(png, list) else png
            base64.b64decode(png, validate=False)  # the saved state holds base64 PNG
            images.append(f'<img src="data:image/png;base64,{png.strip()}" alt="the explorer\'s default figure">')
    figures = f'<div class="nc-widget-static">{"".join(images)}</div>' if images else ""
    return f'{figures}<p class="nc-widget-live">{LIVE_HINT}</p>'


def page_widget_state(app: Sphinx, pagename: str) -> dict:
    from myst_nb.sphinx_ import NbMetadataCollector

    js = NbMetadataCollector.get_js_files(app.env, pagename)
    entry = js.get("ipywidgets_state")
    if not entry:
        return {}
    # myst-nb writes json.dumps(state) with "</script>" escaped as "<\\/script>", valid JSON
    return json.loads(entry[1]["body"]).get("state", {})


def static_explorers(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    if "application/vnd.jupyter.widget-view+json" not in body:
        return
    try:
        state = page_widget_state(app, pagename)
    except ValueError:
        state = {}

    def add(match):
        return match.group(0) + static_fallback(match.group(1), state)

    context["body"] = _VIEW_RE.sub(add, body)


def ipynb_download(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Offer a chapter's executed notebook for download beside its ``.md`` source."""
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    source = context.get("sourcename", "")
    if source.endswith((".md", ".md.txt")):
        executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
        if executed.is_file():
            target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(executed, target)
            context["ipynb_source"] = f"{pagename}.ipynb"


def launch_buttons(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Launch buttons on exercise pages: JupyterLite; Binder and Colab when a repository is set."""
    if "kernelspec" not in app.env.metadata.get(pagename, {}) or not pagename.startswith(EXERCISE_PREFIX):
        return
    launch = getattr(app, "neurocourse_launch", {})
    opts = app.config.html_theme_options
    repo = (opts.get("repository_url") or "").strip().rstrip("/")
    branch = opts.get("repository_branch") or "main"
    book_path = (opts.get("path_to_docs") or "").strip("/")
    rel = f"{book_path + '/' if book_path else ''}{pagename}.ipynb"
    pathto = context["pathto"]
    buttons = [
        {
            "type": "link",
            "text": "JupyterLite",
            "tooltip": "Open in JupyterLite (Python in the browser)",
            "icon": "_static/images/logo_jupyterlite.svg",
            "url": f"{pathto(LITE_DIR, 1)}/lab/index.html?path={Path(pagename).name}.ipynb",
        }
    ]
    github = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(\.git)?", repo)
    if github and "executablebooks/jupyter-book" not in repo:
        org, name = github.group(1), github.group(2)
        ui = "lab/tree" if launch.get("notebook_interface") == "jupyterlab" else "tree"
        if launch.get("binderhub_url"):
            hub = launch["binderhub_url"].rstrip("/")
            buttons.append(
                {
                    "type": "link",
                    "text": "Binder",
                    "tooltip": "Launch on Binder",
                    "icon": "_static/images/logo_binder.svg",
                    "url": f"{hub}/v2/gh/{org}/{name}/{branch}?urlpath={ui}/{rel}",
                }
            )
        if launch.get("colab_url"):
            colab = launch["colab_url"].rstrip("/")
            buttons.append(
                {
                    "type": "link",
                    "text": "Colab",
                    "tooltip": "Launch on Colab",
                    "icon": "_static/images/logo_colab.png",
                    "url": f"{colab}/github/{org}/{name}/blob/{branch}/{rel}",
                }
            )
    context["header_buttons"].append(
        {
            "type": "group",
            "tooltip": "Launch interactive content",
            "icon": "fas fa-rocket",
            "buttons": buttons,
            "label": "launch-buttons",
        }
    )


def _is_thebe(asset) -> bool:
    name = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return name.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def drop_external_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Drop the Google Fonts stylesheet of jupyterlite-sphinx and the unused Thebe scripts; set a theme mode.

    sphinx-thebe (loaded by Jupyter Book even with ``thebe: false``) adds its configuration script
    once per reading pass, so pages declared ``const THEBE_JS_URL`` twice, a JavaScript error; the book
    does not use Thebe (live code runs in JupyterLite), so its scripts are removed.
    """
    # pydata-sphinx-theme's layout reads `default_mode`, which sphinx-book-theme never sets: the
    # empty mode was a console error ("Got invalid theme mode") on every page
    if not context.get("default_mode"):
        context["default_mode"] = "auto"
    css = context.get("css_files")
    if css:
        context["css_files"] = [c for c in css if "fonts.googleapis.com" not in str(getattr(c, "filename", c))]
    scripts = context.get("script_files")
    if scripts and not app.config.html_theme_options.get("launch_buttons", {}).get("thebe"):
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


def setup(app: Sphinx) -> dict:
    # before jupyterlite-sphinx creates its content folder (500)
    app.connect("config-inited", _config_inited, priority=400)
    app.connect("builder-inited", _stage_lite)
    # before the theme's download buttons (501), which read ipynb_source
    app.connect("html-page-context", ipynb_download, priority=499)
    # after the theme prepared header_buttons (500) and added its own (501)
    app.connect("html-page-context", launch_buttons, priority=502)
    app.connect("html-page-context", static_explorers, priority=600)
    app.connect("html-page-context", drop_external_assets, priority=900)
    app.add_css_file("neurocourse-web.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
