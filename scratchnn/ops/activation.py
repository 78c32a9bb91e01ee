"""Activation functions: sigmoid, tanh, ReLU family, GELU, softplus, softmax and log-softmax.

Where the derivative is a function of the output (sigmoid, tanh, ReLU), backward reads the saved
output instead of the input, which costs fewer array passes.
"""

from __future__ import annotations

import numpy as np

from scratchnn.function import Function

_SQRT_HALF = 0.7071067811865476  # 1 / sqrt(2)
_INV_SQRT_PI = 0.5641895835477563  # 1 / sqrt(pi)
_INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi)
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)
_GELU_CUBIC = 0.044715

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
# coefficients as in netlib specfun/erf (CALERF), highest power first.
# erf(x) = x * N(x^2) / D(x^2) for |x| <= 0.46875:
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
# erfc(a) = exp(-a^2) * N(a) / D(a) for 0.46875 < a <= 4:
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
# erfc(a) = exp(-a^2) / a * (1/sqrt(pi) - w N(w) / D(w)), w = 1/a^2, for a > 4:
_FAR_NUM = (
    1.63153871373020978e-2,
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
)
_FAR_DEN = (
    1.0,
    2.56852019228982242e00,
    1.87295284992346047e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
)


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


def _erf_near_zero(x: np.ndarray) -> np.ndarray:
    """erf(x) for |x| <= 0.46875."""
    return x * _rational(_NEAR_NUM, _NEAR_DEN, x * x)


def _erfc_positive(a: np.ndarray, exp_minus_a2: np.ndarray) -> np.ndarray:
    """erfc(a) for a > 0.46875, given exp(-a^2)."""
    out = np.empty_like(a)
    mid = a <= 4.0
    out[mid] = exp_minus_a2[mid] * _rational(_MID_NUM, _MID_DEN, a[mid])
    far = ~mid
    a_far = a[far]
    w = 1.0 / (a_far * a_far)
    out[far] = exp_minus_a2[far] * (_INV_SQRT_PI - w * _rational(_FAR_NUM, _FAR_DEN, w)) / a_far
    return out


def erf(x) -> np.ndarray:
    """The error function elementwise, to about float64 rounding (W. J. Cody's approximations)."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    a = np.abs(x)
    out = np.empty_like(x)
    near = a <= 0.46875
    out[near] = _erf_near_zero(x[near])
    far = ~near
    a_far = a[far]
    out[far] = np.copysign(1.0 - _erfc_positive(a_far, np.exp(-(a_far * a_far))), x[far])
    return out


def _normal_cdf_pdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Phi(x) = erfc(-x / sqrt 2) / 2 and phi(x) = exp(-x^2 / 2) / sqrt(2 pi), elementwise.

    Phi comes from erfc, not 1 + erf, so it keeps full relative accuracy in the lower tail.
    """
    z = x * -_SQRT_HALF
    exp_minus_z2 = np.exp(-(z * z))
    a = np.abs(z)
    cdf = np.empty_like(x)
    near = a <= 0.46875
    cdf[near] = 0.5 - 0.5 * _erf_near_zero(z[near])
    far = ~near
    half_tail = 0.5 * _erfc_positive(a[far], exp_minus_z2[far])
    cdf[far] = np.where(z[far] > 0, half_tail, 1.0 - half_tail)
    exp_minus_z2 *= _INV_SQRT_2PI
    return cdf, exp_minus_z2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x); e^-x overflowing to inf for very negative x gives the exact limit 0."""
    y = np.negative(x)
    with np.errstate(over="ignore"):
        np.exp(y, out=y)
    y += 1.0
    return np.reciprocal(y, out=y)


def _shifted_exp(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """shifted = x - max(x), e = exp(shifted) and s = sum(e) along axis (kept as size 1).

    The shift makes every exponent <= 0, so nothing overflows and s >= 1.
    """
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return shifted, e, e.sum(axis=axis, keepdims=True)


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
        dx = np.square(self.y)
        np.subtract(1.0, dx, out=dx)
        dx *= grad
        return (dx,)


class ReLU(Function):
    """y = max(x, 0);  dx = dy * (y > 0)."""

    def forward(self, x):
        self.y = np.maximum(x, 0)
        return self.y

    def backward(self, grad):
        return (grad * (self.y > 0),)


class LeakyReLU(Function):
    """y = x if x > 0 else s * x;  dx = dy if x > 0 else s * dy."""

    def forward(self, x, negative_slope=0.01):
        self.slope = float(negative_slope)
        self.positive = x > 0
        return np.where(self.positive, x, x * self.slope)

    def backward(self, grad):
        return (np.where(self.positive, grad, grad * self.slope),)


class ELU(Function):
    """y = x if x > 0 else alpha * (e^x - 1);  dx = dy if x > 0 else dy * (y + alpha)."""

    def forward(self, x, alpha=1.0):
        self.alpha = float(alpha)
        self.positive = x > 0
        negative = np.minimum(x, 0)
        np.expm1(negative, out=negative)
        negative *= self.alpha
        self.y = np.where(self.positive, x, negative)
        return self.y

    def backward(self, grad):
        return (np.where(self.positive, grad, grad * (self.y + self.alpha)),)


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
        x2 = x * x
        t = x2 * (_SQRT_2_OVER_PI * _GELU_CUBIC)
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
        scaled = x * beta
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
        dx -= self.y * dx.sum(axis=self.axis, keepdims=True)
        return (dx,)


class LogSoftmax(Function):
    """y = x - logsumexp(x) along axis;  dx = dy - softmax(x) * sum(dy)."""

    def forward(self, x, axis=-1):
        self.axis = axis
        shifted, self.e, self.s = _shifted_exp(x, axis)
        shifted -= np.log(self.s)
        return shifted

    def backward(self, grad):
        return (grad - self.e * (grad.sum(axis=self.axis, keepdims=True) / self.s),)
