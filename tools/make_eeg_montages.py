"""Developer script: derive the standard EEG montages shipped in ``neurocourse/data``.

Run once (and again only to refresh the data) with the development environment::

    .venv/bin/python tools/make_eeg_montages.py

It writes ``neurocourse/data/eeg_montages.json`` with a ``provenance`` block and, per montage
(``"1020"``, ``"1010"``, ``"1005"``), the electrode names and their **unit direction vectors**
(head frame: x to the right ear, y to the nose, z up), i.e. the positions projected onto the unit
sphere about the origin. ``neurocourse.eeg.montage`` scales them to any scalp radius.

Source: MNE-Python's ``mne.channels.make_standard_montage('spherical_1020' | 'spherical_1010' |
'spherical_1005')`` (files ``mne/channels/data/montages/spherical_10*.tsv``, idealised positions
of the eeg_positions project, Nz-T10-Iz-T9 construction). The FieldTrip-derived
``standard_1020.elc`` / ``standard_1005.elc`` that older MNE releases shipped are not in MNE 1.13
(``standard_1020`` is deprecated there), so the idealised spherical files are used; their points
lie on a sphere already, and the projection below only removes rounding of the 4-decimal files.

At run time the package reads only the JSON file; MNE is needed only here and in tests.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import mne
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "neurocourse" / "data" / "eeg_montages.json"
KINDS = ("1020", "1010", "1005")


def main() -> None:
    data = {
        "provenance": {
            "generator": "tools/make_eeg_montages.py",
            "source": "mne.channels.make_standard_montage('spherical_<kind>'), "
                      "mne/channels/data/montages/spherical_<kind>.tsv",
            "mne_version": mne.__version__,
            "date": datetime.date.today().isoformat(),
            "frame": "head frame; x right ear, y nose, z vertex",
            "units": "dimensionless unit vectors (positions projected onto the unit sphere)",
        },
        "montages": {},
    }
    for kind in KINDS:
        mont = mne.channels.make_standard_montage(f"spherical_{kind}")
        pos = mont.get_positions()["ch_pos"]
        names = list(pos)
        xyz = np.array([pos[n] for n in names], dtype=float)
        radius = np.linalg.norm(xyz, axis=1)
        unit = xyz / radius[:, None]
        data["montages"][kind] = {
            "names": names,
            "directions": np.round(unit, 12).tolist(),
            "source_radius_m": float(np.median(radius)),
        }
        print(f"{kind}: {len(names)} electrodes, radius {np.median(radius):.4f} m "
              f"(spread {np.ptp(radius):.1e} m)")
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
