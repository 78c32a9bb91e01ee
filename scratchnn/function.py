"""Function: one differentiable operation, forward on arrays and backward from the output gradient.

A subclass implements `forward(self, *arrays, **options) -> array`, saving on `self` what
backward needs, and `backward(self, grad) -> tuple` with one gradient (or None) per input.
`self.needs_input_grad[i]` tells backward which input gradients are wanted at all.
"""

from __future__ import annotations

from scratchnn import grad_mode


class Function:
    """Base of every op; `Op.apply(*tensors, **options)` runs it and records it in the graph."""

    inputs: tuple
    needs_input_grad: tuple

    @classmethod
    def apply(cls, *tensors, **options):
        """Run forward on the arrays; link the result to its inputs when grads are wanted."""
        ctx = cls()
        if grad_mode.state.enabled:
            needs = tuple([t.requires_grad for t in tensors])  # from a list: faster than a genexpr
            record = True in needs
        else:
            record = False
        if record:
            ctx.needs_input_grad = needs
            ctx.inputs = tensors
            out = ctx.forward(*[t.data for t in tensors], **options)
            return Tensor._from_op(out, ctx)
        ctx.needs_input_grad = (False,) * len(tensors)
        return Tensor._from_op(ctx.forward(*[t.data for t in tensors], **options), None)

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def gradient_buffer(self, i: int):
        """Where backward may write input i's gradient instead of a new array: the input's
        gradient buffer (optim/flat.py) when it is a leaf with no gradient yet, else None.
        Backward then returns that very buffer as input i's gradient."""
        tensor = self.inputs[i]
        return tensor._unused_grad_buffer() if tensor._ctx is None else None

    def release(self) -> None:
        """Drop inputs and saved arrays once backward has used them."""
        self.__dict__.clear()


from scratchnn.tensor import Tensor  # noqa: E402  (Tensor imports ops, which import Function)
