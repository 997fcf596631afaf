"""The built book in a real browser, with the network off.

Every page of the table of contents is opened in headless Chromium (Debian's ``/usr/bin/chromium``,
driven by Playwright's Python API; no browser is downloaded) from a local HTTP server, while every
request that does not go to that server is aborted and counted. A page fails when

- it requests anything outside the book (a CDN script, stylesheet or font);
- a local file it needs is missing (HTTP status >= 400);
- the browser logs a JavaScript error or a console error;
- TeX is left raw after MathJax has finished (``\\(``, ``\\[``, ``$$``, ``\\begin{`` ... in the text);
- it has saved widget state but the widget manager drew fewer widgets than the page has views;
- a figure is wider than the text column, or shrunk so much that the smallest label the book's
  figures use (8 pt at 100 dpi, ``book/matplotlibrc``) is displayed below 8 pt;
- a code block runs wider than the column (long lines must wrap).

The book must be built first (``make book``; ``make test`` runs this after the strict build). The
directory is ``$NEUROCOURSE_BOOK_HTML``, default ``_build/html``. ``test_checker_fails_on_raw_tex``
builds a one-page book without offline MathJax and proves that the checker reports its raw TeX.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import urllib.parse
import zlib
from html import unescape as html_unescape
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
HTML = Path(os.environ.get("NEUROCOURSE_BOOK_HTML", ROOT / "_build" / "html"))

# The smallest font the book's figures use is 8 pt (legends); matplotlib draws it at dpi/72 px per
# pt (book/matplotlibrc: 100 dpi), i.e. 11.1 px in the PNG. Displayed, it is that times the shrink
# factor of the image; 8 pt on screen is 8 * 96/72 = 10.67 CSS px. So the shrink factor must be at
# least 10.67/11.1 = 0.96; 0.95 leaves 1 % for rounding of the layout.
MIN_FONT_PT, FIG_DPI = 8.0, 100.0
MIN_SCALE = 0.95

# Text nodes outside code, scripts and typeset math that still look like TeX.
_RAW_TEX_JS = r"""
() => {
  const bad = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\frac|\\mathrm|\\text\{|\\left|\\sum_|\\int_/;
  const skip = new Set(["SCRIPT", "STYLE", "PRE", "CODE", "TEXTAREA", "MJX-CONTAINER", "NOSCRIPT"]);
  const found = [];
  const walker = document.createTreeWalker(document.querySelector("main") || document.body,
                                           NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    let p = n.parentElement, hidden = false;
    while (p) { if (skip.has(p.tagName)) { hidden = true; break; } p = p.parentElement; }
    if (!hidden && bad.test(n.textContent)) found.push(n.textContent.trim().slice(0, 80));
  }
  return found;
}
"""

_FIGURES_JS = r"""
() => Array.from(document.querySelectorAll("main img")).filter(
    img => img.closest(".cell_output, .widget-output, .nc-widget-static") && img.offsetParent !== null
).map(img => {
  const col = img.closest("article, .bd-article") || document.querySelector("main");
  return {src: img.src.slice(0, 60), natural: img.naturalWidth, shown: img.getBoundingClientRect().width,
          column: col.getBoundingClientRect().width};
})
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """Serve a built book on localhost; yields a function (html dir -> base URL)."""
    servers = []

    def serve(directory: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(directory))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield serve
    for httpd in servers:
        httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: `apt-get install chromium` (.ci/run does)"
    with sync_playwright() as p:
        # Network off: every request that is not for the local server goes to a proxy that does not
        # exist, and fails at once. (Playwright's request routing would do the same, but it turns off
        # the HTTP cache, and with it the reuse of the 3.6 MB widget manager from page to page.)
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--proxy-server=http://127.0.0.1:9",
                "--proxy-bypass-list=127.0.0.1;localhost",
            ],
        )
        yield b
        b.close()


_CONTEXTS: dict = {}


def _context(browser):
    """One browser context per browser (shared cache, like a reader going from page to page)."""
    if browser not in _CONTEXTS:
        _CONTEXTS[browser] = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    return _CONTEXTS[browser]


