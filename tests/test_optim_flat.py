"""Flat storage (optim/flat.py): one update per group, with the same results as per parameter."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn
from scratchnn import Tensor, nn, optim
from scratchnn.optim.flat import CACHE_LINE, PAGE, FlatGroup, aligned_zeros, memory_order, view_like


def make_model(seed: int = 0) -> nn.Sequential:
    scratchnn.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))


def train(model, optimizer, steps: int, skip_last_layer_at=(), seed: int = 1) -> None:
    """A few steps on random data; at the listed steps the last layer gets no gradient."""
    rng = np.random.default_rng(seed)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(steps):
        x = Tensor(rng.standard_normal((6, 5)).astype(np.float32))
        y = Tensor(rng.integers(0, 3, 6))
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        if step in skip_last_layer_at:
            model[2].weight.grad = model[2].bias.grad = None
        optimizer.step()


@pytest.mark.parametrize("order", [(0, 1), (1, 0), (2, 0, 1), (1, 2, 0)])
def test_a_view_keeps_the_shape_and_memory_order_of_the_array_it_copies(order):
    stored = np.arange(24.0).reshape(2, 3, 4)[..., None].squeeze(-1)
    like = stored.transpose(order) if len(order) == 3 else stored[0].transpose(order)
    found = memory_order(like)
    assert found is not None
    view = view_like(np.zeros(like.size), like, found)
    assert view.shape == like.shape and view.strides == like.strides
    view[...] = like
    np.testing.assert_array_equal(view, like)


def test_an_array_with_gaps_has_no_memory_order():
    assert memory_order(np.zeros((4, 6))[:, ::2]) is None


def test_parameters_become_views_of_one_array_with_their_values_and_layout():
    model = make_model()
    before = {name: (p.data.copy(), p.data.strides) for name, p in model.named_parameters()}
    flat = FlatGroup.of(list(model.parameters()))
    assert flat is not None
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name][0])
        assert p.data.strides == before[name][1]  # Linear keeps its column-major weight
        assert np.shares_memory(p.data, flat.data)
    assert flat.data.size == sum(p.data.size for p in model.parameters())


def test_mixed_dtypes_or_a_repeated_parameter_stay_per_parameter():
    a = nn.Parameter(np.zeros(3, dtype=np.float32))
    b = nn.Parameter(np.zeros(3, dtype=np.float64), dtype=np.float64)
    assert FlatGroup.of([a, b]) is None
    assert FlatGroup.of([a, a]) is None


def test_backward_writes_the_first_gradient_into_the_flat_buffer():
    model = make_model()
    optimizer = optim.Adam(model.parameters())
    train(model, optimizer, 1)
    train(model, optimizer, 1)  # the flat storage exists from the first step on
    flat = optimizer._flat_group(optimizer.param_groups[0])
    assert flat is not None
    for p in model.parameters():
        assert np.shares_memory(p.grad, flat.grad)
        assert np.shares_memory(optimizer.state[p]["exp_sum"], flat.state["exp_sum"])
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.Adam(ps, lr=1e-2),
        lambda ps: optim.Adam(ps, lr=1e-2, amsgrad=True, weight_decay=0.1),
        lambda ps: optim.AdamW(ps, lr=1e-2, maximize=True),
        lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01),
    ],
    ids=["adam", "amsgrad_l2", "adamw_maximize", "sgd"],
)
def test_flat_steps_equal_steps_parameter_by_parameter(make):
    flat_model, plain_model = make_model(), make_model()
    flat_opt = make(flat_model.parameters())
    plain_opt = make(plain_model.parameters())
    plain_opt._flat_group = lambda group: None  # force the per-parameter path
    train(flat_model, flat_opt, 6, skip_last_layer_at={2})
    train(plain_model, plain_opt, 6, skip_last_layer_at={2})
    assert flat_opt._flat  # the flat storage was made
    for a, b in zip(flat_model.parameters(), plain_model.parameters()):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-6, atol=1e-7)
        for name, value in flat_opt.state.get(a, {}).items():
            np.testing.assert_allclose(value, plain_opt.state[b][name], rtol=1e-6, atol=1e-7)


def test_a_parameter_given_a_new_array_is_still_updated():
    model = make_model()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    train(model, optimizer, 2)
    model[0].bias.data = np.zeros(4, dtype=np.float32)  # no longer a view into the flat array
    train(model, optimizer, 1)
    assert np.abs(model[0].bias.data).max() > 0


def test_resuming_from_a_state_dict_gathers_the_loaded_state_into_the_flat_arrays():
    model = make_model()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    train(model, optimizer, 3)
    saved_model = {name: p.data.copy() for name, p in model.named_parameters()}
    saved_opt = optimizer.state_dict()
    train(model, optimizer, 2, seed=7)
    expected = [p.data.copy() for p in model.parameters()]

    resumed = make_model(seed=5)
    resumed.load_state_dict(saved_model)
    resumed_opt = optim.Adam(resumed.parameters(), lr=1e-2)
    resumed_opt.load_state_dict(saved_opt)
    train(resumed, resumed_opt, 2, seed=7)
    for p, want in zip(resumed.parameters(), expected):
        np.testing.assert_allclose(p.data, want, rtol=1e-6, atol=1e-7)
    flat = resumed_opt._flat_group(resumed_opt.param_groups[0])
    assert flat is None or all(
        np.shares_memory(resumed_opt.state[p]["exp_sum_sq"], flat.state["exp_sum_sq"])
        for p in resumed.parameters()
    )


def test_a_layer_used_twice_sums_both_gradients_in_its_buffer():
    def grads(with_buffers: bool) -> list[np.ndarray]:
        scratchnn.manual_seed(3)
        layer = nn.Linear(4, 4)
        if with_buffers:
            start = [p.data.copy() for p in layer.parameters()]
            optimizer = optim.Adam(layer.parameters())
            layer(Tensor(np.ones((2, 4), dtype=np.float32))).sum().backward()
            optimizer.step()  # makes the flat storage
            optimizer.zero_grad()
            for p, values in zip(layer.parameters(), start):
                p.data[...] = values
        x = Tensor(np.arange(8, dtype=np.float32).reshape(2, 4))
        layer(layer(x)).sum().backward()
        if with_buffers:
            flat = optimizer._flat[id(optimizer.param_groups[0])]
            assert np.shares_memory(layer.weight.grad, flat.grad)
        return [layer.weight.grad.copy(), layer.bias.grad.copy()]

    plain, buffered = grads(False), grads(True)
    for a, b in zip(plain, buffered):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stagger", [0, 1, 5])
def test_aligned_zeros_start_on_a_cache_line_boundary_plus_the_stagger(dtype, stagger):
    for size in (1, 7, 1000):
        array = aligned_zeros(size, dtype, stagger)
        assert array.shape == (size,) and array.dtype == dtype and not array.any()
        assert array.ctypes.data % PAGE == stagger * CACHE_LINE
        array[:] = 1  # writable, and all of it is ours
        assert array.sum() == size


def test_a_flat_groups_arrays_are_aligned_and_start_at_different_places_of_a_page():
    model = make_model()
    optimizer = optim.Adam(model.parameters())
    train(model, optimizer, 1)
    flat = next(iter(optimizer._flat.values()))
    arrays = [flat.data, flat.grad, *flat.work, *flat.state.values()]
    assert all(a.ctypes.data % CACHE_LINE == 0 for a in arrays)
    assert len({a.ctypes.data % PAGE for a in arrays}) == len(arrays)
