"""Autograd mechanics: accumulation, graph release, no_grad, deep graphs, dtypes."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import scratchnn as sn


def test_tensor_defaults_to_float32_and_keeps_integer_labels():
    assert sn.Tensor([1.0, 2.0]).dtype == np.float32
    assert sn.Tensor(np.zeros(3)).dtype == np.float32
    assert sn.Tensor(np.zeros(3), dtype="float64").dtype == np.float64
    assert sn.Tensor(np.array([1, 2])).dtype.kind == "i"
    with pytest.raises(TypeError, match="floating"):
        sn.Tensor(np.array([1, 2]), requires_grad=True)


def test_float32_stays_float32_through_ops_with_python_and_numpy_scalars():
    x = sn.Tensor(np.ones((2, 3)), requires_grad=True)
    y = ((x * np.float64(2.5) + 1.0) ** 2 / 3.0 - np.float64(0.5)).exp().log().mean()
    y.backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_properties_and_item():
    x = sn.Tensor(np.arange(6.0).reshape(2, 3))
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert isinstance(x.numpy(), np.ndarray)
    assert x.sum().item() == 15.0
    with pytest.raises(ValueError):
        x.item()


def test_gradients_accumulate_across_backward_calls():
    x = sn.Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [3 + 2, 3 + 4])


def test_tensor_used_twice_in_one_expression():
    x = sn.Tensor([2.0], requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad, [5.0])


def test_backward_needs_scalar_or_explicit_gradient():
    x = sn.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="one-element"):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad, [2.0, 20.0])


def test_graph_is_released_after_backward():
    x = sn.Tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2
    y = (hidden * hidden).sum()
    y.backward()
    assert not hasattr(hidden._ctx, "inputs") and not hasattr(y._ctx, "inputs")
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = sn.Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, [4.0, 8.0])


def test_no_grad_builds_no_graph_and_restores_state():
    x = sn.Tensor([1.0], requires_grad=True)
    with sn.no_grad():
        y = x * 2
        assert not sn.is_grad_enabled()
    assert sn.is_grad_enabled()
    assert not y.requires_grad and y._ctx is None

    @sn.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad


def test_detach_cuts_the_graph():
    x = sn.Tensor([3.0], requires_grad=True)
    y = x * x.detach()
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [3.0])


def test_ten_thousand_chained_ops_backpropagate_without_recursion():
    x = sn.Tensor([1.0], requires_grad=True, dtype="float64")
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    assert 10_000 > sys.getrecursionlimit() / 2
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**10_000], rtol=1e-9)


def test_comparisons_are_boolean_and_not_differentiable():
    x = sn.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == bool and not mask.requires_grad
    np.testing.assert_array_equal((x <= 2).data, [True, True, False])
    np.testing.assert_array_equal((x == 2).data, [False, True, False])


def test_numpy_scalar_on_the_left_uses_tensor_operators():
    x = sn.Tensor([1.0, 2.0], requires_grad=True)
    y = np.float32(2.0) * x
    assert isinstance(y, sn.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0])


def test_manual_seed_repeats_random_tensors():
    sn.manual_seed(3)
    a = sn.randn(4, 4).data
    sn.manual_seed(3)
    np.testing.assert_array_equal(a, sn.randn(4, 4).data)


def test_one_element_tensor_converts_and_formats_like_a_number():
    loss = sn.Tensor([[0.123456]])
    assert float(loss) == pytest.approx(0.123456) and int(sn.Tensor(3.7)) == 3
    assert f"{loss:.3f}" == "0.123"
    with pytest.raises(ValueError):
        float(sn.Tensor([1.0, 2.0]))


@pytest.mark.parametrize("order", ["skip_first", "skip_last"])
def test_intermediate_feeding_a_later_op_and_the_output(order):
    """out = a + b with b = 3a: a's gradient must gather both paths before flowing to x."""
    x = sn.Tensor([1.0], requires_grad=True)
    a = x * 2
    b = a * 3
    out = a + b if order == "skip_first" else b + a
    out.sum().backward()
    np.testing.assert_allclose(x.grad, [8.0])


def test_residual_chain_gradients_match_finite_differences():
    from scratchnn.gradcheck import gradcheck

    def residual(x):
        h = x
        for _ in range(4):
            h = h + (h * 0.5).exp() * 0.1
        return h

    gradcheck(residual, np.array([0.3, -0.2]))