def check_page(browser, base: str, path: str, widget_timeout_ms: int = 120_000) -> list[str]:
    """Open ``base/path`` with the network off and return its problems (empty when none).

    ``widget_timeout_ms`` bounds the wait for the widget manager to draw every view (generous: the
    machine may be loaded; it is only spent in full when a widget is not drawn).
    """
    problems: list[str] = []
    page = _context(browser).new_page()
    external: list[str] = []
    page.on("request", lambda r: r.url.startswith((base, "data:", "blob:")) or external.append(r.url))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text[:200]}"))
    page.on("pageerror", lambda e: problems.append(f"JavaScript error: {str(e)[:200]}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and r.url.startswith(base) and problems.append(f"HTTP {r.status}: {r.url}"),
    )
    page.goto(f"{base}/{path}", wait_until="load", timeout=240_000)
    # MathJax 3 (a deferred script, so loaded by now if it can load at all) resolves
    # startup.promise once the page is typeset; without MathJax the TeX simply stays raw
    page.evaluate("() => (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) || null")
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if views:
        try:
            page.wait_for_function(
                f"() => document.querySelectorAll('.widget-subarea .jupyter-widgets').length >= {views}",
                timeout=widget_timeout_ms,
            )
        except Exception:  # a timeout: reported below as a problem of the page
            pass
        drawn = page.locator(".widget-subarea > .jupyter-widgets").count()
        if drawn < views:
            problems.append(f"{views} widget views, {drawn} drawn")
        # once the live widget is drawn, its static fallback figure is hidden (no figure twice)
        doubled = page.evaluate(
            "() => Array.from(document.querySelectorAll('.nc-widget-static')).filter(e => e.offsetParent).length"
        )
        if drawn >= views and doubled:
            problems.append(f"{doubled} static explorer figures still shown beside their live widget")
    # long code lines wrap (web/static/neurocourse-web.css) instead of running off the column
    overflowing = page.evaluate(
        "() => Array.from(document.querySelectorAll('main div.cell pre'))"
        ".filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 2).length"
    )
    if overflowing:
        problems.append(f"{overflowing} code blocks wider than the column (long lines do not wrap)")
    raw = page.evaluate(_RAW_TEX_JS)
    if raw:
        problems.append(f"raw TeX in {len(raw)} text nodes, e.g. {raw[0]!r}")
    for fig in page.evaluate(_FIGURES_JS):
        if fig["natural"] == 0:
            problems.append(f"figure did not load: {fig['src']}")
            continue
        if fig["shown"] > fig["column"] + 1:
            problems.append(f"figure {fig['shown']:.0f} px wider than the column ({fig['column']:.0f} px)")
        scale = fig["shown"] / fig["natural"]
        if scale < MIN_SCALE:
            shown_pt = MIN_FONT_PT * scale
            problems.append(
                f"figure {fig['natural']} px shrunk to {fig['shown']:.0f} px: an {MIN_FONT_PT:g} pt label "
                f"shows at {shown_pt:.1f} pt ({fig['src']})"
            )
    if external:
        problems.append(f"{len(external)} external requests, e.g. {external[0]}")
    page.close()
    return problems


def _pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        for ch in part["chapters"]:
            files.append(ch["file"])
            files += [s["file"] for s in ch.get("sections", [])]
    return [f"{f}.html" for f in files]


def test_book_pages_in_browser(browser, server):
    assert (HTML / "index.html").is_file(), f"no built book in {HTML}: run `make book` first"
    base = server(HTML)
    report = {}
    for path in _pages():
        if not (HTML / path).is_file():
            report[path] = ["in _toc.yml but not built"]
            continue
        found = check_page(browser, base, path)
        if found:
            report[path] = found
    assert not report, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in report.items())


