"""m-sequences, jitter and null events (neurocourse.design.sequences) against scipy and closed forms."""

import numpy as np
import pytest
import scipy.signal

from neurocourse import design


@pytest.mark.parametrize("n_bits", range(2, 13))
def test_m_sequence_equals_scipy_and_has_the_properties(n_bits):
    s = design.m_sequence(n_bits)
    np.testing.assert_array_equal(s, scipy.signal.max_len_seq(n_bits)[0])
    L = 2**n_bits - 1
    assert s.size == L and s.sum() == 2 ** (n_bits - 1)
    pm = 2.0 * s - 1.0
    acf = np.real(np.fft.ifft(np.abs(np.fft.fft(pm)) ** 2))  # circular autocorrelation
    np.testing.assert_allclose(acf, np.r_[L, -np.ones(L - 1)], atol=1e-8)  # FFT rounding


def test_m_sequence_with_explicit_taps_and_state():
    state = [1, 0, 1, 1, 0]
    ref = scipy.signal.max_len_seq(5, state=state, taps=[2])[0]
    np.testing.assert_array_equal(design.m_sequence(5, taps=[2], state=state), ref)


def test_jittered_onsets_statistics():
    on = design.jittered_onsets(20000, 4.0, 2.0, rng=0)
    isi = np.diff(on)
    assert isi.min() >= 2.0
    # truncated exponential: mean 4 s, SD 2 s; SE of the mean 2 / sqrt(2e4) = 0.014 s
    assert abs(isi.mean() - 4.0) < 0.06 and abs(isi.std() - 2.0) < 0.06
    u = np.diff(design.jittered_onsets(20000, 4.0, 2.0, "uniform", rng=1))
    assert u.min() >= 2.0 and u.max() <= 6.0 and abs(u.mean() - 4.0) < 0.03
    np.testing.assert_allclose(np.diff(design.jittered_onsets(5, 3.0, distribution="fixed")), 3.0)


def test_trial_sequence_and_events():
    codes = design.trial_sequence(30000, 2, p_null=1 / 3, rng=2)
    frac = np.bincount(codes, minlength=3) / codes.size
    np.testing.assert_allclose(frac, 1 / 3, atol=0.015)  # 5 SE of a proportion at n = 3e4
    ev = design.sequence_events(np.array([0, 1, 2, 0, 1]), 2.5, names=["A", "B"])
    np.testing.assert_array_equal(ev.onsets, [2.5, 5.0, 10.0])
    assert list(ev.conditions) == ["A", "B", "A"]


def test_null_events_raise_main_effect_efficiency_at_short_soa():
    # Dale 1999: at a 2 s SOA, null events make the A + B main effect far more estimable
    from neurocourse import simulate

    e0 = simulate.event_design_efficiency(2.0, 0.0)
    e1 = simulate.event_design_efficiency(2.0, 1 / 3)
    assert e1["A + B"] > e0["A + B"]


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.m_sequence(1), "n_bits must be an integer >= 2"),
    (lambda: design.m_sequence(4, state=[0, 0, 0, 0]), "not all zero"),
    (lambda: design.jittered_onsets(5, 2.0, 3.0), r"min_isi must be in \[0, 2\)"),
    (lambda: design.trial_sequence(5, p_null=1.0), r"p_null must be in \[0, 1\)"),
    (lambda: design.sequence_events(np.array([0, 0]), 2.0), "at least one non-null"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
