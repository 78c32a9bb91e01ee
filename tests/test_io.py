"""save/load, optimizer state and checkpoints: round trips, atomic writes, malformed files."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pytest
import safetensors.numpy

import scratchnn as sn
from scratchnn import io, nn


class Block(nn.Module):
    """A user-defined layer that builds its own children from its config."""

    def __init__(self, sizes: list[int], scale: float = 1.0) -> None:
        super().__init__()
        self.sizes, self.scale = list(sizes), scale
        self.layers = nn.Sequential(
            *(nn.Linear(a, b) for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        )
        self.register_buffer("offset", np.arange(self.sizes[-1], dtype=np.float32))
        self.register_buffer("calls", np.zeros((), np.int64))

    def forward(self, x):
        return self.layers(x) * self.scale + self.offset

    def config(self) -> dict[str, Any]:
        return {"sizes": self.sizes, "scale": self.scale}


class NeedsArguments(nn.Module):
    """A layer whose config() does not give what its constructor needs."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.layer = nn.Linear(width, width)


def mlp(dtype=np.float32) -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(12, 8, dtype=dtype),
        nn.ReLU(),
        nn.Dropout(0.25),
        nn.Sequential(nn.Linear(8, 6, dtype=dtype), nn.Tanh()),
        nn.Linear(6, 3, bias=False, dtype=dtype),
    )


def outputs(model: nn.Module, x: np.ndarray) -> np.ndarray:
    model.eval()
    with sn.no_grad():
        return model(sn.Tensor(x, dtype=x.dtype)).data


@pytest.fixture
def path(tmp_path):
    return tmp_path / "model.safetensors"


def rewrite(path, edit_arrays=None, edit_header=None) -> None:
    """Change a saved file's tensors or header fields and write it back (a tampered file)."""
    arrays = safetensors.numpy.load_file(path)
    with safetensors.safe_open(path, framework="np") as file:
        header = file.metadata()
    if edit_arrays:
        edit_arrays(arrays)
    if edit_header:
        edit_header(header)
    safetensors.numpy.save_file(arrays, path, metadata=header)


def edit_architecture(change):
    def edit(header):
        spec = json.loads(header["architecture"])
        change(spec)
        header["architecture"] = json.dumps(spec)

    return edit


# ----- round trips ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_gives_identical_outputs(dtype, path, rng):
    model = mlp(dtype)
    sn.save(model, path)
    loaded = sn.load(path)
    assert repr(loaded) == repr(model)
    assert list(loaded.state_dict()) == list(model.state_dict())
    for name, array in loaded.state_dict().items():
        assert array.dtype == dtype
        np.testing.assert_array_equal(array, model.state_dict()[name])
    x = rng.standard_normal((5, 3, 4)).astype(dtype)
    np.testing.assert_array_equal(outputs(loaded, x), outputs(model, x))
    assert loaded.metadata == {}


