"""Optimizer: parameter groups, per-parameter state, zero_grad, step and state_dict (PyTorch's API).

Subclasses implement `_step_group(group)`, which updates the `.data` arrays of the group's
parameters in place from their `.grad` arrays; nothing here builds a graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from scratchnn.grad_mode import enable_grad
from scratchnn.optim.flat import FlatGroup
from scratchnn.optim.subnormal import FLUSH_EVERY, flush_subnormals
from scratchnn.tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base of every optimizer.

    `param_groups` is a list of dicts, each with "params" (a list of parameters) and the
    hyperparameters for them ("lr", ...), so a scheduler can change `group["lr"]`.
    `state[p]` holds what the update rule remembers for parameter p (moments, step count).
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._work: dict[Tensor, tuple[np.ndarray, np.ndarray]] = {}
        self._flat: dict[int, FlatGroup | None] = {}
        groups = _as_list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters; hyperparameters it does not name take the defaults."""
        params = _as_list(param_group["params"])
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, got {type(p).__name__}")
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {"params": params, **{k: v for k, v in param_group.items() if k != "params"}}
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set them to None (default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.fill(0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns closure() when one is given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
            self._flush_decaying_state(group)
        return loss

    def _flush_decaying_state(self, group: dict[str, Any]) -> None:
        """Zero the group's state values on their way to subnormal numbers (optim/subnormal.py)
        every `_flush_every(group)` steps (the state arrays of a flat group, optim/flat.py, are
        disjoint views of its flat arrays, so each value is flushed once)."""
        every, states = self._flush_every(group), self.state
        for p in group["params"]:
            state = states.get(p)
            if state is not None and not state.get("step", 0) % every:
                for value in state.values():
                    if isinstance(value, np.ndarray):
                        flush_subnormals(value)

    def _flush_every(self, group: dict[str, Any]) -> int:
        """Steps between flushes of the group's state (for state that counts steps)."""
        return FLUSH_EVERY

    def _step_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no update rule")

    def _scratch(self, p: Tensor) -> tuple[np.ndarray, np.ndarray]:
        """Two work arrays shaped like p, reused at every step (never part of the state)."""
        work = self._work.get(p)
        if work is None:
            work = self._work[p] = (np.empty_like(p.data), np.empty_like(p.data))
        return work

    def _flat_group(self, group: dict[str, Any]) -> FlatGroup | None:
        """The group's parameters in flat storage (made at the first call), when this step can
        update them all at once: every parameter has its gradient in the flat buffer."""
        key = id(group)
        if key not in self._flat:
            self._flat[key] = FlatGroup.of(group["params"])
        flat = self._flat[key]
        return flat if flat is not None and flat.holds_gradients() else None

    # ----- saving and resuming ----------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A snapshot: {"param_groups": [hyperparameters + "params": [indices]], "state": {index:
        {name: array | int | float}}}; parameters are numbered in group order, arrays copied."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            saved = {k: _saved(v) for k, v in group.items() if k != "params"}
            saved["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(saved)
        state = {
            index[id(p)]: {k: _saved(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"param_groups": groups, "state": state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from state_dict(): hyperparameters and copies of the state arrays (cast to each
        parameter's dtype). Accepts lists for tuples and string indices, as after JSON."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"state_dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        by_index: dict[int, Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"parameter group {i} has {len(group['params'])} parameters, "
                    f"the state_dict's has {len(saved['params'])}"
                )
            by_index.update(zip((int(k) for k in saved["params"]), group["params"]))
        for group, saved in zip(self.param_groups, saved_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = tuple(value) if isinstance(group.get(name), tuple) else value
        state = {}
        for key, values in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is not None:
                loaded = {name: _loaded(name, value, p, key) for name, value in values.items()}
                state[p] = self._loaded_state(p, loaded)
        self.state = state

    def _loaded_state(self, p: Tensor, state: dict[str, Any]) -> dict[str, Any]:
        """One parameter's loaded state, in the form the update rule keeps (after the group's
        hyperparameters are loaded); a subclass converts entries saved in another form."""
        return state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _as_list(params: Any) -> list:
    """One tensor or an ordered iterable of them (or of group dicts) as a list."""
    if isinstance(params, Tensor):
        return [params]
    if isinstance(params, set):
        raise TypeError("optimizer parameters must be an ordered collection, not a set")
    return list(params)


def _saved(value: Any) -> Any:
    """A value for state_dict: arrays copied, NumPy scalars (also in tuples) as Python numbers."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return type(value)(_saved(v) for v in value)
    return value


def _loaded(name: str, value: Any, p: Tensor, key: Any) -> Any:
    """One saved state entry, ready for parameter p: the step count as a Python int, arrays as
    private copies shaped and typed like p (floating ones), anything else as a Python value."""
    if name == "step":
        return int(value)
    if not isinstance(value, np.ndarray):
        return _saved(value)
    if value.shape != p.data.shape:
        raise ValueError(
            f"state {name!r} of parameter {key} has shape {value.shape}, "
            f"the parameter has {p.data.shape}"
        )
    dtype = p.data.dtype if value.dtype.kind == "f" else value.dtype
    return np.array(value, dtype=dtype, copy=True)


def signed_grad(
    param: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool, out: np.ndarray
) -> np.ndarray:
    """g = (-grad if maximize else grad) + weight_decay * param (the L2 penalty's gradient).

    Returns grad itself when nothing changes it, else the result written into `out`.
    """
    if weight_decay == 0:
        return np.negative(grad, out=out) if maximize else grad
    np.multiply(param, weight_decay, out=out)
    if maximize:
        out -= grad
    else:
        out += grad
    return out


def require_non_negative(**hyperparameters: float) -> None:
    """Raise ValueError naming the first hyperparameter that is negative (or NaN)."""
    for name, value in hyperparameters.items():
        if not value >= 0.0:
            raise ValueError(f"Invalid {name} value: {value}")
