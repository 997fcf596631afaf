"""Potential of a current dipole in a homogeneous conducting sphere, in closed form.

For an electrode at :math:`\\mathbf r` on the surface and a dipole :math:`\\mathbf Q` at
:math:`\\mathbf r_0` (both relative to the centre), with :math:`a = |\\mathbf r - \\mathbf r_0|`
and :math:`F = a(ra + r^2 - \\mathbf r\\cdot\\mathbf r_0)`,

.. math::

    V = \\frac{(c_1 - c_2\\,\\mathbf r\\cdot\\mathbf r_0)(\\mathbf r_0\\cdot\\mathbf Q)
    + c_2 r_0^2 (\\mathbf r\\cdot\\mathbf Q)}{4\\pi\\sigma r_0^2},\\quad
    c_1 = \\frac{2(\\mathbf r\\cdot\\mathbf r_0 - r_0^2)}{a^3} + \\frac1a - \\frac1r,\\quad
    c_2 = \\frac{2}{a^3} + \\frac{a + r}{rF}

(Kavanagh et al. 1978; the form of MNE-Python's ``_do_eeg_spherepot_coil``). A dipole at the
centre gives :math:`V = 3\\mathbf Q\\cdot\\hat{\\mathbf r}/(4\\pi\\sigma r^2)`.
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_range, check_vec3
from neurocourse.eeg.geometry import centred_geometry
from neurocourse.eeg.shells import ShellModel

__all__ = ["homogeneous_lead_field", "homogeneous_potential", "scaled_dipoles_lead_field"]

_CENTRE = 1e-10  # m: closer to the centre than this, the r0 -> 0 limit is used
_CHUNK_ELEMENTS = 65_536  # electrodes × sources per block: 0.5 MB work arrays stay in cache


def _image_kernel(r_src, r_el, sigma, scales, weights) -> np.ndarray:
    """Σ_i w_i × unit-dipole potentials of dipoles at s_i r0, (n_el, 3 n_src) V/(A·m).

    Positions relative to the centre, no checks (callers validate). Each image contributes
    :math:`m_1 (s\\mathbf r_0) + c_2\\mathbf r` (module docstring, with :math:`s\\mathbf r_0` for
    :math:`\\mathbf r_0`), so two scalars per (electrode, source) pair are accumulated over the
    images, :math:`M = \\sum_i w_i s_i m_{1,i}` and :math:`K = \\sum_i w_i c_{2,i}`, and the
    lead field is :math:`M\\mathbf r_0 + K\\mathbf r`. Blocks of sources, in-place arithmetic on
    reused buffers (no block-sized temporaries), a serial-sized GEMM for r·r0.
    """
    E, S = r_el.shape[0], r_src.shape[0]
    r2 = np.einsum("ei,ei->e", r_el, r_el)[:, None]  # (E, 1), m²
    r = np.sqrt(r2)
    inv_r, r3 = 1.0 / r, r2 * r
    r02_all = np.einsum("si,si->s", r_src, r_src)  # (S,), m²
    src_T = np.ascontiguousarray(r_src.T)
    k4 = 1.0 / (4.0 * np.pi * sigma)
    G = np.empty((E, S, 3))
    step = max(1, min(S, _CHUNK_ELEMENTS // max(E, 1)))
    rr0, q, a, a3, t, u, M, K = (np.empty((E, step)) for _ in range(8))
    for s0 in range(0, S, step):  # blocks of sources bound the memory; work is vectorised
        s1 = min(s0 + step, S)
        m = s1 - s0
        rr0b, qb, ab, a3b, tb, ub, Mb, Kb = (w[:, :m] for w in (rr0, q, a, a3, t, u, M, K))
        np.matmul(r_el, src_T[:, s0:s1], out=rr0b)  # r·r0, m²
        Mb[...] = 0.0
        Kb[...] = 0.0
        for s, w in zip(scales, weights):  # a few images (Berg–Scherg: 3), each vectorised
            r02 = (s * s) * r02_all[s0:s1]  # |s r0|², (m,)
            centre = r02 <= _CENTRE ** 2
            np.multiply(rr0b, s, out=qb)  # r·(s r0)
            np.multiply(qb, -2.0, out=ab)
            ab += r2
            ab += r02
            np.maximum(ab, 0.0, out=ab)
            np.sqrt(ab, out=ab)  # a = |r - s r0|
            np.subtract(r2, qb, out=tb)  # F = a (r a + r² - r·r0)
            np.multiply(ab, r, out=ub)
            tb += ub
            tb *= ab
            tb *= r  # r F
            np.multiply(ab, ab, out=a3b)
            a3b *= ab
            np.divide(2.0, a3b, out=a3b)  # 2 / a³
            np.add(ab, r, out=ub)
            ub /= tb
            ub += a3b  # c2 = 2/a³ + (a + r)/(r F)
            np.subtract(qb, r02, out=tb)
            tb *= a3b
            np.divide(1.0, ab, out=ab)
            tb += ab
            tb -= inv_r  # c1 = 2 (r·r0 - r0²)/a³ + 1/a - 1/r
            qb *= ub
            tb -= qb  # c1 - c2 r·r0
            tb *= (w * s * k4) / np.where(centre, 1.0, r02)  # w s m1 / (4πσ)
            ub *= w * k4
            if np.any(centre):  # r0 -> 0: V = 3 Q·r̂ / (4πσ r²), along r only
                tb[:, centre] = 0.0
                ub[:, centre] = (3.0 * w * k4) / r3
            Mb += tb
            Kb += ub
        Gb = G[:, s0:s1]
        for j in range(3):  # G = M r0 + K r, written into G directly
            np.multiply(Mb, src_T[j, s0:s1], out=Gb[..., j])
            np.multiply(Kb, r_el[:, j:j + 1], out=tb)
            Gb[..., j] += tb
    return G.reshape(E, 3 * S)


def homogeneous_lead_field(r_sources, r_electrodes, radius, sigma, center=(0, 0, 0)) -> np.ndarray:
    """Closed-form EEG lead field of a homogeneous sphere (reference at infinity).

    Parameters
    ----------
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Dipole positions in m, inside the sphere.
    r_electrodes : array_like, shape (n_electrodes, 3)
        Electrode positions in m, on the sphere surface.
    radius : float
        Sphere radius R in m.
    sigma : float
        Conductivity in S/m.
    center : array_like, shape (3,)
        Sphere centre in m.

    Returns
    -------
    G : ndarray, shape (n_electrodes, 3 * n_sources)
        V/(A·m); column ``3k + j`` is the potential of a unit dipole at source ``k`` along axis
        ``j`` (x, y, z), the column order of :func:`neurocourse.meg.lead_field`.

    References
    ----------
    Kavanagh, Darcey, Lehmann & Fender (1978) IEEE TBME 25:421; MNE-Python
    ``_do_eeg_spherepot_coil``.
    """
    return scaled_dipoles_lead_field(r_sources, r_electrodes, radius, sigma, (1.0,), (1.0,),
                                     center)


def scaled_dipoles_lead_field(r_sources, r_electrodes, radius, sigma, scales, weights,
                              center=(0, 0, 0)) -> np.ndarray:
    """Weighted sum of homogeneous-sphere lead fields of dipoles at scaled positions.

    :math:`G = \\sum_i w_i\\,G_{hom}(s_i\\mathbf r_0)`: each source is replaced by dipoles of the
    same moment at :math:`s_i\\mathbf r_0` weighted by :math:`w_i`, the form of the Berg–Scherg
    approximation (:func:`neurocourse.eeg.berg_scherg.berg_scherg_lead_field`, with
    :math:`s_i = \\mu_i`, :math:`w_i = \\lambda_i`); ``scales=(1,)``, ``weights=(1,)`` is
    :func:`homogeneous_lead_field`.

    Parameters
    ----------
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Dipole positions in m, inside the sphere.
    r_electrodes : array_like, shape (n_electrodes, 3)
        Electrode positions in m, on the sphere surface.
    radius : float
        Sphere radius R in m.
    sigma : float
        Conductivity in S/m.
    scales : sequence of float
        Position factors :math:`s_i`, dimensionless, each with :math:`|s_i| \\le 1` (negative
        mirrors the dipole through the centre).
    weights : sequence of float
        Weights :math:`w_i`, dimensionless, one per scale.
    center : array_like, shape (3,)
        Sphere centre in m.

    Returns
    -------
    G : ndarray, shape (n_electrodes, 3 * n_sources)
        V/(A·m), columns as :func:`homogeneous_lead_field`.

    References
    ----------
    Kavanagh et al. (1978) IEEE TBME 25:421; Berg & Scherg (1994) Electroencephalogr Clin
    Neurophysiol 90:58; MNE-Python ``_do_eeg_spherepot_coil``.
    """
    s = np.atleast_1d(check_range("scales", scales, -1.0, 1.0)).astype(float).ravel()
    w = np.atleast_1d(as_finite("weights", weights)).astype(float).ravel()
    if s.shape != w.shape or s.size == 0:
        raise ValueError(f"weights must have one entry per scale ({s.size}), got {w.size}")
    model = ShellModel([radius], [sigma], center)
    src, el = centred_geometry(model, r_sources, r_electrodes)
    return _image_kernel(src, el, model.sigmas[0], s, w)


def homogeneous_potential(r_dipole, q, r_electrodes, radius, sigma, center=(0, 0, 0)) -> np.ndarray:
    """Closed-form potential (V, reference at infinity) of one dipole in a homogeneous sphere.

    Parameters
    ----------
    r_dipole : array_like, shape (3,)
        Dipole position in m.
    q : array_like, shape (3,)
        Dipole moment in A·m.
    r_electrodes : array_like, shape (n, 3)
        Electrodes on the surface, m.
    radius, sigma : float
        Radius in m and conductivity in S/m.
    center : array_like, shape (3,)
        Centre in m.

    Returns
    -------
    V : ndarray, shape (n,)
        Potentials in V.

    References
    ----------
    Kavanagh et al. (1978) IEEE TBME 25:421.
    """
    G = homogeneous_lead_field(check_vec3("r_dipole", r_dipole, unit="m"), r_electrodes, radius,
                               sigma, center)
    return G @ check_vec3("q", q, unit="A·m")
