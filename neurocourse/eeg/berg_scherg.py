"""The Berg–Scherg approximation of the multi-shell sphere, as MNE-Python fits and uses it.

The multi-shell potential is replaced by the potentials of ``n_fit`` dipoles with the same moment
at scaled positions :math:`\\mu_i\\mathbf r_q` in a **homogeneous** sphere of the scalp radius and
conductivity :math:`\\sigma_N`, weighted by :math:`\\lambda_i`:

.. math::

    V(\\mathbf r) \\approx \\sum_i \\lambda_i\\, V_{hom}(\\mathbf r;\\ \\mu_i\\mathbf r_q, \\mathbf Q),

which is exact in every degree :math:`n` where :math:`\\sum_i\\lambda_i\\mu_i^{n-1} = f_n`. The fit
follows MNE-Python ``_fit_berg_scherg_cached`` step for step: the shell factors for n = 1 … 200,
weights :math:`w_n = \\sqrt{(2n+1)(3n+1)/n}\\,f^{n-1}` (:math:`f` the innermost relative radius,
last weight 0), :math:`\\lambda_1 = f_1 - \\lambda_2 - \\lambda_3` so the dipolar term is exact,
the other :math:`\\lambda` by least squares (SVD) for given :math:`\\mu`, and :math:`\\mu` by
COBYLA from 0 with :math:`|\\mu_i| \\le 1 - 2\\cdot10^{-6}`, ``rhobeg = 0.5``, ``rhoend = 1e-4``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial

import numpy as np
from scipy import linalg
from scipy.optimize import fmin_cobyla

from neurocourse._validation import check_int
from neurocourse.eeg.geometry import centred_geometry
from neurocourse.eeg.homogeneous import scaled_dipoles_lead_field
from neurocourse.eeg.shells import ShellModel, shell_coefficients

__all__ = ["BergScherg", "berg_scherg_lead_field", "fit_berg_scherg"]


@dataclass(frozen=True)
class BergScherg:
    """Fitted Berg–Scherg parameters (dimensionless).

    Attributes
    ----------
    mu : tuple of float
        Position scale factors :math:`\\mu_i`, largest first (|μ| < 1; negative puts the dipole
        on the opposite side).
    lam : tuple of float
        Weights :math:`\\lambda_i` (:math:`\\sum\\lambda_i = f_1`).
    residual : float
        Relative residual variance of the weighted fit of :math:`f_n` (MNE's "RV").
    """

    mu: tuple
    lam: tuple
    residual: float


def _design(mu, fn, w):
    k1 = np.arange(1, fn.size)
    mu1ns = mu[0] ** k1
    y = w[:-1] * (fn[1:] - mu1ns * fn[0])
    M = w[:-1, None] * (mu[1:] ** k1[:, None] - mu1ns[:, None])
    uu, sing, vv = linalg.svd(M, full_matrices=False)
    n = mu.size - 1
    return y, uu[:, :n], sing[:n], vv[:n]


def _residual(mu, fn, w):
    if np.abs(mu).max() >= 1.0:
        return 100.0
    y, uu, _, _ = _design(mu, fn, w)
    r = y - uu @ (y @ uu)
    return float(r @ r)


@cache
def _fit_cached(rel_radii: tuple, sigmas: tuple, n_terms: int, n_fit: int) -> BergScherg:
    fn = shell_coefficients(np.arange(1, n_terms + 1), rel_radii, sigmas)
    f = min(rel_radii) / max(rel_radii)
    k = np.arange(1, n_terms + 1)
    w = np.sqrt((2.0 * k + 1) * (3.0 * k + 1.0) / k) * f ** (k - 1.0)
    w[-1] = 0.0
    catol = 1e-6
    bound = 1.0 - 2 * catol
    mu = fmin_cobyla(partial(_residual, fn=fn, w=w), np.zeros(n_fit),
                     [lambda x: bound - np.abs(x)], rhobeg=0.5, rhoend=1e-4, catol=catol, disp=0)
    y, uu, sing, vv = _design(mu, fn, w)
    vec = y @ uu
    resi = y - uu @ vec
    lam = np.zeros(n_fit)
    lam[1:] = (vec / sing) @ vv
    lam[0] = fn[0] - lam[1:].sum()
    order = np.argsort(mu)[::-1]
    return BergScherg(tuple(float(m) for m in mu[order]), tuple(float(v) for v in lam[order]),
                      float(resi @ resi / (y @ y)))


def fit_berg_scherg(radii, sigmas, n_terms=200, n_fit=3) -> BergScherg:
    """Fit the Berg–Scherg equivalent dipoles of a multi-shell sphere (MNE's procedure).

    Parameters
    ----------
    radii : array_like, shape (N,)
        Shell radii in m (or relative radii), strictly increasing; N >= 2.
    sigmas : array_like, shape (N,)
        Conductivities in S/m, inner → outer.
    n_terms : int, default 200
        Number of shell factors fitted (MNE: 200).
    n_fit : int, default 3
        Number of equivalent dipoles (MNE: 3), >= 2.

    Returns
    -------
    BergScherg
        μ and λ (dimensionless; λ multiplies a homogeneous-sphere potential with σ = σ_N).

    References
    ----------
    Berg & Scherg (1994) Electroencephalogr Clin Neurophysiol 90:58; MNE-Python
    ``mne/bem.py::_fit_berg_scherg_cached``.
    """
    model = ShellModel(radii, sigmas)
    if model.n_shells < 2:
        raise ValueError(f"radii must describe at least 2 shells for a Berg–Scherg fit, got "
                         f"{model.n_shells}")
    rel = tuple(float(r) for r in model.radii / model.radius)
    return _fit_cached(rel, tuple(float(s) for s in model.sigmas),
                       check_int("n_terms", n_terms, 3), check_int("n_fit", n_fit, 2))


def berg_scherg_lead_field(r_sources, r_electrodes, radii, sigmas, center=(0, 0, 0),
                           params: BergScherg | None = None) -> np.ndarray:
    """Berg–Scherg approximate EEG lead field (reference at infinity), MNE's sphere EEG forward.

    Parameters
    ----------
    r_sources : array_like, shape (n_sources, 3) or (3,)
        Sources in m, inside the innermost shell.
    r_electrodes : array_like, shape (n_electrodes, 3)
        Electrodes in m, on the outer sphere.
    radii, sigmas : array_like, shape (N,)
        Shell radii (m, increasing) and conductivities (S/m).
    center : array_like, shape (3,)
        Centre in m.
    params : BergScherg, optional
        Fitted parameters; default :func:`fit_berg_scherg` of ``radii`` and ``sigmas``.

    Returns
    -------
    G : ndarray, shape (n_electrodes, 3 * n_sources)
        V/(A·m), columns as :func:`neurocourse.eeg.lead_field`.

    References
    ----------
    Berg & Scherg (1994) Electroencephalogr Clin Neurophysiol 90:58; MNE-Python
    ``_do_eeg_spherepot_coil``.
    """
    model = ShellModel(radii, sigmas, center)
    src, el = centred_geometry(model, r_sources, r_electrodes)
    p = fit_berg_scherg(model.radii, model.sigmas) if params is None else params
    # the n_fit (3) equivalent dipoles, summed per (electrode, source) pair before the
    # three moment components are formed
    return scaled_dipoles_lead_field(src, el, model.radius, model.sigmas[-1], p.mu, p.lam)
