"""Read-only arrays of zeros and ones for the ops, cut from one shared array per dtype.

NumPy's fast loops want arrays, not scalars: np.maximum(x, 0) is 2.5x slower than np.maximum
against an array of zeros shaped like x (a (128, 128) float32 matrix), and a sum along an axis
is faster as a product with a vector of ones. Making such an array at every call costs time of
its own (np.ones(128) about 0.9 µs, a slice of a kept one 0.1 µs), so each call gets a view of
an array kept per dtype instead. The views are read-only: the arrays are shared by every op.
Zeros come from np.zeros, whose untouched pages are the kernel's shared zero page, so up to
SHARED_ZEROS of them cost no memory; ones are written out, so only SHARED_ONES are kept.
"""

from __future__ import annotations

import numpy as np

SHARED_ZEROS = 1 << 20
SHARED_ONES = 1 << 16
_kept: dict[tuple[int, np.dtype], np.ndarray] = {}


def _view(value: int, limit: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of `value` with `shape` and `dtype`: a view of the kept one when it
    has at most `limit` elements, else a new array."""
    size = int(np.prod(shape))
    make = np.zeros if value == 0 else np.ones
    if size > limit:
        return make(shape, dtype)
    key = (value, np.dtype(dtype))
    kept = _kept.get(key)
    if kept is None:
        kept = _kept[key] = make(limit, dtype)
        kept.flags.writeable = False
    return kept[:size].reshape(shape)


def zeros_like(x: np.ndarray) -> np.ndarray:
    """Zeros with x's shape and dtype, read-only."""
    return _view(0, SHARED_ZEROS, x.shape, x.dtype)


def ones(size: int, dtype: np.dtype) -> np.ndarray:
    """A vector of `size` ones of `dtype`, read-only."""
    return _view(1, SHARED_ONES, (size,), dtype)
