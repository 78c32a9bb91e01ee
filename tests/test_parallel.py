"""scratchnn.parallel: a batch cut into shares, a function run over them at once on worker
threads with BLAS on one thread meanwhile, and a budget of one thread that changes nothing."""

from __future__ import annotations

import os
import threading
import time

import pytest
from threadpoolctl import threadpool_limits

import scratchnn as sn
from scratchnn import parallel


def budget(threads: int):
    """The library's thread budget set to `threads` inside a with block."""
    return threadpool_limits(limits=threads, user_api="blas")


@pytest.mark.parametrize(
    "count, workers, sizes",
    [(128, 2, [64, 64]), (3, 2, [1, 2]), (10, 3, [3, 3, 4]), (1, 2, [1]), (0, 2, [0]), (5, 1, [5])],
)
def test_shares_are_consecutive_near_equal_slices_covering_the_range(count, workers, sizes):
    parts = parallel.shares(count, workers)
    assert [part.stop - part.start for part in parts] == sizes
    assert parts[0].start == 0 and parts[-1].stop == count
    assert all(left.stop == right.start for left, right in zip(parts, parts[1:]))


def test_shares_follow_the_thread_budget():
    with budget(2):
        assert parallel.shares(128) == [slice(0, 64), slice(64, 128)]
    with budget(1):
        assert parallel.shares(128) == [slice(0, 128)]


def test_parts_run_at_once_on_their_own_threads_and_results_keep_their_order():
    together = threading.Barrier(3, timeout=10)  # passes only with all three parts running
    threads = {}

    def work(part: slice) -> int:
        threads[part.start] = threading.get_ident()
        together.wait()
        return part.start

    with budget(3):
        assert parallel.run(work, parallel.shares(12)) == [0, 4, 8]
    assert threads[0] == threading.get_ident()  # the first part runs in the calling thread
    assert len(set(threads.values())) == 3


def test_blas_has_one_thread_inside_a_region_and_its_count_back_after():
    seen = []
    with budget(2):
        parallel.run(lambda part: seen.append(sn.get_num_threads()), parallel.shares(2))
        assert sn.get_num_threads() == 2
    assert seen == [1, 1]


def test_one_part_runs_in_the_calling_thread_as_it_is():
    with budget(1):
        results = parallel.run(lambda part: (threading.get_ident(), part), parallel.shares(7))
    assert results == [(threading.get_ident(), slice(0, 7))]


def test_a_region_inside_a_region_runs_its_parts_in_turn_in_its_own_thread():
    def inner(part: slice) -> int:
        return threading.get_ident()

    def outer(part: slice) -> list[int]:
        return parallel.run(inner, [slice(0, 1), slice(1, 2)])

    with budget(2):
        for idents in parallel.run(outer, parallel.shares(2)):
            assert len(set(idents)) == 1


def test_an_error_reaches_the_caller_once_every_part_has_finished():
    finished = []

    def work(part: slice) -> None:
        if part.start:
            raise ValueError("second part")
        time.sleep(0.05)
        finished.append(part)

    with budget(2):
        with pytest.raises(ValueError, match="second part"):
            parallel.run(work, parallel.shares(2))
        assert finished == [slice(0, 1)]
        assert sn.get_num_threads() == 2
        # the next region runs in parallel again: BLAS is held to one thread inside it
        assert parallel.run(lambda part: sn.get_num_threads(), parallel.shares(2)) == [1, 1]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_a_forked_child_makes_its_own_pool():
    with budget(2):
        parallel.run(lambda part: part, parallel.shares(2))  # the parent's pool exists
        child = os.fork()
        if child == 0:  # pragma: no cover (the child reports through its exit status)
            os._exit(
                0 if parallel.run(lambda part: part.start, parallel.shares(4)) == [0, 2] else 1
            )
        assert os.waitpid(child, 0)[1] == 0
