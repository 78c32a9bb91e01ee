"""Pooling layers over (N, C, H, W) or (C, H, W): MaxPool2d, AvgPool2d, AdaptiveAvgPool2d."""

from __future__ import annotations

from typing import Any

from scratchnn.errors import ShapeError
from scratchnn.nn.conv import IntOrTuple, as_tuple, spatial_output_shape
from scratchnn.nn.module import Module
from scratchnn.nn.shapes import ShapePattern, size_at
from scratchnn.ops import conv, pool
from scratchnn.tensor import Tensor


def _as_config(value):
    """An int stays an int; a tuple becomes a list (JSON)."""
    return value if isinstance(value, int) else list(value)


class _Pool2d(Module):
    """Shared code of the windowed pools: argument checks, shapes, running on 3-D input."""

    def __init__(
        self, kernel_size: IntOrTuple, stride: IntOrTuple | None, padding: IntOrTuple, ceil_mode
    ) -> None:
        super().__init__()
        self.kernel_size, self.padding, self.ceil_mode = kernel_size, padding, bool(ceil_mode)
        self.stride = kernel_size if stride is None else stride
        self._dilation = (1, 1)
        self._kernel = as_tuple(kernel_size, 2, "kernel_size")
        self._stride = as_tuple(self.stride, 2, "stride")
        self._padding = as_tuple(padding, 2, "padding")
        if min(self._kernel + self._stride) < 1 or min(self._padding) < 0:
            raise ValueError(f"{type(self).__name__}: kernel_size and stride must be positive")

    def _check_padding(self) -> None:
        extents = [d * (k - 1) + 1 for k, d in zip(self._kernel, self._dilation)]
        if any(2 * p > e for p, e in zip(self._padding, extents)):
            raise ValueError(
                f"{type(self).__name__}: padding {self.padding} should be at most half of the "
                f"kernel size {self.kernel_size}"
            )

    def _out_size(self, axis: int, size: int) -> int:
        k, s, p = self._kernel[axis], self._stride[axis], self._padding[axis]
        out = conv.output_size(size, k, s, (p, p), self._dilation[axis], self.ceil_mode)
        if out < 1:
            raise ShapeError(
                f"{self!r}: input size {size} along spatial axis {axis} is too small for the "
                f"kernel (output size {out})"
            )
        return out

    def _run(self, x: Tensor, op, **options) -> Tensor:
        if x.ndim not in (3, 4):
            raise ShapeError(
                f"{self!r} expects input of shape (N, C, H, W) or (C, H, W) but got shape "
                f"{tuple(x.shape)}"
            )
        for axis, size in enumerate(x.shape[-2:]):
            self._out_size(axis, size)
        if x.ndim == 3:
            return op.apply(x.unsqueeze(0), **options).squeeze(0)
        return op.apply(x, **options)

    def output_shape(self, input_shape: ShapePattern) -> ShapePattern:
        return spatial_output_shape(self, input_shape, size_at(input_shape, -3), self._out_size)


class MaxPool2d(_Pool2d):
    """y = max over each kernel_size window (stride defaults to kernel_size; padding is -inf).

    The gradient goes to the first maximum of each window in row-major order, as in PyTorch.
    """

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        dilation: IntOrTuple = 1,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = dilation
        self._dilation = as_tuple(dilation, 2, "dilation")
        if min(self._dilation) < 1:
            raise ValueError(f"MaxPool2d: dilation must be positive, got {dilation}")
        self._check_padding()

    def forward(self, x: Tensor) -> Tensor:
        return self._run(
            x,
            pool.MaxPool2d,
            kernel=self._kernel,
            stride=self._stride,
            padding=self._padding,
            dilation=self._dilation,
            ceil_mode=self.ceil_mode,
        )

    def config(self) -> dict[str, Any]:
        return {
            "kernel_size": _as_config(self.kernel_size),
            "stride": _as_config(self.stride),
            "padding": _as_config(self.padding),
            "dilation": _as_config(self.dilation),
            "ceil_mode": self.ceil_mode,
        }

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(_Pool2d):
    """y = mean over each kernel_size window (stride defaults to kernel_size).

    count_include_pad=True divides by the window size including zero padding, False by the
    number of input elements the window covers (PyTorch's rule, also for ceil_mode's edges).
    """

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self._check_padding()

    def forward(self, x: Tensor) -> Tensor:
        return self._run(
            x,
            pool.AvgPool2d,
            kernel=self._kernel,
            stride=self._stride,
            padding=self._padding,
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
        )

    def config(self) -> dict[str, Any]:
        return {
            "kernel_size": _as_config(self.kernel_size),
            "stride": _as_config(self.stride),
            "padding": _as_config(self.padding),
            "ceil_mode": self.ceil_mode,
            "count_include_pad": self.count_include_pad,
        }

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output_size (an int, or a pair where None keeps that size).

    Output cell k along an axis of size n averages input [floor(k n / out), ceil((k+1) n / out)).
    """

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        sizes = (output_size,) * 2 if isinstance(output_size, int) else tuple(output_size)
        if len(sizes) != 2 or any(s is not None and s < 1 for s in sizes):
            raise ValueError(f"output_size must be a positive int or pair, got {output_size!r}")
        self.output_size = output_size

    def _sizes(self, hw) -> tuple[int, int]:
        sizes = (self.output_size,) * 2 if isinstance(self.output_size, int) else self.output_size
        return tuple(n if s is None else s for s, n in zip(sizes, hw))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ShapeError(
                f"{self!r} expects input of shape (N, C, H, W) or (C, H, W) but got shape "
                f"{tuple(x.shape)}"
            )
        size = self._sizes(x.shape[-2:])
        if x.ndim == 3:
            return pool.AdaptiveAvgPool2d.apply(x.unsqueeze(0), output_size=size).squeeze(0)
        return pool.AdaptiveAvgPool2d.apply(x, output_size=size)

    def output_shape(self, input_shape: ShapePattern) -> ShapePattern:
        shape = spatial_output_shape(
            self, input_shape, size_at(input_shape, -3), lambda axis, n: self._sizes((n, n))[axis]
        )
        fixed = self._sizes((None, None))
        return (*shape[:-2], *(s if f is None else f for f, s in zip(fixed, shape[-2:])))

    def config(self) -> dict[str, Any]:
        return {"output_size": _as_config(self.output_size)}

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
