"""Flow–metabolism coupling: the coupling ratio n, the Davis calibrated-BOLD model and the
Buxton–Frank oxygen-limitation model.

Throughout, ``cbf_ratio`` f = CBF/CBF0 and ``cmro2_ratio`` r = CMRO2/CMRO2_0 are dimensionless
ratios to the resting state (1 = no change).
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_positive, check_range

__all__ = [
    "DAVIS_CLASSIC",
    "DAVIS_VENOUS_3T",
    "buxton_cmro2_ratio",
    "buxton_extraction",
    "cmro2_ratio_from_coupling",
    "coupling_ratio",
    "davis_bold",
    "davis_calibrate_M",
    "davis_cmro2_ratio",
    "davis_positive_threshold",
]

#: (alpha, beta) of the original Davis model: Grubb's total-CBV exponent and the 1.5 T Monte
#: Carlo exponent (Davis et al. 1998; Grubb et al. 1974; Boxerman et al. 1995).
DAVIS_CLASSIC = (0.38, 1.5)
#: (alpha, beta) in current 3 T practice: the venous CBV exponent (Chen & Pike 2009) and the 3 T
#: field exponent used in calibrated BOLD.
DAVIS_VENOUS_3T = (0.2, 1.3)


def _ratios(cbf_ratio, cmro2_ratio):
    f = check_positive("cbf_ratio", cbf_ratio)
    r = check_positive("cmro2_ratio", cmro2_ratio)
    return f, r


def _exponents(alpha, beta):
    a = check_range("alpha", alpha, 0, 1)
    b = check_positive("beta", beta)
    return a, b


def coupling_ratio(cbf_ratio, cmro2_ratio):
    """Flow–metabolism coupling ratio n = (f - 1)/(r - 1).

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    cmro2_ratio : array_like
        r = CMRO2/CMRO2_0, dimensionless, > 0 and != 1 (n is undefined without a CMRO2 change).

    Returns
    -------
    ndarray
        n, dimensionless. Calibrated-BOLD and PET measurements give about 2–4 (Davis et al. 1998,
        PNAS 95:1834; Hoge et al. 1999, MRM 42:849; 2.2 in visual cortex, Ances et al. 2008,
        NeuroImage 39:1510; review: Buxton 2010, Front Neuroenergetics 2:8). The first PET
        measurement, about +29 % CBF against +5 % CMRO2 (n ≈ 6) in somatosensory cortex, is what
        Fox & Raichle (1986, PNAS 83:1140) called a focal "uncoupling" of flow and oxidative
        metabolism: the origin of the phrase "neurovascular uncoupling".
    """
    f, r = _ratios(cbf_ratio, cmro2_ratio)
    if np.any(r == 1.0):
        raise ValueError("cmro2_ratio must differ from 1 for the coupling ratio to exist, got 1.0")
    return (f - 1.0) / (r - 1.0)


def cmro2_ratio_from_coupling(cbf_ratio, n):
    """CMRO2 ratio implied by a flow change and a coupling ratio: r = 1 + (f - 1)/n.

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    n : array_like
        Coupling ratio, dimensionless, > 0.

    Returns
    -------
    ndarray
        r = CMRO2/CMRO2_0, dimensionless. Definition of n (Buxton 2004, NeuroImage 23:S220).
    """
    f = check_positive("cbf_ratio", cbf_ratio)
    n = check_positive("n", n)
    return 1.0 + (f - 1.0) / n


def grubb_cbv_ratio(cbf_ratio, alpha=0.38):
    """Blood-volume change implied by a flow change through Grubb's power law, CBV/CBV0 = f**alpha.

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    alpha : float
        Grubb exponent, dimensionless in [0, 1]. Default 0.38 (Grubb et al. 1974, Stroke 5:630),
        the value inside :func:`davis_bold`.

    Returns
    -------
    ndarray
        CBV/CBV0, dimensionless.
    """
    f = check_positive("cbf_ratio", cbf_ratio)
    a = check_range("alpha", alpha, 0, 1)
    return f**a


def davis_bold(cbf_ratio, cmro2_ratio, M=0.08, alpha=0.38, beta=1.5):
    """Fractional BOLD change of the Davis calibrated-BOLD model.

    ΔS/S0 = M [1 - r^β f^(α-β)]  (Davis et al. 1998, PNAS 95:1834, eq. 6).

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    cmro2_ratio : array_like
        r = CMRO2/CMRO2_0, dimensionless, > 0.
    M : float or array_like
        Maximal BOLD change (the change if all deoxyhaemoglobin were removed), as a fraction.
        Default 0.08; typically 0.04–0.22 depending on field, TE and region.
    alpha : float
        Grubb CBV–CBF exponent, CBV ∝ CBF^α, dimensionless in [0, 1]. Default 0.38 (Grubb et al.
        1974, Stroke 5:630: total CBV in monkeys). Current calibrated BOLD uses the *venous*
        exponent, about 0.2 (Chen & Pike 2009, JCBFM 29:1094), since only venous blood carries
        deoxyhaemoglobin; see ``DAVIS_VENOUS_3T``.
    beta : float
        Exponent of ΔR2* ∝ [dHb]^β, dimensionless, > 0. Default 1.5 (Boxerman et al. 1995 at
        1.5 T); about 1.3 at 3 T in current practice. The choice changes the CMRO2 inferred from
        the same data (by :func:`davis_cmro2_ratio`), not just the predicted BOLD.

    Returns
    -------
    ndarray
        Fractional BOLD signal change ΔS/S0 (multiply by 100 for %).
    """
    f, r = _ratios(cbf_ratio, cmro2_ratio)
    M = as_finite("M", M)
    a, b = _exponents(alpha, beta)
    return M * (1.0 - r**b * f ** (a - b))


def davis_calibrate_M(bold_hc, cbf_ratio_hc, alpha=0.38, beta=1.5):
    """Calibration constant M from a hypercapnia experiment (CMRO2 assumed unchanged).

    M = (ΔS/S0)_hc / (1 - f_hc^(α-β))  (Davis et al. 1998).

    Parameters
    ----------
    bold_hc : array_like
        Fractional BOLD change measured during hypercapnia, dimensionless.
    cbf_ratio_hc : array_like
        f_hc = CBF/CBF0 during hypercapnia, dimensionless, > 0 and != 1.
    alpha, beta : float
        Exponents as in :func:`davis_bold`, dimensionless.

    Returns
    -------
    ndarray
        M, as a fraction.
    """
    s = as_finite("bold_hc", bold_hc)
    f = check_positive("cbf_ratio_hc", cbf_ratio_hc)
    if np.any(f == 1.0):
        raise ValueError("cbf_ratio_hc must differ from 1 to calibrate M, got 1.0")
    a, b = _exponents(alpha, beta)
    return s / (1.0 - f ** (a - b))


def davis_cmro2_ratio(bold, cbf_ratio, M=0.08, alpha=0.38, beta=1.5):
    """Invert the Davis model for the CMRO2 ratio.

    r = [(1 - ΔS/(S0 M)) / f^(α-β)]^(1/β)  (Davis et al. 1998; Hoge et al. 1999, MRM 42:849).

    Parameters
    ----------
    bold : array_like
        Fractional BOLD change ΔS/S0, dimensionless, < M.
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    M : float
        Calibration constant, fraction, != 0.
    alpha, beta : float
        Exponents as in :func:`davis_bold`, dimensionless.

    Returns
    -------
    ndarray
        r = CMRO2/CMRO2_0, dimensionless.
    """
    s = as_finite("bold", bold)
    f = check_positive("cbf_ratio", cbf_ratio)
    M = as_finite("M", M)
    if np.any(M == 0):
        raise ValueError("M must be nonzero, got 0.0")
    a, b = _exponents(alpha, beta)
    base = 1.0 - s / M
    if np.any(base <= 0):
        raise ValueError(
            f"bold must be < M (a change at or beyond M needs no deoxyhaemoglobin), "
            f"got bold/M = {np.max(s / M)!r}"
        )
    return (base / f ** (a - b)) ** (1.0 / b)


def davis_positive_threshold(cbf_ratio, alpha=0.38, beta=1.5):
    """Largest CMRO2 ratio that still gives a positive Davis BOLD change: r* = f^(1 - α/β).

    Follows from setting :func:`davis_bold` to zero. A response is positive iff r < r*.

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    alpha, beta : float
        Exponents as in :func:`davis_bold`, dimensionless.

    Returns
    -------
    ndarray
        r*, dimensionless.
    """
    f = check_positive("cbf_ratio", cbf_ratio)
    a, b = _exponents(alpha, beta)
    return f ** (1.0 - a / b)


def buxton_extraction(cbf_ratio, E0=0.34):
    """Oxygen extraction fraction under pure oxygen limitation: E(f) = 1 - (1 - E0)^(1/f).

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    E0 : float
        Resting oxygen extraction fraction, dimensionless, in (0, 1). Default 0.34 (Friston et al.
        2000).

    Returns
    -------
    ndarray
        E, dimensionless (Buxton & Frank 1997, JCBFM 17:64, eq. 5).
    """
    f = check_positive("cbf_ratio", cbf_ratio)
    e0 = check_range("E0", E0, 0, 1, low_inclusive=False, high_inclusive=False)
    return 1.0 - (1.0 - e0) ** (1.0 / f)


def buxton_cmro2_ratio(cbf_ratio, E0=0.34):
    """CMRO2 ratio supported by a flow change under oxygen limitation: r = f E(f)/E0.

    Parameters
    ----------
    cbf_ratio : array_like
        f = CBF/CBF0, dimensionless, > 0.
    E0 : float
        Resting oxygen extraction fraction, dimensionless, in (0, 1).

    Returns
    -------
    ndarray
        r = CMRO2/CMRO2_0, dimensionless (Buxton & Frank 1997).
    """
    f = check_positive("cbf_ratio", cbf_ratio)
    return f * buxton_extraction(f, E0) / np.asarray(E0, dtype=float)
