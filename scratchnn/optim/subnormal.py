"""Flush to zero: decaying optimizer state (momentum, Adam's moments) must not turn subnormal.

A moment of a weight whose gradient is (nearly) always zero shrinks by β every step until it
falls below the smallest normal float; arithmetic on such subnormal numbers costs tens of
times more on x86 CPUs. Measured on MNIST with Adam at batch 32: 6% of the first layer's
first moment was subnormal after one epoch and the optimizer step took 3-4x longer. Values below
FLUSH_FACTOR x the smallest normal number (about 1e-26 in float32) are set to 0, far below
anything that can move a parameter. A value decaying by a factor β per step takes
log(FLUSH_FACTOR) / log(1/β) steps from there to a subnormal number (263 for β = 0.9), so
optimizers that count steps flush every `flush_interval(β)` steps (keyed on the saved step
count, so a resumed run flushes at the same steps; FLUSH_EVERY unless they know their β);
the others flush every step.
"""

from __future__ import annotations

import functools
import math

import numpy as np

FLUSH_FACTOR = 2.0**40
FLUSH_EVERY = 8
_THRESHOLDS = {
    np.dtype(t): float(np.finfo(t).tiny) * FLUSH_FACTOR for t in (np.float32, np.float64)
}


@functools.cache  # asked at every optimizer step
def flush_interval(decay: float) -> int:
    """The largest power of two of steps in which a value decaying by `decay` per step cannot
    go from the flush threshold to a subnormal number (at least 1)."""
    if decay <= 0.0:
        return 1
    steps = math.log(FLUSH_FACTOR) / -math.log(decay)
    return 2 ** max(0, math.floor(math.log2(steps)))


def flush_subnormals(array: np.ndarray) -> None:
    """array[|array| < threshold(dtype)] = 0, in place (arrays of other dtypes are left alone)."""
    threshold = _THRESHOLDS.get(array.dtype)
    if threshold is not None:
        np.copyto(array, 0.0, where=np.abs(array) < threshold)
