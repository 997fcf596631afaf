"""Gaussian random field (RFT) thresholds from Euler-characteristic densities, 1 to 3 dimensions.

For a smooth stationary field thresholded at ``u``, the expected Euler characteristic of the
excursion set is ``E[chi_u] = sum_d R_d rho_d(u)`` (Worsley et al. 1996), where ``R_d`` are the
resel counts of the search region and ``rho_d`` the EC densities per resel (with
``lambda = 4 ln 2``):

======  ============================================  ==================================================
 d      Gaussian z                                    Student t with nu df, c(u) = (1+u^2/nu)^(-(nu-1)/2)
======  ============================================  ==================================================
 0      1 - Phi(u)                                    1 - F_nu(u)
 1      lambda^(1/2) / (2 pi) e^(-u^2/2)               lambda^(1/2) / (2 pi) c(u)
 2      lambda / (2 pi)^(3/2) u e^(-u^2/2)             lambda / (2 pi)^(3/2) G(nu) u c(u)
 3      lambda^(3/2) / (2 pi)^2 (u^2 - 1) e^(-u^2/2)   lambda^(3/2) / (2 pi)^2 ((nu-1)/nu u^2 - 1) c(u)
======  ============================================  ==================================================

with ``G(nu) = Gamma((nu+1)/2) / ((nu/2)^(1/2) Gamma(nu/2))``. At high thresholds the familywise
error ``P(max > u)`` is approximately ``E[chi_u]`` (``form="ec"``); SPM and rft1d report
``1 - exp(-E[chi_u])`` (``form="poisson"``). A box of ``n_1 x n_2 x n_3`` voxels smoothed with a
FWHM of ``f_i`` voxels along axis i has side lengths ``a_i = n_i / f_i`` resels and
``R_0 = 1, R_1 = sum a_i, R_2 = sum_{i<j} a_i a_j, R_3 = a_1 a_2 a_3``.

RFT is accurate for smooth fields (FWHM of several voxels) and conservative for rough fields and
few degrees of freedom; SPM reports the smaller of the RFT and Bonferroni thresholds.

References
----------
.. [1] K. J. Worsley et al., "A unified statistical approach for determining significant signals
   in images of cerebral activation", Hum. Brain Mapp. 4:58-73, 1996.
.. [2] K. J. Friston et al., "Assessing the significance of focal activations using their spatial
   extent", Hum. Brain Mapp. 1:210-220, 1994 (cluster extent).
.. [3] S. D. Forman et al., Magn. Reson. Med. 33:636-647, 1995 (smoothness from residuals).
.. [4] T. C. Pataky, rft1d (``rft1d.norm.sf``, ``rft1d.t.sf``, ``rft1d.norm.p_cluster``).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.optimize
import scipy.special
import scipy.stats

from neurocourse._validation import as_finite, check_option, check_positive, check_range

__all__ = [
    "FIELDS",
    "FWHM_PER_SIGMA",
    "ec_densities",
    "estimate_fwhm",
    "expected_ec",
    "resels_box",
    "rft_cluster_p",
    "rft_p_value",
    "rft_threshold",
]

FIELDS = ("z", "t")

#: FWHM of a Gaussian kernel per unit of its standard deviation, sqrt(8 ln 2).
FWHM_PER_SIGMA = math.sqrt(8.0 * math.log(2.0))

_LAMBDA = 4.0 * math.log(2.0)


def _field(field, df):
    field = check_option("field", field, FIELDS)
    if field == "t":
        if df is None:
            raise ValueError("df must be given (> 0) for a t field, got None")
        df = float(check_positive("df", df))
    return field, df


def ec_densities(u, dim=3, field="z", df=None):
    """Euler-characteristic densities per resel, ``rho_0 .. rho_dim`` at threshold(s) u.

    Parameters
    ----------
    u : float or array_like
        Threshold(s) (statistic units).
    dim : int, default=3
        Highest dimension, 0 to 3.
    field : {"z", "t"}, default="z"
        Gaussian or Student t field.
    df : float, optional
        Degrees of freedom of the t field, > 0.

    Returns
    -------
    ndarray, shape (dim + 1, *u.shape)
        ``rho_d(u)`` (per resel^d; ``rho_0`` is a probability).

    References
    ----------
    Worsley et al. 1996, Table 2.
    """
    u = as_finite("u", u)
    if dim not in (0, 1, 2, 3):
        raise ValueError(f"dim must be one of [0, 1, 2, 3], got {dim!r}")
    field, df = _field(field, df)
    if field == "z":
        g = np.exp(-(u**2) / 2.0)
        rho = [scipy.stats.norm.sf(u),
               math.sqrt(_LAMBDA) / (2 * math.pi) * g,
               _LAMBDA / (2 * math.pi) ** 1.5 * u * g,
               _LAMBDA**1.5 / (2 * math.pi) ** 2 * (u**2 - 1.0) * g]
    else:
        c = (1.0 + u**2 / df) ** (-(df - 1.0) / 2.0)
        gam = math.exp(scipy.special.gammaln((df + 1) / 2) - scipy.special.gammaln(df / 2))
        gam /= math.sqrt(df / 2.0)
        rho = [scipy.stats.t.sf(u, df),
               math.sqrt(_LAMBDA) / (2 * math.pi) * c,
               _LAMBDA / (2 * math.pi) ** 1.5 * gam * u * c,
               _LAMBDA**1.5 / (2 * math.pi) ** 2 * ((df - 1.0) / df * u**2 - 1.0) * c]
    return np.stack([np.broadcast_to(r, u.shape) for r in rho[: dim + 1]])


def resels_box(shape, fwhm):
    """Resel counts ``R_0 .. R_D`` of a box of voxels smoothed with a given FWHM.

    Parameters
    ----------
    shape : sequence of int
        Box size in voxels along each of D = 1..3 axes.
    fwhm : float or sequence of float
        Smoothness FWHM in voxels (one value, or one per axis), > 0.

    Returns
    -------
    ndarray, shape (D + 1,) (dimensionless)
        ``R_0 = 1`` and the elementary symmetric sums of the side lengths ``a_i = n_i / fwhm_i``.
        For a 1-D field of N nodes (a lattice of length N - 1) rft1d uses ``(N - 1) / FWHM``: pass
        ``shape=(N - 1,)``.

    Examples
    --------
    A 64 x 64 x 40 box with FWHM 4 voxels has R = (1, 42, 576, 2560).
    """
    n = check_positive("shape", shape)
    if n.ndim != 1 or not 1 <= n.size <= 3:
        raise ValueError(f"shape must have 1 to 3 entries, got {np.shape(shape)}")
    f = np.broadcast_to(check_positive("fwhm", fwhm), n.shape)
    a = n / f
    # elementary symmetric polynomials of the side lengths: coefficients of prod(1 + a_i x)
    return np.polynomial.polynomial.polyfromroots(-1.0 / a) * np.prod(a)


def expected_ec(u, resels, field="z", df=None):
    """Expected Euler characteristic ``sum_d R_d rho_d(u)`` of the excursion set above u.

    Parameters
    ----------
    u : float or array_like
        Threshold(s) (statistic units).
    resels : array_like, shape (D + 1,)
        Resel counts ``R_0 .. R_D`` (see :func:`resels_box`).
    field : {"z", "t"}, default="z"
        Field type.
    df : float, optional
        Degrees of freedom for a t field.

    Returns
    -------
    float or ndarray
        E[chi_u] (dimensionless).
    """
    R = check_positive("resels", resels, allow_zero=True)
    if R.ndim != 1 or not 1 <= R.size <= 4:
        raise ValueError(f"resels must have 1 to 4 entries (R_0 .. R_D), got shape {R.shape}")
    rho = ec_densities(u, R.size - 1, field, df)
    return np.tensordot(R, rho, axes=1)


def rft_p_value(u, resels, field="z", df=None, form="ec"):
    """Familywise p-value of a peak height ``u`` under random field theory.

    Parameters
    ----------
    u : float or array_like
        Peak height(s) (statistic units).
    resels : array_like, shape (D + 1,)
        Resel counts.
    field : {"z", "t"}, default="z"
        Field type.
    df : float, optional
        Degrees of freedom of a t field.
    form : {"ec", "poisson"}, default="ec"
        ``min(1, E[chi])`` (Worsley 1996) or ``1 - exp(-E[chi])`` (SPM, rft1d).

    Returns
    -------
    float or ndarray (dimensionless)
        p in [0, 1].
    """
    form = check_option("form", form, ("ec", "poisson"))
    ec = expected_ec(u, resels, field, df)
    p = np.clip(ec, 0.0, 1.0) if form == "ec" else -np.expm1(-np.maximum(ec, 0.0))
    return p[()] if np.ndim(p) == 0 else p


def rft_threshold(resels, alpha=0.05, field="z", df=None, form="ec"):
    """Height threshold u with ``rft_p_value(u) = alpha`` (the FWE-corrected threshold).

    Parameters
    ----------
    resels : array_like, shape (D + 1,)
        Resel counts.
    alpha : float, default=0.05 (dimensionless)
        Familywise error rate, in (0, 0.5).
    field : {"z", "t"}, default="z"
        Field type.
    df : float, optional
        Degrees of freedom of a t field.
    form : {"ec", "poisson"}, default="ec"
        See :func:`rft_p_value`.

    Returns
    -------
    float
        The threshold (statistic units): the largest root, bracketed on a grid and refined by
        ``brentq``; 0 if p < alpha everywhere.

    Examples
    --------
    ``rft_threshold(resels_box((64, 64, 40), 4))`` is 4.878 (Bonferroni over the 163 840 voxels
    gives 4.988).
    """
    alpha = float(check_range("alpha", alpha, 0.0, 0.5, low_inclusive=False, high_inclusive=False))
    field, df = _field(field, df)

    grid = np.concatenate([np.linspace(0.0, 10.0, 1001), np.geomspace(10.0, 1e4, 400)[1:]])
    excess = np.asarray(rft_p_value(grid, resels, field, df, form)) - alpha
    above = np.flatnonzero(excess > 0)
    if above.size == 0:  # a tiny search region: p < alpha at every threshold
        return 0.0
    i = int(above[-1])
    if i == grid.size - 1:
        raise ValueError(f"resels are too large for a threshold below {grid[-1]:g}, got {resels!r}")

    def f(u):
        return float(rft_p_value(u, resels, field, df, form)) - alpha

    return float(scipy.optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-12))


def rft_cluster_p(extent, u, shape, fwhm, field="z", df=None):
    """FWE p-value of a cluster of ``extent`` voxels above ``u`` (Friston 1994, SPM's convention).

    With ``E_N = R_D rho_0(u)`` the expected suprathreshold volume (resels), ``E_m = sum_d R_d
    rho_d(u)`` the expected number of clusters, the mean cluster size ``n = E_N / (R_D rho_D(u))``
    and ``beta = (Gamma(D/2 + 1) / n)^(2/D)``, the size k (resels) of a cluster has
    ``P(n >= k) = exp(-beta k^(2/D))`` and ``p = 1 - exp(-E_m P(n >= k))``.

    Parameters
    ----------
    extent : float or array_like
        Cluster size(s) in voxels, >= 0.
    u : float
        Cluster-forming threshold (statistic units); the approximation needs u well above 0.
    shape : sequence of int
        Search box in voxels (see :func:`resels_box`).
    fwhm : float or sequence of float
        Smoothness FWHM (voxels), > 0.
    field : {"z", "t"}, default="z"
        Field type.
    df : float, optional
        Degrees of freedom of a t field.

    Returns
    -------
    float or ndarray
        Cluster-level FWE p-value(s).

    References
    ----------
    Friston et al. 1994; rft1d ``norm.p_cluster`` (matched there to 1e-15).
    """
    k_vox = check_positive("extent", extent, allow_zero=True)
    u = float(as_finite("u", u))
    R = resels_box(shape, fwhm)
    D = R.size - 1
    f = np.broadcast_to(check_positive("fwhm", fwhm), (D,))
    k = k_vox / float(np.prod(f))  # voxels -> resels
    rho = ec_densities(u, D, field, df)
    e_n = R[D] * rho[0]
    e_m = float(R @ rho)
    mean_size = e_n / (R[D] * rho[D])
    beta = (math.gamma(D / 2 + 1) / mean_size) ** (2.0 / D)
    p = -np.expm1(-e_m * np.exp(-beta * k ** (2.0 / D)))
    return p[()] if np.ndim(p) == 0 else p


def estimate_fwhm(residuals):
    """Smoothness (FWHM, voxels) of residual fields, per axis, from lag-1 correlations (Forman 1995).

    Each voxel's residuals are standardised across fields; then along axis i
    ``rho_1 = 1 - Var(diff e) / (2 Var(e))`` and ``FWHM_i = sqrt(-2 ln 2 / ln rho_1)``, exact for a
    Gaussian autocorrelation.

    Parameters
    ----------
    residuals : array_like, shape (n_fields, n_x[, n_y[, n_z]])
        Residual maps (e.g. subject maps minus the group mean), at least 2 fields.

    Returns
    -------
    ndarray, shape (D,)
        FWHM in voxels along each spatial axis (``inf`` when neighbouring voxels are perfectly
        correlated, 0 when they are uncorrelated or anticorrelated).

    References
    ----------
    Forman et al. 1995; Kiebel et al. 1999, NeuroImage 10:756 (on standardised residuals).
    """
    e = as_finite("residuals", residuals)
    if not 2 <= e.ndim <= 4 or e.shape[0] < 2:
        raise ValueError(f"residuals must have shape (n_fields, *shape) with 1 to 3 spatial axes "
                         f"and n_fields >= 2, got {e.shape}")
    sd = e.std(axis=0)
    z = (e - e.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    var = np.mean(z**2)
    out = np.empty(e.ndim - 1)
    for ax in range(1, e.ndim):  # one lag-1 estimate per spatial axis
        rho = 1.0 - np.mean(np.diff(z, axis=ax) ** 2) / (2.0 * var)
        with np.errstate(divide="ignore"):
            out[ax - 1] = math.sqrt(-2.0 * math.log(2.0) / math.log(rho)) if 0 < rho < 1 else (
                np.inf if rho >= 1 else 0.0)
    return out
