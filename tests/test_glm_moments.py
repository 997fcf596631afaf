"""The moment form of fit_glm (issue 19) against the direct method, for long series and every regime.

``fit_glm`` takes every AR(1) quantity from per-voxel moments of d = y - y_0 (one product with the
stacked design functionals and two sums of squares, in one cache-blocked pass over Y), and falls back
to explicit residuals for voxels where the fitted part dominates the data. The expected values come
from ``tests/glm_direct.py``: the direct method (explicit OLS residuals, nilearn's Yule-Walker on
them, an explicit whitened refit per rho bin), written independently of the package.

Tolerances (both sides are backward stable; what differs is the rounding):

* rho estimate: atol 1e-10. The moment form's error is ~eps * (|U'd|^2 / r'r) * (a small growth
  factor) relative, <= 1e-12 here (measured 3e-12 at T = 2000); 1e-10 is still far below the 0.01
  bin width, so the bins (compared exactly) agree wherever no estimate lies within 1e-9 of an edge.
* dispersion: rtol 1e-10 (measured <= 7e-12).
* beta: atol 1e-9 * max|beta| per voxel: the baseline (1e4) is resolved to eps * cond(X) * 1e4 by
  either method, and that rounding spreads to the other coefficients.
* t: rtol 1e-8 with |t| floored at 1: the same baseline rounding over a standard error ~0.03 gives
  |dt| ~ 1e-9 (measured 1.2e-9 at T = 2000).
"""

import tracemalloc

import numpy as np
import pytest
from glm_data import ar1_noise
from glm_direct import direct_fit, t_stat
from threadpoolctl import threadpool_limits

import neurocourse.glm.fit as fit_module
from neurocourse import glm


def _design(n, constant=True):
    """Two block conditions, five cosine drifts, a linear trend (and the constant)."""
    t = np.arange(n)
    cols = [((t % 40) < 10).astype(float), (((t + 20) % 40) < 10).astype(float)]
    cols += [np.cos(np.pi * (t + 0.5) * k / n) for k in range(1, 6)] + [t / n]
    if constant:
        cols.append(np.ones(n))
    return np.column_stack(cols)


def _data(X, n_vox=200, seed=1, trend=50.0, baseline=1e4):
    """Stationary AR(1) noise (rho in [-0.5, 0.9]) on a large baseline and a strong linear trend."""
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    rho = rng.uniform(-0.5, 0.9, n_vox)
    beta = rng.normal(0.0, 1.0, (X.shape[1], n_vox))
    beta[7] = trend  # the t / n column
    if X.shape[1] > 8:
        beta[8] = baseline
    noise = ar1_noise(rng, rho, (n, n_vox))  # one rho per voxel (broadcast over the last axis)
    return X @ beta + noise


def _check(ours, ref, c, rho="binned"):
    """rho: "binned" (estimated, truncated to 0.01), "unbinned" (estimated, bins=None) or "given"."""
    if rho == "binned":
        est = ref["rho_estimate"] * 100
        frac = est - np.trunc(est)
        assert np.min(np.minimum(np.abs(frac), 1 - np.abs(frac))) > 1e-9  # guard: no estimate at a bin edge
    if rho != "given":
        np.testing.assert_allclose(ours.rho_estimate, ref["rho_estimate"], rtol=0, atol=1e-10)
    if rho == "unbinned":
        np.testing.assert_allclose(ours.rho, ref["rho"], rtol=0, atol=1e-10)
    else:
        np.testing.assert_array_equal(ours.rho, ref["rho"])
    np.testing.assert_allclose(ours.dispersion, ref["dispersion"], rtol=1e-10)
    scale = np.abs(ref["beta"]).max(axis=0)
    assert np.all(np.abs(ours.beta - ref["beta"]) <= 1e-9 * scale)
    t_ref = t_stat(ref, c)
    assert np.max(np.abs(ours.contrast(c).stat - t_ref) / np.maximum(np.abs(t_ref), 1.0)) < 1e-8
    assert ours.df_resid == ref["df"]


@pytest.mark.parametrize("n", [200, 2000])
@pytest.mark.parametrize("constant", [True, False])
@pytest.mark.parametrize("convention", glm.AR1_CONVENTIONS)
def test_moment_form_equals_direct_method_for_long_series(n, constant, convention):
    X = _design(n, constant)
    Y = _data(X, n_vox=120)
    c = np.zeros(X.shape[1])
    c[:2] = [1.0, -1.0]
    rho = None if convention == "nilearn" else 0.4  # nilearn estimates and bins; the others get rho
    ours = glm.fit_glm(Y, X, "ar1", ar1_convention=convention, rho=rho)
    _check(ours, direct_fit(Y, X, "ar1", convention, rho=rho), c, "binned" if rho is None else "given")
    if convention == "nilearn":  # and OLS, from the same moments
        _check(glm.fit_glm(Y, X), direct_fit(Y, X, "ols"), c, "given")


