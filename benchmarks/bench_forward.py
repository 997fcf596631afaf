"""Benchmark: sphere-model MEG lead field, neurocourse vs MNE-Python, in the same run.

306 Vectorview channels (MNE's accurate coil integration: 3264 points) × 5 000 sources. MNE is
timed on ``make_forward_solution`` with a prepared discrete source space and
``make_sphere_model(r0=center, head_radius=None)``; neurocourse on ``sensor_lead_field``. Prints
the medians of ``--repeats`` runs, their ratio, and the largest relative difference (goal: ≥ 2×
faster, equal to 1e-10 relative to each row's largest entry).

Run: ``.venv/bin/python benchmarks/bench_forward.py [--sources 5000] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
from _timing import median_time


def main(n_sources: int = 5000, repeats: int = 3) -> dict:
    import mne

    from neurocourse.meg import sensor_lead_field, vectorview_array

    mne.set_log_level("ERROR")
    rng = np.random.default_rng(0)
    center = np.array([0.0, 0.0, 0.04])
    u = rng.normal(size=(n_sources, 3))
    rr = center + u / np.linalg.norm(u, axis=1, keepdims=True) * rng.uniform(
        0.01, 0.07, size=(n_sources, 1))
    info = mne.channels.read_meg_canonical_info("neuromag")
    src = mne.setup_volume_source_space(pos=dict(rr=rr, nn=np.tile([0.0, 0, 1], (n_sources, 1))))
    sphere = mne.make_sphere_model(r0=center, head_radius=None)
    arr = vectorview_array()

    t_mne, fwd = median_time(lambda: mne.make_forward_solution(
        info, None, src, sphere, meg=True, eeg=False, mindist=0), repeats)
    t_nc, G = median_time(lambda: sensor_lead_field(rr, arr, center), repeats)
    Gm = fwd["sol"]["data"]
    rel = float(np.max(np.abs(G - Gm).max(axis=1) / np.abs(Gm).max(axis=1)))
    print(f"sphere lead field, {arr.n_channels} channels x {n_sources} sources "
          f"(median of {repeats})")
    print(f"  MNE make_forward_solution : {t_mne:8.3f} s")
    print(f"  neurocourse               : {t_nc:8.3f} s")
    print(f"  speed-up (MNE / ours)     : {t_mne / t_nc:8.2f}x   (goal >= 2)")
    print(f"  max relative difference   : {rel:.2e}   (goal <= 1e-10)")
    result = {"t_mne": t_mne, "t_neurocourse": t_nc, "ratio": t_mne / t_nc, "max_rel": rel}

    bem_bench = Path(__file__).with_name("bench_bem.py")
    if bem_bench.exists():
        spec = importlib.util.spec_from_file_location("bench_bem", bem_bench)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if hasattr(mod, "main"):
            print()
            mod.main()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    main(args.sources, args.repeats)
