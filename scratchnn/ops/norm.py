"""Fused normalisation ops: batch norm (statistics per channel) and layer norm (per sample).

Both compute xhat = (x - mean) / sqrt(var + eps) over some axes and y = xhat * w + b, and share
the backward of the normalisation itself. Sums of products go through einsum: one pass over
memory and no temporary array.
"""

from __future__ import annotations

import math

import numpy as np

from scratchnn.function import Function


def _sum_product(a: np.ndarray, b: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """sum over axes of a * b, the summed axes kept with size 1."""
    letters = "abcdefghijklmnopqrstuvwxyz"[: a.ndim]
    kept = "".join(letter for axis, letter in enumerate(letters) if axis not in axes)
    return np.expand_dims(np.einsum(f"{letters},{letters}->{kept}", a, b), axes)


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    return math.prod(shape[axis] for axis in axes)


def _normalise(x: np.ndarray, axes: tuple[int, ...], eps: float):
    """(xhat, 1/std, mean, biased var) with mean and var over axes (kept as size-1 axes)."""
    mean = x.mean(axis=axes, keepdims=True)
    xhat = x - mean
    var = _sum_product(xhat, xhat, axes) / _count(x.shape, axes)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat *= inv_std
    return xhat, inv_std, mean, var


def _normalise_backward(d, xhat, scale, axes, sums=None) -> np.ndarray:
    """scale * (d - mean(d) - xhat mean(d xhat)), means over axes: the input gradient of
    xhat = (x - mean) / std given d = dL/dxhat and scale = 1/std. `sums` are (sum d, sum d xhat)
    over axes when the caller has them already."""
    count = _count(d.shape, axes)
    sum_d, sum_dx = sums if sums else (d.sum(axis=axes, keepdims=True), _sum_product(d, xhat, axes))
    dx = xhat * (sum_dx / count)
    dx += sum_d / count
    np.subtract(d, dx, out=dx)
    dx *= scale
    return dx


def _affine(xhat, weight, bias) -> np.ndarray:
    """y = xhat * w + b (w alone, or neither); a new array, xhat is kept for backward."""
    if weight is None:
        return xhat.copy()
    y = xhat * weight
    if bias is not None:
        y += bias
    return y


class BatchNorm(Function):
    """y = (x - mean_c) / sqrt(var_c + eps) * w_c + b_c, statistics over every axis but 1;
    training: batch statistics, dx = w/std (dy - mean(dy) - xhat mean(dy xhat));
    evaluation: running statistics, dx = dy w / std.  dw = sum dy xhat,  db = sum dy.

    In training, running_mean/running_var (if given) are updated in place:
    r = (1 - momentum) r + momentum * batch statistic, the variance unbiased (n / (n - 1)).
    """

    def forward(
        self,
        x,
        weight=None,
        bias=None,
        *,
        running_mean=None,
        running_var=None,
        training: bool = True,
        momentum: float = 0.1,
        eps: float = 1e-5,
    ):
        self.axes = (0, *range(2, x.ndim))
        channels = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        self.training = training or running_mean is None
        if self.training:
            count = x.size // x.shape[1]
            if count < 2:
                raise ValueError(
                    f"batch norm in training needs more than 1 value per channel, got input "
                    f"of shape {x.shape}"
                )
            xhat, self.inv_std, mean, var = _normalise(x, self.axes, eps)
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += momentum * mean.reshape(-1)
                running_var *= 1.0 - momentum
                running_var += (momentum * count / (count - 1)) * var.reshape(-1)
        else:
            self.inv_std = (1.0 / np.sqrt(running_var + eps)).reshape(channels)
            xhat = (x - running_mean.reshape(channels)) * self.inv_std
        self.xhat = xhat
        self.weight = None if weight is None else weight.reshape(channels)
        return _affine(xhat, self.weight, None if bias is None else bias.reshape(channels))

    def backward(self, grad):
        needs = self.needs_input_grad
        sum_g = grad.sum(axis=self.axes, keepdims=True)
        sum_gx = _sum_product(grad, self.xhat, self.axes)
        dx = None
        if needs[0]:
            # w is constant over the summed axes, so it moves out of the normalisation's backward
            scale = self.inv_std if self.weight is None else self.inv_std * self.weight
            if self.training:
                dx = _normalise_backward(grad, self.xhat, scale, self.axes, (sum_g, sum_gx))
            else:
                dx = grad * scale
        dw = sum_gx.reshape(-1) if len(needs) > 1 and needs[1] else None
        db = sum_g.reshape(-1) if len(needs) > 2 and needs[2] else None
        return (dx, dw, db)[: len(needs)]


class LayerNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * w + b, statistics over the last `ndim` axes;
    dx = (dy w - mean(dy w) - xhat mean(dy w xhat)) / std,  dw = sum dy xhat,  db = sum dy."""

    def forward(self, x, weight=None, bias=None, *, ndim: int = 1, eps: float = 1e-5):
        self.axes = tuple(range(x.ndim - ndim, x.ndim))
        self.xhat, self.inv_std, _, _ = _normalise(x, self.axes, eps)
        self.weight = weight
        return _affine(self.xhat, weight, bias)

    def backward(self, grad):
        needs = self.needs_input_grad
        dx = dw = db = None
        if needs[0]:
            d = grad if self.weight is None else grad * self.weight
            dx = _normalise_backward(d, self.xhat, self.inv_std, self.axes)
        rows = tuple(range(grad.ndim - len(self.axes)))
        if len(needs) > 1 and needs[1]:
            dw = _sum_product(grad, self.xhat, rows).reshape(self.weight.shape)
        if len(needs) > 2 and needs[2]:
            db = grad.sum(axis=rows)
        return (dx, dw, db)[: len(needs)]
