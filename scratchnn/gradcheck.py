"""gradcheck: compare backward() with float64 central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from scratchnn.tensor import Tensor


def numerical_gradients(
    function: Callable[..., Tensor], inputs: Sequence[Tensor], weight: np.ndarray, eps: float
) -> list[np.ndarray]:
    """d sum(weight * f(inputs)) / d input, by (f(x + eps) - f(x - eps)) / (2 eps) per element."""
    grads = []
    for tensor in inputs:
        grad = np.zeros_like(tensor.data)
        flat, flat_grad = tensor.data.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = float((function(*inputs).data * weight).sum())
            flat[i] = original - eps
            minus = float((function(*inputs).data * weight).sum())
            flat[i] = original
            flat_grad[i] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


def gradcheck(
    function: Callable[..., Tensor],
    *inputs,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    seed: int = 0,
) -> bool:
    """Check function's backward against finite differences in float64; raise AssertionError if off.

    `inputs` are arrays or Tensors; each becomes a float64 leaf that requires grad. The output is
    contracted with fixed random weights so every output element's gradient is exercised.
    """
    leaves = [
        Tensor(
            np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64),
            requires_grad=True,
            dtype=np.float64,
        )
        for x in inputs
    ]
    out = function(*leaves)
    if out.dtype != np.float64:
        raise AssertionError(f"gradcheck needs a float64 output, got {out.dtype}")
    weight = np.random.default_rng(seed).standard_normal(out.shape)
    (out * Tensor(weight, dtype=np.float64)).sum().backward()
    numeric = numerical_gradients(function, leaves, weight, eps)
    for index, (leaf, expected) in enumerate(zip(leaves, numeric)):
        actual = leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)
        if actual.shape != expected.shape:
            raise AssertionError(
                f"input {index}: gradient shape {actual.shape} != {expected.shape}"
            )
        if not np.allclose(actual, expected, atol=atol, rtol=rtol):
            worst = np.abs(actual - expected).max()
            raise AssertionError(
                f"input {index}: backward and finite differences differ by up to {worst:.3g}\n"
                f"backward:\n{actual}\nnumerical:\n{expected}"
            )
    return True
