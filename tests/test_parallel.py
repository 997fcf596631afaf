"""neurocourse.parallel: the BLAS thread count and the single-threaded-BLAS context.

The expected values come from threadpoolctl itself (the library that sets the limits), never from
the functions under test; map_blocks and default_workers are tested in test_meg_bem_mesh.py.
"""

from threadpoolctl import threadpool_info, threadpool_limits

from neurocourse.parallel import blas_threads, single_threaded_blas


def _blas_counts():
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_blas_threads_follows_the_limit_in_force():
    for limit in (1, 2, 3):
        with threadpool_limits(limits=limit, user_api="blas"):
            assert blas_threads() == min(_blas_counts()) == limit


def test_single_threaded_blas_sets_and_restores_the_limit():
    with threadpool_limits(limits=2, user_api="blas"):
        with single_threaded_blas():
            assert set(_blas_counts()) == {1}
        assert set(_blas_counts()) == {2}
        with single_threaded_blas(active=False):  # the serial case: nothing changes
            assert set(_blas_counts()) == {2}


def test_map_pipelined_consumes_in_order_what_was_produced():
    import threading

    from neurocourse.parallel import map_pipelined

    main = threading.get_ident()
    seen = []

    def produce(b):
        return b * b, threading.get_ident()

    def consume(b, product):
        seen.append(b)
        assert threading.get_ident() == main  # the light step stays on the calling thread
        return product[0] + 1

    blocks = list(range(23))
    for workers in (1, 2, 4):
        seen.clear()
        assert map_pipelined(produce, consume, blocks, workers=workers) == [b * b + 1 for b in blocks]
        assert seen == blocks


def test_map_pipelined_runs_serially_where_threads_cannot_start(monkeypatch):
    import neurocourse.parallel as parallel

    class NoThreads:
        def __init__(self, *args, **kwargs):
            pass

        def submit(self, *args):
            raise RuntimeError("can't start new thread")

        def shutdown(self, wait=True, cancel_futures=False):
            pass

    monkeypatch.setattr(parallel, "ThreadPoolExecutor", NoThreads)
    assert parallel.map_pipelined(lambda b: 2 * b, lambda b, x: x + b, range(5), workers=3) == [0, 3, 6, 9, 12]


def test_map_pipelined_passes_on_an_error_of_the_consumer():
    import pytest

    from neurocourse.parallel import map_pipelined

    def consume(b, product):
        if b == 3:
            raise ValueError("block 3")
        return product

    with pytest.raises(ValueError, match="block 3"):
        map_pipelined(lambda b: b, consume, range(50), workers=2)
