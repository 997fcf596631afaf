"""Circular analysis ("double dipping"): selecting and measuring on the same data.

If voxels are selected because their group statistic passes a threshold, and the effect size is
then measured on the same data, the estimate is biased upwards: selection favours voxels whose
noise happened to be positive. On null data the "selected effect" is clearly non-zero. Measuring on
independent data (here: select with one half of the subjects, measure with the other) removes the
bias (Kriegeskorte et al. 2009; Vul et al. 2009).

References
----------
.. [1] N. Kriegeskorte, W. K. Simmons, P. S. F. Bellgowan and C. I. Baker, "Circular analysis in
   systems neuroscience: the dangers of double dipping", Nat. Neurosci. 12:535-540, 2009.
.. [2] E. Vul, C. Harris, P. Winkielman and H. Pashler, Perspect. Psychol. Sci. 4:274-290, 2009.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import check_positive
from neurocourse.stats.group import one_sample_t, subject_array

__all__ = ["SelectionResult", "selection_bias"]


@dataclass(frozen=True)
class SelectionResult:
    """Effect sizes measured in selected voxels, circularly and independently.

    Attributes
    ----------
    circular : float
        Mean effect (data units) over the voxels selected by all subjects' t, measured on all
        subjects (NaN if none is selected).
    independent : float
        Mean effect over the voxels selected by the first half's t, measured on the second half.
    n_selected : int
        Voxels selected by all subjects.
    n_selected_half : int
        Voxels selected by the first half.
    """

    circular: float
    independent: float
    n_selected: int
    n_selected_half: int


def selection_bias(Y, threshold, rng=None):
    """Measure the effect in voxels selected by ``t > threshold``, on the same and on other data.

    Parameters
    ----------
    Y : array_like, shape (n_subjects, ...)
        Subject maps (data units), at least 4 subjects.
    threshold : float
        Selection threshold on the one-sample t (> 0).
    rng : numpy.random.Generator or int or None
        Seed of the random split into halves.

    Returns
    -------
    SelectionResult
    """
    Y = subject_array("Y", Y, min_subjects=4)
    threshold = float(check_positive("threshold", threshold))
    flat = Y.reshape(Y.shape[0], -1)
    sel = one_sample_t(flat)[0] > threshold
    order = np.random.default_rng(rng).permutation(flat.shape[0])
    a, b = flat[order[: flat.shape[0] // 2]], flat[order[flat.shape[0] // 2:]]
    sel_a = one_sample_t(a)[0] > threshold
    mean = flat.mean(axis=0)
    circ = float(mean[sel].mean()) if sel.any() else np.nan
    indep = float(b.mean(axis=0)[sel_a].mean()) if sel_a.any() else np.nan
    return SelectionResult(circ, indep, int(sel.sum()), int(sel_a.sum()))
