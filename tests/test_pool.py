"""MaxPool2d, AvgPool2d, AdaptiveAvgPool2d: gradient checks, PyTorch parity (ties, padding,
ceil_mode, dilation), dtypes, shape errors, config and repr."""

from __future__ import annotations

import json

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import scratchnn as sn
from scratchnn.errors import ShapeError
from scratchnn.gradcheck import gradcheck
from scratchnn.nn.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from scratchnn.ops import conv as conv_ops

# (kernel, stride, padding, dilation, ceil_mode, input (H, W))
MAX_CASES = [
    (2, None, 0, 1, False, (6, 6)),
    (2, 2, 0, 1, False, (7, 5)),
    (3, 2, 1, 1, False, (7, 8)),
    (3, 2, 1, 1, True, (8, 8)),
    ((3, 2), (2, 1), (1, 1), (2, 1), False, (9, 7)),
    (3, 3, 1, 2, True, (7, 9)),
    (2, 1, 0, 1, False, (3, 4)),
]
# (kernel, stride, padding, ceil_mode, count_include_pad, input (H, W))
AVG_CASES = [
    (2, None, 0, False, True, (6, 6)),
    (3, 2, 1, False, True, (7, 8)),
    (3, 2, 1, False, False, (7, 8)),
    (3, 2, 1, True, True, (8, 8)),
    (3, 2, 1, True, False, (6, 7)),
    ((2, 3), (1, 2), (1, 1), False, False, (5, 6)),
    (2, 3, 0, True, True, (7, 5)),
]
ADAPTIVE_CASES = [((7, 7), 3), ((5, 9), (2, 4)), ((6, 6), 1), ((4, 4), (6, 5)), ((5, 7), (None, 3))]


def smooth_distinct(shape, rng):
    """Values far enough apart that finite differences never swap a window's maximum."""
    values = rng.permutation(np.prod(shape)).astype(np.float64) * 0.1
    return values.reshape(shape)


def max_pool(case):
    k, s, p, d, c, _ = case
    return MaxPool2d(k, stride=s, padding=p, dilation=d, ceil_mode=c)


def avg_pool(case):
    k, s, p, c, cip, _ = case
    return AvgPool2d(k, stride=s, padding=p, ceil_mode=c, count_include_pad=cip)


@pytest.mark.parametrize("case", MAX_CASES, ids=str)
def test_gradcheck_max_pool(case, rng):
    gradcheck(max_pool(case), smooth_distinct((2, 2, *case[-1]), rng))


@pytest.mark.parametrize("case", AVG_CASES, ids=str)
def test_gradcheck_avg_pool(case, rng):
    gradcheck(avg_pool(case), rng.standard_normal((2, 2, *case[-1])))


@pytest.mark.parametrize("size, out", ADAPTIVE_CASES, ids=str)
def test_gradcheck_adaptive_avg_pool(size, out, rng):
    gradcheck(AdaptiveAvgPool2d(out), rng.standard_normal((2, 2, *size)))


def compare_with_torch(layer, torch_fn, x_np, rng):
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x_np, requires_grad=True)
    ty = torch_fn(tx)
    g_np = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g_np))
    x = sn.Tensor(x_np, requires_grad=True, dtype=np.float64)
    y = layer(x)
    y.backward(g_np)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", MAX_CASES, ids=str)
def test_max_pool_matches_torch(case, batch, rng):
    torch = pytest.importorskip("torch")
    k, s, p, d, c, size = case
    reference = torch.nn.MaxPool2d(k, stride=s, padding=p, dilation=d, ceil_mode=c)
    compare_with_torch(max_pool(case), reference, rng.standard_normal((batch, 2, *size)), rng)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum_like_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.integers(0, 3, size=(2, 3, 6, 7)).astype(np.float64)  # many ties
    compare_with_torch(MaxPool2d(2), torch.nn.MaxPool2d(2), x, rng)
    compare_with_torch(MaxPool2d(3, 1, 1), torch.nn.MaxPool2d(3, 1, 1), x, rng)
    layer = MaxPool2d(2)
    ones = sn.Tensor(np.ones((1, 1, 2, 2)), requires_grad=True, dtype=np.float64)
    layer(ones).sum().backward()
    np.testing.assert_array_equal(ones.grad[0, 0], [[1, 0], [0, 0]])


def test_max_pool_propagates_nan_and_sends_its_gradient_into_the_window():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 0, 3, 3] = np.nan
    tensor = sn.Tensor(x, requires_grad=True, dtype=np.float64)
    y = MaxPool2d(2)(tensor)
    assert np.isnan(y.data[0, 0, 0, 0]) and np.isnan(y.data[0, 0, 1, 1])
    assert y.data[0, 0, 0, 1] == 7 and y.data[0, 0, 1, 0] == 13
    y.sum().backward()
    assert tensor.grad.sum() == 4 and tensor.grad[0, 0, 1, 3] == 1


