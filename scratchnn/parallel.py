"""Data parallelism for ops, the way PyTorch splits a batch: cut the images into one share per
worker and run the same function over each share at once, on a persistent pool of threads.

NumPy releases the GIL in copies and matrix products, so the workers really run side by side.
While they do, BLAS is held to one thread (threads.single_threaded_blas): each worker's products
run in its own thread instead of two levels of threads competing for the same cores. The number
of workers is the library's thread budget, scratchnn.get_num_threads(); with a budget of 1 the
function simply runs once over the whole batch in the calling thread, and no pool is made.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

from scratchnn.threads import POOL_THREAD_PREFIX, get_num_threads, single_threaded_blas

Result = TypeVar("Result")

_pool: ThreadPoolExecutor | None = None
_pool_threads = 0
# BLAS's thread count is process-wide: one parallel region at a time may change it
_region = threading.Lock()


def shares(count: int, workers: int | None = None) -> list[slice]:
    """range(count) cut into near-equal consecutive slices, one per worker (default: budget)."""
    parts = max(1, min(workers or get_num_threads(), count))
    bounds = [count * part // parts for part in range(parts + 1)]
    return [slice(start, stop) for start, stop in zip(bounds, bounds[1:])]


def run(function: Callable[[slice], Result], parts: Sequence[slice]) -> list[Result]:
    """[function(part) for part in parts], all at once: the first part in the calling thread,
    the others on pool threads, BLAS one thread meanwhile. One part runs just as it is."""
    if len(parts) == 1 or not _region.acquire(blocking=False):
        return [function(part) for part in parts]  # a region already running elsewhere: in turn
    try:
        with single_threaded_blas():
            others = [_executor(len(parts) - 1).submit(function, part) for part in parts[1:]]
            try:
                first = function(parts[0])
            finally:
                wait(others)
            return [first, *(future.result() for future in others)]
    finally:
        _region.release()


def _executor(threads: int) -> ThreadPoolExecutor:
    """The persistent pool, with exactly `threads` threads (made anew when that changes)."""
    global _pool, _pool_threads
    if _pool is None or _pool_threads != threads:
        if _pool is not None:
            _pool.shutdown()
        _pool, _pool_threads = ThreadPoolExecutor(threads, POOL_THREAD_PREFIX), threads
    return _pool


def _forget_pool() -> None:
    """In a forked child the parent's pool threads do not exist: make a new pool when needed."""
    global _pool, _region
    _pool, _region = None, threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_pool)
