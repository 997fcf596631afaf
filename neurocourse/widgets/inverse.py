"""Explorer for the inverse-problem chapter: one source in a vertical slab, its estimate and PSF.

Thin wrapper over :func:`neurocourse.inverse.scenario.slab` and
:func:`neurocourse.inverse.scenario.point_source_estimate`: sliders and plotting only. The
default state is a source 4 cm deep under the vertex at SNR 5, λ² = 1/9 and plain minimum norm,
whose estimate peaks visibly above the true source (the superficial bias).
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from neurocourse.inverse import METHODS
from neurocourse.inverse.scenario import point_source_estimate, slab

__all__ = ["inverse_explorer"]

_HEAD_TOP = 0.085  # m: top of the head in the slab scenario (sphere radius)
_LOG10_DEFAULT = float(np.log10(1 / 9))  # MNE default lambda2 = 1/SNR^2 with SNR 3


def inverse_explorer(depth=0.04, snr=5.0, log10_lambda2=_LOG10_DEFAULT, method="MNE",
                     depth_prior=False):
    """Sliders for source depth, SNR, λ² and method; estimate and point-spread maps.

    Parameters
    ----------
    depth : float
        Source depth below the top of the head (8.5 cm from the centre) in m (default 0.04).
    snr : float
        Amplitude SNR of the whitened data (default 5).
    log10_lambda2 : float
        log10 of λ² (default log10(1/9)).
    method : str
        ``"MNE"``, ``"dSPM"``, ``"sLORETA"`` or ``"eLORETA"`` (default ``"MNE"``).
    depth_prior : bool
        Apply MNE's depth prior (exponent 0.8, limit 10).

    Returns
    -------
    ipywidgets.interactive
    """
    scn = slab()
    ix = int(np.argmin(np.abs(scn.x)))  # under the vertex
    extent = (scn.x[0] * 100, scn.x[-1] * 100, scn.z[0] * 100, scn.z[-1] * 100)

    def show(depth_mm, snr, log10_lambda2, method, depth_prior):
        iz = int(np.argmin(np.abs(scn.z - (_HEAD_TOP - depth_mm / 1000))))
        k = iz * scn.x.size + ix
        est = point_source_estimate(scn.G, scn.noise_cov, k, snr, 10.0**log10_lambda2, method,
                                    0.8 if depth_prior else None, rng=0)
        fig, axes = plt.subplots(1, 2, figsize=(7, 3.4), sharey=True, layout="constrained")
        for ax, vals, title in ((axes[0], est.estimate, "estimate (noisy data)"),
                                (axes[1], est.psf, "point-spread function")):
            img = np.abs(vals).reshape(scn.shape)
            img = img / img.max() if img.max() > 0 else img
            im = ax.imshow(img, origin="lower", extent=extent, aspect="auto", cmap="magma",
                           vmin=0, vmax=1)
            ax.plot(scn.x[ix] * 100, scn.z[iz] * 100, "c+", ms=14, mew=2, label="true source")
            p = int(np.argmax(np.abs(vals)))
            ax.plot(scn.source_rr[p, 0] * 100, scn.source_rr[p, 2] * 100, "wx", ms=10, mew=2,
                    label="peak")
            ax.set_xlabel("x (cm)")
            ax.set_title(title, fontsize=10)
        axes[0].set_ylabel("height above the head centre (cm)")
        axes[0].legend(loc="lower left", fontsize=8)
        fig.colorbar(im, ax=axes, label="|value| / max", shrink=0.85)
        fig.suptitle(f"{method}{' + depth prior' if depth_prior else ''}, source "
                     f"{depth_mm:.0f} mm deep, SNR {snr:.1f}, λ² = {10**log10_lambda2:.3g}",
                     fontsize=10)
        plt.show()

    return widgets.interactive(
        show,
        depth_mm=widgets.FloatSlider(value=depth * 1000, min=15, max=70, step=5,
                                     description="depth (mm)"),
        snr=widgets.FloatSlider(value=snr, min=0.5, max=20, step=0.5, description="SNR"),
        log10_lambda2=widgets.FloatSlider(value=log10_lambda2, min=-4, max=1, step=0.25,
                                          description="log10 λ²"),
        method=widgets.Dropdown(options=list(METHODS), value=method, description="method"),
        depth_prior=widgets.Checkbox(value=depth_prior, description="depth prior"),
    )
