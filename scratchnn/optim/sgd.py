"""SGD: plain gradient descent, optionally with (Nesterov) momentum and weight decay."""

from __future__ import annotations

import numpy as np

from scratchnn.optim.optimizer import Optimizer, ParamsT, require_non_negative, signed_grad


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buffer: np.ndarray | None,
    tmp: np.ndarray,
    lr: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
) -> np.ndarray | None:
    """b = μ b + (1-τ) g (b = g at first);  g = g + μ b if nesterov else b;  θ -= lr g, in place.

    Returns the momentum buffer: None without momentum, a new copy of g when given None.
    """
    if momentum != 0:
        if momentum_buffer is None:
            momentum_buffer = grad.copy()
        else:
            momentum_buffer *= momentum
            if dampening == 0:
                momentum_buffer += grad
            else:
                np.multiply(grad, 1.0 - dampening, out=tmp)
                momentum_buffer += tmp
        if nesterov:
            np.multiply(momentum_buffer, momentum, out=tmp)
            tmp += grad
            grad = tmp
        else:
            grad = momentum_buffer
    np.multiply(grad, -lr, out=tmp)
    param += tmp
    return momentum_buffer


class SGD(Optimizer):
    """Stochastic gradient descent with PyTorch's arguments and update rule.

    g = ∇ (negated if maximize) + weight_decay·θ;  with momentum μ: b₁ = g,
    b = μ b + (1-dampening) g, and g = g + μ b (nesterov) or g = b;  θ -= lr g.
    State per parameter (momentum only): momentum_buffer. Without momentum the group is
    updated at once from flat storage (optim/flat.py).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        require_non_negative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        dampening, weight_decay = float(group["dampening"]), float(group["weight_decay"])
        nesterov, maximize = group["nesterov"], group["maximize"]
        flat = self._flat_group(group) if momentum == 0 else None
        if flat is not None:  # plain SGD keeps no state: one update for the whole group
            tmp, g_buf = flat.work
            grad = signed_grad(flat.data, flat.grad, weight_decay, maximize, g_buf)
            sgd_update(flat.data, grad, None, tmp, lr, momentum, dampening, nesterov)
            return
        for p in group["params"]:
            if p.grad is None:
                continue
            tmp, g_buf = self._scratch(p)
            grad = signed_grad(p.data, p.grad, weight_decay, maximize, g_buf)
            if momentum == 0:
                sgd_update(p.data, grad, None, tmp, lr, momentum, dampening, nesterov)
                continue
            state = self.state.setdefault(p, {})
            state["momentum_buffer"] = sgd_update(
                p.data, grad, state.get("momentum_buffer"), tmp, lr, momentum, dampening, nesterov
            )
