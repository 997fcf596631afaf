"""Benchmark: the virtual subject, end to end, and its per-modality steps against the reference
libraries, in the same run.

1. The full composition (:mod:`neurocourse.subject`): build the subject (folded sheet, patches,
   MEG+EEG forward), simulate the session (balloon per distinct drive, GRE acquisition, TR
   sampling, M/EEG averaging with sensor noise), then recover every modality (GLM t map, dSPM
   for MEG, EEG, MEG+EEG, fMRI-weighted MEG). Timed per stage; no reference library composes
   these, so this part is timing only.
2. The inverse step against MNE: dSPM (λ² = 1/9, no depth prior) on the subject's magnetometer
   forward, ``inverse_kernel`` + ``K @ b`` vs ``make_inverse_operator`` + ``apply_inverse``, on
   the same fixed forward (point magnetometers, MNE's sphere forward with our float64 gain
   substituted, so only the inverse is compared), covariance and evoked data.
3. The GLM step against nilearn: the subject's BOLD and the same design (Glover regressor +
   cosine drifts), ``glm.fit_glm(..., "ols").contrast`` vs nilearn's ``run_glm(noise_model="ols")``
   + ``compute_contrast``: t maps compared.

The balloon model has no Python reference implementation (SPM is MATLAB), so it is timed only.
Prints medians, ratios, agreements and the load average; the machine is shared, so quote the
numbers with the load.

Run: ``.venv/bin/python benchmarks/bench_subject.py [--grid 41 5] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from _timing import median_time


def _composition(grid, repeats):
    from neurocourse import subject

    patches = (subject.Patch("A", 0.005), subject.Patch("B", -0.015, activity="spikes"))
    t_build, sub = median_time(lambda: subject.virtual_subject(patches, n=grid), repeats)
    t_sim, data = median_time(lambda: subject.simulate_subject(sub, rng=0), repeats)

    def recover_all():
        return {m: subject.recover(sub, data, m) for m in subject.MODALITIES}

    t_rec, recs = median_time(recover_all, repeats)
    n_src = sub.source_rr.shape[0]
    print(f"virtual subject: {n_src} sources, {sub.fwd.n_channels} channels "
          f"({len(sub.fwd.picks('mag'))} MEG + {len(sub.fwd.picks('eeg'))} EEG), "
          f"{data.frame_times.size} scans (median of {repeats})")
    print(f"  build (sheet, patches, MEG+EEG forward) : {t_build:8.3f} s")
    print(f"  simulate (BOLD + MEG + EEG)             : {t_sim:8.3f} s")
    print(f"  recover (GLM + 4 dSPM variants)         : {t_rec:8.3f} s")
    print(f"  total                                   : {t_build + t_sim + t_rec:8.3f} s")
    for m, r in recs.items():
        print(f"    {m:18s} spatial error {r.spatial_error * 1e3:5.1f} mm, "
              f"temporal error {r.temporal_error * 1e3:6.0f} ms")
    return sub, data, t_build + t_sim + t_rec



def _inverse_vs_mne(sub, data, repeats):
    import mne

    from neurocourse import inverse
    from neurocourse.meg.sensors import _orthonormal_frames

    mag = sub.fwd.picks("mag")
    pos = sub.fwd.ch_pos[mag]
    nrm = pos / np.linalg.norm(pos, axis=1, keepdims=True)  # radial magnetometers
    info = mne.create_info([f"M{i:03d}" for i in range(mag.size)], 500.0, "mag")
    fr = _orthonormal_frames(nrm)  # a point magnetometer (coil 2000) only uses ez
    with info._unlock():
        for i, ch in enumerate(info["chs"]):
            ch["coil_type"] = 2000
            ch["loc"][:12] = np.concatenate([pos[i], fr[i].ravel()])
        info["dev_head_t"] = mne.transforms.Transform("meg", "head")
    src = mne.setup_volume_source_space(pos=dict(rr=sub.source_rr, nn=sub.source_nn))
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=None)
    fwd = mne.make_forward_solution(info, None, src, sphere, meg=True, eeg=False, mindist=0)
    ff = mne.convert_forward_solution(fwd, surf_ori=True, force_fixed=True)
    G = sub.fwd.G[mag]
    fwd_agree = float(np.abs(ff["sol"]["data"] - G).max() / np.abs(G).max())
    ff["sol"]["data"] = G.copy()  # float64 on both sides: the inverse alone is compared
    C = data.evoked_cov[np.ix_(mag, mag)]
    cov = mne.Covariance(C, info["ch_names"], [], [], 1)
    b = data.evoked[mag]
    ev = mne.EvokedArray(b, info, tmin=float(data.times[0]), nave=1)

    def run_mne():
        # radial sources on the crowns are silent for MEG in a sphere (gain 0 or ~1e-17 of the
        # largest, rounding): their dSPM is 0/0 or rounding noise over rounding noise on both
        # sides (MNE warns and returns nan for the exact zeros), so the comparison is made on
        # the MEG-visible sources, gain norm > 1e-6 of the largest
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = mne.minimum_norm.make_inverse_operator(info, ff, cov, loose=0.0, fixed=True,
                                                         depth=None)
            return mne.minimum_norm.apply_inverse(ev, inv, 1 / 9, "dSPM").data

    def run_nc():
        return inverse.inverse_kernel(G, C, 1 / 9, "dSPM", ch_types=["mag"] * mag.size) @ b

    t_mne, x_mne = median_time(run_mne, repeats)
    t_nc, x_nc = median_time(run_nc, repeats)
    gn = np.linalg.norm(G, axis=0)
    ok = np.all(np.isfinite(x_mne), axis=1) & (gn > 1e-6 * gn.max())
    rel = float(np.abs(x_nc[ok] - x_mne[ok]).max() / np.abs(x_mne[ok]).max())
    print(f"inverse: dSPM on the subject's MEG forward, {mag.size} magnetometers x "
          f"{G.shape[1]} sources x {b.shape[1]} samples (median of {repeats})")
    print(f"  our forward vs MNE sphere forward (float32) : {fwd_agree:.1e} of max |G|")
    print(f"  MNE make_inverse_operator + apply_inverse   : {t_mne:8.4f} s")
    print(f"  neurocourse inverse_kernel + K @ b          : {t_nc:8.4f} s")
    print(f"  speed-up (MNE / ours)                       : {t_mne / t_nc:8.2f}x")
    print(f"  max difference / max |dSPM|                 : {rel:.2e} "
          f"({ok.sum()} MEG-visible sources; {(~ok).sum()} radial ones left out)")
    return t_mne / t_nc, rel


def _glm_vs_nilearn(data, repeats):
    from nilearn.glm.contrasts import compute_contrast
    from nilearn.glm.first_level import run_glm

    from neurocourse import design, glm

    ones = np.ones(data.onsets.size)
    reg, _ = design.compute_regressor(data.onsets, ones, ones, data.frame_times)
    X = np.column_stack([reg[:, 0], design.cosine_drift(0.01, data.frame_times)])
    c = np.zeros(X.shape[1])
    c[0] = 1.0
    Y = data.bold

    def ours():
        return np.ravel(glm.fit_glm(Y, X, "ols").contrast(c).stat)

    def theirs():
        labels, results = run_glm(Y, X, noise_model="ols")
        return np.ravel(compute_contrast(labels, results, c, stat_type="t").stat())

    t_nc, t_ours = median_time(ours, repeats)
    t_nil, t_theirs = median_time(theirs, repeats)
    diff = float(np.max(np.abs(t_ours - t_theirs) / np.maximum(np.abs(t_theirs), 1.0)))
    print(f"GLM: OLS t map of the subject's BOLD, {Y.shape[0]} scans x {Y.shape[1]} voxels "
          f"(median of {repeats})")
    print(f"  nilearn run_glm + compute_contrast : {t_nil * 1e3:8.2f} ms")
    print(f"  neurocourse fit_glm + contrast     : {t_nc * 1e3:8.2f} ms")
    print(f"  speed-up (nilearn / ours)          : {t_nil / t_nc:8.2f}x")
    print(f"  max |t difference| / max(|t|, 1)   : {diff:.2e}")
    return t_nil / t_nc, diff


def main(grid=(41, 5), repeats=3) -> dict:
    import mne

    mne.set_log_level("ERROR")
    print(f"load average before: {os.getloadavg()}")
    sub, data, total = _composition(tuple(grid), repeats)
    print()
    inv_ratio, inv_rel = _inverse_vs_mne(sub, data, repeats)
    print()
    glm_ratio, glm_diff = _glm_vs_nilearn(data, repeats)
    print(f"load average after: {os.getloadavg()}")
    return {"total_s": total, "inverse_ratio": inv_ratio, "inverse_rel": inv_rel,
            "glm_ratio": glm_ratio, "glm_diff": glm_diff}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", type=int, nargs=2, default=(41, 5),
                   help="folded-sheet grid (along, across the folds)")
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    main(a.grid, a.repeats)
