"""Drift bases (neurocourse.design.drifts): invariants, and nilearn's create_cosine_drift as oracle."""

import warnings

import numpy as np
import pytest
from nilearn.signal import create_cosine_drift

from neurocourse import design


def test_cosine_columns_orthonormal_and_orthogonal_to_constant():
    C = design.cosine_drift(0.01, design.frame_times(240, 2.0))
    assert C.shape == (240, int(np.floor(2 * 240 * 0.01 * 2.0)) + 1)
    cos = C[:, :-1]
    # DCT-II columns with sqrt(2/n): orthonormal in exact arithmetic, rounding ~1e-15 per entry
    np.testing.assert_allclose(cos.T @ cos, np.eye(cos.shape[1]), atol=1e-12)
    np.testing.assert_allclose(cos.T @ C[:, -1], 0.0, atol=1e-12)
    assert np.all(C[:, -1] == 1.0)


def test_cosine_drift_periods_not_shorter_than_cutoff():
    # column k has period 2 n dt / k; the highest order must keep it >= 1/high_pass
    n, tr, hp = 300, 2.0, 1 / 128
    K = design.cosine_drift(hp, design.frame_times(n, tr)).shape[1] - 1
    assert 2 * n * tr / K >= 1 / hp
    assert 2 * n * tr / (K + 1) < 1 / hp


def test_polynomial_drift_orthogonal_columns():
    P = design.polynomial_drift(3, design.frame_times(100, 2.0))
    G = P.T @ P
    # Gram-Schmidt via pinv: off-diagonal terms at rounding level relative to the norms
    off = G - np.diag(np.diag(G))
    assert np.max(np.abs(off)) < 1e-10 * np.max(np.diag(G))
    assert np.all(P[:, -1] == 1.0)


@pytest.mark.parametrize(("high_pass", "n", "tr"), [(0.01, 200, 2.0), (1 / 128, 333, 0.8),
                                                    (0.0, 50, 3.0), (0.2, 40, 2.0)])
def test_cosine_drift(high_pass, n, tr):
    ft = np.arange(n) * tr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0.2 Hz at TR 2 s is above Nyquist: both warn
        ref = create_cosine_drift(high_pass, ft)
        ours = design.cosine_drift(high_pass, ft)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)  # same cosines: rounding


@pytest.mark.parametrize(("call", "match"), [
    (lambda: design.cosine_drift(-0.01, np.arange(10.0)), "high_pass must be >= 0"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
