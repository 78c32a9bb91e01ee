"""Saving and loading models, optimizer state and training checkpoints, one safetensors file each.

The arrays are safetensors tensors (parameters under their state_dict names, so a model file
opens in any safetensors reader); the architecture, optimizer state that is not an array and
the user's metadata are JSON strings in the safetensors header's `__metadata__` map:

    format        "scratchnn"            version   "1"
    kind          "model" | "state" | "checkpoint"
    architecture  {"type": class name, "config": module.config(), "children": {name: ...}}
    metadata      the user's metadata (a JSON object)
    state         optimizer state without its arrays (state and checkpoint files)

Loading is data only: layers are rebuilt through Module.registry (the scratchnn module classes
defined or imported in this process) with their JSON config; nothing is unpickled, imported or
evaluated. A file that does not fit raises ModelFormatError naming the file. Files are written
to a temporary file in the same folder and renamed over the target, so a crash leaves either the
old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import safetensors.numpy

from scratchnn.errors import ModelFormatError
from scratchnn.nn.module import Module
from scratchnn.tensor import Tensor

PathLike = str | os.PathLike
FORMAT, VERSION = "scratchnn", "1"


# ----- public API ---------------------------------------------------------------------------
def save(model: Module, path: PathLike, metadata: dict[str, Any] | None = None) -> None:
    """Write model (architecture and weights) and optional JSON-able metadata to one file.

    `metadata` is any dict of JSON-able values (NumPy scalars and arrays are converted), e.g.
    {"dataset": "mnist", "accuracy": 0.981, "epochs": 10, "classes": [...]}; load() gives it
    back as `model.metadata`.
    """
    header = {"architecture": _dumps(architecture(model), "the model's architecture")}
    _write(path, "model", model.state_dict(), header, metadata)


def load(path: PathLike) -> Module:
    """Rebuild the model saved by save() (or by save_checkpoint); its metadata dict is set as
    `model.metadata`.

    The parameters take the dtype stored in the file. Raises FileNotFoundError for a missing
    file and ModelFormatError for anything that is not a matching scratchnn model.
    """
    arrays, header = _read(path, "model", "checkpoint")
    model = _rebuild(path, header)
    _adopt(path, model, _model_arrays(arrays, header))
    model.metadata = _metadata(path, header)
    return model


def save_state(state_dict: dict[str, Any], path: PathLike) -> None:
    """Write an optimizer's state_dict(): arrays as tensors `state.<index>.<name>`, rest JSON.

    Expected layout (PyTorch's): {"param_groups": [{hyperparameters..., "params": [int]}],
    "state": {int: {name: np.ndarray | int | float}}}. Tuples come back as lists.
    """
    arrays, rest = _split_state(state_dict, "")
    _write(path, "state", arrays, {"state": _dumps(rest, "the optimizer state")}, None)


def load_state(path: PathLike) -> dict[str, Any]:
    """The optimizer state_dict written by save_state (integer state keys restored)."""
    arrays, header = _read(path, "state")
    return _join_state(path, header, arrays, "")


@dataclass
class Checkpoint:
    """What load_checkpoint found: the model, the optimizer's state_dict (or None), metadata."""

    model: Module
    optimizer_state: dict[str, Any] | None
    metadata: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(
    path: PathLike, model: Module, optimizer=None, metadata: dict[str, Any] | None = None
) -> None:
    """Write model, optimizer.state_dict() (when given) and metadata (epoch, ...) to one file."""
    arrays = {f"model.{name}": array for name, array in model.state_dict().items()}
    header = {"architecture": _dumps(architecture(model), "the model's architecture")}
    if optimizer is not None:
        optimizer_arrays, rest = _split_state(optimizer.state_dict(), "optimizer.")
        arrays.update(optimizer_arrays)
        header["state"] = _dumps(rest, "the optimizer state")
    _write(path, "checkpoint", arrays, header, metadata)


