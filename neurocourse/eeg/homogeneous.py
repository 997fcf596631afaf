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

from neurocourse._validation import check_vec3
from neurocourse.eeg.geometry import centred_geometry
from neurocourse.eeg.shells import ShellModel

__all__ = ["homogeneous_lead_field", "homogeneous_potential"]

_CENTRE = 1e-10  # m: closer to the centre than this, the r0 -> 0 limit is used


def _homogeneous_kernel(r_src: np.ndarray, r_el: np.ndarray, sigma: float) -> np.ndarray:
    """Unit-dipole potentials, shape (n_el, n_src, 3), V/(A·m); positions relative to the centre.

    Vectorised over (electrode, source) pairs; no checks (callers validate).
    """
    r2 = np.einsum("ei,ei->e", r_el, r_el)[:, None]  # (E, 1)
    r = np.sqrt(r2)
    r02 = np.einsum("si,si->s", r_src, r_src)[None, :]  # (1, S)
    rr0 = r_el @ r_src.T  # (E, S)
    a = np.sqrt(np.maximum(r2 + r02 - 2.0 * rr0, 0.0))
    F = a * (r * a + r2 - rr0)
    a3 = 2.0 / (a * a * a)
    c1 = a3 * (rr0 - r02) + 1.0 / a - 1.0 / r
    c2 = a3 + (a + r) / (r * F)
    centre = r02[0] <= _CENTRE ** 2
    safe = np.where(centre, 1.0, r02)
    m1 = (c1 - c2 * rr0) / safe  # coefficient of r0
    out = m1[:, :, None] * r_src[None, :, :] + c2[:, :, None] * r_el[:, None, :]
    if np.any(centre):
        out[:, centre, :] = (3.0 / (r2 * r))[:, :, None] * r_el[:, None, :]
    return out / (4.0 * np.pi * sigma)


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
    model = ShellModel([radius], [sigma], center)
    src, el = centred_geometry(model, r_sources, r_electrodes)
    K = _homogeneous_kernel(src, el, model.sigmas[0])
    return K.reshape(el.shape[0], -1)


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
