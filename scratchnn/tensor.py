"""Tensor: an ndarray that remembers the operation that made it, so backward() can fill .grad."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scratchnn.backend import as_array

Axis = int | Sequence[int] | None


class Tensor:
    """A NumPy array with an optional gradient and a link to the op that produced it."""

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_grad_buffer", "__weakref__")
    __array_priority__ = 1000  # numpy scalars and arrays defer to Tensor's operators

    def __init__(self, data, requires_grad: bool = False, dtype=None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating tensors can require gradients, got {self.data.dtype}")
        self.requires_grad = requires_grad
        self.grad: np.ndarray | None = None
        self._ctx = None
        self._grad_buffer: np.ndarray | None = None  # where a new .grad goes (optim/flat.py)

    @classmethod
    def _from_op(cls, data: np.ndarray, ctx) -> Tensor:
        """Wrap an op's output array without copying; ctx is None when no graph is recorded."""
        out = cls.__new__(cls)
        out.data = data
        out.grad = None
        out._ctx = ctx
        out._grad_buffer = None
        out.requires_grad = ctx is not None
        return out

    # ----- basic properties -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __format__(self, spec: str) -> str:
        return format(self.item(), spec) if spec and self.data.size == 1 else repr(self)

    def tolist(self) -> list:
        return self.data.tolist()

    def detach(self) -> Tensor:
        """The same data, cut off from the graph."""
        return Tensor._from_op(self.data, None)

    def astype(self, dtype) -> Tensor:
        """A copy in another dtype (differentiable for floating dtypes)."""
        return shape_ops.Cast.apply(self, dtype=np.dtype(dtype))

    def requires_grad_(self, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        return f"tensor({body}, dtype={self.dtype}{grad})"

    __hash__ = object.__hash__  # by identity (== is elementwise); C-level, as dict keys need

    def __bool__(self) -> bool:
        return bool(self.data)

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    # ----- backward ---------------------------------------------------------------------
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Fill .grad of every leaf that requires it with d(self)/d(leaf), summed over uses."""
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element tensor, got {self.shape}"
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"gradient shape {grad.shape} does not match tensor {self.shape}")
        root = self._ctx
        if root is None:
            self._accumulate(grad)
            return
        grads = {root: grad}
        for ctx in reversed(_graph_order(root)):
            if not hasattr(ctx, "inputs"):
                raise RuntimeError(
                    "backward through a graph that was already freed; "
                    "pass retain_graph=True to the first backward()"
                )
            input_grads = ctx.backward(grads.pop(ctx))
            for tensor, input_grad in zip(ctx.inputs, input_grads):
                if input_grad is None:
                    continue
                parent = tensor._ctx
                if parent is None:
                    if tensor.requires_grad:
                        tensor._accumulate(input_grad)
                    continue
                previous = grads.get(parent)
                grads[parent] = input_grad if previous is None else previous + input_grad
            if not retain_graph:
                ctx.release()

    def _accumulate(self, g: np.ndarray | None) -> None:
        """Add g into .grad; a first gradient is copied, into the gradient buffer if there is one
        (an optimizer's flat storage, see optim/flat.py), else into a new array of our dtype."""
        if g is None:
            return
        # the op wrote it into the buffer (Function.gradient_buffer checked shape and dtype)
        if self.grad is None and g is self._grad_buffer:
            self.grad = g
            return
        if g.shape != self.data.shape:
            g = np.broadcast_to(g, self.data.shape)
        if self.grad is not None:
            self.grad += g
            return
        buffer = self._unused_grad_buffer()
        if buffer is None:
            self.grad = np.array(g, dtype=self.data.dtype, copy=True)
            return
        np.copyto(buffer, g)
        self.grad = buffer

    def _unused_grad_buffer(self) -> np.ndarray | None:
        """The gradient buffer when this step's gradient can go there: no .grad yet, and the
        buffer has the shape and dtype of .data; else None."""
        buffer = self._grad_buffer
        if self.grad is not None or buffer is None:
            return None
        if buffer.shape != self.data.shape or buffer.dtype != self.data.dtype:
            return None
        return buffer

    # ----- arithmetic -------------------------------------------------------------------
    def __add__(self, other) -> Tensor:
        return ew.Add.apply(self, _lift(other, self))

    def __radd__(self, other) -> Tensor:
        return ew.Add.apply(_lift(other, self), self)

    def __sub__(self, other) -> Tensor:
        return ew.Sub.apply(self, _lift(other, self))

    def __rsub__(self, other) -> Tensor:
        return ew.Sub.apply(_lift(other, self), self)

    def __mul__(self, other) -> Tensor:
        return ew.Mul.apply(self, _lift(other, self))

    def __rmul__(self, other) -> Tensor:
        return ew.Mul.apply(_lift(other, self), self)

    def __truediv__(self, other) -> Tensor:
        return ew.Div.apply(self, _lift(other, self))

    def __rtruediv__(self, other) -> Tensor:
        return ew.Div.apply(_lift(other, self), self)

    def __pow__(self, exponent) -> Tensor:
        if isinstance(exponent, Tensor):
            return ew.Pow.apply(self, exponent)
        return ew.PowScalar.apply(self, exponent=exponent)

    def __rpow__(self, base) -> Tensor:
        return ew.Pow.apply(_lift(base, self), self)

    def __neg__(self) -> Tensor:
        return ew.Neg.apply(self)

    def __matmul__(self, other) -> Tensor:
        return linalg.MatMul.apply(self, _lift(other, self))

    def __rmatmul__(self, other) -> Tensor:
        return linalg.MatMul.apply(_lift(other, self), self)

    # comparisons give boolean tensors and are not differentiable
    def __lt__(self, other) -> Tensor:
        return Tensor(self.data < _raw(other))

    def __le__(self, other) -> Tensor:
        return Tensor(self.data <= _raw(other))

    def __gt__(self, other) -> Tensor:
        return Tensor(self.data > _raw(other))

    def __ge__(self, other) -> Tensor:
        return Tensor(self.data >= _raw(other))

    def __eq__(self, other) -> Tensor:  # type: ignore[override]
        return Tensor(self.data == _raw(other))

    def __ne__(self, other) -> Tensor:  # type: ignore[override]
        return Tensor(self.data != _raw(other))

    # ----- elementwise functions --------------------------------------------------------
    def exp(self) -> Tensor:
        return ew.Exp.apply(self)

    def log(self) -> Tensor:
        return ew.Log.apply(self)

    def sqrt(self) -> Tensor:
        return ew.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return ew.Abs.apply(self)

    def clip(self, min=None, max=None) -> Tensor:  # noqa: A002
        return ew.Clip.apply(self, low=min, high=max)

    clamp = clip

    # ----- reductions -------------------------------------------------------------------
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Min.apply(self, axis=axis, keepdims=keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        return reduce.Var.apply(self, axis=axis, keepdims=keepdims, correction=correction)

    def argmax(self, axis: int | None = None) -> Tensor:
        return Tensor(self.data.argmax(axis=axis))

    def argmin(self, axis: int | None = None) -> Tensor:
        return Tensor(self.data.argmin(axis=axis))

    # ----- shape ------------------------------------------------------------------------
    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return shape_ops.Reshape.apply(self, shape=shape)

    view = reshape

    def transpose(self, *axes) -> Tensor:
        """Reverse the axes, swap two (`transpose(0, 1)`) or permute them all."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2:
            order = list(range(self.ndim))
            a, b = (axis % self.ndim for axis in axes)
            order[a], order[b] = order[b], order[a]
            axes = tuple(order)
        elif not axes:
            axes = tuple(reversed(range(self.ndim)))
        return shape_ops.Permute.apply(self, axes=axes)

    def permute(self, *axes) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return shape_ops.Permute.apply(self, axes=axes)

    @property
    def T(self) -> Tensor:
        return shape_ops.Permute.apply(self, axes=tuple(reversed(range(self.ndim))))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        shape = self.shape
        start, end = start_dim % max(self.ndim, 1), end_dim % max(self.ndim, 1)
        middle = int(np.prod(shape[start : end + 1], dtype=np.int64))
        return self.reshape(shape[:start] + (middle,) + shape[end + 1 :])

    def squeeze(self, axis: int | None = None) -> Tensor:
        if axis is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            axis %= self.ndim
            keep = self.shape[axis] != 1
            shape = self.shape if keep else self.shape[:axis] + self.shape[axis + 1 :]
        return self.reshape(shape)

    def unsqueeze(self, axis: int) -> Tensor:
        axis = axis % (self.ndim + 1)
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def __getitem__(self, index) -> Tensor:
        return shape_ops.GetItem.apply(self, index=_raw_index(index))


def _raw(value):
    """The array inside a Tensor, or the value itself."""
    return value.data if isinstance(value, Tensor) else value


def _raw_index(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, tuple):
        return tuple(_raw(part) for part in index)
    return _raw(index)


def _lift(value, like: Tensor) -> Tensor:
    """A Tensor for value: Tensors pass through; numbers and arrays take like's float dtype."""
    if isinstance(value, Tensor):
        return value
    return Tensor._from_op(np.asarray(value, dtype=like.data.dtype), None)


def _graph_order(root) -> list:
    """The ops that root's op depends on, each after the ops feeding it (iterative DFS)."""
    order: list = []
    seen: set = set()
    stack = [(root, False)]
    while stack:
        ctx, expanded = stack.pop()
        if expanded:
            order.append(ctx)
            continue
        if ctx in seen:
            continue
        seen.add(ctx)
        stack.append((ctx, True))
        for tensor in getattr(ctx, "inputs", ()):
            parent = tensor._ctx
            if parent is not None and parent not in seen:
                stack.append((parent, False))
    return order


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Make a Tensor (PyTorch's spelling)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


from scratchnn.ops import elementwise as ew  # noqa: E402
from scratchnn.ops import linalg, reduce  # noqa: E402
from scratchnn.ops import shape as shape_ops  # noqa: E402