def test_static_explorer_without_widget_manager(browser, server):
    """With the widget manager blocked, an explorer still shows its default figure and the hint."""
    page_path = next(
        (p for p in _pages() if "application/vnd.jupyter.widget-view+json" in (HTML / p).read_text()), None
    )
    assert page_path, "no page with an explorer"
    base = server(HTML)
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.route(
        "**/*",
        lambda r: r.abort() if ("embed-amd" in r.request.url or not r.request.url.startswith(base)) else r.continue_(),
    )
    page.goto(f"{base}/{page_path}", wait_until="load")
    shown = page.locator(".nc-widget-static img").first
    assert shown.is_visible()
    assert page.evaluate("img => img.naturalWidth", shown.element_handle()) > 0
    assert "jupyter lab" in page.locator(".nc-widget-live").first.inner_text()
    context.close()


@pytest.fixture(scope="module")
def probe_book(tmp_path_factory):
    """A two-page book built with Jupyter Book's defaults: MathJax from its CDN, and a broken page."""
    book = tmp_path_factory.mktemp("probe") / "book"
    book.mkdir()
    (book / "_config.yml").write_text(
        "title: probe\nexecute:\n  execute_notebooks: 'off'\nparse:\n  myst_enable_extensions: [dollarmath]\n"
    )
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: broken\n")
    (book / "index.md").write_text("# Probe\n\nInline $E = mc^2$ and display\n\n$$\n\\frac{a}{b}\n$$\n")
    # a widget view without a manager, a script error and a figure twice as wide as the column
    wide = "data:image/png;base64," + base64.b64encode(_png(1600, 200)).decode()
    (book / "broken.md").write_text(
        "# Broken\n\n```{raw} html\n"
        '<div class="cell_output"><img src="' + wide + '"></div>\n'
        '<script type="application/vnd.jupyter.widget-view+json">{"model_id": "x"}</script>\n'
        '<script>console.error("probe error"); undefinedFunction();</script>\n```\n'
    )
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    done = subprocess.run([jb, "build", str(book)], capture_output=True, text=True, env={**os.environ})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return book / "_build" / "html"


def _png(width: int, height: int) -> bytes:
    """A blank RGB PNG of the given size (no image library needed)."""
    raw = b"".join(b"\x00" + b"\xff" * (3 * width) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_checker_fails_on_raw_tex(browser, server, probe_book):
    """A page whose MathJax cannot load (the CDN default, offline) shows raw TeX: the check says so."""
    problems = check_page(browser, server(probe_book), "index.html")
    assert any(p.startswith("raw TeX") for p in problems), problems
    assert any("external requests" in p for p in problems), problems


def test_checker_fails_on_errors_undrawn_widgets_and_shrunk_figures(browser, server, probe_book):
    problems = check_page(browser, server(probe_book), "broken.html", widget_timeout_ms=2_000)
    assert any(p.startswith("console error: probe error") for p in problems), problems
    assert any(p.startswith("JavaScript error") for p in problems), problems
    assert any(p == "1 widget views, 0 drawn" for p in problems), problems
    assert any("shrunk" in p and "pt label shows at" in p for p in problems), problems


def test_jupyterlite_opens_an_exercise(browser, server):
    """The launch button of an exercise page opens that notebook in the JupyterLite site."""
    page_path = next(p for p in _pages() if p.startswith("exercises/"))
    html = (HTML / page_path).read_text()
    found = re.search(r'href="([^"]*lite/lab/index\.html\?path=[^"]+)"', html)
    assert found, f"{page_path}: no JupyterLite launch button"
    base = server(HTML)
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    # offline: the Lite app and the notebook come from the book; only the Pyodide runtime (the
    # kernel starts with the notebook) would come from the network, and it is refused here
    external: list[str] = []

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    target = urllib.parse.urljoin(f"{base}/{page_path}", html_unescape(found.group(1)))
    page.goto(target, wait_until="load", timeout=240_000)
    name = Path(urllib.parse.urlparse(target).query.split("=", 1)[1]).stem
    title = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4).cells[0].source.splitlines()[0]
    page.locator(".jp-Notebook .jp-MarkdownOutput h1").first.wait_for(timeout=300_000)
    assert title.lstrip("# ").split(" ")[0] in page.locator(".jp-Notebook").first.inner_text()
    assert "%pip install" in page.locator(".jp-Notebook").first.inner_text()
    # no fonts, stylesheets or scripts from elsewhere: at most the Pyodide runtime
    assert all("/pyodide/" in url for url in external), external
    context.close()
