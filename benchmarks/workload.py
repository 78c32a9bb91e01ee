"""The benchmark workloads on MNIST, softmax cross-entropy and Adam(lr=1e-3):

W1 ("mlp"): a 784-128-64-10 ReLU network on the flattened images;
W2 ("cnn"): `scratchnn train --model cnn`'s LeNet-style network on the (1, 28, 28) images:
Conv(1, 32, 3, padding 1)-MaxPool(2)-ReLU-Conv(32, 64, 3, padding 1)-MaxPool(2)-ReLU-Flatten-
Linear(3136, 128)-ReLU-Linear(128, 10) (the same function as ReLU before each pool).
"""

from __future__ import annotations

import datetime
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # measure the source tree next to this folder

from scratchnn.data import load_mnist  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist"
LAYERS = (784, 128, 64, 10)
CNN_SPEC = "c32k3-p2-c64k3-p2-f128"  # scratchnn.models' `cnn:` syntax for W2
IMAGE_SHAPE = (1, 28, 28)
NETWORKS = ("mlp", "cnn")
LEARNING_RATE = 1e-3
QUICK_TRAIN = 2_000
QUICK_TEST = 1_000


@dataclass
class W1Data:
    """The training and test arrays: float32 images in [0, 1] of shape (N, 784), int64 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load(root: str | Path, quick: bool = False, test: bool = True) -> W1Data:
    """MNIST from `root`; `quick` keeps the first 2,000 training and 1,000 test images.

    Without `test` the test arrays are empty (the memory measurement needs none).
    """
    x_train, y_train = load_mnist(root, split="train", kind="mnist")
    if test:
        x_test, y_test = load_mnist(root, split="test", kind="mnist")
    else:
        x_test, y_test = x_train[:0], y_train[:0]
    if quick:
        x_train, y_train = x_train[:QUICK_TRAIN].copy(), y_train[:QUICK_TRAIN].copy()
        x_test, y_test = x_test[:QUICK_TEST].copy(), y_test[:QUICK_TEST].copy()
    return W1Data(x_train, y_train, x_test, y_test)


def invocation(script: str, argv: list[str]) -> tuple[str, str]:
    """How a report was made: the command line that ran benchmarks/`script` with argv, and the
    local date and time now."""
    command = shlex.join(["python", f"benchmarks/{script}", *argv])
    return command, datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def mlp(nn: Any) -> Any:
    """W1's network, built with a library whose `nn` has Sequential, Linear and ReLU with
    PyTorch's signatures (scratchnn.nn and torch.nn): Linear-ReLU-Linear-ReLU-Linear."""
    layers = []
    for n_in, n_out in zip(LAYERS[:-1], LAYERS[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def batch_shape(network: str) -> tuple[int, ...]:
    """The shape of a batch of images for the network: flat rows (W1) or (N, 1, 28, 28) (W2)."""
    return (-1, *IMAGE_SHAPE) if network == "cnn" else (-1, LAYERS[0])


def parameter_count(network: str = "mlp") -> int:
    """Weights and biases of the network: Σ in·out + out over W1's layers; W2's two 3x3
    convolutions (1→32, 32→64 channels) and its Linear layers 3136→128→10."""
    if network == "cnn":
        convolutions = (1 * 9 + 1) * 32 + (32 * 9 + 1) * 64
        return convolutions + (64 * 7 * 7 + 1) * 128 + (128 + 1) * LAYERS[-1]
    return sum(n_in * n_out + n_out for n_in, n_out in zip(LAYERS[:-1], LAYERS[1:]))


def data_and_model_bytes(samples: int, network: str = "mlp") -> int:
    """float32 training images plus the float32 parameters: the memory an epoch cannot avoid."""
    return 4 * (samples * LAYERS[0] + parameter_count(network))


def epoch_flops(samples: int) -> int:
    """Matrix-product FLOPs of one training epoch.

    Per Linear layer and sample: forward 2·in·out, weight gradient 2·in·out, input gradient
    2·in·out except for the first layer, whose input needs no gradient.
    """
    per_sample = 0
    for i, (n_in, n_out) in enumerate(zip(LAYERS[:-1], LAYERS[1:])):
        per_sample += (4 if i == 0 else 6) * n_in * n_out
    return per_sample * samples
