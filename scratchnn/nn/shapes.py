"""Shape patterns: what a model can know about tensor shapes before any data flows through it.

A pattern is a tuple of sizes (an int, or None where unknown), batch axis included, that may
start with `...` for "any number of leading axes": `(..., 128)` is what `Linear(784, 128)` makes
of an input it knows nothing about. None in place of the whole pattern means nothing is known.
Layers describe themselves through `Module.output_shape(pattern)`, which Sequential chains to
find mismatched layers when the model is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scratchnn.errors import ShapeError

if TYPE_CHECKING:
    from scratchnn.nn.module import Module

ShapePattern = tuple | None


class SizeMismatch(ShapeError):
    """A layer needs `wanted` along one axis (`what`: "input features", ...) but gets `got`."""

    def __init__(self, layer: Module, what: str, wanted: int, got: int) -> None:
        super().__init__(f"{describe(layer)} expects {wanted} {what} but gets {got}")
        self.what, self.wanted, self.got = what, wanted, got


def size_at(shape: ShapePattern, axis: int) -> int | None:
    """The size along axis when the pattern pins it down, else None."""
    if shape is None:
        return None
    open_front = len(shape) > 0 and shape[0] is Ellipsis
    known = shape[1:] if open_front else shape
    if axis < 0 and -axis <= len(known):
        return known[axis]
    if axis >= 0 and not open_front and axis < len(known):
        return known[axis]
    return None


def with_last(shape: ShapePattern, size: int) -> tuple:
    """The pattern with its last axis replaced by size (`(..., size)` when nothing is known)."""
    if shape is None or len(shape) == 0 or shape == (Ellipsis,):
        return (..., size)
    return (*shape[:-1], size)


def format_shape(shape: ShapePattern) -> str:
    """`(..., 128)`, `(?, 10)`; unknown sizes print as ?, an unknown shape as (?)."""
    if shape is None:
        return "(?)"
    parts = ["..." if s is Ellipsis else "?" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def describe(module: Module) -> str:
    """A one-line name for messages: the repr of a leaf layer, `Type(...)` for a container."""
    if module._modules:
        return f"{type(module).__name__}(...)"
    return repr(module)
