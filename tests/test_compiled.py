"""Compiled loops (scratchnn/compiled.py): Adam's update as one numba loop gives the numbers of
its NumPy passes bit for bit, and the switch and the fallbacks work."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import scratchnn
from scratchnn import Tensor, compiled, nn
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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_adam_equals_numpy_passes_bit_for_bit(rng, dtype):
    pytest.importorskip("numba")
    arrays = adam_arrays(rng, 10_000, dtype)
    expected = run_steps(arrays, 30, numpy_passes)
    for got, want in zip(run_steps(arrays, 30, compiled_update), expected):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)


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
def test_training_with_and_without_compiled_loops_is_identical(amsgrad):
    pytest.importorskip("numba")
    compiled.use_compiled(True)
    with_loops = train_mlp(7, amsgrad)
    compiled.use_compiled(False)
    for got, want in zip(train_mlp(7, amsgrad), with_loops):
        np.testing.assert_array_equal(got, want)


def test_switch_and_array_conditions(rng):
    flat = adam_arrays(rng, 10, np.float32)
    compiled.use_compiled(False)
    assert not scratchnn.compiled_enabled()
    assert compiled.compiled_loop(adam_loop, *flat) is None
    scratchnn.use_compiled(True)
    has_numba = compiled._numba() is not None
    assert scratchnn.compiled_enabled() == has_numba
    assert (compiled.compiled_loop(adam_loop, *flat) is not None) == has_numba
    shaped = [a.reshape(2, 5) for a in flat]
    mixed = [flat[0].astype(np.float64), *flat[1:]]
    strided = [a[::2] for a in flat]
    integers = [a.astype(np.int64) for a in flat]
    for arrays in (shaped, mixed, strided, integers):
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
