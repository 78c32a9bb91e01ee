"""Activation functions: sigmoid, tanh, ReLU family, GELU, softplus, softmax and log-softmax.

Where the derivative is a function of the output (sigmoid, tanh, ReLU), backward reads the saved
output instead of the input, which costs fewer array passes.
"""

from __future__ import annotations

import numpy as np

from scratchnn.compiled import compiled_loop
from scratchnn.function import Function
from scratchnn.ops.constants import ones, zeros_for

_SQRT_HALF = 0.7071067811865476  # 1 / sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi)
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)
_GELU_CUBIC = 0.044715

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
# coefficients as in netlib specfun/erf (CALERF), highest power first.
# erf(z) = z * N(z^2) / D(z^2) for |z| <= 0.46875:
_NEAR_NUM = (
    1.85777706184603153e-1,
    3.16112374387056560e00,
    1.13864154151050156e02,
    3.77485237685302021e02,
    3.20937758913846947e03,
)
_NEAR_DEN = (
    1.0,
    2.36012909523441209e01,
    2.44024637934444173e02,
    1.28261652607737228e03,
    2.84423683343917062e03,
)
# erfc(a) = exp(-a^2) * N(a) / D(a) for a >= 0.46875. Cody fits it on [0.46875, 4]; beyond 4 it
# still has an absolute error below 1e-22 (relative below 1e-10 up to a = 8), so it serves all
# a > 0.46875 and no third range (and no per-element branching) is needed.
_MID_NUM = (
    2.15311535474403846e-8,
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
)
_MID_DEN = (
    1.0,
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
_NEAR = 0.46875
_FAR = 40.0  # erfc(a) and exp(-a^2) are 0 in float64 beyond a = 27; |z| is clamped here


def _rational(numerator: tuple, denominator: tuple, t: np.ndarray) -> np.ndarray:
    """N(t) / D(t) by Horner's rule, coefficients highest power first."""
    results = []
    for coefficients in (numerator, denominator):
        value = coefficients[0] * t + coefficients[1]
        for c in coefficients[2:]:
            value *= t
            value += c
        results.append(value)
    return results[0] / results[1]


def _erf_near_zero(z: np.ndarray) -> np.ndarray:
    """erf(z), exact to rounding where |z| <= 0.46875 (finite, and unused, elsewhere)."""
    z = np.clip(z, -_NEAR, _NEAR)
    return z * _rational(_NEAR_NUM, _NEAR_DEN, z * z)


def _erfc_away_from_zero(a: np.ndarray, exp_minus_a2: np.ndarray) -> np.ndarray:
    """erfc(a) given exp(-a^2), exact to rounding where 0.46875 <= a <= 40."""
    return exp_minus_a2 * _rational(_MID_NUM, _MID_DEN, a)


def erf(x) -> np.ndarray:
    """The error function elementwise, to about float64 rounding (W. J. Cody's approximations)."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    a = np.minimum(np.abs(x), _FAR)
    away = _erfc_away_from_zero(a, np.exp(-(a * a)))
    return np.where(a <= _NEAR, _erf_near_zero(x), np.copysign(1.0 - away, x))


def _normal_cdf_pdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Phi(x) = erfc(-x / sqrt 2) / 2 and phi(x) = exp(-x^2 / 2) / sqrt(2 pi), elementwise.

    Phi comes from erfc, not 1 + erf, so the lower tail keeps its relative accuracy.
    """
    z = x * -_SQRT_HALF
    a = np.minimum(np.abs(z), _FAR)
    exp_minus_z2 = np.exp(-(a * a))
    lower_tail = _erfc_away_from_zero(a, exp_minus_z2)
    lower_tail *= 0.5  # Phi(-|x|)
    # Phi(x) is Phi(-|x|) for x <= 0 and 1 - Phi(-|x|) for x > 0: |[x > 0] - Phi(-|x|)| is exact.
    cdf = np.abs(np.subtract(x > 0, lower_tail))
    near = _erf_near_zero(z)
    near *= -0.5
    near += 0.5  # Phi(x) = 1/2 - erf(z)/2
    # cdf + [|z| <= 0.46875] (near - cdf) picks near there; np.where is several times slower on
    # such a mixed mask. Both are finite, and where the mask is 0 cdf stays exact.
    near -= cdf
    near *= a <= _NEAR
    cdf += near
    exp_minus_z2 *= _INV_SQRT_2PI
    return cdf, exp_minus_z2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x); e^-x overflowing to inf for very negative x gives the exact limit 0."""
    y = np.negative(x, out=np.empty_like(x))  # an array even for 0-d x, for the out= below
    with np.errstate(over="ignore"):
        np.exp(y, out=y)
    y += 1.0
    return np.reciprocal(y, out=y)


# NumPy reduces along a short contiguous axis slowly (a (128, 10) row max costs about three
# argmaxes), so for the rows of a matrix the two helpers below take a faster route.


def _max_keepdims(x: np.ndarray, axis: int) -> np.ndarray:
    """x.max(axis, keepdims=True); for matrix rows, read at the argmax."""
    if x.ndim == 2 and axis in (1, -1):
        return x[np.arange(x.shape[0]), x.argmax(axis=1)][:, None]
    return x.max(axis=axis, keepdims=True)


def _sum_keepdims(x: np.ndarray, axis: int) -> np.ndarray:
    """x.sum(axis, keepdims=True); for matrix rows, as a product with a vector of ones."""
    if x.ndim == 2 and axis in (1, -1):
        return (x @ ones(x.shape[1], x.dtype))[:, None]
    return x.sum(axis=axis, keepdims=True)


def _shifted_exp(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """shifted = x - max(x), e = exp(shifted) and s = sum(e) along axis (kept as size 1).

    The shift makes every exponent <= 0, so nothing overflows and s >= 1.
    """
    shifted = x - _max_keepdims(x, axis)
    e = np.exp(shifted)
    return shifted, e, _sum_keepdims(e, axis)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x);  dx = dy * y * (1 - y)."""

    def forward(self, x):
        self.y = _sigmoid(x)
        return self.y

    def backward(self, grad):
        dx = np.subtract(1.0, self.y)
        dx *= self.y
        dx *= grad
        return (dx,)


