"""Activations and losses as functions on Tensors, named and called as in torch.nn.functional.

`import scratchnn.functional as F` (also `scratchnn.F`). Axis arguments are called `axis`;
`dim=` is accepted as PyTorch's spelling of the same thing.
"""

from __future__ import annotations

import numpy as np

from scratchnn.ops import activation as act
from scratchnn.ops import loss
from scratchnn.tensor import Tensor, _lift


def _axis(axis: int | None, dim: int | None) -> int:
    """The axis from `axis` or its alias `dim` (default -1)."""
    if axis is not None and dim is not None and axis != dim:
        raise TypeError(f"got axis={axis} and dim={dim}; give one of them")
    return axis if axis is not None else dim if dim is not None else -1


def _float_target(target, like: Tensor) -> Tensor:
    """target as a Tensor of like's dtype; a Tensor target stays differentiable."""
    if isinstance(target, Tensor):
        return target if target.dtype == like.dtype else target.astype(like.dtype)
    return _lift(target, like)


# ----- activations ------------------------------------------------------------------------------
def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x) elementwise."""
    return act.Sigmoid.apply(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return act.Tanh.apply(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise. `inplace` is accepted for PyTorch code; the result is always new."""
    return act.ReLU.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x. `inplace` is accepted and ignored, as in relu."""
    return act.LeakyReLU.apply(input, negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha * (e^x - 1). `inplace` is accepted and ignored, as in relu."""
    return act.ELU.apply(input, alpha=alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) with the exact normal CDF, or PyTorch's tanh approximation ('tanh')."""
    if approximate == "none":
        return act.GELU.apply(input)
    if approximate == "tanh":
        return act.GELUTanh.apply(input)
    raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold."""
    return act.Softplus.apply(input, beta=beta, threshold=threshold)


def softmax(input: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """e^x / sum(e^x) along axis (default -1), computed without overflow."""
    return act.Softmax.apply(input, axis=_axis(axis, dim))


def log_softmax(input: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """x - logsumexp(x) along axis (default -1), computed without overflow."""
    return act.LogSoftmax.apply(input, axis=_axis(axis, dim))


def identity(input: Tensor) -> Tensor:
    """The input itself."""
    return input


# ----- losses -----------------------------------------------------------------------------------
def mse_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """(input - target)^2, reduced; the shapes must be equal."""
    return loss.MSE.apply(input, _float_target(target, input), reduction=reduction)


def l1_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced; the shapes must be equal."""
    return loss.L1.apply(input, _float_target(target, input), reduction=reduction)


def cross_entropy(
    input: Tensor, target, *, reduction: str = "mean", label_smoothing: float = 0.0
) -> Tensor:
    """Cross-entropy of softmax(input) along axis 1 (axis 0 for one sample of shape (C,)).

    target holds integer class labels of input's shape without the class axis, or class
    probabilities of input's shape. One fused, overflow-free op.
    """
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    if labels.dtype.kind == "f":
        return loss.CrossEntropyWithProbabilities.apply(
            input,
            _float_target(target, input),
            reduction=reduction,
            label_smoothing=label_smoothing,
        )
    return loss.CrossEntropy.apply(
        input, labels=labels, reduction=reduction, label_smoothing=label_smoothing
    )


def nll_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """-input[n, target[n]] for log-probabilities input and integer labels target, reduced."""
    labels = target.data if isinstance(target, Tensor) else np.asarray(target)
    return loss.NLL.apply(input, labels=labels, reduction=reduction)


def binary_cross_entropy(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) for probabilities p = input, logs clamped at -100."""
    return loss.BinaryCrossEntropy.apply(input, _float_target(target, input), reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target, *, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """Binary cross-entropy of sigmoid(input), computed from the logits without overflow.

    pos_weight (broadcast against input, e.g. one per class) weights the positive term.
    """
    if isinstance(pos_weight, Tensor):
        pos_weight = pos_weight.data
    return loss.BinaryCrossEntropyWithLogits.apply(
        input, _float_target(target, input), reduction=reduction, pos_weight=pos_weight
    )
