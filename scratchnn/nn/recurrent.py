"""Recurrent layers RNN, LSTM and GRU with PyTorch's arguments, parameter names and layouts.

Parameters per layer k (suffix `_reverse` for the backward direction of a bidirectional layer):
weight_ih_l{k} (gates * hidden, input), weight_hh_l{k} (gates * hidden, hidden), bias_ih_l{k},
bias_hh_l{k} (gates * hidden,), gates 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n); all start
U(-1/sqrt(hidden), 1/sqrt(hidden)). Input (T, N, input) or (N, T, input) with batch_first, or
(T, input) unbatched; states (num_layers * directions, N, hidden).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from scratchnn.backend import get_default_dtype
from scratchnn.creation import concatenate, stack
from scratchnn.errors import ShapeError
from scratchnn.nn import init
from scratchnn.nn.dropout2d import dropout_mask
from scratchnn.nn.module import Module, Parameter
from scratchnn.ops import recurrent
from scratchnn.tensor import Tensor


class _RNNBase(Module):
    """Shared code: parameters, shape checks, layers and directions, batch_first."""

    gates: ClassVar[int]
    states: ClassVar[int] = 1  # LSTM carries (h, c)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
    ) -> None:
        super().__init__()
        if hidden_size < 1 or num_layers < 1 or input_size < 1:
            raise ValueError("input_size, hidden_size and num_layers must be positive")
        if isinstance(dropout, bool) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1], got {dropout}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias, self.batch_first = (
            int(num_layers),
            bool(bias),
            bool(batch_first),
        )
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        directions = 2 if bidirectional else 1
        rows = self.gates * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                names = self._names(layer, suffix)
                shapes = [(rows, width), (rows, hidden_size), (rows,), (rows,)]
                for name, shape in zip(names, shapes[: len(names)]):
                    setattr(self, name, Parameter(np.empty(shape, dtype), dtype=dtype))
        self.reset_parameters()

    def _names(self, layer: int, suffix: str) -> list[str]:
        names = [f"weight_ih_l{layer}", f"weight_hh_l{layer}"]
        if self.bias:
            names += [f"bias_ih_l{layer}", f"bias_hh_l{layer}"]
        return [name + suffix for name in names]

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1 / math.sqrt(self.hidden_size)
        for parameter in self.parameters():
            init.uniform_(parameter, -bound, bound)

    def _run(self, x: Tensor, state: tuple[Tensor, ...], params: list[Tensor]) -> tuple:
        """One direction of one layer on time-major x: (output, final states)."""
        raise NotImplementedError

    def forward(self, x: Tensor, hx=None):
        directions = 2 if self.bidirectional else 1
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            layout = "(N, T, {0})" if self.batch_first else "(T, N, {0})"
            raise ShapeError(
                f"{self!r} expects input of shape {layout.format(self.input_size)} or "
                f"(T, {self.input_size}) but got shape {tuple(x.shape)}"
            )
        batched = x.ndim == 3
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        states = self._initial_states(hx, x, batched, directions)
        finals: list[list[Tensor]] = [[] for _ in range(self.states)]
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                x = x * dropout_mask(x.shape, self.dropout, x.dtype)
            outputs = []
            for direction, suffix in enumerate(("", "_reverse")[:directions]):
                index = layer * directions + direction
                params = [getattr(self, name) for name in self._names(layer, suffix)]
                source = x if direction == 0 else x[::-1]
                output, final = self._run(source, tuple(s[index] for s in states), params)
                outputs.append(output if direction == 0 else output[::-1])
                for kept, value in zip(finals, final):
                    kept.append(value)
            x = outputs[0] if directions == 1 else concatenate(outputs, axis=-1)
        finals_t = [stack(kept) for kept in finals]
        if not batched:
            x, finals_t = x.squeeze(1), [f.squeeze(1) for f in finals_t]
        elif self.batch_first:
            x = x.transpose(0, 1)
        return x, (finals_t[0] if self.states == 1 else tuple(finals_t))

    def _initial_states(self, hx, x: Tensor, batched: bool, directions: int) -> list[Tensor]:
        """The given initial states as (layers * directions, N, hidden) Tensors, or zeros."""
        shape = (self.num_layers * directions, x.shape[1], self.hidden_size)
        if hx is None:
            zeros = Tensor(np.zeros(shape, dtype=x.dtype), dtype=x.dtype)
            return [zeros] * self.states
        given = list(hx) if self.states > 1 else [hx]
        if len(given) != self.states or not all(isinstance(h, Tensor) for h in given):
            raise TypeError(f"{self!r} expects hx as {'(h0, c0)' if self.states > 1 else 'h0'}")
        wanted = shape if batched else (shape[0], shape[2])
        for h in given:
            if tuple(h.shape) != wanted:
                raise ShapeError(
                    f"{self!r} expects initial states of shape {wanted} but got shape "
                    f"{tuple(h.shape)}"
                )
        return given if batched else [h.unsqueeze(1) for h in given]

    def config(self) -> dict[str, Any]:
        return {
            "input_size": self.input_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bias": self.bias,
            "batch_first": self.batch_first,
            "dropout": self.dropout,
            "bidirectional": self.bidirectional,
        }

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0}
        defaults |= {"bidirectional": False, "nonlinearity": "tanh"}
        for key, value in self.config().items():
            if key in defaults and value != defaults[key]:
                text += f", {key}={value!r}" if isinstance(value, str) else f", {key}={value}"
        return text


class RNN(_RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).

    forward(x, hx=None) returns (output, h_n): output holds the last layer's h_t for every step
    (both directions concatenated), h_n every layer's final state.
    """

    gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype
        )
        self.nonlinearity = nonlinearity

    def _run(self, x, state, params):
        output = recurrent.RNNLayer.apply(x, state[0], *params, nonlinearity=self.nonlinearity)
        return output, (output[-1],)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "nonlinearity": self.nonlinearity}


class LSTM(_RNNBase):
    """Long short-term memory: gates i, f, o = sigmoid(.), g = tanh(.) of
    x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh;  c_t = f c_{t-1} + i g,  h_t = o tanh(c_t).

    forward(x, hx=None) with hx = (h0, c0) returns (output, (h_n, c_n)).
    """

    gates = 4
    states = 2

    def _run(self, x, state, params):
        packed = recurrent.LSTMLayer.apply(x, *state, *params)  # h_1..h_T, then c_T
        steps = len(x)
        return packed[:steps], (packed[steps - 1], packed[steps])


class GRU(_RNNBase):
    """Gated recurrent unit: r, z = sigmoid(.), n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),
    h_t = (1 - z) n + z h_{t-1}.  forward(x, hx=None) returns (output, h_n)."""

    gates = 3

    def _run(self, x, state, params):
        output = recurrent.GRULayer.apply(x, state[0], *params)
        return output, (output[-1],)
