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
