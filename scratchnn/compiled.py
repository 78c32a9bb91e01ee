"""Optional compiled loops (numba): an elementwise rule as one loop instead of many NumPy passes.

NumPy runs an update such as Adam's as a chain of whole-array operations, each a pass that reads
and writes the arrays again (ten for Adam, see optim/adam.py). The same rule written as a loop
over the elements, in plain Python, is what numba compiles into machine code that touches each
array once. Such a loop does the same IEEE operations in the same order as the passes, and numba
compiles it without fast-math and without fused multiply-adds, so it gives the same numbers bit
for bit (tests/test_compiled.py checks that); it is only faster.

numba is optional (`pip install "scratchnn[fast]"`). Without it, after `use_compiled(False)`, or
with SCRATCHNN_COMPILED=0 in the environment, the NumPy passes run. numba compiles a loop at its
first use for each dtype (about a second) and keeps the machine code in its cache on disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_state = {"enabled": os.environ.get("SCRATCHNN_COMPILED", "1") != "0"}
_compiled: dict[Callable, Callable | None] = {}


def use_compiled(enabled: bool = True) -> None:
    """Run the rules that have a compiled loop through it when numba is installed (the default),
    or always as NumPy passes (enabled=False)."""
    _state["enabled"] = bool(enabled)


def compiled_enabled() -> bool:
    """True when compiled loops run: they are enabled and numba can be imported."""
    return _state["enabled"] and _numba() is not None


def compiled_loop(loop: Callable, *arrays: np.ndarray) -> Callable | None:
    """numba's compiled form of the Python function `loop`, when loops are enabled, numba is
    installed and `arrays` (the floating arrays the loop works on) are C-contiguous and all
    float32 or all float64 (numba has no float16); else None, and the caller runs its NumPy
    passes. A loop indexes 1-D arrays: the caller passes these arrays raveled, which for
    C-contiguous arrays makes views."""
    if not _state["enabled"]:
        return None
    dtype = arrays[0].dtype
    if dtype not in COMPILED_DTYPES:
        return None
    for array in arrays:
        if array.dtype != dtype or not array.flags.c_contiguous:
            return None
    if loop not in _compiled:
        numba = _numba()
        _compiled[loop] = (
            None if numba is None else numba.njit(cache=True, error_model="numpy")(loop)
        )
    return _compiled[loop]


def _numba():
    """The numba module, or None when it is not installed."""
    try:
        import numba
    except ImportError:
        return None
    return numba
