"""Cross-validated linear decoding: shrinkage LDA and logistic regression, leave-one-run-out,
permutation tests, time-resolved decoding and a searchlight.

The estimators and the cross-validation machinery are scikit-learn's (a well-kept library that
is a run-time dependency of the course): writing them again would add code and risk, not
insight. What this module adds is the analysis logic the chapters teach: leave-one-run-out
folds, preprocessing kept inside the fold, labels permuted within runs, one classifier per time
point, and a sphere of voxels per searchlight centre.

References
----------
Haxby et al. (2001) Science 293:2425; Pereira, Mitchell & Botvinick (2009) NeuroImage 45:S199
(cross-validation); Ledoit & Wolf (2004) J Multivar Anal 88:365 (shrinkage LDA); Ojala &
Garriga (2010) J Mach Learn Res 11:1833 (permutation tests of accuracy); King & Dehaene (2014)
Trends Cogn Sci 18:203 (time-resolved decoding); Kriegeskorte, Goebel & Bandettini (2006) PNAS
103:3863 (searchlight); scikit-learn 1.x (``LinearDiscriminantAnalysis``, ``LogisticRegression``,
``LeaveOneGroupOut``, ``cross_val_score``, ``permutation_test_score``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    LeaveOneGroupOut,
    StratifiedKFold,
    cross_val_score,
    permutation_test_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neurocourse._validation import as_finite, check_int, check_option, check_positive

__all__ = [
    "PermutationResult",
    "cross_validated_accuracy",
    "double_dipping_accuracy",
    "make_classifier",
    "permutation_test",
    "searchlight",
    "sphere_neighbours",
    "time_resolved_accuracy",
]

CLASSIFIERS = ("lda", "logistic")


def make_classifier(kind="lda", C=1.0):
    """A linear classifier as a scikit-learn estimator (all preprocessing inside it).

    Parameters
    ----------
    kind : {"lda", "logistic"}
        ``"lda"``: ``LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")``, Ledoit–Wolf
        shrinkage of the class covariances (well posed with more voxels than trials).
        ``"logistic"``: standardisation followed by L2 logistic regression.
    C : float
        Inverse L2 penalty of the logistic regression (> 0), dimensionless.

    Returns
    -------
    sklearn estimator
        Unfitted; ``fit(X, y)`` then ``predict(X)`` or ``score(X, y)``.

    References
    ----------
    scikit-learn ``LinearDiscriminantAnalysis``; Blankertz et al. (2011) NeuroImage 56:814.
    """
    check_option("classifier", kind, CLASSIFIERS)
    if kind == "lda":
        return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    C = float(check_positive("C", C))
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))


def _xy(X, y, groups=None):
    X = as_finite("X", X)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"X must have shape (n_trials, n_features) with n_trials >= 2, got "
                         f"{X.shape}")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) (one label per trial), got {y.shape}")
    if np.unique(y).size < 2:
        raise ValueError("y must contain at least 2 classes")
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (X.shape[0],):
            raise ValueError(f"runs must have shape ({X.shape[0]},) (one run label per trial), got "
                             f"{groups.shape}")
        if np.unique(groups).size < 2:
            raise ValueError("runs must contain at least 2 distinct runs for leave-one-run-out")
    return X, y, groups


def _estimator(classifier):
    if isinstance(classifier, str):
        return make_classifier(classifier)
    if not hasattr(classifier, "fit"):
        raise ValueError(f"classifier must be one of {list(CLASSIFIERS)} or a scikit-learn "
                         f"estimator, got {classifier!r}")
    return clone(classifier)


def cross_validated_accuracy(X, y, runs, classifier="lda", scoring="accuracy", n_features=None
                             ) -> np.ndarray:
    """Leave-one-run-out decoding score, one value per held-out run.

    Trials from one run share slow drifts and the scanner's state, so they are not independent of
    each other: a test trial must never share a run with a training trial.

    Parameters
    ----------
    X : array_like, shape (n_trials, n_features)
        Patterns (e.g. voxel betas), in any unit.
    y : array_like, shape (n_trials,)
        Class label of each trial (categories, no unit).
    runs : array_like, shape (n_trials,)
        Run label of each trial (categories, no unit; the cross-validation groups).
    classifier : {"lda", "logistic"} or sklearn estimator
        A name for :func:`make_classifier`, or an estimator (cloned before fitting).
    scoring : str
        scikit-learn scorer name (``"accuracy"``, ``"balanced_accuracy"``, ``"roc_auc"``).
    n_features : int, optional
        Keep the ``n_features`` voxels with the largest ANOVA F, selected **inside** each fold
        from the training trials only.

    Returns
    -------
    ndarray, shape (n_runs,)
        Score of each fold (fraction correct for ``"accuracy"``).

    References
    ----------
    Pereira, Mitchell & Botvinick (2009) NeuroImage 45:S199.
    """
    X, y, runs = _xy(X, y, runs)
    est = _estimator(classifier)
    if n_features is not None:
        k = check_int("n_features", n_features, 1)
        est = make_pipeline(SelectKBest(f_classif, k=min(k, X.shape[1])), est)
    return cross_val_score(est, X, y, groups=runs, cv=LeaveOneGroupOut(), scoring=scoring)


def double_dipping_accuracy(X, y, runs, n_features, classifier="lda", scoring="accuracy"
                            ) -> np.ndarray:
    """The circular analysis, on purpose: voxels selected on **all** trials, then cross-validated.

    The selection has seen the test trials' labels, so the test folds are no longer independent
    of training: on pure noise this returns accuracies well above chance. It exists to show the
    error (Kriegeskorte 2009); use :func:`cross_validated_accuracy` with ``n_features``.

    Parameters
    ----------
    X, y, runs : array_like
        Patterns, shape (n_trials, n_features), in any unit; class and run labels, shape
        (n_trials,), categories with no unit. As in :func:`cross_validated_accuracy`.
    classifier, scoring : str or sklearn estimator
        As in :func:`cross_validated_accuracy`.
    n_features : int
        Voxels kept (largest ANOVA F over all trials).

    Returns
    -------
    ndarray, shape (n_runs,)
        Score of each fold (fraction correct for ``"accuracy"``), biased upwards by the
        selection.

    References
    ----------
    Kriegeskorte et al. (2009) Nat Neurosci 12:535; Vul et al. (2009) Perspect Psychol Sci
    4:274.
    """
    X, y, runs = _xy(X, y, runs)
    k = check_int("n_features", n_features, 1)
    keep = SelectKBest(f_classif, k=min(k, X.shape[1])).fit(X, y).get_support()
    return cross_val_score(_estimator(classifier), X[:, keep], y, groups=runs,
                           cv=LeaveOneGroupOut(), scoring=scoring)


@dataclass(frozen=True)
class PermutationResult:
    """Observed score, its null distribution and the permutation p-value (C + 1)/(B + 1).

    Attributes
    ----------
    score : float
        Observed leave-one-run-out score (fraction correct for ``"accuracy"``).
    null : ndarray, shape (n_permutations,)
        Scores with labels permuted within runs, in the same units as ``score``.
    p_value : float
        Permutation p-value, a probability in (0, 1].
    """

    score: float
    null: np.ndarray
    p_value: float


def permutation_test(X, y, runs, classifier="lda", n_permutations=100, rng=0,
                     scoring="accuracy") -> PermutationResult:
    """Permutation test of the leave-one-run-out score, labels shuffled within each run.

    Parameters
    ----------
    X, y, runs : array_like
        Patterns, shape (n_trials, n_features), in any unit; class and run labels, shape
        (n_trials,), categories with no unit. As in :func:`cross_validated_accuracy`.
    classifier, scoring : str or sklearn estimator
        As in :func:`cross_validated_accuracy`.
    n_permutations : int
        Number of random relabellings B.
    rng : int or Generator
        Seed of the relabelling.

    Returns
    -------
    PermutationResult
        ``p_value = (C + 1)/(B + 1)``, C the number of permuted scores >= the observed score.

    References
    ----------
    Ojala & Garriga (2010) J Mach Learn Res 11:1833; scikit-learn ``permutation_test_score``.
    """
    X, y, runs = _xy(X, y, runs)
    B = check_int("n_permutations", n_permutations, 1)
    seed = rng if not isinstance(rng, np.random.Generator) else int(rng.integers(2**31))
    score, null, p = permutation_test_score(
        _estimator(classifier), X, y, groups=runs, cv=LeaveOneGroupOut(), n_permutations=B,
        random_state=seed, scoring=scoring)
    return PermutationResult(score=float(score), null=np.asarray(null), p_value=float(p))


def time_resolved_accuracy(epochs, y, classifier="lda", n_folds=5, scoring="accuracy"
                           ) -> np.ndarray:
    """Decode the class at every time point of MEG/EEG epochs (one classifier per sample).

    Parameters
    ----------
    epochs : array_like, shape (n_trials, n_channels, n_times)
        MEG/EEG epochs, in any unit (e.g. T or V).
    y : array_like, shape (n_trials,)
        Class label of each trial (categories, no unit).
    classifier : {"lda", "logistic"} or sklearn estimator
        A name for :func:`make_classifier`, or an estimator (cloned before fitting).
    n_folds : int
        Stratified folds, not shuffled (deterministic).
    scoring : str
        scikit-learn scorer name, as in :func:`cross_validated_accuracy`.

    Returns
    -------
    ndarray, shape (n_folds, n_times)
        Score of each fold at each time point (fraction correct for ``"accuracy"``);
        ``mean(axis=0)`` is the decoding time course.

    References
    ----------
    King & Dehaene (2014) Trends Cogn Sci 18:203; MNE ``SlidingEstimator`` (same result with
    the same folds).
    """
    E = as_finite("epochs", epochs)
    if E.ndim != 3:
        raise ValueError(f"epochs must have shape (n_trials, n_channels, n_times), got {E.shape}")
    _, y, _ = _xy(E[:, :, 0], y)
    cv = StratifiedKFold(check_int("n_folds", n_folds, 2))
    est = _estimator(classifier)
    # one independent classifier per time sample (a loop over time, not over channels)
    return np.column_stack([cross_val_score(est, E[:, :, t], y, cv=cv, scoring=scoring)
                            for t in range(E.shape[2])])


def sphere_neighbours(positions, radius) -> list:
    """Indices of the voxels within ``radius`` of each voxel (the searchlight spheres).

    Parameters
    ----------
    positions : array_like, shape (n_voxels, 3)
        Voxel centres in m.
    radius : float
        Sphere radius in m.

    Returns
    -------
    list of ndarray
        ``out[v]``: indices (int, no unit) of the voxels v' with ``|r_v' - r_v| <= radius``.
    """
    from scipy.spatial import cKDTree

    P = as_finite("positions", positions, unit="m")
    if P.ndim != 2 or P.shape[1] != 3:
        raise ValueError(f"positions must have shape (n_voxels, 3), got {P.shape}")
    r = float(check_positive("radius", radius, unit="m"))
    tree = cKDTree(P)
    # a relative epsilon keeps voxels exactly on the sphere (nilearn includes them)
    return [np.asarray(sorted(n)) for n in tree.query_ball_point(P, r * (1 + 1e-9))]


def searchlight(X, y, positions, radius, classifier="lda", cv=None, scoring="accuracy"
                ) -> np.ndarray:
    """Searchlight: the cross-validated score of the voxels in a sphere around every voxel.

    Parameters
    ----------
    X : array_like, shape (n_trials, n_voxels)
        Trial patterns, in any unit.
    y : array_like, shape (n_trials,)
        Class label of each trial (categories, no unit).
    positions : array_like, shape (n_voxels, 3)
        Voxel centres in m.
    radius : float
        Sphere radius in m.
    classifier : {"lda", "logistic"} or sklearn estimator
        A name for :func:`make_classifier`, or an estimator (cloned before fitting).
    cv : sklearn splitter or int, optional
        Default: 4 unshuffled ``KFold`` folds (deterministic).
    scoring : str
        scikit-learn scorer name, as in :func:`cross_validated_accuracy`.

    Returns
    -------
    ndarray, shape (n_voxels,)
        Mean fold score of each centre's sphere (fraction correct for ``"accuracy"``).

    References
    ----------
    Kriegeskorte, Goebel & Bandettini (2006) PNAS 103:3863; nilearn ``SearchLight``.
    """
    from sklearn.model_selection import KFold

    X, y, _ = _xy(X, y)
    spheres = sphere_neighbours(positions, radius)
    if len(spheres) != X.shape[1]:
        raise ValueError(f"positions must have one row per voxel ({X.shape[1]}), got "
                         f"{len(spheres)}")
    cv = KFold(4) if cv is None else cv
    est = _estimator(classifier)
    # one classifier per sphere: the loop is over searchlight centres, each a separate model
    return np.array([cross_val_score(est, X[:, s], y, cv=cv, scoring=scoring).mean()
                     for s in spheres])
