"""Contrasts over named design columns, and z scores from p-values.

:func:`contrast_vector` is the one place where contrast weights are built from column names: the
design matrix (:meth:`neurocourse.design.DesignMatrix.contrast`), the GLM
(:meth:`neurocourse.glm.GLMResult.contrast`) and the exercises all use it. A contrast is given as
``{column name: weight}`` (columns not named get weight 0), as a column name alone (weight 1), or as a
list of these (one row each: an F contrast). Weights are dimensionless.

References
----------
nilearn ``nilearn/glm/contrasts.py`` (``expression_to_contrast_vector``) and
``nilearn/glm/_utils.py`` (``z_score``), version 0.14.
"""

from __future__ import annotations

import numpy as np
import scipy.stats

from neurocourse._validation import as_finite, check_option, check_scalar

__all__ = ["contrast_vector", "is_named_contrast", "z_from_p"]


def is_named_contrast(weights) -> bool:
    """Whether ``weights`` names design columns (a dict, a str, or a non-empty list/tuple of them).

    Parameters
    ----------
    weights : object
        A candidate contrast.

    Returns
    -------
    bool
        True for ``{name: weight}``, ``"name"`` or a sequence of those; False for numeric arrays.
    """
    if isinstance(weights, dict | str):
        return True
    return (isinstance(weights, list | tuple) and len(weights) > 0
            and all(isinstance(w, dict | str) for w in weights))  # fmt: skip


def _row(weights, names) -> np.ndarray:
    if isinstance(weights, str):
        weights = {weights: 1.0}
    c = np.zeros(len(names))
    for key, w in weights.items():
        c[names.index(check_option("contrast column", key, names))] = check_scalar(f"weight of {key!r}", w)
    return c


def contrast_vector(weights, names=None) -> np.ndarray:
    """A contrast over the columns of a design, built from column names.

    Parameters
    ----------
    weights : dict, str, sequence of dict or str, or array_like
        ``{column name: weight}`` gives a 1-D contrast (t test) with zeros for the columns not named;
        a column name alone means weight 1; a list or tuple of these gives one row per item (a 2-D
        contrast: F test). Numeric input (a vector or matrix of weights) is returned as a float
        array unchanged, so callers may accept either form. Weights are dimensionless.
    names : sequence of str, optional
        The design's column names, in column order; required for named weights.

    Returns
    -------
    ndarray, shape (n_columns,) or (q, n_columns)
        Dimensionless contrast weights.

    Raises
    ------
    ValueError
        If a name is not a column of the design (the message lists the columns), a weight is not a
        finite number, the names are not unique, or named weights come without names.

    Examples
    --------
    >>> contrast_vector({"A": 1, "B": -1}, ["A", "B", "drift_1", "constant"])
    array([ 1., -1.,  0.,  0.])
    >>> contrast_vector(["A", "B"], ["A", "B", "constant"])
    array([[1., 0., 0.],
           [0., 1., 0.]])
    """
    if not is_named_contrast(weights):
        return as_finite("contrast", weights)
    if names is None:
        raise ValueError(
            "contrast given by column names needs the design's column names, got a design without "
            "names (fit a DesignMatrix or a DataFrame, or pass names=...)"
        )
    names = tuple(str(n) for n in names)
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"names must be unique column names, got duplicates {dup}")
    if isinstance(weights, dict | str):
        return _row(weights, names)
    return np.vstack([_row(w, names) for w in weights])


def z_from_p(p_value, one_minus_p=None):
    """Standard-normal z with upper-tail probability p, clipped as nilearn does.

    Parameters
    ----------
    p_value : array_like
        Upper-tail p-values (survival function), dimensionless.
    one_minus_p : array_like, optional
        The same probabilities computed from the CDF (1 - p without cancellation). Where
        ``isf(p)`` is negative, z is taken as ``ppf(one_minus_p)`` for accuracy.

    Returns
    -------
    ndarray
        z, dimensionless. p is clipped to [1e-300, 1 - 1e-16], so z lies in about [-8.2, 37.0].

    Notes
    -----
    Follows ``nilearn.glm._utils.z_score``.
    """
    p = np.clip(np.asarray(p_value, dtype=float), 1e-300, 1.0 - 1e-16)
    z = scipy.stats.norm.isf(p)
    if one_minus_p is not None:
        q = np.clip(np.asarray(one_minus_p, dtype=float), 1e-300, 1.0 - 1e-16)
        z = np.where(z < 0, scipy.stats.norm.ppf(q), z)
    return z
