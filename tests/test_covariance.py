"""neurocourse.covariance: Ledoit–Wolf and fixed shrinkage against scikit-learn, matrix powers
against scipy, closed forms, invariants, and the one-estimator rule (connectivity and inverse
call the same function)."""

import numpy as np
import pytest
from scipy.linalg import fractional_matrix_power
from sklearn.covariance import LedoitWolf
from sklearn.covariance import ledoit_wolf as sk_ledoit_wolf
from sklearn.covariance import shrunk_covariance as sk_shrunk_covariance

from neurocourse import covariance, inverse
from neurocourse.connectivity import fmri

# Same estimator, same arithmetic up to the order of the sums: the observed differences from
# scikit-learn are 1e-16 to 1e-15 relative, so rtol 1e-10 leaves room for BLAS order and still
# catches any change of formula (a 1/n vs 1/(n-1) slip is a relative 1/n >= 1e-3 here).
RTOL = 1e-10


def _data(n, p, seed):
    rng = np.random.default_rng(seed)
    # unequal variances, correlated columns, a non-zero mean (centring is part of the estimator)
    mix = np.eye(p) + 0.3 * rng.normal(size=(p, p))
    return rng.normal(size=(n, p)) @ mix * np.linspace(0.5, 3.0, p) + rng.normal(size=p)


@pytest.mark.parametrize(("n", "p"), [(200, 5), (60, 8), (6, 20), (2, 3), (50, 1)])
def test_ledoit_wolf_matches_sklearn(n, p):
    """n > p, n < p (clipped intensity), the minimum n = 2, and a single feature."""
    X = _data(n, p, n + p)
    cov, delta = covariance.ledoit_wolf(X)
    ref = LedoitWolf().fit(X)
    scale = np.abs(ref.covariance_).max()
    np.testing.assert_allclose(cov, ref.covariance_, rtol=RTOL, atol=RTOL * scale)
    np.testing.assert_allclose(delta, ref.shrinkage_, rtol=RTOL, atol=1e-14)
    assert 0.0 <= delta <= 1.0


def test_ledoit_wolf_intensity_from_explicit_outer_products():
    """b̄² written as Ledoit & Wolf's lemma 3.2 sum over n explicit outer products."""
    X = _data(12, 4, 7)
    n, p = X.shape
    Xc = X - X.mean(axis=0)
    S = Xc.T @ Xc / n
    mu = np.trace(S) / p
    d2 = np.sum((S - mu * np.eye(p)) ** 2) / p
    b2 = sum(np.sum((np.outer(x, x) - S) ** 2) for x in Xc) / (n**2 * p)  # 12 terms
    delta = min(b2, d2) / d2
    cov, got = covariance.ledoit_wolf(X)
    np.testing.assert_allclose(got, delta, rtol=RTOL)  # same sum, other order: round-off
    np.testing.assert_allclose(cov, (1 - delta) * S + delta * mu * np.eye(p), rtol=RTOL)


def test_ledoit_wolf_invariants():
    X = _data(30, 6, 3)
    cov, delta = covariance.ledoit_wolf(X)
    S = np.cov(X.T, bias=True)
    # shrinkage keeps the trace and the eigenvectors, and pulls every eigenvalue towards mu
    np.testing.assert_allclose(np.trace(cov), np.trace(S), rtol=1e-12)  # round-off of p terms
    mu = np.trace(S) / 6
    np.testing.assert_allclose(np.linalg.eigvalsh(cov), (1 - delta) * np.linalg.eigvalsh(S) + delta * mu, rtol=1e-10)
    # scaling the data by c scales the covariance by c^2 and leaves delta unchanged
    cov2, delta2 = covariance.ledoit_wolf(1e-13 * X)
    np.testing.assert_allclose(cov2, 1e-26 * cov, rtol=1e-10)
    np.testing.assert_allclose(delta2, delta, rtol=1e-10)
    # a 1-D input is one feature: nothing to shrink
    np.testing.assert_allclose(covariance.ledoit_wolf(X[:, 0])[0], S[:1, :1], rtol=1e-12)


def test_ledoit_wolf_of_an_isotropic_sample_is_the_sample():
    """S = mu I already (d² = 0): the estimate is S and the intensity 0, as scikit-learn."""
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    cov, delta = covariance.ledoit_wolf(X)
    np.testing.assert_array_equal(cov, 0.5 * np.eye(2))
    assert delta == 0.0 == sk_ledoit_wolf(X)[1]


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5, 1.0])
def test_shrunk_covariance_matches_sklearn(alpha):
    S = np.cov(_data(40, 5, 11).T)
    np.testing.assert_allclose(
        covariance.shrunk_covariance(S, alpha), sk_shrunk_covariance(S, alpha), rtol=RTOL, atol=1e-15
    )


