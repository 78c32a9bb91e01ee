"""The float32 rate NumPy's BLAS reaches on W1's first-layer product, and what a second thread adds.

The shared machine has two states: in one, a (128×784)@(784×128) product runs about 1.7× faster
on two threads than on one; in the other, about as fast as on one. Epochs of every library
slow down in the second state, unequally, so the benchmark records it with every round.
"""

from __future__ import annotations

import time

import numpy as np
import workload
from threadpoolctl import threadpool_limits

STATES = "about 1.7 in the shared machine's fast state and about 1.0 in its slow one"


def matmul_rate(batch: int, repeats: int = 7) -> float:
    """float32 FLOP/s of (batch×784)@(784×128) in NumPy, the best of `repeats` timings."""
    rng = np.random.default_rng(0)
    a = rng.random((batch, workload.LAYERS[0]), dtype=np.float32)
    b = rng.random((workload.LAYERS[0], workload.LAYERS[1]), dtype=np.float32)
    calls = max(10, 20_000 // batch)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            a @ b
        timings.append((time.perf_counter() - start) / calls)
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] / min(timings)


def thread_speedup(threads: int, batch: int = 128, repeats: int = 3) -> float:
    """matmul_rate on `threads` BLAS threads over its rate on one: the machine's state (STATES)."""
    with threadpool_limits(1, user_api="blas"):
        one = matmul_rate(batch, repeats)
    with threadpool_limits(threads, user_api="blas"):
        return matmul_rate(batch, repeats) / one
