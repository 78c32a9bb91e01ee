"""Shape operations: reshape, permute, indexing, concatenate, stack, dtype cast."""

from __future__ import annotations

import numpy as np

from scratchnn.function import Function


class Reshape(Function):
    """y = x viewed with a new shape;  dx = dy reshaped back."""

    def forward(self, x, shape):
        self.shape = x.shape
        return x.reshape(shape)

    def backward(self, grad):
        return (grad.reshape(self.shape),)


class Permute(Function):
    """y = x with axes reordered;  dx = dy with the inverse order."""

    def forward(self, x, axes):
        self.axes = axes
        return np.transpose(x, axes)

    def backward(self, grad):
        return (np.transpose(grad, np.argsort(self.axes)),)


class GetItem(Function):
    """y = x[index];  dx = zeros with dy added at index (repeated integer indices add up)."""

    def forward(self, x, index):
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        return np.asarray(x[index])

    def backward(self, grad):
        dx = np.zeros(self.shape, dtype=grad.dtype)
        if _selects_each_element_once(self.index):
            dx[self.index] += grad
        else:
            np.add.at(dx, self.index, grad)
        return (dx,)


def _selects_each_element_once(index) -> bool:
    """True for basic indexing (ints, slices, ..., None) and boolean masks: no repeated element."""
    parts = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(p, (np.ndarray, list)) and np.asarray(p).dtype != bool for p in parts)


class Concatenate(Function):
    """y = the inputs joined along axis;  each dx = its slice of dy."""

    def forward(self, *arrays, axis=0):
        self.axis = axis
        self.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def backward(self, grad):
        return tuple(np.split(grad, self.splits, axis=self.axis))


class Stack(Function):
    """y = the inputs stacked along a new axis;  each dx = dy indexed along that axis."""

    def forward(self, *arrays, axis=0):
        self.axis = axis
        return np.stack(arrays, axis=axis)

    def backward(self, grad):
        return tuple(np.moveaxis(grad, self.axis, 0))


class Cast(Function):
    """y = x in another dtype;  dx = dy in x's dtype."""

    def forward(self, x, dtype):
        self.dtype = x.dtype
        return x.astype(dtype)

    def backward(self, grad):
        return (grad.astype(self.dtype),)
