"""Module and Parameter: layers own parameters and sub-layers; state_dict moves weights."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np

from scratchnn.nn.shapes import ShapePattern
from scratchnn.tensor import Tensor


class Parameter(Tensor):
    """A tensor a Module learns: requires grad by default and is listed by parameters()."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, dtype=None) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base of every layer: call it like a function; it tracks parameters and child modules.

    Subclasses set parameters and sub-modules as attributes in __init__ and define forward().
    `config()` returns the constructor arguments, so save/load can rebuild the layer by name.
    `output_shape()` (or `shape_preserving = True`) lets Sequential check shapes when it is built.
    """

    registry: dict[str, type[Module]] = {}
    #: True for layers whose output has their input's shape (activations, dropout).
    shape_preserving: ClassVar[bool] = False
    #: True for layers whose forward returns a tensor over an array made for it, which nothing
    #: else holds (Linear, convolutions, ReLU): under no_grad, Sequential lets the next layer
    #: overwrite it (forward_in_place).
    returns_new_array: ClassVar[bool] = False
    #: True for containers: their children are saved with the model and given back to
    #: `from_config` on load, instead of being built by the constructor.
    rebuild_children: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        Module.registry[cls.type_name()] = cls

    @classmethod
    def type_name(cls) -> str:
        """The name saved files use: bare for scratchnn's layers, module-qualified for others."""
        if cls.__module__.startswith("scratchnn."):
            return cls.__name__
        return f"{cls.__module__}.{cls.__qualname__}"

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"call Module.__init__() in {type(self).__name__}.__init__ first")
        keep_buffer = name in self._buffers and not isinstance(value, (Parameter, Module))
        for table in (self._parameters, self._modules, self._buffers):
            table.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif keep_buffer:
            self._buffers[name] = True
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._modules, self._buffers):
            table.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: np.ndarray | None) -> None:
        """Keep a non-learned array (running statistics) that state_dict saves and loads."""
        object.__setattr__(self, name, array)
        self._buffers[name] = True

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def forward_in_place(self, input: Tensor) -> Tensor | None:
        """forward written over input's own array, for layers that can (ReLU), else None.
        Sequential calls it under no_grad on arrays that nothing else holds."""
        return None

    def forward_with_next(self, input: Tensor, following: Module) -> Tensor | None:
        """forward and then `following`'s forward in one go, for layers that can (Linear
        before ReLU), else None. Sequential calls it under no_grad."""
        return None

    def __call__(self, *inputs, **kwargs):
        return self.forward(*inputs, **kwargs)

    # ----- traversal --------------------------------------------------------------------
    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        yield from self._modules.values()

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, with dotted names."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name, each once."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, parameter in module._parameters.items():
                if parameter is not None and id(parameter) not in seen:
                    seen.add(id(parameter))
                    yield (f"{module_name}.{name}" if module_name else name), parameter

    def parameters(self) -> Iterator[Parameter]:
        for _, parameter in self.named_parameters():
            yield parameter

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        for module_name, module in self.named_modules():
            for name in module._buffers:
                value = getattr(module, name)
                if value is not None:
                    yield (f"{module_name}.{name}" if module_name else name), value

    def num_parameters(self) -> int:
        """How many numbers the module learns."""
        return sum(p.data.size for p in self.parameters())

    # ----- modes and gradients ----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch statistics used); returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (dropout off, running statistics used); returns self."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget the gradients of every parameter."""
        for parameter in self.parameters():
            parameter.grad = None

    # ----- weights in and out -----------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and buffer by dotted name (arrays shared, not copied)."""
        state = {name: p.data for name, p in self.named_parameters()}
        state.update(self.named_buffers())
        return state

    def load_state_dict(self, state: dict[str, np.ndarray], strict: bool = True) -> None:
        """Copy arrays into the parameters and buffers of the same names; shapes must match."""
        from scratchnn.errors import ShapeError

        own = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        missing = [name for name in [*own, *buffers] if name not in state]
        unexpected = [name for name in state if name not in own and name not in buffers]
        if strict and (missing or unexpected):
            raise KeyError(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
        for name, value in state.items():
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            target = own[name].data if name in own else buffers.get(name)
            if target is None:
                continue
            if target.shape != array.shape:
                raise ShapeError(f"{name}: model has shape {target.shape}, state has {array.shape}")
            target[...] = array

    # ----- shapes -----------------------------------------------------------------------
    def output_shape(self, input_shape: ShapePattern) -> ShapePattern:
        """The shape pattern (see scratchnn.nn.shapes) this layer makes of input_shape.

        Raise ShapeError (SizeMismatch for one wrong size) when the input cannot fit. The
        default knows its input's shape for shape-preserving layers and nothing otherwise
        (None), so unknown layers never block a model; checking resumes after them.
        """
        return input_shape if self.shape_preserving else None

    def summary(
        self,
        input_shape: tuple[int, ...],
        dtype=None,
        print_fn: Callable[[str], Any] | None = print,
    ) -> str:
        """Print and return a table of layers, output shapes and parameter counts.

        `input_shape` is the shape of ONE sample, without the batch axis (e.g. `(784,)` or
        `(1, 28, 28)`); a dry run on a batch of zeros in eval mode finds the shapes. `print_fn`
        receives the text (e.g. a logger's info); None only returns it.
        """
        from scratchnn.nn.summary import summary

        text = summary(self, input_shape, dtype=dtype)
        if print_fn is not None:
            print_fn(text)
        return text

    # ----- description ------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this module (JSON-serialisable)."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any], children: dict[str, Module]) -> Module:
        """Rebuild a module from config(); containers (rebuild_children) also adopt children."""
        return cls(**config)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.config().items())

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if not self._modules:
            return lines[0] + ")"
        for name, child in self._modules.items():
            child_text = repr(child).replace("\n", "\n  ")
            count = child.num_parameters()
            suffix = f"  # {count:,} params" if count else ""
            lines.append(f"  ({name}): {child_text}{suffix}")
        return "\n".join(lines) + "\n)"
