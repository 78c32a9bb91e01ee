"""Compiled loops (scratchnn/compiled.py): Adam's update and ReLU's gradient as numba loops give
the numbers of their NumPy passes bit for bit, cross-entropy's to rounding; the switch and the
fallbacks work."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import scratchnn
from scratchnn import Tensor, compiled, nn
from scratchnn.ops.activation import (
    ReLU,
    bias_relu_in_place,
    bias_relu_loop,
    relu_backward_loop,
)
from scratchnn.ops.loss import CrossEntropy, cross_entropy_loop
from scratchnn.optim import Adam
from scratchnn.optim.adam import adam_loop, adam_update

HYPERPARAMETERS = (0.9, 0.999, 3e-3, 1e-8)  # beta1, beta2, step_size, eps


@pytest.fixture(autouse=True)
def restore_switch():
    enabled = compiled._state["enabled"]
    yield
    compiled.use_compiled(enabled)


def adam_arrays(rng, size: int, dtype) -> list[np.ndarray]:
    """Parameter, gradient and two moment sums, with zeros, tiny and large values among them."""
    param, grad = rng.standard_normal((2, size))
    grad[::7] = 0.0
    grad[1::11] *= 1e-20
    grad[2::13] *= 1e6
    exp_sum = rng.standard_normal(size) * 0.1
    exp_sum_sq = rng.random(size) * 0.01
    exp_sum_sq[::5] = 0.0
    return [np.ascontiguousarray(a, dtype=dtype) for a in (param, grad, exp_sum, exp_sum_sq)]


def run_steps(arrays, steps: int, update) -> list[np.ndarray]:
    """`steps` updates of copies of arrays, each with a gradient scaled a little differently."""
    param, grad, exp_sum, exp_sum_sq = (a.copy() for a in arrays)
    for step in range(steps):
        update(param, grad * (1 + step / 10), exp_sum, exp_sum_sq)
    return [param, exp_sum, exp_sum_sq]


def numpy_passes(param, grad, exp_sum, exp_sum_sq) -> None:
    compiled.use_compiled(False)
    adam_update(param, grad, exp_sum, exp_sum_sq, None, np.empty_like(param), *HYPERPARAMETERS)


def python_loop(param, grad, exp_sum, exp_sum_sq) -> None:
    scalars = [param.dtype.type(value) for value in HYPERPARAMETERS]
    adam_loop(param, grad, exp_sum, exp_sum_sq, *scalars)


def compiled_update(param, grad, exp_sum, exp_sum_sq) -> None:
    compiled.use_compiled(True)
    assert compiled.compiled_loop(adam_loop, param, grad, exp_sum, exp_sum_sq) is not None
    adam_update(param, grad, exp_sum, exp_sum_sq, None, np.empty_like(param), *HYPERPARAMETERS)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_loop_does_the_operations_of_the_numpy_passes(rng, dtype):
    """The loop numba compiles, run as plain Python: the same numbers as the passes."""
    arrays = adam_arrays(rng, 300, dtype)
    expected = run_steps(arrays, 4, numpy_passes)
    for got, want in zip(run_steps(arrays, 4, python_loop), expected):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", [(10_000,), (100, 100)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_adam_equals_numpy_passes_bit_for_bit(rng, dtype, shape):
    pytest.importorskip("numba")
    arrays = [a.reshape(shape) for a in adam_arrays(rng, 10_000, dtype)]
    expected = run_steps(arrays, 30, numpy_passes)
    for got, want in zip(run_steps(arrays, 30, compiled_update), expected):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)


def with_and_without_loops(function):
    """function() run with compiled loops and again with NumPy passes: (compiled, numpy)."""
    compiled.use_compiled(True)
    fast = function()
    compiled.use_compiled(False)
    return fast, function()


def train_mlp(rng_seed: int, amsgrad: bool = False) -> list[np.ndarray]:
    """Parameters of a small MLP after 15 Adam steps on random data."""
    scratchnn.manual_seed(rng_seed)
    model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 3))
    optimizer = Adam(model.parameters(), lr=1e-2, weight_decay=1e-3, amsgrad=amsgrad)
    data = np.random.default_rng(rng_seed)
    x = data.standard_normal((32, 20)).astype(np.float32)
    y = data.integers(0, 3, 32)
    for _ in range(15):
        loss = nn.CrossEntropyLoss()(model(Tensor(x)), Tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [p.data.copy() for p in model.parameters()]


@pytest.mark.parametrize("amsgrad", [False, True])
def test_training_with_and_without_compiled_loops_agrees(amsgrad):
    """Equal up to cross-entropy's rounding (its loop's exp and sums are not NumPy's)."""
    pytest.importorskip("numba")
    with_loops, without = with_and_without_loops(lambda: train_mlp(7, amsgrad))
    for got, want in zip(with_loops, without):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_switch_and_array_conditions(rng):
    flat = adam_arrays(rng, 10, np.float32)
    compiled.use_compiled(False)
    assert not scratchnn.compiled_enabled()
    assert compiled.compiled_loop(adam_loop, *flat) is None
    scratchnn.use_compiled(True)
    has_numba = compiled._numba() is not None
    assert scratchnn.compiled_enabled() == has_numba
    assert (compiled.compiled_loop(adam_loop, *flat) is not None) == has_numba
    assert (
        compiled.compiled_loop(adam_loop, *[a.reshape(2, 5) for a in flat]) is not None
    ) == has_numba
    column_major = [np.asfortranarray(a.reshape(2, 5)) for a in flat]
    mixed = [flat[0].astype(np.float64), *flat[1:]]
    strided = [a[::2] for a in flat]
    integers = [a.astype(np.int64) for a in flat]
    halves = [np.zeros(10, np.float16) for _ in flat]
    for arrays in (column_major, mixed, strided, integers, halves):
        assert compiled.compiled_loop(adam_loop, *arrays) is None


