"""Covariance matrices: shrinkage towards a scaled identity (with the Ledoit–Wolf intensity),
and powers of symmetric positive semi-definite matrices.

One estimator serves every part of the course that needs a well-conditioned covariance from few
samples: the partial correlations of fMRI connectivity
(:func:`neurocourse.connectivity.fmri.partial_correlation`) and the M/EEG noise covariance of the
inverse problem (:func:`neurocourse.inverse.noise.estimate_noise_cov`). One matrix power
(:func:`psd_power`, MNE's ``_sym_mat_pow``) serves the LCMV beamformer and eLORETA.

Observations are rows, features are columns, as in scikit-learn. The shrinkage target is
:math:`\\mu I` with :math:`\\mu = \\operatorname{tr}S/p`, so every feature must be in the same unit
(pre-scale or split mixed channel types).

References
----------
.. [1] O. Ledoit, M. Wolf, "A well-conditioned estimator for large-dimensional covariance
   matrices", J. Multivar. Anal. 88:365-411, 2004 (lemma 3.2, theorem 3.1).
.. [2] scikit-learn ``sklearn.covariance.ledoit_wolf`` and ``shrunk_covariance`` (the same
   estimator and the same 1/n normalisation).
.. [3] MNE-Python ``mne.utils.linalg._sym_mat_pow`` (the matrix power and its rank handling).
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_range

__all__ = ["ledoit_wolf", "psd_power", "shrunk_covariance"]


def _observations(X) -> np.ndarray:
    arr = as_finite("X", X)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 1:
        raise ValueError(
            f"X must have shape (n_samples,) or (n_samples, n_features) with n_samples >= 2, got {np.shape(X)}"
        )
    return arr


def shrunk_covariance(S, shrinkage) -> np.ndarray:
    """Shrink a covariance towards a scaled identity: :math:`(1-\\alpha)S + \\alpha\\mu I`.

    :math:`\\mu = \\operatorname{tr}S/p` is the mean variance, so the trace is kept.

    Parameters
    ----------
    S : array_like, shape (p, p)
        Covariance (e.g. the sample covariance), in (data unit)².
    shrinkage : float
        Shrinkage intensity α in [0, 1], dimensionless: 0 returns ``S``, 1 returns :math:`\\mu I`.

    Returns
    -------
    ndarray, shape (p, p)
        The shrunk covariance, same unit as ``S``.

    References
    ----------
    Ledoit & Wolf (2004) J Multivar Anal 88:365, eq. (2); scikit-learn
    ``sklearn.covariance.shrunk_covariance``.

    Examples
    --------
    >>> shrunk_covariance([[4.0, 1.0], [1.0, 2.0]], 0.5)
    array([[3.5, 0.5],
           [0.5, 2.5]])
    """
    S = as_finite("S", S)
    if S.ndim != 2 or S.shape[0] != S.shape[1]:
        raise ValueError(f"S must be a square (p, p) matrix, got shape {S.shape}")
    return _shrink(S, float(check_range("shrinkage", shrinkage, 0.0, 1.0)))


def _shrink(S, a):
    """(1 - a) S + a (tr S / p) I for a validated square S and a in [0, 1]."""
    p = S.shape[0]
    return (1 - a) * S + a * (np.trace(S) / p) * np.eye(p)


def ledoit_wolf(X):
    """Ledoit–Wolf shrinkage covariance towards a scaled identity, with its optimal intensity.

    With centred data, :math:`S = X^\\top X/n`, :math:`\\mu = \\operatorname{tr}S/p`,
    :math:`d^2 = \\|S-\\mu I\\|_F^2/p`, :math:`\\bar b^2 = \\frac1{n^2p}\\sum_k\\|x_kx_k^\\top-S\\|_F^2`,
    :math:`\\delta = \\min(\\bar b^2, d^2)/d^2` and :math:`\\hat\\Sigma = (1-\\delta)S+\\delta\\mu I`
    (:func:`shrunk_covariance` with α = δ). The sum is evaluated without forming the n outer
    products, from :math:`\\sum_k\\|x_kx_k^\\top-S\\|_F^2 = \\sum_k\\|x_k\\|^4 - n\\|S\\|_F^2`.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        Observations in rows (n_samples >= 2), in any unit, the same for every feature (the
        target is a scaled identity). The column means are removed first.

    Returns
    -------
    cov : ndarray, shape (n_features, n_features)
        Shrunk covariance, in the units of ``X`` squared (1/n normalisation, as scikit-learn).
    shrinkage : float
        δ in [0, 1], dimensionless (0 when :math:`d^2 = 0`, i.e. when ``S`` already equals its
        target, as scikit-learn returns).

    References
    ----------
    Ledoit & Wolf (2004) J Multivar Anal 88:365, lemma 3.2 and theorem 3.1; scikit-learn
    ``sklearn.covariance.ledoit_wolf`` (same estimator).

    Examples
    --------
    >>> cov, delta = ledoit_wolf([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    >>> cov
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    X = _observations(X)
    n, p = X.shape
    Xc = X - X.mean(axis=0)
    S = Xc.T @ Xc / n
    d2 = np.sum((S - (np.trace(S) / p) * np.eye(p)) ** 2) / p
    sq = np.sum(Xc**2, axis=1)
    b2_bar = (np.sum(sq**2) - n * np.sum(S**2)) / (n**2 * p)
    delta = 0.0 if d2 == 0 else min(b2_bar, d2) / d2
    return _shrink(S, delta), float(delta)


def psd_power(M, power, rcond=1e-7, reduce_rank=False) -> np.ndarray:
    """Power :math:`M^p = U\\,\\mathrm{diag}(s^p)\\,U^\\top` of symmetric PSD matrices, as MNE.

    Eigenvalues at or below ``rcond`` times the largest are treated as zero: dropped for a
    negative power (a pseudo-inverse power), kept at 0 for a positive one. Powers ±1/2 take
    the square root of the eigenvalues first, as MNE's ``_sym_mat_pow`` does.

    Parameters
    ----------
    M : array_like, shape (..., n, n)
        Symmetric positive semi-definite matrices (a stack over the leading axes), in any unit
        u (e.g. a covariance in (channel unit)²).
    power : float
        Exponent p (dimensionless), e.g. -1, -0.5 or 0.5.
    rcond : float, default 1e-7
        Relative eigenvalue cut-off, dimensionless, in [0, 1).
    reduce_rank : bool, default False
        Also drop the smallest eigenvalue of each matrix (for a negative power), as MNE's
        ``reduce_rank`` option of the beamformer.

    Returns
    -------
    ndarray, shape (..., n, n)
        :math:`M^p`, in units of u**p.

    Raises
    ------
    ValueError
        If ``M`` is not a stack of square matrices, or has an eigenvalue below
        ``-rcond`` times the largest (not positive semi-definite).

    References
    ----------
    MNE-Python ``mne.utils.linalg._sym_mat_pow``.

    Examples
    --------
    >>> psd_power([[4.0, 0.0], [0.0, 0.0]], -0.5)
    array([[0.5, 0. ],
           [0. , 0. ]])
    """
    M = as_finite("M", M)
    if M.ndim < 2 or M.shape[-1] != M.shape[-2]:
        raise ValueError(f"M must be square matrices of shape (..., n, n), got shape {M.shape}")
    p = float(as_finite("power", power))
    rcond = float(check_range("rcond", rcond, 0.0, 1.0, high_inclusive=False))
    s, u = np.linalg.eigh(M)
    lim = s[..., -1:] * rcond
    if np.any(s < -lim):
        raise ValueError(f"M must be positive semi-definite, got an eigenvalue "
                         f"{float(s.min()):.3g} below -rcond times the largest")
    s[s <= lim] = np.inf if p < 0 else 0.0
    if reduce_rank:
        s[..., 0] = np.inf if p < 0 else 0.0
    if p in (0.5, -0.5):
        s = np.sqrt(s)
        p = np.sign(p)
    return (u * s[..., None, :] ** p) @ np.swapaxes(u, -1, -2)
