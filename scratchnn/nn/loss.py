"""Loss layers: the losses of scratchnn.functional as modules, called as loss(input, target)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn import functional as F
from scratchnn.nn.module import Module
from scratchnn.ops.loss import check_label_smoothing, check_reduction
from scratchnn.tensor import Tensor


class _Loss(Module):
    """Base of the loss layers: holds and checks `reduction` ('mean', 'sum' or 'none')."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = check_reduction(reduction)

    def config(self) -> dict[str, Any]:
        return {"reduction": self.reduction}


class MSELoss(_Loss):
    """Mean squared error: (input - target)^2, reduced."""

    def forward(self, input: Tensor, target) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: |input - target|, reduced."""

    def forward(self, input: Tensor, target) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of softmax(logits) against integer labels or class probabilities."""

    def __init__(self, *, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction=reduction)
        self.label_smoothing = check_label_smoothing(label_smoothing)

    def forward(self, input: Tensor, target) -> Tensor:
        return F.cross_entropy(
            input, target, reduction=self.reduction, label_smoothing=self.label_smoothing
        )

    def config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "label_smoothing": self.label_smoothing}


class NLLLoss(_Loss):
    """Negative log-likelihood of integer labels under log-probabilities (e.g. log_softmax)."""

    def forward(self, input: Tensor, target) -> Tensor:
        return F.nll_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] (logs clamped at -100)."""

    def forward(self, input: Tensor, target) -> Tensor:
        return F.binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(logits), overflow-free; pos_weight weights positives."""

    def __init__(self, *, reduction: str = "mean", pos_weight=None) -> None:
        super().__init__(reduction=reduction)
        if isinstance(pos_weight, Tensor):
            pos_weight = pos_weight.data
        self.pos_weight = None if pos_weight is None else np.asarray(pos_weight)

    def forward(self, input: Tensor, target) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, reduction=self.reduction, pos_weight=self.pos_weight
        )

    def config(self) -> dict[str, Any]:
        pos_weight = None if self.pos_weight is None else self.pos_weight.tolist()
        return {"reduction": self.reduction, "pos_weight": pos_weight}
