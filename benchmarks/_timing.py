"""Shared timing helper for the benchmark scripts (run them as ``python benchmarks/bench_x.py``)."""

import statistics
import time


def median_time(fn, repeats=3):
    """Call ``fn()`` ``repeats`` times; return the median wall time (s) and the last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(statistics.median(times)), out
