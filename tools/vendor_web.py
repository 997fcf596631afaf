"""Vendor the book's browser libraries from the npm registry: pinned, checksum-verified, trimmed.

The pages with saved ipywidgets state need require.js and ``@jupyter-widgets/html-manager``. myst-nb
loads them from two CDNs by default; an offline reader then sees no widget at all. This script
fetches the pinned tarballs with ``npm pack`` (no ``npm install``: one tarball per package, no
dependency tree), checks each tarball against the sha512 integrity pinned below (the value the
registry publishes in ``dist.integrity``), keeps only the files a page needs, and writes them under
``web/static/vendor/<package>-<version>/`` with a ``MANIFEST.json`` of sha256 sums.

The result is committed, so ``make book`` needs neither node nor the network. MathJax 3 is not
vendored here: it comes from the pip package ``sphinx-mathjax-offline`` (MathJax 3.2.2).

``web/static`` is deliberately not a Sphinx ``html_static_path`` entry of the book config: Jupyter
Book 1 adds every ``.js``/``.css`` found under its static folders to every page. The local extension
``web/neurocourse_web.py`` copies the vendored files into ``_static/`` and registers only the ones
it needs, on the pages that need them, through myst-nb's ``nb_ipywidgets_js``.

Usage::

    python tools/vendor_web.py           # fetch, verify, trim, write web/static/vendor (needs npm + network)
    python tools/vendor_web.py --check   # verify the committed files against MANIFEST.json (offline)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "web" / "static" / "vendor"

# package -> (version, npm dist.integrity of the tarball, files kept from the tarball's package/ folder).
# html-manager: embed-amd.js is the AMD bundle myst-nb's embedding uses; the FontAwesome icon fonts it
# references are kept in woff2 only (every browser that runs the bundle picks woff2 before the other
# formats in the @font-face list); the third-party licence notices and package.json travel with them.
PINS: dict[str, tuple[str, str, list[str]]] = {
    "@jupyter-widgets/html-manager": (
        "1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        [
            "package.json",
            "dist/embed-amd.js",
            "dist/embed.js.LICENSE.txt",
            "dist/1551f4f60c37af51121f.woff2",
            "dist/7a3337626410ca2f4071.woff2",
            "dist/d878b0a6a1144760244f.woff2",
        ],
    ),
    "requirejs": (
        "2.3.8",
        "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        ["package.json", "require.js"],
    ),
}


def folder_name(package: str, version: str) -> str:
    """Folder of a vendored package under ``web/static/vendor``, e.g. ``html-manager-1.0.15``."""
    return f"{package.split('/')[-1]}-{version}"


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch() -> None:
    """Download, verify and trim every pinned package into ``web/static/vendor`` (needs npm and the network)."""
    if shutil.which("npm") is None:
        raise SystemExit("vendor_web: npm is needed to fetch (the committed files need no node)")
    manifest: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for package, (version, integrity, keep) in PINS.items():
            spec = f"{package}@{version}"
            print(f"vendor_web: npm pack {spec}", flush=True)
            out = subprocess.run(
                ["npm", "pack", spec, "--json", "--pack-destination", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            tarball = Path(tmp) / json.loads(out.stdout)[0]["filename"]
            got = _integrity(tarball)
            if got != integrity:
                raise SystemExit(f"vendor_web: {spec}: integrity {got} != pinned {integrity}")
            dest = VENDOR / folder_name(package, version)
            shutil.rmtree(dest, ignore_errors=True)
            files = {}
            with tarfile.open(tarball) as tar:
                for rel in keep:
                    member = tar.getmember(f"package/{rel}")
                    target = dest / Path(rel).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())
                    files[target.name] = _sha256(target)
            manifest[folder_name(package, version)] = {
                "package": package,
                "version": version,
                "integrity": integrity,
                "files": files,
            }
            print(
                f"vendor_web: {spec}: {len(files)} files, {sum((dest / f).stat().st_size for f in files) / 1e6:.1f} MB",
                flush=True,
            )
    (VENDOR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def check() -> list[str]:
    """Compare the committed vendored files with ``MANIFEST.json`` and the pins; return the problems."""
    problems = []
    manifest_path = VENDOR / "MANIFEST.json"
    if not manifest_path.is_file():
        return [f"{manifest_path} missing: run tools/vendor_web.py"]
    manifest = json.loads(manifest_path.read_text())
    for package, (version, integrity, keep) in PINS.items():
        name = folder_name(package, version)
        entry = manifest.get(name)
        if entry is None or entry["integrity"] != integrity:
            problems.append(f"{name}: not vendored at the pinned version and integrity")
            continue
        if sorted(entry["files"]) != sorted(Path(k).name for k in keep):
            problems.append(f"{name}: manifest lists {sorted(entry['files'])}, pins keep {keep}")
        for fname, digest in entry["files"].items():
            path = VENDOR / name / fname
            if not path.is_file():
                problems.append(f"{path}: missing")
            elif _sha256(path) != digest:
                problems.append(f"{path}: sha256 differs from MANIFEST.json")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files (offline)")
    args = parser.parse_args(argv)
    if not args.check:
        fetch()
    problems = check()
    for p in problems:
        print(f"vendor_web: {p}", file=sys.stderr)
    print(f"vendor_web: {len(PINS)} packages verified, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
