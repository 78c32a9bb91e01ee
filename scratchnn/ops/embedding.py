"""Embedding lookup: rows of a weight matrix picked by integer indices."""

from __future__ import annotations

import numpy as np

from scratchnn.function import Function


class Embedding(Function):
    """y = W[indices];  dW = dy scatter-added into the looked-up rows (the padding row gets 0)."""

    def forward(self, weight, *, indices: np.ndarray, padding_idx: int | None = None):
        self.indices, self.padding_idx, self.shape = indices, padding_idx, weight.shape
        return weight[indices]

    def backward(self, grad):
        dw = np.zeros(self.shape, dtype=grad.dtype)
        np.add.at(dw, self.indices.reshape(-1), grad.reshape(-1, self.shape[1]))
        if self.padding_idx is not None:
            dw[self.padding_idx] = 0
        return (dw,)
