"""Benchmark: sphere-model MEG lead field, neurocourse vs MNE-Python, in the same run.

Two sensor sets, the same 5 000 random sources (15 000 free-orientation columns) for both programs:

* **point magnetometers**: the 306 Vectorview channel origins and normals as MNE coil 2000
  (one integration point each); neurocourse ``lead_field``;
* **Vectorview helmet**: 306 channels with MNE's accurate coil integration (3 264 points);
  neurocourse ``sensor_lead_field``.

MNE is timed twice: end to end with ``make_forward_solution`` (a prepared discrete source space,
``make_sphere_model(r0=center, head_radius=None)``, the ``Info`` built outside the timing; inside
it MNE still reads its small ``coil_def.dat``), and its kernel alone, ``_do_sphere_field`` on
coils prepared outside the timing. The three timings are interleaved run by run, so that they
see the same load. neurocourse is timed on the public functions, input validation
and the integration matrix included. The script prints the medians of ``--repeats`` runs, the
ratios, the largest difference relative to each row's largest entry (goal: ≥ 10× faster than
``make_forward_solution`` at ≤ 1e-10), the BLAS thread count and the load average.

Run: ``.venv/bin/python benchmarks/bench_forward.py [--sources 5000] [--repeats 5]
[--blas-threads 1] [--with-bem]``

Where the time goes (2-core machine shared by ~8 engineers, OpenBLAS 0.3.31, 2 threads)
---------------------------------------------------------------------------------------
Before (commit 23bf77f; helmet 306 × 15 000, load average 4–8): 0.40–1.6 s against 4.7 s
for MNE (4–7×; the issue measured 6.3–7.4× on a quiet machine). ``_sphere_kernel`` was
≈ 95 % of it: two threaded GEMMs ``r_pts @ r_src.T`` and ``e_pts @ r_src.T`` (k = 3) whose time
swung from 10 ms to 1.2 s with the load (OpenBLAS's two threads waiting for each other: the same
product took 0.94 s threaded and 15 ms on one thread in one run), about 40 elementwise passes
over (P, S) blocks, most allocating fresh block-sized temporaries (each a page-faulting
allocation: three cross-product lines on (306, 326) blocks cost 97 ms with temporaries and 8 ms
in place), a (P, S, 3) output, and the sparse integration of 3 × 3 264 rows per block.

After: the coil integration commutes with the cross product r0 × H (r0 belongs to the source),
so per (point, source) pair only two scalars are computed, 1/F and g (14 in-place passes over
reused buffers), from one k = 5 GEMM per block split into row blocks small enough for OpenBLAS
to run on one thread; one sparse product (6 non-zeros per point) integrates them to the channels
and r0 × H is taken on the (306, S) result, written into G directly. Point sensors skip the
integration: the GEMM also yields r0 × e and r0 × r, and G = (r0 × e)/F + (r0 × r) g. Helmet
split at load ≈ 11 (per call, 5 000 sources): 1/F and g 0.27 s, sparse integration 0.085 s,
GEMM 0.07 s, cross product and first touch of G 0.056 s; at load ≈ 4: 0.05 / 0.025 / 0.012 /
0.015 s (0.17–0.2 s in all). Trying fewer passes (r a², d - r·e and 2 r d - (r·e/r) a² taken
from the GEMM: 11 passes instead of 14) changed nothing measurable: the passes are bound by
memory traffic, not arithmetic.

Measured with this script (median of 5 interleaved runs, 5 000 sources):

=====================  =======  =========  ==================  =========  ==================
sensors                BLAS     load avg   MNE make_forward    ours       ratio (kernel)
=====================  =======  =========  ==================  =========  ==================
point magnetometers    2 thr.   9.2–7.5    0.652 s             0.037 s    17.6× (14.6×)
Vectorview, 3264 pts   2 thr.   9.2–7.5    2.569 s             0.203 s    12.7× (12.2×)
point magnetometers    1 thr.   7.5–6.4    0.520 s             0.024 s    21.8× (15.2×)
Vectorview, 3264 pts   1 thr.   7.5–6.4    3.405 s             0.259 s    13.2× (13.9×)
=====================  =======  =========  ==================  =========  ==================

Agreement with MNE: 4.5e-14 (point magnetometers) and 7.9e-14 (helmet) of each row's largest
entry. Non-interleaved runs during development, at load 6–16, gave 8–17× (points) and
9.8–15.4× (helmet): under heavy load our memory-bound passes slow down more than MNE's per-source Python
loop, so the margin shrinks; the interleaving keeps the two programs under the same load.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
from pathlib import Path

import numpy as np
from _timing import median_time


def _rel(G, Gm) -> float:
    """Largest |G - Gm| relative to the largest |Gm| of its row (dimensionless)."""
    return float(np.max(np.abs(G - Gm).max(axis=1) / np.abs(Gm).max(axis=1)))


def _fmt(times) -> str:
    return " ".join(f"{t:.3f}" for t in times)


def _point_mag_info(info):
    """A copy of ``info`` whose MEG channels are MNE point magnetometers (coil 2000)."""
    import mne

    info = info.copy()
    with info._unlock():
        for ch in info["chs"]:
            ch["coil_type"] = 2000  # FIFFV_COIL_POINT_MAGNETOMETER
            ch["unit"] = mne.io.constants.FIFF.FIFF_UNIT_T
            # MNE takes the coil normal e_z as it is stored (|e_z| - 1 up to 1e-4 in the canonical
            # file); lead_field normalises its normals, so store unit normals for the same sensor
            ch["loc"][9:12] /= np.linalg.norm(ch["loc"][9:12])
    return info


def _case(name, info, rr, center, ours, repeats):
    import mne
    from mne.forward._compute_forward import _concatenate_coils
    from mne.forward._compute_forward_numba import _do_sphere_field
    from mne.forward._make_forward import _create_meg_coils

    n_src = rr.shape[0]
    src = mne.setup_volume_source_space(pos=dict(rr=rr, nn=np.tile([0.0, 0, 1], (n_src, 1))))
    sphere = mne.make_sphere_model(r0=center, head_radius=None)
    coils = _concatenate_coils(_create_meg_coils(
        [info["chs"][i] for i in mne.pick_types(info, meg=True)], "accurate"))
    runs = {"mne": (lambda: mne.make_forward_solution(info, None, src, sphere, meg=True,
                                                      eeg=False, mindist=0)),
            "kernel": lambda: _do_sphere_field(rr, *coils, center), "ours": ours}
    times = {k: [] for k in runs}
    res = {}
    for _ in range(repeats):  # interleaved, so that the three see the same load over time
        for k, fn in runs.items():
            t, res[k] = median_time(fn, 1)
            times[k].append(t)
    t_mne, t_kernel, t_nc = (float(np.median(times[k])) for k in runs)
    fwd, Gk, G = res["mne"], res["kernel"], res["ours"]
    Gm = fwd["sol"]["data"]
    rel, rel_k = _rel(G, Gm), _rel(Gk.T, Gm)
    n_pts = coils[0].shape[0]
    print(f"{name}: {G.shape[0]} channels ({n_pts} integration points) x {n_src} sources "
          f"= {G.shape[1]} columns (median of {repeats} interleaved runs)")
    print(f"  MNE make_forward_solution     : {t_mne:8.3f} s  (runs {_fmt(times['mne'])})")
    print(f"  MNE _do_sphere_field (kernel) : {t_kernel:8.3f} s  (runs {_fmt(times['kernel'])})")
    print(f"  neurocourse                   : {t_nc:8.3f} s  (runs {_fmt(times['ours'])})")
    print(f"  speed-up vs make_forward      : {t_mne / t_nc:8.2f}x   (goal >= 10)")
    print(f"  speed-up vs MNE kernel alone  : {t_kernel / t_nc:8.2f}x")
    print(f"  max relative difference       : {rel:.2e}   (goal <= 1e-10; MNE kernel vs "
          f"make_forward {rel_k:.1e})")
    return {"t_mne": t_mne, "t_mne_kernel": t_kernel, "t_neurocourse": t_nc,
            "ratio": t_mne / t_nc, "ratio_kernel": t_kernel / t_nc, "max_rel": rel}


def main(n_sources: int = 5000, repeats: int = 5, blas_threads: int | None = None,
         with_bem: bool = False) -> dict:
    import mne

    from neurocourse.meg import lead_field, sensor_lead_field, vectorview_array

    mne.set_log_level("ERROR")
    limit = contextlib.nullcontext()
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits  # benchmark-only (installed with scikit-learn)

        limit = threadpool_limits(limits=blas_threads, user_api="blas")
    with limit:
        from threadpoolctl import threadpool_info

        threads = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        print(f"load average {os.getloadavg()[0]:.2f} / {os.getloadavg()[1]:.2f} / "
              f"{os.getloadavg()[2]:.2f}; BLAS threads {threads}")
        rng = np.random.default_rng(0)
        center = np.array([0.0, 0.0, 0.04])
        u = rng.normal(size=(n_sources, 3))
        rr = center + u / np.linalg.norm(u, axis=1, keepdims=True) * rng.uniform(
            0.01, 0.07, size=(n_sources, 1))
        info = mne.channels.read_meg_canonical_info("neuromag")
        arr = vectorview_array()
        out = {
            "point_magnetometers": _case(
                "point magnetometers", _point_mag_info(info), rr, center,
                lambda: lead_field(rr, arr.positions, arr.normals, center), repeats),
            "vectorview": _case(
                "Vectorview helmet, accurate coil integration", info, rr, center,
                lambda: sensor_lead_field(rr, arr, center), repeats),
        }
        print(f"load average at the end {os.getloadavg()[0]:.2f} / {os.getloadavg()[1]:.2f} / "
              f"{os.getloadavg()[2]:.2f}")

    bem_bench = Path(__file__).with_name("bench_bem.py")
    if with_bem and bem_bench.exists():
        spec = importlib.util.spec_from_file_location("bench_bem", bem_bench)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if hasattr(mod, "main"):
            print()
            mod.main()
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads (threadpoolctl) for both programs")
    parser.add_argument("--with-bem", action="store_true", help="also run bench_bem.py")
    args = parser.parse_args()
    main(args.sources, args.repeats, args.blas_threads, args.with_bem)
