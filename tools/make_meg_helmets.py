"""Developer script: derive the MEG helmet and coil geometry shipped in ``neurocourse/data``.

Run once (and again only to refresh the data) with the development environment::

    .venv/bin/python tools/make_meg_helmets.py

It writes two small JSON files, each with a ``provenance`` block:

``neurocourse/data/meg_coil_defs.json``
    The integration points of the coil types we use, copied from MNE-Python's
    ``mne/data/coil_def.dat`` at accuracy 2 ("accurate", the set ``make_forward_solution``
    uses). Per coil type: class (1 magnetometer, 2 axial gradiometer, 3 planar gradiometer),
    description, size and baseline (m), and per point the weight ``w`` and the position
    ``(x, y, z)`` (m) and normal ``(nx, ny, nz)`` in coil coordinates.

``neurocourse/data/meg_helmets.json``
    The channel names, coil types and 12-value ``loc`` vectors (r0, ex, ey, ez in m, device
    frame) of ``mne.channels.read_meg_canonical_info('neuromag')`` (306 channels: 204 planar
    gradiometers 3012 and 102 magnetometers 3024) and ``('ctf275')`` (274 axial gradiometers
    5001). The device frame is the head frame in these files (``dev_head_t`` is the identity).

At run time the package reads only these JSON files; MNE is needed only here and in tests.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import mne
import numpy as np

COIL_TYPES = (2000, 3012, 3013, 3022, 3023, 3024, 5001, 8001, 8002, 8101)
ACCURACY = 2
OUT = Path(__file__).resolve().parents[1] / "neurocourse" / "data"


def _parse_coil_def(path: Path) -> dict:
    """Parse coil_def.dat into {coil_type: {...}} for the accurate (2) definitions we keep."""
    lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    out, i = {}, 0
    header = re.compile(r'^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+"(.*)"\s*$')
    while i < len(lines):
        m = header.match(lines[i])
        if m is None:
            raise RuntimeError(f"unexpected line in coil_def.dat: {lines[i]!r}")
        cls, ctype, acc, npts = (int(m.group(k)) for k in range(1, 5))
        size, base, desc = float(m.group(5)), float(m.group(6)), m.group(7).strip()
        pts = np.array([[float(x) for x in lines[i + 1 + k].split()] for k in range(npts)])
        i += 1 + npts
        if ctype in COIL_TYPES and acc == ACCURACY:
            out[ctype] = {
                "class": cls, "description": desc, "size": size, "baseline": base,
                "w": pts[:, 0].tolist(), "r": pts[:, 1:4].tolist(), "n": pts[:, 4:7].tolist(),
            }
    missing = set(COIL_TYPES) - set(out)
    if missing:
        raise RuntimeError(f"coil types not found in coil_def.dat: {sorted(missing)}")
    return out


def _helmet(system: str) -> dict:
    info = mne.channels.read_meg_canonical_info(system)
    assert np.allclose(info["dev_head_t"]["trans"], np.eye(4))
    chs = info["chs"]
    return {
        "names": [c["ch_name"] for c in chs],
        "coil_types": [int(c["coil_type"]) for c in chs],
        "loc": [np.asarray(c["loc"][:12], dtype=float).tolist() for c in chs],
    }


def main() -> None:
    coil_path = Path(mne.__file__).parent / "data" / "coil_def.dat"
    today = datetime.date.today().isoformat()
    coils = _parse_coil_def(coil_path)
    prov_coils = {
        "source": "mne/data/coil_def.dat", "mne_version": mne.__version__,
        "accuracy": "2 (accurate; the set used by mne.make_forward_solution)",
        "coil_types": list(COIL_TYPES), "date": today, "script": "tools/make_meg_helmets.py",
        "units": "positions in m, normals unit vectors, both in coil coordinates",
    }
    (OUT / "meg_coil_defs.json").write_text(json.dumps(
        {"provenance": prov_coils, "coils": {str(k): v for k, v in coils.items()}}, indent=1))

    helmets = {"vectorview": _helmet("neuromag"), "ctf275": _helmet("ctf275")}
    prov_helmets = {
        "function": "mne.channels.read_meg_canonical_info('neuromag'), ('ctf275')",
        "mne_version": mne.__version__, "date": today, "script": "tools/make_meg_helmets.py",
        "frame": "MEG device frame (dev_head_t is the identity in the canonical infos)",
        "loc": "12 values per channel: r0 (m), ex, ey, ez (unit vectors; ez is the normal)",
        "coil_types": {"vectorview": "3012 planar gradiometer, 3024 magnetometer",
                       "ctf275": "5001 axial gradiometer (first order, 50 mm baseline)"},
    }
    (OUT / "meg_helmets.json").write_text(json.dumps(
        {"provenance": prov_helmets, "helmets": helmets}, indent=None, separators=(",", ":")))
    for f in ("meg_coil_defs.json", "meg_helmets.json"):
        print(f, (OUT / f).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
