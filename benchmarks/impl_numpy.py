"""W1 written out by hand in NumPy: the forward and backward of this one network, softmax
cross-entropy and Adam in place on one flat array; no autograd, no library. It is the reference
for what NumPy itself allows on the workload, not a peer a user would pick."""

from __future__ import annotations

import numpy as np
from workload import LAYERS, LEARNING_RATE, W1Data, parameter_count

PREDICT_CHUNKS = (None, 1000)
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


class Trainer:
    """The MLP's weights (in, out) and biases as views of one flat array, with Adam's state."""

    def __init__(self, data: W1Data, batch_size: int, seed: int, network: str = "mlp") -> None:
        if network != "mlp":
            raise ValueError(f"the hand-written NumPy loop has no {network} network")
        self.rng = np.random.default_rng(seed)
        total = parameter_count()
        self.params, self.grads = np.empty(total, np.float32), np.zeros(total, np.float32)
        self.m, self.v = np.zeros(total, np.float32), np.zeros(total, np.float32)
        self.tmp = np.empty(total, np.float32)
        self.layers, self.layer_grads, start = [], [], 0
        flats = (self.params, self.grads)
        for n_in, n_out in zip(LAYERS, LAYERS[1:]):
            end = start + n_in * n_out
            weight, grad_weight = (flat[start:end].reshape(n_in, n_out) for flat in flats)
            bias, grad_bias = (flat[end : end + n_out] for flat in flats)
            bound = 1.0 / np.sqrt(n_in)  # PyTorch's default U(-1/sqrt(in), 1/sqrt(in))
            weight[...] = self.rng.uniform(-bound, bound, weight.shape)
            bias[...] = self.rng.uniform(-bound, bound, bias.shape)
            self.layers.append((weight, bias))
            self.layer_grads.append((grad_weight, grad_bias))
            start = end + n_out
        self.step_count = 0
        self.x, self.y, self.batch_size = data.x_train, data.y_train, batch_size

    def train_epoch(self) -> None:
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            self._step(self.x[batch], self.y[batch])

    def _forward(self, x: np.ndarray) -> list[np.ndarray]:
        """The input, each hidden layer's ReLU output and the logits."""
        outputs = [x]
        for i, (weight, bias) in enumerate(self.layers):
            z = outputs[-1] @ weight
            z += bias
            if i < len(self.layers) - 1:
                np.maximum(z, 0, out=z)
            outputs.append(z)
        return outputs

    def _step(self, x: np.ndarray, y: np.ndarray) -> None:
        outputs = self._forward(x)
        g = outputs[-1] - outputs[-1].max(axis=1, keepdims=True)  # d(mean loss)/d(logits)
        np.exp(g, out=g)
        g /= g.sum(axis=1, keepdims=True)
        g[np.arange(len(y)), y] -= 1.0
        g /= len(y)
        for i in reversed(range(len(self.layers))):
            grad_weight, grad_bias = self.layer_grads[i]
            np.matmul(outputs[i].T, g, out=grad_weight)
            np.sum(g, axis=0, out=grad_bias)
            if i:
                g = g @ self.layers[i][0].T
                g *= outputs[i] > 0
        self._adam()

    def _adam(self) -> None:
        """PyTorch's Adam on the flat arrays, in place."""
        self.step_count += 1
        t, g, m, v, tmp = self.step_count, self.grads, self.m, self.v, self.tmp
        m *= BETA1
        np.multiply(g, 1.0 - BETA1, out=tmp)
        m += tmp
        v *= BETA2
        np.square(g, out=tmp)
        tmp *= 1.0 - BETA2
        v += tmp
        root = np.sqrt(1.0 - BETA2**t)
        np.sqrt(v, out=tmp)
        tmp += EPS * root
        np.divide(m, tmp, out=tmp)
        tmp *= -LEARNING_RATE * root / (1.0 - BETA1**t)
        self.params += tmp

    def predict(self, x: np.ndarray, chunk: int | None) -> np.ndarray:
        """Class labels of x, in one batch (chunk None) or in chunks."""
        if chunk is None:
            return self._forward(x)[-1].argmax(axis=1)
        parts = [self._forward(x[i : i + chunk])[-1] for i in range(0, len(x), chunk)]
        return np.concatenate(parts).argmax(axis=1)
