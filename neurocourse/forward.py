"""One forward model for MEG and EEG: the lead field with its channels and sources.

:class:`Forward` bundles a gain matrix with everything needed to use it: the channel names,
types (``"mag"``: magnetometers and axial gradiometers, T; ``"grad"``: planar gradiometers,
T/m; ``"eeg"``: electrodes, V), the source positions and, for a fixed-orientation model, the
source orientations. Free-orientation models have three columns per source in x, y, z order
(MNE-Python's ``fwd['sol']['data']``). :func:`make_forward` is the one entry point that builds it
over a spherical head (:class:`neurocourse.eeg.ShellModel`: Sarvas' formula for MEG, the exact
multi-shell series for EEG), a single-shell BEM (:class:`neurocourse.meg.bem.BEMModel`, MEG) or a
nested three-layer BEM (:class:`neurocourse.meg.bem_multilayer.MultiLayerBEM`, MEG and EEG). The
MEG and EEG lead fields come from the same kernels the modality modules expose
(:func:`neurocourse.meg.sensor_lead_field`, :func:`neurocourse.eeg.series_lead_field`, the BEM
lead fields), so there is one implementation of each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from neurocourse._validation import as_finite, check_option, check_points, check_type
from neurocourse.eeg.montage import Montage
from neurocourse.eeg.reference import reference_matrix
from neurocourse.eeg.series import series_lead_field
from neurocourse.eeg.shells import ShellModel, three_shell
from neurocourse.meg.bem import BEMModel, bem_lead_field
from neurocourse.meg.bem_multilayer import MultiLayerBEM, bem_eeg_lead_field, bem_meg_lead_field
from neurocourse.meg.leadfield import fixed_orientation, sensor_lead_field
from neurocourse.meg.sensors import SensorArray

__all__ = ["CH_TYPES", "Forward", "make_forward"]

CH_TYPES = ("mag", "grad", "eeg")
_UNITS = {"mag": "T", "grad": "T/m", "eeg": "V"}
_MEG_TYPE = {"mag": "mag", "axial_grad": "mag", "planar_grad": "grad"}  # as MNE's pick_types


@dataclass(frozen=True, eq=False)
class Forward:
    """A forward model: lead field, channels and sources (SI units).

    Attributes
    ----------
    G : ndarray, shape (n_channels, n_columns)
        Lead field; rows in T/(A·m) (``"mag"``), T/(m·A·m) (``"grad"``) or V/(A·m) (``"eeg"``).
        ``orientation == "free"``: ``n_columns = 3 n_sources``, column ``3k + j`` a unit dipole
        at source ``k`` along axis ``j`` (x, y, z); ``"fixed"``: one column per source, a unit
        dipole along ``source_nn[k]``.
    ch_names : tuple of str
        Channel names.
    ch_types : tuple of str
        ``"mag"``, ``"grad"`` or ``"eeg"`` per channel.
    units : tuple of str
        ``"T"``, ``"T/m"`` or ``"V"`` per channel (data units; G is per A·m).
    ch_pos : ndarray, shape (n_channels, 3)
        Channel positions in m (coil origins, electrode positions).
    source_rr : ndarray, shape (n_sources, 3)
        Source positions in m.
    source_nn : ndarray, shape (n_sources, 3) or None
        Unit source orientations (fixed orientation), or None.
    orientation : str
        ``"free"`` or ``"fixed"``.
    eeg_reference : str
        Reference of the EEG rows: ``"infinity"`` (sphere models, as MNE), ``"average"`` (BEM,
        and after :meth:`set_eeg_reference`), or a description of the electrodes used.
    head : str
        Short description of the head model.
    """

    G: np.ndarray
    ch_names: tuple
    ch_types: tuple
    units: tuple
    ch_pos: np.ndarray
    source_rr: np.ndarray
    source_nn: np.ndarray | None
    orientation: str
    eeg_reference: str = "infinity"
    head: str = ""

    def __post_init__(self):
        n_ch = len(self.ch_names)
        if self.G.ndim != 2 or self.G.shape[0] != n_ch:
            raise ValueError(f"G must have shape ({n_ch}, n_columns), got {self.G.shape}")
        if len(self.ch_types) != n_ch or len(self.units) != n_ch:
            raise ValueError("ch_types and units must have one entry per channel")
        for t in self.ch_types:
            check_option("ch_types", t, CH_TYPES)
        check_option("orientation", self.orientation, ("free", "fixed"))
        per = 3 if self.orientation == "free" else 1
        if self.G.shape[1] != per * self.source_rr.shape[0]:
            raise ValueError(f"G must have {per * self.source_rr.shape[0]} columns for "
                             f"{self.source_rr.shape[0]} sources ({self.orientation}), got "
                             f"{self.G.shape[1]}")
        if self.orientation == "fixed" and self.source_nn is None:
            raise ValueError("source_nn must be given for a fixed-orientation forward")

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.ch_names)

    @property
    def n_sources(self) -> int:
        """Number of source locations."""
        return int(self.source_rr.shape[0])

    def picks(self, types) -> np.ndarray:
        """Row indices of the channels whose type is in ``types`` (a type or a sequence)."""
        types = (types,) if isinstance(types, str) else tuple(types)
        for t in types:
            check_option("types", t, CH_TYPES)
        return np.flatnonzero(np.isin(np.asarray(self.ch_types), types))

    def pick(self, types) -> Forward:
        """A forward with only the channels of ``types`` (e.g. ``"eeg"`` or ``("mag", "grad")``)."""
        idx = self.picks(types)
        if idx.size == 0:
            raise ValueError(f"types {types!r} selects no channel; this forward has "
                             f"{sorted(set(self.ch_types))}")
        return replace(self, G=self.G[idx], ch_names=tuple(self.ch_names[i] for i in idx),
                       ch_types=tuple(self.ch_types[i] for i in idx),
                       units=tuple(self.units[i] for i in idx), ch_pos=self.ch_pos[idx])

    def to_fixed(self, normals=None) -> Forward:
        """Fixed-orientation forward: each source's three columns projected on its normal.

        Parameters
        ----------
        normals : array_like, shape (n_sources, 3), optional
            Orientations (normalised here); default ``source_nn``.

        References
        ----------
        MNE-Python ``convert_forward_solution(..., surf_ori=True, force_fixed=True)``.
        """
        if self.orientation == "fixed":
            raise ValueError("orientation is already 'fixed'; build a free forward to re-orient")
        nn = self.source_nn if normals is None else check_points("normals", normals, unit="")
        if nn is None:
            raise ValueError("normals must be given: this forward has no source_nn")
        Gf = fixed_orientation(self.G, nn)
        nn = nn / np.linalg.norm(nn, axis=1, keepdims=True)
        return replace(self, G=Gf, source_nn=nn, orientation="fixed")

    def set_eeg_reference(self, ref="average") -> Forward:
        """Re-reference the EEG rows (see :func:`neurocourse.eeg.reference.reference_matrix`)."""
        idx = self.picks("eeg")
        if idx.size == 0:
            raise ValueError("set_eeg_reference needs EEG channels; this forward has none")
        T = reference_matrix(idx.size, ref, [self.ch_names[i] for i in idx])
        G = self.G.copy()
        G[idx] = T @ G[idx]
        return replace(self, G=G, eeg_reference=ref if isinstance(ref, str) else repr(ref))

    def apply(self, amplitudes) -> np.ndarray:
        """Channel data :math:`G\\mathbf j` for source amplitudes in A·m (n_columns[, n_times])."""
        j = as_finite("amplitudes", amplitudes, unit="A·m")
        if j.ndim not in (1, 2) or j.shape[0] != self.G.shape[1]:
            raise ValueError(f"amplitudes must have {self.G.shape[1]} rows, got {j.shape}")
        return self.G @ j


def _meg_rows(head, src, sensors: SensorArray) -> np.ndarray:
    if isinstance(head, ShellModel):
        return sensor_lead_field(src, sensors, center=head.center)
    W = sensors.integration_matrix()  # coil integration, as sensor_lead_field applies it
    if isinstance(head, BEMModel):
        return W @ bem_lead_field(head, src, sensors.points, sensors.point_normals)
    return W @ bem_meg_lead_field(head, src, sensors.points, sensors.point_normals)


def make_forward(r_sources, *, meg=None, eeg=None, head=None, normals=None) -> Forward:
    """Build a :class:`Forward` for MEG, EEG or both.

    Parameters
    ----------
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Source positions in m (inside the brain compartment).
    meg : SensorArray, optional
        MEG channels (with coil integration), e.g. :func:`neurocourse.meg.vectorview_array` or
        :func:`neurocourse.meg.radial_magnetometers`.
    eeg : Montage or array_like of shape (n, 3), optional
        Electrodes on the scalp (:func:`neurocourse.eeg.montage.standard_montage`), or their
        positions in m (named ``E001`` …).
    head : ShellModel, BEMModel or MultiLayerBEM, optional
        Head model; default :func:`neurocourse.eeg.shells.three_shell` (brain, skull, scalp of
        81/85/88 mm with a 1:80 skull). Spheres: MEG by Sarvas' formula (independent of the
        shells), EEG by the exact series (reference at infinity). ``BEMModel`` (single shell):
        MEG only. ``MultiLayerBEM``: MEG and EEG (average reference).
    normals : array_like, shape (n_sources, 3), optional
        Source orientations; when given the forward is fixed-orientation along them.

    Returns
    -------
    Forward
        MEG rows first (in the array's order), then EEG rows.

    Raises
    ------
    ValueError
        If no modality is requested, EEG is asked of a single-shell BEM, a source is outside the
        brain compartment, or an electrode is off the scalp.

    References
    ----------
    Sarvas (1987) Phys Med Biol 32:11; de Munck & Peters (1993) IEEE TBME 40:1166; Hämäläinen &
    Sarvas (1989) IEEE TBME 36:165; MNE-Python ``make_forward_solution`` (the layout).
    """
    if meg is None and eeg is None:
        raise ValueError("make_forward needs meg (a SensorArray), eeg (electrodes) or both; got "
                         "neither")
    head = three_shell() if head is None else head
    check_type("head", head, (ShellModel, BEMModel, MultiLayerBEM))
    src = check_points("r_sources", r_sources)
    blocks, names, types, pos = [], [], [], []
    ref = "infinity"
    if meg is not None:
        check_type("meg", meg, SensorArray)
        blocks.append(_meg_rows(head, src, meg))
        names += list(meg.names)
        types += [_MEG_TYPE[k] for k in meg.kinds]
        pos.append(meg.positions)
    if eeg is not None:
        if isinstance(eeg, Montage):
            el, el_names = eeg.positions, list(eeg.names)
        else:
            el = check_points("eeg", eeg)
            el_names = [f"E{i + 1:03d}" for i in range(el.shape[0])]
        if isinstance(head, ShellModel):
            blocks.append(series_lead_field(head, src, el))
        elif isinstance(head, MultiLayerBEM):
            blocks.append(bem_eeg_lead_field(head, src, el))
            ref = "average"
        else:
            raise ValueError("head: a single-shell BEMModel has no skull or scalp, so it cannot "
                             "give EEG; use a ShellModel or a MultiLayerBEM")
        names += el_names
        types += ["eeg"] * len(el_names)
        pos.append(el)
    if isinstance(head, ShellModel):
        desc = (f"{head.n_shells}-shell sphere, radii {np.round(head.radii * 1e3, 2).tolist()} mm, "
                f"sigmas {head.sigmas.tolist()} S/m")
    elif isinstance(head, BEMModel):
        desc = f"single-shell BEM ({head.mesh.n_vertices} vertices, {head.basis})"
    else:
        desc = f"{head.n_layers}-layer BEM, sigmas {list(head.sigmas)} S/m"
    fwd = Forward(G=np.vstack(blocks), ch_names=tuple(names), ch_types=tuple(types),
                  units=tuple(_UNITS[t] for t in types), ch_pos=np.vstack(pos), source_rr=src,
                  source_nn=None, orientation="free", eeg_reference=ref, head=desc)
    return fwd if normals is None else fwd.to_fixed(normals)
