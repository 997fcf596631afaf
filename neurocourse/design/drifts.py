"""Drift bases of a first-level design: discrete cosines and polynomials, as nilearn builds them.

All times are in seconds and frequencies in Hz.

References
----------
.. [1] nilearn ``signal.create_cosine_drift`` and ``design_matrix._poly_drift`` (0.14);
   SPM ``spm_dctmtx.m``.
"""

from __future__ import annotations

import warnings

import numpy as np

from neurocourse._validation import check_int, check_positive
from neurocourse.design.events import check_frame_times
from neurocourse.design.regressors import orthogonalize

__all__ = ["cosine_drift", "polynomial_drift"]


def cosine_drift(high_pass, frame_times):
    """Discrete cosine (DCT-II) drift basis up to ``high_pass`` Hz, plus a constant, as nilearn.

    With ``dt = (t[-1] - t[0]) / (n - 1)`` the order is
    ``K = min(n - 1, floor(2 n high_pass dt))`` and column ``k - 1`` (k = 1..K) is
    ``sqrt(2/n) cos(pi/n (i + 1/2) k)``, i = 0..n-1: unit-norm, mutually orthogonal columns of
    period ``2 n dt / k`` >= ``1 / high_pass``. The last column is the constant 1.0.

    Parameters
    ----------
    high_pass : float
        Cut-off frequency (Hz), >= 0. nilearn's default is 0.01 Hz (100 s); SPM's 1/128 Hz.
    frame_times : array_like, shape (n_scans,)
        Scan times (s), strictly increasing.

    Returns
    -------
    drift : ndarray, shape (n_scans, K + 1)
        Cosine columns (dimensionless) followed by a constant column of ones.

    Warns
    -----
    UserWarning
        If ``high_pass * dt >= 0.5`` (the basis spans every frequency), as nilearn.

    References
    ----------
    nilearn ``signal.create_cosine_drift`` (0.14); SPM ``spm_dctmtx.m``.
    """
    ft = check_frame_times(frame_times)
    high_pass = float(check_positive("high_pass", high_pass, unit="Hz", allow_zero=True))
    n = ft.size
    dt = (ft[-1] - ft[0]) / (n - 1)
    if high_pass * dt >= 0.5:
        warnings.warn(
            f"high_pass = {high_pass} Hz is at or above the Nyquist frequency 1/(2 dt) = "
            f"{0.5 / dt:g} Hz: the cosine basis spans all frequencies.",
            UserWarning,
            stacklevel=2,
        )
    order = min(n - 1, int(np.floor(2 * n * high_pass * dt)))
    k = np.arange(1, order + 1)
    i = np.arange(n)[:, None]
    cos = np.sqrt(2.0 / n) * np.cos((np.pi / n) * (i + 0.5) * k)
    return np.hstack([cos, np.ones((n, 1))])


def polynomial_drift(order, frame_times):
    """Polynomial drift basis of degree ``order``, orthogonalised, constant last, as nilearn.

    Columns ``(t / t_max)^k`` for k = 0..order, each orthogonalised against the lower degrees (no
    renormalisation), then the constant moved to the end.

    Parameters
    ----------
    order : int
        Highest polynomial degree, >= 0.
    frame_times : array_like, shape (n_scans,)
        Scan times (s), strictly increasing, not all zero.

    Returns
    -------
    drift : ndarray, shape (n_scans, order + 1)
        Polynomial columns of degree 1..order (dimensionless), then the constant 1.

    References
    ----------
    nilearn ``design_matrix._poly_drift`` (0.14).
    """
    ft = check_frame_times(frame_times)
    order = check_int("drift_order", order, 0)
    pol = (ft[:, None] / float(ft.max())) ** np.arange(order + 1)
    pol = orthogonalize(pol)
    return np.hstack([pol[:, 1:], pol[:, :1]])
