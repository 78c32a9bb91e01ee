"""Activation layers: module forms of the functions in scratchnn.functional."""

from __future__ import annotations

from typing import Any

from scratchnn import functional as F
from scratchnn.nn.module import Module
from scratchnn.ops.activation import relu_in_place
from scratchnn.tensor import Tensor


class Activation(Module):
    """Base of the elementwise and along-an-axis activations: the output has the input's shape."""

    shape_preserving = True


class Sigmoid(Activation):
    """y = 1 / (1 + e^-x)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Activation):
    """y = tanh x."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class ReLU(Activation):
    """y = max(x, 0). `inplace` is accepted for PyTorch code and changes nothing: under no_grad
    Sequential runs ReLU in place wherever the layer before made a new array (Linear, Conv)."""

    returns_new_array = True

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def forward_in_place(self, input: Tensor) -> Tensor:
        relu_in_place(input.data)
        return input

    def config(self) -> dict[str, Any]:
        return {"inplace": self.inplace}


class LeakyReLU(Activation):
    """y = x where x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = float(negative_slope), inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope, "inplace": self.inplace}


class ELU(Activation):
    """y = x where x > 0, else alpha * (e^x - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = float(alpha), inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def config(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "inplace": self.inplace}


class GELU(Activation):
    """y = x * Phi(x) (exact normal CDF), or its tanh approximation with approximate='tanh'."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def config(self) -> dict[str, Any]:
        return {"approximate": self.approximate}


class Softplus(Activation):
    """y = log(1 + e^(beta x)) / beta, and x where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def config(self) -> dict[str, Any]:
        return {"beta": self.beta, "threshold": self.threshold}


class _AlongDim(Activation):
    """Base of the activations that normalise along one axis, `dim`."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def config(self) -> dict[str, Any]:
        return {"dim": self.dim}


class Softmax(_AlongDim):
    """y = e^x / sum(e^x) along dim."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)


class LogSoftmax(_AlongDim):
    """y = x - logsumexp(x) along dim."""

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)


class Identity(Activation):
    """y = x; extra constructor arguments are accepted and ignored, as in PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input
