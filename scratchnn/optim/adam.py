"""Adam and AdamW: steps scaled by running estimates of the gradient's first and second moments."""

from __future__ import annotations

import math

import numpy as np

from scratchnn.optim.optimizer import Optimizer, ParamsT, require_non_negative, signed_grad


def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    tmp: np.ndarray,
    beta1: float,
    beta2: float,
    step_size: float,
    eps: float,
) -> None:
    """m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;  θ -= step_size · m / (√v + eps), in place.

    With max_exp_avg_sq (AMSGrad) the running maximum of v replaces v in the denominator.
    The caller folds the bias corrections into the Python floats step_size = lr·√(1-β2ᵗ)/(1-β1ᵗ)
    and eps = ε·√(1-β2ᵗ), which is PyTorch's lr·m̂ / (√v̂ + ε) with one division fewer.
    """
    exp_avg *= beta1
    np.multiply(grad, 1.0 - beta1, out=tmp)
    exp_avg += tmp
    exp_avg_sq *= beta2
    np.square(grad, out=tmp)
    tmp *= 1.0 - beta2
    exp_avg_sq += tmp
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        exp_avg_sq = max_exp_avg_sq
    np.sqrt(exp_avg_sq, out=tmp)
    tmp += eps
    np.divide(exp_avg, tmp, out=tmp)
    tmp *= -step_size
    param += tmp


class Adam(Optimizer):
    """Adam (Kingma & Ba) with PyTorch's arguments and update rule.

    g = ∇ (negated if maximize) + weight_decay·θ;  m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
    θ -= lr · (m / (1-β1ᵗ)) / (√(v / (1-β2ᵗ)) + ε).  amsgrad uses max over time of v;
    decoupled_weight_decay shrinks θ *= 1 - lr·weight_decay instead of adding to g (AdamW).
    State per parameter: step, exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        require_non_negative(lr=lr, eps=eps, weight_decay=weight_decay)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        shrink = 1.0 - lr * weight_decay if decoupled else 1.0
        l2 = 0.0 if decoupled else weight_decay
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state.get(p)
            if state is None:
                state = self._init_state(p, amsgrad)
            step = state["step"] = state["step"] + 1
            root2 = math.sqrt(1.0 - beta2**step)
            tmp, g_buf = self._scratch(p)
            if shrink != 1.0:
                p.data *= shrink
            adam_update(
                p.data,
                signed_grad(p.data, p.grad, l2, maximize, g_buf),
                state["exp_avg"],
                state["exp_avg_sq"],
                state["max_exp_avg_sq"] if amsgrad else None,
                tmp,
                beta1,
                beta2,
                step_size=lr * root2 / (1.0 - beta1**step),
                eps=eps * root2,
            )

    def _init_state(self, p, amsgrad: bool) -> dict:
        state = {"step": 0, "exp_avg": np.zeros_like(p.data), "exp_avg_sq": np.zeros_like(p.data)}
        if amsgrad:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        self.state[p] = state
        return state


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): θ *= 1 - lr·weight_decay, then
    the Adam step from the plain gradient. PyTorch's arguments (weight_decay defaults to 1e-2)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
