"""Check the built HTML book: figures, explorers, offline assets, launch buttons, downloads.

Run after `jupyter-book build` (``make test`` does). A chapter whose cells ran with a non-inline
matplotlib backend, or whose explorer failed to render, still builds; so does a page that loads its
scripts from a CDN. This catches both. For every page of ``_toc.yml`` it checks that

- every chapter shows figures and a saved ipywidgets state (its explorer);
- no page references an ``http(s)`` script, stylesheet or font (bibliography and DOI links are
  fine), and the assets it does reference exist in the build;
- pages with math load the local MathJax (``_static/mathjax``), and pages with widget state load
  the vendored require.js and widget manager, with a static fallback after every widget view;
- exercise pages, and only they, carry a launch button, and the JupyterLite site holds each
  exercise notebook and the package wheel;
- every chapter can be downloaded as ``.md`` and as ``.ipynb``.

The browser test (``tests/test_browser.py``) then opens the same pages in Chromium with the network off.
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = 'type="application/vnd.jupyter.widget-view+json"'
# an external asset: a script, a stylesheet or a preloaded font fetched from the network
EXTERNAL_ASSET = re.compile(
    r'<script[^>]+src="(?:https?:)?//[^"]+"|<link[^>]+rel="(?:stylesheet|preload)"[^>]*href="(?:https?:)?//[^"]+"'
    r'|<link[^>]+href="(?:https?:)?//[^"]+"[^>]*rel="(?:stylesheet|preload)"'
)
LOCAL_ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="((?!https?:|//|#|data:|mailto:)[^"?#]+)')


def toc_pages() -> tuple[list[str], list[str]]:
    """(every page of the table of contents, the chapters that must show figures and an explorer)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    chapters = []
    for part in toc["parts"]:
        for c in part["chapters"]:
            pages.append(c["file"])
            pages += [s["file"] for s in c.get("sections", [])]
            if c["file"].startswith("book/") and c["file"] != "book/practices":
                chapters.append(c["file"])
    return pages, chapters


def page_problems(html: Path, entry: str, chapter: bool) -> list[str]:
    """Problems of one built page (empty when it is fine)."""
    path = html / f"{entry}.html"
    if not path.is_file():
        return [f"{entry}: in _toc.yml but not built"]
    page = path.read_text(encoding="utf-8")
    problems = []
    if chapter:
        if page.count('src="../_images/') < 1:
            problems.append(f"{entry}: no figure in the built page")
        if "application/vnd.jupyter.widget-state+json" not in page:
            problems.append(f"{entry}: no saved ipywidgets state (explorer missing or failed)")
        for suffix in (".md", ".ipynb"):
            if not (html / "_sources" / f"{entry}{suffix}").is_file():
                problems.append(f"{entry}: no {suffix} download (_sources/{entry}{suffix})")
    for m in EXTERNAL_ASSET.finditer(page):
        problems.append(f"{entry}: external asset {m.group(0)[:120]}")
    for m in LOCAL_ASSET.finditer(page):
        target = (path.parent / m.group(1)).resolve()
        if m.group(1).endswith((".js", ".css")) and not target.is_file():
            problems.append(f"{entry}: missing local asset {m.group(1)}")
    if 'class="math' in page and "_static/mathjax/" not in page:
        problems.append(f"{entry}: has math but does not load the local MathJax")
    views = page.count(WIDGET_VIEW)
    if views:
        for needed in ("vendor/requirejs-", "vendor/html-manager-", "neurocourse-widgets-config.js"):
            if needed not in page:
                problems.append(f"{entry}: widget page without {needed}")
        if page.count('class="nc-widget-live"') < views:
            problems.append(f"{entry}: {views} widget views but fewer static fallbacks")
    elif "vendor/html-manager-" in page or "vendor/requirejs-" in page:
        # the static-folder trap: vendored scripts must not be added to every page
        problems.append(f"{entry}: loads the widget manager without any widget")
    launch = "lite/lab/index.html?path=" in page
    if entry.startswith("exercises/"):
        if not launch:
            problems.append(f"{entry}: exercise page without its JupyterLite launch button")
        if not (html / "lite" / "files" / f"{Path(entry).name}.ipynb").is_file():
            problems.append(f"{entry}: not in the JupyterLite site (lite/files/)")
    elif "launch-buttons" in page:
        problems.append(f"{entry}: launch buttons outside the exercise pages")
    return problems


def main(html_dir: str) -> int:
    html = Path(html_dir)
    pages, chapters = toc_pages()
    problems = []
    for entry in pages:
        problems += page_problems(html, entry, entry in chapters)
    if not list((html / "lite" / "pypi").glob("neurocourse-*.whl")):
        problems.append("lite/pypi: no neurocourse wheel in the JupyterLite site")
    if not (html / "_static" / "mathjax" / "tex-chtml.js").is_file():
        problems.append("_static/mathjax/tex-chtml.js missing (sphinx-mathjax-offline)")
    for p in problems:
        print(f"check_built_book: {p}", file=sys.stderr)
    print(f"check_built_book: {len(pages)} pages ({len(chapters)} chapters) checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/html"))
