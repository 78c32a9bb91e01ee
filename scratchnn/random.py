"""One seeded random generator for initialisation, dropout and shuffling: manual_seed(n)."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library's generator so initialisation, dropout and shuffling repeat exactly."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    """The library's current random generator."""
    return _generator
