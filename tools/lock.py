"""Make, or check, the lock files that pin the course environment.

``requirements.txt`` and ``requirements-dev.txt`` say what the course needs (version ranges);
``requirements-dev.lock`` and ``requirements.lock`` pin one tested set of exact versions for them,
resolved by ``uv pip compile`` for Python 3.11 on every platform (``--universal``). The book
environment (``requirements.lock``) is resolved as a subset of the test environment
(``requirements-dev.lock``), so both install the same version of every shared package.

Each lock starts with a line ``# inputs-sha256: <hash>`` over the requirement files it was made
from. ``python tools/lock.py --check`` (run by every ``make`` target that installs) fails with a clear
message when a requirement file changed after its lock was made; ``make lock`` (this script without
arguments) re-resolves both locks. Only the standard library is used, so ``--check`` runs with any
Python 3.11, before the environment exists.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "# inputs-sha256: "
# lock file -> the requirement files its hash covers
LOCKS = {
    "requirements-dev.lock": ("requirements.txt", "requirements-dev.txt"),
    "requirements.lock": ("requirements.txt",),
}


def inputs_hash(files: tuple[str, ...]) -> str:
    """SHA-256 over the named requirement files (names and contents), as hex."""
    h = hashlib.sha256()
    for name in files:
        h.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return h.hexdigest()


def recorded_hash(lock: Path) -> str | None:
    """The hash recorded in a lock file's first line, or None when the lock is missing or has none."""
    if not lock.exists():
        return None
    first = lock.read_text(encoding="utf-8").splitlines()[:1]
    return first[0][len(HEADER) :].strip() if first and first[0].startswith(HEADER) else None


def check() -> int:
    """Return 0 when every lock matches its requirement files, else print what to do and return 1."""
    stale = []
    for lock, files in LOCKS.items():
        if recorded_hash(ROOT / lock) != inputs_hash(files):
            stale.append(f"  {lock} is out of date with {' + '.join(files)}")
    if stale:
        print("The lock files do not match the requirement files:", *stale, sep="\n", file=sys.stderr)
        print(
            "A requirement changed after the lock was made. Run `make lock` (it needs the package index),"
            " then commit requirements*.txt and requirements*.lock together.",
            file=sys.stderr,
        )
        return 1
    return 0


def compile_lock(uv: str, source: str, lock: str, constraint: str | None) -> None:
    """Resolve ``source`` into ``lock`` with uv and prepend the inputs hash."""
    cmd = [
        uv,
        "pip",
        "compile",
        source,
        "--universal",
        "--python-version",
        "3.11",
        "--quiet",
        "--no-header",
        "--output-file",
        lock,
    ]
    if constraint:
        cmd += ["--constraint", constraint]
    print(f"[lock] {' '.join(cmd[1:])}", flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)
    path = ROOT / lock
    body = path.read_text(encoding="utf-8")
    note = (
        f"{HEADER}{inputs_hash(LOCKS[lock])}\n"
        f"# Pinned from {source} by `make lock` (tools/lock.py, uv pip compile --universal, Python 3.11).\n"
        "# Do not edit by hand: change the requirement file, then run `make lock`.\n"
    )
    path.write_text(note + body, encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[1:] == ["--check"]:
        return check()
    if argv[1:]:
        print("usage: lock.py [--check]", file=sys.stderr)
        return 2
    uv = os.environ.get("UV", "uv")
    # The test environment first; the book environment is then constrained to its versions.
    compile_lock(uv, "requirements-dev.txt", "requirements-dev.lock", None)
    compile_lock(uv, "requirements.txt", "requirements.lock", "requirements-dev.lock")
    return check()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