TILING_KERNELS = [(2, 2), (3, 3), (2, 3)]


def tiling_input(kind, batch, kernel, dtype, rng):
    """Input whose (H, W) the kernel tiles exactly (see sample)."""
    return sample(kind, (batch, 3, 3 * kernel[0], 4 * kernel[1]), dtype, rng)


def sample(kind, shape, dtype, rng):
    """Random values, many ties (-1, +-0, 1), or random values with NaN in some windows (a few
    windows hold several)."""
    if kind == "ties":
        x = rng.integers(-1, 2, size=shape).astype(dtype)
        return np.where(rng.random(shape) < 0.5, -x, x)  # zeros of both signs
    x = rng.standard_normal(shape).astype(dtype)
    if kind == "nan":
        x[rng.random(shape) < 0.1] = np.nan
    return x


def pool_and_grad(layer, x, grad):
    tensor = sn.Tensor(x, requires_grad=True, dtype=x.dtype)
    y = layer(tensor)
    y.backward(grad)
    return y.data, tensor.grad


@pytest.mark.parametrize("kind", ["random", "ties", "nan"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("kernel", TILING_KERNELS, ids=str)
def test_max_pool_over_tiling_windows_matches_the_general_path(kernel, batch, dtype, kind, rng):
    """Windows that tile the input take a fast path; one extra row and column (which the floor
    mode output ignores) breaks the tiling and sends the same windows down the general path."""
    x = tiling_input(kind, batch, kernel, dtype, rng)
    (n, c, h, w), (kh, kw) = x.shape, kernel
    grad = rng.standard_normal((n, c, h // kh, w // kw)).astype(dtype)
    y, dx = pool_and_grad(MaxPool2d(kernel), x, grad)
    untiled = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=100)
    y_general, dx_general = pool_and_grad(MaxPool2d(kernel), untiled, grad)
    assert y.dtype == dx.dtype == dtype
    np.testing.assert_array_equal(y, y_general)  # NaN where NaN
    np.testing.assert_array_equal(np.signbit(y), np.signbit(y_general))
    np.testing.assert_array_equal(dx, dx_general[:, :, :h, :w])
    assert not dx_general[:, :, h:].any() and not dx_general[:, :, :, w:].any()


@pytest.mark.parametrize("kind", ["random", "ties"])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("kernel", TILING_KERNELS, ids=str)
def test_max_pool_over_tiling_windows_matches_torch(kernel, batch, kind, rng):
    torch = pytest.importorskip("torch")
    x = tiling_input(kind, batch, kernel, np.float64, rng)
    compare_with_torch(MaxPool2d(kernel), torch.nn.MaxPool2d(kernel), x, rng)


def test_max_pool_over_tiling_windows_sends_a_nan_windows_gradient_to_its_last_element():
    x = np.arange(36, dtype=np.float64).reshape(1, 1, 6, 6)
    x[0, 0, 0, 0] = x[0, 0, 4, 4] = np.nan
    tensor = sn.Tensor(x, requires_grad=True, dtype=np.float64)
    y = MaxPool2d(3)(tensor)
    assert np.isnan(y.data[0, 0, 0, 0]) and np.isnan(y.data[0, 0, 1, 1])
    y.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    expected = np.zeros((6, 6))
    expected[2, 2], expected[2, 5], expected[5, 2], expected[5, 5] = 1, 2, 3, 4
    np.testing.assert_array_equal(tensor.grad[0, 0], expected)


@pytest.mark.parametrize("kernel", TILING_KERNELS, ids=str)
def test_gradcheck_max_pool_over_tiling_windows(kernel, rng):
    gradcheck(MaxPool2d(kernel), smooth_distinct((2, 2, 2 * kernel[0], 3 * kernel[1]), rng))


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", AVG_CASES, ids=str)
def test_avg_pool_matches_torch(case, batch, rng):
    torch = pytest.importorskip("torch")
    k, s, p, c, cip, size = case
    reference = torch.nn.AvgPool2d(k, stride=s, padding=p, ceil_mode=c, count_include_pad=cip)
    compare_with_torch(avg_pool(case), reference, rng.standard_normal((batch, 2, *size)), rng)


@pytest.mark.parametrize("size, out", ADAPTIVE_CASES, ids=str)
def test_adaptive_avg_pool_matches_torch(size, out, rng):
    torch = pytest.importorskip("torch")
    reference = torch.nn.AdaptiveAvgPool2d(out)
    compare_with_torch(AdaptiveAvgPool2d(out), reference, rng.standard_normal((2, 3, *size)), rng)


@pytest.mark.parametrize(
    "layer", [MaxPool2d(2), AvgPool2d(3, 1, 1), AdaptiveAvgPool2d(2)], ids=lambda m: repr(m)
)
def test_float32_in_float32_out_and_unbatched_input(layer, rng):
    x = sn.Tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    single = layer(sn.Tensor(x.data[0]))
    np.testing.assert_allclose(single.data, y.data[0])


def test_shape_errors_name_the_layer_and_the_shape():
    with pytest.raises(ShapeError, match=r"MaxPool2d\(kernel_size=2.*\(8, 784\)"):
        MaxPool2d(2)(sn.zeros(8, 784))
    with pytest.raises(ShapeError, match="too small"):
        MaxPool2d(3)(sn.zeros(1, 1, 2, 2))
    with pytest.raises(ShapeError, match="AdaptiveAvgPool2d"):
        AdaptiveAvgPool2d(1)(sn.zeros(3, 4))
    with pytest.raises(ValueError, match="half"):
        MaxPool2d(2, padding=2)


def test_output_shape_patterns():
    assert MaxPool2d(2).output_shape((None, 6, 28, 28)) == (None, 6, 14, 14)
    assert AvgPool2d(3, 2, 1, ceil_mode=True).output_shape((4, 3, 8, None)) == (4, 3, 5, None)
    assert AdaptiveAvgPool2d((1, None)).output_shape((None, 16, 5, 7)) == (None, 16, 1, 7)
    assert AdaptiveAvgPool2d(1).output_shape(None) == (None, None, 1, 1)


def test_config_rebuilds_and_repr_matches_torch():
    layers = [
        MaxPool2d(3, 2, 1, ceil_mode=True),
        MaxPool2d((2, 3), dilation=(1, 2)),
        AvgPool2d(2),
        AvgPool2d((3, 3), 2, 1, count_include_pad=False),
        AdaptiveAvgPool2d((None, 4)),
    ]
    for layer in layers:
        config = json.loads(json.dumps(layer.config()))
        assert type(layer)(**config).config() == config
    torch = pytest.importorskip("torch")
    assert repr(MaxPool2d(2)) == repr(torch.nn.MaxPool2d(2))
    assert repr(MaxPool2d(3, 2, 1, ceil_mode=True)) == repr(
        torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)
    )
    assert repr(AvgPool2d(2)) == repr(torch.nn.AvgPool2d(2))
    assert repr(AdaptiveAvgPool2d((None, 4))) == repr(torch.nn.AdaptiveAvgPool2d((None, 4)))


def test_sequential_finds_a_wrong_linear_after_global_pooling_at_build_time():
    from scratchnn import nn

    with pytest.raises(ShapeError, match="Linear"):
        nn.Sequential(
            nn.Conv2d(1, 4, 3), MaxPool2d(2), AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(5, 3)
        )
    with pytest.raises(ShapeError, match="channels"):
        nn.Sequential(nn.Conv2d(1, 6, 5), MaxPool2d(2), nn.Conv2d(3, 16, 5))


def pool_with_threads(threads, layer, x, grad):
    """(y, dx) of one forward and backward with a thread budget of `threads`."""
    with threadpool_limits(limits=threads, user_api="blas"):
        return pool_and_grad(layer, x, grad)


TILING_CASES = [(kernel, None, 0, 1, False, (6, 6)) for kernel in TILING_KERNELS]


@pytest.mark.parametrize("kind", ["random", "ties", "nan"])
@pytest.mark.parametrize("batch", [1, 3, 128])
@pytest.mark.parametrize("case", MAX_CASES + TILING_CASES, ids=str)
def test_max_pool_with_two_workers_gives_what_one_gives(
    case, batch, kind, monkeypatch, rng, region_shares
):
    """Two workers pool disjoint images, so values and gradients are bitwise those of one."""
    monkeypatch.setattr(conv_ops, "BLOCK_BYTES", 1_000)  # several blocks of images per worker
    layer = max_pool(case)
    x = sample(kind, (batch, 3, *case[-1]), np.float32, rng)
    with sn.no_grad():
        grad = rng.standard_normal(layer(sn.Tensor(x)).shape).astype(np.float32)

    region_shares.clear()  # count from here on
    y, dx = pool_with_threads(1, layer, x, grad)
    assert set(region_shares) == {1}
    region_shares.clear()
    y_two, dx_two = pool_with_threads(2, layer, x, grad)
    assert set(region_shares) == {min(2, batch)}

    np.testing.assert_array_equal(y_two, y)  # NaN where NaN
    np.testing.assert_array_equal(np.signbit(y_two), np.signbit(y))
    np.testing.assert_array_equal(dx_two, dx)
