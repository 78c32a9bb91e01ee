"""Float64 finite-difference checks of every core op, with broadcasting and reuse."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn as sn
from scratchnn.gradcheck import gradcheck

R = np.random.default_rng(7)


def arr(*shape, low=-2.0, high=2.0):
    return R.uniform(low, high, size=shape)


def positive(*shape):
    return R.uniform(0.5, 2.0, size=shape)


BINARY_CASES = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "matmul_like_broadcast_maximum": lambda a, b: sn.maximum(a, b),
}

BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((2, 3, 4), (3, 1)),
    ((1, 4), (3, 1)),
    ((), (2, 3)),
]


@pytest.mark.parametrize("name", BINARY_CASES)
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_ops_with_broadcasting(name, shapes):
    a, b = positive(*shapes[0]), positive(*shapes[1])
    gradcheck(BINARY_CASES[name], a, b)


@pytest.mark.parametrize(
    "function",
    [
        lambda x: x + 2.5,
        lambda x: 3.0 - x,
        lambda x: x * -1.5,
        lambda x: 2.0 / x,
        lambda x: x / 4.0,
        lambda x: x**3,
        lambda x: x**2,
        lambda x: x**0.5,
        lambda x: 2.0**x,
        lambda x: -x,
        lambda x: x.exp(),
        lambda x: x.log(),
        lambda x: x.sqrt(),
        lambda x: (x - 1.2).abs(),
        lambda x: x.clip(0.8, 1.5),
        lambda x: x.clip(min=1.0),
    ],
    ids=[
        "radd",
        "rsub",
        "mul_scalar",
        "rdiv",
        "div_scalar",
        "cube",
        "square",
        "pow_half",
        "rpow",
        "neg",
        "exp",
        "log",
        "sqrt",
        "abs",
        "clip",
        "clip_min",
    ],
)
def test_unary_ops(function):
    gradcheck(function, positive(3, 5))


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min", "var"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(method, axis, keepdims):
    gradcheck(lambda x: getattr(x, method)(axis=axis, keepdims=keepdims), arr(3, 4, 2))


def test_max_splits_gradient_between_ties():
    x = sn.Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0, 0, 0]])


def test_var_matches_numpy_with_correction():
    x = arr(4, 5)
    np.testing.assert_allclose(sn.Tensor(x, dtype="float64").var(axis=0).data, x.var(0, ddof=1))
    np.testing.assert_allclose(sn.Tensor(x, dtype="float64").var(correction=0).data, x.var())


@pytest.mark.parametrize(
    "shapes",
    [
        ((3, 4), (4, 5)),
        ((4,), (4, 2)),
        ((3, 4), (4,)),
        ((4,), (4,)),
        ((2, 3, 4), (4, 5)),
        ((2, 3, 4), (2, 4, 5)),
        ((1, 3, 4), (2, 4, 2)),
    ],
    ids=str,
)
def test_matmul(shapes):
    gradcheck(lambda a, b: a @ b, arr(*shapes[0]), arr(*shapes[1]))


@pytest.mark.parametrize("x_shape", [(3,), (5, 3), (2, 4, 3)], ids=str)
def test_fused_linear(x_shape):
    from scratchnn.ops.linalg import Linear

    gradcheck(lambda x, w, b: Linear.apply(x, w, b), arr(*x_shape), arr(4, 3), arr(4))
    gradcheck(lambda x, w: Linear.apply(x, w), arr(*x_shape), arr(4, 3))


@pytest.mark.parametrize(
    "function",
    [
        lambda x: x.reshape(6, 4),
        lambda x: x.reshape((4, -1)),
        lambda x: x.transpose(),
        lambda x: x.transpose(0, 2),
        lambda x: x.permute(2, 0, 1),
        lambda x: x.T,
        lambda x: x.flatten(),
        lambda x: x.flatten(1),
        lambda x: x.unsqueeze(1).squeeze(1),
        lambda x: x[1],
        lambda x: x[:, 1:3, ::2],
        lambda x: x[..., -1],
        lambda x: x[np.array([0, 1, 1]), :, np.array([2, 0, 3])],
        lambda x: x[np.array([1, 1, 0])],
        lambda x: x[x.data > 0],
        lambda x: x[sn.Tensor(np.array([0, 0]))],
    ],
    ids=[
        "reshape",
        "reshape_infer",
        "transpose_all",
        "transpose_pair",
        "permute",
        "T",
        "flatten",
        "flatten_from_1",
        "unsqueeze_squeeze",
        "int_index",
        "slices",
        "ellipsis",
        "int_arrays",
        "repeated_rows",
        "boolean_mask",
        "tensor_index",
    ],
)
def test_shape_ops(function):
    gradcheck(function, arr(2, 3, 4))


def test_concatenate_and_stack():
    gradcheck(lambda a, b: sn.concatenate([a, b], axis=1), arr(2, 3), arr(2, 5))
    gradcheck(lambda a, b, c: sn.stack([a, b, c], axis=1), arr(2, 3), arr(2, 3), arr(2, 3))


def test_where_with_broadcasting():
    condition = R.random((3, 4)) > 0.5
    gradcheck(lambda a, b: sn.where(condition, a, b), arr(3, 4), arr(4))
    gradcheck(lambda a: sn.where(condition, a, 0.0), arr(3, 4))


def test_astype_is_differentiable():
    x = sn.Tensor([1.0, 2.0, 3.0], requires_grad=True, dtype="float64")
    (x.astype(np.float32) * sn.Tensor([2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [2.0, 3.0, 4.0])


def test_tensor_reused_in_several_places():
    def function(x, w):
        hidden = x @ w
        return (hidden * hidden + hidden.exp() * x.sum(axis=1, keepdims=True)) @ w.T + x

    gradcheck(function, arr(3, 4, low=-0.5, high=0.5), arr(4, 4, low=-0.5, high=0.5))


def test_composite_mlp_expression():
    def mlp(x, w1, b1, w2):
        hidden = sn.maximum(x @ w1.T + b1, 0.0)
        return ((hidden @ w2.T) ** 2).mean(axis=0)

    gradcheck(mlp, arr(5, 3), arr(4, 3), arr(4), arr(2, 4))
