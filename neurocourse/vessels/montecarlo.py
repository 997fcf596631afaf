"""Monte Carlo of spins diffusing among randomly oriented cylinders: GE and SE ΔR2 vs vessel size.

Lengths in m, times in s, fields in T, diffusion coefficients in m²/s, rates in 1/s.

References
----------
Weisskoff et al. (1994), MRM 31:601 and Boxerman et al. (1995), MRM 34:555 (Monte Carlo of spins
diffusing among randomly oriented cylinders; GE vs SE vessel-size sensitivity).
Yablonskiy & Haacke (1994), MRM 32:749 (the static-dephasing limit it approaches).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import roots_legendre

from neurocourse._validation import check_positive, check_range
from neurocourse.vessels.field import DCHI_DO_SI, GAMMA, blood_susceptibility
from neurocourse.vessels.sdt import yh_dR2star

__all__ = ["VesselMCResult", "VesselParams", "simulate_vessel_mc"]


@dataclass(frozen=True)
class VesselParams:
    """Physiological parameters of the vessel Monte Carlo.

    Attributes
    ----------
    zeta : float
        Blood volume fraction of the simulated vessel class, default 0.02
        (Boxerman et al. 1995 used a few percent).
    Hct : float
        Haematocrit, default 0.4 (large-vessel value).
    Y : float
        Oxygen saturation, default 0.6 (resting venous blood).
    dchi_do : float
        SI susceptibility of fully deoxygenated blood per unit Hct, default :data:`DCHI_DO_SI`.
    D : float
        Water diffusion coefficient, m²/s, default 1e-9 (1 µm²/ms; Boxerman et al. 1995).
    """

    zeta: float = 0.02
    Hct: float = 0.4
    Y: float = 0.6
    dchi_do: float = DCHI_DO_SI
    D: float = 1e-9

    @property
    def dchi(self) -> float:
        """SI susceptibility difference of blood relative to tissue (dimensionless)."""
        return float(blood_susceptibility(self.Hct, self.Y, self.dchi_do))


@dataclass(frozen=True)
class VesselMCResult:
    """Output of :func:`simulate_vessel_mc`.

    Attributes
    ----------
    radii : ndarray, shape (n_r,)
        Vessel radii, m.
    B0 : ndarray, shape (n_B,)
        Field strengths, T.
    TE : ndarray, shape (n_TE,)
        Echo times, s. In the walk each is rounded to an even number of time steps (relative
        change < dt/TE, ≤ 0.3 % at the defaults), and the rates use the rounded value.
    dR2star_ge, dR2_se : ndarray, shape (n_B, n_TE, n_r)
        Extravascular relaxation-rate change for gradient echo and spin echo, s⁻¹.
    dR2star_ge_sem, dR2_se_sem : ndarray, shape (n_B, n_TE, n_r)
        Monte Carlo standard errors of the two, from the spread between independent vessel
        arrangements (boxes), s⁻¹.
    delta_omega : ndarray, shape (n_B,)
        Yablonskiy–Haacke δω at each field, rad/s.
    static_dR2star : ndarray, shape (n_B, n_TE)
        Yablonskiy–Haacke static-dephasing ΔR2* at each field and TE, s⁻¹.
    """

    radii: np.ndarray
    B0: np.ndarray
    TE: np.ndarray
    dR2star_ge: np.ndarray
    dR2_se: np.ndarray
    dR2star_ge_sem: np.ndarray
    dR2_se_sem: np.ndarray
    delta_omega: np.ndarray
    static_dR2star: np.ndarray


def _min_image(d, L):
    return d - L * np.round(d / L)


def _place_disks(n, L, min_sep, rng):
    """Random non-overlapping centres in a periodic box of side L (all in units of R)."""
    c = rng.uniform(0.0, L, (n, 2))
    for _ in range(10_000):
        d = _min_image(c[:, None, :] - c[None, :, :], L)
        close = np.hypot(d[..., 0], d[..., 1]) < min_sep
        close = np.tril(close, k=-1)  # a later disk that hits an earlier one is redrawn
        bad = close.any(axis=1)
        if not bad.any():
            return c
        c[bad] = rng.uniform(0.0, L, (int(bad.sum()), 2))
    raise ValueError(
        f"could not place {n} non-overlapping vessels; zeta is too large for random placement "
        f"(use zeta <= 0.3)"
    )


def _field_grid(centres, L, n_grid, n_images=1, chunk=4):
    """Tabulate the dimensionless field (R/r)² cos 2φ of the disks and their periodic images.

    Returns per-cell bilinear coefficients, shape (n, n, 4), for the field sampled on the nodes
    (i h, j h); per cell, the index of the disk centre nearest to the cell centre; and per cell
    whether that disk can reach into the cell. Inside a disk the outside formula is continued
    analytically (r clamped at R/2) so that interpolation near the wall uses smooth values;
    interior values are never used for spins.
    """
    h = L / n_grid
    g = np.arange(n_grid) * h
    shifts = np.arange(-n_images, n_images + 1) * L
    sx = (centres[:, 0][:, None, None] + shifts[None, :, None]
          + 0.0 * shifts[None, None, :]).ravel()
    sy = (centres[:, 1][:, None, None] + 0.0 * shifts[None, :, None]
          + shifts[None, None, :]).ravel()
    field = np.empty((n_grid, n_grid))
    owner = np.empty((n_grid, n_grid), dtype=np.intp)
    dist2 = np.empty((n_grid, n_grid))
    dy = g[:, None] - sy[None, :]
    dy2 = dy * dy  # (n_grid, n_src): the same products as (dy * dy) on the broadcast grid
    ddy = _min_image(g[:, None] + 0.5 * h - centres[None, :, 1], L)
    ddy2 = ddy * ddy
    rows = min(chunk, n_grid)
    num = np.empty((rows, n_grid, sx.size))
    den = np.empty_like(num)
    for start in range(0, n_grid, chunk):  # chunks of grid rows bound the memory (and fit cache)
        stop = min(start + chunk, n_grid)
        dx = g[start:stop, None] - sx[None, :]
        dx2 = (dx * dx)[:, None, :]
        a, b = num[: stop - start], den[: stop - start]
        np.subtract(dx2, dy2[None], out=a)
        np.add(dx2, dy2[None], out=b)
        np.maximum(b, 0.25, out=b)
        np.multiply(b, b, out=b)
        np.divide(a, b, out=a)
        field[start:stop] = a.sum(axis=-1)
        ddx = _min_image(g[start:stop, None] + 0.5 * h - centres[None, :, 0], L)
        d2 = (ddx * ddx)[:, None, :] + ddy2[None]
        owner[start:stop] = np.argmin(d2, axis=-1)
        dist2[start:stop] = d2.min(axis=-1)
    # A point of a cell is within h/√2 of the cell centre, so (triangle inequality on the torus)
    # it can lie inside the nearest disk only if that disk's centre is closer than 1 + h/√2 to
    # the cell centre; the margin 1e-6 R dwarfs the rounding of positions and cell indices.
    near = np.sqrt(dist2) <= 1.0 + h / np.sqrt(2.0) + 1e-6
    f00 = field
    f10 = np.roll(field, -1, axis=0)
    f01 = np.roll(field, -1, axis=1)
    f11 = np.roll(f10, -1, axis=1)
    coef = np.stack([f00, f10 - f00, f01 - f00, f11 - f10 - f01 + f00], axis=-1)
    return coef, owner, near


def _locate(x, y, box_offset, geom):
    """Flat cell index and fractional offsets of positions (x, y) in [0, L)² (units of R)."""
    n, h = geom["n"], geom["h"]
    u = x * (1.0 / h)
    v = y * (1.0 / h)
    i = np.minimum(u.astype(np.intp), n - 1)
    j = np.minimum(v.astype(np.intp), n - 1)
    return box_offset + i * n + j, u - i, v - j


def _interp(geom, cell, fu, fv):
    """Bilinear interpolation of the tabulated field in the given cells."""
    c = np.take(geom["coef"], cell, axis=0).T  # np.take is much faster than fancy indexing
    return c[0] + fu * (c[1] + fv * c[3]) + fv * c[2]


def _initial_positions(n, centres, L, rng):
    out = np.empty((0, 2))
    while out.shape[0] < n:
        p = rng.uniform(0.0, L, (2 * n, 2))
        d = _min_image(p[:, None, :] - centres[None, :, :], L)
        ok = (d[..., 0] ** 2 + d[..., 1] ** 2 >= 1.0).all(axis=1)
        out = np.concatenate([out, p[ok]])
    return out[:n]


def _make_geometry(n_boxes, n_vessels, zeta, rng, h_target=0.2):
    """Independent periodic boxes of disks (units of R) with their tabulated fields.

    The minimum distance between centres, 2 + 2h, guarantees that a point inside a disk is
    closer to that disk's centre than to any other, also when judged from its cell's centre.
    ``check`` holds, per cell, the global index of that nearest disk where the disk can reach
    into the cell, and -1 where no point of the cell can be inside a vessel.
    """
    L = float(np.sqrt(n_vessels * np.pi / zeta))
    n_grid = int(np.ceil(L / h_target))
    h = L / n_grid
    centres = np.stack([_place_disks(n_vessels, L, 2.0 + 2.0 * h, rng) for _ in range(n_boxes)])
    grids = [_field_grid(c, L, n_grid) for c in centres]
    coef = np.concatenate([g[0].reshape(-1, 4) for g in grids])
    check = np.concatenate([np.where(g[2], g[1] + k * n_vessels, -1).ravel()
                            for k, g in enumerate(grids)])
    return {"centres": centres, "L": L, "n": n_grid, "h": h, "coef": coef,
            "check": check.astype(np.min_scalar_type(-n_boxes * n_vessels)),
            "near": check >= 0,  # 1 byte per cell: the table the walk reads for every spin
            "cx": centres[..., 0].ravel(), "cy": centres[..., 1].ravel()}


def _wrap(a, L, mask):
    """In place, ``a % L`` (np.remainder) for a float64 array ``a``, bit for bit.

    Only the entries outside [0, L) are passed to np.remainder (≈ 20 ns per element): for
    0 <= a < L the remainder is ``a`` itself. They are found with one comparison of the bit
    patterns as unsigned integers, which order like the values for a >= +0 and put every
    negative value (and -0.0, which np.remainder turns into +0.0) above the pattern of L.
    """
    np.greater_equal(a.view(np.uint64), np.float64(L).view(np.uint64), out=mask)
    out = np.flatnonzero(mask)
    if out.size:
        flat = a.reshape(-1)
        flat[out] = np.remainder(flat[out], L)


def _phase_history(R, D, t_snap_steps, dt, n_steps, geom, n_spins, rng, block=16):
    """Accumulated dimensionless phase ∫F dt (s) at the snapshot step indices, per spin.

    Spins are split equally between the boxes of ``geom``; spin i lives in box
    ``i // (n_spins // n_boxes)``. The walk draws its steps from ``rng`` as
    ``standard_normal((n_steps, 2, n_spins))`` in blocks of ``block`` time steps (the stream,
    hence the result, does not depend on ``block``).

    Per step, all arrays are updated in place: the field at the current positions is kept
    (so the field is interpolated once per step, at the proposed positions), and the exact
    inside-vessel test runs only for the few spins whose proposed cell can reach into a vessel
    (``geom["near"]``); every other spin is outside by construction. The arithmetic is the
    same, operation for operation, as the plain formulation (``(x + step) % L``, bilinear
    interpolation, nearest-disk test for all spins), so the phases are bit-identical to it.
    """
    centres, L, n = geom["centres"], geom["L"], geom["n"]
    n_boxes = centres.shape[0]
    per_box = n_spins // n_boxes
    box_offset = np.repeat(np.arange(n_boxes) * (n * n), per_box)
    pos = np.concatenate([_initial_positions(per_box, c, L, rng) for c in centres])
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    cell, fu, fv = _locate(x, y, box_offset, geom)
    want = set(int(k) for k in t_snap_steps)
    F = _interp(geom, cell, fu, fv)  # field at the current positions
    if D == 0.0:
        return {k: F * (k * dt) for k in want}
    sigma = np.sqrt(2.0 * D * dt) / R  # rms step per axis, in units of R
    inv_h = 1.0 / geom["h"]
    coef, check, cx, cy = geom["coef"], geom["check"], geom["cx"], geom["cy"]
    near_cell = geom["near"]
    phi = np.zeros(n_spins)
    snaps = {0: phi.copy()} if 0 in want else {}
    xy = np.stack([x, y])  # current positions, (2, n_spins)
    new = np.empty_like(xy)  # proposed positions
    uv = np.empty_like(xy)  # scaled, then fractional, coordinates of the proposals
    ij = np.empty(xy.shape, dtype=np.intp)
    mask = np.empty(xy.shape, dtype=bool)
    Fn, tmp = np.empty(n_spins), np.empty(n_spins)
    c4 = np.empty((n_spins, 4))
    c = c4.T
    flag = np.empty(n_spins, dtype=bool)
    buf = np.empty((block, 2, n_spins))
    for start in range(0, n_steps, block):
        nb = min(block, n_steps - start)
        steps = rng.standard_normal((nb, 2, n_spins), out=buf[:nb])
        steps *= sigma
        for b in range(nb):
            np.multiply(F, dt, out=tmp)
            phi += tmp
            np.add(xy, steps[b], out=new)
            _wrap(new, L, mask)
            np.multiply(new, inv_h, out=uv)
            np.copyto(ij, uv, casting="unsafe")  # truncation, as astype(np.intp)
            np.minimum(ij, n - 1, out=ij)
            np.subtract(uv, ij, out=uv)  # fractional offsets within the cell
            cn = ij[0]
            cn *= n
            cn += ij[1]
            cn += box_offset
            np.take(near_cell, cn, out=flag)
            near = np.flatnonzero(flag)
            if near.size:  # exact test against the nearest disk, as for every spin before
                k = np.take(check, cn[near])
                dx = _min_image(new[0, near] - np.take(cx, k), L)
                dy = _min_image(new[1, near] - np.take(cy, k), L)
                rej = near[dx * dx + dy * dy < 1.0]  # steps into a vessel are rejected
            # bilinear interpolation at the proposals: c0 + fu (c1 + fv c3) + fv c2
            np.take(coef, cn, axis=0, out=c4)
            np.multiply(uv[1], c[3], out=Fn)
            Fn += c[1]
            Fn *= uv[0]
            Fn += c[0]
            np.multiply(uv[1], c[2], out=tmp)
            Fn += tmp
            if near.size and rej.size:
                new[:, rej] = xy[:, rej]
                Fn[rej] = F[rej]
            xy, new = new, xy
            F, Fn = Fn, F
            k = start + b + 1
            if k in want:
                snaps[k] = phi.copy()
    return snaps


def simulate_vessel_mc(
    radii,
    B0=3.0,
    TE=0.03,
    *,
    params: VesselParams = VesselParams(),
    n_spins: int = 10_000,
    n_orientations: int = 8,
    n_vessels: int = 20,
    n_boxes: int = 8,
    step_fraction: float = 1.0 / 6.0,
    max_dt: float = 1e-4,
    rng=0,
) -> VesselMCResult:
    """Monte Carlo of extravascular GRE and SE relaxation among randomly oriented cylinders.

    Water spins random-walk (diffusion coefficient ``params.D``) in the plane perpendicular to
    ``n_vessels`` parallel, impermeable cylinders of radius R, randomly placed without overlap in
    each of ``n_boxes`` independent periodic square boxes whose size gives the blood volume
    fraction ``params.zeta``. A step that would enter a vessel is rejected. The field is the
    superposition of the outside field of :func:`cylinder_field` over the disks and their
    nearest periodic images (a 3×3 block of boxes), tabulated on a grid of spacing ≈ R/5 and
    interpolated bilinearly. Orientation is treated as in the "domains of aligned vessels"
    model: the field scales with sin²θ, and signals are averaged over θ with Gauss–Legendre
    nodes in cos θ (isotropic weights). Gradient echo: S = |⟨e^{iφ(TE)}⟩|. Spin echo: the phase
    is negated at TE/2 (ideal 180° pulse), S = |⟨e^{i[φ(TE) - 2φ(TE/2)]}⟩|. Then
    ΔR2 = -ln S / TE.

    Because the accumulated phase is linear in Δχ·B0·sin²θ, one set of trajectories serves all
    fields and orientations; trajectories are simulated once per radius, in units of R, with the
    same vessel arrangement for every radius.

    Parameters
    ----------
    radii : array_like, shape (n_r,)
        Vessel radii, m (> 0).
    B0 : float or array_like, shape (n_B,)
        Main field(s), T (> 0).
    TE : float or array_like, shape (n_TE,)
        Echo time(s), s (> 0); GRE and SE are both evaluated at every TE.
    params : VesselParams
        Volume fraction, haematocrit, saturation, susceptibility and diffusion coefficient.
    n_spins : int, default 10000
        Spins per radius.
    n_orientations : int, default 8
        Gauss–Legendre nodes in cos θ ∈ [0, 1].
    n_vessels : int, default 20
        Disks in each periodic box.
    n_boxes : int, default 8
        Independent random vessel arrangements; the spins are split equally between them, and
        the standard errors come from the spread between boxes, so they include the variability
        of the geometry as well as the finite number of spins.
    step_fraction : float, default 1/6
        Upper bound of the rms diffusion step per axis, as a fraction of R.
    max_dt : float, default 1e-4
        Upper bound of the time step, s.
    rng : int or numpy.random.Generator, default 0
        Seed or generator; the geometry and the walks are drawn from it.

    Returns
    -------
    VesselMCResult
        ΔR2* (GRE) and ΔR2 (SE) in s⁻¹ with standard errors, shape (n_B, n_TE, n_r).

    Notes
    -----
    Follows Boxerman et al. (1995), MRM 34:555 and Weisskoff et al. (1994), MRM 31:601, with the
    2-D periodic geometry and orientation domains of the course reference sheet (fmri.md §6.2).
    Only the extravascular signal is modelled (no intravascular spins, no blood T2). Averaging
    signals over orientation domains differs from Yablonskiy–Haacke's exponent average at
    O(ζ²). The result depends only on ζ, δω·TE and δω·R²/D: scaling R → sR with D → s²D leaves
    it unchanged.
    """
    radii = np.atleast_1d(check_positive("radii", radii, unit="m"))
    B0 = np.atleast_1d(check_positive("B0", B0, unit="T"))
    TE = np.atleast_1d(check_positive("TE", TE, unit="s"))
    if radii.ndim != 1 or B0.ndim != 1 or TE.ndim != 1:
        raise ValueError("radii, B0 and TE must be scalars or 1-D arrays")
    zeta = float(check_range("zeta", params.zeta, 0.0, 1.0, low_inclusive=False,
                             high_inclusive=False))
    D = float(check_positive("D", params.D, unit="m^2/s", allow_zero=True))
    for name, val, lo in [("n_spins", n_spins, 2), ("n_orientations", n_orientations, 1),
                          ("n_vessels", n_vessels, 1), ("n_boxes", n_boxes, 2)]:
        if int(val) != val or val < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {val!r}")
    if n_spins % n_boxes:
        raise ValueError(f"n_spins must be a multiple of n_boxes={n_boxes}, got {n_spins}")
    check_range("step_fraction", step_fraction, 0.0, 1.0, low_inclusive=False)
    check_positive("max_dt", max_dt, unit="s")
    rng = np.random.default_rng(rng)  # a Generator is passed through unchanged

    # geometry in units of R, shared by all radii
    geom = _make_geometry(n_boxes, n_vessels, zeta, rng)

    dchi = params.dchi
    dw_eq = GAMMA * dchi * B0 / 2.0  # equatorial surface shift, rad/s, shape (n_B,)
    mu, wmu = roots_legendre(n_orientations)
    mu, wmu = 0.5 * (mu + 1.0), 0.5 * wmu  # nodes in cos θ on [0, 1], weights sum to 1
    sin2 = 1.0 - mu**2
    scale = dw_eq[:, None, None] * sin2[None, None, :]  # (n_B, 1, n_θ)

    te_max = TE.max()
    shape = (B0.size, TE.size, radii.size)
    ge, se, ge_sem, se_sem = (np.empty(shape) for _ in range(4))
    for ir, R in enumerate(radii):  # each radius has its own time step and walk
        dt_R = max_dt if D == 0 else min(max_dt, (step_fraction * R) ** 2 / (2.0 * D))
        n_steps = 2 * int(np.ceil(te_max / (2.0 * dt_R)))
        dt = te_max / n_steps
        k_te = 2 * np.maximum(np.rint(TE / (2.0 * dt)).astype(int), 1)
        te_eff = k_te * dt
        snaps = _phase_history(R, D, np.concatenate([k_te, k_te // 2]), dt, n_steps, geom,
                               n_spins, rng)
        phi_ge = np.stack([snaps[k] for k in k_te])  # (n_TE, n_spins), s
        phi_se = phi_ge - 2.0 * np.stack([snaps[k // 2] for k in k_te])
        for phi, out, out_sem in [(phi_ge, ge, ge_sem), (phi_se, se, se_sem)]:
            # complex signal per field, TE, orientation and box
            ph = scale[..., None] * phi[None, :, None, :]  # (n_B, n_TE, n_θ, n_spins)
            z = np.exp(1j * ph).reshape(*ph.shape[:-1], n_boxes, -1).mean(axis=-1)
            zb = np.einsum("btkm,k->btm", z, wmu)  # orientation-averaged, per box
            rate_b = -np.log(np.abs(zb)) / te_eff[None, :, None]
            out[..., ir] = -np.log(np.abs(zb.mean(axis=-1))) / te_eff[None, :]
            out_sem[..., ir] = rate_b.std(axis=-1, ddof=1) / np.sqrt(n_boxes)

    dw_yh = GAMMA * dchi * B0 / 3.0
    static = np.asarray(yh_dR2star(TE[None, :], zeta, dw_yh[:, None]))
    return VesselMCResult(radii=radii, B0=B0, TE=TE, dR2star_ge=ge, dR2_se=se,
                          dR2star_ge_sem=ge_sem, dR2_se_sem=se_sem, delta_omega=dw_yh,
                          static_dR2star=static)
