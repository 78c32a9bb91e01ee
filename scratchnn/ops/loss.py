"""Losses: MSE, L1, binary cross-entropy (on probabilities or logits), NLL, and cross-entropy
from logits fused with log-softmax (one log-sum-exp forward, softmax - target backward).

Every loss takes `reduction`: 'none' keeps one loss per element (per sample for the class-based
ones), 'sum' adds them up, 'mean' divides that sum by their count.
"""

from __future__ import annotations

import numpy as np

from scratchnn.compiled import compiled_loop
from scratchnn.errors import ShapeError
from scratchnn.function import Function
from scratchnn.ops.activation import _shifted_exp, _sigmoid, _sum_keepdims

REDUCTIONS = ("mean", "sum", "none")
_BCE_EPSILON = 9.999999960041972e-13  # PyTorch's floor for p (1 - p): 1e-12 rounded to float32


def check_reduction(reduction: str) -> str:
    """reduction itself, or ValueError when it is not one of REDUCTIONS."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def check_label_smoothing(label_smoothing: float) -> float:
    """label_smoothing as a float, or ValueError when it is outside [0, 1]."""
    label_smoothing = float(label_smoothing)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    return label_smoothing


def _reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    """The per-element losses, their sum or their mean."""
    if reduction == "none":
        return loss
    total = loss.sum()
    return np.asarray(total / loss.size if reduction == "mean" else total)


def _scale(grad: np.ndarray, reduction: str, count: int) -> np.ndarray:
    """d(reduced loss) / d(each element's loss) times dy: dy / count for 'mean', else dy."""
    return grad / count if reduction == "mean" else grad


def _check_same_shape(name: str, x: np.ndarray, target: np.ndarray) -> None:
    if x.shape != target.shape:
        raise ShapeError(
            f"{name}: input shape {x.shape} and target shape {target.shape} differ "
            "(reshape one of them; losses do not broadcast)"
        )


def _class_axis(name: str, x: np.ndarray) -> int:
    """The class axis of logits: 1 for a batch (N, C, d1, ...), 0 for one sample (C,)."""
    if x.ndim == 0:
        raise ShapeError(f"{name}: input needs a class axis, got a scalar")
    return 1 if x.ndim > 1 else 0


def _check_labels(name: str, x: np.ndarray, labels: np.ndarray) -> int:
    """The class axis of x, after checking the labels' dtype and shape (not their range)."""
    axis = _class_axis(name, x)
    expected = x.shape[:axis] + x.shape[axis + 1 :]
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name}: class labels must be integers, got dtype {labels.dtype}")
    if labels.shape != expected:
        raise ShapeError(
            f"{name}: input of shape {x.shape} needs labels of shape {expected}, got {labels.shape}"
        )
    return axis


def _label_out_of_range(name: str, label: int, classes: int) -> ValueError:
    return ValueError(
        f"{name}: label {label} is out of range for {classes} classes (0 to {classes - 1})"
    )


def _label_index(name: str, x: np.ndarray, labels: np.ndarray) -> tuple:
    """Index that picks x[n, labels[n, ...], ...]; checks the labels' dtype, shape and range."""
    axis = _check_labels(name, x, labels)
    classes = x.shape[axis]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)].flat[0]
        raise _label_out_of_range(name, bad, classes)
    if labels.ndim == 1:  # a batch of single labels: rows and their classes
        return np.arange(len(labels)), labels
    grid = np.indices(labels.shape, sparse=True)
    return (*grid[:axis], labels, *grid[axis:])


class _ElementwiseLoss(Function):
    """Base of the losses that compare input and target element by element, then reduce.

    A subclass defines `losses(x, target, **options)` (saving what it needs) and
    `gradients(scale) -> (dx, dtarget)` where scale = d(reduced loss)/d(element loss) * dy.
    """

    name = ""

    def forward(self, x, target, reduction="mean", **options):
        check_reduction(reduction)
        _check_same_shape(self.name, x, target)
        self.reduction, self.count = reduction, x.size
        return _reduce(self.losses(x, target, **options), reduction)

    def backward(self, grad):
        return self.gradients(_scale(grad, self.reduction, self.count))


class MSE(_ElementwiseLoss):
    """loss = (x - t)^2;  dx = dloss * 2 (x - t),  dt = -dx."""

    name = "mse_loss"

    def losses(self, x, target):
        self.diff = x - target
        return np.square(self.diff)

    def gradients(self, scale):
        dx = self.diff * (2.0 * scale)
        need_x, need_target = self.needs_input_grad
        return (dx if need_x else None, -dx if need_target else None)


