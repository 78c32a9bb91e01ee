"""Initialisers: PyTorch's fans, gains and bounds; statistics of large draws; seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn
from scratchnn.nn import init

SHAPES = [(300, 200), (64, 32, 3, 3), (200, 100, 5)]


@pytest.fixture(autouse=True)
def seed():
    sn.manual_seed(2024)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.calculate_fan_in_and_fan_out(np.empty(shape)) == expected


def test_fans_need_two_axes():
    with pytest.raises(ValueError, match="2 or more axes"):
        init.calculate_fan_in_and_fan_out(np.empty(5))


@pytest.mark.parametrize(
    "nonlinearity, param",
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("selu", None),
    ],
)
def test_gains_match_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_unknown_nonlinearity():
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def _uniform_check(array: np.ndarray, bound: float) -> None:
    """Within bounds, reaching them, and std = bound / sqrt(3) and mean 0 within 5 sigma."""
    assert np.abs(array).max() <= bound
    assert np.abs(array).max() > 0.99 * bound
    _normal_check(array, bound / math.sqrt(3))


def _normal_check(array: np.ndarray, std: float) -> None:
    """Sample std and mean within 5 standard errors of std and 0."""
    tolerance = 5 / math.sqrt(array.size)
    assert array.std() == pytest.approx(std, rel=tolerance)
    assert abs(array.mean()) < tolerance * std


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_xavier(shape):
    fan_in, fan_out = init.calculate_fan_in_and_fan_out(np.empty(shape))
    std = 0.5 * math.sqrt(2 / (fan_in + fan_out))
    _uniform_check(init.xavier_uniform_(np.empty(shape), gain=0.5), math.sqrt(3) * std)
    _normal_check(init.xavier_normal_(np.empty(shape), gain=0.5), std)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming(shape, mode):
    fan_in, fan_out = init.calculate_fan_in_and_fan_out(np.empty(shape))
    fan = fan_in if mode == "fan_in" else fan_out
    relu_std = math.sqrt(2) / math.sqrt(fan)
    _uniform_check(init.kaiming_uniform_(np.empty(shape), mode=mode), math.sqrt(3) * relu_std)
    _normal_check(init.kaiming_normal_(np.empty(shape), mode=mode, nonlinearity="relu"), relu_std)
    slope_std = math.sqrt(2 / (1 + 0.1**2)) / math.sqrt(fan)
    _normal_check(init.kaiming_normal_(np.empty(shape), a=0.1, mode=mode), slope_std)


def test_kaiming_bad_mode_and_empty_tensor():
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_uniform_(np.empty((3, 4)), mode="fan_avg")
    empty = np.empty((0, 4))
    assert init.kaiming_uniform_(empty, mode="fan_out") is empty


def test_uniform_normal_constant_zeros_ones():
    _uniform_check(init.uniform_(np.empty((400, 400)), -0.3, 0.3), 0.3)
    shifted = init.uniform_(np.empty((400, 400)), 2.0, 3.0)
    assert shifted.min() >= 2.0 and shifted.max() < 3.0
    drawn = init.normal_(np.empty((400, 400)), mean=1.5, std=0.2)
    assert drawn.mean() == pytest.approx(1.5, abs=0.005) and drawn.std() == pytest.approx(
        0.2, rel=0.02
    )
    assert np.all(init.constant_(np.empty((3, 3)), 0.7) == 0.7)
    assert np.all(init.zeros_(np.ones((2, 2))) == 0)
    assert np.all(init.ones_(np.zeros((2, 2))) == 1)


def test_works_in_place_on_parameters_and_keeps_dtype():
    weight = nn.Parameter(np.zeros((30, 20), dtype=np.float32))
    array = weight.data
    assert init.xavier_uniform_(weight) is weight
    assert weight.data is array and weight.dtype == np.float32 and np.any(array != 0)
    weight64 = nn.Parameter(np.zeros((30, 20)), dtype=np.float64)
    init.kaiming_normal_(weight64)
    assert weight64.dtype == np.float64 and np.any(weight64.data != 0)


def test_manual_seed_repeats_exactly():
    draws = []
    for _ in range(2):
        sn.manual_seed(5)
        draws.append(
            [
                init.kaiming_uniform_(np.empty((8, 6))),
                init.xavier_normal_(np.empty((8, 6))),
                init.normal_(np.empty(7)),
            ]
        )
    for first, second in zip(*draws):
        np.testing.assert_array_equal(first, second)


def test_aliases():
    assert init.glorot_uniform_ is init.xavier_uniform_
    assert init.glorot_normal_ is init.xavier_normal_
    assert init.he_uniform_ is init.kaiming_uniform_
    assert init.he_normal_ is init.kaiming_normal_
