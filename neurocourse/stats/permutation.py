"""Max-statistic sign-flip permutation tests with familywise-error (FWE) control.

Under the null hypothesis of a zero group mean with errors symmetric about zero, flipping the sign
of any subject's estimate leaves the distribution of the data unchanged (Nichols & Holmes 2002).
For each sign pattern ``b`` the one-sample t map is recomputed and its maximum over tests (voxels)
``M_b`` recorded; the FWE-corrected p-value of a test is the fraction of patterns whose maximum
reaches the observed statistic, the identity pattern included, so that ``p_fwe >= 1 / B``.

``n_permutations=None`` enumerates every pattern exactly (``2^n`` for a one-sided test; ``2^(n-1)``
with the first sign fixed for ``tail=0``, which gives the same fractions because ``max|t|`` is
unchanged when every sign flips). An integer draws that many patterns with ``rng``, the first being
the identity.

Implementation: the sum of squares ``SS`` of each column is invariant under sign flips. With the
columns normalised, ``Z = Y / sqrt(SS)``, a pattern's t statistic is an increasing function of
``u = S @ Z``, ``t = u sqrt(n - 1) / sqrt(n - u^2)``; so the maximum statistic of a block of patterns
``S`` (B, n) needs one matrix product and one reduction, and only the B maxima are transformed.
Blocks of patterns bound the memory.

References
----------
.. [1] T. E. Nichols and A. P. Holmes, "Nonparametric permutation tests for functional neuroimaging:
   a primer with examples", Hum. Brain Mapp. 15:1-25, 2002.
.. [2] MNE-Python ``mne.stats.permutation_t_test`` (1.13); nilearn
   ``mass_univariate.permuted_ols`` (0.14).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import check_int, check_option
from neurocourse.stats.group import one_sample_t, subject_array

__all__ = [
    "MAX_EXACT_SUBJECTS",
    "TIE_RTOL",
    "PermutationResult",
    "count_exceedances",
    "permutation_fwe",
    "sign_flip_patterns",
    "signflip_t",
]

#: Largest group enumerated exactly by ``n_permutations=None`` (2^20 patterns, about a million).
MAX_EXACT_SUBJECTS = 20

#: Relative slack when comparing a permuted maximum with an observed statistic: the same value
#: computed by two code paths can differ by an ulp, and a tie must count as reaching it.
TIE_RTOL = 1e-12

_BLOCK_ELEMENTS = 2_000_000  # patterns x tests held in memory at once


@dataclass(frozen=True)
class PermutationResult:
    """Result of :func:`permutation_fwe`.

    Attributes
    ----------
    t : ndarray, shape (n_tests,)
        Observed one-sample t statistics (n - 1 df), dimensionless.
    p_fwe : ndarray, shape (n_tests,)
        FWE-corrected p-values: the fraction of sign patterns whose maximum statistic reaches the
        observed one, identity included (in ``[1/B, 1]``).
    null_max : ndarray, shape (B,)
        The maximum statistic of every pattern (``max|t|`` for ``tail=0``, ``max t`` for 1,
        ``min t`` for -1); ``null_max[0]`` is the identity.
    n_permutations : int
        Number of patterns B, identity included.
    exact : bool
        Whether every pattern was enumerated.
    tail : int
        -1, 0 or 1.
    df : int
        Degrees of freedom of t, n - 1.
    """

    t: np.ndarray
    p_fwe: np.ndarray
    null_max: np.ndarray
    n_permutations: int
    exact: bool
    tail: int
    df: int


def sign_flip_patterns(n_subjects, n_permutations=None, tail=0, rng=None):
    """Sign patterns (+1/-1) for a one-sample permutation test; row 0 is the identity.

    Parameters
    ----------
    n_subjects : int
        Number of subjects n, >= 2.
    n_permutations : int or None, default=None
        None: every pattern (``2^n``, or ``2^(n-1)`` with the first sign fixed to +1 when
        ``tail=0``), in binary order starting at the identity. An integer B >= 2: the identity and
        B - 1 patterns drawn uniformly with replacement. If B reaches the number of distinct
        patterns, the exact enumeration is returned instead.
    tail : {-1, 0, 1}, default=0
        Alternative hypothesis, which decides whether the global sign flip is redundant.
    rng : numpy.random.Generator or int or None
        Random generator or seed (ignored for an exact enumeration).

    Returns
    -------
    patterns : ndarray of float, shape (B, n) (dimensionless)
        Entries +1 or -1.
    exact : bool
        True for a complete enumeration.

    Raises
    ------
    ValueError
        If an exact enumeration is requested for more than :data:`MAX_EXACT_SUBJECTS` subjects.
    """
    n = check_int("n_subjects", n_subjects, 2)
    tail = check_option("tail", tail, (-1, 0, 1))
    free = n - 1 if tail == 0 else n
    if n_permutations is not None:
        n_permutations = check_int("n_permutations", n_permutations, 2)
        if free < 62 and n_permutations >= 2**free:
            n_permutations = None
    if n_permutations is None:
        if n > MAX_EXACT_SUBJECTS:
            raise ValueError(
                f"n_subjects must be <= {MAX_EXACT_SUBJECTS} for exact enumeration "
                f"(2^{free} patterns), got {n}; pass an integer n_permutations instead")
        codes = np.arange(2**free)[:, None]
        bits = (codes >> np.arange(free)[::-1]) & 1  # 0 -> +1, 1 -> -1; code 0 is the identity
        flips = 1.0 - 2.0 * bits
        if tail == 0:
            flips = np.hstack([np.ones((flips.shape[0], 1)), flips])
        return flips, True
    rng = np.random.default_rng(rng)
    flips = rng.choice(np.array([-1.0, 1.0]), size=(n_permutations, n))
    flips[0] = 1.0
    return flips, False


def signflip_t(Y, patterns):
    """One-sample t statistics of ``patterns[b] * Y`` for every pattern b, vectorised.

    Parameters
    ----------
    Y : ndarray, shape (n_subjects, n_tests)
        Subject estimates (any unit).
    patterns : ndarray, shape (B, n_subjects) (dimensionless)
        Sign patterns (+1/-1).

    Returns
    -------
    ndarray, shape (B, n_tests)
        t statistics (n - 1 df). A column with zero variance under a pattern gets ``+-inf``
        (0 if its mean is 0 too).

    Notes
    -----
    ``sum_s (e_s y_s)^2 = sum_s y_s^2`` for signs ``e_s``, so only the means change:
    ``t = m sqrt(n) / sqrt((SS - n m^2) / (n - 1))``.
    """
    n = Y.shape[0]
    ss = np.einsum("ij,ij->j", Y, Y)
    m = patterns @ Y
    m /= n
    var = ss - n * m * m
    np.maximum(var, 0.0, out=var)
    var /= n * (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = m / np.sqrt(var)
    zero = var == 0
    if zero.any():
        t[zero] = np.where(m[zero] == 0, 0.0, np.sign(m[zero]) * np.inf)
    return t


def _max_t(Z, patterns, tail):
    """Maximum t of each pattern from column-normalised data Z = Y / sqrt(sum y^2).

    ``u = patterns @ Z`` is the sign-flipped sum of the normalised column, and
    ``t = u sqrt(n - 1) / sqrt(n - u^2)`` is increasing in u, so the maximum t of a pattern is the
    transform of its maximum u: one matrix product and one reduction per pattern block.
    """
    n = Z.shape[0]
    u = patterns @ Z
    if tail == 0:
        ext = np.abs(u).max(axis=1)
    else:
        ext = u.max(axis=1) if tail == 1 else u.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ext * np.sqrt(n - 1.0) / np.sqrt(np.maximum(n - ext * ext, 0.0))
    return np.where(ext == 0, 0.0, t)


def count_exceedances(null_max, observed, tail=0):
    """FWE p-values: the fraction of null maxima that reach each observed statistic.

    Parameters
    ----------
    null_max : array_like, shape (B,)
        Maximum statistic of each pattern (identity included), as in :class:`PermutationResult`.
    observed : array_like, any shape
        Observed statistics.
    tail : {-1, 0, 1}, default=0
        0 compares ``|observed|`` with ``null_max``; 1 compares ``observed``; -1 counts null minima
        at or below ``observed``.

    Returns
    -------
    ndarray, shape of observed
        p-values in [0, 1]; ties (within :data:`TIE_RTOL`) count as reaching.
    """
    null = np.sort(np.asarray(null_max, dtype=float))
    obs = np.asarray(observed, dtype=float)
    if tail == -1:
        null, obs = -null[::-1], -obs
    elif tail == 0:
        obs = np.abs(obs)
    guard = obs - TIE_RTOL * np.abs(obs)
    below = np.searchsorted(null, guard, side="left")
    return (null.size - below) / null.size


def permutation_fwe(Y, n_permutations=None, tail=0, rng=None):
    """One-sample sign-flip test of each column of Y with max-statistic FWE correction.

    Parameters
    ----------
    Y : array_like, shape (n_subjects, n_tests)
        One estimate per subject (rows) and test, e.g. first-level contrast values at each voxel
        (any unit). A 1-D array is one test.
    n_permutations : int or None, default=None
        None enumerates every sign pattern exactly; an integer draws that many patterns with
        ``rng``, the identity being the first (see :func:`sign_flip_patterns`).
    tail : {0, 1, -1}, default=0
        0: two-sided, the maximum of ``|t|``; 1: mean > 0, the maximum of t; -1: mean < 0, the
        minimum of t. (MNE's one-sided tests keep ``max|t|``, which is conservative; nilearn's
        one-sided test, its ``non_parametric_inference`` default, uses ``max t`` as here.)
    rng : numpy.random.Generator or int or None
        Random generator or seed for drawn patterns.

    Returns
    -------
    PermutationResult
        ``.t`` (one-sample t, n - 1 df) and ``.p_fwe`` per test, plus the null distribution.

    Raises
    ------
    ValueError
        Fewer than 2 subjects, non-finite data, a bad tail, or exact enumeration of too many
        subjects.

    References
    ----------
    Nichols & Holmes 2002; ``mne.stats.permutation_t_test`` (identical p-values under exact
    enumeration for ``tail=0``).
    """
    Y = subject_array("Y", Y)
    Y = Y[:, None] if Y.ndim == 1 else Y.reshape(Y.shape[0], -1)
    patterns, exact = sign_flip_patterns(Y.shape[0], n_permutations, tail, rng)
    block = max(1, _BLOCK_ELEMENTS // Y.shape[1])
    ss = np.einsum("ij,ij->j", Y, Y)
    Z = Y * np.where(ss > 0, 1.0 / np.sqrt(np.where(ss > 0, ss, 1.0)), 0.0)
    null = np.concatenate([_max_t(Z, patterns[i:i + block], tail)
                           for i in range(0, patterns.shape[0], block)])
    t, df = one_sample_t(Y)
    p = count_exceedances(null, t, tail)
    return PermutationResult(t, p, null, patterns.shape[0], exact, tail, df)