@pytest.mark.parametrize("guard", ["moments only", "residuals only"])
def test_both_routes_agree_with_the_direct_method(monkeypatch, guard):
    """The moment form by itself (guard off), and the residual fallback by itself (guard always on)."""
    monkeypatch.setattr(fit_module, "_CANCELLATION", np.inf if guard == "moments only" else 0.0)
    n = 2000
    X = _design(n)
    Y = _data(X, n_vox=150, seed=4)
    c = np.zeros(X.shape[1])
    c[:2] = [1.0, -1.0]
    _check(glm.fit_glm(Y, X, "ar1"), direct_fit(Y, X, "ar1"), c)
    ols, ref = glm.fit_glm(Y, X), direct_fit(Y, X, "ols")
    np.testing.assert_allclose(ols.dispersion, ref["dispersion"], rtol=1e-10)
    np.testing.assert_allclose(ols.contrast(c).stat, t_stat(ref, c), rtol=1e-8, atol=1e-8)


def test_fit_dominated_data_fall_back_to_residuals():
    """A trend 1e4 times the noise without a constant column: sum d^2 - |U'd|^2 would keep ~4 digits."""
    X = _design(200, constant=False)
    Y = _data(X, n_vox=100, trend=1e4)
    c = np.zeros(X.shape[1])
    c[:2] = [1.0, -1.0]
    _check(glm.fit_glm(Y, X, "ar1"), direct_fit(Y, X, "ar1"), c)


def test_unbinned_given_and_rank_deficient_match_the_direct_method():
    X = _design(300)
    Y = _data(X, n_vox=80, seed=2)
    c = np.zeros(X.shape[1])
    c[:2] = [1.0, -1.0]
    _check(glm.fit_glm(Y, X, "ar1", bins=None), direct_fit(Y, X, "ar1", bins=None), c, "unbinned")
    rho = np.linspace(-0.6, 0.95, Y.shape[1])  # one rho per voxel, as given
    for conv in glm.AR1_CONVENTIONS:
        ours = glm.fit_glm(Y, X, "ar1", ar1_convention=conv, rho=rho)
        _check(ours, direct_fit(Y, X, "ar1", conv, rho=rho), c, "given")
    Xd = np.column_stack([X[:, 0], X])  # condition A twice: rank p - 1, minimum-norm betas
    c2 = np.zeros(Xd.shape[1])
    c2[[0, 1, 2]] = [0.5, 0.5, -1.0]  # estimable: A - B
    with pytest.warns(glm.RankDeficientDesignWarning):
        ours = glm.fit_glm(Y, Xd, "ar1")
    _check(ours, direct_fit(Y, Xd, "ar1"), c2)


def test_neighbour_sums_outside_the_span_have_the_rank_the_design_implies():
    """The product carries Q'd for an orthonormal basis Q of the range of P = (I - UU')NU, of rank k.
    Cosine (DCT-II) drifts and the constant are eigenvectors of the reflecting lag-1 sum, which
    differs from N only at the two end scans, so they add at most 2 to k; each other column adds
    at most one. A rough design (white-noise columns) leaves the span in every direction, k = r,
    and the fit still equals the direct method."""
    n = 240
    t = np.arange(n)
    dct = np.column_stack([np.ones(n)] + [np.cos(np.pi * (t + 0.5) * k / n) for k in range(1, 7)])
    assert fit_module._DesignBasis.of(dct, lagged=True).rq.shape[0] == 2
    blocks = _design(n)  # two blocks, five cosines, a linear trend and the constant
    assert fit_module._DesignBasis.of(blocks, lagged=True).rq.shape[0] <= 2 + 3
    rough = np.column_stack([np.random.default_rng(8).standard_normal((n, 6)), np.ones(n)])
    assert fit_module._DesignBasis.of(rough, lagged=True).rq.shape[0] == rough.shape[1]
    noise = ar1_noise(np.random.default_rng(10), np.linspace(-0.4, 0.8, 60), (n, 60))
    Y = rough @ np.random.default_rng(9).normal(0.0, 1.0, (7, 60)) + noise
    c = np.zeros(7)
    c[:2] = [1.0, -1.0]
    _check(glm.fit_glm(Y, rough, "ar1"), direct_fit(Y, rough, "ar1"), c)


