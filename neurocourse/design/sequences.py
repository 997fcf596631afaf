"""Stimulus sequences: m-sequences, jittered inter-stimulus intervals and null events.

* :func:`m_sequence`: a binary maximal-length sequence of a linear-feedback shift register, length
  ``2^n - 1``, with ``2^(n-1)`` ones; its +-1 version has circular autocorrelation ``L`` at lag 0
  and ``-1`` at every other lag, which makes it optimal for FIR estimation (Buracas & Boynton 2002).
* :func:`jittered_onsets`: onsets with random inter-stimulus intervals (exponential, truncated at a
  minimum, or uniform), the continuous view of a stochastic design.
* :func:`trial_sequence` / :func:`sequence_events`: a sequence of condition codes on a grid of
  slots, with ``0`` a null event (fixation), and its :class:`~neurocourse.design.events.Events`.
  Null events jitter the effective interval between trials, which makes the main effect
  estimable at short SOAs (Dale 1999; Friston et al. 1999).

References
----------
.. [1] G. T. Buracas and G. M. Boynton, NeuroImage 16:801-813, 2002.
.. [2] A. M. Dale, Hum. Brain Mapp. 8:109-114, 1999.
.. [3] K. J. Friston et al., "Stochastic designs in event-related fMRI", NeuroImage 10:607-619,
   1999.
.. [4] scipy ``signal.max_len_seq`` (the same register and default taps).
"""

from __future__ import annotations

import numpy as np

from neurocourse._validation import as_finite, check_int, check_option, check_positive, check_range
from neurocourse.design.events import Events, make_events

__all__ = ["MSEQ_TAPS", "jittered_onsets", "m_sequence", "sequence_events", "trial_sequence"]

#: Feedback taps of primitive polynomials (scipy's defaults for ``max_len_seq``).
MSEQ_TAPS = {2: [1], 3: [2], 4: [3], 5: [3], 6: [5], 7: [6], 8: [7, 6, 1], 9: [5], 10: [7],
             11: [9], 12: [11, 10, 4], 13: [12, 11, 8], 14: [13, 12, 2], 15: [14], 16: [15, 13, 4],
             17: [14], 18: [11], 19: [18, 17, 14], 20: [17]}


def m_sequence(n_bits, taps=None, state=None):
    """Binary maximal-length sequence (0/1) of a Fibonacci linear-feedback shift register.

    Parameters
    ----------
    n_bits : int
        Register length n, 2 to 20; the sequence has ``2^n - 1`` entries.
    taps : sequence of int, optional
        Feedback taps; default :data:`MSEQ_TAPS` (scipy's), which give a maximal length.
    state : array_like of 0/1, shape (n_bits,), optional (dimensionless)
        Initial register, not all zero; default all ones.

    Returns
    -------
    ndarray of int, shape (2^n - 1,) (dimensionless)
        The sequence, with ``2^(n-1)`` ones.
    """
    n = check_int("n_bits", n_bits, 2)
    if n > 20:
        raise ValueError(f"n_bits must be <= 20, got {n}")
    taps = MSEQ_TAPS[n] if taps is None else [check_int("taps", t, 1) for t in taps]
    if any(t >= n for t in taps):
        raise ValueError(f"taps must be in [1, {n - 1}], got {list(taps)}")
    reg = np.ones(n, dtype=np.int8) if state is None else np.asarray(state, dtype=np.int8) % 2
    if reg.shape != (n,) or not reg.any():
        raise ValueError(f"state must be {n} bits, not all zero, got {state!r}")
    reg = reg.copy()
    length = 2**n - 1
    out = np.empty(length, dtype=int)
    idx = 0
    for i in range(length):  # a shift register is sequential: one step per sample
        bit = reg[idx]
        out[i] = bit
        for t in taps:
            bit ^= reg[(t + idx) % n]
        reg[idx] = bit
        idx = (idx + 1) % n
    return out


