"""Reductions over axes: sum, mean, max, min, var."""

from __future__ import annotations

import numpy as np

from scratchnn.function import Function


def _normalise_axes(axis, ndim: int) -> tuple[int, ...]:
    """Axis argument as a tuple of non-negative axes (None means all)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis) if ndim else ()


def _expand(grad: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Give a reduced gradient back its reduced axes (as size 1) so it broadcasts to the input."""
    if keepdims:
        return grad
    return np.expand_dims(grad, axes) if axes else grad


class Sum(Function):
    """y = sum of x over axes;  dx = dy broadcast back over those axes."""

    def forward(self, x, axis=None, keepdims=False):
        self.axes = _normalise_axes(axis, x.ndim)
        self.keepdims, self.shape = keepdims, x.shape
        return np.asarray(x.sum(axis=self.axes, keepdims=keepdims))

    def backward(self, grad):
        return (np.broadcast_to(_expand(grad, self.axes, self.keepdims), self.shape),)


class Mean(Function):
    """y = mean of x over axes (n elements);  dx = dy / n broadcast back."""

    def forward(self, x, axis=None, keepdims=False):
        self.axes = _normalise_axes(axis, x.ndim)
        self.keepdims, self.shape = keepdims, x.shape
        self.count = int(np.prod([x.shape[a] for a in self.axes], dtype=np.int64))
        return np.asarray(x.mean(axis=self.axes, keepdims=keepdims))

    def backward(self, grad):
        grad = _expand(grad, self.axes, self.keepdims) * (1.0 / self.count)
        return (np.broadcast_to(grad, self.shape),)


class Max(Function):
    """y = max of x over axes;  dx = dy shared evenly among the positions that hold the max."""

    reducer = staticmethod(np.max)

    def forward(self, x, axis=None, keepdims=False):
        self.axes = _normalise_axes(axis, x.ndim)
        self.keepdims, self.x = keepdims, x
        self.y = self.reducer(x, axis=self.axes, keepdims=True)
        return np.asarray(self.y if keepdims else np.squeeze(self.y, axis=self.axes))

    def backward(self, grad):
        hit = self.x == self.y
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return ((_expand(grad, self.axes, self.keepdims) * share).astype(grad.dtype, copy=False),)


class Min(Max):
    """y = min of x over axes;  dx = dy shared evenly among the positions that hold the min."""

    reducer = staticmethod(np.min)


class Var(Function):
    """y = sum((x - mean)^2) / (n - correction);  dx = dy * 2 (x - mean) / (n - correction)."""

    def forward(self, x, axis=None, keepdims=False, correction=1):
        self.axes = _normalise_axes(axis, x.ndim)
        self.keepdims = keepdims
        count = int(np.prod([x.shape[a] for a in self.axes], dtype=np.int64))
        self.divisor = max(count - correction, 0)
        self.centred = x - x.mean(axis=self.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = (self.centred**2).sum(axis=self.axes, keepdims=keepdims) / self.divisor
        return np.asarray(y, dtype=x.dtype)

    def backward(self, grad):
        scale = 2.0 / self.divisor if self.divisor else np.inf
        return (_expand(grad, self.axes, self.keepdims) * self.centred * scale,)
