"""Shared test data for the GLM tests: a two-condition block design and AR(1) noise, numpy only."""

import numpy as np

N = 120


def design_ab(n=N):
    """Columns: condition A (6 scans on every 24), condition B (in the gaps), a cosine drift, the constant."""
    t = np.arange(n)
    a = ((t % 24) < 6).astype(float)  # condition A: 6 scans on, every 24
    b = (((t + 12) % 24) < 6).astype(float)  # condition B, in the gaps
    drift = np.cos(np.pi * (t + 0.5) / n)
    return np.column_stack([a, b, drift, np.ones(n)])


def ar1_noise(rng, rho, shape):
    """Stationary AR(1) noise with unit innovations, shape (n_scans, ...), written independently."""
    e = rng.standard_normal(shape)
    out = np.empty(shape)
    out[0] = e[0] / np.sqrt(1 - rho**2)
    for i in range(1, shape[0]):  # time recursion, vectorised over voxels
        out[i] = rho * out[i - 1] + e[i]
    return out
