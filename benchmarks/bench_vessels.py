"""Time the GRE/SE vessel-size Monte Carlo against its 15 s goal (issue 19), results unchanged.

The full curve: 10^4 spins × 12 radii (1–100 µm), gradient echo and spin echo, one field and
two echo times (3 T; TE = 30 and 60 ms, both from the same walks). No reference library
implements this simulation, so the script prints the median wall time (and CPU time) over a
few repeats against the goal, and checks that seed 0 still gives the curves of the plain
implementation it replaced (values below, recorded from commit 23bf77f on this machine).

Where the time goes (cProfile, seed 0, one call; 12 radii = 12 404 time steps of 10^4 spins)
--------------------------------------------------------------------------------------------
Before (commit 23bf77f, 24.0 s under the profiler, load average 4.8-5.6; 22.1 s unprofiled,
1-min load average rising from 1.5 to 4.5; wall-time shares, inflated by the load):
- the walk's own array arithmetic, 13.3 s: two ``np.remainder`` per step (the periodic wrap,
  ≈ 20 ns per element: about 5 s), five ``np.where`` over all spins to accept or reject the
  step, the temporaries of every expression, and the normal draws (≈ 3.6 s);
- ``np.take`` 4.7 s: per step, the bilinear coefficients at the *current* cells, and the owner
  disk and its centre for *every* spin's wall test;
- cell location / interpolation / wall test helpers 3.8 s; the field tables 1.4 s.
After (first step, load 3.6-3.7: 6.0 s under the profiler = 3.5 s walk arithmetic incl. the
normal draws, 1.35 s ``np.take``, 0.30 s wrap, 0.32 s field tables; 8.6 s unprofiled at load
4.1. Final version, load 6.1: 8.3 s under the profiler = 5.0 s walk arithmetic, 1.8 s
``np.take``, 0.38 s wrap, 0.44 s field tables):
- the field at the current position is kept per spin, so it is interpolated once per step at
  the proposal (and copied back for the few rejected steps) instead of re-gathered;
- the exact wall test runs only for spins whose proposed cell can reach into a vessel (a
  1-byte per-cell flag built with the field, ≈ 0.7 % of the spins); the other spins are
  outside by the triangle inequality;
- the wrap calls ``np.remainder`` only on the ≈ 1 % of coordinates outside [0, L), found by
  one unsigned comparison of the bit patterns, so it is ``np.remainder`` bit for bit;
- every per-step array is preallocated and updated in place (``out=``), positions as one
  (2, n_spins) array so each operation is one call; steps drawn into a reused 16-step buffer;
- the field tables are built in 4-row chunks (fit in L2) with the squared offsets hoisted.
Per step (CPU time, 10^4 spins, load ≈ 8): normal draws ≈ 180 µs, gather of the bilinear
coefficients ≈ 90 µs (a 20 MB table: cache misses), near-vessel flag ≈ 50 µs, location and
wrap ≈ 65 µs, interpolation ≈ 20 µs, wall test and rejection ≈ 25 µs. The normal draws fix
the random stream, so they cannot be made cheaper without changing the results; float32
would change the results; there is no BLAS in the loop, so OPENBLAS_NUM_THREADS is moot.
Tried and dropped: keeping the spins sorted by cell (the permutation of the steps cost more
than the gathers gained); a bit-packed flag table (no gain); drawing the normals in a helper
thread (no wall-time gain measured: the second core is never free here).
Old and new in the same run, interleaved (CPU time is the stable figure, ratio 1.5-1.6):
quiet machine, load 0.3-0.5: old 6.9-7.3 s wall (= CPU), new 4.5-4.6 s; this script 4.82 s;
load 3.4-4.1: old 7.4-7.9 s wall (6.8-7.4 s CPU), new 4.7-5.4 s wall (4.5-4.7 s CPU);
load 6.5: old 13.8-14.8 s (7.3-7.8 s CPU), new 7.6-11.1 s (4.9-5.5 s CPU);
load 7-12: old 25-37 s (7.4-8.1 s CPU), new 9.0-14.5 s (5.1-5.2 s CPU).
So the old 26 s median was a measurement at high load; this script at load 5.8-6.5 gives a
median of 8.05 s, and at load 8-12 about 20 s (5.3 s CPU).

Run: .venv/bin/python benchmarks/bench_vessels.py [repeats]
"""