def load_checkpoint(path: PathLike, model: Module | None = None, optimizer=None) -> Checkpoint:
    """Read a checkpoint written by save_checkpoint.

    With `model`, its weights are copied in place (its parameters stay the same objects, so an
    optimizer built on them stays valid); without, the model is rebuilt from the file. With
    `optimizer`, its load_state_dict() receives the saved state. Typical resume:

        ckpt = load_checkpoint(path)
        model = ckpt.model
        optimizer = Adam(model.parameters())
        optimizer.load_state_dict(ckpt.optimizer_state)
        start = ckpt.metadata["epoch"] + 1
    """
    arrays, header = _read(path, "checkpoint")
    weights = _model_arrays(arrays, header)
    if model is None:
        model = _rebuild(path, header)
        _adopt(path, model, weights)
    else:
        try:
            model.load_state_dict(weights)
        except (KeyError, ValueError) as error:
            raise ModelFormatError(f"{path}: the weights do not fit the model: {error}") from error
    state = None
    if "state" in header:
        state = _join_state(path, header, arrays, "optimizer.")
        if optimizer is not None:
            optimizer.load_state_dict(state)
    return Checkpoint(model, state, _metadata(path, header))


def architecture(module: Module) -> dict[str, Any]:
    """{"type": class name, "config": config(), "children": {name: architecture(child)}}."""
    return {
        "type": type(module).type_name(),
        "config": module.config(),
        "children": {name: architecture(child) for name, child in module.named_children()},
    }


# ----- writing ------------------------------------------------------------------------------
def _write(
    path: PathLike,
    kind: str,
    arrays: dict[str, np.ndarray],
    header: dict[str, str],
    metadata: dict[str, Any] | None,
) -> None:
    """Serialise to safetensors and replace path atomically."""
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    fields = {"format": FORMAT, "version": VERSION, "kind": kind, **header}
    fields["metadata"] = _dumps(metadata or {}, "the metadata")
    tensors = {name: np.asarray(array, order="C") for name, array in arrays.items()}
    _write_atomically(os.fspath(path), safetensors.numpy.save(tensors, metadata=fields))


def _write_atomically(path: str, data: bytes) -> None:
    """Write to a fresh file beside path, flush it to disk, then rename it over path."""
    temporary = f"{path}.{secrets.token_hex(6)}.tmp"
    try:
        with open(temporary, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value, default=_json_default)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} cannot be stored as JSON: {error}") from error


def _json_default(value: Any) -> Any:
    """NumPy scalars and arrays as plain Python numbers and lists."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-serialisable")


def _split_state(state_dict: dict[str, Any], prefix: str) -> tuple[dict, dict]:
    """Separate the per-parameter arrays (as named tensors) from the JSON-able rest."""
    arrays: dict[str, np.ndarray] = {}
    rest: dict[str, Any] = {"param_groups": state_dict.get("param_groups", []), "state": {}}
    for index, entries in state_dict.get("state", {}).items():
        plain = {}
        for name, value in entries.items():
            if isinstance(value, Tensor):
                value = value.data
            if isinstance(value, np.ndarray):
                arrays[f"{prefix}state.{int(index)}.{name}"] = value
            else:
                plain[name] = value
        rest["state"][str(int(index))] = plain
    return arrays, rest


# ----- reading ------------------------------------------------------------------------------
def _read(path: PathLike, *kinds: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors and the scratchnn header fields of a file of one of the given kinds."""
    with open(path, "rb") as file:  # FileNotFoundError names the path
        data = file.read()
    try:
        arrays = safetensors.numpy.load(data)
        size = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + size]).get("__metadata__") or {}
    except Exception as error:  # safetensors' own error type is not part of its public API
        raise ModelFormatError(f"{path} is not a readable safetensors file: {error}") from error
    if header.get("format") != FORMAT:
        raise ModelFormatError(f"{path} is a safetensors file but not a scratchnn one")
    if header.get("version") != VERSION:
        raise ModelFormatError(
            f"{path}: unsupported scratchnn format version {header.get('version')!r}"
        )
    if header.get("kind") not in kinds:
        raise ModelFormatError(f"{path} holds a {header.get('kind')!r}, not a {kinds[0]!r}")
    return arrays, header


def _model_arrays(arrays: dict[str, np.ndarray], header: dict[str, str]) -> dict:
    """The model's weights by state_dict name (checkpoints prefix them with "model.")."""
    if header["kind"] != "checkpoint":
        return arrays
    return {name[6:]: array for name, array in arrays.items() if name.startswith("model.")}


