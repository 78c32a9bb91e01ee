"""Gradient clipping against PyTorch: the returned norm and the gradients afterwards."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import Tensor
from scratchnn.nn import Parameter
from scratchnn.nn.utils import clip_grad_norm_, clip_grad_value_

SHAPES = [(3, 4), (5,), (2, 2, 2), (3,)]  # the last parameter has no gradient


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    return torch


def pair(torch, scale: float = 1.0):
    """The same parameters and gradients in scratchnn and in PyTorch (float64)."""
    rng = np.random.default_rng(7)
    values = [rng.standard_normal(shape) for shape in SHAPES]
    grads = [scale * rng.standard_normal(shape) for shape in SHAPES[:-1]]
    ours = [Parameter(v, dtype=np.float64) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad = g.copy()
        tp.grad = torch.tensor(g)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_pytorch(torch, norm_type, max_norm):
    ours, theirs = pair(torch)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-12)
    for p, tp in zip(ours, theirs):
        if tp.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12, atol=0)


def test_clip_grad_norm_leaves_small_gradients_alone():
    p = Parameter(np.zeros(4), dtype=np.float64)
    p.grad = g = np.array([0.1, -0.2, 0.3, 0.0])
    before = g.copy()
    total = clip_grad_norm_([p], max_norm=1.0)
    assert p.grad is g
    np.testing.assert_array_equal(g, before)
    np.testing.assert_allclose(total.item(), np.sqrt(0.14))


def test_clip_grad_norm_result_is_bounded_and_keeps_dtype():
    p, q = Parameter(np.zeros((10, 10))), Parameter(np.zeros(7))
    rng = np.random.default_rng(0)
    p.grad = rng.standard_normal((10, 10)).astype(np.float32) * 10
    q.grad = rng.standard_normal(7).astype(np.float32) * 10
    total = clip_grad_norm_((x for x in [p, q]), 1.0)  # any iterable, even a generator
    assert total.dtype == np.float32 and total.item() > 1.0
    assert p.grad.dtype == np.float32 and q.grad.dtype == np.float32
    after = np.sqrt(np.sum(p.grad.astype(np.float64) ** 2) + np.sum(q.grad.astype(np.float64) ** 2))
    assert after == pytest.approx(1.0, rel=1e-5) and after <= 1.0 + 1e-6


def test_clip_grad_norm_single_tensor_and_no_gradients(torch):
    p = Parameter(np.zeros(3), dtype=np.float64)
    assert clip_grad_norm_(p, 1.0).item() == 0.0
    p.grad = np.array([3.0, 4.0, 0.0])
    tp = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    tp.grad = torch.tensor([3.0, 4.0, 0.0], dtype=torch.float64)
    total = clip_grad_norm_(p, 1.0)
    torch.nn.utils.clip_grad_norm_(tp, 1.0)
    assert total.item() == 5.0
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_nonfinite(torch):
    p = Parameter(np.zeros(2), dtype=np.float64)
    p.grad = np.array([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="non-finite|nan"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_([p], 1.0)
    tp = torch.zeros(2, requires_grad=True)
    tp.grad = torch.tensor([np.nan, 1.0])
    expected = torch.nn.utils.clip_grad_norm_([tp], 1.0)
    assert np.isnan(total.item()) and np.isnan(expected.item())
    np.testing.assert_array_equal(np.isnan(p.grad), np.isnan(tp.grad.numpy()))


@pytest.mark.parametrize("clip_value", [0.5, 2.0])
def test_clip_grad_value_matches_pytorch(torch, clip_value):
    ours, theirs = pair(torch, scale=2.0)
    kept = ours[0].grad
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    assert ours[0].grad is kept  # in place
    for p, tp in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_array_equal(p.grad, tp.grad.numpy())
    assert np.abs(ours[0].grad).max() <= clip_value
