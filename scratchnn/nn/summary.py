"""model.summary(input_shape): a table of layers, their output shapes and parameter counts."""

from __future__ import annotations

import numpy as np

from scratchnn.backend import get_default_dtype
from scratchnn.grad_mode import enable_grad
from scratchnn.nn.module import Module
from scratchnn.tensor import Tensor


def summary(model: Module, input_shape: tuple[int, ...], dtype=None) -> str:
    """The summary table for one sample of shape input_shape (no batch axis).

    Output shapes come from a dry run on one sample of zeros, in eval mode and without a
    graph; every module's training flag is restored afterwards. The batch axis prints as N.
    """
    input_shape = tuple(int(n) for n in input_shape)
    shapes = _dry_run(model, input_shape, dtype)
    rows = []
    for name, module in model.named_modules():
        own = sum(p.data.size for p in module._parameters.values() if p is not None)
        if name == "" and module._modules and not own:
            continue
        depth = name.count(".") + 1 if name else 0
        label = f"{'  ' * max(depth - 1, 0)}{name or 'model'} ({type(module).__name__})"
        rows.append((label, shapes.get(id(module), "--"), f"{own:,}"))
    total = model.num_parameters()
    trainable = sum(p.data.size for p in model.parameters() if p.requires_grad)
    return _table(type(model).__name__, input_shape, rows, total, trainable)


def _dry_run(model: Module, input_shape: tuple[int, ...], dtype) -> dict[int, str]:
    """Run one zero sample through the model; the output shape of every module by id."""
    if dtype is None:
        first = next(model.parameters(), None)
        dtype = get_default_dtype() if first is None else first.dtype
    modes = [(module, module.training) for module in model.modules()]
    shapes: dict[int, str] = {}
    patched = []
    for module in model.modules():
        if "forward" not in module.__dict__:
            object.__setattr__(module, "forward", _recording(module, shapes))
            patched.append(module)
    model.eval()
    try:
        with enable_grad():  # no_grad would let Sequential skip forward (in place, fused)
            model(Tensor(np.zeros((1, *input_shape), dtype=dtype)))
    finally:
        for module in patched:
            object.__delattr__(module, "forward")
        for module, mode in modes:
            object.__setattr__(module, "training", mode)
    return shapes


def _recording(module: Module, shapes: dict[int, str]):
    """module.forward wrapped to note the shape of what it returns."""
    forward = module.forward

    def record(*args, **kwargs):
        out = forward(*args, **kwargs)
        shapes[id(module)] = _format(out)
        return out

    return record


def _format(out) -> str:
    """(N, 128) for a batch of 128-vectors; tuples of outputs joined by commas."""
    if isinstance(out, (tuple, list)):
        return ", ".join(_format(part) for part in out)
    shape = getattr(out, "shape", None)
    if shape is None:
        return "?"
    if len(shape) == 0:
        return "()"
    return "(" + ", ".join(["N", *(str(n) for n in shape[1:])]) + ")"


def _table(
    title: str, input_shape: tuple[int, ...], rows: list[tuple[str, str, str]], total, trainable
) -> str:
    header = ("Layer (type)", "Output shape", "Param #")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]

    def line(cells) -> str:
        return f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]:>{widths[2]}}"

    rule = "=" * (sum(widths) + 4)
    sample = ", ".join(["N", *(str(n) for n in input_shape)])
    return "\n".join(
        [
            f"{title} summary, input shape ({sample})",
            rule,
            line(header),
            rule,
            *(line(row) for row in rows),
            rule,
            f"Total params: {total:,}",
            f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}",
        ]
    )