def test_noise_free_data_give_exact_betas_and_zero_dispersion():
    X = _design(120)
    beta = np.random.default_rng(0).normal(size=(X.shape[1], 7))
    beta[-1] = 1e3
    res = glm.fit_glm(X @ beta, X, "ar1")
    # 1e-9 of the largest coefficient: an exact fit, resolved to rounding (cond(X) ~ 1e2, |beta| 1e3).
    np.testing.assert_allclose(res.beta, beta, rtol=0, atol=1e-9)
    assert np.all(np.abs(res.dispersion) < 1e-18)  # (rounding of 1e3)^2 per scan


@pytest.mark.parametrize("threads", [1, 2])
def test_memory_beyond_y_does_not_grow_with_the_number_of_scans(threads):
    """No temporary the size of Y: beyond one cache-sized block of Y per thread (the module's budget,
    _BLOCK_ELEMENTS values) the peak allocation is O(p V), and it does not grow with T (200 -> 3200 scans: Y grows by
    16x). The fit uses as many threads as the BLAS may (here 1 or 2; 4000 voxels at T = 3200 make
    13 blocks of 2**20 values, so both threads get work)."""
    rng = np.random.default_rng(5)
    v, p = 4000, 9
    block = fit_module._BLOCK_ELEMENTS * 8
    peaks = []
    for n in (200, 3200):
        X = _design(n)
        Y = rng.standard_normal((n, v)) + 100.0
        with threadpool_limits(limits=threads, user_api="blas"):
            tracemalloc.start()
            res = glm.fit_glm(Y, X, "ar1")
            res.contrast(np.eye(p)[0])
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        # per thread, the block of d and the block's moments and work space (measured: 4.2 + 2.2 MB
        # with one thread, 8.4 + 2.0-2.9 MB with two, at T = 200; the latter scale with the block's
        # voxels, so they are largest at small T), plus 10 (p, V) float arrays (outputs)
        assert peaks[-1] < threads * 1.5 * block + 10 * p * v * 8
    # Y (T = 3200) is 102 MB; the peak moved by less (plus, were T = 200 one block, the second
    # thread's block buffer)
    assert peaks[1] - peaks[0] < 0.05 * Y.nbytes + (threads - 1) * block


def test_threads_give_bitwise_the_same_fit(monkeypatch):
    """The voxel blocks are fitted with the same arithmetic whichever thread takes them, so one or
    two threads give identical results (exact equality), with and without a constant in X (without
    one, rho waits for every block's sums: nilearn's grand mean)."""
    X = _design(400)
    Y = _data(X, n_vox=3000, seed=4)
    monkeypatch.setattr(fit_module, "_BLOCK_ELEMENTS", 400 * 250)  # 12 blocks, the last one short
    for design in (X, X[:, :-1]):
        fits = []
        for threads in (1, 2):
            with threadpool_limits(limits=threads, user_api="blas"):
                res = glm.fit_glm(Y, design, "ar1")
                fits.append((res.beta, res.dispersion, res.rho, res.contrast(np.eye(design.shape[1])[0]).stat))
        for a, b in zip(*fits):
            np.testing.assert_array_equal(a, b)


def test_residuals_are_computed_on_demand_from_the_data():
    X = _design(150)
    Y = _data(X, n_vox=5)
    res = glm.fit_glm(Y, X, "ar1")
    ref = direct_fit(Y, X, "ar1")
    # atol: rounding of |Y| ~ 1e4 through X beta_OLS (cond(X) ~ 1e2)
    np.testing.assert_allclose(res.residuals, ref["residuals"], rtol=0, atol=1e-9)
    assert res.residuals is res.residuals  # cached after the first access
    single = glm.fit_glm(Y[:, 2], X)
    np.testing.assert_allclose(single.residuals, ref["residuals"][:, 2], rtol=0, atol=1e-9)


@pytest.mark.parametrize("noise_model", ["ols", "ar1"])
@pytest.mark.parametrize(
    "edit",
    [
        lambda Y: Y.__isub__(Y.mean(axis=0)),  # demeaned in place after the fit
        lambda Y: Y.__setitem__((7, 1), Y[7, 1] + 1e-3),  # one sample of one voxel
        lambda Y: Y.__setitem__((0, 0), Y[0, 0] * 2.0),  # the first scan
    ],
    ids=["demeaned", "one-sample", "first-scan"],
)
def test_residuals_of_a_modified_y_raise_instead_of_lying(noise_model, edit):
    """The result references Y: an in-place edit after the fit must not silently change the residuals."""
    X = _design(120)
    Y = _data(X, n_vox=4)
    res = glm.fit_glm(Y, X, noise_model)
    edit(Y)
    with pytest.raises(ValueError, match="Y was modified after fit_glm"):
        _ = res.residuals
    with pytest.raises(ValueError, match="Y was modified after fit_glm"):
        res.whitened_residuals()


