"""Explorer for the chapter "Group inference": smoothness, threshold and method -> thresholded map.

A thin wrapper over :mod:`neurocourse.stats` (simulation, detection, measured error rates): sliders
and plotting only.

Default state: 14 subjects, 28 x 28 voxels, noise FWHM 3 voxels, two planted blobs, max-t permutation
inference at alpha = 0.05. The left panel is the group t map, the middle one the voxels the method
declares active (planted blobs outlined), and the title of the right panel reports the familywise
error rate and power measured on 20 fresh simulated studies.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import stats

__all__ = ["group_explorer"]

_SHAPE = (28, 28)
_N_SUBJECTS = 14
_EFFECT = stats.blob_effect(_SHAPE, [[8, 9], [19, 18]], [4.0, 2.5], 1.2)
_METHODS = ("uncorrected", "bonferroni", "fdr", "rft", "permutation", "cluster", "tfce")
_CDT = (0.05, 0.01, 0.005, 0.001)


def _show_group(fwhm, cdt_p, method, kernel="gaussian", n_studies=20, seed=0):
    study = stats.simulate_group_study(_N_SUBJECTS, _SHAPE, fwhm, _EFFECT, kernel=kernel, rng=seed)
    t, _ = stats.one_sample_t(study.Y)
    hit = stats.detect(study.Y, method, cdt_p=cdt_p, n_permutations=100, rng=seed + 1)
    rates = stats.error_rates((method,), n_studies=n_studies, cdt_p=cdt_p, n_permutations=100,
                              rng=seed + 2, n_subjects=_N_SUBJECTS, shape=_SHAPE, fwhm=fwhm,
                              effect=_EFFECT, kernel=kernel)
    fig, axes = plt.subplots(1, 2, figsize=(6.6, 3.4), layout="constrained")
    im = axes[0].imshow(t.T, origin="lower", cmap="RdBu_r", vmin=-6, vmax=6)
    fig.colorbar(im, ax=axes[0], label="group t (13 df)", shrink=0.85)
    axes[0].set_title(f"one study, noise FWHM {fwhm:g} voxels", fontsize=9)
    axes[1].imshow(hit.T, origin="lower", cmap="Greys", vmin=0, vmax=1.5)
    axes[1].contour(study.truth.T.astype(float), levels=[0.5], colors="C3", linewidths=1)
    false = int(np.count_nonzero(hit & ~study.truth))
    axes[1].set_title(f"{method}: {int(hit.sum())} voxels active, {false} outside the blobs\n"
                      f"over {n_studies} studies: FWE {rates.fwe[0]:.2f}, power "
                      f"{rates.power[0]:.2f}", fontsize=9)
    for ax in axes:
        ax.set_xlabel("x (voxel)")
        ax.set_ylabel("y (voxel)")
    plt.show()
    return rates


def group_explorer(fwhm=3.0, cdt_p=0.001, method="permutation"):
    """Sliders for the noise smoothness, the cluster-forming threshold and the inference method.

    Parameters
    ----------
    fwhm : float, default=3.0
        Noise smoothness (voxels).
    cdt_p : float, default=0.001
        Cluster-forming threshold (one-sided p) for ``"cluster"``.
    method : str, default="permutation"
        One of ``"uncorrected", "bonferroni", "fdr", "rft", "permutation", "cluster", "tfce"``.

    Returns
    -------
    ipywidgets.interactive
    """

    def show(fwhm, cdt_p, method):
        _show_group(fwhm, cdt_p, method)

    return widgets.interactive(
        show,
        fwhm=widgets.FloatSlider(value=fwhm, min=1.0, max=6.0, step=0.5,
                                 description="FWHM (vox)"),
        cdt_p=widgets.SelectionSlider(options=_CDT, value=cdt_p, description="CDT p"),
        method=widgets.Dropdown(options=_METHODS, value=method, description="method"),
    )
