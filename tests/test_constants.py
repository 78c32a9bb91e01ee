"""Shared read-only zeros and ones (ops/constants.py), and the ops that compare or sum with them."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import Tensor
from scratchnn import functional as F
from scratchnn.ops import constants, linalg


@pytest.fixture(params=["shared", "made per call"])
def limits(request, monkeypatch):
    """Run a test with the kept arrays, and again with limits so small that every call makes
    a new array (ones) or gets a 0-d zero."""
    if request.param == "made per call":
        monkeypatch.setattr(constants, "SHARED_ZEROS", 4)
        monkeypatch.setattr(constants, "SHARED_ONES", 4)
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_zeros_and_ones_have_the_asked_shape_dtype_and_value(limits, dtype):
    for shape in [(), (0,), (7,), (3, 5), (2, 3, 4)]:
        zeros = constants.zeros_for(np.empty(shape, dtype))
        expected = shape if np.prod(shape) <= constants.SHARED_ZEROS else ()
        assert zeros.shape == expected and zeros.dtype == dtype and not zeros.any()
    for size in (0, 1, 9):
        ones = constants.ones(size, dtype)
        assert ones.shape == (size,) and ones.dtype == dtype and (ones == 1).all()


def test_kept_arrays_are_read_only_and_keep_their_values():
    constants.zeros_for(np.empty((3, 3), np.float32))
    constants.ones(3, np.float32)
    with pytest.raises(ValueError, match="read-only"):
        constants.ones(3, np.float32)[0] = 5
    for value, store in ((0, constants._zeros), (1, constants._ones)):
        for kept in store.values():
            assert not kept.flags.writeable and (kept == value).all()


def test_relu_elu_and_bias_gradients_use_them_without_changing_them(limits, rng):
    x64 = rng.standard_normal((6, 5))
    for x in (x64, x64.astype(np.float32), x64.T, x64[::2, 1:]):  # dtypes and layouts
        np.testing.assert_array_equal(F.relu(Tensor(x, dtype=x.dtype)).data, np.where(x > 0, x, 0))
        elu = F.elu(Tensor(x, dtype=x.dtype)).data
        np.testing.assert_allclose(elu, np.where(x > 0, x, np.expm1(x)), rtol=1e-6)
        weight = Tensor(rng.standard_normal((3, x.shape[1])), requires_grad=True, dtype=x.dtype)
        bias = Tensor(np.zeros(3), requires_grad=True, dtype=x.dtype)
        linalg.Linear.apply(Tensor(x, dtype=x.dtype), weight, bias).sum().backward()
        np.testing.assert_allclose(bias.grad, np.full(3, x.shape[0]))
    for value, store in ((0, constants._zeros), (1, constants._ones)):
        assert all((kept == value).all() for kept in store.values())
