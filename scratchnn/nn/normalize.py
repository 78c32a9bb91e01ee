"""Normalize: a fixed (x - mean) / std as the model's first layer, so raw pixels go straight in."""

from __future__ import annotations

from scratchnn.nn.module import Module
from scratchnn.tensor import Tensor


class Normalize(Module):
    """y = (x - mean) / std with constants saved in the model (not learned)."""

    shape_preserving = True

    def __init__(self, mean: float = 0.0, std: float = 1.0) -> None:
        super().__init__()
        if std <= 0:
            raise ValueError(f"std must be positive, got {std}")
        self.mean, self.std = float(mean), float(std)

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) * (1.0 / self.std)

    def config(self) -> dict:
        return {"mean": self.mean, "std": self.std}
