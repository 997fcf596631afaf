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
    import threading

    import neurocourse.parallel as parallel

    def no_thread(target):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(parallel, "_start_thread", no_thread)
    main, where = threading.get_ident(), set()

    def produce(b):
        where.add(threading.get_ident())
        return 2 * b

    assert parallel.map_pipelined(produce, lambda b, x: x + b, range(5), workers=3) == [0, 3, 6, 9, 12]
    assert where == {main}  # the calling thread produced every block


def test_map_pipelined_produces_each_block_once_and_at_most_2n_ahead():
    import threading
    import time

    from neurocourse.parallel import map_pipelined

    lock = threading.Lock()
    calls, taken, ahead = [], [0], []

    def produce(b):
        with lock:
            calls.append(b)
            ahead.append(len(calls) - taken[0])  # claimed beyond what the consumer has taken
        time.sleep(0.0005 * (b % 3))  # uneven blocks, so that threads overtake each other
        return -b

    def consume(b, product):
        taken[0] = b + 1
        time.sleep(0.002 if b % 5 == 0 else 0.0)  # a slow consumer lets the producers run ahead
        return product

    before = set(threading.enumerate())
    for workers in (2, 3):
        calls.clear(), ahead.clear()
        taken[0] = 0
        assert map_pipelined(produce, consume, range(40), workers=workers) == [-b for b in range(40)]
        assert sorted(calls) == list(range(40))  # once each
        assert max(ahead) <= 2 * workers + 1  # + 1: the consumer notes its block just after taking it
        assert not set(threading.enumerate()) - before  # the helpers have ended


def test_map_pipelined_raises_an_error_of_the_producer_on_the_calling_thread():
    import threading

    import pytest

    from neurocourse.parallel import map_pipelined

    def produce(b):
        if b == 7:
            raise ArithmeticError("block 7")
        return b

    before = set(threading.enumerate())
    consumed = []
    with pytest.raises(ArithmeticError, match="block 7"):
        map_pipelined(produce, lambda b, x: consumed.append(x), range(30), workers=2)
    assert consumed == list(range(7))  # the blocks before it were consumed, in order
    assert not set(threading.enumerate()) - before  # no helper left running


def test_map_pipelined_passes_on_an_error_of_the_consumer():
    import threading

    import pytest

    from neurocourse.parallel import map_pipelined

    produced = []

    def consume(b, product):
        if b == 3:
            raise ValueError("block 3")
        return product

    before = set(threading.enumerate())
    with pytest.raises(ValueError, match="block 3"):
        map_pipelined(lambda b: produced.append(b) or b, consume, range(50), workers=2)
    assert len(produced) <= 4 + 2 * 2  # no block is started beyond the look-ahead after the error
    assert not set(threading.enumerate()) - before  # no helper left running
