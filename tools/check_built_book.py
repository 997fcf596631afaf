"""Check the built HTML book: every chapter shows figures and a widget with a saved state.

Run after `jupyter-book build` (``make test`` does). A chapter whose cells ran with a non-inline
matplotlib backend, or whose explorer failed to render, still builds; this catches it.
"""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def main(html_dir: str) -> int:
    html = Path(html_dir)
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    chapters = [c for c in chapters if c.startswith("book/") and c != "book/practices"]
    problems = []
    for entry in chapters:
        page = (html / f"{entry}.html").read_text(encoding="utf-8")
        if page.count('src="../_images/') < 1:
            problems.append(f"{entry}: no figure in the built page")
        if "application/vnd.jupyter.widget-state+json" not in page:
            problems.append(f"{entry}: no saved ipywidgets state (explorer missing or failed)")
    for p in problems:
        print(f"check_built_book: {p}", file=sys.stderr)
    print(f"check_built_book: {len(chapters)} chapters checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/html"))
