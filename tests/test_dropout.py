"""Dropout: inverted scaling, eval identity, seeding, gradient check with a fixed mask."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn
from scratchnn.gradcheck import gradcheck


def seeded(layer: nn.Dropout, seed: int = 3):
    """The layer with its generator reseeded before every call: the same mask each time."""

    def run(x):
        sn.manual_seed(seed)
        return layer(x)

    return run


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)], ids=str)
def test_gradcheck_in_training_mode(shape, rng):
    gradcheck(seeded(nn.Dropout(0.3)), rng.standard_normal(shape))


def test_kept_elements_are_scaled_and_gradient_is_the_mask(rng):
    p = 0.25
    x = sn.Tensor(rng.uniform(1.0, 2.0, (50, 40)), requires_grad=True, dtype=np.float64)
    y = seeded(nn.Dropout(p))(x)
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], x.data[kept] / (1 - p))
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / (1 - p))


def test_drop_fraction_and_mean_are_preserved():
    sn.manual_seed(0)
    x = sn.Tensor(np.ones((400, 500), dtype=np.float32))
    y = nn.Dropout(0.4)(x)
    assert y.dtype == np.float32
    assert (y.data == 0).mean() == pytest.approx(0.4, abs=0.005)
    assert y.data.mean() == pytest.approx(1.0, abs=0.01)


def test_eval_mode_and_p_zero_are_identity(rng):
    x = sn.Tensor(rng.standard_normal((3, 4)))
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    layer.train()
    assert not np.array_equal(layer(x).data, x.data)


def test_p_one_drops_everything(rng):
    x = sn.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = nn.Dropout(1.0)(x)
    assert np.all(y.data == 0) and np.all(np.isfinite(y.data))


def test_manual_seed_repeats_the_mask(rng):
    x = sn.Tensor(rng.standard_normal((6, 7)))
    layer = nn.Dropout(0.5)
    sn.manual_seed(11)
    first, second = layer(x).data, layer(x).data
    sn.manual_seed(11)
    np.testing.assert_array_equal(layer(x).data, first)
    assert not np.array_equal(first, second)


def test_float64_and_float32_share_the_mask(rng):
    x = rng.standard_normal((5, 6))
    layer = seeded(nn.Dropout(0.5))
    a = layer(sn.Tensor(x, dtype=np.float32)).data
    b = layer(sn.Tensor(x, dtype=np.float64)).data
    assert b.dtype == np.float64
    np.testing.assert_array_equal(a != 0, b != 0)


@pytest.mark.parametrize("p", [-0.1, 1.5, True])
def test_invalid_probability(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)


def test_matches_torch_scaling_and_eval_identity(rng):
    torch = pytest.importorskip("torch")
    x = rng.uniform(1.0, 2.0, (8, 9))
    reference = torch.nn.Dropout(0.3)
    expected = reference(torch.tensor(x)).numpy()
    got = seeded(nn.Dropout(0.3))(sn.Tensor(x, dtype=np.float64)).data
    # masks differ (different generators); kept values must agree elementwise
    np.testing.assert_allclose(got[got != 0], x[got != 0] / 0.7, rtol=1e-15)
    np.testing.assert_allclose(expected[expected != 0], x[expected != 0] / 0.7, rtol=1e-15)
    reference.eval()
    ours = nn.Dropout(0.3).eval()
    np.testing.assert_array_equal(
        ours(sn.Tensor(x, dtype=np.float64)).data, reference(torch.tensor(x)).numpy()
    )


def test_config_and_repr():
    assert nn.Dropout(0.2).config() == {"p": 0.2}
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2)"
    assert nn.Dropout.shape_preserving
