"""Fused normalisation ops: batch norm (statistics per channel) and layer norm (per sample).

Both compute xhat = (x - mean) / sqrt(var + eps) over some axes and y = xhat * w + b, and share
the backward of the normalisation itself.
"""

from __future__ import annotations

import numpy as np

from scratchnn.function import Function


def _normalise(x: np.ndarray, axes: tuple[int, ...], eps: float):
    """(xhat, 1/std, mean, biased var) with mean and var over axes (kept as size-1 axes)."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = np.mean(np.square(centred), axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    centred *= inv_std
    return centred, inv_std, mean, var


def _normalise_backward(dxhat, xhat, inv_std, axes: tuple[int, ...]) -> np.ndarray:
    """dx for xhat = (x - mean) / std:  (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / std."""
    mean_d = dxhat.mean(axis=axes, keepdims=True)
    mean_dx = np.mean(dxhat * xhat, axis=axes, keepdims=True)
    return inv_std * (dxhat - mean_d - xhat * mean_dx)


def _affine(xhat, weight, bias) -> np.ndarray:
    """y = xhat * w + b (w alone, or neither); a new array, xhat is kept for backward."""
    if weight is None:
        return xhat.copy()
    y = xhat * weight
    if bias is not None:
        y += bias
    return y


def _affine_grads(needs, grad, xhat, sum_axes, shape):
    """Gradients of y = xhat * w + b for w and b (reshaped to the parameter shape)."""
    dw = np.sum(grad * xhat, axis=sum_axes).reshape(shape) if len(needs) > 1 and needs[1] else None
    db = np.sum(grad, axis=sum_axes).reshape(shape) if len(needs) > 2 and needs[2] else None
    return dw, db


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
        dx = None
        if needs[0]:
            dxhat = grad if self.weight is None else grad * self.weight
            if self.training:
                dx = _normalise_backward(dxhat, self.xhat, self.inv_std, self.axes)
            else:
                dx = dxhat * self.inv_std
        dw, db = _affine_grads(needs, grad, self.xhat, self.axes, (-1,))
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
        dx = None
        if needs[0]:
            dxhat = grad if self.weight is None else grad * self.weight
            dx = _normalise_backward(dxhat, self.xhat, self.inv_std, self.axes)
        leading = tuple(range(grad.ndim - len(self.axes)))
        dw, db = _affine_grads(needs, grad, self.xhat, leading, grad.shape[len(leading) :])
        return (dx, dw, db)[: len(needs)]
