"""Benchmark: single-compartment BEM on ico-3 (642 vertices, 1280 triangles), neurocourse vs OpenMEEG.

Times, in the same run and on the same mesh, (a) building and solving the BEM system
(neurocourse ``bem_model``, linear Galerkin; OpenMEEG ``HeadMat(...).inverse()``, also Galerkin)
and (b) the whole MEG lead field for 30 dipoles x 3 orientations and 306 point magnetometers,
build included. Each configuration runs in its own process so that the thread settings take
effect before the libraries load:

- ``1 thread``: ``OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = NEUROCOURSE_NUM_THREADS = 1`` for both
  (the like-for-like comparison of the algorithms, and the one that a loaded machine distorts
  least);
- ``defaults``: no settings: OpenMEEG's OpenMP loops and OpenBLAS on every core, neurocourse
  serial (its default, :func:`neurocourse.meg.mesh.default_workers`);
- ``all cores``: both on every core (neurocourse's blocks on a thread per CPU, opt-in with
  ``NEUROCOURSE_NUM_THREADS``).

The calls of the two libraries alternate, repeat after repeat, so that both see the same load;
the script prints medians of wall and CPU time (CPU = all threads of the process), the ratios
OpenMEEG/neurocourse, the accuracy (full-field RDM of the Galerkin model against Sarvas'
formula, tangential dipoles at e = 0.1-0.9, sensors at 0.12 m; the goal keeps it ≤ 0.0027), the
agreement of the two lead fields, and the load average before and after. The goal of issue 19
is a build + solve ratio ≥ 1.5. Run with
``.venv/bin/python benchmarks/bench_bem.py [repeats]`` (default 5).

Where the time goes (cProfile, ``bem_model`` on ico-3, one thread, CPU seconds)
--------------------------------------------------------------------------------
Before (commit 23bf77f): 0.47-0.55 s. ``_LinearGeometry.coefficients`` 0.47 s of it: the edge
integrals β were computed once per triangle side (3 per triangle, 2× the unique edges) on
(p, m, 3) arrays, and the corner combination Σ_e g_ke h β_e broadcast strided (…, 3) slices
(0.21 s alone); the solid angles 0.07 s, the vertex distances 0.05 s, the sparse slicing of the
test weights per block 0.09 s; LU 0.005 s.
After: 0.16-0.17 s (about 3× less CPU). β once per unique edge (1920, not 3840 sides), and
the solid angle's R_a·R_b once per edge too; all pair arrays triangle-major (…, m, p), so that
the gathers (``np.take``) copy rows and the corner-major result feeds the vertex scatter
without a transpose; the vertex distances per component, with no (n_v, 3, p) temporary; corner
2 of the combination from Σ_k g_ke = 0 (closed sides); the test weights as a small dense matrix
per block of test triangles. Now (same profile): solid angles 0.05 s, β 0.045 s, the corner
combination 0.05 s, vertex distances 0.012 s, plane heights 0.007 s, scatter and test weights
0.015 s, LU 0.004 s. The blocks can run on a thread pool (opt-in), reduced in order, so the
matrix is bitwise the same with any number of threads; it agrees with the
previous code to 8e-14 (relative max-abs), the lead field to 2e-16. The Geselowitz kernel of
the full lead field went from 0.18 s to 0.05 s (one field component at a time, no
``np.cross`` on (…, 3) strides).
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
from _timing import median_time

R, SIGMA, SENSOR_RADIUS = 0.09, 0.3, 0.12
ECC = (0.1, 0.3, 0.5, 0.7, 0.8, 0.9)
GOAL_RATIO, GOAL_RDM = 1.5, 0.0027
CONFIGS = {"1 thread": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                        "NEUROCOURSE_NUM_THREADS": "1"},
           "defaults": {},
           "all cores": {"NEUROCOURSE_NUM_THREADS": str(os.cpu_count() or 1)}}


def _timed(fn):
    """Wall time (s), CPU time of the process (s, all threads) and the result of ``fn()``."""
    c0 = time.process_time()
    wall, out = median_time(fn, 1)
    return wall, time.process_time() - c0, out


def _alternate(fns, repeats):
    """Run the functions in turn ``repeats`` times; per function the median wall and CPU (s)
    and the last result."""
    walls, cpus, outs = [[] for _ in fns], [[] for _ in fns], [None] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            w, c, outs[i] = _timed(fn)
            walls[i].append(w)
            cpus[i].append(c)
    return [(float(np.median(w)), float(np.median(c)), o) for w, c, o in zip(walls, cpus, outs)]


def worker(repeats):
    """One configuration (its thread settings are in the environment): print one result line."""
    import openmeeg as om

    from neurocourse.meg.bem import bem_lead_field, bem_model, sphere_accuracy
    from neurocourse.meg.mesh import default_workers, icosphere

    mesh = icosphere(3, R)
    rng = np.random.default_rng(0)
    src = rng.normal(size=(30, 3))
    src = 0.06 * src / np.linalg.norm(src, axis=1)[:, None]
    shell = icosphere(3, SENSOR_RADIUS).vertices
    sens = shell[shell[:, 2] > -0.02][:306]
    nrm = sens / np.linalg.norm(sens, axis=1)[:, None]
    geom = om.make_nested_geometry([(mesh.vertices.copy(), mesh.triangles.copy())],
                                   conductivity=(SIGMA,))
    integ = om.Integrator(3, 0, 0.005)
    dip = om.Matrix(np.asfortranarray(np.hstack([np.repeat(src, 3, 0),
                                                 np.tile(np.eye(3), (len(src), 1))])))

    def om_build():
        return om.HeadMat(geom, integ).inverse()

    def om_full():
        hminv = om.HeadMat(geom, integ).inverse()
        dsm = om.DipSourceMat(geom, dip, integ, "Brain")
        s = om.make_sensors(sens, nrm)
        return om.GainMEG(hminv, dsm, om.Head2MEGMat(geom, s), om.DipSource2MEGMat(dip, s)).array()

    def ours_full():
        return bem_lead_field(bem_model(mesh, SIGMA), src, sens, nrm)

    load0 = os.getloadavg()
    bem_model(mesh, SIGMA), om_build()                                   # warm-up
    (tb, cb, model), (tmb, cmb, _) = _alternate([lambda: bem_model(mesh, SIGMA), om_build],
                                                repeats)
    (tf, cf, g_ours), (tmf, cmf, g_om) = _alternate([ours_full, om_full], repeats)
    load1 = os.getloadavg()
    rel = np.linalg.norm(g_ours - g_om) / np.linalg.norm(g_om)
    acc = sphere_accuracy(eccentricities=ECC, model=model, sensor_radius=SENSOR_RADIUS,
                          orientation="tangential", components="full")[0].max()
    print(json.dumps({"threads": default_workers(), "tb": tb, "cb": cb, "tmb": tmb, "cmb": cmb,
                "tf": tf, "cf": cf, "tmf": tmf, "cmf": cmf, "rel": rel, "rdm": acc,
                "load0": load0, "load1": load1}))


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"ico-3 mesh (642 vertices, 1280 triangles), linear Galerkin; full lead field: 30 dipoles "
          f"x 3 orientations, 306 magnetometers; medians of {repeats} alternating repeats; "
          f"{os.cpu_count()} CPUs")
    ok, one_thread_cpu = True, {}
    for name, env in CONFIGS.items():
        out = subprocess.run([sys.executable, __file__, "--worker", str(repeats)],
                             env={**os.environ, **env}, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ratio_b, ratio_bc = r["tmb"] / r["tb"], r["cmb"] / r["cb"]
        print(f"\n[{name}: neurocourse on {r['threads']} thread(s)]  load average (1, 5, 15 min) "
              f"before {tuple(round(x, 2) for x in r['load0'])}, after "
              f"{tuple(round(x, 2) for x in r['load1'])}")
        print(f"  build + solve    neurocourse {r['tb']:7.3f} s wall {r['cb']:7.3f} s CPU   "
              f"OpenMEEG {r['tmb']:7.3f} s wall {r['cmb']:7.3f} s CPU   ratio OpenMEEG/neurocourse "
              f"{ratio_b:5.2f} wall, {ratio_bc:5.2f} CPU")
        print(f"  full lead field  neurocourse {r['tf']:7.3f} s wall {r['cf']:7.3f} s CPU   "
              f"OpenMEEG {r['tmf']:7.3f} s wall {r['cmf']:7.3f} s CPU   ratio OpenMEEG/neurocourse "
              f"{r['tmf'] / r['tf']:5.2f} wall, {r['cmf'] / r['cf']:5.2f} CPU")
        if r["cmb"] > 2 * one_thread_cpu.get("om", np.inf):
            print(f"  (OpenMEEG used {r['cmb'] / one_thread_cpu['om']:.1f}x the CPU of its 1-thread "
                  f"run for the same work: its OpenMP threads wait busily for a core on this "
                  f"loaded machine, so this wall ratio flatters neurocourse; the 1-thread ratio is "
                  f"the like-for-like one)")
        one_thread_cpu.setdefault("om", r["cmb"])
        print(f"  accuracy: max full-field RDM vs Sarvas {r['rdm']:.5f} (goal <= {GOAL_RDM}); "
              f"lead fields neurocourse vs OpenMEEG: relative Frobenius difference {r['rel']:.2e}")
        ok &= ratio_b >= GOAL_RATIO and r["rdm"] <= GOAL_RDM
    print(f"\ngoal (build + solve >= {GOAL_RATIO}x OpenMEEG in wall time, RDM <= {GOAL_RDM}) in "
          f"every configuration:", "met" if ok else "NOT MET")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        worker(int(sys.argv[2]))
    else:
        main()
