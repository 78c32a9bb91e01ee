"""Adam and AdamW: steps scaled by running estimates of the gradient's first and second moments."""

from __future__ import annotations

import math

import numpy as np

from scratchnn.optim.optimizer import Optimizer, ParamsT, require_non_negative, signed_grad
from scratchnn.optim.subnormal import flush_interval

STATE_NAMES = ("exp_avg", "exp_avg_sq")


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
        names = STATE_NAMES + (("max_exp_avg_sq",) if amsgrad else ())

        def update(data, grad, state, step, work) -> None:
            root2 = math.sqrt(1.0 - beta2**step)
            tmp, g_buf = work
            if shrink != 1.0:
                data *= shrink
            adam_update(
                data,
                signed_grad(data, grad, l2, maximize, g_buf),
                state["exp_avg"],
                state["exp_avg_sq"],
                state["max_exp_avg_sq"] if amsgrad else None,
                tmp,
                beta1,
                beta2,
                step_size=lr * root2 / (1.0 - beta1**step),
                eps=eps * root2,
            )

        flat = self._flat_group(group)
        flat_state = flat.gather_state(self.state, names) if flat is not None else None
        if flat_state is not None:
            step = self.state[flat.params[0]]["step"] + 1
            for p in flat.params:
                self.state[p]["step"] = step
            update(flat.data, flat.grad, flat_state, step, flat.work)
            return
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0}
                state.update((name, np.zeros_like(p.data)) for name in names)
            step = state["step"] = state["step"] + 1
            update(p.data, p.grad, state, step, self._scratch(p))

    def _flush_every(self, group: dict) -> int:
        """Both moments decay (by β1 and β2) while a gradient is zero: the faster one rules."""
        return flush_interval(min(group["betas"]))


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
