"""RMSprop: steps divided by a running root-mean-square of the gradient."""

from __future__ import annotations

import numpy as np

from scratchnn.optim.optimizer import Optimizer, ParamsT, require_non_negative, signed_grad


def rmsprop_update(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    grad_avg: np.ndarray | None,
    momentum_buffer: np.ndarray | None,
    tmp: np.ndarray,
    lr: float,
    alpha: float,
    eps: float,
    momentum: float,
) -> None:
    """v = α v + (1-α) g²;  d = √(v - ḡ²) + ε with ḡ = α ḡ + (1-α) g (centered) else √v + ε;
    b = μ b + g/d, θ -= lr b (momentum) else θ -= lr g/d, in place."""
    square_avg *= alpha
    np.square(grad, out=tmp)
    tmp *= 1.0 - alpha
    square_avg += tmp
    if grad_avg is not None:
        grad_avg *= alpha
        np.multiply(grad, 1.0 - alpha, out=tmp)
        grad_avg += tmp
        np.multiply(grad_avg, grad_avg, out=tmp)
        np.subtract(square_avg, tmp, out=tmp)
        np.sqrt(tmp, out=tmp)
    else:
        np.sqrt(square_avg, out=tmp)
    tmp += eps
    np.divide(grad, tmp, out=tmp)
    if momentum_buffer is not None:
        momentum_buffer *= momentum
        momentum_buffer += tmp
        np.multiply(momentum_buffer, -lr, out=tmp)
    else:
        tmp *= -lr
    param += tmp


class RMSprop(Optimizer):
    """RMSprop (Hinton) with PyTorch's arguments and update rule.

    g = ∇ (negated if maximize) + weight_decay·θ;  v = α v + (1-α) g²;  centered subtracts the
    squared running mean ḡ of g from v;  θ -= lr · g / (√v + ε), through a momentum buffer
    b = μ b + g / (√v + ε) when momentum > 0.
    State per parameter: step, square_avg (and momentum_buffer, grad_avg when used).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        require_non_negative(
            lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha
        )
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        centered, maximize = group["centered"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state.get(p)
            if state is None:
                state = self._init_state(p, momentum > 0, centered)
            state["step"] += 1
            tmp, g_buf = self._scratch(p)
            rmsprop_update(
                p.data,
                signed_grad(p.data, p.grad, weight_decay, maximize, g_buf),
                state["square_avg"],
                state["grad_avg"] if centered else None,
                state["momentum_buffer"] if momentum > 0 else None,
                tmp,
                lr,
                alpha,
                eps,
                momentum,
            )

    def _init_state(self, p, momentum: bool, centered: bool) -> dict:
        state = {"step": 0, "square_avg": np.zeros_like(p.data)}
        if momentum:
            state["momentum_buffer"] = np.zeros_like(p.data)
        if centered:
            state["grad_avg"] = np.zeros_like(p.data)
        self.state[p] = state
        return state