import os
import sys
import time

import numpy as np

from neurocourse.vessels import simulate_vessel_mc

GOAL_S = 15.0

# simulate_vessel_mc(radii, B0=3.0, TE=[0.03, 0.06], n_spins=10_000, rng=0) before the
# optimisation (commit 23bf77f): [TE 30 ms, TE 60 ms] x 12 radii, s^-1
REF_GE = np.array([
    [0.25601882649106156, 0.49031436273663415, 0.8289182513058454, 1.3235774463599281,
     1.7998652281274532, 1.9855760237072195, 2.2019169486275585, 2.2507187501230024,
     2.3709425209137325, 2.2850089239794507, 2.2175026043952784, 2.0842265137249543],
    [0.2965398492568021, 0.5750782369044145, 0.9948213020447564, 1.6067170541308,
     2.128692176313711, 2.421722457062556, 2.443444621851169, 2.446876762236221,
     2.5381648554249057, 2.4895242311796455, 2.547047758052335, 2.4310794898112738]])
REF_SE = np.array([
    [0.17759902859830456, 0.3000695269649005, 0.4195932230524221, 0.5624817399147115,
     0.4539542228116613, 0.38035242545276116, 0.25115248654117794, 0.13788391518751095,
     0.06699031239046732, 0.04091950415768306, 0.013749078273905183, 0.006142806877574518],
    [0.21175881801667584, 0.38911189709614036, 0.6192991862286882, 0.8152063710899288,
     0.8529057566176762, 0.705377533260213, 0.5372452176293505, 0.33538638525184367,
     0.19840367921004615, 0.1373343117826797, 0.05601008748434599, 0.021836068087689803]])


def main(repeats: int = 3) -> None:
    radii = np.geomspace(1e-6, 100e-6, 12)
    load0 = os.getloadavg()
    times, cpu, first = [], [], None
    for k in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        res = simulate_vessel_mc(radii, B0=3.0, TE=[0.03, 0.06], n_spins=10_000, rng=k)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        first = res if k == 0 else first
    load1 = os.getloadavg()
    med = float(np.median(times))
    print("simulate_vessel_mc: 10^4 spins x 12 radii, GE + SE, 3 T, TE 30/60 ms")
    print(f"  load average before {load0[0]:.2f}, after {load1[0]:.2f} (1 min), 2 cores")
    print(f"  wall times (s): {', '.join(f'{t:.2f}' for t in times)}; "
          f"CPU times (s): {', '.join(f'{t:.2f}' for t in cpu)}")
    print(f"  median {med:.2f} s vs goal {GOAL_S:.0f} s -> {med / GOAL_S:.2f} of the budget "
          f"({'PASS' if med <= GOAL_S else 'FAIL'})")
    ge, se = first.dR2star_ge[0], first.dR2_se[0]
    same = np.array_equal(ge, REF_GE) and np.array_equal(se, REF_SE)
    rel = max(np.max(np.abs(ge / REF_GE - 1)), np.max(np.abs(se / REF_SE - 1)))
    print(f"  seed 0 vs the pre-optimisation curves: {'bit-identical' if same else 'DIFFERENT'} "
          f"(max |relative difference| {rel:.1e})")
    print(f"  SE dR2 peak at R = {radii[np.argmax(se[1])] * 1e6:.1f} um; "
          f"GE dR2* at 100 um = {ge[0, -1]:.2f} 1/s "
          f"(YH static {first.static_dR2star[0, 0]:.2f} 1/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
