"""Embedding: gradient check, PyTorch parity with padding_idx and repeated indices, errors,
from_pretrained, dtypes, config and repr."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scratchnn as sn
from scratchnn.gradcheck import gradcheck
from scratchnn.nn.embedding import Embedding

INDICES = np.array([[1, 3, 3, 0], [4, 1, 1, 1]])


def with_weight(layer, indices):
    def run(weight):
        layer.weight = weight
        return layer(indices)

    return run


@pytest.mark.parametrize("padding_idx", [None, 2])  # the padding row's zero gradient is by design
def test_gradcheck_weight(padding_idx, rng):
    layer = Embedding(5, 3, padding_idx=padding_idx, dtype=np.float64)
    gradcheck(with_weight(layer, INDICES), rng.standard_normal((5, 3)))


def test_padding_row_gets_zero_gradient_even_when_perturbed(rng):
    layer = Embedding(5, 3, padding_idx=1, dtype=np.float64)
    layer(INDICES).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad[1], 0)
    np.testing.assert_array_equal(layer.weight.grad[3], 2)  # index 3 appears twice


@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
@pytest.mark.parametrize("shape", [(7,), (2, 4), (2, 3, 2), ()], ids=str)
def test_matches_torch(shape, padding_idx, rng):
    torch = pytest.importorskip("torch")
    reference = torch.nn.Embedding(6, 4, padding_idx=padding_idx, dtype=torch.float64)
    layer = Embedding(6, 4, padding_idx=padding_idx, dtype=np.float64)
    layer.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    indices = rng.integers(0, 6, size=shape)
    ty = reference(torch.tensor(indices))
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    y = layer(sn.Tensor(indices))
    y.backward(g)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), atol=1e-12)
    assert layer.padding_idx == reference.padding_idx


def test_init_is_standard_normal_with_zero_padding_row():
    sn.manual_seed(3)
    layer = Embedding(2000, 8, padding_idx=5)
    assert layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.weight.data[5], 0)
    assert abs(layer.weight.data.std() - 1) < 0.05 and abs(layer.weight.data.mean()) < 0.05


def test_float32_out_and_gradient(rng):
    layer = Embedding(5, 3)
    y = layer(np.array([0, 4, 4]))
    y.sum().backward()
    assert y.dtype == layer.weight.grad.dtype == np.float32


def test_bad_indices_raise_clear_errors():
    layer = Embedding(5, 3)
    with pytest.raises(IndexError, match=r"Embedding\(5, 3\).*index 5"):
        layer(np.array([0, 5]))
    with pytest.raises(IndexError, match="index -1"):
        layer([-1])
    with pytest.raises(TypeError, match="integer"):
        layer(sn.Tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        Embedding(5, 3, padding_idx=5)


def test_from_pretrained_copies_and_freezes():
    table = np.arange(12, dtype=np.float64).reshape(4, 3)
    layer = Embedding.from_pretrained(table)
    assert not layer.weight.requires_grad and layer.weight.dtype == np.float64
    np.testing.assert_array_equal(layer([2]).data, [[6, 7, 8]])
    table[2] = 0
    assert layer([2]).data[0, 0] == 6
    assert Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_config_rebuilds_and_repr_matches_torch():
    layer = Embedding(10, 4, padding_idx=-2)
    config = json.loads(json.dumps(layer.config()))
    assert Embedding(**config).config() == config and config["padding_idx"] == 8
    assert layer.output_shape((None, 7)) == (None, 7, 4)
    torch = pytest.importorskip("torch")
    assert repr(layer) == repr(torch.nn.Embedding(10, 4, padding_idx=-2))
    assert repr(Embedding(3, 2)) == repr(torch.nn.Embedding(3, 2))
