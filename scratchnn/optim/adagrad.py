"""Adagrad: steps divided by the root of the running sum of squared gradients."""

from __future__ import annotations

import numpy as np

from scratchnn.optim.optimizer import Optimizer, ParamsT, require_non_negative, signed_grad


def adagrad_update(
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    tmp: np.ndarray,
    lr: float,
    eps: float,
) -> None:
    """s = s + g²;  θ -= lr · g / (√s + ε), in place (lr already decayed by the caller)."""
    np.square(grad, out=tmp)
    state_sum += tmp
    np.sqrt(state_sum, out=tmp)
    tmp += eps
    np.divide(grad, tmp, out=tmp)
    tmp *= -lr
    param += tmp


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.) with PyTorch's arguments and update rule.

    g = ∇ (negated if maximize) + weight_decay·θ;  s = s + g² (s starts at
    initial_accumulator_value);  θ -= lr / (1 + (t-1)·lr_decay) · g / (√s + ε).
    State per parameter: step, sum.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        require_non_negative(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
        weight_decay, maximize = float(group["weight_decay"]), group["maximize"]
        initial = float(group["initial_accumulator_value"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "sum": np.full_like(p.data, initial)}
            step = state["step"] = state["step"] + 1
            tmp, g_buf = self._scratch(p)
            adagrad_update(
                p.data,
                signed_grad(p.data, p.grad, weight_decay, maximize, g_buf),
                state["sum"],
                tmp,
                lr / (1.0 + (step - 1) * lr_decay),
                eps,
            )
