"""HRF regressors (neurocourse.design.regressors): closed forms, invariants, and nilearn's compute_regressor."""

import numpy as np
import pytest
from nilearn.glm.first_level import compute_regressor

from neurocourse import design, hrf

# Replicating nilearn's grid, round-up snapping and linear interpolation reproduces its numbers
# to rounding; 1e-10 (the contract) leaves room for pinv in the orthogonalisation.
TOL = {"rtol": 1e-10, "atol": 1e-12}


HRF_MODELS = [*design.HRF_MODELS, None]


def test_long_block_plateau_is_one():
    # the kernel sums to 1 and a box is 1 per fine sample: after 32 s inside the block the
    # convolution is the full kernel sum, exactly 1 up to rounding
    ft = design.frame_times(100, 2.0)
    reg, _ = design.compute_regressor([20.0], [150.0], [1.0], ft, "spm")
    inside = (ft > 20.0 + 33.0) & (ft < 165.0)
    np.testing.assert_allclose(reg[inside, 0], 1.0, rtol=1e-12)


def test_impulse_regressor_is_the_kernel():
    # a duration-0 event on a grid point gives the kernel itself, sampled every TR
    tr, os = 2.0, 50
    ft = design.frame_times(60, tr)
    onset = 10.0 - 1e-9  # rounds up to the grid point at 10 s (avoids the one-ulp pitfall)
    reg, _ = design.compute_regressor([onset], [0.0], [1.0], ft, "glover", os)
    kernel = hrf.glover_hrf(tr, os)
    expected = np.zeros(60)
    idx = np.arange(5, 60)  # scans at t >= 10 s
    lag = (idx - 5) * os
    ok = lag < kernel.size
    expected[idx[ok]] = kernel[lag[ok]]
    np.testing.assert_allclose(reg[:, 0], expected, rtol=1e-9, atol=1e-14)  # interp at nodes


def test_sum_properties():
    # nilearn's own checks: impulses sum to n_events / oversampling, blocks to sum(dur) / TR.
    # Sampling the smooth convolved response every TR approximates its integral; the error is
    # the HRF spectrum at 1/TR (aliasing), well below 1 %.
    tr, os = 2.0, 50
    ft = design.frame_times(200, tr)
    on = np.arange(10.0, 330.0, 40.0) + 0.37
    reg, _ = design.compute_regressor(on, np.zeros_like(on), np.ones_like(on), ft, "spm", os)
    assert reg.sum() * os == pytest.approx(on.size, rel=1e-2)
    reg, _ = design.compute_regressor(on, np.full_like(on, 6.0), np.ones_like(on), ft, "spm", os)
    assert reg.sum() == pytest.approx(on.size * 6.0 / tr, rel=1e-2)


def test_impulse_height_scales_with_tr_over_oversampling():
    ft1, ft2 = design.frame_times(40, 1.0), design.frame_times(40, 1.0)
    r1, _ = design.compute_regressor([5.01], [0.0], [1.0], ft1, "spm", 50)
    r2, _ = design.compute_regressor([5.01], [0.0], [1.0], ft2, "spm", 100)
    # halving dt halves each kernel sample; the peak is a smooth sample: O(dt) shape change
    assert r2.max() / r1.max() == pytest.approx(0.5, rel=2e-2)


def test_derivative_columns_orthogonal_to_main():
    ft = design.frame_times(150, 2.0)
    on = np.arange(5.0, 280.0, 17.3)
    reg, names = design.compute_regressor(on, 0 * on + 1.0, 1.0 + 0 * on, ft,
                                          "spm + derivative + dispersion", name="x")
    assert names == ["x", "x_derivative", "x_dispersion"]
    G = reg.T @ reg
    # projection removed with pinv: residual at rounding level of the Gram matrix
    assert abs(G[0, 1]) < 1e-10 * G[0, 0] and abs(G[0, 2]) < 1e-10 * G[0, 0]
    assert abs(G[1, 2]) < 1e-10 * np.sqrt(G[1, 1] * G[2, 2])


def _paradigm(seed=0, n_events=24, t_max=200.0):
    rng = np.random.default_rng(seed)
    # onsets off the fine grid (random reals) so that snapping is not decided by one ulp
    onsets = np.sort(rng.uniform(0.0, t_max, n_events))
    durations = rng.choice([0.0, 1.5, 4.0], n_events)
    amplitudes = rng.uniform(0.5, 2.0, n_events)
    conditions = rng.choice(["faces", "houses", "cars"], n_events)
    return onsets, durations, amplitudes, conditions


@pytest.mark.parametrize("hrf_model", HRF_MODELS)
@pytest.mark.parametrize(("tr", "n", "os", "ref"), [(2.0, 110, 50, 0.0), (1.37, 150, 16, 0.5)])
def test_compute_regressor(hrf_model, tr, n, os, ref):
    on, du, am, _ = _paradigm()
    ft = (np.arange(n) + ref) * tr
    fir = [0, 1, 4] if hrf_model == "fir" else None
    ours, names = design.compute_regressor(on, du, am, ft, hrf_model, os, fir, name="c")
    theirs, their_names = compute_regressor(np.vstack([on, du, am]), hrf_model, ft, con_id="c",
                                            oversampling=os, fir_delays=fir)
    assert names == list(their_names)
    np.testing.assert_allclose(ours, theirs, **TOL)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.compute_regressor([1.0], [0.0], [1.0], np.arange(10.0), "boxcar"),
     "hrf_model must be one of"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_orthogonalize_gram_schmidt():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((40, 3))
    Q = design.orthogonalize(X)
    np.testing.assert_array_equal(Q[:, 0], X[:, 0])  # first column untouched
    G = Q.T @ Q
    # off-diagonal Gram entries vanish up to rounding (~1e-15 relative to the column norms)
    assert np.max(np.abs(G - np.diag(np.diag(G)))) < 1e-12 * np.max(np.diag(G))
    # same span, same leading-column structure: X = Q R with R unit upper triangular
    R = np.linalg.lstsq(Q, X, rcond=None)[0]
    np.testing.assert_allclose(np.diag(R), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.tril(R, -1), 0.0, atol=1e-12)
