"""BatchNorm1d/2d and LayerNorm: gradient checks, training vs evaluation, running statistics
against PyTorch over several steps, dtypes, buffers in state_dict, shape errors, config."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scratchnn as sn
from scratchnn.errors import ShapeError
from scratchnn.gradcheck import gradcheck
from scratchnn.nn.norm import BatchNorm1d, BatchNorm2d, LayerNorm

BN_SHAPES = [(BatchNorm1d, (5, 3)), (BatchNorm1d, (3, 4, 5)), (BatchNorm2d, (2, 3, 4, 5))]


def with_parameters(layer):
    def run(x, weight=None, bias=None):
        if weight is not None:
            layer.weight = weight
        if bias is not None:
            layer.bias = bias
        return layer(x)

    return run


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("cls, shape", BN_SHAPES, ids=str)
def test_gradcheck_batch_norm(cls, shape, training, rng):
    layer = cls(shape[1], dtype=np.float64).train(training)
    layer.running_mean[...] = rng.standard_normal(shape[1])
    layer.running_var[...] = rng.uniform(0.5, 2.0, shape[1])
    arrays = [
        rng.standard_normal(shape) * 2 + 1,
        rng.standard_normal(shape[1]),
        rng.standard_normal(shape[1]),
    ]
    gradcheck(with_parameters(layer), *arrays)


def test_gradcheck_batch_norm_without_affine_or_running_stats(rng):
    layer = BatchNorm2d(3, affine=False, track_running_stats=False, dtype=np.float64)
    gradcheck(layer, rng.standard_normal((2, 3, 2, 3)))
    gradcheck(layer.eval(), rng.standard_normal((2, 3, 2, 3)))  # still batch statistics


@pytest.mark.parametrize("shape, normalized", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((3, 1, 5), 5)])
def test_gradcheck_layer_norm(shape, normalized, rng):
    layer = LayerNorm(normalized, dtype=np.float64)
    wshape = layer.weight.shape
    arrays = [rng.standard_normal(shape), rng.standard_normal(wshape), rng.standard_normal(wshape)]
    gradcheck(with_parameters(layer), *arrays)
    gradcheck(LayerNorm(normalized, elementwise_affine=False, dtype=np.float64), arrays[0])
    gradcheck(with_parameters(LayerNorm(normalized, bias=False, dtype=np.float64)), *arrays[:2])


def torch_batch_norm(torch, cls, **kwargs):
    return {BatchNorm1d: torch.nn.BatchNorm1d, BatchNorm2d: torch.nn.BatchNorm2d}[cls](
        dtype=torch.float64, **kwargs
    )


def step_both(torch, layer, reference, x_np, g_np):
    """One forward/backward on both layers; returns (ours, theirs) for output and input grad."""
    tx = torch.tensor(x_np, requires_grad=True)
    ty = reference(tx)
    ty.backward(torch.tensor(g_np))
    x = sn.Tensor(x_np, requires_grad=True, dtype=np.float64)
    y = layer(x)
    y.backward(g_np)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("cls, shape", BN_SHAPES, ids=str)
def test_batch_norm_matches_torch_over_training_steps_then_eval(cls, shape, momentum, rng):
    torch = pytest.importorskip("torch")
    reference = torch_batch_norm(torch, cls, num_features=shape[1], momentum=momentum)
    layer = cls(shape[1], momentum=momentum, dtype=np.float64)
    with torch.no_grad():
        reference.weight.uniform_(0.5, 1.5)
        reference.bias.uniform_(-1, 1)
    layer.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    for _ in range(4):
        x_np = rng.standard_normal(shape) * 3 + 2
        reference.zero_grad()
        layer.zero_grad()
        step_both(torch, layer, reference, x_np, rng.standard_normal(shape))
        np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), atol=1e-10)
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(layer, name), getattr(reference, name).numpy())
    assert int(layer.num_batches_tracked) == int(reference.num_batches_tracked) == 4
    layer.eval()
    reference.eval()
    before = layer.running_mean.copy()
    step_both(torch, layer, reference, rng.standard_normal(shape), rng.standard_normal(shape))
    np.testing.assert_array_equal(layer.running_mean, before)
    assert int(layer.num_batches_tracked) == 4


@pytest.mark.parametrize("affine, track", [(False, True), (True, False), (False, False)])
def test_batch_norm_options_match_torch(affine, track, rng):
    torch = pytest.importorskip("torch")
    reference = torch.nn.BatchNorm2d(
        3, affine=affine, track_running_stats=track, dtype=torch.float64
    )
    layer = BatchNorm2d(3, affine=affine, track_running_stats=track, dtype=np.float64)
    for training in (True, False):
        reference.train(training)
        layer.train(training)
        shape = (2, 3, 3, 2)
        step_both(torch, layer, reference, rng.standard_normal(shape), rng.standard_normal(shape))
    assert ("running_mean" in layer.state_dict()) == track
    assert ("weight" in layer.state_dict()) == affine
    assert set(layer.state_dict()) == set(reference.state_dict())
    if affine:
        np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), atol=1e-10)


def test_batch_norm_buffers_live_in_state_dict_and_load():
    layer = BatchNorm1d(3)
    layer(sn.Tensor(np.arange(12, dtype=np.float32).reshape(4, 3)))
    state = layer.state_dict()
    assert set(state) == {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}
    assert state["num_batches_tracked"].shape == () and int(state["num_batches_tracked"]) == 1
    copy = BatchNorm1d(3)
    copy.load_state_dict({k: np.array(v) for k, v in state.items()})
    np.testing.assert_array_equal(copy.running_var, layer.running_var)
    assert int(copy.num_batches_tracked) == 1


def test_batch_norm_training_needs_more_than_one_value_per_channel():
    with pytest.raises(ValueError, match="more than 1 value"):
        BatchNorm1d(3)(sn.zeros(1, 3))
    assert BatchNorm1d(3).eval()(sn.zeros(1, 3)).shape == (1, 3)


@pytest.mark.parametrize("shape, normalized", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((2, 3, 4), 4)])
def test_layer_norm_matches_torch(shape, normalized, rng):
    torch = pytest.importorskip("torch")
    reference = torch.nn.LayerNorm(normalized, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.uniform_(0.5, 1.5)
        reference.bias.uniform_(-1, 1)
    layer = LayerNorm(normalized, dtype=np.float64)
    layer.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    step_both(
        torch, layer, reference, rng.standard_normal(shape) * 2 + 1, rng.standard_normal(shape)
    )
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize(
    "layer, shape",
    [(BatchNorm1d(4), (3, 4)), (BatchNorm2d(4), (2, 4, 3, 3)), (LayerNorm(3), (2, 4, 3))],
    ids=lambda v: repr(v),
)
def test_float32_in_float32_out_with_float32_statistics(layer, shape, rng):
    x = sn.Tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == layer.weight.grad.dtype == np.float32
    for name, value in layer.state_dict().items():
        if name != "num_batches_tracked":
            assert value.dtype == np.float32, name


def test_shape_errors_name_the_layer_and_shapes():
    with pytest.raises(ShapeError, match=r"BatchNorm2d\(16.*\(N, 16, H, W\).*\(8, 6, 5, 5\)"):
        BatchNorm2d(16)(sn.zeros(8, 6, 5, 5))
    with pytest.raises(ShapeError, match=r"\(N, 4\) or \(N, 4, L\)"):
        BatchNorm1d(4)(sn.zeros(2, 4, 3, 3))
    with pytest.raises(ShapeError, match=r"LayerNorm.*\(\*, 3, 4\).*\(2, 4, 3\)"):
        LayerNorm((3, 4))(sn.zeros(2, 4, 3))
    with pytest.raises(ShapeError, match="channels"):
        BatchNorm2d(16).output_shape((None, 6, None, None))
    assert LayerNorm(8).output_shape((..., 8)) == (..., 8)


def test_config_rebuilds_and_repr_matches_torch():
    layers = [
        BatchNorm1d(3, momentum=None, affine=False),
        BatchNorm2d(4, eps=1e-3),
        LayerNorm((2, 3)),
    ]
    for layer in layers:
        config = json.loads(json.dumps(layer.config()))
        assert type(layer)(**config).config() == config
    torch = pytest.importorskip("torch")
    assert repr(BatchNorm2d(4, eps=1e-3)) == repr(torch.nn.BatchNorm2d(4, eps=1e-3))
    assert repr(BatchNorm1d(3, momentum=None)) == repr(torch.nn.BatchNorm1d(3, momentum=None))
    assert repr(BatchNorm1d(3, affine=False)) == repr(torch.nn.BatchNorm1d(3, affine=False))
    assert repr(LayerNorm((2, 3))) == repr(torch.nn.LayerNorm((2, 3)))
    assert repr(LayerNorm(3, bias=False)) == repr(torch.nn.LayerNorm(3, bias=False))
