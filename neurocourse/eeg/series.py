"""Exact EEG potentials and lead fields of concentric spheres: the Legendre series.

For a dipole :math:`\\mathbf Q` at :math:`\\mathbf r_q` in the innermost shell and an electrode at
:math:`\\mathbf r` on the scalp (:math:`|\\mathbf r| = R`), with :math:`b = |\\mathbf r_q|/R`,
:math:`x = \\cos\\gamma = \\hat{\\mathbf r}_q\\cdot\\hat{\\mathbf r}`, :math:`Q_r` the radial and
:math:`Q_t` the tangential component of :math:`\\mathbf Q` (in the plane of
:math:`\\mathbf r_q` and :math:`\\mathbf r`, toward the electrode),

.. math::

    V = \\frac{1}{4\\pi\\sigma_N R^2}\\sum_{n\\ge1}\\frac{2n+1}{n}\\,b^{n-1}f_n
        \\left[n Q_r P_n(x) + Q_t P_n^1(x)\\right]

(de Munck & Peters 1993; Zhang 1995), with :math:`P_n^1 = \\sqrt{1-x^2}P_n'` (no Condon–Shortley
phase) and :math:`f_n` from :func:`neurocourse.eeg.shells.shell_coefficients`. Because
:math:`Q_t P_n^1 = P_n'(x)\\,\\mathbf Q\\cdot(\\hat{\\mathbf r} - x\\hat{\\mathbf r}_q)`, the lead
field of source :math:`q` is

.. math::

    \\mathbf L = \\frac{1}{4\\pi\\sigma_N R^2}\\left[(A - xC)\\,\\hat{\\mathbf r}_q + C\\,\\hat{\\mathbf r}\\right],
    \\quad A = \\sum_n (2n+1) b^{n-1} f_n P_n(x),\\quad C = \\sum_n \\frac{2n+1}{n} b^{n-1} f_n P_n'(x),

which has no singular direction (collinear electrodes and a dipole at the centre need no special
case). Both sums come from Legendre's three-term recurrence run on the scaled terms
:math:`(2n+1) b^{n-1} f_n P_n(x)`, with the derivative series rewritten in :math:`P_m`
(``_series_sums``: seven in-place passes per degree), vectorised over electrodes and sources.

**Convergence rule.** With :math:`|P_n| \\le 1`, :math:`|P_n^1| \\le n + 1` and
:math:`F_N = \\max_{n>N} |f_n|` over the computed degrees (the shell factors fall from
:math:`f_1` towards a plateau: in MNE's four-shell head :math:`F_N` is 18× below :math:`f_1`
from N = 20 on, 34× at the plateau), term :math:`n > N` is bounded by
:math:`\\sqrt2\\,F_N\\,|\\mathbf Q|\\,t_n`, :math:`t_n = (2n+1)(n+1)b^{n-1}/n`. The series for a
source is truncated after the smallest degree :math:`N` for which the geometric bound of the
tail, :math:`\\sqrt2 F_N t_{N+1}/(1 - \\rho_N)` with :math:`\\rho_N = t_{N+2}/t_{N+1} < 1` (the
ratio decreases with :math:`n`), is below ``rtol`` times :math:`3|f_1|`, the size of the potential of
the same dipole at the centre. The absolute truncation error is therefore at most ``rtol`` times
:math:`3|f_1||\\mathbf Q|/(4\\pi\\sigma_N R^2)`; eccentric sources, whose potentials are larger,
are relatively more accurate. Sources are never left unconverged: a source so close to the
scalp (b near 1) that more than :func:`max_degree` terms are needed raises ``ValueError``.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import check_range, check_vec3
from neurocourse.eeg.geometry import centred_geometry
from neurocourse.eeg.homogeneous import homogeneous_lead_field
from neurocourse.eeg.shells import ShellModel

__all__ = ["lead_field", "max_degree", "n_terms", "series_lead_field", "sphere_potential"]

DEFAULT_RTOL = 1e-12
"""Default truncation tolerance of the series (relative, see the module docstring)."""

_CHUNK_ELEMENTS = 65_536  # electrodes × sources per block: 0.5 MB arrays stay in cache
_LOG_TINY = -600.0  # log of the smallest power rho^(2n+1) in the shell factors (room for n^3 factors)


def max_degree(model: ShellModel) -> int:
    """Largest Legendre degree the series of ``model`` may use.

    It is limited by the shell factors: :math:`\\rho_k^{2n+1}` (ρ the relative radius of the
    innermost interface) must stay above about 1e-260. One shell has no limit from the factors;
    4000 is used.

    Parameters
    ----------
    model : ShellModel
        The head: radii in m, conductivities in S/m.

    Returns
    -------
    int
        The largest degree n (a count of series terms).
    """
    if model.n_shells == 1:
        return 4000
    rho = model.radii[0] / model.radius
    return int(min(20_000, np.floor((-_LOG_TINY / (-np.log(rho)) - 1.0) / 2.0)))


def n_terms(b, model: ShellModel, rtol=DEFAULT_RTOL, f=None) -> np.ndarray:
    """Number of series terms needed for sources at relative radius ``b`` (the convergence rule).

    Parameters
    ----------
    b : array_like
        :math:`|\\mathbf r_q|/R`, dimensionless, each in [0, 1).
    model : ShellModel
        The head (its shell factors set F).
    rtol : float
        Target tolerance, dimensionless, in (0, 1).
    f : ndarray, optional
        Precomputed :math:`f_n`, n = 1 … :func:`max_degree`, dimensionless (speeds up repeated
        calls).

    Returns
    -------
    N : ndarray of int, shape like ``b``
        Highest degree to include (>= 1).

    Raises
    ------
    ValueError
        If a source needs more than :func:`max_degree` terms.

    References
    ----------
    Module docstring (tail bound); Mosher, Leahy & Lewis (1999) IEEE TBME 46:245 discuss the slow
    convergence for eccentric sources.
    """
    bb = check_range("b", b, 0.0, 1.0, high_inclusive=False)
    rtol = float(check_range("rtol", rtol, 0.0, 1.0, low_inclusive=False, high_inclusive=False))
    n_cap = max_degree(model)
    if f is None:
        f = model.coefficients(np.arange(1, n_cap + 1))
    F_tail = np.maximum.accumulate(np.abs(f)[::-1])[::-1]  # F_tail[N] = max |f_n|, n > N
    log_goal = np.log(rtol * 3.0 * abs(f[0]) / np.sqrt(2.0))
    flat = bb.ravel()
    logb = np.log(np.maximum(flat, 1e-300))

    def ok(N):  # tail bound after degree N below target (monotone in N once rho_N < 1)
        n1 = N + 1.0
        log_t = np.log((2 * n1 + 1) * (n1 + 1) / n1) + (n1 - 1) * logb
        rho = flat * (2 * n1 + 3) * (n1 + 2) * n1 / ((2 * n1 + 1) * (n1 + 1) ** 2)
        with np.errstate(divide="ignore"):
            tail = log_t - np.log1p(-np.minimum(rho, 1.0))
        target = log_goal - np.log(F_tail[np.minimum(N.astype(np.int64), F_tail.size - 1)])
        return (rho < 1.0) & (tail <= target)

    lo = np.zeros(flat.shape, dtype=np.int64)  # ok(lo) is False or lo = 0
    hi = np.full(flat.shape, n_cap, dtype=np.int64)
    bad = ~ok(hi.astype(float))
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"r_sources: source at relative radius b = {flat[i]:.6g} needs more than "
                         f"{n_cap} series terms for rtol = {rtol:g} (the terms fall like b**n); use a "
                         f"larger rtol or a source farther from the scalp")
    while np.any(hi - lo > 1):  # bisection, vectorised over sources
        mid = (lo + hi) // 2
        good = ok(mid.astype(float))
        hi = np.where(good, mid, hi)
        lo = np.where(good, lo, mid)
    return np.maximum(hi, 1).reshape(bb.shape)


def _series_sums(x, b, f, N, ws) -> tuple:
    """The sums A and C (module docstring), shape (E, S), for sources sorted by decreasing N.

    ``x`` is cos γ (E, S), ``b`` the relative source radii (S,), ``f`` the shell factors and
    ``N`` the number of terms per source; ``ws`` holds five (E, ≥ S) work buffers, so a block
    allocates nothing block-sized (a fresh block-sized array costs a page-faulting allocation).

    The recurrence runs on the scaled terms :math:`R_n = a_n P_n(x)`, :math:`a_n =
    (2n+1) f_n b^{n-1}`, so that :math:`A = \\sum_n R_n` costs one pass per degree:
    :math:`R_{n+1} = \\frac{2n+3}{n+1}\\frac{f_{n+1}}{f_n} b\\,x R_n - \\frac{n}{n+1}
    \\frac{a_{n+1}}{a_{n-1}} R_{n-1}` (Legendre's three-term recurrence times :math:`a_{n+1}`,
    with :math:`R_0 = a_0 = 1`). The derivative series is rewritten in :math:`P_m` with
    :math:`P_n' = \\sum_{m<n,\\ n-m\\ \\mathrm{odd}} (2m+1) P_m`:
    :math:`C = \\sum_{n\\le N} c_n P_n' = e_0 + \\sum_{m=1}^{N-1} (e_m/a_m) R_m`,
    :math:`c_n = \\frac{2n+1}{n} f_n b^{n-1}`, :math:`e_m = (2m+1)\\sum_{n>m,\\ n-m\\
    \\mathrm{odd},\\ n\\le N} c_n`; all coefficients are per-source vectors. Only the first
    k_n columns (the sources that still need degree n) are updated at degree n.
    """
    S = x.shape[1]
    A, C, t, r_prev, r = (w[:, :S] for w in ws)
    n_max = int(N[0])
    n = np.arange(1, n_max + 1)[:, None]  # degrees, (n_max, 1)
    with np.errstate(under="ignore"):  # b^(n-1) of columns that stop earlier may underflow
        bpow = b[None, :] ** (n - 1.0)  # (n_max, S)
    c_n = np.where(n <= N[None, :], (2 * n + 1) / n * f[:n_max, None] * bpow, 0.0)
    tail = np.zeros((n_max + 2, S))  # tail[n] = c_n + c_{n+2} + ... (within each N)
    for par in (1, 2):  # odd and even degrees: reverse cumulative sums with stride 2
        tail[par:n_max + 1:2] = np.cumsum(c_n[par - 1::2][::-1], axis=0)[::-1]
    e0 = tail[1]  # e_0 = c_1 + c_3 + ...
    den = f[:n_max, None] * bpow  # a_m / (2m+1)
    ratio = np.divide(tail[2:n_max + 2], den, out=np.zeros((n_max, S)), where=den != 0)
    np.multiply(x, 3.0 * f[0], out=r)  # R_1 = 3 f_1 x
    A[...] = r
    np.multiply(r, ratio[0], out=C)  # C = e_0 + (e_1/a_1) R_1
    C += e0
    r_prev[...] = 1.0  # R_0 = P_0
    active = np.searchsorted(-N, -np.arange(1, n_max + 1), side="right")  # k_n = #(N >= n)
    b2 = b * b
    for m in range(1, n_max):  # R_{m+1} for the k sources with N >= m + 1
        k = active[m]
        r1 = (2 * m + 3) * f[m] / ((m + 1) * f[m - 1]) * b[:k]
        if m == 1:
            r2 = 2.5 * f[1] * b[:k]  # (1/2) a_2 / a_0, a_0 = 1
        else:
            r2 = m * (2 * m + 3) * f[m] / ((m + 1) * (2 * m - 1) * f[m - 2]) * b2[:k]
        tk, rk, pk = t[:, :k], r[:, :k], r_prev[:, :k]
        np.multiply(x[:, :k], rk, out=tk)
        tk *= r1
        pk *= r2
        np.subtract(tk, pk, out=pk)  # R_{m+1}, in the buffer of R_{m-1}
        A[:, :k] += pk
        np.multiply(pk, ratio[m, :k], out=tk)
        C[:, :k] += tk
        r, r_prev = r_prev, r
    return A, C


def series_lead_field(model: ShellModel, r_sources, r_electrodes, rtol=DEFAULT_RTOL) -> np.ndarray:
    """Exact multi-shell EEG lead field of a :class:`ShellModel` (reference at infinity).

    One shell uses the closed form (:func:`neurocourse.eeg.homogeneous.homogeneous_lead_field`);
    more shells sum the series to ``rtol`` (module docstring).

    Parameters
    ----------
    model : ShellModel
        Radii (m), conductivities (S/m), centre (m).
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Dipole positions in m, inside the innermost shell.
    r_electrodes : array_like, shape (n_electrodes, 3)
        Electrode positions in m, on the outer sphere.
    rtol : float, default 1e-12
        Truncation tolerance of the series, dimensionless (relative to the centred potential).

    Returns
    -------
    G : ndarray, shape (n_electrodes, 3 * n_sources)
        V/(A·m), column ``3k + j`` for a unit dipole at source ``k`` along axis ``j`` (x, y, z).

    References
    ----------
    de Munck & Peters (1993) IEEE TBME 40:1166; Zhang (1995) Phys Med Biol 40:335.
    """
    src, el = centred_geometry(model, r_sources, r_electrodes)
    if model.n_shells == 1:
        return homogeneous_lead_field(src, el, model.radius, model.sigmas[0])
    R = model.radius
    el = el * (R / np.linalg.norm(el, axis=1))[:, None]  # exactly on the sphere
    n_cap = max_degree(model)
    f = model.coefficients(np.arange(1, n_cap + 1))
    rq = np.linalg.norm(src, axis=1)
    b = rq / R
    N = n_terms(b, model, rtol, f)
    order = np.argsort(-N, kind="stable")
    scale = 1.0 / (4.0 * np.pi * model.sigmas[-1] * R * R)
    uq = src / np.where(rq > 0, rq, 1.0)[:, None]  # unit r_q; 0 at the centre
    ur = el / R
    uqs, urs = scale * uq, scale * ur
    E, S = el.shape[0], src.shape[0]
    out = np.empty((E, S, 3))
    step = max(1, min(S, _CHUNK_ELEMENTS // E))
    ws = [np.empty((E, step)) for _ in range(5)]
    x, u = np.empty((E, step)), np.empty((E, step))
    for s0 in range(0, S, step):  # blocks of sources bound the memory; work is vectorised
        idx = order[s0:s0 + step]
        m = idx.size
        xb, ub = x[:, :m], u[:, :m]
        np.matmul(ur, uq[idx].T, out=xb)  # cos γ; E·3·m stays below OpenBLAS's threading size
        A, C = _series_sums(xb, b[idx], f, N[idx], ws)
        np.multiply(xb, C, out=ub)
        A -= ub  # A - x C, the coefficient of the source direction
        for j in range(3):  # L = scale [(A - x C) r̂_q + C r̂], written per component
            np.multiply(A, uqs[idx, j], out=ub)
            np.multiply(C, urs[:, j:j + 1], out=xb)
            ub += xb
            out[:, idx, j] = ub
    return out.reshape(E, 3 * S)


def lead_field(r_sources, r_electrodes, radii, sigmas, center=(0, 0, 0), *,
               rtol=DEFAULT_RTOL) -> np.ndarray:
    """Exact multi-shell EEG lead field, reference at infinity.

    Parameters
    ----------
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Source positions in m, inside the innermost shell.
    r_electrodes : array_like, shape (n_electrodes, 3)
        Electrode positions in m, on the outer sphere (see
        :func:`neurocourse.eeg.geometry.project_to_scalp`).
    radii : array_like, shape (N,)
        Shell radii in m, strictly increasing (inner → outer).
    sigmas : array_like, shape (N,)
        Shell conductivities in S/m (> 0), inner → outer.
    center : array_like, shape (3,), default (0, 0, 0)
        Sphere centre in m.
    rtol : float, default 1e-12
        Series truncation tolerance, dimensionless (convergence rule in the module docstring).

    Returns
    -------
    G : ndarray, shape (n_electrodes, 3 * n_sources)
        Lead field in V/(A·m); column ``3k + j`` is the potential for a unit dipole at source
        ``k`` along axis ``j`` (x, y, z), the column order of :func:`neurocourse.meg.lead_field`
        and of MNE-Python's free-orientation forward.

    Raises
    ------
    ValueError
        Radii not increasing, a conductivity <= 0, an electrode off the scalp, a source outside
        the innermost shell.

    References
    ----------
    de Munck & Peters (1993) IEEE TBME 40:1166; Zhang (1995) Phys Med Biol 40:335; MNE-Python
    ``_fwd_eeg_get_multi_sphere_model_coeffs`` (the shell factors).
    """
    return series_lead_field(ShellModel(radii, sigmas, center), r_sources, r_electrodes, rtol)


def sphere_potential(r_dipole, q, r_electrodes, radii, sigmas, *, center=(0, 0, 0),
                     rtol=DEFAULT_RTOL) -> np.ndarray:
    """Exact multi-shell sphere potential of one dipole, reference at infinity.

    Parameters
    ----------
    r_dipole : array_like, shape (3,)
        Dipole position in m, inside the innermost shell.
    q : array_like, shape (3,)
        Dipole moment in A·m (10 nAm = 1e-8).
    r_electrodes : array_like, shape (n, 3)
        Electrodes in m, on the outer surface.
    radii : array_like, shape (N,)
        Radii in m, inner → outer (strictly increasing).
    sigmas : array_like, shape (N,)
        Conductivities in S/m, inner → outer. One shell is the homogeneous sphere, evaluated in
        closed form.
    center : array_like, shape (3,), default (0, 0, 0)
        Centre in m.
    rtol : float, default 1e-12
        Series truncation tolerance, dimensionless (relative to the centred potential).

    Returns
    -------
    V : ndarray, shape (n,)
        Potentials in V.

    References
    ----------
    de Munck & Peters (1993) IEEE TBME 40:1166; Zhang (1995) Phys Med Biol 40:335; Kavanagh et al.
    (1978) IEEE TBME 25:421 (one shell).
    """
    r0 = check_vec3("r_dipole", r_dipole, unit="m")
    qq = check_vec3("q", q, unit="A·m")
    return lead_field(r0, r_electrodes, radii, sigmas, center, rtol=rtol) @ qq


