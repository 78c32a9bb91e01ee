"""Conv2d and Conv1d: gradient checks, PyTorch parity (values and all gradients), dtypes,
shape errors, initialisation, config and repr."""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import scratchnn as sn
from scratchnn import nn
from scratchnn.errors import ShapeError
from scratchnn.gradcheck import gradcheck
from scratchnn.nn.conv import Conv1d, Conv2d
from scratchnn.ops import conv as conv_ops

# (in, out, kernel, stride, padding, dilation, groups, input spatial size)
CASES_2D = [
    (2, 3, 3, 1, 0, 1, 1, (5, 6)),
    (2, 3, 3, 1, 1, 1, 1, (5, 5)),
    (1, 2, (2, 3), (2, 1), (1, 0), 1, 1, (6, 5)),
    (2, 2, 3, 2, 1, 2, 1, (7, 6)),
    (4, 2, 2, 1, 0, (1, 2), 2, (4, 5)),
    (3, 3, 3, 1, "same", 1, 3, (4, 5)),
    (2, 4, (2, 4), 1, "same", (2, 1), 2, (5, 4)),
    (2, 2, 3, 1, "valid", 1, 1, (3, 3)),
    (1, 1, 1, 3, 0, 1, 1, (5, 7)),
]
CASES_1D = [
    (2, 3, 3, 1, 0, 1, 1, (7,)),
    (2, 2, 2, 2, 1, 1, 2, (6,)),
    (3, 3, 4, 1, "same", 2, 3, (9,)),
    (1, 2, 3, 3, 2, 2, 1, (8,)),
]


def make(case, cls, dtype=np.float64, bias=True):
    cin, cout, k, s, p, d, g, _ = case
    return cls(cin, cout, k, stride=s, padding=p, dilation=d, groups=g, bias=bias, dtype=dtype)


def with_parameters(layer):
    """A function of (x, weight[, bias]) running the layer with those tensors as parameters."""

    def run(x, weight, bias=None):
        layer.weight = weight
        if bias is not None:
            layer.bias = bias
        return layer(x)

    return run


def inputs(case, batch, rng, bias=True):
    layer = make(case, Conv1d if len(case[-1]) == 1 else Conv2d, bias=bias)
    arrays = [
        rng.standard_normal((batch, case[0], *case[-1])),
        rng.standard_normal(layer.weight.shape),
    ]
    if bias:
        arrays.append(rng.standard_normal(case[1]))
    return layer, arrays


@pytest.mark.parametrize("case", CASES_2D + CASES_1D, ids=str)
def test_gradcheck_input_weight_bias(case, rng):
    layer, arrays = inputs(case, 2, rng)
    gradcheck(with_parameters(layer), *arrays)


@pytest.mark.parametrize("case", [CASES_2D[2], CASES_1D[1]], ids=str)
def test_gradcheck_batch_of_one_without_bias(case, rng):
    layer, arrays = inputs(case, 1, rng, bias=False)
    gradcheck(with_parameters(layer), *arrays)


def torch_layer(torch, case, bias=True):
    cin, cout, k, s, p, d, g, size = case
    cls = torch.nn.Conv1d if len(size) == 1 else torch.nn.Conv2d
    return cls(
        cin, cout, k, stride=s, padding=p, dilation=d, groups=g, bias=bias, dtype=torch.float64
    )


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on even kernels
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", CASES_2D + CASES_1D, ids=str)
def test_matches_torch_values_and_gradients(case, batch, bias, rng):
    torch = pytest.importorskip("torch")
    reference = torch_layer(torch, case, bias)
    layer = make(case, Conv1d if len(case[-1]) == 1 else Conv2d, bias=bias)
    layer.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    x_np = rng.standard_normal((batch, case[0], *case[-1]))

    tx = torch.tensor(x_np, requires_grad=True)
    ty = reference(tx)
    g_np = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g_np))
    x = sn.Tensor(x_np, requires_grad=True, dtype=np.float64)
    y = layer(x)
    y.backward(g_np)

    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), rtol=0, atol=1e-10)
    if bias:
        np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), atol=1e-10)