def test_connectivity_and_inverse_use_the_one_estimator():
    assert fmri.ledoit_wolf is covariance.ledoit_wolf
    B = _data(80, 7, 5).T  # (n_channels, n_times)
    np.testing.assert_array_equal(
        inverse.estimate_noise_cov(B, shrinkage="ledoit_wolf"), covariance.ledoit_wolf(B.T)[0]
    )
    np.testing.assert_allclose(
        inverse.estimate_noise_cov(B, shrinkage="ledoit_wolf"), sk_ledoit_wolf(B.T)[0], rtol=RTOL, atol=1e-14
    )
    S = np.cov(B)  # the fixed-shrinkage path keeps its 1/(n_t - 1) sample covariance
    np.testing.assert_allclose(inverse.estimate_noise_cov(B, shrinkage=0.25), sk_shrunk_covariance(S, 0.25), rtol=RTOL)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: covariance.ledoit_wolf(np.ones((1, 3))), "X must have shape"),
        (lambda: covariance.ledoit_wolf(np.ones((2, 2, 2))), "X must have shape"),
        (lambda: covariance.ledoit_wolf([[1.0, np.nan], [0.0, 1.0]]), "X"),
        (lambda: covariance.shrunk_covariance(np.ones((2, 3)), 0.5), "S must be a square"),
        (lambda: covariance.shrunk_covariance(np.eye(2), 1.5), "shrinkage"),
        (lambda: covariance.shrunk_covariance(np.eye(2), -0.1), "shrinkage"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _spd(rng, n, rank=None, stack=()):
    A = rng.normal(size=(*stack, n, n if rank is None else rank))
    return A @ np.swapaxes(A, -1, -2)


@pytest.mark.parametrize("power", [-1.0, -0.5, 0.5, 1.0, 2.0, -0.3])
def test_psd_power_matches_scipy(power):
    """Full-rank SPD matrices: scipy's fractional_matrix_power (Schur-Padé, an independent
    algorithm). Condition numbers here are < 1e3, so agreement to 1e-10 relative is round-off."""
    M = _spd(np.random.default_rng(20), 5) + 0.5 * np.eye(5)
    ref = np.real(fractional_matrix_power(M, power))
    np.testing.assert_allclose(covariance.psd_power(M, power), ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())


def test_psd_power_stacks_pseudo_inverse_and_reduce_rank():
    rng = np.random.default_rng(21)
    M = _spd(rng, 4, rank=2, stack=(6,))  # six rank-2 4x4 matrices
    # a negative power drops the null space: the -1 power is the Moore-Penrose pseudo-inverse
    ref = np.linalg.pinv(M, rcond=1e-10, hermitian=True)
    np.testing.assert_allclose(covariance.psd_power(M, -1), ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())
    # the -1/2 power squared is the pseudo-inverse too; the +1/2 power squared gives M back
    h = covariance.psd_power(M, -0.5)
    np.testing.assert_allclose(h @ h, ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())
    r = covariance.psd_power(M, 0.5)
    np.testing.assert_allclose(r @ r, M, rtol=1e-10, atol=1e-12 * np.abs(M).max())
    # reduce_rank drops the smallest eigenvalue as well: on full-rank 3x3 matrices, the
    # pseudo-inverse of the best rank-2 approximation
    F = _spd(rng, 3, stack=(4,))
    e, v = np.linalg.eigh(F)
    F2 = (v[..., 1:] * e[..., None, 1:]) @ np.swapaxes(v[..., 1:], -1, -2)
    np.testing.assert_allclose(
        covariance.psd_power(F, -1, reduce_rank=True),
        np.linalg.pinv(F2, rcond=1e-10, hermitian=True),
        rtol=1e-8,
        atol=1e-12,
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: covariance.psd_power(np.ones((2, 3)), -1), "M must be square"),
        (lambda: covariance.psd_power(np.diag([1.0, -0.5]), 0.5), "positive semi-definite"),
        (lambda: covariance.psd_power(np.eye(2), 0.5, rcond=1.0), "rcond"),
    ],
)
def test_psd_power_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
