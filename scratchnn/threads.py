"""How many threads BLAS (the matrix products) may use: set_num_threads / get_num_threads.

That count is also the library's thread budget: ops that split a batch over worker threads
(scratchnn.parallel) use as many workers as BLAS may use threads. With
set_num_threads(n, adaptive=True), loops over a DataLoader run on n threads or on one, whichever
they measure to be faster (scratchnn.adaptive_threads).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator

from threadpoolctl import ThreadpoolController, threadpool_limits

_limits: threadpool_limits | None = None
_adaptive = False
POOL_THREAD_PREFIX = "scratchnn"  # names of parallel.py's pool threads


@functools.cache
def blas_controller() -> ThreadpoolController:
    """Controller of the loaded BLAS libraries, found once: reading a count through it takes
    about a microsecond, threadpool_info() about 0.3 ms, too slow to ask on every op."""
    return ThreadpoolController().select(user_api="blas")


def set_num_threads(threads: int, adaptive: bool = False) -> None:
    """Let BLAS use `threads` threads from now on (for every matrix product in the library).

    adaptive=True: each loop over a DataLoader runs on `threads` threads or on one, window by
    window, whichever it measures to be faster (scratchnn.adaptive_threads); the count is
    `threads` again when the loop ends. Results may then differ in the last bits from run to
    run, since BLAS adds up a product in another order on one thread than on several.
    """
    global _limits, _adaptive
    if int(threads) != threads or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    _limits = threadpool_limits(limits=int(threads), user_api="blas")
    _adaptive = bool(adaptive)
    blas_controller.cache_clear()  # BLAS libraries loaded since are found again


def adaptive_budget() -> int | None:
    """The thread count a loop adapts from (set_num_threads(n, adaptive=True)), or None when
    it should not adapt: not asked for, or only one thread in use now."""
    threads = get_num_threads()
    return threads if _adaptive and threads > 1 else None


def use_blas_threads(threads: int) -> None:
    """Set every loaded BLAS library's thread count (about a microsecond; no bookkeeping)."""
    for lib in blas_controller().lib_controllers:
        lib.set_num_threads(threads)


def get_num_threads() -> int:
    """The number of threads BLAS uses now (the most among loaded BLAS libraries)."""
    return max((lib.num_threads for lib in blas_controller().lib_controllers), default=1)


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS on the calling thread only, its idle threads ended; the thread count restored after.

    OpenBLAS's threads (pthreads build) busy-wait about 0.1 s after every multi-threaded
    product, and lowering the thread count does not stop them: they would hold a core that the
    caller's own threads need (a convolution split over two threads: 27 ms with them ended,
    47 ms beside them). blas_thread_shutdown_, the routine OpenBLAS's fork handler uses, ends
    them; raising the count again starts new ones. Ending them while another thread is inside
    a multi-threaded BLAS call could lose that call's work, so they are ended only when no
    Python thread but the caller and the library's own (parallel.py's pool, tqdm's monitor)
    is alive; otherwise BLAS is only limited to one thread.
    """
    controller = blas_controller()
    with controller.limit(limits=1):
        if only_library_threads():
            for lib in controller.lib_controllers:
                pthreads = lib.internal_api == "openblas" and lib.threading_layer == "pthreads"
                if pthreads and hasattr(lib.dynlib, "blas_thread_shutdown_"):
                    lib.dynlib.blas_thread_shutdown_()
        yield


def only_library_threads() -> bool:
    """True when the only live Python threads are the caller, scratchnn's pool threads and
    tqdm's progress monitor: then no other thread can be inside a BLAS call."""
    caller = threading.current_thread()
    return all(
        thread is caller
        or thread.name.startswith(POOL_THREAD_PREFIX)
        or type(thread).__name__ == "TMonitor"
        for thread in threading.enumerate()
    )