def test_loaded_parameters_are_writable_and_trainable(path, rng):
    sn.save(mlp(), path)
    model = sn.load(path)
    for parameter in model.parameters():
        assert parameter.requires_grad and parameter.data.flags.writeable
        parameter.data -= 0.1  # an optimizer step updates in place
    model(sn.Tensor(rng.standard_normal((2, 12)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_loaded_parameters_keep_the_memory_layout_of_a_new_model(path):
    model = mlp()
    sn.save(model, path)
    loaded = sn.load(path)
    for (name, new), (_, old) in zip(loaded.named_parameters(), model.named_parameters()):
        assert new.data.strides == old.data.strides, name  # Linear weights stay column-major


def test_metadata_round_trips(path):
    metadata = {
        "dataset": "mnist",
        "accuracy": np.float64(0.9812),
        "epochs": np.int64(10),
        "classes": [str(i) for i in range(10)],
        "input_shape": (1, 28, 28),
        "history": [{"loss": 0.3}, {"loss": 0.1}],
    }
    sn.save(mlp(), path, metadata=metadata)
    loaded = sn.load(path).metadata
    assert loaded == {**metadata, "accuracy": 0.9812, "epochs": 10, "input_shape": [1, 28, 28]}
    assert type(loaded["accuracy"]) is float and type(loaded["epochs"]) is int


def test_metadata_must_be_json(path):
    with pytest.raises(TypeError, match="metadata cannot be stored as JSON"):
        sn.save(mlp(), path, metadata={"model": object()})
    with pytest.raises(TypeError, match="must be a dict"):
        sn.save(mlp(), path, metadata=[1, 2])
    assert not path.exists()


def test_user_layers_with_config_and_buffers_round_trip(path, rng):
    model = nn.Sequential({"block": Block([4, 5, 2], scale=0.5), "out": nn.Linear(2, 1)})
    model.block.offset += 3
    model.block.calls += 7
    sn.save(model, path)
    loaded = sn.load(path)
    assert isinstance(loaded.block, Block) and loaded.block.scale == 0.5
    np.testing.assert_array_equal(loaded.block.offset, model.block.offset)
    assert loaded.block.calls.shape == () and loaded.block.calls == 7
    assert "block.offset" in dict(loaded.named_buffers())
    x = rng.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_array_equal(outputs(loaded, x), outputs(model, x))


def test_tied_weights_are_stored_once_and_tied_again(path):
    class TiedPair(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encode, self.decode = nn.Linear(3, 3, bias=False), nn.Linear(3, 3)
            self.decode.weight = self.encode.weight

    model = TiedPair()
    sn.save(model, path)
    assert sorted(safetensors.numpy.load_file(path)) == ["decode.bias", "encode.weight"]
    loaded = sn.load(path)
    assert loaded.decode.weight is loaded.encode.weight
    np.testing.assert_array_equal(loaded.encode.weight.data, model.encode.weight.data)


def test_file_is_plain_safetensors_with_pytorch_names(path, rng):
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    sn.save(model, path)
    arrays = safetensors.numpy.load_file(path)
    assert sorted(arrays) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    reference = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
    x = rng.standard_normal((3, 4)).astype(np.float32)
    expected = reference(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-5, atol=1e-6)


# ----- atomic writes --------------------------------------------------------------------
def test_save_replaces_atomically_and_leaves_no_temporary_files(path, monkeypatch):
    first, second = mlp(), mlp()
    sn.save(first, path)
    sn.save(second, path)
    assert os.listdir(path.parent) == [path.name]
    np.testing.assert_array_equal(sn.load(path)[1].weight.data, second[1].weight.data)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        sn.save(mlp(), path)
    monkeypatch.undo()
    assert os.listdir(path.parent) == [path.name]
    np.testing.assert_array_equal(sn.load(path)[1].weight.data, second[1].weight.data)


# ----- files that do not fit ------------------------------------------------------------
def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere.safetensors"
    with pytest.raises(FileNotFoundError, match="nowhere.safetensors"):
        sn.load(missing)


@pytest.mark.parametrize("cut", [0, 7, 100, -5])
def test_truncated_file(cut, path):
    sn.save(mlp(), path)
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(sn.ModelFormatError, match=f"{path.name} is not a readable safetensors"):
        sn.load(path)


def test_random_bytes(path):
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(sn.ModelFormatError, match=path.name):
        sn.load(path)


def test_safetensors_file_from_elsewhere(path):
    safetensors.numpy.save_file({"w": np.zeros(3)}, path)
    with pytest.raises(sn.ModelFormatError, match="not a scratchnn one"):
        sn.load(path)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda a: a.update({"1.weight": np.zeros((8, 13), np.float32)}), r"1.weight \(8, 13\)"),
        (lambda a: a.pop("5.weight"), r"missing \['5.weight'\]"),
        (lambda a: a.update({"9.weight": np.zeros(2, np.float32)}), r"unexpected \['9.weight'\]"),
    ],
    ids=["wrong shape", "missing tensor", "extra tensor"],
)
def test_tensors_that_do_not_fit_the_architecture(edit, message, path):
    sn.save(mlp(), path)
    rewrite(path, edit_arrays=edit)
    with pytest.raises(sn.ModelFormatError, match=message):
        sn.load(path)


def test_unknown_layer_type(path):
    sn.save(mlp(), path)
    rewrite(path, edit_header=edit_architecture(lambda s: s["children"]["2"].update(type="Swish")))
    with pytest.raises(sn.ModelFormatError, match="model.2 has unknown layer type 'Swish'"):
        sn.load(path)


def test_python_names_in_the_file_are_never_resolved(path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command))
    sn.save(mlp(), path)

    def inject(spec):
        spec["children"]["2"] = {
            "type": "os.system",
            "config": {"command": "touch pwned"},
            "children": {},
        }

    rewrite(path, edit_header=edit_architecture(inject))
    with pytest.raises(sn.ModelFormatError, match="unknown layer type 'os.system'"):
        sn.load(path)
    sn.save(mlp(), path)
    rewrite(path, edit_header=lambda h: h.update(metadata='{"__reduce__": ["os.system", "ls"]}'))
    assert sn.load(path).metadata == {"__reduce__": ["os.system", "ls"]}  # only data
    assert calls == [] and not os.path.exists("pwned")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda h: h.update(architecture="{not json"), "'architecture' entry is not valid JSON"),
        (lambda h: h.update(metadata="[1, 2"), "'metadata' entry is not valid JSON"),
        (lambda h: h.update(metadata="[1, 2]"), "metadata is not a JSON object"),
        (lambda h: h.pop("architecture"), "no 'architecture' entry"),
        (lambda h: h.pop("format"), "not a scratchnn one"),
        (lambda h: h.update(version="99"), "unsupported scratchnn format version '99'"),
        (lambda h: h.update(kind="state"), "holds a 'state', not a 'model'"),
        (lambda h: h.update(architecture="[]"), "model is not a {type, config, children} entry"),
        (lambda h: h.update(architecture="[" * 100_000), "architecture"),
    ],
    ids=[
        "bad json",
        "bad metadata json",
        "metadata not a dict",
        "no architecture",
        "no format",
        "future version",
        "wrong kind",
        "not an entry",
        "deeply nested",
    ],
)
def test_tampered_header(edit, message, path):
    sn.save(mlp(), path)
    rewrite(path, edit_header=edit)
    with pytest.raises(sn.ModelFormatError, match=message):
        sn.load(path)


