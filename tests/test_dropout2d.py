"""Dropout2d: whole channels drop, survivors scale by 1/(1-p), evaluation is the identity,
the gradient follows the mask, seeded masks repeat."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scratchnn as sn
from scratchnn.errors import ShapeError
from scratchnn.nn.dropout2d import Dropout2d


@pytest.mark.parametrize("shape", [(8, 16, 3, 4), (16, 5, 5)], ids=str)
def test_whole_channels_are_zeroed_and_survivors_scaled(shape):
    sn.manual_seed(0)
    x = sn.Tensor(np.ones(shape, dtype=np.float32), requires_grad=True)
    y = Dropout2d(0.25)(x)
    per_channel = y.data.reshape(*shape[:-2], -1)
    first = per_channel[..., :1]
    assert np.all(per_channel == first)  # one decision per channel
    assert set(np.unique(first)) == {0.0, np.float32(1 / 0.75)}
    assert 0.1 < (first == 0).mean() < 0.4
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # the gradient is the mask
    assert y.dtype == x.grad.dtype == np.float32


def test_eval_mode_and_p_zero_are_the_identity_and_p_one_zeroes_everything(rng):
    x = sn.Tensor(rng.standard_normal((2, 3, 4, 4)))
    assert Dropout2d(0.5).eval()(x) is x
    assert Dropout2d(0.0)(x) is x
    assert not Dropout2d(1.0)(x).data.any()


def test_seeded_masks_repeat(rng):
    x = sn.Tensor(rng.standard_normal((4, 6, 2, 2)))
    sn.manual_seed(7)
    first = Dropout2d()(x).data
    sn.manual_seed(7)
    np.testing.assert_array_equal(Dropout2d()(x).data, first)


def test_errors_and_config():
    with pytest.raises(ValueError, match="between 0 and 1"):
        Dropout2d(1.5)
    with pytest.raises(ShapeError, match=r"Dropout2d\(p=0.5\).*\(4, 10\)"):
        Dropout2d()(sn.zeros(4, 10))
    layer = Dropout2d(0.3)
    assert Dropout2d(**json.loads(json.dumps(layer.config()))).p == 0.3
    assert repr(layer) == "Dropout2d(p=0.3)"
    assert layer.output_shape((None, 3, 8, 8)) == (None, 3, 8, 8)
