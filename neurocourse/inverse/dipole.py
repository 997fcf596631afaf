"""Single equivalent current dipole (ECD) fit: grid search, nonlinear refinement, GOF and
confidence volume, following MNE-Python's ``fit_dipole`` (and the Elekta Xfit conventions).

The model is :math:`\\mathbf b = G(\\mathbf r)\\mathbf Q + \\mathbf n`. For a fixed position the
best moment is linear least squares on whitened data, so only the three position coordinates are
searched: the goodness of fit

.. math:: \\mathrm{GOF}(\\mathbf r) = \\|P(\\mathbf r)\\tilde{\\mathbf b}\\|^2/\\|\\tilde{\\mathbf b}\\|^2

(:math:`P` projects on the span of the whitened 3-column lead field) is maximised first on a grid,
then by COBYLA from the best grid point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from neurocourse._validation import as_finite, check_positive, check_vec3
from neurocourse.inverse.noise import whitener


@dataclass(frozen=True, eq=False)
class DipoleFit:
    """Result of :func:`fit_dipole`.

    Attributes
    ----------
    position : ndarray, shape (3,)
        Dipole position in m.
    moment : ndarray, shape (3,)
        Dipole moment in A·m (least squares on the whitened data).
    gof : float
        Goodness of fit on whitened data, in % (0-100).
    confidence_volume : float
        Volume of the 95 % confidence ellipsoid of the position, m³ (Xfit's linearisation).
    position_ci : ndarray, shape (3,)
        95 % half-widths (1.96 SD) of the position along the dipole frame (moment direction,
        its perpendicular, and the radial direction), m.
    grid_position : ndarray, shape (3,)
        Best grid point, m (the starting point of the nonlinear search).
    """

    position: np.ndarray
    moment: np.ndarray
    gof: float
    confidence_volume: float
    position_ci: np.ndarray
    grid_position: np.ndarray

    @property
    def amplitude(self) -> float:
        """Moment magnitude in A·m."""
        return float(np.linalg.norm(self.moment))


def _projection_terms(Gw, bw):
    """GOF numerator and least-squares moment for whitened gains Gw (..., n_ch, 3).

    MNE keeps three components when s3/s1 > 0.2, otherwise two (a sphere hides the radial one).
    """
    U, s, Vt = np.linalg.svd(Gw, full_matrices=False)
    keep = np.ones(s.shape, bool)
    keep[..., 2] = s[..., 2] > 0.2 * s[..., 0]
    proj = np.einsum("...ck,c->...k", U, bw) * keep
    num = np.sum(proj**2, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.where(keep, proj / np.where(s > 0, s, 1.0), 0.0)
    Q = np.einsum("...kj,...k->...j", Vt, coef)
    return num, Q


def guess_grid(radius, center=(0, 0, 0), spacing=0.02, exclude=0.02, min_dist=0.005):
    """Cubic guess grid inside a sphere, as MNE builds it for a sphere model.

    Parameters
    ----------
    radius : float
        Radius of the inner conducting surface (inner skull) in m.
    center : array_like, shape (3,)
        Sphere centre in m.
    spacing : float, default 0.02
        Grid spacing in m (MNE's default 20 mm; MNE-C uses 10 mm).
    exclude : float, default 0.02
        Points closer than this to the centre are excluded, m (MNE's ``guess_exclude``).
    min_dist : float, default 0.005
        Minimum distance from the inner surface, m.

    Returns
    -------
    points : ndarray, shape (n, 3)
        Grid points in m.
    """
    R = float(check_positive("radius", radius, unit="m"))
    h = float(check_positive("spacing", spacing, unit="m"))
    c = check_vec3("center", center, unit="m")
    ax = np.arange(-R, R + h / 2, h)
    g = np.stack(np.meshgrid(ax, ax, ax, indexing="ij"), axis=-1).reshape(-1, 3)
    r = np.linalg.norm(g, axis=1)
    keep = (r <= R - float(min_dist)) & (r >= float(exclude))
    if not np.any(keep):
        raise ValueError(f"spacing {h} m leaves no grid point inside radius {R} m")
    return g[keep] + c


def dipole_gof(b, noise_cov, gain: Callable, positions, ch_types=None):
    """Goodness of fit (%) of the best dipole at each of ``positions``.

    Parameters
    ----------
    b : array_like, shape (n_channels,)
        Data at one time point, channel units.
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance, (channel unit)².
    gain : callable
        ``gain(points) -> (n_channels, 3 n_points)`` free-orientation lead field
        (e.g. ``lambda r: neurocourse.meg.lead_field(r, pos, nrm, center)``).
    positions : array_like, shape (n, 3)
        Candidate positions in m.
    ch_types : sequence of str, optional
        Channel types for whitening.

    Returns
    -------
    gof : ndarray, shape (n,)
        In % (0-100).
    """
    W = whitener(noise_cov, ch_types).W
    bw = W @ as_finite("b", b)
    P = as_finite("positions", positions).reshape(-1, 3)
    G = gain(P)
    Gw = (W @ G).reshape(W.shape[0], -1, 3).transpose(1, 0, 2)
    num, _ = _projection_terms(Gw, bw)
    return 100.0 * num / (bw @ bw)


def fit_dipole(b, noise_cov, gain: Callable, radius, center=(0, 0, 0), *, ch_types=None,
               grid_spacing=0.02, min_dist=0.005, tol=5e-5) -> DipoleFit:
    """Fit one equivalent current dipole to one time point.

    Parameters
    ----------
    b : array_like, shape (n_channels,)
        Data in channel units (T, T/m or V).
    noise_cov : array_like, shape (n_channels, n_channels)
        Noise covariance in (channel unit)² (for whitening, and for GOF on whitened data).
    gain : callable
        ``gain(points (n, 3) in m) -> (n_channels, 3 n)`` lead field in channel unit per A·m.
    radius : float
        Inner-skull radius in m: the dipole is kept at least ``min_dist`` inside it.
    center : array_like, shape (3,)
        Sphere centre in m.
    ch_types : sequence of str, optional
        Channel types for whitening.
    grid_spacing : float, default 0.02
        Guess-grid spacing in m.
    min_dist : float, default 0.005
        Minimum distance from the inner skull in m.
    tol : float, default 5e-5
        Final trust-region radius of COBYLA in m (MNE's ``tol``).

    Returns
    -------
    DipoleFit

    References
    ----------
    Scherg & von Cramon (1985) Electroenceph Clin Neurophysiol 62:32; Mosher, Lewis & Leahy
    (1992) IEEE TBME 39:541; MNE-Python ``fit_dipole`` (GOF, 2-or-3 component rule, COBYLA with
    rhobeg 5e-2 m and rhoend ``tol``) and ``_fit_confidence`` (Xfit confidence volume).
    """
    c = check_vec3("center", center, unit="m")
    R = float(check_positive("radius", radius, unit="m"))
    wh = whitener(noise_cov, ch_types)
    W = wh.W
    bb = as_finite("b", b)
    if bb.shape != (W.shape[1],):
        raise ValueError(f"b must have shape ({W.shape[1]},) to match noise_cov, got {bb.shape}")
    bw = W @ bb
    nb2 = float(bw @ bw)
    if nb2 == 0:
        raise ValueError("b must not be all zeros")

    def whitened_gain(P):
        return (W @ gain(np.atleast_2d(P))).reshape(W.shape[0], -1, 3).transpose(1, 0, 2)

    grid = guess_grid(R, c, grid_spacing, exclude=0.0, min_dist=min_dist)
    num, _ = _projection_terms(whitened_gain(grid), bw)
    start = grid[int(np.argmax(num))]

    lim = R - float(min_dist)

    def cost(x):
        out = np.linalg.norm(x - c) - lim
        if out > 0:  # COBYLA may probe infeasible points: never evaluate the gain outside
            return 1.0 + out
        n, _ = _projection_terms(whitened_gain(x[None, :]), bw)
        return 1.0 - float(n[0]) / nb2

    cons = ({"type": "ineq", "fun": lambda x: lim - np.linalg.norm(x - c)},)
    res = minimize(cost, start, method="COBYLA", constraints=cons,
                   options={"rhobeg": 5e-2 if grid_spacing >= 0.02 else grid_spacing,
                            "tol": tol, "maxiter": 1000})
    pos = res.x if res.fun <= cost(start) else start
    n, Q = _projection_terms(whitened_gain(pos[None, :]), bw)
    Q = Q[0]
    gof = 100.0 * float(n[0]) / nb2
    vol, ci = _confidence(pos, Q, whitened_gain, c)
    return DipoleFit(position=pos, moment=Q, gof=gof, confidence_volume=vol, position_ci=ci,
                     grid_position=start)


def _confidence(pos, Q, whitened_gain, c):
    """Xfit/MNE linearised 95 % confidence: J = d(b̃)/d(position, moment), C = (JᵀJ)⁻¹."""
    qn = np.linalg.norm(Q)
    if qn == 0:
        return np.inf, np.full(3, np.inf)
    ori = Q / qn
    rvec = pos - c
    d2 = rvec - ori * (ori @ rvec)
    if np.linalg.norm(d2) == 0:
        d2 = np.cross(ori, [1.0, 0, 0]) if abs(ori[0]) < 0.9 else np.cross(ori, [0, 1.0, 0])
    d2 = d2 / np.linalg.norm(d2)
    frame = np.stack([ori, np.cross(d2, ori), d2])
    h = 1e-4
    P = np.concatenate([pos + h * frame, pos - h * frame])
    Gp = whitened_gain(P)  # (6, n_ch, 3)
    Jpos = (Gp[:3] @ Q - Gp[3:] @ Q).T / (2 * h)
    Jq = whitened_gain(pos[None, :])[0] @ frame.T
    J = np.column_stack([Jpos, Jq])
    norm = np.array([np.linalg.norm(Jpos)] * 3 + [np.linalg.norm(Jq[:, :2])] * 3)
    Jn = J / norm
    A = Jn.T @ Jn
    e, v = np.linalg.eigh(A)
    keep = e > 1e-14 * e[-1]
    Cn = (v[:, keep] / e[keep]) @ v[:, keep].T
    Cov = Cn / norm / norm[:, None]
    ci = 1.96 * np.sqrt(np.diag(Cov)[:3])
    lam = np.linalg.eigvalsh(Cov[:3, :3])
    vol = 4 * np.pi / 3 * np.sqrt(7.81**3 * np.prod(np.clip(lam, 0, None)))
    return float(vol), ci
