"""Standard 10-20, 10-10 and 10-05 electrode montages on a spherical scalp.

The electrode directions were derived once from the idealised positions MNE-Python ships
(``make_standard_montage('spherical_10xx')``) by ``tools/make_eeg_montages.py`` and are stored,
with their provenance, in ``neurocourse/data/eeg_montages.json``. Here they are placed on the
scalp sphere of a head model: :math:`\\mathbf r = \\mathbf c + R\\,\\hat{\\mathbf u}`. MNE is not
needed at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from neurocourse._validation import check_int, check_option, check_positive, check_vec3
from neurocourse.meg.sensors import radial_magnetometers

__all__ = ["Montage", "electrode_grid", "montage_provenance", "standard_montage"]

_DATA = Path(__file__).resolve().parents[1] / "data" / "eeg_montages.json"
KINDS = ("1020", "1010", "1005")


@cache
def _library() -> dict:
    return json.loads(_DATA.read_text())


def montage_provenance() -> dict:
    """Where the stored montage directions come from (generator, MNE version, date, units).

    Returns
    -------
    dict
        Text entries ``generator``, ``source``, ``mne_version``, ``date``, ``frame`` and
        ``units`` (the stored directions are dimensionless unit vectors; positions in m are
        made from them by :class:`Montage` constructors).
    """
    return dict(_library()["provenance"])


@dataclass(frozen=True, eq=False)
class Montage:
    """EEG electrodes on a spherical scalp.

    Attributes
    ----------
    names : tuple of str
        Electrode labels (e.g. ``"Cz"``).
    positions : ndarray, shape (n, 3)
        Positions in m, all at distance ``radius`` from ``center``.
    radius : float
        Scalp radius in m.
    center : ndarray, shape (3,)
        Sphere centre in m.
    """

    names: tuple
    positions: np.ndarray
    radius: float
    center: np.ndarray

    @property
    def n_channels(self) -> int:
        """Number of electrodes."""
        return len(self.names)

    def index(self, name: str) -> int:
        """Row of electrode ``name``; ValueError listing the labels if it is absent."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ValueError(f"name must be one of the montage's electrodes {list(self.names)}, "
                             f"got {name!r}") from None

    def pick(self, names) -> Montage:
        """A montage with the electrodes ``names``, in that order."""
        idx = [self.index(n) for n in names]
        return Montage(tuple(self.names[i] for i in idx), self.positions[idx], self.radius,
                       self.center)


def standard_montage(kind="1020", radius=0.088, center=(0.0, 0.0, 0.0)) -> Montage:
    """A standard montage on the scalp sphere.

    Parameters
    ----------
    kind : {"1020", "1010", "1005"}, default "1020"
        21, 70 or 344 electrodes of the international 10-20 system and its 10-10 and 10-05
        extensions.
    radius : float, default 0.088
        Scalp radius in m (> 0); the outer radius of the head model.
    center : array_like, shape (3,)
        Sphere centre in m.

    Returns
    -------
    Montage

    References
    ----------
    Jasper (1958) Electroencephalogr Clin Neurophysiol 10:371; Oostenveld & Praamstra (2001) Clin
    Neurophysiol 112:713 (10-05); MNE-Python ``make_standard_montage('spherical_10xx')``.
    """
    check_option("kind", kind, KINDS)
    R = float(check_positive("radius", radius, unit="m"))
    c = check_vec3("center", center, unit="m")
    entry = _library()["montages"][kind]
    u = np.asarray(entry["directions"], dtype=float)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return Montage(tuple(entry["names"]), c + R * u, R, c)


def electrode_grid(n=64, radius=0.088, center=(0.0, 0.0, 0.0), z_min=-0.2) -> Montage:
    """``n`` electrodes spread evenly (Fibonacci lattice) over the scalp cap above ``z_min``.

    Parameters
    ----------
    n : int, default 64
        Number of electrodes (>= 3).
    radius : float, default 0.088
        Scalp radius in m.
    center : array_like, shape (3,)
        Centre in m.
    z_min : float, default -0.2
        Lowest cos(polar angle) covered, dimensionless, in (-1, 1).

    Returns
    -------
    Montage
        Names ``E001`` … .

    References
    ----------
    González (2010) Math Geosci 42:49 (Fibonacci lattice); the same cap as
    :func:`neurocourse.meg.sensors.radial_magnetometers`.
    """
    n = check_int("n", n, 3)
    R = float(check_positive("radius", radius, unit="m"))
    c = check_vec3("center", center, unit="m")
    pos = radial_magnetometers(n, radius=R, center=c, z_min=z_min).positions
    pos = c + R * (pos - c) / np.linalg.norm(pos - c, axis=1, keepdims=True)
    return Montage(tuple(f"E{i + 1:03d}" for i in range(n)), pos, R, c)
