"""Threads for independent blocks of numpy work: how many, and a pool that keeps the order.

numpy releases the interpreter lock inside its array loops and BLAS calls, so independent blocks
(of field points for the BEM kernels, of voxels for the GLM) can run on several cores. Two policies:

* :func:`default_workers` is opt-in (``NEUROCOURSE_NUM_THREADS``), for kernels made of many short
  numpy calls that gain little from threads (the BEM);
* :func:`blas_threads` follows the BLAS's own thread limit, for work dominated by BLAS products
  (the GLM's pass over Y), which :func:`single_threaded_blas` then runs one BLAS thread per block,
  so that the total stays within the limit the user set (``OMP_NUM_THREADS``, threadpoolctl).

:func:`map_blocks` runs the blocks, in order, serially where no thread can be started (a sandbox's
process limit, a browser).
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor

__all__ = ["blas_threads", "default_workers", "map_blocks", "map_pipelined", "single_threaded_blas"]

_CONTROLLER = []  # the threadpoolctl controller, created on first use (about 1 ms)


def default_workers() -> int:
    """Number of threads used by :func:`map_blocks` by default: 1 unless asked for.

    The ``NEUROCOURSE_NUM_THREADS`` environment variable if it holds a positive integer, else 1
    (serial); always 1 in a browser (Pyodide has no threads). Threads are opt-in because the
    BEM blocks are sequences of short numpy calls (about 15 µs each on ico-3) and hand the
    interpreter lock back and forth: on the 2-core course machine two threads shortened the ico-3
    Galerkin build by 0-25 % of wall time while spending 5-70 % more CPU, and slowed the
    Geselowitz kernel (``benchmarks/bench_bem.py``).

    Returns
    -------
    int
        Number of worker threads (count), at least 1.
    """
    if sys.platform == "emscripten":
        return 1
    value = os.environ.get("NEUROCOURSE_NUM_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _blas():
    """threadpoolctl's controllers of the loaded BLAS libraries, or None without threadpoolctl."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    controller = _CONTROLLER[0]
    return None if controller is None else controller.select(user_api="blas")


def blas_threads() -> int:
    """Number of threads the BLAS may use now (count, at least 1).

    The smallest ``num_threads`` of the loaded BLAS libraries, as threadpoolctl reports it: it
    honours ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` and ``threadpool_limits``. 1 in a browser
    or where threadpoolctl is missing.

    Returns
    -------
    int
        Number of threads (count), at least 1.
    """
    if sys.platform == "emscripten":
        return 1
    blas = _blas()
    counts = [] if blas is None else [lib.num_threads for lib in blas.lib_controllers]
    return max(1, min(counts, default=1))


@contextlib.contextmanager
def single_threaded_blas(active: bool = True):
    """Context in which the BLAS runs one thread per call (restored afterwards), if ``active``.

    For blocks that :func:`map_blocks` runs on several threads, each making BLAS calls: the
    threads then share the cores instead of each waking the BLAS's own pool. The limit is
    process-wide while the context lasts.

    Parameters
    ----------
    active : bool, default True
        False makes the context do nothing (the serial case).

    Returns
    -------
    contextlib.AbstractContextManager
        A context manager; it yields None (no unit).
    """
    blas = _blas() if active else None
    if blas is None or not blas.lib_controllers:
        yield
        return
    with blas.limit(limits=1):
        yield


def map_blocks(func, blocks, workers: int | None = None) -> list:
    """``[func(b) for b in blocks]``, on a pool of threads when there is more than one block.

    The results come back in the order of ``blocks`` whatever the number of threads, so any
    reduction of them in that order is bitwise reproducible. Where no thread can be started (a
    sandbox's process limit, a browser) the blocks run serially.

    Parameters
    ----------
    func : callable
        Applied to each block; it must not modify shared state, except disjoint parts of
        preallocated outputs, one per block.
    blocks : sequence
        The blocks (e.g. slices from :func:`neurocourse.meg.mesh.block_slices`).
    workers : int, optional
        Number of threads (count); :func:`default_workers` by default, 1 runs serially.

    Returns
    -------
    list
        ``func(block)`` for every block, in order.
    """
    blocks = list(blocks)
    n = default_workers() if workers is None else int(workers)
    n = min(n, len(blocks))
    if n > 1:
        try:
            with ThreadPoolExecutor(max_workers=n) as pool:
                return list(pool.map(func, blocks))
        except RuntimeError as err:  # no threads allowed (e.g. a process limit): run serially
            if "thread" not in str(err):
                raise
    return [func(b) for b in blocks]


def map_pipelined(produce, consume, blocks, workers: int = 1) -> list:
    """``[consume(b, produce(b)) for b in blocks]``, with the producers on a pool of threads.

    ``produce`` runs on ``workers`` threads, ahead of the consumer; ``consume`` runs on the calling
    thread, block by block in order, as soon as that block's product is ready. This suits a heavy
    step made of a few long numpy calls, which release the interpreter lock (a product, sums over a
    block), followed by a light step of many short ones: were both on the pool, the threads would
    take turns at the lock between the short calls. With one worker, or where no thread can be
    started (a sandbox's process limit), each block is produced and consumed in turn on the calling
    thread.

    Parameters
    ----------
    produce : callable
        ``produce(b)``, the heavy step. It may be called a second time for the same block (where
        threads fail to start), and must not modify shared state.
    consume : callable
        ``consume(b, product)``, the light step.
    blocks : sequence
        The blocks (e.g. slices of voxels).
    workers : int, default 1
        Number of producer threads (count); 1 runs everything serially.

    Returns
    -------
    list
        ``consume(b, produce(b))`` for every block, in order.
    """
    blocks = list(blocks)
    n = min(int(workers), len(blocks))
    if n > 1:
        pool = ThreadPoolExecutor(max_workers=n)
        try:
            # at most 2 n blocks produced ahead of the consumer: their products (and the memory
            # they take) stay bounded, and freed products are reused instead of fresh pages
            futures = collections.deque(pool.submit(produce, b) for b in blocks[: 2 * n])
        except RuntimeError as err:  # no threads allowed (e.g. a process limit): run serially
            pool.shutdown(wait=True, cancel_futures=True)
            if "thread" not in str(err):
                raise
        else:
            try:
                out = []
                for i, b in enumerate(blocks):
                    product = futures.popleft().result()
                    if i + 2 * n < len(blocks):
                        futures.append(pool.submit(produce, blocks[i + 2 * n]))
                    out.append(consume(b, product))
                    del product
                return out
            finally:  # also when consume raises: drop the blocks not started, wait for the others
                pool.shutdown(wait=True, cancel_futures=True)
    return [consume(b, produce(b)) for b in blocks]
