"""Decoding: what scikit-learn's shrinkage LDA computes (numpy reimplementation), leave-one-run-out,
circularity, permutation tests, time-resolved decoding (= MNE) and the searchlight (= nilearn)."""

import nibabel as nib
import numpy as np
import pytest
from mne.decoding import SlidingEstimator, cross_val_multiscore
from nilearn.decoding import SearchLight
from scipy.stats import norm
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.svm import LinearSVC

from neurocourse import decoding as dec
from neurocourse.decoding import simulate as ds


def _lw_shrunk(X):
    """Ledoit–Wolf covariance of standardised features, rescaled (sklearn's _cov 'auto')."""
    s = X.std(axis=0)
    Z = (X - X.mean(axis=0)) / s
    n, p = Z.shape
    S = Z.T @ Z / n
    mu = np.trace(S) / p
    d2 = np.sum((S - mu * np.eye(p)) ** 2) / p
    b2 = min((np.sum(np.sum(Z**2, axis=1) ** 2) - n * np.sum(S**2)) / (n**2 * p), d2)
    C = (1 - b2 / d2) * S + b2 / d2 * mu * np.eye(p)
    return C * np.outer(s, s)


def test_shrinkage_lda_is_what_the_reference_says():
    """One LORO fold of make_classifier('lda') equals a numpy shrinkage LDA (reference §5.1)."""
    d = ds.decoding_dataset(n_runs=3, n_trials=20, n_voxels=30, rng=0)
    tr, te = d.runs != 0, d.runs == 0
    Xtr, ytr = d.X[tr], d.y[tr]
    pri = np.array([np.mean(ytr == k) for k in (0, 1)])
    means = np.array([Xtr[ytr == k].mean(axis=0) for k in (0, 1)])
    Sigma = sum(pri[k] * _lw_shrunk(Xtr[ytr == k]) for k in (0, 1))
    W = np.linalg.solve(Sigma, means.T).T
    b = -0.5 * np.sum(W * means, axis=1) + np.log(pri)
    pred = np.argmax(d.X[te] @ W.T + b, axis=1)
    est = dec.make_classifier("lda").fit(Xtr, ytr)
    np.testing.assert_array_equal(est.predict(d.X[te]), pred)
    # decision values to 1e-10 relative: same algebra, different solver (lstsq vs solve)
    np.testing.assert_allclose(est.decision_function(d.X[te]),
                               (d.X[te] @ W.T + b) @ [-1, 1], rtol=1e-10, atol=1e-10)
    acc = dec.cross_validated_accuracy(d.X, d.y, d.runs)
    assert acc.shape == (3,)
    assert acc[0] == pytest.approx(np.mean(pred == d.y[te]), abs=1e-15)


@pytest.mark.parametrize("classifier", ["lda", "logistic"])
def test_planted_effect_is_decoded(classifier):
    """5 informative voxels at effect 0.8 SD: LORO accuracy well above 0.5."""
    d = ds.decoding_dataset(effect=0.8, rng=1)
    # 120 test trials in total: SE of chance accuracy 0.046; 0.65 is > 3 SE above chance
    assert dec.cross_validated_accuracy(d.X, d.y, d.runs, classifier).mean() > 0.65


def test_circular_selection_lies_on_noise():
    """Selecting voxels on all trials before cross-validation decodes pure noise."""
    d = ds.decoding_dataset(n_voxels=400, effect=0.0, rng=2)
    honest = dec.cross_validated_accuracy(d.X, d.y, d.runs, n_features=20).mean()
    circular = dec.double_dipping_accuracy(d.X, d.y, d.runs, 20).mean()
    assert abs(honest - 0.5) < 0.14  # 3 SE (0.046) of chance with 120 test trials
    assert circular > honest + 0.1  # observed ~0.25 above


def test_permutation_p_value():
    d = ds.decoding_dataset(effect=0.8, rng=3)
    r = dec.permutation_test(d.X, d.y, d.runs, n_permutations=30, rng=0)
    assert r.p_value == pytest.approx((np.sum(r.null >= r.score) + 1) / 31, abs=1e-15)
    assert r.p_value == pytest.approx(1 / 31, abs=1e-15)  # a strong effect: no null >= observed
    # the null is centred on chance: 30 draws of an SD ~0.05 accuracy; Monte Carlo bound 0.06
    assert abs(r.null.mean() - 0.5) < 0.06