class Tanh(Function):
    """y = tanh x;  dx = dy * (1 - y^2)."""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad):
        dx = np.square(self.y, out=np.empty_like(self.y))
        np.subtract(1.0, dx, out=dx)
        dx *= grad
        return (dx,)


class ReLU(Function):
    """y = max(x, 0);  dx = dy * (y > 0)."""

    def forward(self, x):
        self.y = np.maximum(x, zeros_for(x))  # an array of zeros: NumPy's faster loop
        return self.y

    def backward(self, grad):
        y = self.y
        loop = compiled_loop(relu_backward_loop, grad, y)
        if loop is None:
            return (grad * (y > 0),)
        dx = np.empty_like(grad)
        loop(grad.ravel(), y.ravel(), dx.ravel())
        return (dx,)


def relu_in_place(x: np.ndarray) -> np.ndarray:
    """x = max(x, 0) over x's own memory; no gradient (nn.ReLU.forward_in_place, no_grad)."""
    return np.maximum(x, zeros_for(x), out=x)


def bias_relu_in_place(y: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """y = max(y + b, 0) over y's own memory, b along the last axis; no gradient (a Linear's
    product followed by ReLU under no_grad, nn.Linear.forward_with_next)."""
    loop = compiled_loop(bias_relu_loop, y, bias)
    if loop is None or bias.shape != y.shape[-1:]:
        y += bias
        return relu_in_place(y)
    loop(y.ravel(), bias)
    return y


def bias_relu_loop(y, bias) -> None:
    """bias_relu_in_place in one pass for numba to compile, instead of NumPy's two (an add
    that broadcasts, then max): the same numbers, NaN kept and -0 made 0 as np.maximum does."""
    width = bias.size
    for start in range(0, y.size, width):
        row = y[start : start + width]  # a row as its own view: numba vectorizes the inner loop
        for j in range(width):
            value = row[j] + bias[j]
            row[j] = value if value > 0 or value != value else 0


def relu_backward_loop(grad, y, dx) -> None:
    """ReLU.backward's grad * (y > 0) element by element, for numba to compile: the same
    product with 1 or 0, so the same numbers (NaN and -0 included)."""
    for i in range(grad.size):
        dx[i] = grad[i] * np.float32(y[i] > 0)


# The ReLU variants select by max/min and by 0/1 masks in arithmetic: np.where is several times
# slower when its mask mixes True and False, as activations' masks do.


class LeakyReLU(Function):
    """y = x if x > 0 else s x  (= max(x, s x) for s <= 1, min(x, s x) for s > 1);
    dx = dy * ([x > 0] (1 - s) + s)."""

    def forward(self, x, negative_slope=0.01):
        self.slope = s = float(negative_slope)
        self.x = x
        return np.maximum(x, x * s) if s <= 1.0 else np.minimum(x, x * s)

    def backward(self, grad):
        factor = np.multiply(self.x > 0, 1.0 - self.slope, dtype=grad.dtype)
        factor += self.slope
        factor *= grad
        return (factor,)


class ELU(Function):
    """y = max(x, 0) + alpha (e^min(x, 0) - 1)  (x for x > 0, alpha (e^x - 1) otherwise);
    dx = dy * ([x > 0] (1 - alpha) + alpha e^min(x, 0))."""

    def forward(self, x, alpha=1.0):
        self.alpha = float(alpha)
        self.x = x
        zeros = zeros_for(x)
        negative = np.minimum(x, zeros, out=np.empty_like(x))
        np.expm1(negative, out=negative)
        negative *= self.alpha
        self.negative = negative  # alpha (e^x - 1) where x <= 0, else 0
        return negative + np.maximum(x, zeros)

    def backward(self, grad):
        factor = np.multiply(self.x > 0, 1.0 - self.alpha, dtype=grad.dtype)
        factor += self.negative
        factor += self.alpha
        factor *= grad
        return (factor,)


class GELU(Function):
    """y = x * Phi(x) (Phi the standard normal CDF);  dx = dy * (Phi(x) + x * phi(x))."""

    def forward(self, x):
        self.x = x
        self.cdf, self.pdf = _normal_cdf_pdf(x)
        return x * self.cdf

    def backward(self, grad):
        dx = self.x * self.pdf
        dx += self.cdf
        dx *= grad
        return (dx,)


class GELUTanh(Function):
    """y = x/2 * (1 + t),  t = tanh(sqrt(2/pi) (x + 0.044715 x^3));
    dx = dy * ((1 + t)/2 + x/2 * (1 - t^2) * sqrt(2/pi) * (1 + 3 * 0.044715 x^2))."""

    def forward(self, x):
        self.x = x
        t = np.multiply(x, x, out=np.empty_like(x))
        t *= _SQRT_2_OVER_PI * _GELU_CUBIC
        t += _SQRT_2_OVER_PI
        t *= x
        self.t = np.tanh(t, out=t)
        y = t + 1.0
        y *= x
        y *= 0.5
        return y

    def backward(self, grad):
        x, t = self.x, self.t
        inner = x * x
        inner *= _SQRT_2_OVER_PI * 3 * _GELU_CUBIC
        inner += _SQRT_2_OVER_PI
        inner *= 1.0 - t * t
        inner *= x
        inner += 1.0 + t
        inner *= 0.5
        inner *= grad
        return (inner,)


class Softplus(Function):
    """y = log(1 + e^(b x)) / b, or x where b x > threshold;
    dx = dy * e^(b x) / (1 + e^(b x)), or dy where b x > threshold."""

    def forward(self, x, beta=1.0, threshold=20.0):
        beta, threshold = float(beta), float(threshold)
        scaled = np.multiply(x, beta, out=np.empty_like(x))
        self.linear = scaled > threshold
        np.minimum(scaled, threshold, out=scaled)
        self.e = np.exp(scaled, out=scaled)
        y = np.log1p(self.e)
        if beta != 1.0:
            y /= beta
        return np.where(self.linear, x, y)

    def backward(self, grad):
        e = self.e
        return (np.where(self.linear, grad, grad * e / (e + 1.0)),)


class Softmax(Function):
    """y = e^x / sum(e^x) along axis;  dx = y * (dy - sum(dy * y))."""

    def forward(self, x, axis=-1):
        self.axis = axis
        _, e, s = _shifted_exp(x, axis)
        e /= s
        self.y = e
        return e

    def backward(self, grad):
        dx = grad * self.y
        dx -= self.y * _sum_keepdims(dx, self.axis)
        return (dx,)


class LogSoftmax(Function):
    """y = x - logsumexp(x) along axis;  dx = dy - softmax(x) * sum(dy)."""

    def forward(self, x, axis=-1):
        self.axis = axis
        shifted, self.e, self.s = _shifted_exp(x, axis)
        shifted -= np.log(self.s)
        return shifted

    def backward(self, grad):
        return (grad - self.e * (_sum_keepdims(grad, self.axis) / self.s),)
