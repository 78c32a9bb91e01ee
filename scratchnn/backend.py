"""The array module and the dtype policy: float32 by default, float64 on request."""

from __future__ import annotations

import numpy as np

xp = np

_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The floating dtype given to new tensors when none is asked for."""
    return _default_dtype


def set_default_dtype(dtype: str | np.dtype | type) -> None:
    """Set the floating dtype of new tensors (float32 or float64)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"default dtype must be float32 or float64, got {dtype}")
    _default_dtype = dtype


def as_array(data, dtype=None) -> np.ndarray:
    """data as an ndarray: floats take `dtype` (default float32); ints and bools keep theirs."""
    if dtype is not None:
        return np.asarray(data, dtype=np.dtype(dtype))
    array = np.asarray(data)
    if array.dtype.kind == "f" or array.dtype.kind == "O":
        if array.dtype != _default_dtype:
            array = array.astype(_default_dtype)
    return array