def test_an_unmodified_y_passes_the_fingerprint_in_every_block_layout(monkeypatch):
    """The fit sums in voxel blocks, the check in one piece: the same data must pass whatever the blocking."""
    X = _design(200)
    Y = _data(X, n_vox=37)
    monkeypatch.setattr(fit_module, "_BLOCK_ELEMENTS", 200 * 5)  # 5-voxel blocks with a remainder
    res = glm.fit_glm(Y, X, "ar1")
    ref = direct_fit(Y, X, "ar1")
    np.testing.assert_allclose(res.residuals, ref["residuals"], rtol=0, atol=1e-9)  # as above


def test_a_thread_that_cannot_start_gives_the_same_fit(monkeypatch):
    """Where a helper thread cannot start (a sandbox's process limit), the calling thread produces
    the blocks the helper would have: with three threads allowed, the first helper starts and the
    second cannot, and with none allowed the fit runs serially; both give bitwise the serial fit.
    Without a constant in X, both passes over the blocks (sums, then refits) are exercised."""
    import neurocourse.parallel as parallel

    started = []
    real_start = parallel._start_thread

    def first_only(target):
        if started:
            raise RuntimeError("can't start new thread")
        started.append(target)
        return real_start(target)

    X = _design(400)[:, :-1]
    Y = _data(X, n_vox=3000, seed=6)
    monkeypatch.setattr(fit_module, "_BLOCK_ELEMENTS", 400 * 250)  # 12 blocks, the last one short
    with threadpool_limits(limits=1, user_api="blas"):
        ref = glm.fit_glm(Y, X, "ar1")
    monkeypatch.setattr(parallel, "_start_thread", first_only)
    with threadpool_limits(limits=3, user_api="blas"):
        res = glm.fit_glm(Y, X, "ar1")
    assert len(started) == 1  # the fit did ask for the helpers
    started.append(None)  # from now on no thread starts
    with threadpool_limits(limits=2, user_api="blas"):
        alone = glm.fit_glm(Y, X, "ar1")
    for name in ("beta", "dispersion", "rho"):
        np.testing.assert_array_equal(getattr(alone, name), getattr(ref, name))
    for name in ("beta", "dispersion", "rho"):
        np.testing.assert_array_equal(getattr(res, name), getattr(ref, name))


def test_kept_buffers_are_reused_bounded_and_never_read(monkeypatch):
    """The d buffers kept between fits (fit._SCRATCH) are taken by the next fit and given back, at most
    _SCRATCH_KEEP of them; their old contents (here NaN) never reach the results, and a buffer kept
    under a smaller block budget is not used for a larger one."""
    X = _design(200)
    Y = _data(X, n_vox=3000, seed=7)
    monkeypatch.setattr(fit_module, "_BLOCK_ELEMENTS", 200 * 250)  # 12 blocks
    monkeypatch.setattr(fit_module, "_SCRATCH", [])
    with threadpool_limits(limits=2, user_api="blas"):
        cold = glm.fit_glm(Y, X, "ar1")
        kept = list(fit_module._SCRATCH)
        assert len(kept) == 2 and all(f.size == 200 * 250 for f in kept)  # one per thread
        for flat in kept:
            flat[...] = np.nan
        warm = glm.fit_glm(Y, X, "ar1")
        assert {id(f) for f in fit_module._SCRATCH} == {id(f) for f in kept}  # taken and given back
        for _ in range(5):
            glm.fit_glm(Y, X, "ar1")
        assert len(fit_module._SCRATCH) <= fit_module._SCRATCH_KEEP
    for name in ("beta", "dispersion", "rho"):
        np.testing.assert_array_equal(getattr(warm, name), getattr(cold, name))
    monkeypatch.setattr(fit_module, "_BLOCK_ELEMENTS", 200 * 500)  # a larger budget: the kept ones are too small
    with threadpool_limits(limits=2, user_api="blas"):
        larger = glm.fit_glm(Y, X, "ar1")
    assert all(f.size == 200 * 500 for f in fit_module._SCRATCH[-2:])
    np.testing.assert_allclose(larger.beta, cold.beta, rtol=1e-12, atol=1e-9)  # other blocks, same fit


def test_a_single_block_fit_keeps_no_buffer(monkeypatch):
    """A fit of one block (small data: an exercise, a sandboxed check) allocates only what it needs."""
    monkeypatch.setattr(fit_module, "_SCRATCH", [])
    X = _design(120)
    glm.fit_glm(_data(X, n_vox=50), X, "ar1")
    assert fit_module._SCRATCH == []
