"""How many threads BLAS (the matrix products) may use: set_num_threads / get_num_threads."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

_limits: threadpool_limits | None = None


def set_num_threads(threads: int) -> None:
    """Let BLAS use `threads` threads from now on (for every matrix product in the library)."""
    global _limits
    if int(threads) != threads or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    _limits = threadpool_limits(limits=int(threads), user_api="blas")


def get_num_threads() -> int:
    """The number of threads BLAS uses now (the most among loaded BLAS libraries)."""
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts, default=1)
