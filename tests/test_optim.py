"""Optimizers: update rules against PyTorch, state_dict resume, dtypes, validation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchnn import Tensor, optim
from scratchnn.nn import Parameter

SHAPES = [(3, 4), (5,), (2,)]  # the last parameter never receives a gradient
STEPS = 20

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "nesterov": True, "maximize": True, "weight_decay": 0.1}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-3, "maximize": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"lr": 5e-3, "alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"maximize": True, "eps": 1e-3}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "maximize": True, "eps": 1e-3}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in kwargs.items()) for name, kwargs in CONFIGS]


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    return torch


def start_arrays(dtype=np.float64) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


_rng = np.random.default_rng(1)
TARGETS = [_rng.standard_normal(shape) for shape in SHAPES[:-1]]
NOISE = [[_rng.standard_normal(shape) for shape in SHAPES[:-1]] for _ in range(STEPS)]


def gradient(value: np.ndarray, i: int, step: int) -> np.ndarray:
    """The gradient of a noisy quadratic: 2 (θ - target) + noise_step."""
    return 2.0 * (value - TARGETS[i]) + NOISE[step][i]


def train(optimizer, params: list[Parameter], steps: range) -> None:
    for step in steps:
        for i, p in enumerate(params[:-1]):
            p.grad = gradient(p.data, i, step).astype(p.data.dtype)
        optimizer.step()


def make(name: str, kwargs: dict, dtype=np.float64):
    params = [Parameter(a, dtype=dtype) for a in start_arrays(dtype)]
    return getattr(optim, name)(params, **kwargs), params


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_matches_pytorch_over_20_steps(torch, name, kwargs):
    ours, params = make(name, kwargs)
    train(ours, params, range(STEPS))

    tparams = [torch.tensor(a, requires_grad=True) for a in start_arrays()]
    theirs = getattr(torch.optim, name)(tparams, **kwargs)
    for step in range(STEPS):
        for i, p in enumerate(tparams[:-1]):
            p.grad = torch.from_numpy(gradient(p.detach().numpy(), i, step))
        theirs.step()

    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=0, atol=1e-9)
    for p, tp in zip(params[:-1], tparams[:-1]):
        for key, value in theirs.state[tp].items():
            if key != "step":
                state = ours.moments(p) if isinstance(ours, optim.Adam) else ours.state[p]
                np.testing.assert_allclose(state[key], value.numpy(), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(params[-1].data, start_arrays()[-1])
    assert params[-1] not in ours.state


def test_param_groups_match_pytorch(torch):
    arrays = start_arrays()
    params = [Parameter(a, dtype=np.float64) for a in arrays]
    ours = optim.SGD(
        [{"params": params[:1]}, {"params": params[1:], "lr": 0.01, "momentum": 0.5}],
        lr=0.1,
        momentum=0.9,
    )
    tparams = [torch.tensor(a, requires_grad=True) for a in arrays]
    theirs = torch.optim.SGD(
        [{"params": tparams[:1]}, {"params": tparams[1:], "lr": 0.01, "momentum": 0.5}],
        lr=0.1,
        momentum=0.9,
    )
    assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups]
    train(ours, params, range(STEPS))
    for step in range(STEPS):
        for i, p in enumerate(tparams[:-1]):
            p.grad = torch.from_numpy(gradient(p.detach().numpy(), i, step))
        theirs.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_defaults_match_pytorch(torch, name):
    ours = getattr(optim, name)([Parameter(np.zeros(2))]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
    for key, value in ours.items():
        assert theirs[key] == value, key


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_state_dict_resume_is_exact(name, kwargs):
    uninterrupted, params_a = make(name, kwargs)
    train(uninterrupted, params_a, range(STEPS))

    first, params_b = make(name, kwargs)
    train(first, params_b, range(10))
    saved = first.state_dict()
    # what a JSON + safetensors round trip makes of it: lists for tuples, string indices
    saved = {
        "param_groups": json.loads(json.dumps(saved["param_groups"])),
        "state": {str(k): v for k, v in saved["state"].items()},
    }
    params_c = [Parameter(p.data.copy(), dtype=p.dtype) for p in params_b]
    resumed = getattr(optim, name)(params_c)  # default hyperparameters, replaced by the load
    resumed.load_state_dict(saved)
    for state in saved["state"].values():  # the optimizer must hold copies
        for value in state.values():
            if isinstance(value, np.ndarray):
                value.fill(np.nan)
    train(resumed, params_c, range(10, STEPS))

    for a, c in zip(params_a, params_c):
        np.testing.assert_array_equal(a.data, c.data)
    group = resumed.param_groups[0]
    for key, value in kwargs.items():
        assert group[key] == value
    if "betas" in group:
        assert isinstance(group["betas"], tuple)


ADAM_CONFIGS = [(name, kwargs) for name, kwargs in CONFIGS if name.startswith("Adam")]


@pytest.mark.parametrize(("name", "kwargs"), ADAM_CONFIGS, ids=str)
def test_adam_resumes_from_pytorch_state(torch, name, kwargs):
    """Adam keeps decayed sums; a state with PyTorch's averages (exp_avg, ...) is converted."""
    tparams = [torch.tensor(a, requires_grad=True) for a in start_arrays()]
    theirs = getattr(torch.optim, name)(tparams, **kwargs)
    for step in range(10):
        for i, p in enumerate(tparams[:-1]):
            p.grad = torch.from_numpy(gradient(p.detach().numpy(), i, step))
        theirs.step()
    their_state = {
        index: {key: np.asarray(value) for key, value in entry.items()}
        for index, entry in theirs.state_dict()["state"].items()
    }
    assert {"exp_avg", "exp_avg_sq"} <= set(their_state[0])

    params = [Parameter(p.detach().numpy().copy(), dtype=np.float64) for p in tparams]
    ours = getattr(optim, name)(params, **kwargs)
    ours.load_state_dict({"param_groups": ours.state_dict()["param_groups"], "state": their_state})
    train(ours, params, range(10, STEPS))
    for step in range(10, STEPS):
        for i, p in enumerate(tparams[:-1]):
            p.grad = torch.from_numpy(gradient(p.detach().numpy(), i, step))
        theirs.step()
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_state_dict_shape_and_snapshot(name, kwargs):
    optimizer, params = make(name, kwargs)
    train(optimizer, params, range(3))
    saved = optimizer.state_dict()
    json.dumps(saved["param_groups"])
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1, 2]]
    assert set(saved["state"]) <= {0, 1}
    before = {i: {k: np.copy(v) for k, v in s.items()} for i, s in saved["state"].items()}
    train(optimizer, params, range(3, 6))
    for i, state in saved["state"].items():
        for key, value in state.items():
            assert isinstance(value, (np.ndarray, int, float)), key
            np.testing.assert_array_equal(value, before[i][key])


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_float32_stays_float32(name, kwargs):
    optimizer, params = make(name, kwargs, dtype=np.float32)
    for step in range(3):
        grads = [gradient(p.data, i, step).astype(np.float32) for i, p in enumerate(params[:-1])]
        for p, g in zip(params, grads):
            p.grad = g.copy()
        optimizer.step()
        for p, g in zip(params, grads):
            assert p.grad.dtype == np.float32
            np.testing.assert_array_equal(p.grad, g)  # step leaves the gradients alone
    for p in params:
        assert p.data.dtype == np.float32
    for state in optimizer.state.values():
        for key, value in state.items():
            if key == "step":
                assert type(value) is int
            else:
                assert value.dtype == np.float32, key
    assert np.all(np.isfinite(params[0].data))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", {"lr": -0.1}),
        ("SGD", {"momentum": -0.5}),
        ("SGD", {"weight_decay": -1.0}),
        ("SGD", {"nesterov": True}),
        ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
        ("Adam", {"lr": -1.0}),
        ("Adam", {"betas": (1.0, 0.999)}),
        ("Adam", {"betas": (0.9, -0.1)}),
        ("Adam", {"eps": -1.0}),
        ("Adam", {"weight_decay": -1.0}),
        ("AdamW", {"betas": (0.9, 1.0)}),
        ("AdamW", {"lr": float("nan")}),
        ("RMSprop", {"lr": -1.0}),
        ("RMSprop", {"alpha": -0.1}),
        ("RMSprop", {"momentum": -1.0}),
        ("Adagrad", {"lr_decay": -1.0}),
        ("Adagrad", {"initial_accumulator_value": -1.0}),
        ("Adagrad", {"eps": -1.0}),
    ],
)
def test_invalid_hyperparameters(name, kwargs):
    with pytest.raises(ValueError):
        getattr(optim, name)([Parameter(np.zeros(2))], **kwargs)


