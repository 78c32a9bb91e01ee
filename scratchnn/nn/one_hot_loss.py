"""OneHotMSELoss: squared error between class scores and one-hot labels (article 3)."""

from __future__ import annotations

import numpy as np

from scratchnn.nn.loss import MSELoss
from scratchnn.tensor import Tensor


class OneHotMSELoss(MSELoss):
    """mean((y - onehot(label))^2) over (N, C) outputs and integer labels (N,)."""

    def forward(self, outputs: Tensor, labels) -> Tensor:
        labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
        one_hot = np.zeros(outputs.shape, dtype=outputs.dtype)
        one_hot[np.arange(len(labels)), labels] = 1.0
        return super().forward(outputs, Tensor(one_hot))
