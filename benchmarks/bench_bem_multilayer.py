"""Benchmark: three-layer BEM (brain, skull 1:80, scalp) on concentric icospheres, neurocourse
vs OpenMEEG 2.6 on the same meshes, in one run.

Times (a) building and solving the BEM system (neurocourse: ``make_multilayer_bem``; OpenMEEG:
``HeadMat`` and its inverse) and (b) the whole EEG lead field for 30 dipoles on 162 electrodes
(the scalp vertices of ico-2) including the build, and prints the accuracy of both against the
exact three-shell series (average-referenced RDM and MAG, tangential and radial dipoles at
eccentricities 0.1-0.9 of the brain radius), the ratios, and the load average (the machine is
shared). It then prints neurocourse's convergence table (ico-1 ... ``level``): EEG RDM/MAG with
and without the isolated-problem approach, and the skull ratios 1:80 and 1:15. Run with
``.venv/bin/python benchmarks/bench_bem_multilayer.py [level] [repeats]`` (defaults: ico-3,
1 repeat; OpenMEEG's ico-3 build takes about a minute of CPU).
"""
import os
import sys
import time

import numpy as np
from _timing import median_time

from neurocourse.eeg import sphere_potential
from neurocourse.meg.bem import mag_ratio
from neurocourse.meg.bem_multilayer import (
    bem_eeg_lead_field,
    concentric_meshes,
    make_multilayer_bem,
    multilayer_sphere_accuracy,
)
from neurocourse.meg.mesh import icosphere

RADII = (0.087, 0.092, 0.100)
SIGMAS = (0.33, 0.33 / 80, 0.33)
ECC = np.array([0.1, 0.3, 0.5, 0.7, 0.8, 0.9])


def _avg(v):
    return v - v.mean(axis=0)


def _rdm(g, a):
    g, a = _avg(g), _avg(a)
    return float(np.linalg.norm(g / np.linalg.norm(g) - a / np.linalg.norm(a)))


def _timed(fn, repeats):
    """Median wall time (s), total CPU time per call (s) and the last result of ``fn()``."""
    c0 = time.process_time()
    wall, out = median_time(fn, repeats)
    return wall, (time.process_time() - c0) / repeats, out


def main():
    import openmeeg as om

    level = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    load0 = os.getloadavg()
    meshes = concentric_meshes(RADII, level)
    electrodes = icosphere(2, RADII[-1]).vertices
    u = np.array([0.0, 1.0, 2.0]) / np.sqrt(5.0)
    acc_src = ECC[:, None] * RADII[0] * u
    rng = np.random.default_rng(0)
    d = rng.normal(size=(24, 3))
    src = np.vstack([acc_src, 0.06 * d / np.linalg.norm(d, axis=1)[:, None]])   # 30 dipoles
    qs = {"tangential": np.array([1.0, 0.0, 0.0]), "radial": u}

    geom = om.make_nested_geometry([(m.vertices.copy(), m.triangles[:, [1, 0, 2]].copy())
                                    for m in meshes], conductivity=SIGMAS)
    integ = om.Integrator(3, 0, 0.005)
    dip = om.Matrix(np.asfortranarray(np.hstack([np.repeat(src, 3, 0),
                                                 np.tile(np.eye(3), (len(src), 1))])))

    def ours_build():
        return make_multilayer_bem(meshes, SIGMAS)

    def ours_full():
        return bem_eeg_lead_field(make_multilayer_bem(meshes, SIGMAS), src, electrodes)

    def om_build():
        return om.HeadMat(geom, integ).inverse()

    def om_full():
        hminv = om.HeadMat(geom, integ).inverse()
        dsm = om.DipSourceMat(geom, dip, integ, "Brain")
        sens = om.make_sensors(electrodes.copy(), geometry=geom)
        return om.GainEEG(hminv, dsm, om.Head2EEGMat(geom, sens)).array()

    t_ob, c_ob, _ = _timed(ours_build, repeats)
    t_mb, c_mb, _ = _timed(om_build, repeats)
    t_of, c_of, g_ours = _timed(ours_full, repeats)
    t_mf, c_mf, g_om = _timed(om_full, repeats)
    load1 = os.getloadavg()

    n_v = sum(m.n_vertices for m in meshes)
    print(f"three-layer ico-{level}: {meshes[0].n_vertices} vertices per surface, {n_v} unknowns; "
          f"radii {RADII} m, sigmas {tuple(round(s, 5) for s in SIGMAS)} S/m (1:80); "
          f"{len(src)} dipoles x 3, {len(electrodes)} electrodes; repeats {repeats}")
    print(f"build + solve    neurocourse {t_ob:8.2f} s wall ({c_ob:7.2f} s CPU)   OpenMEEG "
          f"{t_mb:8.2f} s wall ({c_mb:7.2f} s CPU)   ratio OpenMEEG/neurocourse "
          f"{t_mb / t_ob:5.2f} wall, {c_mb / c_ob:5.2f} CPU")
    print(f"EEG lead field   neurocourse {t_of:8.2f} s wall ({c_of:7.2f} s CPU)   OpenMEEG "
          f"{t_mf:8.2f} s wall ({c_mf:7.2f} s CPU)   ratio OpenMEEG/neurocourse "
          f"{t_mf / t_of:5.2f} wall, {c_mf / c_of:5.2f} CPU")
    print("accuracy against the exact three-shell series (neurocourse.eeg.sphere_potential), "
          "average reference:")
    for name, q in qs.items():
        for label, G, stride in (("neurocourse", g_ours, 3), ("OpenMEEG   ", _avg(g_om), 3)):
            rd, mg = [], []
            for i, r0 in enumerate(acc_src):  # six eccentricities: a short table
                v = G[:, stride * i:stride * i + 3] @ q
                ref = _avg(sphere_potential(r0, q, electrodes, RADII, SIGMAS))
                rd.append(_rdm(v, ref))
                mg.append(mag_ratio(_avg(v), ref))
            print(f"  {name:10s} {label} RDM " + " ".join(f"{x:.4f}" for x in rd)
                  + "   MAG " + " ".join(f"{x:.4f}" for x in mg) + f"   (e = {ECC.tolist()})")
    rel = np.linalg.norm(g_ours - _avg(g_om)) / np.linalg.norm(_avg(g_om))
    print(f"relative Frobenius difference of the EEG lead fields (average reference): {rel:.2e}")
    print("neurocourse convergence (tangential dipoles; RDM / |MAG - 1| at e = "
          f"{ECC.tolist()}):")
    for lev in range(1, level + 1):  # a few mesh levels and variants: a short table
        for label, sig, iso in (("1:80 isolated", SIGMAS, True), ("1:80 standard", SIGMAS, False),
                                ("1:15 isolated", (0.33, 0.33 / 15, 0.33), True)):
            rd, mg = multilayer_sphere_accuracy(lev, RADII, sig, ECC, isolated=iso)
            print(f"  ico-{lev} {label}  RDM " + " ".join(f"{x:.4f}" for x in rd)
                  + "   |MAG-1| " + " ".join(f"{abs(x - 1):.4f}" for x in mg))
    load2 = os.getloadavg()
    print(f"load average (1, 5, 15 min) before {tuple(round(x, 2) for x in load0)}, after the "
          f"timings {tuple(round(x, 2) for x in load1)}, at the end "
          f"{tuple(round(x, 2) for x in load2)} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
