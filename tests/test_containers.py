"""Sequential and ModuleList: order, naming, indexing, parameters, PyTorch-compatible names."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn
from scratchnn.gradcheck import gradcheck


def mlp(dtype=np.float32) -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 5, dtype=dtype), nn.ReLU(), nn.Linear(5, 3, dtype=dtype))


def test_forward_applies_layers_in_order(rng):
    model = mlp(np.float64)
    x = sn.Tensor(rng.standard_normal((6, 4)), dtype=np.float64)
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).data, expected.data)


def test_gradcheck_through_sequential(rng):
    model = nn.Sequential(
        nn.Linear(3, 4, dtype=np.float64), nn.Tanh(), nn.Linear(4, 2, dtype=np.float64)
    )
    gradcheck(model, rng.standard_normal((5, 3)))


def test_matches_torch_sequential_with_the_same_state_dict(rng):
    torch = pytest.importorskip("torch")
    reference = torch.nn.Sequential(
        torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3)
    ).double()
    model = mlp(np.float64)
    state = {name: value.detach().numpy() for name, value in reference.state_dict().items()}
    assert sorted(model.state_dict()) == sorted(state)
    model.load_state_dict(state)
    x = rng.standard_normal((7, 4))
    tx = torch.tensor(x, requires_grad=True)
    reference(tx).sum().backward()
    ours = sn.Tensor(x, requires_grad=True, dtype=np.float64)
    out = model(ours)
    out.sum().backward()
    np.testing.assert_allclose(out.data, reference(tx).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(model[0].weight.grad, reference[0].weight.grad.numpy(), rtol=1e-12)


def test_indexing_len_iteration_and_append():
    model = mlp()
    assert len(model) == 3
    assert [type(layer).__name__ for layer in model] == ["Linear", "ReLU", "Linear"]
    assert model[-1] is model[2]
    with pytest.raises(IndexError):
        model[3]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    extra = nn.Linear(3, 2)
    assert model.append(extra) is model
    assert len(model) == 4 and model[3] is extra
    assert [name for name, _ in model.named_children()] == ["0", "1", "2", "3"]
    assert "3.weight" in model.state_dict()


def test_named_layers_from_a_mapping():
    model = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 3), act=nn.ReLU(), out=nn.Linear(3, 1)))
    assert [name for name, _ in model.named_children()] == ["hidden", "act", "out"]
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert model[1] is model.act
    assert [name for name, _ in model[1:].named_children()] == ["act", "out"]


@pytest.mark.parametrize("name", ["", "a.b", "forward", "training"])
def test_bad_layer_names(name):
    with pytest.raises(ValueError, match="cannot name"):
        nn.Sequential({name: nn.ReLU()})


def test_append_never_replaces_a_named_layer():
    model = nn.Sequential({"0": nn.ReLU(), "2": nn.Tanh()})
    with pytest.raises(ValueError, match="'2' cannot name"):
        model.append(nn.Sigmoid())
    assert [type(layer).__name__ for layer in model] == ["ReLU", "Tanh"]


def test_only_modules_are_accepted():
    with pytest.raises(TypeError, match="holds Modules"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    with pytest.raises(TypeError, match="holds Modules"):
        nn.ModuleList([nn.ReLU(), 3])


def test_nested_parameter_names_and_repr():
    model = nn.Sequential(mlp(), nn.Sequential(nn.Linear(3, 2)))
    assert list(model.state_dict()) == [
        "0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias", "1.0.weight", "1.0.bias",
    ]  # fmt: skip
    text = repr(model)
    assert (
        "(0): Sequential(" in text
        and "(2): Linear(in_features=5, out_features=3, bias=True)" in text
    )
    assert "# 43 params" in text and "# 8 params" in text


def test_train_and_eval_reach_every_layer():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    model.eval()
    assert not any(module.training for module in model.modules())
    model.train()
    assert all(module.training for module in model.modules())


def test_module_list_registers_and_indexes():
    class Tower(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    tower = Tower()
    assert len(tower.blocks) == 3
    assert tower.num_parameters() == 3 * 12
    assert "blocks.2.bias" in tower.state_dict()
    tower.blocks.append(nn.Linear(3, 3))
    assert tower.blocks[-1] is list(tower.blocks)[3]
    assert len(list(tower.parameters())) == 8
    assert isinstance(tower.blocks[1:], nn.ModuleList) and len(tower.blocks[1:]) == 3
    with pytest.raises(NotImplementedError):
        tower.blocks(sn.Tensor(np.zeros((1, 3))))
    assert tower(sn.Tensor(np.zeros((2, 3), dtype=np.float32))).shape == (2, 3)
