"""Explorer for the chapter "The general linear model": a t-map explorer.

The design-efficiency explorer moved to :mod:`neurocourse.widgets.design` with the efficiency
section (chapter "Experimental design").

Thin wrappers over :mod:`neurocourse.simulate` (the seeded slice experiment) and
:mod:`neurocourse.glm` (fit, contrasts, thresholds):
sliders and plotting only.

Default states: the GLM explorer shows a 32 x 32 slice with two active blobs (A left, B right), AR(1)
noise with rho = 0.4 fitted by OLS, so about 10 % of the null voxels reach p < 0.05 instead of 5 %;
switching the noise model to "ar1" brings this back near 5 %.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import glm
from neurocourse.simulate import CONTRASTS, slice_experiment

__all__ = ["glm_explorer"]


# --------------------------------------------------------------------------------------------
# explorers
# --------------------------------------------------------------------------------------------


def _show_glm(sigma, rho, contrast, noise_model, seed=0):
    exp = slice_experiment(sigma=sigma, rho=rho, seed=seed)
    res = glm.fit_glm(exp.Y, exp.design.matrix, noise_model)
    con = res.contrast(exp.contrast_vector(contrast))
    stat = con.stat.reshape(exp.shape)
    truth = exp.true_effect(contrast)
    null = truth.ravel() < 0.01  # voxels with (almost) no true effect
    fp = float(np.mean(con.p_value[null] < 0.05))
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.4), gridspec_kw={"width_ratios": [1, 1.25]})
    label = "F" if con.stat_type == "F" else "t"
    lim = max(float(np.abs(stat).max()), 1e-9)
    im = axes[0].imshow(stat, cmap="magma" if label == "F" else "RdBu_r", origin="lower",
                        vmin=0 if label == "F" else -lim, vmax=lim)
    axes[0].contour(truth, levels=[0.1], colors="k", linewidths=0.8)
    fig.colorbar(im, ax=axes[0], label=f"{label} statistic")
    axes[0].set_xlabel("x (voxel)")
    axes[0].set_ylabel("y (voxel)")
    axes[0].set_title(f"{contrast}, {noise_model.upper()}: {100 * fp:.1f} % of null voxels at p < 0.05",
                      fontsize=9)
    v = int(np.argmax(exp.beta_a.ravel()))
    t = exp.design.frame_times
    axes[1].plot(t, exp.Y[:, v], color="0.5", lw=1, label="data (voxel at the centre of A)")
    fitted = exp.design.matrix @ res.beta[:, v]
    axes[1].plot(t, fitted, color="C3", lw=1.8, label="fitted model")
    axes[1].set_xlabel("time (s)")
    axes[1].set_ylabel("signal (% of baseline x 100)")
    axes[1].legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    plt.show()
    return fp


def glm_explorer(sigma=1.0, rho=0.4, contrast="A", noise_model="ols"):
    """Sliders for noise level and AR(1) coefficient, a contrast and a noise model; shows the map.

    Parameters
    ----------
    sigma : float, default 1.0
        Noise standard deviation (percent signal change).
    rho : float, default 0.4
        AR(1) coefficient of the simulated noise.
    contrast : str, default "A"
        One of :data:`CONTRASTS`.
    noise_model : {"ols", "ar1"}, default "ols"
        Model used to fit the data (the data always have AR(1) noise with ``rho``).

    Returns
    -------
    ipywidgets.interactive
    """

    def show(sigma, rho, contrast, noise_model):
        _show_glm(sigma, rho, contrast, noise_model)

    return widgets.interactive(
        show,
        sigma=widgets.FloatSlider(value=sigma, min=0.25, max=4.0, step=0.25,
                                  description="noise σ (%)"),
        rho=widgets.FloatSlider(value=rho, min=0.0, max=0.8, step=0.05, description="AR(1) ρ"),
        contrast=widgets.Dropdown(options=list(CONTRASTS), value=contrast, description="contrast"),
        noise_model=widgets.Dropdown(options=["ols", "ar1"], value=noise_model,
                                     description="model"),
    )
