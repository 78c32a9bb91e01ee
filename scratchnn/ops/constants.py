"""Read-only arrays of zeros and ones for the ops, cut from one shared array per dtype.

NumPy's fast loops want arrays, not scalars: np.maximum(x, 0) is 2.5x slower than np.maximum
against an array of zeros shaped like x (a (128, 128) float32 matrix), and a sum along an axis
is faster as a product with a vector of ones. Making such an array at every call costs time of
its own (np.ones(128) 0.9 µs, a slice of a kept vector 0.25 µs), so each call gets a view of
an array kept per dtype instead. The views are read-only: the arrays are shared by every op.
Zeros come from np.zeros, whose untouched pages are the kernel's shared zero page, so they cost
no memory; ones are written out, so only SHARED_ONES are kept. Past SHARED_ZEROS elements an
array of zeros stops paying: every 4 KiB page of it is one more address translation, and
np.maximum of a (2000, 128) float32 matrix took 110 µs against the zeros and 65 µs against a
scalar 0 (21 against 32 µs at (1000, 128)), so a larger x gets a 0-d zero instead.
"""

from __future__ import annotations

import numpy as np

SHARED_ZEROS = 1 << 17
SHARED_ONES = 1 << 16
_zeros: dict[np.dtype, np.ndarray] = {}
_ones: dict[np.dtype, np.ndarray] = {}


def _kept(store: dict, make, limit: int, dtype: np.dtype) -> np.ndarray:
    """The read-only array of `limit` elements that `make` gives, kept in `store` per dtype."""
    kept = store.get(dtype)
    if kept is None:
        kept = store[dtype] = make(limit, dtype)
        kept.flags.writeable = False
    return kept


def zeros_for(x: np.ndarray) -> np.ndarray:
    """Zeros of x's dtype to meet x in an elementwise op: a read-only view of x's shape up to
    SHARED_ZEROS elements, a new 0-d array (which broadcasts) beyond."""
    if x.size > SHARED_ZEROS:
        return np.zeros((), x.dtype)
    return _kept(_zeros, np.zeros, SHARED_ZEROS, x.dtype)[: x.size].reshape(x.shape)


def ones(size: int, dtype: np.dtype) -> np.ndarray:
    """A vector of `size` ones of `dtype`, read-only."""
    if size > SHARED_ONES:
        return np.ones(size, dtype)
    return _kept(_ones, np.ones, SHARED_ONES, dtype)[:size]
