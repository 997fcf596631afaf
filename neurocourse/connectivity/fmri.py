"""fMRI functional connectivity: seed correlation, Fisher z, Ledoit–Wolf partial correlation,
and psychophysiological interactions (PPI, gPPI) with the deconvolution step made explicit.

References
----------
Biswal et al. (1995) Magn Reson Med 34:537 (seed correlation); Ledoit & Wolf (2004) J Multivar
Anal 88:365 (shrinkage covariance); Marrelec et al. (2006) NeuroImage 32:228 (partial
correlation); Friston et al. (1997) NeuroImage 6:218 (PPI); Gitelman et al. (2003) NeuroImage
19:200 (deconvolution for PPI); McLaren et al. (2012) NeuroImage 61:1277 (generalised PPI).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import toeplitz

from neurocourse._validation import (
    as_finite,
    check_int,
    check_option,
    check_positive,
    check_range,
)
from neurocourse.covariance import ledoit_wolf  # re-exported: the estimator lives in covariance

__all__ = [
    "PPIDesign",
    "convolution_matrix",
    "deconvolve",
    "fisher_z",
    "gppi_design",
    "ledoit_wolf",
    "partial_correlation",
    "ppi_design",
    "precision_to_partial",
    "seed_correlation",
]


def _timeseries(name, value, min_rows=3) -> np.ndarray:
    arr = as_finite(name, value)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < min_rows or arr.shape[1] < 1:
        raise ValueError(f"{name} must have shape (n_scans,) or (n_scans, n) with n_scans >= "
                         f"{min_rows}, got {np.shape(value)}")
    return arr


def _confounds(confounds, n):
    """Confound regressors as an (n, k) array, one row per scan."""
    Cf = _timeseries("confounds", confounds)
    if Cf.shape[0] != n:
        raise ValueError(f"confounds must have {n} rows (one per scan), got {Cf.shape[0]}")
    return Cf


def _residualise(Y, confounds):
    """Residuals of Y after OLS on [1, confounds]."""
    n = Y.shape[0]
    X = np.ones((n, 1))
    if confounds is not None:
        X = np.column_stack([X, _confounds(confounds, n)])
    beta, *_ = np.linalg.lstsq(X, Y, rcond=None)
    return Y - X @ beta


def seed_correlation(seed, Y, confounds=None) -> np.ndarray:
    """Pearson correlation of a seed time course with every voxel, after the same nuisance regression.

    Parameters
    ----------
    seed : array_like, shape (n_scans,)
        Seed time course (any unit).
    Y : array_like, shape (n_scans, n_voxels)
        Voxel time courses, in any unit.
    confounds : array_like, shape (n_scans, n_confounds), optional
        Nuisance regressors (any unit) removed from seed and voxels alike (an intercept is always
        removed).

    Returns
    -------
    r : ndarray, shape (n_voxels,)
        Dimensionless, in [-1, 1].

    References
    ----------
    Biswal et al. (1995) Magn Reson Med 34:537.
    """
    s = _timeseries("seed", seed)
    if s.shape[1] != 1:
        raise ValueError(f"seed must be one time course (n_scans,), got shape {np.shape(seed)}")
    Y = _timeseries("Y", Y)
    if Y.shape[0] != s.shape[0]:
        raise ValueError(f"Y must have {s.shape[0]} rows (the seed's n_scans), got {Y.shape[0]}")
    R = _residualise(np.column_stack([s, Y]), confounds)
    R /= np.linalg.norm(R, axis=0)
    return R[:, 1:].T @ R[:, 0]


def fisher_z(r) -> np.ndarray:
    """Fisher's variance-stabilising transform :math:`z = \\operatorname{artanh} r`.

    Under independence of N white-noise samples, :math:`\\operatorname{se}(z) = 1/\\sqrt{N-3}`.

    Parameters
    ----------
    r : array_like
        Correlations, dimensionless, in (-1, 1).

    Returns
    -------
    z : ndarray, shape of ``r``
        Fisher z, dimensionless.

    References
    ----------
    Fisher (1915) Biometrika 10:507.
    """
    r = check_range("r", r, -1, 1, low_inclusive=False, high_inclusive=False)
    return np.arctanh(r)


def precision_to_partial(precision) -> np.ndarray:
    """Partial correlations :math:`\\pi_{ij} = -\\Theta_{ij}/\\sqrt{\\Theta_{ii}\\Theta_{jj}}`, diagonal 1.

    Parameters
    ----------
    precision : array_like, shape (n, n)
        Precision (inverse covariance) matrix Θ, in units of 1/(data unit)²; its
        diagonal must be positive.

    Returns
    -------
    ndarray, shape (n, n)
        Partial correlations, dimensionless, diagonal 1.

    References
    ----------
    Whittaker (1990) *Graphical Models in Applied Multivariate Statistics*, §5.7.
    """
    P = as_finite("precision", precision)
    if P.ndim != 2 or P.shape[0] != P.shape[1]:
        raise ValueError(f"precision must be a square matrix, got shape {P.shape}")
    d = np.diag(P)
    if np.any(d <= 0):
        raise ValueError(f"precision must have a positive diagonal, got {d.min()!r}")
    out = -P / np.sqrt(np.outer(d, d))
    np.fill_diagonal(out, 1.0)
    return out


def partial_correlation(ts, estimator="ledoit_wolf", standardize=False) -> np.ndarray:
    """Partial correlation matrix of ROI time courses from a (shrinkage) precision estimate.

    Parameters
    ----------
    ts : array_like, shape (n_scans, n_rois)
        ROI time courses, one column per ROI, in any unit.
    estimator : {"ledoit_wolf", "empirical"}
        Covariance estimator: Ledoit–Wolf shrinkage (:func:`neurocourse.covariance.ledoit_wolf`,
        nilearn's default, well conditioned when n_rois approaches n_scans) or the sample
        covariance (exact partial correlation; needs n_scans > n_rois).
    standardize : bool
        z-score each ROI before estimating the covariance. Partial correlations of the empirical
        estimate do not depend on it; Ledoit–Wolf does, because it shrinks towards a multiple of
        the identity. The default (False) is nilearn's ``kind="partial correlation"``.

    Returns
    -------
    ndarray, shape (n_rois, n_rois)
        Dimensionless, diagonal 1.

    References
    ----------
    Marrelec et al. (2006) NeuroImage 32:228; Varoquaux & Craddock (2013) NeuroImage 80:405;
    nilearn ``ConnectivityMeasure(kind="partial correlation")``.
    """
    X = _timeseries("ts", ts)
    check_option("estimator", estimator, ("ledoit_wolf", "empirical"))
    sd = X.std(axis=0)
    if np.any(sd == 0):
        raise ValueError("ts must not contain constant columns (zero variance)")
    Z = (X - X.mean(axis=0)) / (sd if standardize else 1.0)
    if estimator == "empirical":
        if X.shape[0] <= X.shape[1]:
            raise ValueError(f"ts must have more scans than ROIs for estimator='empirical', got "
                             f"{X.shape}")
        cov = Z.T @ Z / Z.shape[0]
    else:
        cov, _ = ledoit_wolf(Z)
    return precision_to_partial(np.linalg.inv(cov))


# ---------------------------------------------------------------- PPI
def convolution_matrix(h, n_scans) -> np.ndarray:
    """Lower-triangular Toeplitz matrix H with :math:`(Hz)[t] = \\sum_{k\\le t} h[t-k]\\,z[k]`.

    ``H @ z`` is the causal convolution of :func:`neurocourse.lti.convolve` with ``dt=1.0``
    (kernel weights per scan); the matrix form is what :func:`deconvolve` needs.

    Parameters
    ----------
    h : array_like, shape (m,)
        Kernel sampled at the scan times 0, TR, 2TR, ... (e.g. an HRF in units per scan).
    n_scans : int
        Number of scans, the size of H.

    Returns
    -------
    ndarray, shape (n_scans, n_scans)
        H, in the units of ``h``.
    """
    h = as_finite("h", h).ravel()
    n = check_int("n_scans", n_scans, 1)
    col = np.zeros(n)
    m = min(n, h.size)
    col[:m] = h[:m]
    return toeplitz(col, np.zeros(n))


def deconvolve(x, h, lam=1.0) -> np.ndarray:
    """Tikhonov estimate of the neural signal: :math:`\\hat z = (H^\\top H+\\lambda I)^{-1}H^\\top x`.

    The BOLD signal is a smoothed copy of neural activity; the psychophysiological interaction
    happens at the neural level, so PPI needs :math:`\\hat z` (Gitelman 2003). The gamma HRF is
    0 at lag 0, so H is singular and λ > 0 is needed; λ biases the estimate towards zero.

    Parameters
    ----------
    x : array_like, shape (n_scans,)
        Seed BOLD time course, in any unit.
    h : array_like
        HRF sampled at the scan times (weights per scan, dimensionless; e.g. unit sum).
    lam : float
        Ridge penalty λ >= 0 (dimensionless, relative to h's scale squared).

    Returns
    -------
    ndarray, shape (n_scans,)
        The neural estimate ẑ, in the units of ``x`` divided by those of ``h``.

    References
    ----------
    Gitelman et al. (2003) NeuroImage 19:200 (SPM uses a DCT basis with a Bayesian prior; the
    ridge form is the minimal version of the same idea).
    """
    x = _timeseries("x", x)
    if x.shape[1] != 1:
        raise ValueError(f"x must be one time course (n_scans,), got {np.shape(x)}")
    lam = float(check_positive("lam", lam, allow_zero=True))
    H = convolution_matrix(h, x.shape[0])
    A = H.T @ H + lam * np.eye(x.shape[0])
    return np.linalg.solve(A, H.T @ x[:, 0])


@dataclass(frozen=True)
class PPIDesign:
    """A PPI design matrix and the names of its columns (constant last).

    Attributes
    ----------
    X : ndarray, shape (n_scans, n_columns)
        Regressors: seed and PPI columns in the units of the seed, task and constant columns
        dimensionless, confounds in their own units.
    names : tuple of str
        Column names, in the order of the columns of ``X``.
    """

    X: np.ndarray
    names: tuple


def ppi_design(seed, psych, h, lam=1.0, level="neural", confounds=None) -> PPIDesign:
    """Friston's PPI model :math:`y=\\beta_1x+\\beta_2(h*p)+\\beta_3\\mathrm{PPI}+\\ldots`.

    Parameters
    ----------
    seed : array_like, shape (n_scans,)
        Seed BOLD time course, in any unit.
    psych : array_like, shape (n_scans,)
        Psychological variable (dimensionless) at scan resolution (e.g. +0.5 in A, -0.5 in B); it is centred.
    h : array_like
        HRF sampled at the scan times (weights per scan, dimensionless).
    lam : float
        Deconvolution penalty λ >= 0, dimensionless (used when ``level="neural"``).
    level : {"neural", "bold"}
        ``"neural"``: PPI = h * (ẑ · p) with ẑ from :func:`deconvolve` (Gitelman 2003);
        ``"bold"``: the original product x · (h * p), wrong for event-related designs.
    confounds : array_like, shape (n_scans, k), optional
        Nuisance regressors appended as columns, in any unit.

    Returns
    -------
    PPIDesign
        Columns ``("seed", "task", "ppi", [confounds...], "constant")``.

    References
    ----------
    Friston et al. (1997) NeuroImage 6:218; Gitelman et al. (2003) NeuroImage 19:200.
    """
    x = _timeseries("seed", seed)[:, 0]
    p = _timeseries("psych", psych)[:, 0]
    if p.size != x.size:
        raise ValueError(f"psych must have {x.size} samples (the seed's n_scans), got {p.size}")
    check_option("level", level, ("neural", "bold"))
    p = p - p.mean()
    H = convolution_matrix(h, x.size)
    task = H @ p
    ppi = H @ (deconvolve(x, h, lam) * p) if level == "neural" else x * task
    cols, names = [x, task, ppi], ["seed", "task", "ppi"]
    return _finish(cols, names, confounds, x.size)


def gppi_design(seed, conditions, h, lam=1.0, confounds=None) -> PPIDesign:
    """Generalised PPI: one interaction per condition, :math:`\\mathrm{PPI}_k = h*(\\hat z\\,u_k)`.

    Parameters
    ----------
    seed : array_like, shape (n_scans,)
        Seed BOLD time course, in any unit.
    conditions : array_like, shape (n_scans, n_conditions)
        0/1 indicators :math:`u_k` at scan resolution (dimensionless).
    h : array_like
        HRF sampled at the scan times (weights per scan, dimensionless).
    lam : float
        Deconvolution penalty λ >= 0, dimensionless (see :func:`deconvolve`).
    confounds : array_like, shape (n_scans, k), optional
        Nuisance regressors appended as columns, in any unit.

    Returns
    -------
    PPIDesign
        Columns ``("seed", "task_0", ..., "ppi_0", ..., [confounds], "constant")``; contrasts
        are taken on the ``ppi_k`` columns, e.g. ppi_0 − ppi_1.

    References
    ----------
    McLaren et al. (2012) NeuroImage 61:1277.
    """
    x = _timeseries("seed", seed)[:, 0]
    U = _timeseries("conditions", conditions)
    if U.shape[0] != x.size:
        raise ValueError(f"conditions must have {x.size} rows (the seed's n_scans), got "
                         f"{U.shape[0]}")
    H = convolution_matrix(h, x.size)
    z = deconvolve(x, h, lam)
    k = U.shape[1]
    cols = [x, *(H @ U).T, *(H @ (z[:, None] * U)).T]
    names = ["seed", *(f"task_{i}" for i in range(k)), *(f"ppi_{i}" for i in range(k))]
    return _finish(cols, names, confounds, x.size)


def _finish(cols, names, confounds, n):
    if confounds is not None:
        Cf = _confounds(confounds, n)
        cols += list(Cf.T)
        names += [f"confound_{i}" for i in range(Cf.shape[1])]
    cols.append(np.ones(n))
    names.append("constant")
    return PPIDesign(X=np.column_stack(cols), names=tuple(names))