def test_without_numba_adam_runs_its_numpy_passes(rng, monkeypatch):
    monkeypatch.setattr(compiled, "_numba", lambda: None)
    monkeypatch.setattr(compiled, "_compiled", {})
    compiled.use_compiled(True)
    assert not scratchnn.compiled_enabled()
    arrays = adam_arrays(rng, 50, np.float32)
    assert compiled.compiled_loop(adam_loop, *arrays) is None
    expected = run_steps(arrays, 3, numpy_passes)
    compiled.use_compiled(True)
    got = run_steps(
        arrays, 3, lambda *a: adam_update(*a[:4], None, np.empty_like(a[0]), *HYPERPARAMETERS)
    )
    for g, want in zip(got, expected):
        np.testing.assert_array_equal(g, want)


def test_environment_variable_switches_loops_off():
    code = "import scratchnn; print(scratchnn.compiled_enabled())"
    env = {"SCRATCHNN_COMPILED": "0", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def special_values(rng, shape, dtype) -> np.ndarray:
    values = rng.standard_normal(shape)
    values.flat[:6] = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-40]
    return values.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_loop_gives_the_numpy_product(rng, dtype):
    y = np.maximum(special_values(rng, 40, dtype), 0)
    grad = special_values(rng, 40, dtype)[::-1].copy()
    dx = np.empty_like(grad)
    with np.errstate(invalid="ignore"):  # inf * 0
        relu_backward_loop(grad, y, dx)  # as plain Python
        expected = grad * (y > 0)
    np.testing.assert_array_equal(dx, expected)
    assert np.array_equal(np.signbit(dx), np.signbit(expected))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_relu_loop_gives_numpys_add_then_max(rng, dtype):
    y = special_values(rng, (8, 5), dtype)
    bias = special_values(rng, 5, dtype)[::-1].copy()
    with np.errstate(invalid="ignore"):  # inf + -inf
        expected = np.maximum(y + bias, 0)
        bias_relu_loop(y.ravel(), bias)  # as plain Python, in place
    np.testing.assert_array_equal(y, expected)
    assert np.array_equal(np.signbit(y), np.signbit(expected))


def relu_gradient(x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    op = ReLU()
    op.forward(x)
    return op.backward(grad)[0]


def bias_then_relu(y: np.ndarray, bias: np.ndarray) -> np.ndarray:
    return bias_relu_in_place(y.copy(order="K"), bias[0])  # the first row as the bias


@pytest.mark.parametrize("rule", [relu_gradient, bias_then_relu])
@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_elementwise_rules_equal_numpy_bit_for_bit(rng, rule, dtype, layout):
    pytest.importorskip("numba")
    first = np.asarray(special_values(rng, (30, 20), dtype), order=layout)
    second = np.asarray(special_values(rng, (30, 20), dtype)[::-1], order=layout)
    with np.errstate(invalid="ignore"):  # inf * 0, inf + -inf
        fast, plain = with_and_without_loops(lambda: rule(first, second))
    np.testing.assert_array_equal(fast, plain)
    assert np.array_equal(np.signbit(fast), np.signbit(plain))


def cross_entropy_forward_backward(x, labels, reduction):
    op = CrossEntropy()
    loss = op.forward(x, labels, reduction=reduction)
    grad = np.ones_like(loss) if reduction == "none" else np.asarray(1.0, x.dtype)
    return loss, op.backward(grad)[0]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_cross_entropy_matches_numpy(rng, dtype, reduction):
    pytest.importorskip("numba")
    x = (rng.standard_normal((64, 10)) * 5).astype(dtype)
    x[0, :] = 80.0  # exp would overflow without the shift
    labels = rng.integers(0, 10, 64).astype(np.int32)
    (fast_loss, fast_dx), (loss, dx) = with_and_without_loops(
        lambda: cross_entropy_forward_backward(x, labels, reduction)
    )
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    assert fast_loss.dtype == loss.dtype == dtype and fast_dx.dtype == dx.dtype == dtype
    atol = 4 * np.finfo(dtype).eps  # a loss or gradient near 0 is a difference of near values
    np.testing.assert_allclose(fast_loss, loss, rtol=rtol, atol=atol)
    np.testing.assert_allclose(fast_dx, dx, rtol=rtol, atol=atol)


def test_cross_entropy_loop_as_python_gives_the_losses(rng):
    x = rng.standard_normal((5, 4))
    labels = np.array([0, 3, 1, 2, 3])
    e, s, loss = np.empty_like(x), np.empty(5), np.empty(5)
    assert cross_entropy_loop(x, labels, e, s, loss) == -1
    expected = np.log(np.exp(x).sum(axis=1)) - x[np.arange(5), labels]
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    assert cross_entropy_loop(x, np.array([0, 1, 4, 0, 0]), e, s, loss) == 2


@pytest.mark.parametrize("label", [-1, 10])
def test_compiled_cross_entropy_refuses_labels_out_of_range_as_numpy_does(rng, label):
    x = rng.standard_normal((8, 10)).astype(np.float32)
    labels = np.zeros(8, np.int64)
    labels[3] = label
    messages = []
    for enabled in (True, False):
        compiled.use_compiled(enabled)
        with pytest.raises(ValueError, match="out of range") as error:
            CrossEntropy().forward(x, labels)
        messages.append(str(error.value))
    assert messages[0] == messages[1] and f"label {label} " in messages[0]
