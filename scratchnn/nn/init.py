"""Weight initialisers with PyTorch's names and formulas; each fills a tensor's array in place.

fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (receptive field = the
product of the sizes after the first two), so a Linear weight (out, in) has fan_in = in.
Xavier/Glorot: std = gain * sqrt(2 / (fan_in + fan_out)).  Kaiming/He: std = gain / sqrt(fan).
A uniform initialiser with standard deviation std draws from U(-sqrt(3) std, sqrt(3) std).
All randomness comes from scratchnn.random.generator(), so manual_seed(n) repeats it exactly.
"""

from __future__ import annotations

import math

import numpy as np

from scratchnn.random import generator
from scratchnn.tensor import Tensor

TensorLike = Tensor | np.ndarray


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: relu sqrt(2), tanh 5/3, leaky_relu
    sqrt(2 / (1 + slope^2)) with slope `param` (default 0.01), selu 3/4, linear-like 1."""
    if nonlinearity in (
        "linear",
        "identity",
        "sigmoid",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor: TensorLike) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight with at least two axes: (out, in, *receptive field)."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor with 2 or more axes, got {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _kaiming_std(tensor: TensorLike, a: float, mode: str, nonlinearity: str) -> float:
    """gain / sqrt(fan); 0 for an empty tensor (nothing to fill)."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0.0


def _array(tensor: TensorLike) -> np.ndarray:
    return tensor.data if isinstance(tensor, Tensor) else tensor


def _draw_dtype(array: np.ndarray) -> np.dtype:
    """Draw random numbers directly in float32/float64; other dtypes via float64."""
    return array.dtype if array.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def uniform_(tensor: TensorLike, a: float = 0.0, b: float = 1.0) -> TensorLike:
    """Fill with U(a, b)."""
    array = _array(tensor)
    draw = generator().random(array.shape, dtype=_draw_dtype(array))
    array[...] = draw * float(b - a) + float(a)
    return tensor


def normal_(tensor: TensorLike, mean: float = 0.0, std: float = 1.0) -> TensorLike:
    """Fill with N(mean, std^2)."""
    array = _array(tensor)
    draw = generator().standard_normal(array.shape, dtype=_draw_dtype(array))
    array[...] = draw * float(std) + float(mean)
    return tensor


def constant_(tensor: TensorLike, val: float) -> TensorLike:
    """Fill with val."""
    _array(tensor)[...] = val
    return tensor


def zeros_(tensor: TensorLike) -> TensorLike:
    """Fill with 0."""
    return constant_(tensor, 0)


def ones_(tensor: TensorLike) -> TensorLike:
    """Fill with 1."""
    return constant_(tensor, 1)


def xavier_uniform_(tensor: TensorLike, gain: float = 1.0) -> TensorLike:
    """Fill with U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: TensorLike, gain: float = 1.0) -> TensorLike:
    """Fill with N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(
    tensor: TensorLike, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> TensorLike:
    """Fill with U(-bound, bound), bound = gain * sqrt(3 / fan), gain from (nonlinearity, a)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(
    tensor: TensorLike, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> TensorLike:
    """Fill with N(0, std^2), std = gain / sqrt(fan), gain from (nonlinearity, a)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_
