"""Shared check: values and input gradients of a scratchnn function against PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import Tensor


def compare_with_torch(ours, theirs, *arrays, rtol=1e-10, atol=1e-10) -> None:
    """Values and input gradients of ours(*Tensors) and theirs(torch, *tensors) in float64."""
    torch = pytest.importorskip("torch")
    leaves = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    torch_leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, torch_out = ours(*leaves), theirs(torch, *torch_leaves)
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), rtol=rtol, atol=atol)
    weight = np.random.default_rng(7).standard_normal(out.shape)
    (out * Tensor(weight, dtype=np.float64)).sum().backward()
    (torch_out * torch.from_numpy(weight)).sum().backward()
    for leaf, torch_leaf in zip(leaves, torch_leaves):
        np.testing.assert_allclose(leaf.grad, torch_leaf.grad.numpy(), rtol=rtol, atol=atol)
