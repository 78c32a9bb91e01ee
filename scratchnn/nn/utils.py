"""Gradient clipping: rescale all gradients to a maximum total norm, or clamp each entry."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from scratchnn.tensor import Tensor


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale every .grad in place by min(1, max_norm / (‖g‖ + 1e-6)), where ‖g‖ is the
    norm_type-norm of all gradients taken together (the norm of the per-tensor norms).

    Returns ‖g‖ before clipping as a 0-d Tensor; parameters without a gradient are skipped.
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    norm_type = float(norm_type)
    norms = np.array([np.linalg.norm(g.ravel(), ord=norm_type) for g in grads])
    total = np.linalg.norm(norms, ord=norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is {total}, so they cannot be "
            "clipped; pass error_if_nonfinite=False to clip anyway"
        )
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    if coef != 1.0:  # also NaN, which spreads into the gradients as in PyTorch
        for g in grads:
            g *= coef
    return Tensor(total, dtype=total.dtype)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every entry of every .grad into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    """The gradient arrays of the parameters that have one."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]
