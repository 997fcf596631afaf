"""Choosing λ²: the L-curve and generalised cross-validation for the minimum-norm estimate.

Both work in the SVD of the weighted, whitened lead field :math:`\\tilde G R^{1/2} = U\\Sigma V^\\top`
(:func:`neurocourse.inverse.make_inverse_operator`), where the Tikhonov filter factors are
:math:`f_i = \\sigma_i^2/(\\sigma_i^2+\\lambda^2)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_positive
from neurocourse.inverse.linear import InverseOperator


@dataclass(frozen=True, eq=False)
class RegularizationCurve:
    """Residual and solution norms, GCV, and the λ² each criterion picks.

    Attributes
    ----------
    lambda2 : ndarray, shape (n,)
        The λ² values (ascending, dimensionless).
    residual_norm : ndarray, shape (n,)
        :math:`\\|\\tilde b - \\tilde G\\hat j\\|` (whitened, dimensionless).
    solution_norm : ndarray, shape (n,)
        :math:`\\|R^{-1/2}\\hat j\\|` (the prior-weighted norm the estimate minimises).
    gcv : ndarray, shape (n,)
        :math:`n\\|\\tilde b-\\tilde G\\hat j\\|^2/(n-\\mathrm{tr}H)^2`.
    dof : ndarray, shape (n,)
        :math:`\\mathrm{tr}H = \\sum_i f_i`, effective number of fitted parameters.
    lambda2_gcv : float
        Minimiser of ``gcv`` over the grid.
    lambda2_lcurve : float
        Corner of the L-curve: maximum curvature of (log residual, log solution norm).
    """

    lambda2: np.ndarray
    residual_norm: np.ndarray
    solution_norm: np.ndarray
    gcv: np.ndarray
    dof: np.ndarray
    lambda2_gcv: float
    lambda2_lcurve: float


def regularization_curve(op: InverseOperator, b, lambda2s) -> RegularizationCurve:
    """L-curve and GCV over a grid of λ² for data ``b``.

    Parameters
    ----------
    op : InverseOperator
        Prepared operator (any orientation).
    b : array_like, shape (n_channels,)
        One data vector in channel units.
    lambda2s : array_like, shape (n,)
        λ² values (> 0, dimensionless), at least 3 for the L-curve corner.

    Returns
    -------
    RegularizationCurve

    References
    ----------
    Hansen (1992) SIAM Rev 34:561 (L-curve); Golub, Heath & Wahba (1979) Technometrics 21:215
    (GCV); Hansen (1998) *Rank-Deficient and Discrete Ill-Posed Problems*, ch. 7.
    """
    lam = np.sort(check_positive("lambda2s", lambda2s).ravel())
    if lam.size < 3:
        raise ValueError(f"lambda2s must hold at least 3 values, got {lam.size}")
    bb = as_finite("b", b)
    if bb.shape != (op.W.shape[1],):
        raise ValueError(f"b must have shape ({op.W.shape[1]},), got {bb.shape}")
    bw = op.W @ bb
    beta = op.U.T @ bw
    out2 = max(float(bw @ bw - beta @ beta), 0.0)  # part of the data outside range(U)
    s2 = op.s**2
    f = s2[None, :] / (s2[None, :] + lam[:, None])
    res = np.sqrt(np.sum(((1 - f) * beta) ** 2, axis=1) + out2)
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.where(op.s > 0, f * beta / op.s, 0.0)
    sol = np.sqrt(np.sum(coef**2, axis=1))
    n = bw.size
    dof = f.sum(axis=1)
    gcv = n * res**2 / (n - dof) ** 2
    # curvature of the parametric curve (log rho, log eta) in t = log lambda2
    x, y, t = np.log(res), np.log(sol), np.log(lam)
    dx, dy = np.gradient(x, t), np.gradient(y, t)
    ddx, ddy = np.gradient(dx, t), np.gradient(dy, t)
    kappa = (dx * ddy - dy * ddx) / (dx**2 + dy**2) ** 1.5
    inner = slice(1, -1)  # one-sided differences at the ends are unreliable
    k_corner = 1 + int(np.nanargmax(kappa[inner]))
    return RegularizationCurve(lambda2=lam, residual_norm=res, solution_norm=sol, gcv=gcv,
                               dof=dof, lambda2_gcv=float(lam[int(np.argmin(gcv))]),
                               lambda2_lcurve=float(lam[k_corner]))