def test_config_that_does_not_rebuild(path):
    sn.save(mlp(), path)
    bad_config = edit_architecture(lambda s: s["children"]["1"]["config"].update(units=3))
    rewrite(path, edit_header=bad_config)
    with pytest.raises(sn.ModelFormatError, match="cannot rebuild model.1 as Linear with config"):
        sn.load(path)

    sn.save(NeedsArguments(3), path)
    with pytest.raises(sn.ModelFormatError, match=r"cannot rebuild model as \S*NeedsArguments"):
        sn.load(path)


def test_children_that_differ_from_what_the_config_builds(path):
    sn.save(Block([4, 5, 2]), path)
    rewrite(
        path,
        edit_header=edit_architecture(lambda s: s["children"]["layers"]["children"].pop("1")),
    )
    with pytest.raises(sn.ModelFormatError, match="gives a different model"):
        sn.load(path)


# ----- optimizer state and checkpoints --------------------------------------------------
def optimizer_state() -> dict[str, Any]:
    return {
        "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), "params": [0, 1, 2]}],
        "state": {
            0: {"step": 3, "exp_avg": np.ones((2, 3), np.float32), "scale": 0.5},
            2: {"step": 3, "exp_avg": np.arange(4.0), "exp_avg_sq": np.zeros((4,))},
        },
    }


def assert_same_state(loaded: dict, original: dict) -> None:
    assert loaded["param_groups"] == [{"lr": 0.01, "betas": [0.9, 0.999], "params": [0, 1, 2]}]
    assert sorted(loaded["state"]) == sorted(original["state"])
    for index, entries in original["state"].items():
        assert sorted(loaded["state"][index]) == sorted(entries)
        for name, value in entries.items():
            got = loaded["state"][index][name]
            if isinstance(value, np.ndarray):
                assert got.dtype == value.dtype and got.flags.writeable
                np.testing.assert_array_equal(got, value)
            else:
                assert got == value and type(got) is type(value)


