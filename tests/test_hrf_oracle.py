"""neurocourse.hrf against nilearn's hemodynamic_models (the contract: the same samples)."""

import numpy as np
import pytest
from nilearn.glm.first_level import hemodynamic_models as nl

from neurocourse import hrf

NAMES = [
    "spm_hrf",
    "glover_hrf",
    "spm_time_derivative",
    "glover_time_derivative",
    "spm_dispersion_derivative",
    "glover_dispersion_derivative",
]
# (tr, oversampling, time_length, onset): defaults, oversampling 1, non-integer TR, onset shift
ARGS = [(2.0, 50, 32.0, 0.0), (2.0, 1, 20.0, 0.0), (1.37, 16, 25.0, 0.7), (0.8, 7, 30.0, -0.3)]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("args", ARGS)
def test_same_samples_as_nilearn(name, args):
    ours = getattr(hrf, name)(*args)
    ref = getattr(nl, name)(*args)
    assert ours.shape == ref.shape
    # Same grid (linspace), same scipy gamma density and same normalisation: agreement is at
    # rounding level; 1e-12 relative (atol 1e-15 for the ~0 samples) leaves room for the order of
    # floating-point operations in the finite differences.
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)


def test_keyword_signature_matches_contract():
    ref = nl.spm_hrf(2.5, oversampling=10, time_length=28.0, onset=0.5)
    ours = hrf.spm_hrf(tr=2.5, oversampling=10, time_length=28.0, onset=0.5)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)  # as above


@pytest.mark.parametrize("delays", [[0], [0, 1, 2, 5]])
def test_fir_basis_matches_nilearn_kernels(delays):
    ref = nl._hrf_kernel("fir", 2.0, oversampling=8, fir_delays=delays)
    ours = hrf.fir_basis(max(delays) + 1, oversampling=8)
    for d, kernel in zip(delays, ref):
        # exact arithmetic: zeros and 1/oversampling
        np.testing.assert_array_equal(ours[d, : kernel.size], kernel)
        assert np.all(ours[d, kernel.size:] == 0)


def test_spm_canonical_differs_from_nilearn_within_its_own_criterion():
    # nilearn's test_compare_design_matrix_to_spm accepts a relative squared error < 0.1 between
    # its "spm" design and real SPM; the kernels themselves must differ (loc shift, stretch,
    # ratio) but stay within that criterion on a common microtime grid.
    tr = 2.0
    spm = hrf.spm_canonical_hrf(tr / 16)  # SPM's microtime kernel, dt = RT/16
    ours = hrf.spm_hrf(tr, oversampling=16)
    n = min(spm.size, ours.size)
    rel = np.sum((spm[:n] - ours[:n]) ** 2) / np.sum(spm[:n] ** 2)
    assert 1e-6 < rel < 0.1
