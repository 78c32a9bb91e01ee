"""Flatten: merge the axes start_dim..end_dim into one (by default all but the batch axis)."""

from __future__ import annotations

import math
from typing import Any

from scratchnn.nn.module import Module
from scratchnn.nn.shapes import ShapePattern
from scratchnn.tensor import Tensor


class Flatten(Module):
    """y = x reshaped to (..., prod(shape[start_dim:end_dim + 1]), ...);  dx = dy reshaped back."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def output_shape(self, input_shape: ShapePattern) -> ShapePattern:
        if input_shape is None or Ellipsis in input_shape or not input_shape:
            return None
        ndim = len(input_shape)
        start, end = self.start_dim % ndim, self.end_dim % ndim
        merged = input_shape[start : end + 1]
        size = None if None in merged else math.prod(merged)
        return (*input_shape[:start], size, *input_shape[end + 1 :])

    def config(self) -> dict[str, Any]:
        return {"start_dim": self.start_dim, "end_dim": self.end_dim}
