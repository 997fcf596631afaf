"""A compact genetic-algorithm search for efficient event sequences (Wager & Nichols 2003).

A design is a vector of condition codes, one per slot (0 = null event). Each generation keeps the
better half of the population (elitism, so the best fitness never decreases), breeds children by
single-point crossover of random elite parents, mutates each child's slots with a small
probability, and fills the rest with random immigrants. Everything is drawn from one seeded
generator, so a run is reproducible.

References
----------
.. [1] T. D. Wager and T. E. Nichols, "Optimization of experimental design in fMRI: a general
   framework using a genetic algorithm", NeuroImage 18:293-309, 2003.
.. [2] M.-H. Kao, A. Mandal, N. Lazar and J. Stufken, "Multi-objective optimal experimental
   designs for event-related fMRI studies", NeuroImage 44:849-856, 2009.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurocourse._validation import as_finite, check_int, check_range
from neurocourse.design.fir import estimation_efficiency, fir_design

__all__ = ["SearchResult", "fir_fitness", "genetic_search"]


@dataclass(frozen=True)
class SearchResult:
    """Result of :func:`genetic_search`.

    Attributes
    ----------
    best : ndarray of int, shape (n_slots,)
        The fittest design found.
    best_fitness : float
        Its fitness.
    history : ndarray, shape (n_generations + 1,)
        Best fitness after each generation (index 0: the initial population); non-decreasing.
    n_evaluations : int
        Number of fitness evaluations made.
    """

    best: np.ndarray
    best_fitness: float
    history: np.ndarray
    n_evaluations: int


def fir_fitness(codes, n_lags=8, circular=True):
    """Estimation efficiency of a one-condition sequence (codes > 0 are trials), constant removed.

    Parameters
    ----------
    codes : array_like of int, shape (n_slots,)
        Condition codes (0 null, > 0 a trial), one per scan.
    n_lags : int, default=8
        FIR length (scans).
    circular : bool, default=True
        Periodic design, as in m-sequence theory.

    Returns
    -------
    float (dimensionless)
        :func:`neurocourse.design.fir.estimation_efficiency` of the FIR design.
    """
    stim = (np.asarray(codes) > 0).astype(float)
    return estimation_efficiency(fir_design(stim, n_lags, circular))


def genetic_search(fitness, n_slots, n_conditions=1, probs=None, population=20, n_generations=100,
                   mutation_rate=0.01, rng=None):
    """Maximise ``fitness(codes)`` over condition sequences with a seeded genetic algorithm.

    Parameters
    ----------
    fitness : callable
        ``fitness(codes) -> float``, larger is better; ``codes`` is an int array (n_slots,).
    n_slots : int
        Slots per design, >= 2.
    n_conditions : int, default=1
        Trial types L; codes run over 0..L.
    probs : array_like, shape (L + 1,), optional
        Probabilities of the codes in random designs; default uniform.
    population : int, default=20
        Designs per generation, >= 4.
    n_generations : int, default=100
        Generations, >= 0.
    mutation_rate : float, default=0.01
        Probability that a child's slot is redrawn, in [0, 1].
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    SearchResult
    """
    n_slots = check_int("n_slots", n_slots, 2)
    L = check_int("n_conditions", n_conditions, 1)
    G = check_int("population", population, 4)
    n_gen = check_int("n_generations", n_generations, 0)
    q = float(check_range("mutation_rate", mutation_rate, 0.0, 1.0))
    p = np.full(L + 1, 1.0 / (L + 1)) if probs is None else as_finite("probs", probs)
    if p.shape != (L + 1,) or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"probs must be {L + 1} non-negative numbers summing to 1, got {probs!r}")
    rng = np.random.default_rng(rng)
    pop = rng.choice(L + 1, size=(G, n_slots), p=p)
    fit = np.array([fitness(d) for d in pop])  # fitness is a black box: one call per design
    history = [fit.max()]
    n_eval = G
    n_elite, n_kids = G // 2, G // 4
    for _ in range(n_gen):  # generations are sequential
        order = np.argsort(fit)[::-1][:n_elite]
        elite, elite_fit = pop[order], fit[order]
        a, b = elite[rng.integers(0, n_elite, (2, n_kids))]
        cut = rng.integers(1, n_slots, n_kids)[:, None]
        kids = np.where(np.arange(n_slots) < cut, a, b)
        mut = rng.random(kids.shape) < q
        kids[mut] = rng.integers(0, L + 1, int(mut.sum()))
        immigrants = rng.choice(L + 1, size=(G - n_elite - n_kids, n_slots), p=p)
        new = np.vstack([kids, immigrants])
        new_fit = np.array([fitness(d) for d in new])
        n_eval += new.shape[0]
        pop, fit = np.vstack([elite, new]), np.concatenate([elite_fit, new_fit])
        history.append(fit.max())
    i = int(np.argmax(fit))
    return SearchResult(pop[i].copy(), float(fit[i]), np.asarray(history), n_eval)