def jittered_onsets(n_events, mean_isi, min_isi=0.0, distribution="exponential", rng=None,
                    first=0.0):
    """Event onsets with random inter-stimulus intervals.

    Parameters
    ----------
    n_events : int
        Number of events, >= 1.
    mean_isi : float
        Mean interval between onsets (s), > min_isi.
    min_isi : float, default=0.0
        Shortest interval (s), >= 0.
    distribution : {"exponential", "uniform", "fixed"}, default="exponential"
        ``min_isi`` plus an exponential of mean ``mean_isi - min_isi`` (a truncated exponential),
        a uniform on ``[min_isi, 2 mean_isi - min_isi]``, or the constant ``mean_isi``.
    rng : numpy.random.Generator or int or None
        Random generator or seed.
    first : float, default=0.0
        Onset of the first event (s).

    Returns
    -------
    ndarray, shape (n_events,)
        Onsets (s), increasing.
    """
    n = check_int("n_events", n_events, 1)
    mean_isi = float(check_positive("mean_isi", mean_isi, unit="s"))
    min_isi = float(check_range("min_isi", min_isi, 0.0, mean_isi, high_inclusive=False,
                                unit="s"))
    distribution = check_option("distribution", distribution, ("exponential", "uniform", "fixed"))
    first = float(as_finite("first", first, unit="s"))
    rng = np.random.default_rng(rng)
    if distribution == "exponential":
        isi = min_isi + rng.exponential(mean_isi - min_isi, n - 1)
    elif distribution == "uniform":
        isi = rng.uniform(min_isi, 2 * mean_isi - min_isi, n - 1)
    else:
        isi = np.full(n - 1, mean_isi)
    return first + np.concatenate([[0.0], np.cumsum(isi)])


def trial_sequence(n_slots, n_conditions=1, p_null=0.0, rng=None):
    """Random condition codes on a grid of slots: 0 is a null event, 1..L a trial type.

    Parameters
    ----------
    n_slots : int
        Number of slots, >= 1.
    n_conditions : int, default=1
        Number of trial types L, >= 1 (drawn with equal probability).
    p_null : float, default=0.0
        Probability of a null event, in [0, 1).
    rng : numpy.random.Generator or int or None
        Random generator or seed.

    Returns
    -------
    ndarray of int, shape (n_slots,) (dimensionless)
        Codes in 0..L.
    """
    n = check_int("n_slots", n_slots, 1)
    L = check_int("n_conditions", n_conditions, 1)
    p_null = float(check_range("p_null", p_null, 0.0, 1.0, high_inclusive=False))
    probs = np.r_[p_null, np.full(L, (1.0 - p_null) / L)]
    return np.random.default_rng(rng).choice(L + 1, size=n, p=probs)


def sequence_events(codes, soa, duration=0.0, first=0.0, names=None) -> Events:
    """Events of a slot sequence: slot i starts at ``first + i soa``; null slots (0) are dropped.

    Parameters
    ----------
    codes : array_like of int, shape (n_slots,) (dimensionless)
        Condition codes, 0 for null.
    soa : float
        Slot spacing, the stimulus onset asynchrony (s), > 0.
    duration : float, default=0.0
        Duration of each event (s), >= 0.
    first : float, default=0.0
        Onset of slot 0 (s).
    names : sequence of str, optional
        Name of condition code k at ``names[k - 1]``; default ``"c1", "c2", ...``.

    Returns
    -------
    Events
    """
    codes = np.asarray(codes)
    if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer) or np.any(codes < 0):
        raise ValueError(f"codes must be a 1-D array of integers >= 0, got {codes!r:.80}")
    soa = float(check_positive("soa", soa, unit="s"))
    real = codes > 0
    if not real.any():
        raise ValueError("codes must contain at least one non-null (> 0) slot")
    L = int(codes.max())
    names = [f"c{k}" for k in range(1, L + 1)] if names is None else list(names)
    if len(names) < L:
        raise ValueError(f"names must have at least {L} entries, got {len(names)}")
    onsets = first + soa * np.flatnonzero(real)
    labels = np.asarray(names, dtype=str)[codes[real] - 1]
    return make_events(onsets, duration, 1.0, labels)
