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

import contextlib
import os
import sys
import threading
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
    """``[consume(b, produce(b)) for b in blocks]``, with ``workers`` threads producing.

    ``consume`` runs on the calling thread, block by block in order, as soon as that block's
    product is ready; ``produce`` runs on ``workers - 1`` helper threads *and* on the calling
    thread, which produces an unclaimed block itself whenever the next product it needs is not
    ready yet. So ``workers`` threads in all share the cores, none idles while work is left, and a
    machine with ``workers`` cores is not oversubscribed. This suits a heavy step made of a few
    long numpy calls, which release the interpreter lock (a product, sums over a block), followed
    by a light step of many short ones: were both on every thread, the threads would take turns at
    the lock between the short calls. With one worker, or where no helper thread can be started
    (a sandbox's process limit), the calling thread does everything, block by block.

    Parameters
    ----------
    produce : callable
        ``produce(b)``, the heavy step, called once per block on any of the threads. It must not
        modify shared state; an exception it raises is raised again by this function when the
        consumer reaches that block.
    consume : callable
        ``consume(b, product)``, the light step, on the calling thread.
    blocks : sequence
        The blocks (e.g. slices of voxels).
    workers : int, default 1
        Number of threads that produce, the calling thread included (count); 1 runs everything
        serially.

    Returns
    -------
    list
        ``consume(b, produce(b))`` for every block, in order.
    """
    blocks = list(blocks)
    n = min(int(workers), len(blocks))
    if n <= 1:
        return [consume(b, produce(b)) for b in blocks]
    pipe = _Pipeline(produce, blocks, ahead=2 * n)
    helpers = []
    try:
        for _ in range(n - 1):
            try:
                helpers.append(_start_thread(pipe.work))
            except RuntimeError as err:  # no more threads allowed (a process limit): fewer helpers
                if "thread" not in str(err):
                    raise
                break
        out = []
        for i, b in enumerate(blocks):
            product = pipe.take(i)
            out.append(consume(b, product))
            del product
        return out
    finally:  # also when consume raises: no new block is started, the helpers finish theirs
        pipe.stop()
        for thread in helpers:
            thread.join()


def _start_thread(target):
    """A started daemon thread running ``target()`` (RuntimeError where no thread can start)."""
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


class _Pipeline:
    """The blocks of :func:`map_pipelined`, claimed in order by the threads that produce them.

    At most ``ahead`` blocks are claimed beyond those taken by the consumer, so the products held
    (and the memory they take) stay bounded, and freed products are reused instead of fresh pages.
    """

    def __init__(self, produce, blocks, ahead):
        self._produce, self._blocks, self._ahead = produce, blocks, ahead
        self._cond = threading.Condition()
        self._ready = {}  # block index -> (True, product) or (False, exception)
        self._claimed = 0  # blocks 0 .. claimed - 1 are claimed by some thread
        self._taken = 0  # blocks 0 .. taken - 1 are taken by the consumer
        self._stopped = False

    def _claim(self, wait):
        with self._cond:
            while not self._stopped and self._claimed < len(self._blocks):
                if self._claimed < self._taken + self._ahead:
                    self._claimed += 1
                    return self._claimed - 1
                if not wait:
                    return None
                self._cond.wait()
            return None

    def _run(self, i):
        try:
            result = (True, self._produce(self._blocks[i]))
        except BaseException as err:  # raised again on the consumer's thread
            result = (False, err)
        with self._cond:
            self._ready[i] = result
            self._cond.notify_all()

    def work(self):
        """A helper thread's loop: produce claimed blocks until none is left or the pipe stops."""
        while (i := self._claim(wait=True)) is not None:
            self._run(i)

    def take(self, i):
        """Block i's product, for the consumer: produces other blocks itself while it waits."""
        while True:
            with self._cond:
                if i in self._ready:
                    break
            j = self._claim(wait=False)
            if j is None:  # every block is claimed, or enough are ahead: wait for block i
                with self._cond:
                    self._cond.wait_for(lambda: i in self._ready)
                break
            self._run(j)
        with self._cond:
            ok, product = self._ready.pop(i)
            self._taken = i + 1
            self._cond.notify_all()
        if not ok:
            raise product
        return product

    def stop(self):
        """No block is claimed any more; the helpers return after the block each is producing."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
