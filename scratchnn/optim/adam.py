"""Adam and AdamW: steps scaled by running estimates of the gradient's first and second moments.

The state keeps decayed sums instead of PyTorch's averages: exp_sum = sum_i β1^(t-i) g_i and
exp_sum_sq = sum_i β2^(t-i) g_i², that is exp_avg / (1-β1) and exp_avg_sq / (1-β2). Their
update needs no multiplication by (1-β) (two array passes of twelve fewer per step), and the
bias-corrected moments are the sums over the decayed step counts, m̂ = exp_sum (1-β1) / (1-β1ᵗ).
`load_state_dict` also takes PyTorch's exp_avg / exp_avg_sq (and max_exp_avg_sq).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scratchnn.compiled import compiled_loop
from scratchnn.optim.optimizer import Optimizer, ParamsT, require_non_negative, signed_grad
from scratchnn.optim.subnormal import flush_interval
from scratchnn.tensor import Tensor

STATE_NAMES = ("exp_sum", "exp_sum_sq")
MAX_NAME = "max_exp_sum_sq"
# PyTorch's name for each average -> (our sum's name, index of the β that divides it)
PYTORCH_AVERAGES = {
    "exp_avg": ("exp_sum", 0),
    "exp_avg_sq": ("exp_sum_sq", 1),
    "max_exp_avg_sq": (MAX_NAME, 1),
}


def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_sum: np.ndarray,
    exp_sum_sq: np.ndarray,
    max_exp_sum_sq: np.ndarray | None,
    tmp: np.ndarray,
    beta1: float,
    beta2: float,
    step_size: float,
    eps: float,
) -> None:
    """M = β1 M + g;  V = β2 V + g²;  θ -= step_size · M / (√V + eps), in place (ten passes,
    or `adam_loop` compiled, see scratchnn/compiled.py, when the arrays are C-contiguous).

    With max_exp_sum_sq (AMSGrad) the running maximum of V replaces V in the denominator.
    The caller folds (1-β) and the bias corrections into the Python floats (see
    `Adam._step_group`), which is PyTorch's lr·m̂ / (√v̂ + ε) with fewer array passes.
    """
    if max_exp_sum_sq is None:
        loop = compiled_loop(adam_loop, param, grad, exp_sum, exp_sum_sq)
        if loop is not None:
            scalars = [param.dtype.type(value) for value in (beta1, beta2, step_size, eps)]
            loop(param.ravel(), grad.ravel(), exp_sum.ravel(), exp_sum_sq.ravel(), *scalars)
            return
    exp_sum *= beta1
    exp_sum += grad
    exp_sum_sq *= beta2
    np.square(grad, out=tmp)
    exp_sum_sq += tmp
    if max_exp_sum_sq is not None:
        np.maximum(max_exp_sum_sq, exp_sum_sq, out=max_exp_sum_sq)
        exp_sum_sq = max_exp_sum_sq
    np.sqrt(exp_sum_sq, out=tmp)
    tmp += eps
    np.divide(exp_sum, tmp, out=tmp)
    tmp *= -step_size
    param += tmp


def adam_loop(param, grad, exp_sum, exp_sum_sq, beta1, beta2, step_size, eps) -> None:
    """adam_update's passes element by element, for numba to compile (scalars of the arrays'
    dtype): the same operations in the same order, so the same numbers bit for bit."""
    for i in range(param.size):
        g = grad[i]
        m = exp_sum[i] * beta1 + g
        v = exp_sum_sq[i] * beta2 + g * g
        exp_sum[i] = m
        exp_sum_sq[i] = v
        param[i] -= step_size * (m / (np.sqrt(v) + eps))


class Adam(Optimizer):
    """Adam (Kingma & Ba) with PyTorch's arguments and update rule.

    g = ∇ (negated if maximize) + weight_decay·θ;  m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
    θ -= lr · (m / (1-β1ᵗ)) / (√(v / (1-β2ᵗ)) + ε).  amsgrad uses max over time of v;
    decoupled_weight_decay shrinks θ *= 1 - lr·weight_decay instead of adding to g (AdamW).
    State per parameter: step, exp_sum = m / (1-β1), exp_sum_sq = v / (1-β2) (and
    max_exp_sum_sq with amsgrad); `moments(p)` gives PyTorch's exp_avg and exp_avg_sq.
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
        names = STATE_NAMES + ((MAX_NAME,) if amsgrad else ())

        def update(data, grad, state, step, work) -> None:
            # √v̂ = √V / r and m̂ = M (1-β1) / (1-β1ᵗ), with r = √((1-β2ᵗ) / (1-β2))
            r = math.sqrt((1.0 - beta2**step) / (1.0 - beta2))
            tmp, g_buf = work
            if shrink != 1.0:
                data *= shrink
            adam_update(
                data,
                signed_grad(data, grad, l2, maximize, g_buf),
                state["exp_sum"],
                state["exp_sum_sq"],
                state[MAX_NAME] if amsgrad else None,
                tmp,
                beta1,
                beta2,
                step_size=lr * (1.0 - beta1) * r / (1.0 - beta1**step),
                eps=eps * r,
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

    def moments(self, p: Tensor) -> dict[str, np.ndarray]:
        """PyTorch's view of p's state: exp_avg, exp_avg_sq (and max_exp_avg_sq), as new arrays."""
        state, betas = self.state[p], self._betas_of(p)
        return {
            average: state[name] * (1.0 - betas[which])
            for average, (name, which) in PYTORCH_AVERAGES.items()
            if name in state
        }

    def _loaded_state(self, p: Tensor, state: dict[str, Any]) -> dict[str, Any]:
        """PyTorch's averages (exp_avg, ...) in a loaded state become our decayed sums."""
        betas = self._betas_of(p)
        for average, (name, which) in PYTORCH_AVERAGES.items():
            if average in state:
                state[name] = state.pop(average) / (1.0 - betas[which])
        return state

    def _betas_of(self, p: Tensor) -> tuple[float, float]:
        """(β1, β2) of the parameter group that holds p."""
        group = next(g for g in self.param_groups if any(q is p for q in g["params"]))
        return tuple(float(beta) for beta in group["betas"])

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
