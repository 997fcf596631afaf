"""Seeded group-study simulations: planted effects in smooth noise of known FWHM.

Each subject's map is ``effect + between_sd * field``, where ``field`` is white Gaussian noise
convolved with a kernel and scaled to unit variance, so the noise smoothness is known exactly:

``kernel="gaussian"``
    a Gaussian of standard deviation ``fwhm / sqrt(8 ln 2)``; the field's smoothness, as random
    field theory defines it (the FWHM of the Gaussian kernel that makes it from white noise), is
    then ``fwhm`` exactly;
``kernel="heavy"``
    an equal mixture of that Gaussian and an exponential kernel ``exp(-r / l)`` with
    ``l = 6 sigma`` (each normalised to unit sum): a heavy-tailed spatial autocorrelation, the
    shape Eklund et al. (2016) found in resting-state data and that Gaussian random field theory
    does not model. ``fwhm`` is then the FWHM of the Gaussian core; the field's lag-1 smoothness
    is larger and its long-range correlation much larger.

Noise can also be heavy-tailed across subjects (``noise_df``): each subject's field is scaled by
an independent ``sqrt(nu / chi2_nu)`` factor, renormalised to unit variance, so that every voxel is
Student-t distributed across subjects (still symmetric, so sign flipping stays exact).

Fields are generated on a grid padded by the kernel radius and cropped, so they are stationary
up to the edges (no wrap-around).

References
----------
.. [1] A. Eklund, T. E. Nichols and H. Knutsson, "Cluster failure: why fMRI inferences for
   spatial extent have inflated false-positive rates", PNAS 113:7900-7905, 2016.
.. [2] K. J. Worsley et al., Hum. Brain Mapp. 4:58-73, 1996 (FWHM of a smoothed field).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.signal

from neurocourse._validation import as_finite, check_int, check_option, check_positive
from neurocourse.stats.rft import FWHM_PER_SIGMA

__all__ = [
    "KERNELS",
    "GroupStudy",
    "blob_effect",
    "field_autocorrelation",
    "simulate_group_study",
    "smooth_fields",
    "smoothing_kernel",
    "subject_estimates",
]

KERNELS = ("gaussian", "heavy")


def _shape(shape):
    shp = tuple(int(check_int("shape", s, 1)) for s in np.atleast_1d(shape))
    if not 1 <= len(shp) <= 3:
        raise ValueError(f"shape must have 1 to 3 entries, got {shape!r}")
    return shp


def smoothing_kernel(fwhm, ndim, kernel="gaussian"):
    """Unit-sum smoothing kernel on the voxel grid.

    Parameters
    ----------
    fwhm : float
        FWHM of the Gaussian component (voxels), > 0.
    ndim : int
        Number of spatial dimensions, 1 to 3.
    kernel : {"gaussian", "heavy"}, default="gaussian"
        Gaussian, or the Gaussian/exponential mixture of the module notes.

    Returns
    -------
    ndarray, shape (2 r + 1,) * ndim
        Kernel weights summing to 1 (radius r = 4 sigma, or 6 l with the exponential tail).
    """
    fwhm = float(check_positive("fwhm", fwhm))
    kernel = check_option("kernel", kernel, KERNELS)
    if ndim not in (1, 2, 3):
        raise ValueError(f"ndim must be one of [1, 2, 3], got {ndim!r}")
    sigma = fwhm / FWHM_PER_SIGMA
    ell = 6.0 * sigma
    radius = math.ceil(4 * sigma if kernel == "gaussian" else 6 * ell)
    axis = np.arange(-radius, radius + 1, dtype=float)
    grids = np.meshgrid(*([axis] * ndim), indexing="ij")
    r2 = sum(g**2 for g in grids)
    k = np.exp(-r2 / (2 * sigma**2))
    k /= k.sum()
    if kernel == "heavy":
        x = np.exp(-np.sqrt(r2) / ell)
        k = 0.5 * k + 0.5 * x / x.sum()
    return k


def smooth_fields(n_fields, shape, fwhm, kernel="gaussian", rng=None):
    """Stationary smooth random fields with zero mean and unit variance at every voxel.

    Parameters
    ----------
    n_fields : int
        Number of independent fields, >= 1.
    shape : sequence of int
        Field shape (voxels), 1 to 3 axes.
    fwhm : float
        FWHM of the (Gaussian part of the) smoothing kernel, voxels, > 0.
    kernel : {"gaussian", "heavy"}, default="gaussian"
        See :func:`smoothing_kernel`.
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    ndarray, shape (n_fields, *shape)
        White noise convolved with the kernel, divided by the kernel's L2 norm.
    """
    n_fields = check_int("n_fields", n_fields, 1)
    shp = _shape(shape)
    k = smoothing_kernel(fwhm, len(shp), kernel)
    r = k.shape[0] // 2
    rng = np.random.default_rng(rng)
    white = rng.standard_normal((n_fields, *tuple(s + 2 * r for s in shp)))
    out = scipy.signal.fftconvolve(white, k[None], mode="valid", axes=tuple(range(1, len(shp) + 1)))
    return out / np.sqrt(np.sum(k**2))


def blob_effect(shape, centers, radius, amplitude=1.0):
    """A map of planted effects: discs (spheres) of constant amplitude, 0 elsewhere.

    Parameters
    ----------
    shape : sequence of int
        Map shape (voxels).
    centers : array_like, shape (n_blobs, ndim)
        Blob centres (voxel coordinates).
    radius : float or array_like, shape (n_blobs,)
        Radii (voxels), > 0.
    amplitude : float or array_like, shape (n_blobs,), default=1.0
        Effect inside each blob (units of the data; signed).

    Returns
    -------
    ndarray, shape (*shape) (units of the data)
        The effect map; where blobs overlap the amplitudes add.
    """
    shp = _shape(shape)
    c = np.atleast_2d(as_finite("centers", centers))
    if c.shape[1] != len(shp):
        raise ValueError(f"centers must have shape (n_blobs, {len(shp)}), got {c.shape}")
    rad = np.broadcast_to(check_positive("radius", radius), (c.shape[0],))
    amp = np.broadcast_to(as_finite("amplitude", amplitude), (c.shape[0],))
    grids = np.stack(np.meshgrid(*[np.arange(s, dtype=float) for s in shp], indexing="ij"))
    d2 = ((grids[None] - c.reshape(c.shape + (1,) * len(shp))) ** 2).sum(axis=1)
    inside = d2 <= rad.reshape((-1,) + (1,) * len(shp)) ** 2
    return np.tensordot(amp, inside.astype(float), axes=1)


@dataclass(frozen=True)
class GroupStudy:
    """A simulated group study.

    Attributes
    ----------
    Y : ndarray, shape (n_subjects, *shape)
        Subject maps (data units).
    effect : ndarray, shape (*shape)
        The planted group mean.
    truth : ndarray of bool, shape (*shape)
        Where the planted effect is non-zero.
    fwhm : float
        Smoothness of the noise (voxels).
    kernel : str
        Smoothing kernel.
    noise_df : float
        Degrees of freedom of the across-subject noise (inf for Gaussian).
    """

    Y: np.ndarray
    effect: np.ndarray
    truth: np.ndarray
    fwhm: float
    kernel: str
    noise_df: float


def simulate_group_study(n_subjects=20, shape=(48, 48), fwhm=4.0, effect=None, sd=1.0,
                         kernel="gaussian", noise_df=np.inf, rng=None):
    """Seeded group study: ``Y_s = effect + sd * field_s`` with smooth noise of known FWHM.

    Parameters
    ----------
    n_subjects : int, default=20
        Number of subjects, >= 2.
    shape : sequence of int, default=(48, 48)
        Map shape (voxels), 1 to 3 axes.
    fwhm : float, default=4.0
        Noise smoothness (voxels), > 0.
    effect : array_like of shape (*shape), float, or None, default=None (units of the data)
        The group mean (data units); None or 0 for a null study.
    sd : float, default=1.0
        Standard deviation of the noise at each voxel (data units), > 0.
    kernel : {"gaussian", "heavy"}, default="gaussian"
        Spatial kernel (see :func:`smoothing_kernel`).
    noise_df : float, default=inf
        Degrees of freedom of Student-t noise across subjects (> 2), inf for Gaussian.
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    GroupStudy
    """
    n_subjects = check_int("n_subjects", n_subjects, 2)
    shp = _shape(shape)
    sd = float(check_positive("sd", sd))
    noise_df = float(check_positive("noise_df", noise_df)) if np.isfinite(noise_df) else np.inf
    if noise_df <= 2:
        raise ValueError(f"noise_df must be > 2 (finite variance) or inf, got {noise_df}")
    eff = np.zeros(shp) if effect is None else np.broadcast_to(as_finite("effect", effect), shp)
    rng = np.random.default_rng(rng)
    fields = smooth_fields(n_subjects, shp, fwhm, kernel, rng)
    if np.isfinite(noise_df):
        scale = np.sqrt(noise_df / rng.chisquare(noise_df, n_subjects))
        scale /= math.sqrt(noise_df / (noise_df - 2.0))  # unit variance
        fields *= scale.reshape((-1,) + (1,) * len(shp))
    Y = eff[None] + sd * fields
    return GroupStudy(Y, np.array(eff), eff != 0, float(fwhm), kernel, noise_df)


def field_autocorrelation(fwhm, max_lag, kernel="gaussian"):
    """Spatial autocorrelation of :func:`smooth_fields` along one axis, lags 0 .. max_lag (voxels).

    The correlation of a kernel-smoothed white field at lag d is the kernel's autocorrelation at d
    divided by its value at 0, computed here from the 1-D kernel (exact for 1-D fields).

    Parameters
    ----------
    fwhm : float
        FWHM of the Gaussian (core) kernel, voxels, > 0.
    max_lag : int
        Largest lag (voxels), >= 0.
    kernel : {"gaussian", "heavy"}, default="gaussian"
        Kernel (see :func:`smoothing_kernel`).

    Returns
    -------
    ndarray, shape (max_lag + 1,) (dimensionless)
        Correlations, 1 at lag 0.
    """
    max_lag = check_int("max_lag", max_lag, 0)
    k = smoothing_kernel(fwhm, 1, kernel)
    full = np.correlate(k, k, mode="full")
    c = full[k.size - 1:]
    c = np.concatenate([c, np.zeros(max(0, max_lag + 1 - c.size))])
    return c[: max_lag + 1] / c[0]


def subject_estimates(n_subjects=12, mu=0.5, tau=0.4, sigma_range=(0.1, 0.8), rng=None):
    """First-level summaries of one voxel: estimates ``y_s`` and their variances ``sigma_s^2``.

    ``y_s = mu + eta_s + e_s`` with ``eta_s ~ N(0, tau^2)`` (between subjects) and
    ``e_s ~ N(0, sigma_s^2)`` (within subject), ``sigma_s`` uniform in ``sigma_range``: the
    two-level model that fixed, random and mixed effects estimate differently.

    Parameters
    ----------
    n_subjects : int, default=12
        Number of subjects, >= 2.
    mu : float, default=0.5
        Population mean effect (data units, e.g. % signal change).
    tau : float, default=0.4
        Between-subject standard deviation (data units), >= 0.
    sigma_range : (float, float), default=(0.1, 0.8) (units of the data)
        Range of the first-level standard errors (data units), 0 < low <= high.
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    y : ndarray, shape (n_subjects,)
        Subject estimates.
    variances : ndarray, shape (n_subjects,) (units of the data, squared)
        Their first-level variances (data units squared).
    """
    n = check_int("n_subjects", n_subjects, 2)
    mu = float(as_finite("mu", mu))
    tau = float(check_positive("tau", tau, allow_zero=True))
    lo, hi = (float(v) for v in check_positive("sigma_range", sigma_range))
    if hi < lo:
        raise ValueError(f"sigma_range must be (low, high) with low <= high, got {sigma_range!r}")
    rng = np.random.default_rng(rng)
    sigma = rng.uniform(lo, hi, n)
    y = mu + tau * rng.standard_normal(n) + sigma * rng.standard_normal(n)
    return y, sigma**2
