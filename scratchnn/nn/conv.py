"""Convolution layers Conv1d and Conv2d, with PyTorch's arguments, weight layout and init."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from scratchnn.backend import get_default_dtype
from scratchnn.errors import ShapeError
from scratchnn.nn import init
from scratchnn.nn.module import Module, Parameter
from scratchnn.nn.shapes import ShapePattern, SizeMismatch, describe, format_shape, size_at
from scratchnn.ops import conv
from scratchnn.tensor import Tensor

IntOrTuple = int | Sequence[int]


def as_tuple(value: IntOrTuple, n: int, name: str) -> tuple[int, ...]:
    """An int repeated n times, or a length-n sequence of ints, as a tuple."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"{name} must be an int or {n} ints, got {value!r}")
    return tuple(int(v) for v in values)


def spatial_output_shape(
    layer: Module,
    input_shape: ShapePattern,
    channels: int | None,
    size: Callable[[int, int], int],
    spatial: int = 2,
) -> ShapePattern:
    """Pattern of an (N, C, *spatial) or (C, *spatial) layer's output: `channels` channels (None:
    unknown) and size(axis, n) along each known spatial axis; ShapeError for a wrong rank.
    Knowing nothing of the input, the output is taken to be batched: (None, channels, ?...)."""
    unknown = (..., channels, *(None,) * spatial)
    if input_shape is None:
        return (None, *unknown[1:])
    open_front = len(input_shape) > 0 and input_shape[0] is Ellipsis
    known = input_shape[1:] if open_front else input_shape
    if len(known) < spatial + 1 and open_front:
        return unknown
    if not spatial + 1 <= len(known) <= spatial + 2:
        raise ShapeError(
            f"{describe(layer)} expects input with {spatial} spatial axes, (N, C, ...) or "
            f"(C, ...), but gets {format_shape(input_shape)}"
        )
    sizes = tuple(None if n is None else size(axis, n) for axis, n in enumerate(known[-spatial:]))
    return (*input_shape[: -spatial - 1], channels, *sizes)


class _ConvNd(Module):
    """Shared code of Conv1d and Conv2d (`spatial` = number of spatial axes)."""

    spatial: ClassVar[int]
    returns_new_array = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple = 1,
        padding: IntOrTuple | str = 0,
        dilation: IntOrTuple = 1,
        groups: int = 1,
        bias: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        n = self.spatial
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) must both be "
                f"divisible by groups ({groups})"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = as_tuple(kernel_size, n, "kernel_size")
        self.stride = as_tuple(stride, n, "stride")
        self.dilation = as_tuple(dilation, n, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"padding must be 'same', 'valid' or ints, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = as_tuple(padding, n, "padding")
        if min(self.kernel_size + self.stride + self.dilation) < 1:
            raise ValueError("kernel_size, stride and dilation must be positive")
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype), dtype=dtype)
        self.bias = Parameter(np.empty(out_channels, dtype), dtype=dtype) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's init: kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)) for weight and bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _pads(self) -> list[tuple[int, int]]:
        """(before, after) padding per spatial axis; 'same' puts any odd extra after."""
        if self.padding == "valid":
            return [(0, 0)] * self.spatial
        if self.padding == "same":
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
            return [(t // 2, t - t // 2) for t in totals]
        return [(p, p) for p in self.padding]

    def _out_size(self, axis: int, size: int) -> int:
        pads = self._pads()[axis]
        k, s, d = self.kernel_size[axis], self.stride[axis], self.dilation[axis]
        out = conv.output_size(size, k, s, pads, d)
        if out < 1:
            raise ShapeError(
                f"{self!r}: input size {size} (padded {size + sum(pads)}) along spatial axis "
                f"{axis} is smaller than the kernel's extent {d * (k - 1) + 1}"
            )
        return out

    def _expected(self) -> str:
        names = ("H", "W") if self.spatial == 2 else ("L",)
        return f"(N, {self.in_channels}, {', '.join(names)})"

    def forward(self, x: Tensor) -> Tensor:
        n = self.spatial
        batched = x.ndim == n + 2
        if x.ndim not in (n + 1, n + 2) or x.shape[-n - 1] != self.in_channels:
            raise ShapeError(
                f"{self!r} expects input of shape {self._expected()} but got shape {tuple(x.shape)}"
            )
        for axis, size in enumerate(x.shape[-n:]):
            self._out_size(axis, size)
        if not batched:
            x = x.unsqueeze(0)
        pads = self._pads()
        stride, dilation = self.stride, self.dilation
        if n == 1:  # a 1-D convolution is a 2-D one of height 1
            pads, stride, dilation = [(0, 0), *pads], (1, *stride), (1, *dilation)
        params = (self.weight,) if self.bias is None else (self.weight, self.bias)
        y = conv.Conv2d.apply(
            x, *params, stride=stride, padding=tuple(pads), dilation=dilation, groups=self.groups
        )
        return y if batched else y.squeeze(0)

    def output_shape(self, input_shape: ShapePattern) -> ShapePattern:
        got = size_at(input_shape, -self.spatial - 1)
        if got is not None and got != self.in_channels:
            raise SizeMismatch(self, "input channels", self.in_channels, got)
        return spatial_output_shape(
            self, input_shape, self.out_channels, self._out_size, self.spatial
        )

    def config(self) -> dict[str, Any]:
        padding = self.padding if isinstance(self.padding, str) else list(self.padding)
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": padding,
            "dilation": list(self.dilation),
            "groups": self.groups,
            "bias": self.bias is not None,
        }

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.spatial:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.spatial:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as in PyTorch) over (N, C, H, W) or (C, H, W).

    weight (out_channels, in_channels / groups, kH, kW), bias (out_channels,); output
    H_out = floor((H + 2 padding - dilation (kH - 1) - 1) / stride) + 1, likewise W_out.
    padding is an int, a pair, 'valid' (none) or 'same' (output as large as the input, stride 1).
    """

    spatial = 2


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) or (C, L); weight (out_channels, in_channels / groups, k)."""

    spatial = 1