def test_parameter_lists_are_checked():
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([])
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([{"params": [p]}, {"params": [p]}])
    with pytest.raises(TypeError):
        optim.SGD({p})
    with pytest.raises(TypeError):
        optim.SGD([np.zeros(2)])
    assert optim.Adam(p).param_groups[0]["params"] == [p]
    assert optim.Adam(x for x in [p]).param_groups[0]["params"] == [p]


def test_zero_grad():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    optimizer = optim.SGD([a, b], lr=0.1)
    a.grad, b.grad = np.ones(2), np.ones(3)
    kept = b.grad
    optimizer.zero_grad(set_to_none=False)
    assert b.grad is kept
    np.testing.assert_array_equal(b.grad, np.zeros(3))
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_with_closure_and_autograd():
    """A least-squares fit through Tensor.backward converges, and step(closure) returns the loss."""
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((32, 3)))
    y = Tensor(x.data @ np.array([1.0, -2.0, 0.5]))
    w = Parameter(np.zeros(3))
    optimizer = optim.Adam([w], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        return loss

    first = optimizer.step(closure).item()
    for _ in range(300):
        last = optimizer.step(closure).item()
    assert last < 1e-3 * first
    np.testing.assert_allclose(w.data, [1.0, -2.0, 0.5], atol=1e-2)


def test_load_state_dict_checks_layout():
    params = [Parameter(np.zeros(2)), Parameter(np.zeros(3))]
    optimizer = optim.Adam(params)
    for p in params:
        p.grad = np.ones_like(p.data)
    optimizer.step()
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="groups"):
        optim.Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="parameters"):
        optim.Adam(params[:1]).load_state_dict(saved)
    with pytest.raises(ValueError, match="shape"):
        optim.Adam([params[1], params[0]]).load_state_dict(saved)
