"""Explorers for the chapter "The general linear model": a t-map explorer and a design-efficiency explorer.

Thin wrappers over :mod:`neurocourse.design` (design matrices, efficiency, AR(1) simulation) and
:mod:`neurocourse.glm` (fit, contrasts, thresholds). The small experiment helpers here
(:func:`slice_experiment`, :func:`block_design_efficiency`, :func:`event_design_efficiency`) only
compose those functions with fixed, seeded choices so that the book and the explorers show the same
numbers.

Default states: the GLM explorer shows a 32 x 32 slice with two active blobs (A left, B right), AR(1)
noise with rho = 0.4 fitted by OLS, so about 10 % of the null voxels reach p < 0.05 instead of 5 %;
switching the noise model to "ar1" brings this back near 5 %. The efficiency explorer starts at 16-s blocks
(a 32-s cycle, near the optimum) and at a 4-s SOA without null events.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse import design, glm

__all__ = [
    "CONTRASTS",
    "SliceExperiment",
    "block_design_efficiency",
    "efficiency_explorer",
    "event_design_efficiency",
    "glm_explorer",
    "slice_experiment",
]

CONTRASTS = ("A", "B", "A > B", "B > A", "any effect (F)")


@dataclass(frozen=True)
class SliceExperiment:
    """A simulated slice: its design, data and ground truth.

    Attributes
    ----------
    design : neurocourse.design.DesignMatrix
        Columns A, B, cosine drifts and the constant.
    Y : ndarray, shape (n_scans, ny * nx)
        Voxel time series (percent signal change around a baseline of 100).
    beta_a, beta_b : ndarray, shape (ny, nx)
        True response amplitudes of conditions A and B (percent signal change).
    shape : tuple of int
        (ny, nx).
    """

    design: design.DesignMatrix
    Y: np.ndarray
    beta_a: np.ndarray
    beta_b: np.ndarray
    shape: tuple

    def contrast_vector(self, name):
        """Contrast (vector, or matrix for the F test) for one of :data:`CONTRASTS`."""
        dm = self.design
        if name == "A":
            return dm.contrast({"A": 1})
        if name == "B":
            return dm.contrast({"B": 1})
        if name == "A > B":
            return dm.contrast({"A": 1, "B": -1})
        if name == "B > A":
            return dm.contrast({"A": -1, "B": 1})
        if name == "any effect (F)":
            return np.vstack([dm.contrast({"A": 1}), dm.contrast({"B": 1})])
        raise ValueError(f"contrast must be one of {CONTRASTS}, got {name!r}")


def _blob(shape, center, radius):
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return np.exp(-((yy - center[0]) ** 2 + (xx - center[1]) ** 2) / (2.0 * radius**2))


def slice_experiment(shape=(32, 32), n_scans=160, tr=2.0, amplitude=1.0, sigma=1.0, rho=0.4,
                     seed=0):
    """Simulate one slice: a block design with conditions A and B, two blobs, AR(1) noise.

    Parameters
    ----------
    shape : tuple of int, default (32, 32)
        Slice size in voxels (ny, nx).
    n_scans : int, default 160
        Number of scans.
    tr : float, default 2.0
        Repetition time (s).
    amplitude : float, default 1.0
        Peak response at the blob centres (percent signal change). A peaks left (and responds at
        half amplitude to B), B peaks right.
    sigma : float, default 1.0
        Marginal noise standard deviation (percent signal change), >= 0.
    rho : float, default 0.4
        AR(1) coefficient of the noise, in (-1, 1).
    seed : int, default 0
        Random seed.

    Returns
    -------
    SliceExperiment
    """
    ft = design.frame_times(n_scans, tr)
    onsets = np.arange(10.0, n_scans * tr - 20.0, 15.0)
    conds = np.where(np.arange(onsets.size) % 2 == 0, "A", "B")
    events = design.make_events(onsets, 7.5, 1.0, conds)
    dm = design.make_design_matrix(ft, events, hrf_model="glover", drift_model="cosine",
                                   high_pass=0.01)
    ny, nx = shape
    a = amplitude * _blob(shape, (ny * 0.45, nx * 0.28), ny / 9)
    b = amplitude * _blob(shape, (ny * 0.55, nx * 0.72), ny / 9) + 0.5 * a
    beta = np.zeros((dm.shape[1], ny * nx))
    beta[dm.index("A")] = a.ravel()
    beta[dm.index("B")] = b.ravel()
    beta[dm.index("constant")] = 100.0
    Y = design.simulate_voxels(dm.matrix, beta, rho=rho, sigma=sigma, rng=seed)
    return SliceExperiment(dm, Y, a, b, shape)


def block_design_efficiency(block_length, n_scans=200, tr=2.0, high_pass=0.01):
    """Efficiency of "task > rest" for an on/off block design, drift columns included.

    Parameters
    ----------
    block_length : float
        Length of each task block (s); rest blocks have the same length (period 2 x block_length).
    n_scans : int, default 200
        Number of scans.
    tr : float, default 2.0
        Repetition time (s).
    high_pass : float, default 0.01
        Cosine drift cut-off (Hz), as in nilearn (periods longer than 1/high_pass are modelled as
        drift).

    Returns
    -------
    float
        :func:`neurocourse.design.efficiency` of the task column (1 / signal unit squared, noise
        sigma = 1).
    """
    ft = design.frame_times(n_scans, tr)
    onsets = np.arange(0.0, n_scans * tr, 2.0 * block_length)
    dm = design.make_design_matrix(ft, design.make_events(onsets, block_length, 1.0, "task"),
                                   hrf_model="glover", drift_model="cosine", high_pass=high_pass)
    return design.efficiency(dm.matrix, dm.contrast({"task": 1}))


def event_design_efficiency(soa, p_null=0.0, n_scans=200, tr=2.0, seed=0):
    """Efficiency of an event-related design with two conditions and optional null events.

    Events are placed every ``soa`` seconds; each slot is a null event (nothing happens) with
    probability ``p_null``, otherwise A or B with equal probability. Null events jitter the
    effective interval between real events.

    Parameters
    ----------
    soa : float
        Stimulus onset asynchrony of the slots (s), > 0.
    p_null : float, default 0.0
        Probability that a slot is a null event, in [0, 1).
    n_scans : int, default 200
        Number of scans.
    tr : float, default 2.0
        Repetition time (s).
    seed : int, default 0
        Random seed of the sequence.

    Returns
    -------
    dict
        ``{"A + B": e_main, "A - B": e_diff}``: efficiencies (sigma = 1) of the main effect of
        the task and of the differential contrast.
    """
    rng = np.random.default_rng(seed)
    ft = design.frame_times(n_scans, tr)
    onsets = np.arange(4.0, n_scans * tr - 16.0, soa)
    kind = rng.choice(["A", "B"], size=onsets.size)
    real = rng.random(onsets.size) >= p_null
    real[:2] = True  # keep both conditions present
    kind[:2] = ["A", "B"]
    events = design.make_events(onsets[real], 0.5, 1.0, kind[real])
    dm = design.make_design_matrix(ft, events, hrf_model="glover", drift_model="cosine",
                                   high_pass=0.01)
    return {
        "A + B": design.efficiency(dm.matrix, dm.contrast({"A": 1, "B": 1})),
        "A - B": design.efficiency(dm.matrix, dm.contrast({"A": 1, "B": -1})),
    }


# --------------------------------------------------------------------------------------------
# explorers
# --------------------------------------------------------------------------------------------


def _show_glm(sigma, rho, contrast, noise_model, seed=0):
    exp = slice_experiment(sigma=sigma, rho=rho, seed=seed)
    res = glm.fit_glm(exp.Y, exp.design.matrix, noise_model)
    con = res.contrast(exp.contrast_vector(contrast))
    stat = con.stat.reshape(exp.shape)
    truth = {"A": exp.beta_a, "B": exp.beta_b, "A > B": exp.beta_a - exp.beta_b,
             "B > A": exp.beta_b - exp.beta_a}.get(contrast, np.hypot(exp.beta_a, exp.beta_b))
    null = truth.ravel() < 0.01  # voxels with (almost) no true effect
    fp = float(np.mean(con.p_value[null] < 0.05))
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.7), gridspec_kw={"width_ratios": [1, 1.25]})
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


_BLOCKS = np.array([2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 24.0, 30.0, 40.0, 50.0, 60.0, 80.0,
                    100.0])
_P_NULL = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6])


def _show_efficiency(block_length, soa):
    curve = np.array([block_design_efficiency(b) for b in _BLOCKS])
    here = block_design_efficiency(block_length)
    ev = [event_design_efficiency(soa, p) for p in _P_NULL]
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.4))
    axes[0].plot(_BLOCKS, curve, "o-", color="C0", ms=4)
    axes[0].plot([block_length], [here], "o", color="C3", ms=9, label=f"{block_length:g}-s blocks")
    axes[0].axvline(50.0, color="0.6", ls=":", lw=1, label="half of the 100-s high-pass period")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("block length (s)")
    axes[0].set_ylabel("efficiency, task > rest (a.u.)")
    axes[0].legend(fontsize=8)
    axes[1].plot(_P_NULL, [e["A + B"] for e in ev], "o-", label="A + B (main effect)")
    axes[1].plot(_P_NULL, [e["A - B"] for e in ev], "s-", label="A − B (differential)")
    axes[1].set_xlabel("fraction of null events")
    axes[1].set_ylabel("efficiency (a.u.)")
    axes[1].set_title(f"events every {soa:g} s", fontsize=9)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    plt.show()
    return here


def efficiency_explorer(block_length=16.0, soa=4.0):
    """Sliders for the block length and the event SOA; plots design efficiency.

    Parameters
    ----------
    block_length : float, default 16.0
        Task (and rest) block length (s) for the block design.
    soa : float, default 4.0
        Slot SOA (s) for the event-related design, whose null-event fraction is varied on the
        x axis of the right panel.

    Returns
    -------
    ipywidgets.interactive
    """

    def show(block_length, soa):
        _show_efficiency(block_length, soa)

    return widgets.interactive(
        show,
        block_length=widgets.FloatSlider(value=block_length, min=2.0, max=100.0, step=2.0,
                                         description="block (s)"),
        soa=widgets.FloatSlider(value=soa, min=1.0, max=16.0, step=0.5, description="SOA (s)"),
    )
