"""Concentric-shell head models and the shell factors :math:`f_n` of the EEG series.

A head of :math:`N` concentric spheres with radii :math:`r_1 < \\dots < r_N = R` and
conductivities :math:`\\sigma_1` (innermost, holding the sources) … :math:`\\sigma_N` (scalp)
changes the homogeneous-sphere potential only through one factor per Legendre degree
:math:`n`. With :math:`c_k = \\sigma_k/\\sigma_{k+1}` and :math:`\\rho_k = r_k/R`,

.. math::

    A_k = \\begin{pmatrix} n + (n+1)c_k & (n+1)(c_k-1)\\rho_k^{-(2n+1)} \\\\
    n(c_k-1)\\rho_k^{2n+1} & (n+1) + n c_k \\end{pmatrix},\\quad M = A_1\\cdots A_{N-1},\\quad
    f_n = \\frac{n(2n+1)^{N-1}}{n M_{22} + (n+1) M_{21}}

(Zhang 1995, eq. 2; MNE-Python ``_fwd_eeg_get_multi_sphere_model_coeffs``). Equal
conductivities give :math:`f_n = 1`, the homogeneous sphere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_positive, check_vec3

__all__ = [
    "MNE_SPHERE_RELATIVE_RADII",
    "MNE_SPHERE_SIGMAS",
    "ShellModel",
    "shell_coefficients",
    "three_shell",
]

MNE_SPHERE_RELATIVE_RADII = (0.90, 0.92, 0.97, 1.0)
"""Relative radii of MNE-Python's ``make_sphere_model`` (brain, CSF, skull, scalp)."""

MNE_SPHERE_SIGMAS = (0.33, 1.0, 0.004, 0.33)
"""Conductivities (S/m) of MNE-Python's ``make_sphere_model`` (its code default; skull 0.004)."""


@dataclass(frozen=True, eq=False)
class ShellModel:
    """Concentric spheres, validated on construction.

    Attributes
    ----------
    radii : ndarray, shape (N,)
        Shell radii in m, strictly increasing (inner → outer); ``radii[-1]`` is the scalp
        radius R where the electrodes sit.
    sigmas : ndarray, shape (N,)
        Conductivities in S/m, each > 0; ``sigmas[0]`` holds the sources.
    center : ndarray, shape (3,)
        Common centre in m.

    Raises
    ------
    ValueError
        If the radii are not positive and strictly increasing, if a conductivity is not > 0, or
        if the lengths differ.

    References
    ----------
    Zhang (1995) Phys Med Biol 40:335; de Munck & Peters (1993) IEEE TBME 40:1166.
    """

    radii: np.ndarray
    sigmas: np.ndarray
    center: np.ndarray

    def __init__(self, radii, sigmas, center=(0.0, 0.0, 0.0)):
        r = np.atleast_1d(check_positive("radii", radii, unit="m")).astype(float)
        s = np.atleast_1d(check_positive("sigmas", sigmas, unit="S/m")).astype(float)
        if r.ndim != 1 or s.ndim != 1:
            raise ValueError(f"radii and sigmas must be 1-D, got shapes {r.shape} and {s.shape}")
        if r.size != s.size:
            raise ValueError(f"sigmas must have one conductivity per shell ({r.size} radii), "
                             f"got {s.size}")
        if np.any(np.diff(r) <= 0):
            i = int(np.flatnonzero(np.diff(r) <= 0)[0])
            raise ValueError(f"radii must be strictly increasing (inner → outer), got "
                             f"radii[{i}] = {r[i]:g} m >= radii[{i + 1}] = {r[i + 1]:g} m")
        object.__setattr__(self, "radii", r)
        object.__setattr__(self, "sigmas", s)
        object.__setattr__(self, "center", check_vec3("center", center, unit="m"))

    @property
    def n_shells(self) -> int:
        """Number of shells N."""
        return int(self.radii.size)

    @property
    def radius(self) -> float:
        """Outer (scalp) radius R in m."""
        return float(self.radii[-1])

    @property
    def inner_radius(self) -> float:
        """Radius of the source compartment in m."""
        return float(self.radii[0])

    def coefficients(self, n) -> np.ndarray:
        """Shell factors :math:`f_n` (dimensionless) for degrees ``n`` (integers >= 1)."""
        return shell_coefficients(n, self.radii, self.sigmas)


