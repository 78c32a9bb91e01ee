"""Dropout: zero each input element with probability p while training (inverted dropout)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn.nn.module import Module
from scratchnn.random import generator
from scratchnn.tensor import Tensor


def dropout_mask(shape: tuple[int, ...], p: float, dtype) -> np.ndarray:
    """Inverted-dropout mask: 0 with probability p, else 1 / (1 - p), from the library's RNG."""
    keep = generator().random(shape, dtype=np.float32) >= p
    mask = keep.astype(dtype)
    if p < 1.0:
        mask *= 1.0 / (1.0 - p)
    return mask


class Dropout(Module):
    """y = x * m / (1 - p) with m ~ Bernoulli(1 - p) per element in training; y = x in eval.

    Scaling at training time keeps the expected activation unchanged, so evaluation needs no
    correction. The mask comes from scratchnn.random.generator(): manual_seed(n) repeats it.
    """

    shape_preserving = True

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        return x * dropout_mask(x.shape, self.p, x.dtype)

    def config(self) -> dict[str, Any]:
        return {"p": self.p}
