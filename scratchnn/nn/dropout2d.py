"""Dropout2d: zero whole channels of (N, C, H, W) or (C, H, W) while training."""

from __future__ import annotations

from typing import Any

from scratchnn.errors import ShapeError
from scratchnn.nn.dropout import dropout_mask
from scratchnn.nn.module import Module
from scratchnn.tensor import Tensor


class Dropout2d(Module):
    """y = x * m / (1 - p), one m ~ Bernoulli(1 - p) per (sample, channel) while training;
    y = x in evaluation. Whole feature maps drop out, which suits correlated pixels."""

    shape_preserving = True

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ShapeError(
                f"{self!r} expects input of shape (N, C, H, W) or (C, H, W) but got shape "
                f"{tuple(x.shape)}"
            )
        if not self.training or self.p == 0.0:
            return x
        return x * dropout_mask((*x.shape[:-2], 1, 1), self.p, x.dtype)

    def config(self) -> dict[str, Any]:
        return {"p": self.p}
