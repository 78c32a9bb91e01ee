"""Normalisation layers: BatchNorm1d, BatchNorm2d (per channel) and LayerNorm (per sample)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from scratchnn.backend import get_default_dtype
from scratchnn.errors import ShapeError
from scratchnn.nn.module import Module, Parameter
from scratchnn.nn.shapes import ShapePattern, SizeMismatch, size_at
from scratchnn.ops import norm
from scratchnn.tensor import Tensor


class _BatchNorm(Module):
    """Shared code of BatchNorm1d and BatchNorm2d: `ranks` accepted, `layout` for messages."""

    ranks: ClassVar[tuple[int, ...]]
    layout: ClassVar[str]
    shape_preserving = True

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features, self.eps = int(num_features), float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.use_bias = bool(bias)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = self.bias = None
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype), dtype=dtype)
            if self.use_bias:
                self.bias = Parameter(np.zeros(num_features, dtype), dtype=dtype)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.ranks or x.shape[1] != self.num_features:
            raise ShapeError(
                f"{self!r} expects input of shape {self.layout.format(C=self.num_features)} "
                f"but got shape {tuple(x.shape)}"
            )
        momentum, stats = self.momentum or 0.0, {}
        if self.track_running_stats:
            # training updates these in place; evaluation normalises with them
            stats = {"running_mean": self.running_mean, "running_var": self.running_var}
            if self.training:
                self.num_batches_tracked[...] += 1
                if self.momentum is None:  # cumulative moving average
                    momentum = 1.0 / int(self.num_batches_tracked)
        params = tuple(p for p in (self.weight, self.bias) if p is not None)
        return norm.BatchNorm.apply(
            x, *params, training=self.training, momentum=momentum, eps=self.eps, **stats
        )

    def output_shape(self, input_shape: ShapePattern) -> ShapePattern:
        got = size_at(input_shape, 1) if input_shape and input_shape[0] is not Ellipsis else None
        if got is not None and got != self.num_features:
            raise SizeMismatch(self, "channels", self.num_features, got)
        return input_shape

    def config(self) -> dict[str, Any]:
        return {
            "num_features": self.num_features,
            "eps": self.eps,
            "momentum": self.momentum,
            "affine": self.affine,
            "track_running_stats": self.track_running_stats,
            "bias": self.use_bias,
        }

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per feature, over (N, C) or (N, C, L).

    Training normalises with the batch's statistics (biased variance) and moves the running
    estimates: r = (1 - momentum) r + momentum * batch value (unbiased variance; momentum=None
    gives the cumulative average). Evaluation normalises with the running estimates.
    """

    ranks = (2, 3)
    layout = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation per channel of (N, C, H, W); see BatchNorm1d for the statistics."""

    ranks = (4,)
    layout = "(N, {C}, H, W)"


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over the trailing
    normalized_shape axes of each sample; weight (ones) and bias (zeros) have that shape."""

    shape_preserving = True

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        self.use_bias = bool(bias)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = self.bias = None
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype), dtype=dtype)
            if self.use_bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype), dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        ndim = len(self.normalized_shape)
        if tuple(x.shape[-ndim:]) != self.normalized_shape:
            raise ShapeError(
                f"{self!r} expects input of shape (*, {', '.join(map(str, self.normalized_shape))})"
                f" but got shape {tuple(x.shape)}"
            )
        params = tuple(p for p in (self.weight, self.bias) if p is not None)
        return norm.LayerNorm.apply(x, *params, ndim=ndim, eps=self.eps)

    def output_shape(self, input_shape: ShapePattern) -> ShapePattern:
        for axis, wanted in enumerate(self.normalized_shape, start=-len(self.normalized_shape)):
            got = size_at(input_shape, axis)
            if got is not None and got != wanted:
                raise SizeMismatch(self, f"features along axis {axis}", wanted, got)
        return input_shape

    def config(self) -> dict[str, Any]:
        return {
            "normalized_shape": list(self.normalized_shape),
            "eps": self.eps,
            "elementwise_affine": self.elementwise_affine,
            "bias": self.use_bias,
        }

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
