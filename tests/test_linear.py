"""Linear: gradient checks through the layer, PyTorch parity, initialisation, dtypes, config."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn
from scratchnn.gradcheck import gradcheck


def through_layer(layer: nn.Linear):
    """A function of (x, weight[, bias]) that runs the layer with those tensors as parameters."""

    def run(x, weight, bias=None):
        layer.weight = weight
        if bias is not None:
            layer.bias = bias
        return layer(x)

    return run


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3), (2, 1, 4, 3)], ids=str)
def test_gradcheck_input_weight_and_bias(bias, shape, rng):
    layer = nn.Linear(3, 2, bias=bias, dtype=np.float64)
    arrays = [rng.standard_normal(shape), rng.standard_normal((2, 3))]
    if bias:
        arrays.append(rng.standard_normal(2))
    gradcheck(through_layer(layer), *arrays)


def test_gradcheck_input_only_with_frozen_parameters(rng):
    layer = nn.Linear(3, 4, dtype=np.float64)
    for parameter in layer.parameters():
        parameter.requires_grad = False
    gradcheck(layer, rng.standard_normal((2, 3, 3)))
    assert layer.weight.grad is None and layer.bias.grad is None


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)], ids=str)
def test_values_and_gradients_match_torch(shape, rng):
    torch = pytest.importorskip("torch")
    reference = torch.nn.Linear(3, 4, dtype=torch.float64)
    layer = nn.Linear(3, 4, dtype=np.float64)
    layer.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    x_np = rng.standard_normal(shape)
    g_np = rng.standard_normal(shape[:-1] + (4,))

    x = sn.Tensor(x_np, requires_grad=True, dtype=np.float64)
    y = layer(x)
    y.backward(g_np)
    tx = torch.tensor(x_np, requires_grad=True)
    ty = reference(tx)
    ty.backward(torch.tensor(g_np))

    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), rtol=1e-12)


def test_shapes_dtypes_and_parameter_names():
    layer = nn.Linear(784, 128)
    assert layer.weight.shape == (128, 784) and layer.bias.shape == (128,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.num_parameters() == 784 * 128 + 128
    out = layer(sn.Tensor(np.ones((2, 784), dtype=np.float32)))
    assert out.shape == (2, 128) and out.dtype == np.float32
    assert nn.Linear(3, 2, dtype="float64").weight.dtype == np.float64


def test_without_bias_has_one_parameter():
    layer = nn.Linear(5, 3, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.arange(10, dtype=np.float32).reshape(2, 5)
    np.testing.assert_allclose(layer(sn.Tensor(x)).data, x @ layer.weight.data.T, rtol=1e-6)


def test_default_initialisation_follows_pytorch_bounds():
    sn.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for parameter in (layer.weight, layer.bias):
        assert np.abs(parameter.data).max() <= bound
        assert np.abs(parameter.data).max() > 0.95 * bound
    # U(-b, b) has standard deviation b / sqrt(3)
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(layer.weight.data.mean()) < 0.01 * bound


def test_manual_seed_repeats_initialisation():
    sn.manual_seed(42)
    first = nn.Linear(6, 5)
    sn.manual_seed(42)
    second = nn.Linear(6, 5)
    third = nn.Linear(6, 5)
    np.testing.assert_array_equal(first.weight.data, second.weight.data)
    np.testing.assert_array_equal(first.bias.data, second.bias.data)
    assert not np.array_equal(second.weight.data, third.weight.data)


def test_config_and_repr():
    layer = nn.Linear(784, 128)
    assert layer.config() == {"in_features": 784, "out_features": 128, "bias": True}
    assert repr(layer) == "Linear(in_features=784, out_features=128, bias=True)"
    assert repr(nn.Linear(3, 2, bias=False)) == "Linear(in_features=3, out_features=2, bias=False)"
    rebuilt = nn.Linear(**layer.config())
    assert rebuilt.weight.shape == layer.weight.shape


def test_wrong_input_size_names_layer_and_shapes():
    layer = nn.Linear(4, 2)
    with pytest.raises(sn.ShapeError) as info:
        layer(sn.Tensor(np.zeros((3, 5), dtype=np.float32)))
    message = str(info.value)
    assert "Linear(in_features=4, out_features=2, bias=True)" in message
    assert "(3, 5)" in message and "(..., 4)" in message
    assert isinstance(info.value, ValueError)
