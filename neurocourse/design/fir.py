"""Detection versus estimation: FIR designs, estimation efficiency and detection power.

A finite-impulse-response (FIR) model makes no assumption about the HRF shape: for each of L trial
types it has k columns, the type's stimulus indicator shifted by 0 .. k-1 scans. With the nuisance
columns S (constant, drifts) projected out, ``P = I - S (S^T S)^+ S^T``:

* estimation efficiency ``xi = 1 / trace[(X_FIR^T P X_FIR)^-1]`` (how well the whole response
  shape is estimated; Liu et al. 2001);
* detection power ``R = q / trace[(Z^T P Z)^-1]`` with ``Z = X_FIR (I_L kron h / |h|)`` for an
  assumed HRF h sampled per scan: for one type, the Rayleigh quotient ``h^T X^T P X h / h^T h``
  (how well the amplitude of a known shape is estimated; Liu & Frank 2004, normalisation stated
  here explicitly).

Block designs maximise detection and minimise estimation efficiency, random designs the opposite.
For an m-sequence with the constant projected out, ``trace(X^T P X)^-1 = 4/(L+1) [(k-1) + L/(L-k)]``
in the circular case (Buracas & Boynton 2002).

References
----------
.. [1] T. T. Liu, L. R. Frank, E. C. Wong and R. B. Buxton, "Detection power, estimation
   efficiency, and predictability in event-related fMRI", NeuroImage 13:759-773, 2001.
.. [2] T. T. Liu and L. R. Frank, NeuroImage 21:387-400, 2004.
.. [3] G. T. Buracas and G. M. Boynton, "Efficient design of event-related fMRI experiments using
   M-sequences", NeuroImage 16:801-813, 2002.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_int

__all__ = ["detection_power", "estimation_efficiency", "fir_design", "nuisance_projector"]


def fir_design(stimulus, n_lags, circular=False):
    """FIR design matrix: each trial type's indicator shifted by 0 .. n_lags - 1 scans.

    Parameters
    ----------
    stimulus : array_like, shape (n_scans,) or (n_scans, L)
        Stimulus indicators (or amplitudes) per scan, one column per trial type.
    n_lags : int
        Number of post-stimulus scans k modelled, 1 <= k <= n_scans.
    circular : bool, default=False
        Wrap the shifts around the end (a periodic design, as for m-sequence theory).

    Returns
    -------
    ndarray, shape (n_scans, L * n_lags)
        Column ``j * n_lags + d`` is type j delayed by d scans (nilearn's ``cond_delay_d``).
    """
    s = as_finite("stimulus", stimulus)
    s = s[:, None] if s.ndim == 1 else s
    if s.ndim != 2:
        raise ValueError(f"stimulus must have shape (n_scans,) or (n_scans, L), got {s.shape}")
    n = s.shape[0]
    k = check_int("n_lags", n_lags, 1)
    if k > n:
        raise ValueError(f"n_lags must be <= n_scans = {n}, got {k}")
    t = np.arange(n)[:, None] - np.arange(k)[None, :]  # (n, k) source index of each lag
    if circular:
        cols = s[t % n]  # (n, k, L)
    else:
        cols = np.where((t >= 0)[:, :, None], s[np.clip(t, 0, None)], 0.0)
    return cols.transpose(0, 2, 1).reshape(n, -1)


def nuisance_projector(n_scans, nuisance=None):
    """Residual-forming matrix ``P = I - S S^+`` that removes the nuisance columns S.

    Parameters
    ----------
    n_scans : int
        Number of scans, >= 1.
    nuisance : array_like, shape (n_scans, m), optional
        Nuisance columns (constant, drifts); default the constant only. Pass an array with zero
        columns for no projection.

    Returns
    -------
    ndarray, shape (n_scans, n_scans) (dimensionless)
        Symmetric idempotent projector.
    """
    n = check_int("n_scans", n_scans, 1)
    S = np.ones((n, 1)) if nuisance is None else as_finite("nuisance", nuisance)
    S = S[:, None] if S.ndim == 1 else S
    if S.shape[0] != n:
        raise ValueError(f"nuisance must have {n} rows, got shape {S.shape}")
    if S.shape[1] == 0:
        return np.eye(n)
    return np.eye(n) - S @ np.linalg.pinv(S)


def estimation_efficiency(X_fir, nuisance=None):
    """Estimation efficiency ``1 / trace[(X^T P X)^-1]`` of an FIR design.

    Parameters
    ----------
    X_fir : array_like, shape (n_scans, L * k) (dimensionless)
        FIR design (see :func:`fir_design`).
    nuisance : array_like, shape (n_scans, m), optional
        Nuisance columns projected out; default the constant.

    Returns
    -------
    float
        Efficiency (dimensionless for 0/1 indicators); 0 if the FIR columns are not estimable.
    """
    X = as_finite("X_fir", X_fir)
    P = nuisance_projector(X.shape[0], nuisance)
    M = X.T @ P @ X
    if np.linalg.matrix_rank(M) < M.shape[0]:
        return 0.0
    return float(1.0 / np.trace(np.linalg.inv(M)))


def detection_power(X_fir, hrf, n_types=1, nuisance=None):
    """Detection power ``q / trace[(Z^T P Z)^-1]`` with ``Z = X_FIR (I_L kron h/|h|)``.

    For one trial type this is the Rayleigh quotient ``h^T X^T P X h / h^T h``, between the
    smallest and largest eigenvalues of ``X^T P X``.

    Parameters
    ----------
    X_fir : array_like, shape (n_scans, n_types * k) (dimensionless)
        FIR design.
    hrf : array_like, shape (k,)
        Assumed response per post-stimulus scan (any unit; only its shape matters).
    n_types : int, default=1
        Number of trial types L.
    nuisance : array_like, shape (n_scans, m), optional
        Nuisance columns projected out; default the constant.

    Returns
    -------
    float
        Detection power (dimensionless for 0/1 indicators).
    """
    X = as_finite("X_fir", X_fir)
    h = as_finite("hrf", hrf).ravel()
    L = check_int("n_types", n_types, 1)
    if X.shape[1] != L * h.size:
        raise ValueError(f"X_fir must have n_types * len(hrf) = {L * h.size} columns, got "
                         f"{X.shape[1]}")
    norm = np.linalg.norm(h)
    if norm == 0:
        raise ValueError("hrf must not be all zeros")
    Z = X @ np.kron(np.eye(L), (h / norm)[:, None])
    P = nuisance_projector(X.shape[0], nuisance)
    M = Z.T @ P @ Z
    return float(L / np.trace(np.linalg.pinv(M)))
