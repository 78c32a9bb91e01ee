"""Dropout2d: zero whole channels of (N, C, H, W) or (C, H, W) while training."""

from __future__ import annotations

from scratchnn.errors import ShapeError
from scratchnn.nn.dropout import Dropout, dropout_mask
from scratchnn.tensor import Tensor


class Dropout2d(Dropout):
    """y = x * m / (1 - p), one m ~ Bernoulli(1 - p) per (sample, channel) while training;
    y = x in evaluation. Whole feature maps drop out, which suits correlated pixels."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ShapeError(
                f"{self!r} expects input of shape (N, C, H, W) or (C, H, W) but got shape "
                f"{tuple(x.shape)}"
            )
        if not self.training or self.p == 0.0:
            return x
        return x * dropout_mask((*x.shape[:-2], 1, 1), self.p, x.dtype)
