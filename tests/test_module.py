"""Module base: registration, shared parameters, buffers, state_dict strictness, summary()."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn


class Tied(nn.Module):
    """Two layers sharing one weight, plus a buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.encode = nn.Linear(4, 4, bias=False)
        self.decode = nn.Linear(4, 4)
        self.decode.weight = self.encode.weight
        self.register_buffer("count", np.zeros(1))

    def forward(self, x):
        return self.decode(self.encode(x))


def test_shared_parameters_are_listed_and_counted_once():
    model = Tied()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["encode.weight", "decode.bias"]
    assert model.num_parameters() == 16 + 4
    assert len(list(model.parameters())) == 2


def test_shared_parameter_gradient_accumulates_from_both_uses(rng):
    model = Tied()
    x = sn.Tensor(rng.standard_normal((3, 4)))
    model(x).sum().backward()
    w = model.encode.weight.data
    # y = (x W^T) W^T + b: dW = g^T (x W^T) + (g W)^T x with g = ones
    g = np.ones((3, 4), dtype=np.float32)
    expected = g.T @ (x.data @ w.T) + (g @ w).T @ x.data
    np.testing.assert_allclose(model.encode.weight.grad, expected, rtol=1e-5)


def test_reassigning_an_attribute_moves_it_between_tables():
    model = nn.Module()
    model.layer = nn.Linear(2, 2)
    assert list(dict(model.named_children())) == ["layer"]
    model.layer = None
    assert list(model.named_children()) == [] and model.num_parameters() == 0
    model.w = nn.Parameter(np.ones(3))
    model.w = np.ones(3)  # a plain array is not a parameter
    assert list(model.named_parameters()) == []
    del model.layer
    assert not hasattr(model, "layer")


def test_assigning_to_a_buffer_keeps_it_a_buffer():
    model = Tied()
    model.count = np.array([5.0])
    assert dict(model.named_buffers())["count"].tolist() == [5.0]
    assert "count" in model.state_dict()


def test_module_init_must_be_called_first():
    class Forgetful(nn.Module):
        def __init__(self) -> None:
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="Module.__init__"):
        Forgetful()


def test_state_dict_round_trip_and_strict_mismatches():
    source, target = Tied(), Tied()
    state = source.state_dict()
    assert list(state) == ["encode.weight", "decode.bias", "count"]
    target.load_state_dict(state)
    np.testing.assert_array_equal(target.encode.weight.data, source.encode.weight.data)
    assert target.decode.weight is target.encode.weight
    with pytest.raises(KeyError, match=r"missing \['decode.bias'\]"):
        target.load_state_dict({k: v for k, v in state.items() if k != "decode.bias"})
    with pytest.raises(KeyError, match=r"unexpected \['extra'\]"):
        target.load_state_dict({**state, "extra": np.zeros(1)})
    target.load_state_dict({"decode.bias": np.full(4, 2.0), "extra": np.zeros(1)}, strict=False)
    assert np.all(target.decode.bias.data == 2.0)
    with pytest.raises(sn.ShapeError, match=r"decode.bias: model has shape \(4,\)"):
        target.load_state_dict({**state, "decode.bias": np.zeros(5)})


def test_load_state_dict_copies_in_place_and_keeps_dtype():
    model = nn.Linear(3, 2)
    weight = model.weight
    model.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)})
    assert model.weight is weight and weight.dtype == np.float32 and np.all(weight.data == 1)


def test_every_subclass_is_registered_by_name():
    assert nn.Module.registry["Linear"] is nn.Linear
    assert nn.Module.registry["Sequential"] is nn.Sequential
    assert nn.Module.registry[Tied.type_name()] is Tied
    assert Tied.type_name().endswith(".Tied") and nn.Linear.type_name() == "Linear"


def test_a_user_class_with_a_library_name_does_not_replace_the_library_layer():
    class Linear(nn.Module):
        pass

    assert nn.Module.registry["Linear"] is nn.Linear
    assert nn.Module.registry[Linear.type_name()] is Linear
    rebuilt = nn.Linear.from_config(nn.Linear(3, 2, bias=False).config(), {})
    assert rebuilt.bias is None and rebuilt.weight.shape == (2, 3)


def mnist_mlp() -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10)
    )


def test_summary_lists_layers_shapes_and_counts():
    model = mnist_mlp()
    printed = []
    with sn.no_grad():  # as after training: every layer is still run and recorded
        text = model.summary((1, 28, 28), print_fn=printed.append)
    assert printed == [text]
    lines = text.splitlines()
    assert lines[0] == "Sequential summary, input shape (N, 1, 28, 28)"
    rows = {line.split()[0]: line.split() for line in lines if line[:1].isdigit()}
    assert rows["0"][1:] == ["(Flatten)", "(N,", "784)", "0"]
    assert rows["1"][1:] == ["(Linear)", "(N,", "128)", "100,480"]
    assert rows["2"][1:] == ["(ReLU)", "(N,", "128)", "0"]
    assert rows["3"][1:] == ["(Dropout)", "(N,", "128)", "0"]
    assert rows["4"][1:] == ["(Linear)", "(N,", "10)", "1,290"]
    assert "Total params: 101,770" in lines
    assert "Trainable params: 101,770" in lines and "Non-trainable params: 0" in lines


def test_summary_counts_frozen_parameters_and_nested_layers(capsys):
    model = nn.Sequential(nn.Sequential(nn.Linear(4, 3)), nn.Linear(3, 2))
    model[0][0].weight.requires_grad = False
    text = model.summary((4,))
    assert capsys.readouterr().out == text + "\n"
    assert "  0.0 (Linear)" in text
    assert "Total params: 23" in text and "Trainable params: 11" in text
    assert "Non-trainable params: 12" in text


def test_summary_restores_modes_and_builds_no_graph():
    model = mnist_mlp()
    model[3].eval()
    modes = [module.training for module in model.modules()]
    model.summary((784,), print_fn=None)
    assert [module.training for module in model.modules()] == modes
    assert all("forward" not in module.__dict__ for module in model.modules())
    assert all(p.grad is None for p in model.parameters())


def test_summary_of_a_single_layer_and_a_failing_input():
    text = nn.Linear(5, 2).summary((5,), print_fn=None)
    assert "model (Linear)" in text and "(N, 2)" in text and "Total params: 12" in text
    model = mnist_mlp()
    with pytest.raises(sn.ShapeError, match="784"):
        model.summary((1, 27, 27), print_fn=None)
    assert all(module.training for module in model.modules())
    assert all("forward" not in module.__dict__ for module in model.modules())
