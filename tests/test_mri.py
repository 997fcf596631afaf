"""Closed-form and optimiser tests for neurocourse.mri (reference sheet fmri.md §4)."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from neurocourse import mri


def test_ernst_angle_maximises_signal_numerically():
    # Independent witness: a bounded scalar optimiser on -S over the flip angle.
    for TR, T1 in [(0.5, 1.3), (2.0, 1.3), (0.05, 1.5), (3.0, 0.8)]:
        res = minimize_scalar(
            lambda a, TR=TR, T1=T1: -mri.spoiled_gre_signal(T1, 0.05, TR, 0.03, a),
            bounds=(0.1, 179.9), method="bounded", options={"xatol": 1e-9},
        )
        # 2e-6 deg: the maximum is quadratic, so S is flat to rounding within ~sqrt(eps) * 90°
        # ≈ 1e-6 deg of the peak; no optimiser can do better. Radians or TR/T1 swaps miss by > 1°.
        assert abs(res.x - mri.ernst_angle(TR, T1)) < 2e-6
        # derivative is zero at the Ernst angle (central difference, step 1e-5 deg)
        a = mri.ernst_angle(TR, T1)
        h = 1e-5
        dS = (mri.spoiled_gre_signal(T1, 0.05, TR, 0.03, a + h)
              - mri.spoiled_gre_signal(T1, 0.05, TR, 0.03, a - h)) / (2 * h)
        # the curvature term cancels in a central difference; 1e-9 bounds round-off / h
        assert abs(dS) < 1e-9


def test_signal_at_ernst_angle_identity():
    rng = np.random.default_rng(0)
    T1 = rng.uniform(0.3, 4.0, 50)
    TR = rng.uniform(0.01, 5.0, 50)
    TE = rng.uniform(0.0, 0.08, 50)
    T2s = rng.uniform(0.01, 0.1, 50)
    M0 = rng.uniform(0.5, 2.0, 50)
    E1 = np.exp(-TR / T1)
    expected = M0 * np.sqrt((1 - E1) / (1 + E1)) * np.exp(-TE / T2s)
    got = mri.spoiled_gre_signal(T1, T2s, TR, TE, mri.ernst_angle(TR, T1), M0)
    # algebraic identity: only rounding error (a few ulps through cos/arccos/sin)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_ninety_degree_and_limits():
    T1, T2s, TR, TE = 1.3, 0.05, 0.8, 0.03
    E1 = np.exp(-TR / T1)
    # 90°: cos = 0 removes the denominator; rtol 1e-12 is rounding only
    np.testing.assert_allclose(mri.spoiled_gre_signal(T1, T2s, TR, TE, 90.0),
                               (1 - E1) * np.exp(-TE / T2s), rtol=1e-12)
    # TE = 0 removes the decay factor
    np.testing.assert_allclose(mri.spoiled_gre_signal(T1, T2s, TR, 0.0, 90.0), 1 - E1, rtol=1e-12)
    # TR >> T1: Ernst angle -> 90°, full relaxation, signal -> M0 sin(a) e^{-TE/T2*}
    assert mri.ernst_angle(100.0, 1.0) == pytest.approx(90.0, abs=1e-12)
    np.testing.assert_allclose(mri.spoiled_gre_signal(1.0, T2s, 100.0, TE, 30.0),
                               0.5 * np.exp(-TE / T2s), rtol=1e-12)
    # short TR: more saturation, smaller Ernst angle
    assert mri.ernst_angle(0.05, 1.3) < mri.ernst_angle(0.5, 1.3) < mri.ernst_angle(2.0, 1.3)


def test_degrees_not_radians():
    # 30° has sin = 1/2 exactly; if radians were used sin(30) = -0.988 and the check fails
    S = mri.spoiled_gre_signal(1.0, 1.0, 1e3, 0.0, 30.0)
    assert S == pytest.approx(0.5, rel=1e-12)


def test_broadcasting_shapes():
    flips = np.linspace(1, 90, 7)[:, None]
    TR = np.array([0.5, 1.0, 2.0])[None, :]
    S = mri.spoiled_gre_signal(1.3, 0.05, TR, 0.03, flips)
    assert S.shape == (7, 3)
    assert mri.ernst_angle(TR, 1.3).shape == (1, 3)
    assert np.isscalar(mri.ernst_angle(1.0, 1.0)) or np.ndim(mri.ernst_angle(1.0, 1.0)) == 0


def test_contrast_optimal_te_linear_and_exact():
    T2s = 0.045
    assert mri.contrast_optimal_te(T2s) == pytest.approx(T2s, rel=1e-15)
    for dR in [-2.0, -0.5, 1.0, 5.0]:
        res = minimize_scalar(lambda te, dR=dR: -abs(mri.bold_signal_change(te, T2s, dR)),
                              bounds=(1e-4, 0.3), method="bounded", options={"xatol": 1e-12})
        # 1e-6 s: quadratic maximum, so the optimiser locates it to ~sqrt(eps)*TE ≈ 1e-9 s;
        # 1e-6 s leaves margin while still failing a T2*-only answer (off by > 1e-4 s here).
        assert res.x == pytest.approx(mri.contrast_optimal_te(T2s, dR), abs=1e-6)
    # linearised contrast peaks at TE = T2*
    res = minimize_scalar(lambda te: -mri.bold_signal_change(te, T2s, -1.0, linearised=True),
                          bounds=(1e-4, 0.3), method="bounded", options={"xatol": 1e-12})
    assert res.x == pytest.approx(T2s, abs=1e-6)  # same reasoning as above


def test_bold_signal_change_sign_and_small_limit():
    # activation lowers R2*, signal rises
    assert mri.bold_signal_change(0.03, 0.045, -1.0) > 0
    # exact and linear forms agree to first order: relative difference ~ TE*dR/2
    exact = mri.bold_signal_change(0.03, 0.045, -1e-4)
    lin = mri.bold_signal_change(0.03, 0.045, -1e-4, linearised=True)
    assert exact == pytest.approx(lin, rel=3e-6)  # TE*dR/2 = 1.5e-6
    assert mri.bold_signal_change(0.0, 0.045, -1.0) == 0.0


def test_multi_echo_roundtrip_and_weights():
    TEs = np.array([0.012, 0.028, 0.044, 0.06])
    T2s = np.array([0.03, 0.05, 0.07])
    S = mri.multi_echo_signal(1.3, T2s, 1.5, TEs, 70.0)
    assert S.shape == (3, 4)
    # each echo equals the single-echo formula
    np.testing.assert_allclose(S[1], mri.spoiled_gre_signal(1.3, 0.05, 1.5, TEs, 70.0), rtol=1e-14)
    S0, fitted = mri.t2star_from_echoes(TEs, S)
    # noise-free mono-exponential data: the log-linear fit is exact up to rounding
    np.testing.assert_allclose(fitted, T2s, rtol=1e-10)
    np.testing.assert_allclose(S0, mri.spoiled_gre_signal(1.3, T2s, 1.5, 0.0, 70.0), rtol=1e-10)
    w = mri.multi_echo_weights(TEs, T2s)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-14)
    # the largest weight goes to the echo closest to T2* (peak of TE e^{-TE/T2*})
    assert np.argmax(w[0]) == np.argmin(abs(TEs - 0.03))


def test_tissue_table():
    for (tissue, B0), v in mri.TISSUE_RELAXATION.items():
        assert v.T1 > v.T2 >= v.T2star > 0, (tissue, B0)
        assert v.source
    # R2* grows with field in GM and WM (ISMRM 2006 #926)
    for t in ("gm", "wm"):
        r = [1 / mri.tissue_relaxation(t, b).T2star for b in (1.5, 3.0, 7.0)]
        assert r[0] < r[1] < r[2]
    with pytest.raises(ValueError, match="tissue"):
        mri.tissue_relaxation("bone", 3.0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(T1=0.0), "T1"),
        (dict(T1=-1.0), "T1"),
        (dict(TE=-0.01), "TE"),
        (dict(TR=0.0), "TR"),
        (dict(flip_deg=0.0), "flip_deg"),
        (dict(flip_deg=181.0), "flip_deg"),
        (dict(T2star=np.nan), "T2star"),
    ],
)
def test_bad_input(kwargs, name):
    args = dict(T1=1.3, T2star=0.05, TR=1.0, TE=0.03, flip_deg=60.0) | kwargs
    with pytest.raises(ValueError, match=name):
        mri.spoiled_gre_signal(**args)


def test_bad_input_ernst():
    with pytest.raises(ValueError, match=r"T1 must be > 0 s, got -1.0"):
        mri.ernst_angle(1.0, -1.0)
    with pytest.raises(ValueError, match="TR"):
        mri.ernst_angle(0.0, 1.0)
    # flip = 180 is allowed (closed interval) and gives zero signal
    assert mri.spoiled_gre_signal(1.0, 0.05, 1.0, 0.0, 180.0) == pytest.approx(0.0, abs=1e-15)


def test_relative_bold_sensitivity_is_one_at_t2star_and_broad():
    from scipy.special import lambertw

    T2s = 0.066
    assert mri.relative_bold_sensitivity(T2s, T2s) == pytest.approx(1.0, rel=1e-15)
    TE = np.linspace(0.0, 0.3, 30001)
    s = mri.relative_bold_sensitivity(TE, T2s)
    # the maximum of the sampled curve sits at T2* to within one grid step (1e-5 s)
    assert abs(TE[np.argmax(s)] - T2s) <= 1e-5
    # same curve as the linearised contrast normalised by its value at TE = T2* (bold_signal_change)
    lin = mri.bold_signal_change(TE, T2s, -1.0, linearised=True)
    np.testing.assert_allclose(s, lin / mri.bold_signal_change(T2s, T2s, -1.0, linearised=True), rtol=1e-12)
    # the 80 % band edges solve x e^{1-x} = 0.8: x = -W_k(-0.8/e), branches 0 and -1 (closed form)
    lo = -lambertw(-0.8 / np.e, 0).real
    hi = -lambertw(-0.8 / np.e, -1).real
    assert lo == pytest.approx(0.4717, abs=1e-4) and hi == pytest.approx(1.8244, abs=1e-4)
    np.testing.assert_allclose(mri.relative_bold_sensitivity(np.array([lo, hi]) * T2s, T2s), 0.8, rtol=1e-12)
    # the EPI choice of 30 ms at 3 T keeps ~78 % of the peak at the tissue T2* (66 ms)
    assert mri.relative_bold_sensitivity(0.03, 0.066) == pytest.approx((0.03 / 0.066) * np.exp(1 - 0.03 / 0.066))


def test_through_slice_dephasing_matches_phase_average():
    from neurocourse.vessels import GAMMA

    G, dz = 2e-4, 0.003  # 0.2 mT/m across a 3 mm slice
    TE = np.array([0.0, 0.01, 0.03, 0.05])
    z = np.linspace(-dz / 2, dz / 2, 200001)
    # independent reference: magnitude of the mean phase factor across the slice (trapezoid rule,
    # error ~1e-10 at this sampling)
    ref = np.abs(np.trapezoid(np.exp(1j * GAMMA * G * z[None, :] * TE[:, None]), z, axis=1)) / dz
    np.testing.assert_allclose(mri.through_slice_dephasing(TE, G, dz), ref, rtol=1e-8, atol=1e-10)
    # first null at TE = 2π / (γ G Δz); no gradient, no loss; the sign of G does not matter
    te0 = 2 * np.pi / (GAMMA * G * dz)
    assert mri.through_slice_dephasing(te0, G, dz) < 1e-12
    assert mri.through_slice_dephasing(0.03, 0.0, dz) == 1.0
    assert mri.through_slice_dephasing(0.03, -G, dz) == mri.through_slice_dephasing(0.03, G, dz)
    with pytest.raises(ValueError, match="thickness must be > 0 m"):
        mri.through_slice_dephasing(0.03, G, 0.0)