def shell_coefficients(n, radii, sigmas) -> np.ndarray:
    """Shell factors :math:`f_n` of the multi-shell sphere, vectorised over the degrees.

    Parameters
    ----------
    n : array_like of int
        Legendre degrees, each >= 1.
    radii : array_like, shape (N,)
        Shell radii in m, strictly increasing; only the ratios :math:`r_k/r_N` matter.
    sigmas : array_like, shape (N,)
        Conductivities in S/m (> 0), inner → outer; only the ratios matter.

    Returns
    -------
    f : ndarray, shape like ``n``
        :math:`f_n`, dimensionless; 1 for a homogeneous sphere.

    Notes
    -----
    The arithmetic follows MNE-Python's order exactly (powers by repeated multiplication, the
    product accumulated from the outermost interface inward), so the values are bit-identical to
    MNE's; degrees up to :func:`neurocourse.eeg.series.max_degree` stay finite.

    References
    ----------
    Zhang (1995) Phys Med Biol 40:335, eq. 2; MNE-Python ``_fwd_eeg_get_multi_sphere_model_coeffs``.
    """
    model = ShellModel(radii, sigmas)
    nn = as_finite("n", n)
    if np.any(nn < 1) or np.any(nn != np.round(nn)):
        raise ValueError(f"n must hold integers >= 1, got {nn.ravel()[(nn < 1) | (nn != np.round(nn))][0]!r}")
    shape = nn.shape
    nn = nn.ravel()
    N = model.n_shells
    if N == 1:
        return np.ones(shape)
    # MNE-Python's operation order, bit for bit (the Berg–Scherg fit's COBYLA path is sensitive
    # to f_n at the 1e-16 level): rho^(2n+1) by repeated multiplication, M = A_1 (A_2 (... I)).
    c1 = model.sigmas[:-1] / model.sigmas[1:]
    c2 = c1 - 1.0
    rho = model.radii[:-1] / model.radius
    n_max = int(nn.max())
    steps = np.concatenate([rho[None, :], np.broadcast_to(rho * rho, (n_max, rho.size))])
    cr = np.cumprod(steps, axis=0)[1:][nn.astype(int) - 1]  # (n, N-1): rho^(2n+1)
    n1 = nn + 1.0
    M = np.broadcast_to(np.eye(2), (nn.size, 2, 2)).copy()
    A = np.empty_like(M)
    for k in range(N - 2, -1, -1):  # loop over the N - 1 interfaces, vectorised over n
        A[:, 0, 0] = nn + n1 * c1[k]
        A[:, 0, 1] = n1 * c2[k] / cr[:, k]
        A[:, 1, 0] = nn * c2[k] * cr[:, k]
        A[:, 1, 1] = n1 + nn * c1[k]
        M = np.matmul(A, M)
    num = nn * (2.0 * nn + 1.0) ** (N - 1)
    return (num / (nn * M[:, 1, 1] + n1 * M[:, 1, 0])).reshape(shape)


def three_shell(ratio=80.0, radii=(0.081, 0.085, 0.088), sigma_brain=0.33,
                center=(0.0, 0.0, 0.0)) -> ShellModel:
    """Brain, skull and scalp spheres with a given brain-to-skull conductivity ratio.

    Parameters
    ----------
    ratio : float, default 80
        :math:`\\sigma_{brain}/\\sigma_{skull}` (> 0): 80 is the classic value of Rush & Driscoll
        (1968); in-vivo estimates are about 15–50 (Oostendorp et al. 2000; Lai et al. 2005).
    radii : tuple of float, default (0.081, 0.085, 0.088)
        Brain (inner skull), outer skull and scalp radii in m.
    sigma_brain : float, default 0.33
        Brain and scalp conductivity in S/m.
    center : array_like, shape (3,)
        Centre in m.

    Returns
    -------
    ShellModel

    References
    ----------
    Rush & Driscoll (1968) Anesth Analg 47:717; Oostendorp, Delbeke & Stegeman (2000) IEEE TBME
    47:1487.
    """
    ratio = float(check_positive("ratio", ratio))
    sb = float(check_positive("sigma_brain", sigma_brain, unit="S/m"))
    return ShellModel(radii, (sb, sb / ratio, sb), center)
