"""MR signal for fMRI acquisition: spoiled gradient echo, Ernst angle, T2* decay, BOLD contrast.

All times are in seconds, relaxation rates in s⁻¹ and flip angles in degrees (as on a scanner
console). Every function broadcasts over numpy arrays.

The spoiled gradient-echo (GRE, FLASH) steady state follows Haacke et al. (1999), *Magnetic
Resonance Imaging: Physical Principles and Sequence Design*, ch. 18, and Ernst & Anderson (1966),
Rev. Sci. Instrum. 37:93. The TE optimisation of the BOLD contrast follows Menon et al. (1993),
MRM 30:380, and the multi-echo weighting Posse et al. (1999), MRM 42:87.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_positive, check_range
from neurocourse.vessels.field import GAMMA

__all__ = [
    "PROTOCOL_TE",
    "TISSUE_RELAXATION",
    "TissueRelaxation",
    "bold_signal_change",
    "contrast_optimal_te",
    "ernst_angle",
    "multi_echo_signal",
    "multi_echo_weights",
    "relative_bold_sensitivity",
    "spoiled_gre_signal",
    "t2star_decay",
    "t2star_from_echoes",
    "through_slice_dephasing",
    "tissue_relaxation",
]


def _flip_rad(flip_deg) -> np.ndarray:
    flip = check_range("flip_deg", flip_deg, 0.0, 180.0, low_inclusive=False, unit="deg")
    return np.deg2rad(flip)


def spoiled_gre_signal(T1, T2star, TR, TE, flip_deg, M0=1.0):
    """Steady-state transverse magnetisation of a spoiled gradient echo at the echo time.

    .. math::

        S = M_0 \\sin\\alpha\\,\\frac{1-E_1}{1-E_1\\cos\\alpha}\\,e^{-TE/T_2^*},
        \\qquad E_1 = e^{-TR/T_1}.

    Parameters
    ----------
    T1 : float or array_like
        Longitudinal relaxation time, s (> 0).
    T2star : float or array_like
        Effective transverse relaxation time, s (> 0).
    TR : float or array_like
        Repetition time, s (> 0).
    TE : float or array_like
        Echo time, s (>= 0).
    flip_deg : float or array_like
        Flip angle, degrees, in (0, 180].
    M0 : float or array_like, default 1.0
        Equilibrium magnetisation (arbitrary units, >= 0); the result has the same unit.

    Returns
    -------
    S : float or ndarray
        Signal at the echo, in the units of ``M0``; inputs are broadcast together.

    Notes
    -----
    Ideal spoiling (no transverse coherence between repetitions) is assumed, as in Haacke et al.
    (1999), eq. 18.57, and in the seed's acquisition-physics section. Flip angles above 90° give
    the mirror-image signal of ``180° - flip`` with inverted longitudinal recovery.
    """
    T1 = check_positive("T1", T1, unit="s")
    T2star = check_positive("T2star", T2star, unit="s")
    TR = check_positive("TR", TR, unit="s")
    TE = check_positive("TE", TE, unit="s", allow_zero=True)
    M0 = check_positive("M0", M0, allow_zero=True)
    a = _flip_rad(flip_deg)
    E1 = np.exp(-TR / T1)
    S = M0 * np.sin(a) * (1.0 - E1) / (1.0 - E1 * np.cos(a)) * np.exp(-TE / T2star)
    return S[()] if np.ndim(S) == 0 else S


def ernst_angle(TR, T1):
    """Flip angle that maximises the spoiled-GRE signal, in degrees.

    .. math:: \\alpha_E = \\arccos\\left(e^{-TR/T_1}\\right)

    Parameters
    ----------
    TR : float or array_like
        Repetition time, s (> 0).
    T1 : float or array_like
        Longitudinal relaxation time, s (> 0).

    Returns
    -------
    alpha_E : float or ndarray
        Ernst angle, degrees, in (0, 90).

    Notes
    -----
    Ernst & Anderson (1966), Rev. Sci. Instrum. 37:93. At the Ernst angle the signal equals
    :math:`M_0\\sqrt{(1-E_1)/(1+E_1)}\\,e^{-TE/T_2^*}`.
    """
    TR = check_positive("TR", TR, unit="s")
    T1 = check_positive("T1", T1, unit="s")
    out = np.degrees(np.arccos(np.exp(-TR / T1)))
    return out[()] if np.ndim(out) == 0 else out


def t2star_decay(TE, T2star, S0=1.0):
    """Free-induction decay of a gradient echo, ``S0 * exp(-TE / T2star)``.

    Parameters
    ----------
    TE : float or array_like
        Echo time, s (>= 0).
    T2star : float or array_like
        Effective transverse relaxation time, s (> 0).
    S0 : float or array_like, default 1.0
        Signal at TE = 0 (arbitrary units).

    Returns
    -------
    S : float or ndarray
        Signal at TE, in the units of ``S0``.

    Notes
    -----
    Mono-exponential decay, Haacke et al. (1999), ch. 20.
    """
    TE = check_positive("TE", TE, unit="s", allow_zero=True)
    T2star = check_positive("T2star", T2star, unit="s")
    S0 = as_finite("S0", S0)
    out = S0 * np.exp(-TE / T2star)
    return out[()] if np.ndim(out) == 0 else out


def bold_signal_change(TE, T2star, dR2star, S0=1.0, *, linearised=False):
    """Gradient-echo BOLD signal change for a change ``dR2star`` of the relaxation rate.

    .. math::

        \\Delta S(TE) = S_0 e^{-TE/T_2^*}\\left(e^{-TE\\,\\Delta R_2^*} - 1\\right)
        \\approx -S_0\\,TE\\,\\Delta R_2^*\\,e^{-TE/T_2^*}.

    Parameters
    ----------
    TE : float or array_like
        Echo time, s (>= 0).
    T2star : float or array_like
        Baseline effective transverse relaxation time, s (> 0).
    dR2star : float or array_like
        Change of R2* = 1/T2*, s⁻¹. Activation lowers deoxyhaemoglobin, so ``dR2star < 0``
        gives a positive signal change.
    S0 : float or array_like, default 1.0
        Signal at TE = 0 (arbitrary units).
    linearised : bool, default False
        Return the first-order (small ``TE * dR2star``) form instead of the exact one.

    Returns
    -------
    dS : float or ndarray
        Signal change in the units of ``S0``.

    Notes
    -----
    Menon et al. (1993), MRM 30:380. The linearised change is maximal at TE = T2*
    (see :func:`contrast_optimal_te`).
    """
    TE = check_positive("TE", TE, unit="s", allow_zero=True)
    T2star = check_positive("T2star", T2star, unit="s")
    dR2star = as_finite("dR2star", dR2star, unit="1/s")
    S0 = as_finite("S0", S0)
    base = S0 * np.exp(-TE / T2star)
    out = -base * TE * dR2star if linearised else base * np.expm1(-TE * dR2star)
    return out[()] if np.ndim(out) == 0 else out


def contrast_optimal_te(T2star, dR2star=0.0):
    """Echo time that maximises the BOLD signal change ``|ΔS(TE)|``, in seconds.

    For an infinitesimal ``dR2star`` the optimum is TE = T2*. For a finite change the exact
    optimum of :func:`bold_signal_change` is

    .. math:: TE_{opt} = \\frac{\\ln(1 + \\Delta R_2^*\\,T_2^*)}{\\Delta R_2^*}.

    Parameters
    ----------
    T2star : float or array_like
        Baseline effective transverse relaxation time, s (> 0). Pass the tissue T2 to get the
        optimum of a spin-echo acquisition.
    dR2star : float or array_like, default 0.0
        Change of R2*, s⁻¹; must satisfy ``1 + dR2star * T2star > 0``.

    Returns
    -------
    TE_opt : float or ndarray
        Contrast-optimal echo time, s.

    Notes
    -----
    Obtained by setting d(ΔS)/dTE = 0 (Menon et al. 1993, MRM 30:380).
    """
    T2star = check_positive("T2star", T2star, unit="s")
    dR2star = as_finite("dR2star", dR2star, unit="1/s")
    x = dR2star * T2star
    if np.any(x <= -1.0):
        bad = np.broadcast_to(dR2star, np.broadcast(x).shape)[x <= -1.0].ravel()[0]
        raise ValueError(f"dR2star must be > -1/T2star (1/s), got {bad!r}")
    small = np.abs(x) < 1e-8
    safe = np.where(small, 1.0, x)
    out = np.where(small, T2star * (1.0 - x / 2.0), T2star * np.log1p(safe) / safe)
    return out[()] if np.ndim(out) == 0 else out


def relative_bold_sensitivity(TE, T2star):
    """BOLD sensitivity at echo time ``TE`` relative to its optimum, dimensionless in [0, 1].

    The linearised contrast of :func:`bold_signal_change`, ``TE·exp(-TE/T2*)``, divided by its value at
    the optimum TE = T2*:

    .. math:: s(TE) = \\frac{TE}{T_2^*}\\,e^{\\,1 - TE/T_2^*}.

    The optimum is broad: ``s`` stays above 0.8 for TE between about 0.47 T2* and 1.8 T2*, which is why
    a protocol can shorten TE well below the tissue T2* for other reasons (dropout, distortion,
    readout length) at a modest cost in contrast.

    Parameters
    ----------
    TE : float or array_like
        Echo time, s (>= 0).
    T2star : float or array_like
        Effective transverse relaxation time of the voxel, s (> 0): the tissue value, or the apparent
        value that includes macroscopic dephasing (:func:`through_slice_dephasing`).

    Returns
    -------
    s : float or ndarray
        Relative sensitivity (1 at TE = T2*).

    Notes
    -----
    Menon et al. (1993), MRM 30:380; the optimum TE = T2* follows from d(TE e^{-TE/T2*})/dTE = 0.
    """
    TE = check_positive("TE", TE, unit="s", allow_zero=True)
    T2star = check_positive("T2star", T2star, unit="s")
    x = TE / T2star
    out = x * np.exp(1.0 - x)
    return out[()] if np.ndim(out) == 0 else out


def through_slice_dephasing(TE, gradient, thickness):
    """Signal attenuation by a linear field gradient across the slice, dimensionless in [0, 1].

    A macroscopic field gradient ``G`` (from air–tissue susceptibility boundaries, T/m) across a slice
    of thickness ``Δz`` with a rectangular profile spreads the phases of the voxel's spins uniformly
    over ``γ G Δz TE``, so the voxel signal is multiplied by

    .. math:: F(TE) = \\left|\\operatorname{sinc}\\!\\left(\\frac{\\gamma\\,G\\,\\Delta z\\,TE}{2}\\right)\\right|,
              \\qquad \\operatorname{sinc}(x) = \\sin(x)/x,

    on top of the tissue decay ``exp(-TE/T2*)``. It vanishes first at ``TE = 2π/(γ G Δz)``. Thick EPI
    slices therefore have a shorter apparent T2* than the tissue value, most of all near the sinuses
    and ear canals, which is one reason BOLD protocols use TE below the tissue T2*.

    Parameters
    ----------
    TE : float or array_like
        Echo time, s (>= 0).
    gradient : float or array_like
        Through-slice field gradient, T/m (its sign does not matter).
    thickness : float or array_like
        Slice thickness, m (> 0).

    Returns
    -------
    F : float or ndarray
        Attenuation factor, dimensionless (1 without a gradient).

    Notes
    -----
    Frahm, Merboldt & Hänicke (1988), MRM 6:474 (intravoxel dephasing by a linear gradient and its
    compensation); Haacke et al. (1999), *Magnetic Resonance Imaging*, on T2* and field
    inhomogeneity. Uses the proton gyromagnetic ratio :data:`neurocourse.vessels.GAMMA`.
    """
    TE = check_positive("TE", TE, unit="s", allow_zero=True)
    G = as_finite("gradient", gradient, unit="T/m")
    dz = check_positive("thickness", thickness, unit="m")
    half_phase = 0.5 * GAMMA * np.abs(G) * dz * TE
    out = np.abs(np.sinc(half_phase / np.pi))
    return out[()] if np.ndim(out) == 0 else out


def multi_echo_signal(T1, T2star, TR, TEs, flip_deg, M0=1.0):
    """Spoiled-GRE signal sampled at several echo times after one excitation.

    Parameters
    ----------
    T1, T2star : float or array_like
        Relaxation times, s (> 0). Arrays of shape ``shape`` describe several voxels.
    TR : float
        Repetition time, s (> 0).
    TEs : array_like, shape (n_echoes,)
        Echo times, s (>= 0).
    flip_deg : float
        Flip angle, degrees, in (0, 180].
    M0 : float or array_like, default 1.0
        Equilibrium magnetisation (arbitrary units).

    Returns
    -------
    S : ndarray, shape ``shape + (n_echoes,)``
        Signal of every voxel at every echo, in the units of ``M0``.

    Notes
    -----
    The echoes share one steady state, so the echo train is
    :func:`spoiled_gre_signal` evaluated on the last axis (Posse et al. 1999, MRM 42:87).
    """
    TEs = np.atleast_1d(check_positive("TEs", TEs, unit="s", allow_zero=True))
    if TEs.ndim != 1:
        raise ValueError(f"TEs must be 1-D, got shape {TEs.shape}")
    T1 = np.asarray(T1, dtype=float)[..., None]
    T2star = np.asarray(T2star, dtype=float)[..., None]
    M0 = np.asarray(M0, dtype=float)[..., None]
    return np.asarray(spoiled_gre_signal(T1, T2star, TR, TEs, flip_deg, M0))


def t2star_from_echoes(TEs, signals):
    """Estimate S0 and T2* from a multi-echo train by a log-linear least-squares fit.

    Parameters
    ----------
    TEs : array_like, shape (n_echoes,)
        Echo times, s (>= 0), at least two distinct values.
    signals : array_like, shape (..., n_echoes)
        Positive signal magnitudes (arbitrary units).

    Returns
    -------
    S0 : ndarray, shape (...)
        Extrapolated signal at TE = 0, units of ``signals``.
    T2star : ndarray, shape (...)
        Fitted effective transverse relaxation time, s (infinite if the fitted slope is >= 0).

    Notes
    -----
    Fits ``ln S = ln S0 - TE / T2*`` by ordinary least squares, as in the T2* maps of
    multi-echo fMRI (Posse et al. 1999, MRM 42:87).
    """
    TEs = check_positive("TEs", TEs, unit="s", allow_zero=True)
    if TEs.ndim != 1 or np.unique(TEs).size < 2:
        raise ValueError(f"TEs must be 1-D with at least two distinct echo times, got {TEs!r}")
    S = check_positive("signals", signals)
    if S.shape[-1] != TEs.size:
        raise ValueError(f"signals must have {TEs.size} echoes on the last axis, got {S.shape}")
    A = np.column_stack([np.ones_like(TEs), -TEs])
    coef, *_ = np.linalg.lstsq(A, np.log(S).reshape(-1, TEs.size).T, rcond=None)
    lnS0, R2 = coef
    with np.errstate(divide="ignore"):
        T2s = np.where(R2 > 0, 1.0 / np.where(R2 > 0, R2, 1.0), np.inf)
    shape = S.shape[:-1]
    return np.exp(lnS0).reshape(shape), T2s.reshape(shape)


def multi_echo_weights(TEs, T2star):
    """Optimal weights for combining echoes, ``w ∝ TE · exp(-TE / T2*)``, normalised to sum 1.

    Parameters
    ----------
    TEs : array_like, shape (n_echoes,)
        Echo times, s (>= 0), not all zero.
    T2star : float or array_like
        Effective transverse relaxation time, s (> 0); arrays give one weight set per voxel.

    Returns
    -------
    w : ndarray, shape ``np.shape(T2star) + (n_echoes,)``
        Dimensionless weights that sum to one over the last axis.

    Notes
    -----
    The BOLD contrast-to-noise weighting of Posse et al. (1999), MRM 42:87, eq. 4.
    """
    TEs = np.atleast_1d(check_positive("TEs", TEs, unit="s", allow_zero=True))
    if not np.any(TEs > 0):
        raise ValueError("TEs must contain at least one echo time > 0 s, got all zeros")
    T2star = check_positive("T2star", T2star, unit="s")[..., None]
    w = TEs * np.exp(-TEs / T2star)
    return w / w.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# Tissue relaxation table


@dataclass(frozen=True)
class TissueRelaxation:
    """Relaxation times of one tissue at one field strength.

    Attributes
    ----------
    T1, T2, T2star : float
        Relaxation times, s.
    source : str
        Where each value comes from.
    approximate : bool
        True if at least one value is a typical literature value that was not checked against a
        stored copy of the cited paper; use it for illustration, not as a reference value.
    """

    T1: float
    T2: float
    T2star: float
    source: str
    approximate: bool


_HUA = "Hua et al. 2011 (PMC3121008) Table 3"
_COX = "GESSE T2, Cox & Gowland 2010, MRM 64:1440 (PubMed 20593370)"
_PETERS = "T2* Peters et al. 2007, MRI 25:748 [approximate]"

#: Typical relaxation times (s) by (tissue, field in T). Tissues: "gm", "wm", "csf", "blood"
#: (venous blood, Y ≈ 0.6). Values tagged "[approximate]" in ``source`` were not verified against
#: the cited paper and are illustrative only.
TISSUE_RELAXATION: dict[tuple[str, float], TissueRelaxation] = {
    ("gm", 1.5): TissueRelaxation(
        1.10, 0.087, 0.084, f"T1 Stanisz et al. 2005, MRM 54:507 [approximate]; {_COX}; {_PETERS}",
        True),
    ("gm", 3.0): TissueRelaxation(
        1.209, 0.076, 0.066, f"T1 Lu et al. via {_HUA}; {_COX}; {_PETERS}", True),
    ("gm", 7.0): TissueRelaxation(
        2.13, 0.047, 0.0322,
        f"T1 Rooney et al. 2007, MRM 57:308 [approximate]; {_COX}; "
        "T2* cortex Cohen-Adad et al. 2012 (PMC3442114)", True),
    ("wm", 1.5): TissueRelaxation(
        0.56, 0.080, 0.0662, f"T1 Stanisz et al. 2005 [approximate]; {_COX}; {_PETERS}", True),
    ("wm", 3.0): TissueRelaxation(
        0.758, 0.071, 0.0532, f"T1 {_HUA}; {_COX}; {_PETERS}", True),
    ("wm", 7.0): TissueRelaxation(
        1.22, 0.047, 0.0268, f"T1 Rooney et al. 2007 [approximate]; {_COX}; {_PETERS}", True),
    ("csf", 1.5): TissueRelaxation(
        4.0, 2.0, 1.0, "typical values [approximate]", True),
    ("csf", 3.0): TissueRelaxation(
        4.3, 2.0, 1.0, f"T1 {_HUA}; T2, T2* typical values [approximate]", True),
    ("csf", 7.0): TissueRelaxation(
        4.4, 1.0, 0.5, "T1 Rooney et al. 2007; T2, T2* typical values [approximate]", True),
    ("blood", 1.5): TissueRelaxation(
        1.44, 0.15, 0.10, "venous blood, typical values [approximate]", True),
    ("blood", 3.0): TissueRelaxation(
        1.627, 0.0362, 0.025,
        f"T1 {_HUA}; venous T2 (Y = 0.61) Zhao et al. 2007 via {_HUA}; T2* [approximate]", True),
    ("blood", 7.0): TissueRelaxation(
        2.59, 0.020, 0.010,
        "T1 Rooney et al. 2007 [approximate]; venous T2 (Hct 0.42) Krishnamurthy et al. 2014 "
        "(PMC3971007); T2* [approximate]", True),
}


def tissue_relaxation(tissue: str, B0: float) -> TissueRelaxation:
    """Look up the tabulated relaxation times of ``tissue`` at field ``B0``.

    Parameters
    ----------
    tissue : {"gm", "wm", "csf", "blood"}
        Grey matter, white matter, cerebrospinal fluid or venous blood.
    B0 : {1.5, 3.0, 7.0}
        Main field, T.

    Returns
    -------
    TissueRelaxation
        T1, T2, T2* in s, with their sources (see :data:`TISSUE_RELAXATION`).
    """
    key = (str(tissue).lower(), float(B0))
    if key not in TISSUE_RELAXATION:
        tissues = sorted({k[0] for k in TISSUE_RELAXATION})
        fields = sorted({k[1] for k in TISSUE_RELAXATION})
        raise ValueError(
            f"(tissue, B0) must be one of tissues {tissues} at fields {fields} T, "
            f"got ({tissue!r}, {B0!r})"
        )
    return TISSUE_RELAXATION[key]


#: Echo times (s) of a typical BOLD protocol per field strength (T): ``{B0: (TE_GRE, TE_SE)}``.
#: The gradient-echo values are the usual EPI choices (about 30 ms at 3 T), deliberately *shorter*
#: than the tabulated grey-matter T2* (66 ms at 3 T, :data:`TISSUE_RELAXATION`): in EPI voxels the
#: apparent T2* is shortened by macroscopic through-slice gradients (:func:`through_slice_dephasing`),
#: and a shorter TE also limits dropout, distortion and readout length. The contrast optimum is
#: broad (:func:`relative_bold_sensitivity`: 30 ms keeps 78 % of the peak at T2* = 66 ms, 93 % at an
#: apparent 45 ms). Spin-echo values are roughly T2 of grey matter. Typical values, not from one paper.
PROTOCOL_TE = {1.5: (0.05, 0.1), 3.0: (0.03, 0.06), 7.0: (0.025, 0.045)}
