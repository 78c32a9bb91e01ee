"""Functions that make or combine tensors: concatenate, stack, where, zeros, ones, randn..."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scratchnn.backend import get_default_dtype
from scratchnn.ops import elementwise, shape
from scratchnn.random import generator
from scratchnn.tensor import Tensor, _lift


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (differentiable)."""
    return shape.Concatenate.apply(*tensors, axis=axis)


cat = concatenate


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Stack same-shaped tensors along a new axis (differentiable)."""
    return shape.Stack.apply(*tensors, axis=axis)


def where(condition, a, b) -> Tensor:
    """Elementwise choice: a where condition holds, else b (differentiable in a and b)."""
    condition = np.asarray(condition.data if isinstance(condition, Tensor) else condition, bool)
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(a)
    return elementwise.Where.apply(_lift(a, like), _lift(b, like), condition=condition)


def maximum(a: Tensor, b) -> Tensor:
    """Elementwise larger of a and b (differentiable)."""
    return elementwise.Maximum.apply(a, _lift(b, a))


def _shape(shape) -> tuple[int, ...]:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return Tensor(np.zeros(_shape(shape), dtype or get_default_dtype()), requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return Tensor(np.ones(_shape(shape), dtype or get_default_dtype()), requires_grad)


def randn(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the library's seeded generator."""
    data = generator().standard_normal(_shape(shape)).astype(dtype or get_default_dtype())
    return Tensor(data, requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the library's seeded generator."""
    data = generator().random(_shape(shape)).astype(dtype or get_default_dtype())
    return Tensor(data, requires_grad)