def test_lenet_sized_layers_match_torch(rng):
    torch = pytest.importorskip("torch")
    for cin, cout, pad, size in [(1, 6, 2, 28), (6, 16, 0, 14)]:
        reference = torch.nn.Conv2d(cin, cout, 5, padding=pad, dtype=torch.float64)
        layer = Conv2d(cin, cout, 5, padding=pad, dtype=np.float64)
        layer.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
        x_np = rng.standard_normal((4, cin, size, size))
        tx = torch.tensor(x_np, requires_grad=True)
        ty = reference(tx)
        g_np = rng.standard_normal(tuple(ty.shape))
        ty.backward(torch.tensor(g_np))
        x = sn.Tensor(x_np, requires_grad=True, dtype=np.float64)
        layer(x).backward(g_np)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), atol=1e-10)


def test_unbatched_input_matches_batched(rng):
    layer = Conv2d(2, 3, 3, padding=1, dtype=np.float64)
    x = rng.standard_normal((2, 5, 4))
    single = layer(sn.Tensor(x, dtype=np.float64))
    batched = layer(sn.Tensor(x[None], dtype=np.float64))
    assert single.shape == (3, 5, 4)
    np.testing.assert_allclose(single.data, batched.data[0])


@pytest.mark.parametrize("cls, shape", [(Conv2d, (2, 3, 9, 8)), (Conv1d, (2, 3, 9))])
def test_float32_in_float32_out_including_gradients(cls, shape, rng):
    layer = cls(3, 4, 3, padding=1)
    x = sn.Tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == np.float32
    assert x.grad.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32


def test_wrong_channels_is_a_shape_error_naming_layer_and_shapes():
    layer = Conv2d(1, 6, 5)
    with pytest.raises(ShapeError, match=r"Conv2d\(1, 6.*\(N, 1, H, W\).*\(8, 3, 28, 28\)"):
        layer(sn.zeros(8, 3, 28, 28))
    with pytest.raises(ShapeError, match=r"\(8, 28, 28\)"):
        Conv1d(1, 6, 5)(sn.zeros(8, 28, 28))
    with pytest.raises(ShapeError, match="kernel"):
        layer(sn.zeros(2, 1, 4, 4))