class L1(_ElementwiseLoss):
    """loss = |x - t|;  dx = dloss * sign(x - t),  dt = -dx."""

    name = "l1_loss"

    def losses(self, x, target):
        self.diff = x - target
        return np.abs(self.diff)

    def gradients(self, scale):
        dx = np.sign(self.diff)
        dx *= scale
        need_x, need_target = self.needs_input_grad
        return (dx if need_x else None, -dx if need_target else None)


class BinaryCrossEntropy(_ElementwiseLoss):
    """loss = -(t log p + (1 - t) log(1 - p)), each log clamped at -100;
    dp = dloss (p - t) / max(p (1 - p), 1e-12),  dt = dloss (log(1 - p) - log p)."""

    name = "binary_cross_entropy"

    def losses(self, p, target):
        if p.size and (p.min() < 0 or p.max() > 1):
            raise ValueError(
                f"{self.name}: input must hold probabilities in [0, 1], found values from "
                f"{p.min()} to {p.max()} (use binary_cross_entropy_with_logits for logits)"
            )
        with np.errstate(divide="ignore"):
            self.log_p = np.maximum(np.log(p), -100.0)
            self.log_q = np.maximum(np.log1p(-p), -100.0)
        self.p, self.target = p, target
        return (target - 1.0) * self.log_q - target * self.log_p

    def gradients(self, scale):
        need_p, need_target = self.needs_input_grad
        dp = dt = None
        if need_p:
            p = self.p
            dp = (p - self.target) / np.maximum(p * (1.0 - p), _BCE_EPSILON)
            dp *= scale
        if need_target:
            dt = self.log_q - self.log_p
            dt *= scale
        return dp, dt


class BinaryCrossEntropyWithLogits(_ElementwiseLoss):
    """loss = (1 - t) x + L softplus(-x),  L = 1 + (w - 1) t,  w = pos_weight (default 1),
    softplus(-x) = max(-x, 0) + log(1 + e^-|x|), which never overflows;
    dx = dloss (L sigmoid(x) - w t),  dt = dloss ((w - 1) softplus(-x) - x)."""

    name = "binary_cross_entropy_with_logits"

    def losses(self, x, target, pos_weight=None):
        softplus = np.abs(x, out=np.empty_like(x))  # an array even for 0-d x, for out= below
        np.negative(softplus, out=softplus)
        np.exp(softplus, out=softplus)
        np.log1p(softplus, out=softplus)
        softplus += np.maximum(-x, 0)
        self.x, self.target, self.softplus = x, target, softplus
        loss = (1.0 - target) * x
        if pos_weight is None:
            self.pos_weight = None
            loss += softplus
            return loss
        self.pos_weight = np.asarray(pos_weight, dtype=x.dtype)
        try:
            fits = np.broadcast_shapes(self.pos_weight.shape, x.shape) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(
                f"{self.name}: pos_weight of shape {self.pos_weight.shape} does not broadcast "
                f"to the input shape {x.shape}"
            )
        self.log_weight = (self.pos_weight - 1.0) * target + 1.0
        loss += self.log_weight * softplus
        return loss

    def gradients(self, scale):
        need_x, need_target = self.needs_input_grad
        w = self.pos_weight
        dx = dt = None
        if need_x:
            dx = _sigmoid(self.x)
            if w is None:
                dx -= self.target
            else:
                dx *= self.log_weight
                dx -= w * self.target
            dx *= scale
        if need_target:
            dt = -self.x if w is None else (w - 1.0) * self.softplus - self.x
            dt *= scale
        return dx, dt


