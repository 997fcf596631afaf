"""Closed forms and invariants of neurocourse.hrf."""

import numpy as np
import pytest
from scipy import integrate, stats

from neurocourse import hrf


@pytest.mark.parametrize("fn", [hrf.spm_hrf, hrf.glover_hrf])
@pytest.mark.parametrize(("tr", "os", "length"), [(2.0, 50, 32.0), (0.72, 13, 30.0)])
def test_kernel_length_and_unit_sum(fn, tr, os, length):
    h = fn(tr, os, length)
    assert h.size == int(np.rint(length * os / tr))
    assert h.sum() == pytest.approx(1.0, abs=1e-12)  # normalised by its own sum: rounding only


@pytest.mark.parametrize("fn", [hrf.spm_time_derivative, hrf.glover_time_derivative,
                                hrf.spm_dispersion_derivative, hrf.glover_dispersion_derivative])
def test_derivative_kernels_sum_to_zero(fn):
    # difference of two unit-sum kernels divided by 0.1 or 0.01: rounding of order 1e-15 / 0.01
    assert abs(fn(2.0).sum()) < 1e-12


def test_time_derivative_approximates_dh_dt():
    # +dh/dt from a central difference of the kernel on its own grid; the forward difference
    # with a 0.1 s step has O(0.1 s * h'') error, a few per cent of max|h'|.
    tr, os = 1.0, 100
    t = hrf.hrf_times(tr, os)
    h = hrf.spm_hrf(tr, os)
    dh = np.gradient(h, t)
    d = hrf.spm_time_derivative(tr, os)
    assert np.max(np.abs(d - dh)) < 0.06 * np.max(np.abs(dh))


def test_hrf_times_is_nilearns_stretched_grid():
    t = hrf.hrf_times(2.0, 50, 32.0)
    assert t.size == 800 and t[0] == 0.0 and t[-1] == 32.0
    assert np.diff(t)[0] == pytest.approx(32.0 / 799, rel=1e-12)  # N-1 intervals, not N


def test_onset_shifts_the_kernel():
    # with onset = k fine samples of the stretched grid, the kernel moves by k samples
    tr, os = 2.0, 50
    t = hrf.hrf_times(tr, os)
    step = t[1] - t[0]
    a = hrf.spm_hrf(tr, os, onset=0.0)
    b = hrf.spm_hrf(tr, os, onset=10 * step)
    # the first 10 samples of b are before the response (0); the last 10 of a are cut off from b,
    # so b is a's first N-10 samples renormalised. Rounding-level agreement.
    assert np.all(b[:10] == 0)
    np.testing.assert_allclose(b[10:], a[:-10] / a[:-10].sum(), rtol=1e-10, atol=1e-16)


@pytest.mark.parametrize(("shape", "scale", "delay"), [(6.0, 1.0, 0.0), (3.0, 1.25, 2.5)])
def test_gamma_hrf_density(shape, scale, delay):
    t = np.linspace(-1, 40, 500)
    expected = stats.gamma.pdf(t, shape, loc=delay, scale=scale)
    # own gammaln formula vs scipy's gamma distribution: rounding level
    np.testing.assert_allclose(hrf.gamma_hrf(t, shape, scale, delay), expected, rtol=1e-12,
                               atol=1e-15)
    area = integrate.quad(lambda s: hrf.gamma_hrf(s, shape, scale, delay), delay, np.inf)[0]
    assert area == pytest.approx(1.0, rel=1e-8)  # quad's default accuracy
    t_fine = np.linspace(0, 20, 200001)
    peak = t_fine[np.argmax(hrf.gamma_hrf(t_fine, shape, scale, delay))]
    assert peak == pytest.approx(delay + (shape - 1) * scale, abs=1e-4)  # grid step 1e-4 s


def test_double_gamma_integral_is_one_minus_ratio():
    area = integrate.quad(lambda s: hrf.double_gamma_hrf(s, ratio=0.2), 0, np.inf, limit=200)[0]
    assert area == pytest.approx(0.8, rel=1e-8)  # each gamma density integrates to 1


def _spm_gpdf(x, h, l):
    """spm_Gpdf.m written from its definition: shape h, *rate* l (independent of the package)."""
    x = np.asarray(x, float)
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = stats.gamma.pdf(x[pos], h, scale=1.0 / l)
    return out


@pytest.mark.parametrize(("rt", "T"), [(2.0, 16), (0.5, 16), (1.3, 8)])
def test_spm_canonical_is_spm_hrf_m(rt, T):
    p = [6, 16, 1, 1, 6, 0, 32]
    dt = rt / T
    u = np.arange(0, np.ceil(p[6] / dt) + 1) - p[5] / dt
    h = _spm_gpdf(u, p[0] / p[2], dt / p[2]) - _spm_gpdf(u, p[1] / p[3], dt / p[3]) / p[4]
    h = h[np.arange(0, np.floor(p[6] / rt) + 1).astype(int) * T]
    h = h / h.sum()
    ours = hrf.spm_canonical_hrf(rt, microtime_resolution=T)
    assert ours.shape == h.shape
    np.testing.assert_allclose(ours, h, rtol=1e-12, atol=1e-15)  # two gamma formulas: rounding


def test_spm_canonical_peaks_near_5s():
    # the mode of a gamma(6, 1 s) is 5 s; the small undershoot barely moves it
    h = hrf.spm_canonical_hrf(0.01)
    assert 4.9 < np.argmax(h) * 0.01 < 5.1


def test_fir_basis_unit_sum_boxes():
    b = hrf.fir_basis(3, oversampling=4)
    assert b.shape == (3, 12)
    np.testing.assert_allclose(b.sum(axis=1), 1.0, rtol=1e-15)
    assert np.all(b[1, 4:8] == 0.25) and np.all(b[1, :4] == 0) and np.all(b[1, 8:] == 0)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: hrf.spm_hrf(-2.0), "tr must be > 0"),
    (lambda: hrf.glover_hrf(2.0, oversampling=0), "oversampling must be > 0"),
    (lambda: hrf.spm_hrf(2.0, time_length=0.01), "time_length"),
    (lambda: hrf.spm_hrf(2.0, onset=np.nan), "onset must be finite"),
    (lambda: hrf.fir_basis(0), "n_delays must be an integer >= 1"),
    (lambda: hrf.gamma_hrf([1.0], shape=-1), "shape must be > 0"),
    (lambda: hrf.spm_canonical_hrf(0.0), "rt must be > 0"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