def test_output_shape_patterns_check_channels_at_build_time():
    conv = Conv2d(3, 8, 3, stride=2, padding=1)
    assert conv.output_shape((None, 3, 32, 31)) == (None, 8, 16, 16)
    assert conv.output_shape(None) == (None, 8, None, None)
    assert Conv1d(2, 4, 3).output_shape((5, 2, 10)) == (5, 4, 8)
    with pytest.raises(ShapeError, match="input channels"):
        Conv2d(6, 16, 5).output_shape((..., 8, None, None))
    with pytest.raises(ShapeError, match="spatial"):
        conv.output_shape((None, 784))


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="groups"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="same"):
        Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding"):
        Conv2d(3, 4, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2d(3, 4, (3, 3, 3))


def test_init_is_uniform_within_one_over_sqrt_fan_in_and_seeded():
    sn.manual_seed(0)
    layer = Conv2d(4, 64, 3, groups=2)
    bound = 1 / math.sqrt(2 * 9)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound
    assert layer.weight.shape == (64, 2, 3, 3) and layer.weight.dtype == np.float32
    sn.manual_seed(0)
    np.testing.assert_array_equal(Conv2d(4, 64, 3, groups=2).weight.data, layer.weight.data)


def test_config_rebuilds_the_layer_and_repr_matches_torch():
    layer = Conv2d(2, 4, (3, 1), stride=2, padding=(1, 0), dilation=(1, 1), groups=2, bias=False)
    config = json.loads(json.dumps(layer.config()))
    rebuilt = Conv2d(**config)
    assert rebuilt.config() == layer.config() and rebuilt.weight.shape == layer.weight.shape
    torch = pytest.importorskip("torch")
    cases = [
        ((1, 6, 5), {"padding": 2}),
        ((2, 4, (3, 1)), {"stride": 2, "padding": (1, 0), "groups": 2, "bias": False}),
        ((3, 3, 3), {"padding": "same", "dilation": 2}),
    ]
    for args, kwargs in cases:
        assert repr(Conv2d(*args, **kwargs)) == repr(torch.nn.Conv2d(*args, **kwargs))
    assert repr(Conv1d(2, 3, 4, stride=2)) == repr(torch.nn.Conv1d(2, 3, 4, stride=2))


def test_conv_layer_trains_inside_sequential(rng):
    model = nn.Sequential(
        Conv2d(1, 2, 3, padding=1, dtype=np.float64), Conv2d(2, 1, 3, dtype=np.float64)
    )
    x = sn.Tensor(rng.standard_normal((2, 1, 6, 6)), dtype=np.float64)
    loss = (model(x) * model(x)).mean()
    loss.backward()
    assert all(p.grad is not None and np.abs(p.grad).sum() > 0 for p in model.parameters())


@pytest.mark.parametrize("block_bytes", [1, 25_000])  # 1 image per block; 2, 2, 1
def test_blocks_of_images_give_the_same_values_and_gradients(block_bytes, monkeypatch, rng):
    """Columns are built a block of images at a time; any block size (one image per block, or
    blocks with a partial last one) must agree with PyTorch."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(conv_ops, "BLOCK_BYTES", block_bytes)
    case = (4, 6, 3, 2, 1, 1, 2, (5, 6))
    for stride in (1, 2):
        case = (*case[:3], stride, *case[4:])
        reference = torch_layer(torch, case)
        layer = make(case, Conv2d)
        layer.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
        x_np = rng.standard_normal((5, 4, 5, 6))
        tx = torch.tensor(x_np, requires_grad=True)
        ty = reference(tx)
        g_np = rng.standard_normal(tuple(ty.shape))
        ty.backward(torch.tensor(g_np))
        x = sn.Tensor(x_np, requires_grad=True, dtype=np.float64)
        y = layer(x)
        y.backward(g_np)
        np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=1e-10)
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), atol=1e-10)


def test_frozen_weights_give_only_the_input_gradient(rng):
    layer = Conv2d(2, 3, 3, padding=1, dtype=np.float64)
    for parameter in layer.parameters():
        parameter.requires_grad = False
    gradcheck(layer, rng.standard_normal((2, 2, 4, 5)))
    assert layer.weight.grad is None


def run_with_threads(threads, layer, x_np, g_np, input_grad):
    """(y, dx, dW[, db]) of one forward and backward with a thread budget of `threads`."""
    with threadpool_limits(limits=threads, user_api="blas"):
        for parameter in layer.parameters():
            parameter.grad = None
        x = sn.Tensor(x_np, requires_grad=input_grad)
        y = layer(x)
        y.backward(g_np)
    return y.data, x.grad, *(parameter.grad for parameter in layer.parameters())


LENET_CASE = (8, 16, 3, 1, 1, 1, 1, (14, 14))  # the second layer of the LeNet-style CNN, slimmer


@pytest.mark.parametrize("input_grad, bias", [(True, True), (False, True), (True, False)])
@pytest.mark.parametrize("batch", [1, 3, 128])
@pytest.mark.parametrize("case", CASES_2D + CASES_1D + [LENET_CASE], ids=str)
def test_two_workers_give_what_one_gives(
    case, batch, input_grad, bias, monkeypatch, rng, region_shares
):
    """With a budget of two threads the images are shared between two workers. y and dx, each
    image computed alone, are bitwise those of one worker; dW and db are summed per worker and
    the two sums added, so they differ by float32 rounding of the reordered sums only (seen: up
    to 5e-7 of their largest value; allowed: 1e-5 of it)."""
    monkeypatch.setattr(conv_ops, "BLOCK_BYTES", 20_000)  # several blocks per worker
    layer = make(case, Conv1d if len(case[-1]) == 1 else Conv2d, dtype=np.float32, bias=bias)
    x_np = rng.standard_normal((batch, case[0], *case[-1])).astype(np.float32)
    with sn.no_grad():
        g_np = rng.standard_normal(layer(sn.Tensor(x_np)).shape).astype(np.float32)

    region_shares.clear()  # count from here on
    one = run_with_threads(1, layer, x_np, g_np, input_grad)
    assert set(region_shares) == {1}
    region_shares.clear()
    two = run_with_threads(2, layer, x_np, g_np, input_grad)
    assert set(region_shares) == {min(2, batch)}

    np.testing.assert_array_equal(two[0], one[0])
    if input_grad:
        np.testing.assert_array_equal(two[1], one[1])
    for parallel_sum, sequential_sum in zip(two[2:], one[2:]):
        scale = np.abs(sequential_sum).max()
        np.testing.assert_allclose(parallel_sum, sequential_sum, rtol=0, atol=1e-5 * scale)


def test_scratch_memory_is_reused_within_a_thread_and_separate_between_threads():
    first = conv_ops.scratch(1000, np.float32)
    again = conv_ops.scratch(100, np.float64)
    assert again.dtype == np.float64 and again.shape == (100,)
    assert np.shares_memory(first, again)
    other = []
    worker = threading.Thread(target=lambda: other.append(conv_ops.scratch(1000, np.float32)))
    worker.start()
    worker.join()
    assert not np.shares_memory(first, other[0])