def test_permutation_null_is_not_significant():
    """Under H0, p is uniform: over 8 null data sets no more than chance rejections at 0.05."""
    ps = [dec.permutation_test(*_xyr(ds.decoding_dataset(effect=0.0, n_voxels=10, rng=s)),
                               n_permutations=19, rng=s).p_value for s in range(8)]
    # P(>= 3 of 8 below 0.05 | uniform p) = 0.006
    assert np.sum(np.array(ps) <= 0.05) <= 2


def _xyr(d):
    return d.X, d.y, d.runs


def test_time_resolved_equals_mne_sliding_estimator():
    e = ds.meg_decoding_epochs(n_trials=40, n_channels=5, tmin=0.0, tmax=0.4, rng=4)
    ours = dec.time_resolved_accuracy(e.epochs, e.y, n_folds=4, scoring="roc_auc")
    ref = cross_val_multiscore(SlidingEstimator(dec.make_classifier("lda"), scoring="roc_auc"),
                               e.epochs, e.y, cv=StratifiedKFold(4))
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)  # reference §5.7: exact (0.0)


def test_time_resolved_recovers_planted_window():
    """AUC ~ Phi(d'/sqrt 2) = 0.92 inside 100-300 ms (d' = 2), 0.5 outside."""
    e = ds.meg_decoding_epochs(n_trials=200, n_channels=5, d_prime=2.0, rng=5)
    auc = dec.time_resolved_accuracy(e.epochs, e.y, n_folds=5, scoring="roc_auc").mean(axis=0)
    inside = (e.times >= 0.12) & (e.times <= 0.28)
    outside = (e.times < 0.08) | (e.times > 0.32)
    # 200 trials: SE of one AUC ~0.02; averaged over >= 17 time points, ~0.005. Estimation of a
    # 5-channel LDA from 160 training trials costs a little: bound 0.04
    assert abs(auc[inside].mean() - norm.cdf(2.0 / np.sqrt(2))) < 0.04
    assert abs(auc[outside].mean() - 0.5) < 0.03


def test_searchlight_equals_nilearn():
    s = ds.searchlight_dataset(shape=(4, 4, 3), n_trials=24, rng=6)
    vol = np.zeros((*s.shape, s.X.shape[0]))
    vol[...] = s.X.T.reshape(*s.shape, -1)
    img = nib.Nifti1Image(vol, np.eye(4))  # identity affine: 1 mm voxels
    mask = nib.Nifti1Image(np.ones(s.shape, dtype=np.int8), np.eye(4))
    sl = SearchLight(mask, radius=1.5, estimator="svc", cv=KFold(4)).fit(img, s.y)
    pos_m = np.indices(s.shape).reshape(3, -1).T * 1e-3  # the same grid in m
    ours = dec.searchlight(s.X, s.y, pos_m, 1.5e-3, classifier=LinearSVC(), cv=KFold(4))
    np.testing.assert_allclose(ours, sl.scores_.reshape(-1), rtol=0, atol=1e-12)  # exact ✔


def test_searchlight_finds_the_planted_ball():
    s = ds.searchlight_dataset(rng=7)
    sc = dec.searchlight(s.X, s.y, s.positions, 3.1e-3)
    # the informative ball's interior scores above 0.8; far voxels near chance (40 trials:
    # SE 0.08): compare the means
    far = np.linalg.norm(s.positions - s.positions[s.informative].mean(axis=0), axis=1) > 9e-3
    assert sc[s.informative].mean() > 0.8 and abs(sc[far].mean() - 0.5) < 0.12


def test_bad_input():
    with pytest.raises(ValueError, match="classifier"):
        dec.make_classifier("svm")
    with pytest.raises(ValueError, match="runs"):
        dec.cross_validated_accuracy(np.zeros((4, 2)), [0, 1, 0, 1], [0, 0, 0, 0])
    with pytest.raises(ValueError, match="y must"):
        dec.cross_validated_accuracy(np.zeros((4, 2)), [0, 1, 0], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="radius"):
        dec.sphere_neighbours(np.zeros((3, 3)), -1.0)
