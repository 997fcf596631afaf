"""Benchmark: inverse kernel + application and a single-dipole fit, neurocourse vs MNE-Python.

1. 306 Vectorview channels (mag + grad, MNE's accurate sphere forward) × ``--sources`` fixed
   sources (default 5 000): dSPM with MNE's depth prior (exponent 0.8, limit 10, computed on the
   free gradiometer lead field), λ² = 1/9. MNE is timed on ``make_inverse_operator`` +
   ``apply_inverse``; neurocourse on ``inverse_kernel`` + ``K @ b``, given the same lead field,
   covariance and data.
2. A dipole fit to one time point: 102 point magnetometers at the Vectorview magnetometer
   positions (identical forward on both sides), sphere model, MNE's ``fit_dipole`` vs
   ``neurocourse.inverse.fit_dipole``.

Prints the medians of ``--repeats`` runs, the ratios (goal ≥ 3×), the agreement, and the load
average. The machine is shared: quote the numbers with the load.

Run: ``.venv/bin/python benchmarks/bench_inverse.py [--sources 5000] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from _timing import median_time


def _kernel_part(n_sources, repeats):
    import mne

    from neurocourse.inverse import inverse_kernel

    rng = np.random.default_rng(0)
    center = np.zeros(3)
    u = rng.normal(size=(n_sources, 3))
    u[:, 2] = np.abs(u[:, 2])
    rr = u / np.linalg.norm(u, axis=1, keepdims=True) * rng.uniform(0.02, 0.07, (n_sources, 1))
    nn = rng.normal(size=(n_sources, 3))
    nn /= np.linalg.norm(nn, axis=1, keepdims=True)
    info = mne.channels.read_meg_canonical_info("neuromag")
    src = mne.setup_volume_source_space(pos=dict(rr=rr, nn=nn))
    sphere = mne.make_sphere_model(r0=center, head_radius=None)
    fwd = mne.make_forward_solution(info, None, src, sphere, meg=True, eeg=False, mindist=0)
    types = info.get_channel_types()
    sd = np.where(np.array(types) == "mag", 20e-15, 5e-13)
    A = rng.normal(size=(306, 306))
    C = (0.2 * A @ A.T / 306 + np.eye(306)) * np.outer(sd, sd)
    cov = mne.Covariance(C, info["ch_names"], [], [], 100)
    b = rng.normal(size=(306, 20)) * sd[:, None] * 3
    evoked = mne.EvokedArray(b, info, nave=1)
    G_free = fwd["sol"]["data"]
    G_fixed = mne.convert_forward_solution(fwd, surf_ori=True, force_fixed=True)["sol"][
        "data"].astype(float)

    def run_mne():
        inv = mne.minimum_norm.make_inverse_operator(info, fwd, cov, loose=0.0, fixed=True,
                                                     depth=0.8)
        return mne.minimum_norm.apply_inverse(evoked, inv, 1 / 9, "dSPM").data

    def run_nc():
        K = inverse_kernel(G_fixed, C, 1 / 9, "dSPM", depth=0.8, ch_types=types,
                           depth_gain=G_free)
        return K @ b

    t_mne, x_mne = median_time(run_mne, repeats)
    t_nc, x_nc = median_time(run_nc, repeats)
    rel = float(np.abs(x_nc - x_mne).max() / np.abs(x_mne).max())
    print(f"dSPM kernel + apply, 306 channels x {n_sources} sources, 20 samples "
          f"(median of {repeats})")
    print(f"  MNE make_inverse_operator + apply_inverse : {t_mne:8.3f} s")
    print(f"  neurocourse inverse_kernel + K @ b        : {t_nc:8.3f} s")
    print(f"  speed-up (MNE / ours)                     : {t_mne / t_nc:8.2f}x   (goal >= 3)")
    print(f"  max difference / max |dSPM|               : {rel:.2e}")
    return t_mne, t_nc, rel


def _dipole_part(repeats):
    import mne

    from neurocourse import meg
    from neurocourse.inverse import fit_dipole

    arr = meg.vectorview_array()
    mags = arr.picks("mag")
    pos, nrm = arr.positions[mags], arr.normals[mags]
    n = pos.shape[0]
    info = mne.create_info([f"M{i:03d}" for i in range(n)], 1000.0, "mag")
    frames = meg.sensors._orthonormal_frames(nrm)
    with info._unlock():
        for i, ch in enumerate(info["chs"]):
            ch["coil_type"] = 2000
            ch["loc"][:12] = np.concatenate([pos[i], frames[i].ravel()])
        info["dev_head_t"] = mne.transforms.Transform("meg", "head")
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=0.1)
    noise = np.eye(n) * (20e-15) ** 2
    cov = mne.Covariance(noise, info["ch_names"], [], [], 1)
    r0 = np.array([0.025, -0.01, 0.05])
    q = np.cross(r0 / np.linalg.norm(r0), [1.0, 0.0, 0.0])
    q *= 30e-9 / np.linalg.norm(q)

    def gain(P):
        return meg.lead_field(P, pos, nrm)

    rng = np.random.default_rng(1)
    b = gain(r0[None]) @ q + rng.normal(size=n) * 20e-15
    evoked = mne.EvokedArray(b[:, None], info, nave=1)
    t_mne, dip = median_time(lambda: mne.fit_dipole(evoked, cov, sphere, None)[0], repeats)
    t_nc, fit = median_time(lambda: fit_dipole(b, noise, gain, radius=0.09), repeats)
    d = float(np.linalg.norm(fit.position - dip.pos[0]))
    print(f"single-dipole fit, {n} point magnetometers, one time point (median of {repeats})")
    print(f"  MNE fit_dipole             : {t_mne:8.3f} s")
    print(f"  neurocourse fit_dipole     : {t_nc:8.3f} s")
    print(f"  speed-up (MNE / ours)      : {t_mne / t_nc:8.2f}x   (goal >= 3)")
    print(f"  position difference        : {1e3 * d:.3f} mm;  GOF {fit.gof:.3f} % vs "
          f"{dip.gof[0]:.3f} %")
    return t_mne, t_nc, d


def main(n_sources: int = 5000, repeats: int = 3) -> dict:
    import mne

    mne.set_log_level("ERROR")
    print(f"load average before: {os.getloadavg()}")
    k = _kernel_part(n_sources, repeats)
    print()
    d = _dipole_part(repeats)
    print(f"load average after: {os.getloadavg()}")
    return {"kernel_ratio": k[0] / k[1], "kernel_rel": k[2], "dipole_ratio": d[0] / d[1],
            "dipole_mm": 1e3 * d[2]}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sources", type=int, default=5000)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    main(a.sources, a.repeats)
