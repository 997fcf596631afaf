"""Benchmark: all-to-all coherence and wPLI, neurocourse vs mne-connectivity, in the same run.

Data: 300 channels x 200 epochs x 1 s at 1 kHz (seeded white noise with a lagged 10 Hz
coupling between two channels). Both libraries compute ``coh`` and ``wpli`` for all
300 * 299 / 2 = 44 850 pairs in one call, with the same multitaper spectra (DPSS, NW = 4,
7 tapers, non-adaptive) over the alpha band (8-13 Hz, 6 bins at 1 Hz resolution; the full
0-500 Hz range would need 3.4 GB for the taper coefficients alone), and

  * ``neurocourse.connectivity.spectral_connectivity(data, sfreq, ["coh", "wpli"], ...)``
  * ``mne_connectivity.spectral_connectivity_epochs(data, method=["coh", "wpli"], ...)``

Prints the median wall times and their ratio (goal: ours >= 3x faster), the CPU times of one
further call of each (less sensitive to other users of a shared machine), the largest absolute
difference of the two results, and the load average.
Usage: ``.venv/bin/python benchmarks/bench_connectivity.py [--channels 300] [--epochs 200]
[--repeats 3]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _timing import median_time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--times", type=int, default=1000)
    parser.add_argument("--sfreq", type=float, default=1000.0)
    parser.add_argument("--fmin", type=float, default=8.0)
    parser.add_argument("--fmax", type=float, default=13.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mne-repeats", type=int, default=1)
    args = parser.parse_args(argv)

    from mne_connectivity import spectral_connectivity_epochs

    from neurocourse.connectivity import spectral_connectivity

    rng = np.random.default_rng(0)
    data = rng.normal(size=(args.epochs, args.channels, args.times))
    t = np.arange(args.times) / args.sfreq
    phase = rng.uniform(0, 2 * np.pi, size=(args.epochs, 1))
    data[:, 0] += np.sin(2 * np.pi * 10 * t + phase)
    data[:, 1] += np.sin(2 * np.pi * 10 * (t - 0.02) + phase)  # channel 1 lags 0 by 20 ms
    kw = dict(fmin=args.fmin, fmax=args.fmax)

    def ours():
        res = spectral_connectivity(data, args.sfreq, ["coh", "wpli"], mode="multitaper", **kw)
        return res["coh"], res["wpli"]

    def theirs():
        con = spectral_connectivity_epochs(data, method=["coh", "wpli"], sfreq=args.sfreq,
                                           mode="multitaper", verbose=False, **kw)
        return tuple(c.get_data(output="dense") for c in con)

    def cpu(fn):
        c0 = time.process_time()
        fn()
        return time.process_time() - c0

    load0 = os.getloadavg()
    t_ours, (coh, wpli) = median_time(ours, args.repeats)
    t_mne, (coh_m, wpli_m) = median_time(theirs, args.mne_repeats)
    c_ours, c_mne = cpu(ours), cpu(theirs)  # CPU time is less sensitive to the shared load
    load1 = os.getloadavg()
    i, j = np.tril_indices(args.channels, -1)  # mne fills the lower triangle (seed i > target j)
    d_coh = float(np.max(np.abs(coh[i, j] - coh_m[i, j])))
    d_wpli = float(np.max(np.abs(wpli[i, j] - wpli_m[i, j])))
    print(f"{args.channels} channels x {args.epochs} epochs x {args.times} samples at "
          f"{args.sfreq:g} Hz; {i.size} pairs; {coh.shape[-1]} frequencies "
          f"({args.fmin:g}-{args.fmax:g} Hz), multitaper, methods coh + wpli")
    print(f"neurocourse      median {t_ours:8.2f} s over {args.repeats} run(s)")
    print(f"mne-connectivity median {t_mne:8.2f} s over {args.mne_repeats} run(s)")
    print(f"ratio (mne / neurocourse): {t_mne / t_ours:.1f}x wall   (goal >= 3x)")
    print(f"CPU time of one more call each: neurocourse {c_ours:.2f} s, mne-connectivity "
          f"{c_mne:.2f} s, ratio {c_mne / c_ours:.1f}x")
    print(f"agreement: max |coh diff| = {d_coh:.1e}, max |wpli diff| = {d_wpli:.1e}")
    print(f"planted pair (1, 0) at 10 Hz: coh {coh[1, 0, 2]:.3f}, wpli {wpli[1, 0, 2]:.3f}")
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f} (2 cores, shared)")


if __name__ == "__main__":
    main()
