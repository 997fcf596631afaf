"""Multiple-comparison methods side by side on the same group study: detections, FWE and power.

:func:`detect` thresholds the one-sample t map of a study (``tail=1``: positive effects, one-sided
as in nilearn's second-level defaults) with one of :data:`METHODS`:

``"uncorrected"``  p < alpha at every voxel;
``"bonferroni"``   p < alpha / m;
``"fdr"``          Benjamini-Hochberg at q = alpha (:func:`neurocourse.glm.fdr_bh`);
``"rft"``          t above the random-field threshold for the search box and the smoothness
                   estimated from the residuals (or given), never above Bonferroni (SPM's rule);
``"permutation"``  max-t sign flipping (:func:`neurocourse.stats.permutation.permutation_fwe`);
``"cluster"``      cluster-extent sign flipping at a cluster-forming p of ``cdt_p``;
``"cluster_rft"``  parametric cluster extent (Friston 1994) at the same threshold, with the
                   estimated smoothness: the method Eklund et al. (2016) found inflated;
``"tfce"``         TFCE sign flipping (:func:`neurocourse.stats.tfce.tfce_fwe`).

:func:`error_rates` repeats a seeded simulation and measures, per method, the familywise error rate
(the fraction of studies with at least one detection outside the planted effect) and the power
(the mean fraction of planted voxels detected).

References
----------
.. [1] T. E. Nichols and S. Hayasaka, "Controlling the familywise error rate in functional
   neuroimaging: a comparative review", Stat. Methods Med. Res. 12:419-446, 2003.
.. [2] A. Eklund, T. E. Nichols and H. Knutsson, PNAS 113:7900-7905, 2016.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.stats

from neurocourse import glm as _glm
from neurocourse._validation import check_int, check_option, check_range
from neurocourse.stats.cluster import cluster_fwe, find_clusters, spatial_data
from neurocourse.stats.group import one_sample_t
from neurocourse.stats.permutation import permutation_fwe
from neurocourse.stats.rft import estimate_fwhm, resels_box, rft_cluster_p, rft_threshold
from neurocourse.stats.simulate import simulate_group_study
from neurocourse.stats.tfce import tfce_fwe

__all__ = ["METHODS", "ErrorRates", "detect", "error_rates"]

METHODS = ("uncorrected", "bonferroni", "fdr", "rft", "permutation", "cluster", "cluster_rft",
           "tfce")


def detect(Y, method, alpha=0.05, cdt_p=0.001, n_permutations=500, fwhm=None, connectivity=1,
           rng=None):
    """Voxels declared active (positive effects) by one multiple-comparison method.

    Parameters
    ----------
    Y : array_like, shape (n_subjects, n_x[, n_y[, n_z]])
        Subject maps (any unit).
    method : str
        One of :data:`METHODS`.
    alpha : float, default=0.05 (dimensionless)
        Familywise error rate (FDR level for ``"fdr"``), in (0, 1).
    cdt_p : float, default=0.001 (dimensionless)
        Cluster-forming threshold as an uncorrected one-sided p, in (0, 1); the t threshold is
        ``scipy.stats.t.isf(cdt_p, n - 1)``.
    n_permutations : int, default=500
        Sign patterns for the permutation methods (identity included), >= 2.
    fwhm : float or sequence of float, optional
        Smoothness (voxels) for the RFT methods; default: estimated from the residuals.
    connectivity : int, default=1
        Cluster connectivity (face neighbours).
    rng : numpy.random.Generator or int or None
        Random generator or seed for the permutations.

    Returns
    -------
    ndarray of bool, shape (*shape)
        Detections.
    """
    Y = spatial_data(Y)
    method = check_option("method", method, METHODS)
    alpha = float(check_range("alpha", alpha, 0, 1, low_inclusive=False, high_inclusive=False))
    cdt_p = float(check_range("cdt_p", cdt_p, 0, 1, low_inclusive=False, high_inclusive=False))
    shape = Y.shape[1:]
    t, df = one_sample_t(Y)
    p = scipy.stats.t.sf(t, df)
    if method == "uncorrected":
        return p < alpha
    if method == "bonferroni":
        return _glm.bonferroni(p, alpha)[0]
    if method == "fdr":
        return _glm.fdr_bh(p, alpha)[0]
    if method in ("rft", "cluster_rft"):
        smooth = estimate_fwhm(Y - Y.mean(axis=0)) if fwhm is None else fwhm
        if method == "rft":
            u = rft_threshold(resels_box(shape, smooth), alpha, "t", df)
            u_bonf = scipy.stats.t.isf(alpha / t.size, df)
            return t > min(u, u_bonf)
        u = scipy.stats.t.isf(cdt_p, df)
        labels, sizes, _ = find_clusters(t, u, 1, connectivity, "size")
        z_u = scipy.stats.norm.isf(cdt_p)  # SPM: cluster p on the equivalent Gaussian field
        pc = np.atleast_1d(rft_cluster_p(sizes, z_u, shape, smooth))
        return np.concatenate([[False], pc <= alpha])[labels]
    if method == "permutation":
        res = permutation_fwe(Y.reshape(Y.shape[0], -1), n_permutations, 1, rng)
        return (res.p_fwe <= alpha).reshape(shape)
    if method == "cluster":
        u = scipy.stats.t.isf(cdt_p, df)
        res = cluster_fwe(Y, u, 1, connectivity, "size", n_permutations, rng)
        return res.p_map <= alpha
    res = tfce_fwe(Y, n_permutations, 1, rng, connectivity=connectivity)
    return res.p_fwe <= alpha


@dataclass(frozen=True)
class ErrorRates:
    """Measured error rates of each method over repeated simulated studies.

    Attributes
    ----------
    methods : tuple of str
        Methods compared.
    fwe : ndarray, shape (n_methods,)
        Fraction of studies with at least one false positive.
    power : ndarray, shape (n_methods,)
        Mean fraction of planted voxels detected (NaN for null studies).
    n_studies : int
        Number of simulated studies.
    fwe_band : tuple of float
        Central 95 % binomial band of the FWE estimate for a method at exactly ``alpha``.
    """

    methods: tuple
    fwe: np.ndarray
    power: np.ndarray
    n_studies: int
    fwe_band: tuple


def error_rates(methods=METHODS, n_studies=50, alpha=0.05, cdt_p=0.001, n_permutations=200,
                fwhm_known=False, rng=0, **study):
    """Familywise error and power of several methods over seeded repeated studies.

    Parameters
    ----------
    methods : sequence of str, default=METHODS
        Methods to compare (see :func:`detect`).
    n_studies : int, default=50
        Number of simulated studies, >= 1.
    alpha : float, default=0.05 (dimensionless)
        Nominal level.
    cdt_p : float, default=0.001 (dimensionless)
        Cluster-forming threshold (one-sided p).
    n_permutations : int, default=200
        Sign patterns per permutation test.
    fwhm_known : bool, default=False
        Give the RFT methods the true FWHM instead of the estimate.
    rng : int or numpy.random.Generator, default=0
        Seed: study k draws its data and its permutations from two children of this generator,
        so results are reproducible and the sign patterns are independent of the data.
    **study
        Keyword arguments of :func:`neurocourse.stats.simulate.simulate_group_study`
        (``n_subjects``, ``shape``, ``fwhm``, ``effect``, ``kernel``, ``noise_df``, ...).

    Returns
    -------
    ErrorRates
    """
    methods = tuple(check_option("methods", m, METHODS) for m in methods)
    n_studies = check_int("n_studies", n_studies, 1)
    seeds = np.random.default_rng(rng).spawn(2 * n_studies)  # data and permutations apart
    fwe = np.zeros(len(methods))
    power = np.zeros(len(methods))
    for k in range(n_studies):  # repeated studies; each method is vectorised inside
        st = simulate_group_study(rng=seeds[2 * k], **study)
        fw = st.fwhm if fwhm_known else None
        for j, m in enumerate(methods):
            hit = detect(st.Y, m, alpha, cdt_p, n_permutations, fw, rng=seeds[2 * k + 1])
            fwe[j] += np.any(hit & ~st.truth)
            power[j] += hit[st.truth].mean() if st.truth.any() else np.nan
    lo, hi = scipy.stats.binom.ppf([0.025, 0.975], n_studies, alpha) / n_studies
    return ErrorRates(methods, fwe / n_studies, power / n_studies, n_studies, (lo, hi))
