"""The BLAS thread count can be read and set, cheaply read, and held to one thread."""

import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import scratchnn as sn
from scratchnn.threads import blas_controller, only_library_threads, single_threaded_blas


def test_set_and_get_num_threads():
    before = sn.get_num_threads()
    try:
        sn.set_num_threads(1)
        assert sn.get_num_threads() == 1
    finally:
        sn.set_num_threads(before)
    assert sn.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_thread_count_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="positive integer"):
        sn.set_num_threads(bad)


def test_get_num_threads_follows_limits_set_through_threadpoolctl():
    with threadpool_limits(limits=1, user_api="blas"):
        assert sn.get_num_threads() == 1
    with threadpool_limits(limits=2, user_api="blas"):
        assert sn.get_num_threads() == 2


def test_get_num_threads_is_cheap_enough_to_ask_per_op():
    sn.get_num_threads()
    start = time.perf_counter()
    for _ in range(1000):
        sn.get_num_threads()
    assert (time.perf_counter() - start) / 1000 < 50e-6  # threadpool_info() takes milliseconds


def test_single_threaded_blas_ends_idle_threads_and_blas_works_on_after(rng):
    a = rng.standard_normal((300, 300))
    with threadpool_limits(limits=2, user_api="blas"):
        product = a @ a  # leaves OpenBLAS's second thread busy-waiting
        with single_threaded_blas():
            assert sn.get_num_threads() == 1
            np.testing.assert_allclose(a @ a, product, rtol=1e-12)
        assert sn.get_num_threads() == 2
        np.testing.assert_allclose(a @ a, product, rtol=1e-12)  # on restarted threads


def test_single_threaded_blas_stops_openblas_threads_busy_waiting(rng):
    if not any(lib.threading_layer == "pthreads" for lib in blas_controller().lib_controllers):
        pytest.skip("only OpenBLAS's own (pthreads) threads busy-wait this way")
    a = rng.standard_normal((512, 512))
    with threadpool_limits(limits=2, user_api="blas"):
        a @ a  # OpenBLAS's second thread busy-waits about 0.1 s after this
        with single_threaded_blas():
            start = time.process_time()
            time.sleep(0.05)
            spent = time.process_time() - start
    assert spent < 0.02  # with the thread still waiting: about 0.05 s


def test_idle_blas_threads_are_left_alone_while_a_user_thread_lives(rng):
    if not any(lib.threading_layer == "pthreads" for lib in blas_controller().lib_controllers):
        pytest.skip("only OpenBLAS's own (pthreads) threads are ended")
    stop = threading.Event()
    user_thread = threading.Thread(target=stop.wait, name="user-work")
    user_thread.start()
    try:
        assert not only_library_threads()
        a = rng.standard_normal((512, 512))
        with threadpool_limits(limits=2, user_api="blas"):
            a @ a  # OpenBLAS's second thread busy-waits about 0.1 s after this
            with single_threaded_blas():
                assert sn.get_num_threads() == 1
                start = time.process_time()
                time.sleep(0.05)
                spent = time.process_time() - start
    finally:
        stop.set()
        user_thread.join()
    assert only_library_threads()
    assert spent > 0.02  # the waiting thread was not ended: it used the second core
