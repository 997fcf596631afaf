"""neurocourse.vessels.echo: GE/SE echo phases and dephasing rates (used by the exercises)."""

import numpy as np
import pytest

from neurocourse import vessels as V

# ---------------------------------------------------------------------------------------------
# field around a cylinder


def test_echo_phase_static_and_linear():
    rng = np.random.default_rng(0)
    w0 = rng.normal(0, 100, 50)  # rad/s, static offsets
    omega = np.repeat(w0[:, None], 40, axis=1)
    dt = 1e-3
    # GE: Δω TE; SE: exactly refocused (sums of equal halves), rounding only
    np.testing.assert_allclose(V.echo_phase(omega, dt, "ge"), w0 * 40 * dt, rtol=1e-13)
    np.testing.assert_allclose(V.echo_phase(omega, dt, "se"), 0.0, atol=1e-12)
    # a frequency that changes only in the second half is not refocused
    omega2 = omega.copy()
    omega2[:, 20:] += 10.0
    np.testing.assert_allclose(V.echo_phase(omega2, dt, "se"), 10.0 * 20 * dt, rtol=1e-12)
    # SE phase equals φ(TE) - 2 φ(TE/2) (the Monte Carlo's rule)
    om = rng.normal(0, 50, (5, 30))
    full = V.echo_phase(om, dt, "ge")
    half = V.echo_phase(om[:, :15], dt, "ge")
    np.testing.assert_allclose(V.echo_phase(om, dt, "se"), full - 2 * half, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="even"):
        V.echo_phase(om[:, :29], dt, "se")
    with pytest.raises(ValueError, match="sequence"):
        V.echo_phase(om, dt, "fid")


def test_dephasing_rate_gaussian_phases():
    # Gaussian phases of variance s²: |<e^{iφ}>| = e^{-s²/2} exactly in expectation.
    rng = np.random.default_rng(1)
    s, TE, n = 0.8, 0.05, 200_000
    rate = V.dephasing_rate(rng.normal(0.3, s, n), TE)
    # sampling error of the mean of cos is ~sqrt((1 - e^{-s²})/2n)/e^{-s²/2} ≈ 1.6e-3 in
    # ln S; 4 standard errors over TE gives 0.13 1/s
    assert rate == pytest.approx(s**2 / 2 / TE, abs=0.13)
    assert V.dephasing_rate(np.full(10, 2.0), TE) == pytest.approx(0.0, abs=1e-13)


def test_rank_by_sensitivity():
    radii = np.array([1, 3, 10, 30]) * 1e-6
    np.testing.assert_array_equal(V.rank_by_sensitivity(radii, [0.2, 0.9, 0.5, 0.1]), radii[[1, 2, 0, 3]])