def _json_field(path: PathLike, header: dict[str, str], key: str) -> Any:
    if key not in header:
        raise ModelFormatError(f"{path}: the header has no {key!r} entry")
    try:
        return json.loads(header[key])
    except (ValueError, RecursionError) as error:
        raise ModelFormatError(f"{path}: the {key!r} entry is not valid JSON: {error}") from error


def _metadata(path: PathLike, header: dict[str, str]) -> dict[str, Any]:
    metadata = _json_field(path, header, "metadata")
    if not isinstance(metadata, dict):
        raise ModelFormatError(f"{path}: the metadata is not a JSON object")
    return metadata


def _rebuild(path: PathLike, header: dict[str, str]) -> Module:
    """Build the module tree the architecture describes, checking it rebuilt faithfully."""
    spec = _json_field(path, header, "architecture")
    try:
        model = _build(path, spec, "model")
        rebuilt = json.loads(_dumps(architecture(model), "the rebuilt architecture"))
    except RecursionError as error:
        raise ModelFormatError(f"{path}: the architecture is nested too deeply") from error
    if rebuilt != spec:
        raise ModelFormatError(
            f"{path}: rebuilding {spec.get('type')!r} from its config gives a different model "
            f"({json.dumps(rebuilt)} instead of {json.dumps(spec)})"
        )
    return model


def _build(path: PathLike, spec: Any, where: str) -> Module:
    """One module (and, for containers, its children) from its architecture entry."""
    if not (
        isinstance(spec, dict)
        and isinstance(spec.get("type"), str)
        and isinstance(spec.get("config"), dict)
        and isinstance(spec.get("children"), dict)
    ):
        raise ModelFormatError(f"{path}: {where} is not a {{type, config, children}} entry")
    name = spec["type"]
    cls = Module.registry.get(name)
    if cls is None:
        raise ModelFormatError(
            f"{path}: {where} has unknown layer type {name!r} "
            "(only scratchnn Module classes defined or imported before loading can be rebuilt)"
        )
    children = {}
    if cls.rebuild_children:
        children = {
            child: _build(path, child_spec, f"{where}.{child}")
            for child, child_spec in spec["children"].items()
        }
    try:
        return cls.from_config(spec["config"], children)
    except Exception as error:
        raise ModelFormatError(
            f"{path}: cannot rebuild {where} as {name} with config {spec['config']}: {error}"
        ) from error


def _adopt(path: PathLike, model: Module, arrays: dict[str, np.ndarray]) -> None:
    """Make the file's arrays (in their own dtype) the model's parameters and buffers."""
    parameters = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    wanted = {name: target.shape for name, target in [*parameters.items(), *buffers.items()]}
    missing = sorted(set(wanted) - set(arrays))
    unexpected = sorted(set(arrays) - set(wanted))
    if missing or unexpected:
        raise ModelFormatError(
            f"{path}: the tensors do not match the architecture: "
            f"missing {missing}, unexpected {unexpected}"
        )
    wrong = [
        f"{n} {arrays[n].shape} (model {s})" for n, s in wanted.items() if arrays[n].shape != s
    ]
    if wrong:
        raise ModelFormatError(f"{path}: tensors with wrong shapes: {', '.join(wrong)}")
    modules = dict(model.named_modules())
    for name, parameter in parameters.items():
        stored = np.empty_like(parameter.data, dtype=arrays[name].dtype)  # the layer's layout
        stored[...] = arrays[name]  # (a Linear weight stays column-major)
        parameter.data = stored
    for name in buffers:
        owner, _, attribute = name.rpartition(".")
        array = np.require(arrays[name], requirements=["C", "A", "W"])
        object.__setattr__(modules[owner], attribute, array)


def _join_state(
    path: PathLike, header: dict[str, str], arrays: dict[str, np.ndarray], prefix: str
) -> dict[str, Any]:
    """Put the optimizer's JSON state and its arrays back together."""
    rest = _json_field(path, header, "state")
    marker = f"{prefix}state."
    try:
        state = {int(index): dict(entries) for index, entries in rest["state"].items()}
        for name, array in arrays.items():
            if name.startswith(marker):
                index, _, key = name[len(marker) :].partition(".")
                state[int(index)][key] = np.require(array, requirements=["C", "A", "W"])
        return {"param_groups": list(rest["param_groups"]), "state": state}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ModelFormatError(f"{path}: malformed optimizer state ({error!r})") from error