def test_optimizer_state_round_trip(tmp_path):
    state = optimizer_state()
    target = tmp_path / "optimizer.safetensors"
    io.save_state(state, target)
    assert sorted(safetensors.numpy.load_file(target)) == [
        "state.0.exp_avg",
        "state.2.exp_avg",
        "state.2.exp_avg_sq",
    ]
    assert_same_state(io.load_state(target), state)


class FakeOptimizer:
    """The optimizer interface the checkpoint functions use."""

    def __init__(self, state=None) -> None:
        self.state, self.loaded = state, None

    def state_dict(self):
        return self.state

    def load_state_dict(self, state):
        self.loaded = state


def test_checkpoint_round_trip_rebuilding_the_model(path, rng):
    model = mlp()
    io.save_checkpoint(path, model, FakeOptimizer(optimizer_state()), metadata={"epoch": 4})
    checkpoint = io.load_checkpoint(path)
    x = rng.standard_normal((2, 12)).astype(np.float32)
    np.testing.assert_array_equal(outputs(checkpoint.model, x), outputs(model, x))
    assert_same_state(checkpoint.optimizer_state, optimizer_state())
    assert checkpoint.metadata == {"epoch": 4}
    # the model part of a checkpoint also loads as a model
    np.testing.assert_array_equal(outputs(sn.load(path), x), outputs(model, x))


def test_checkpoint_into_an_existing_model_and_optimizer(path):
    model = mlp()
    io.save_checkpoint(path, model, FakeOptimizer(optimizer_state()), metadata={"epoch": 1})
    target = mlp()
    parameters = list(target.parameters())
    optimizer = FakeOptimizer()
    checkpoint = io.load_checkpoint(path, model=target, optimizer=optimizer)
    assert checkpoint.model is target and list(target.parameters()) == parameters
    for a, b in zip(target.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert_same_state(optimizer.loaded, optimizer_state())
    with pytest.raises(sn.ModelFormatError, match="do not fit the model"):
        io.load_checkpoint(path, model=nn.Sequential(nn.Linear(12, 3)))


def test_checkpoint_without_optimizer(path):
    io.save_checkpoint(path, mlp())
    checkpoint = io.load_checkpoint(path, optimizer=FakeOptimizer())
    assert checkpoint.optimizer_state is None and checkpoint.metadata == {}
    with pytest.raises(sn.ModelFormatError, match="holds a 'checkpoint', not a 'state'"):
        io.load_state(path)


def test_checkpoint_with_a_real_optimizer(path, rng):
    if not hasattr(sn.optim, "Adam"):
        pytest.skip("scratchnn.optim.Adam is not available")
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    optimizer = sn.optim.Adam(model.parameters(), lr=0.01)
    x = sn.Tensor(rng.standard_normal((8, 3)))
    for _ in range(2):
        optimizer.zero_grad()
        model(x).sum().backward()
        optimizer.step()
    io.save_checkpoint(path, model, optimizer, metadata={"epoch": 2})
    checkpoint = io.load_checkpoint(path)
    resumed = sn.optim.Adam(checkpoint.model.parameters(), lr=0.5)
    resumed.load_state_dict(checkpoint.optimizer_state)
    for run_model, run_optimizer in ((model, optimizer), (checkpoint.model, resumed)):
        run_optimizer.zero_grad()
        run_model(x).sum().backward()
        run_optimizer.step()
    for a, b in zip(model.parameters(), checkpoint.model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_malformed_optimizer_state(tmp_path):
    target = tmp_path / "optimizer.safetensors"
    io.save_state(optimizer_state(), target)
    rewrite(target, edit_header=lambda h: h.update(state='{"state": {"x": {}}}'))
    with pytest.raises(sn.ModelFormatError, match="malformed optimizer state"):
        io.load_state(target)
