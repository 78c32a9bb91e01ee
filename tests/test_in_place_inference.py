"""Sequential under no_grad runs ReLU in place on arrays the layer before has just made, and
a Linear followed by a ReLU as one (the bias and the ReLU in one pass over the product)."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn
from scratchnn.ops.activation import relu_in_place


def mlp(bias: bool = True) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(6, 8, bias=bias),
        nn.ReLU(),
        nn.Linear(8, 5),
        nn.ReLU(),
        nn.ReLU(),
        nn.Linear(5, 3),
    )


class Held(nn.Module):
    """Returns the tensor it holds, whatever it is given (its output is not a new array)."""

    def __init__(self, tensor: sn.Tensor) -> None:
        super().__init__()
        self.tensor = tensor

    def forward(self, x: sn.Tensor) -> sn.Tensor:
        return self.tensor


@pytest.fixture
def in_place_calls(monkeypatch) -> list:
    """Each ReLU.forward_in_place call's input array, recorded."""
    calls = []
    original = nn.ReLU.forward_in_place

    def spy(self, x):
        calls.append(x.data)
        return original(self, x)

    monkeypatch.setattr(nn.ReLU, "forward_in_place", spy)
    return calls


@pytest.fixture
def fused_calls(monkeypatch) -> list:
    """Each Linear.forward_with_next call that ran the ReLU after it, recorded."""
    calls = []
    original = nn.Linear.forward_with_next

    def spy(self, x, following):
        y = original(self, x, following)
        if y is not None:
            calls.append(self)
        return y

    monkeypatch.setattr(nn.Linear, "forward_with_next", spy)
    return calls


def test_relu_in_place_overwrites_its_argument(rng):
    x = rng.standard_normal((40, 7)).astype(np.float32)
    expected = np.maximum(x, 0)
    assert relu_in_place(x) is x
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(10, 6), (4, 3, 6)])
def test_no_grad_outputs_equal_the_recorded_ones(
    rng, in_place_calls, fused_calls, compiled, bias, shape
):
    sn.use_compiled(compiled)
    try:
        model = mlp(bias)
        x = rng.standard_normal(shape).astype(np.float32)
        recorded = model(sn.Tensor(x)).data
        assert in_place_calls == [] and fused_calls == []
        with sn.no_grad():
            fast = model(sn.Tensor(x)).data
    finally:
        sn.use_compiled(True)
    assert fused_calls == [model[0], model[2]]  # each Linear ran the ReLU after it
    assert len(in_place_calls) == 1  # the second ReLU in a row
    np.testing.assert_array_equal(fast, recorded)


def test_the_callers_input_is_never_overwritten(rng, in_place_calls):
    model = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))
    x = rng.standard_normal((5, 4)).astype(np.float32)
    before = x.copy()
    with sn.no_grad():
        model(sn.Tensor(x))
    assert in_place_calls == []
    np.testing.assert_array_equal(x, before)


def test_an_array_a_layer_holds_is_never_overwritten(rng, in_place_calls):
    held = sn.Tensor(rng.standard_normal((5, 4)).astype(np.float32))
    before = held.data.copy()
    model = nn.Sequential(nn.Linear(4, 4), Held(held), nn.ReLU())
    with sn.no_grad():
        out = model(sn.Tensor(np.ones((5, 4), np.float32)))
    assert in_place_calls == []
    np.testing.assert_array_equal(held.data, before)
    np.testing.assert_array_equal(out.data, np.maximum(before, 0))


def test_after_a_convolution_too(rng, in_place_calls):
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2))
    x = sn.Tensor(rng.standard_normal((4, 2, 4, 4)).astype(np.float32))
    recorded = model(x).data
    with sn.no_grad():
        fast = model(x).data
    assert len(in_place_calls) == 1
    np.testing.assert_array_equal(fast, recorded)


def test_gradients_are_unchanged_with_grad_enabled(rng, in_place_calls, fused_calls):
    model = mlp()
    x = sn.Tensor(rng.standard_normal((10, 6)).astype(np.float32), requires_grad=True)
    model(x).sum().backward()
    first = [p.grad.copy() for p in model.parameters()] + [x.grad.copy()]
    with sn.no_grad():
        model(x)
    x.grad = None
    model.zero_grad()
    model(x).sum().backward()
    again = [p.grad for p in model.parameters()] + [x.grad]
    assert len(in_place_calls) == 1 and len(fused_calls) == 2
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
