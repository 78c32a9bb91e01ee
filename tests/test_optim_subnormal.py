"""Decaying optimizer state is flushed to zero before it turns subnormal (slow on CPUs)."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn import nn, optim
from scratchnn.optim.subnormal import FLUSH_FACTOR, flush_interval, flush_subnormals

TINY = np.finfo(np.float32).tiny


def subnormal_count(array: np.ndarray) -> int:
    magnitude = np.abs(array)
    return int(((magnitude > 0) & (magnitude < TINY)).sum())


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.Adam(ps, lr=1e-3),
        lambda ps: optim.SGD(ps, lr=1e-3, momentum=0.9),
        lambda ps: optim.RMSprop(ps, lr=1e-3, alpha=0.9, momentum=0.5, centered=True),
    ],
    ids=["adam", "sgd_momentum", "rmsprop"],
)
def test_state_never_goes_subnormal_after_gradients_stop(make):
    weight = nn.Parameter(np.ones(1000, dtype=np.float32))
    optimizer = make([weight])
    weight.grad = np.full(1000, 1e-3, dtype=np.float32)
    optimizer.step()
    for _ in range(1500):  # 0.9**1500 takes 1e-4 far below the smallest normal float32
        weight.grad = np.zeros(1000, dtype=np.float32)
        optimizer.step()
        for value in optimizer.state[weight].values():
            if isinstance(value, np.ndarray):
                assert subnormal_count(value) == 0


def test_flush_zeroes_only_negligible_values():
    values = np.array([1e-39, -1e-30, 1e-20, -1.0, 0.0], dtype=np.float32)
    flush_subnormals(values)
    np.testing.assert_array_equal(values, np.array([0, 0, 1e-20, -1.0, 0], dtype=np.float32))
    doubles = np.array([1e-310, 1e-200])
    flush_subnormals(doubles)
    np.testing.assert_array_equal(doubles, [0.0, 1e-200])


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.6)])
def test_adam_flushes_every_interval_of_its_faster_decay(betas):
    every = flush_interval(min(betas))
    assert every > 1
    weight = nn.Parameter(np.ones(3, dtype=np.float32))
    optimizer = optim.Adam([weight], betas=betas)
    weight.grad = np.full(3, 1e-28, dtype=np.float32)
    optimizer.step()  # step 1: not a flush step, the tiny moment stays
    assert optimizer.state[weight]["exp_sum"][0] != 0
    for _ in range(every - 2):
        optimizer.step()
    assert optimizer.state[weight]["exp_sum"][0] != 0
    optimizer.step()
    assert optimizer.state[weight]["step"] == every
    assert not optimizer.state[weight]["exp_sum"].any()


@pytest.mark.parametrize("decay", [0.0, 0.03, 0.5, 0.9, 0.99, 0.999])
def test_a_value_at_the_threshold_survives_one_flush_interval_as_a_normal_number(decay):
    every = flush_interval(decay)
    at_threshold = np.float32(TINY * FLUSH_FACTOR)
    assert every == 1 or at_threshold * np.float32(decay) ** every >= TINY
    assert every == 1 or every * 2 > np.log(FLUSH_FACTOR) / -np.log(decay)
