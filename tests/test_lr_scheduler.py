"""Learning-rate schedules: lr sequences against PyTorch, chaining, state_dict resume, checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchnn import optim
from scratchnn.nn import Parameter
from scratchnn.optim import lr_scheduler

LRS = (0.1, 0.02)
STEPS = 30
METRICS = [
    1.0,
    0.9,
    0.9,
    0.95,
    0.89,
    0.8999,
    0.91,
    0.92,
    0.5,
    0.5,
    0.6,
    0.7,
    0.4,
    0.41,
    0.42,
    0.43,
    0.44,
    0.45,
    0.3,
    0.3,
    0.3,
    0.31,
    0.2,
    0.25,
    0.26,
    0.27,
    0.28,
    0.29,
    0.1,
    0.1,
]

SCHEDULES = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 4, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.005}),
]
PLATEAUS = [
    {},
    {"patience": 0},
    {"patience": 2, "cooldown": 2},
    {"mode": "max", "patience": 1},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.05, "patience": 0, "factor": 0.7},
    {"threshold_mode": "abs", "threshold": 0.02, "patience": 1, "factor": 0.5, "cooldown": 1},
    {"patience": 0, "factor": 0.5, "min_lr": [0.05, 0.001]},
    {"patience": 0, "factor": 0.5, "min_lr": 0.01, "eps": 1e-3},
    {"threshold": 0.05, "patience": 1, "factor": 0.3, "cooldown": 3},
]
ALL = [*SCHEDULES, *(("ReduceLROnPlateau", kwargs) for kwargs in PLATEAUS)]


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    return torch


def our_optimizer() -> optim.SGD:
    return optim.SGD([{"params": [Parameter(np.zeros(1))], "lr": lr} for lr in LRS])


def torch_optimizer(torch):
    return torch.optim.SGD(
        [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in LRS]
    )


def run(optimizer, schedulers, steps: range) -> list[list[float]]:
    """The lr of every group after each scheduler step (the optimizer steps first)."""
    lrs = []
    for step in steps:
        optimizer.step()
        for scheduler in schedulers:
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(METRICS[step])
            else:
                scheduler.step()
        lrs.append([group["lr"] for group in optimizer.param_groups])
        assert schedulers[-1].get_last_lr() == lrs[-1]
    return lrs


@pytest.mark.parametrize(("name", "kwargs"), ALL)
def test_lr_sequence_matches_pytorch(torch, name, kwargs):
    ours = our_optimizer()
    our_scheduler = getattr(lr_scheduler, name)(ours, **kwargs)
    theirs = torch_optimizer(torch)
    their_scheduler = getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs)
    np.testing.assert_allclose(our_scheduler.get_last_lr(), their_scheduler.get_last_lr())
    np.testing.assert_allclose(
        run(ours, [our_scheduler], range(STEPS)),
        run(theirs, [their_scheduler], range(STEPS)),
        rtol=1e-12,
        atol=1e-15,
    )


def test_chained_schedulers_match_pytorch(torch):
    ours = our_optimizer()
    our_chain = [lr_scheduler.StepLR(ours, 3, gamma=0.5), lr_scheduler.ExponentialLR(ours, 0.9)]
    theirs = torch_optimizer(torch)
    their_chain = [
        torch.optim.lr_scheduler.StepLR(theirs, 3, gamma=0.5),
        torch.optim.lr_scheduler.ExponentialLR(theirs, 0.9),
    ]
    np.testing.assert_allclose(
        run(ours, our_chain, range(STEPS)), run(theirs, their_chain, range(STEPS)), rtol=1e-12
    )


@pytest.mark.parametrize(("name", "kwargs"), ALL)
def test_state_dict_resume_is_exact(name, kwargs):
    optimizer = our_optimizer()
    expected = run(optimizer, [getattr(lr_scheduler, name)(optimizer, **kwargs)], range(STEPS))

    first = our_optimizer()
    scheduler = getattr(lr_scheduler, name)(first, **kwargs)
    head = run(first, [scheduler], range(10))
    saved_optimizer = json.loads(json.dumps(first.state_dict()))
    saved_scheduler = json.loads(json.dumps(scheduler.state_dict()))

    resumed = our_optimizer()
    resumed_scheduler = getattr(lr_scheduler, name)(resumed, **kwargs)
    resumed.load_state_dict(saved_optimizer)
    resumed_scheduler.load_state_dict(saved_scheduler)
    assert resumed_scheduler.get_last_lr() == head[-1]
    assert head + run(resumed, [resumed_scheduler], range(10, STEPS)) == expected


def test_step_lr_closed_form():
    optimizer = our_optimizer()
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    assert scheduler.get_last_lr() == list(LRS)
    lrs = run(optimizer, [scheduler], range(6))
    np.testing.assert_allclose(
        [row[0] for row in lrs], [0.1 * 0.5 ** ((t + 1) // 2) for t in range(6)], rtol=1e-15
    )


def test_cosine_closed_form_within_first_period():
    optimizer = our_optimizer()
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=8, eta_min=0.01)
    lrs = [row[0] for row in run(optimizer, [scheduler], range(8))]
    t = np.arange(1, 9)
    np.testing.assert_allclose(lrs, 0.01 + 0.09 * (1 + np.cos(np.pi * t / 8)) / 2, rtol=1e-12)


def test_invalid_arguments():
    optimizer = our_optimizer()
    with pytest.raises(TypeError):
        lr_scheduler.StepLR(object(), 3)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optimizer, 3, last_epoch=5)
    with pytest.raises(ValueError, match="Factor"):
        lr_scheduler.ReduceLROnPlateau(optimizer, factor=1.0)
    with pytest.raises(ValueError, match="mode"):
        lr_scheduler.ReduceLROnPlateau(optimizer, mode="lowest")
    with pytest.raises(ValueError, match="threshold mode"):
        lr_scheduler.ReduceLROnPlateau(optimizer, threshold_mode="relative")
    with pytest.raises(ValueError, match="min_lrs"):
        lr_scheduler.ReduceLROnPlateau(optimizer, min_lr=[0.1])
    with pytest.raises(TypeError):
        lr_scheduler.ReduceLROnPlateau(object())


def test_plateau_covers_groups_added_later():
    optimizer = our_optimizer()
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, min_lr=0.05)
    optimizer.add_param_group({"params": [Parameter(np.zeros(1))], "lr": 1.0})
    scheduler.step(1.0)
    scheduler.step(2.0)
    assert scheduler.get_last_lr() == pytest.approx([0.05, 0.02, 0.1])