class CrossEntropy(Function):
    """Logits x and integer labels y, class axis c (1, or 0 for one sample), C classes:
    loss_n = logsumexp(x_n) - sum_c q_nc x_nc,  q_n = (1 - eps) onehot(y_n) + eps / C;
    dx_n = dloss_n (softmax(x_n) - q_n)."""

    name = "cross_entropy"

    def forward(self, x, labels, reduction="mean", label_smoothing=0.0):
        self.reduction = check_reduction(reduction)
        self.smoothing = eps = check_label_smoothing(label_smoothing)
        self.axis = axis = _class_axis(self.name, x)
        loss = None if eps or x.ndim != 2 else self._compiled_losses(x, labels)
        if loss is None:
            self.index = _label_index(self.name, x, labels)
            shifted, self.e, self.s = _shifted_exp(x, axis)
            loss = np.squeeze(np.log(self.s), axis)
            if eps:
                loss -= (1.0 - eps) * shifted[self.index]
                loss -= (eps / x.shape[axis]) * np.squeeze(_sum_keepdims(shifted, axis), axis)
            else:
                loss -= shifted[self.index]
        self.count = loss.size
        return _reduce(loss, reduction)

    def _compiled_losses(self, x, labels):
        """The rows' losses by `cross_entropy_loop` compiled (scratchnn/compiled.py), saving what
        backward needs; None when no compiled loop runs."""
        loop = compiled_loop(cross_entropy_loop, x)
        if loop is None:
            return None
        _check_labels(self.name, x, labels)
        self.e, self.s = np.empty_like(x), np.empty((len(x), 1), x.dtype)
        loss = np.empty(len(x), x.dtype)
        bad = loop(x, labels, self.e, self.s.ravel(), loss)
        if bad >= 0:
            raise _label_out_of_range(self.name, labels[bad], x.shape[1])
        self.index = np.arange(len(x)), labels
        return loss

    def backward(self, grad):
        scale = _scale(grad, self.reduction, self.count)
        per_row = np.expand_dims(scale, self.axis) if self.reduction == "none" else scale
        dx = self.e * (per_row / self.s)
        eps = self.smoothing
        if eps:
            dx[self.index] -= (1.0 - eps) * scale
            dx -= (eps / dx.shape[self.axis]) * per_row
        else:
            dx[self.index] -= scale
        return (dx,)


def cross_entropy_loop(x, labels, e, s, loss) -> int:
    """CrossEntropy.forward's rows for numba to compile (logits x of shape (N, C)): for each
    row e = exp(x - max x), s = sum e, loss = log s - (x_label - max x). Returns the first row
    whose label is not a class (the row's values are then not computed), else -1."""
    rows, classes = x.shape
    for n in range(rows):
        label = labels[n]
        if label < 0 or label >= classes:
            return n
        top = x[n, 0]
        for c in range(1, classes):
            if x[n, c] > top:
                top = x[n, c]
        total = e[n, 0] = np.exp(x[n, 0] - top)
        for c in range(1, classes):
            e[n, c] = np.exp(x[n, c] - top)
            total += e[n, c]
        s[n] = total
        loss[n] = np.log(total) - (x[n, label] - top)
    return -1


class CrossEntropyWithProbabilities(Function):
    """Logits x and class probabilities t of x's shape, class axis c, C classes:
    loss_n = sum_c q_nc (logsumexp(x_n) - x_nc),  q = (1 - eps) t + eps / C;
    dx_n = dloss_n (softmax(x_n) sum_c q_nc - q_n),  dt_n = -dloss_n (1 - eps) log_softmax(x_n)."""

    name = "cross_entropy"

    def forward(self, x, target, reduction="mean", label_smoothing=0.0):
        self.reduction = check_reduction(reduction)
        self.smoothing = eps = check_label_smoothing(label_smoothing)
        self.axis = axis = _class_axis(self.name, x)
        _check_same_shape(self.name, x, target)
        log_p, self.e, self.s = _shifted_exp(x, axis)
        log_p -= np.log(self.s)
        self.log_p = log_p
        self.q = target * (1.0 - eps) + eps / x.shape[axis] if eps else target
        loss = -np.squeeze(_sum_keepdims(self.q * log_p, axis), axis)
        self.count = loss.size
        return _reduce(loss, reduction)

    def backward(self, grad):
        scale = _scale(grad, self.reduction, self.count)
        per_row = np.expand_dims(scale, self.axis) if self.reduction == "none" else scale
        need_x, need_target = self.needs_input_grad
        dx = dt = None
        if need_x:
            dx = self.e * (_sum_keepdims(self.q, self.axis) * per_row / self.s)
            dx -= self.q * per_row
        if need_target:
            dt = self.log_p * ((self.smoothing - 1.0) * per_row)
        return dx, dt


class NLL(Function):
    """Log-probabilities x and integer labels y:  loss_n = -x_n[y_n];
    dx_n = -dloss_n at y_n, 0 elsewhere."""

    name = "nll_loss"

    def forward(self, x, labels, reduction="mean"):
        self.reduction = check_reduction(reduction)
        self.index = _label_index(self.name, x, labels)
        self.shape, self.dtype = x.shape, x.dtype
        loss = -x[self.index]
        self.count = loss.size
        return _reduce(np.asarray(loss), reduction)

    def backward(self, grad):
        dx = np.zeros(self.shape, dtype=self.dtype)
        dx[self.index] = -_scale(grad, self.reduction, self.count)
        return (dx,)
