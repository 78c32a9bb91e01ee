"""Elementwise arithmetic and functions, with NumPy broadcasting."""

from __future__ import annotations

import numpy as np

from scratchnn.function import Function
from scratchnn.ops.broadcast import unbroadcast


class Add(Function):
    """y = a + b;  da = dy,  db = dy (each summed back to its shape)."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, grad):
        sa, sb = self.shapes
        na, nb = self.needs_input_grad
        return (unbroadcast(grad, sa) if na else None, unbroadcast(grad, sb) if nb else None)


class Sub(Function):
    """y = a - b;  da = dy,  db = -dy."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, grad):
        sa, sb = self.shapes
        na, nb = self.needs_input_grad
        return (unbroadcast(grad, sa) if na else None, unbroadcast(-grad, sb) if nb else None)


class Mul(Function):
    """y = a * b;  da = dy * b,  db = dy * a."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        na, nb = self.needs_input_grad
        da = unbroadcast(grad * self.b, self.a.shape) if na else None
        db = unbroadcast(grad * self.a, self.b.shape) if nb else None
        return da, db


class Div(Function):
    """y = a / b;  da = dy / b,  db = -dy * a / b^2."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        na, nb = self.needs_input_grad
        da = unbroadcast(grad / self.b, self.a.shape) if na else None
        db = unbroadcast(-grad * self.a / (self.b * self.b), self.b.shape) if nb else None
        return da, db


class PowScalar(Function):
    """y = x^p for a constant p;  dx = dy * p * x^(p-1)."""

    def forward(self, x, exponent):
        exponent = exponent.item() if isinstance(exponent, np.generic) else exponent
        self.x, self.p = x, exponent
        return x**exponent

    def backward(self, grad):
        p = self.p
        if p == 2:
            return (grad * (2 * self.x),)
        return (grad * (p * self.x ** (p - 1)),)


class Pow(Function):
    """y = a^b;  da = dy * b * a^(b-1),  db = dy * a^b * log(a)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a**b
        return self.y

    def backward(self, grad):
        na, nb = self.needs_input_grad
        a, b = self.a, self.b
        da = unbroadcast(grad * b * a ** (b - 1), a.shape) if na else None
        db = None
        if nb:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0)
            db = unbroadcast(grad * self.y * log_a, b.shape)
        return da, db


class Neg(Function):
    """y = -x;  dx = -dy."""

    def forward(self, x):
        return -x

    def backward(self, grad):
        return (-grad,)


class Exp(Function):
    """y = e^x;  dx = dy * y."""

    def forward(self, x):
        self.y = np.exp(x)
        return self.y

    def backward(self, grad):
        return (grad * self.y,)


class Log(Function):
    """y = ln x;  dx = dy / x."""

    def forward(self, x):
        self.x = x
        return np.log(x)

    def backward(self, grad):
        return (grad / self.x,)


class Sqrt(Function):
    """y = sqrt(x);  dx = dy / (2 y)."""

    def forward(self, x):
        self.y = np.sqrt(x)
        return self.y

    def backward(self, grad):
        return (grad / (2 * self.y),)


class Abs(Function):
    """y = |x|;  dx = dy * sign(x)  (0 at x = 0)."""

    def forward(self, x):
        self.x = x
        return np.abs(x)

    def backward(self, grad):
        return (grad * np.sign(self.x),)


class Clip(Function):
    """y = min(max(x, low), high);  dx = dy where low <= x <= high, else 0."""

    def forward(self, x, low=None, high=None):
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        self.inside = inside
        return np.clip(x, low, high)

    def backward(self, grad):
        return (grad * self.inside,)


class Where(Function):
    """y = a where cond else b;  da = dy * cond,  db = dy * (not cond)."""

    def forward(self, a, b, condition):
        self.condition = condition
        self.shapes = a.shape, b.shape
        return np.where(condition, a, b)

    def backward(self, grad):
        na, nb = self.needs_input_grad
        zero = np.zeros((), dtype=grad.dtype)
        da = unbroadcast(np.where(self.condition, grad, zero), self.shapes[0]) if na else None
        db = unbroadcast(np.where(self.condition, zero, grad), self.shapes[1]) if nb else None
        return da, db


class Maximum(Function):
    """y = max(a, b) elementwise;  the gradient goes to the larger (split evenly on ties)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, grad):
        na, nb = self.needs_input_grad
        share_a = ((self.a > self.b) + 0.5 * (self.a == self.b)).astype(grad.dtype)
        da = unbroadcast(grad * share_a, self.a.shape) if na else None
        db = unbroadcast(grad * (1 - share_a), self.b.shape) if nb else None
        return da, db
