"""Cluster-level inference on statistic maps: cluster extent and mass, with sign-flip permutations.

A cluster-forming threshold (CDT) ``u`` (in t units) is applied to the one-sample t map; connected
components of ``{t > u}`` (and, for a two-sided test, of ``{t < -u}``, labelled separately) are
the clusters. Connectivity is stated explicitly because libraries differ: ``connectivity=1`` joins
voxels that share a face (4 neighbours in 2-D, 6 in 3-D; ``scipy.ndimage.label``'s default, MNE's
lattice default and nilearn's ``generate_binary_structure(3, 1)``), ``connectivity=2`` adds edges
(18 in 3-D, SPM), ``connectivity=3`` adds corners (26 in 3-D).

Cluster statistics:

``"size"``
    the number of voxels (MNE ``t_power=0``; nilearn ``size``);
``"mass"``
    the sum of ``|t|`` over the cluster (MNE's default ``t_power=1``);
``"excess_mass"``
    the sum of ``|t| - u`` (nilearn's and FSL's ``mass``).

The FWE null is the distribution, over sign-flip patterns, of the largest cluster statistic in
the map (0 if a pattern has no cluster); a cluster's p-value is the fraction of patterns whose
maximum reaches it, identity included. Every pattern's map is labelled in one
``scipy.ndimage.label`` call, with the pattern axis given no connectivity.

References
----------
.. [1] S. D. Forman et al., "Improved assessment of significant activation in functional magnetic
   resonance imaging (fMRI): use of a cluster-size threshold", Magn. Reson. Med. 33:636-647, 1995.
.. [2] T. E. Nichols and A. P. Holmes, Hum. Brain Mapp. 15:1-25, 2002.
.. [3] E. Maris and R. Oostenveld, "Nonparametric statistical testing of EEG- and MEG-data",
   J. Neurosci. Methods 164:177-190, 2007 (cluster mass).
.. [4] MNE-Python ``mne.stats.permutation_cluster_1samp_test`` (1.13); nilearn
   ``glm.second_level.non_parametric_inference`` (0.14).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage

from neurocourse._validation import check_int, check_option, check_positive
from neurocourse.stats.group import one_sample_t, subject_array
from neurocourse.stats.permutation import count_exceedances, sign_flip_patterns, signflip_t

__all__ = [
    "CLUSTER_STATISTICS",
    "ClusterResult",
    "cluster_fwe",
    "connectivity_structure",
    "find_clusters",
    "max_cluster_statistic",
    "spatial_data",
]

CLUSTER_STATISTICS = ("size", "mass", "excess_mass")

_BLOCK_ELEMENTS = 2_000_000  # patterns x voxels labelled at once


def spatial_data(Y):
    """Validate group maps: ``(n_subjects, *shape)`` with 1 to 3 spatial dimensions.

    Parameters
    ----------
    Y : array_like, shape (n_subjects, n_x[, n_y[, n_z]])
        Subject maps (any unit).

    Returns
    -------
    ndarray of float (unit of Y)

    Raises
    ------
    ValueError
        If Y is not 2-D to 4-D, has fewer than 2 subjects, or is not finite.
    """
    Y = subject_array("Y", Y)
    if not 2 <= Y.ndim <= 4:
        raise ValueError(f"Y must have shape (n_subjects, *shape) with 1 to 3 spatial dimensions, "
                         f"got {Y.shape}")
    return Y


def connectivity_structure(ndim, connectivity=1):
    """Neighbourhood of a lattice voxel for labelling clusters.

    Parameters
    ----------
    ndim : int
        Number of spatial dimensions, 1 to 3.
    connectivity : int, default=1
        1: face neighbours (2, 4, 6 in 1-, 2-, 3-D); 2: faces and edges (8 in 2-D, 18 in 3-D);
        3: also corners (26 in 3-D). At most ``ndim``.

    Returns
    -------
    ndarray of bool, shape (3,) * ndim
        ``scipy.ndimage.generate_binary_structure(ndim, connectivity)``.
    """
    ndim = check_int("ndim", ndim, 1)
    if ndim > 3:
        raise ValueError(f"ndim must be 1, 2 or 3, got {ndim}")
    connectivity = check_int("connectivity", connectivity, 1)
    if connectivity > ndim:
        raise ValueError(f"connectivity must be in [1, {ndim}] for {ndim}-D maps, got {connectivity}")
    return scipy.ndimage.generate_binary_structure(ndim, connectivity)


def _stack_structure(ndim, connectivity):
    """The spatial structure with a leading map axis that connects nothing across maps."""
    s = connectivity_structure(ndim, connectivity)
    full = np.zeros((3, *s.shape), dtype=bool)
    full[1] = s
    return full


def _label_stack(mask, structure):
    """Label (B, *shape) masks at once; returns labels (B, *shape) and the map of each label."""
    labels, n = scipy.ndimage.label(mask, structure=structure)
    owner = np.zeros(n + 1, dtype=np.intp)
    flat = labels.reshape(labels.shape[0], -1)
    rows = np.broadcast_to(np.arange(labels.shape[0])[:, None], flat.shape)
    owner[flat.ravel()] = rows.ravel()
    return labels, n, owner


def _cluster_values(t_abs, labels, n, statistic, threshold):
    flat = labels.ravel()
    if statistic == "size":
        vals = np.bincount(flat, minlength=n + 1).astype(float)
    elif statistic == "mass":
        vals = np.bincount(flat, weights=t_abs.ravel(), minlength=n + 1)
    else:
        vals = np.bincount(flat, weights=(t_abs - threshold).ravel(), minlength=n + 1)
    return vals[1:]


def _signed_parts(maps, tail):
    """The maps to threshold from above: t (tail 1), -t (tail -1), both (tail 0)."""
    if tail == 1:
        return [maps]
    if tail == -1:
        return [-maps]
    return [maps, -maps]


def max_cluster_statistic(maps, threshold, tail=0, connectivity=1, statistic="mass"):
    """Largest cluster statistic of each map in a stack (0 for a map without clusters).

    Parameters
    ----------
    maps : ndarray, shape (B, *shape)
        Statistic maps (t, dimensionless), one per row; 1 to 3 spatial dimensions.
    threshold : float
        Cluster-forming threshold u (same unit as the maps), > 0; voxels with ``t > u`` (and
        ``t < -u`` for ``tail=0``) form clusters.
    tail : {-1, 0, 1}, default=0
        Which clusters count: positive (1), negative (-1) or both (0).
    connectivity : int, default=1
        See :func:`connectivity_structure`.
    statistic : {"size", "mass", "excess_mass"}, default="mass"
        Cluster statistic (see the module notes).

    Returns
    -------
    ndarray, shape (B,)
        The maximum statistic per map (voxels, or t units times voxels).
    """
    best = np.zeros(maps.shape[0])
    structure = _stack_structure(maps.ndim - 1, connectivity)
    for part in _signed_parts(maps, tail):  # one or two signs
        labels, n, owner = _label_stack(part > threshold, structure)
        if n:
            vals = _cluster_values(np.abs(part), labels, n, statistic, threshold)
            np.maximum.at(best, owner[1:], vals)
    return best


def find_clusters(stat_map, threshold, tail=0, connectivity=1, statistic="mass"):
    """Clusters of one statistic map above a cluster-forming threshold.

    Parameters
    ----------
    stat_map : array_like, shape (n_x[, n_y[, n_z]])
        Statistic map (t or z, dimensionless).
    threshold : float
        Cluster-forming threshold u, > 0 (same unit as the map).
    tail : {-1, 0, 1}, default=0
        Positive clusters (1), negative (-1) or both (0, labelled separately).
    connectivity : int, default=1
        See :func:`connectivity_structure`.
    statistic : {"size", "mass", "excess_mass"}, default="mass"
        Cluster statistic.

    Returns
    -------
    labels : ndarray of int, shape of stat_map (cluster numbers, dimensionless)
        0 outside clusters, k = 1..K inside cluster k (positive clusters first).
    values : ndarray, shape (K,)
        Statistic of each cluster (>= 0).
    signs : ndarray of int, shape (K,) (dimensionless)
        +1 for a cluster of ``t > u``, -1 for ``t < -u``.
    """
    t = np.asarray(stat_map, dtype=float)
    threshold = float(check_positive("threshold", threshold))
    tail = check_option("tail", tail, (-1, 0, 1))
    statistic = check_option("statistic", statistic, CLUSTER_STATISTICS)
    structure = connectivity_structure(t.ndim, connectivity)
    labels = np.zeros(t.shape, dtype=int)
    values, signs = [], []
    for sign, part in zip([1, -1] if tail == 0 else [tail], _signed_parts(t, tail)):
        lab, n = scipy.ndimage.label(part > threshold, structure=structure)
        if n:
            values.append(_cluster_values(np.abs(part), lab, n, statistic, threshold))
            signs.append(np.full(n, sign))
            labels = np.where(lab > 0, lab + labels.max(), labels)
    values = np.concatenate(values) if values else np.zeros(0)
    signs = np.concatenate(signs) if signs else np.zeros(0, dtype=int)
    return labels, values, signs


@dataclass(frozen=True)
class ClusterResult:
    """Result of :func:`cluster_fwe`.

    Attributes
    ----------
    t : ndarray, shape (*shape)
        Observed one-sample t map (n - 1 df).
    labels : ndarray of int, shape (*shape)
        Cluster labels (0 outside clusters).
    cluster_stats : ndarray, shape (K,)
        Statistic of each observed cluster.
    cluster_signs : ndarray of int, shape (K,)
        +1 or -1.
    cluster_p : ndarray, shape (K,)
        FWE-corrected p-value of each cluster.
    p_map : ndarray, shape (*shape)
        Each voxel's cluster p-value (1 outside clusters).
    null_max : ndarray, shape (B,)
        Largest cluster statistic per sign pattern (identity first).
    threshold : float
        Cluster-forming threshold (t units).
    statistic : str
        Cluster statistic used.
    connectivity : int
        Neighbourhood used (see :func:`connectivity_structure`).
    exact : bool
        Whether every sign pattern was enumerated.
    """

    t: np.ndarray
    labels: np.ndarray
    cluster_stats: np.ndarray
    cluster_signs: np.ndarray
    cluster_p: np.ndarray
    p_map: np.ndarray
    null_max: np.ndarray
    threshold: float
    statistic: str
    connectivity: int
    exact: bool


def permuted_maps(Y, patterns, block):
    """Yield the t maps of blocks of sign patterns, shape (b, *shape), for each block in turn.

    Parameters
    ----------
    Y : ndarray, shape (n_subjects, *shape)
        Subject maps.
    patterns : ndarray, shape (B, n_subjects) (dimensionless)
        Sign patterns (+1/-1).
    block : int
        Patterns per block, >= 1.

    Yields
    ------
    ndarray, shape (b, *shape)
        One-sample t maps (n - 1 df).
    """
    flat = Y.reshape(Y.shape[0], -1)
    for i in range(0, patterns.shape[0], block):  # blocks of patterns, each one vectorised
        yield signflip_t(flat, patterns[i:i + block]).reshape((-1, *Y.shape[1:]))


def cluster_fwe(Y, threshold, tail=0, connectivity=1, statistic="mass", n_permutations=None,
                rng=None):
    """Cluster-level FWE inference by sign flipping: one-sample t maps and the max cluster statistic.

    Parameters
    ----------
    Y : array_like, shape (n_subjects, n_x[, n_y[, n_z]])
        Subject maps (any unit).
    threshold : float
        Cluster-forming threshold in **t units**, > 0 (MNE's convention; nilearn takes a p-value:
        for a one-sided test u = ``scipy.stats.t.isf(p, n - 1)``).
    tail : {-1, 0, 1}, default=0
        Positive clusters (1), negative (-1) or both (0).
    connectivity : int, default=1
        See :func:`connectivity_structure`.
    statistic : {"size", "mass", "excess_mass"}, default="mass"
        Cluster statistic.
    n_permutations : int or None, default=None
        None for exact enumeration, or a number of patterns drawn with ``rng``
        (see :func:`neurocourse.stats.permutation.sign_flip_patterns`).
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    ClusterResult

    References
    ----------
    Nichols & Holmes 2002; ``mne.stats.permutation_cluster_1samp_test`` (``t_power=1`` is
    ``"mass"``, 0 is ``"size"``; identical p-values under exact enumeration).
    """
    Y = spatial_data(Y)
    threshold = float(check_positive("threshold", threshold))
    tail = check_option("tail", tail, (-1, 0, 1))
    statistic = check_option("statistic", statistic, CLUSTER_STATISTICS)
    connectivity_structure(Y.ndim - 1, connectivity)
    patterns, exact = sign_flip_patterns(Y.shape[0], n_permutations, tail, rng)
    block = max(1, _BLOCK_ELEMENTS // int(np.prod(Y.shape[1:])))
    null = np.concatenate([max_cluster_statistic(m, threshold, tail, connectivity, statistic)
                           for m in permuted_maps(Y, patterns, block)])
    t, _ = one_sample_t(Y)
    labels, values, signs = find_clusters(t, threshold, tail, connectivity, statistic)
    cluster_p = count_exceedances(null, values, 1)
    p_map = np.concatenate([[1.0], cluster_p])[labels]
    return ClusterResult(t, labels, values, signs, cluster_p, p_map, null, threshold, statistic,
                         int(connectivity), exact)
