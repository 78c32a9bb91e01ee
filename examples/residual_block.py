"""A small residual network (skip connections, batch norm, global average pooling) on MNIST.

    python examples/residual_block.py [--data DIR] [--samples 2048] [--epochs 2]

Trains briefly on a slice of MNIST when the files are found (in --data, or the usual data
folders), else on synthetic images of bright squares whose position is the class, and prints
the loss as it goes and the accuracy on held-out images at the end.
"""

from __future__ import annotations

import argparse

import numpy as np

import scratchnn as sn
from scratchnn import nn, optim
from scratchnn.data import ArrayDataset, DataLoader, find_or_download, load_mnist
from scratchnn.functional import relu


class ResidualBlock(nn.Module):
    """y = relu(x + bn(conv(relu(bn(conv(x)))))): the block learns a correction to its input,
    so gradients also flow straight through the addition."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: sn.Tensor) -> sn.Tensor:
        out = relu(self.bn1(self.conv1(x)))
        return relu(x + self.bn2(self.conv2(out)))

    def config(self) -> dict:
        return {"channels": self.conv1.in_channels}


def residual_net(channels: int = 16, classes: int = 10) -> nn.Sequential:
    """Stem conv, two residual blocks with a pooling step between, global average, classifier."""
    return nn.Sequential(
        nn.Conv2d(1, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU(),
        ResidualBlock(channels),
        nn.MaxPool2d(2),
        ResidualBlock(channels),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(channels, classes),
    )


def synthetic_squares(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Noisy 28x28 images with a bright 7x7 square in one of ten places; the place is the label."""
    labels = rng.integers(0, 10, count)
    images = rng.normal(0.0, 0.3, (count, 1, 28, 28)).astype(np.float32)
    rows, cols = (labels // 5) * 14 + 3, (labels % 5) * 5 + 1
    for offset in range(49):  # the 49 pixels of a square, for all images at once
        images[np.arange(count), 0, rows + offset // 7, cols + offset % 7] += 1.0
    return images, labels


def load_data(data: str | None, samples: int, rng: np.random.Generator):
    """A slice of MNIST (centred) if its files are around, else synthetic squares."""
    try:
        images, labels = load_mnist(find_or_download("mnist", data, download=False), flatten=False)
        pick = rng.permutation(len(images))[:samples]
        images, labels = images[pick], labels[pick]
        images = (images - images.mean()) / images.std()
        return images.astype(np.float32), labels, "MNIST"
    except OSError:  # no MNIST files here (DatasetUnavailableError, FileNotFoundError)
        images, labels = synthetic_squares(samples, rng)
        return images, labels, "synthetic squares"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="folder holding the MNIST files")
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    images, labels, name = load_data(args.data, args.samples, rng)
    split = len(images) * 7 // 8
    model = residual_net()
    print(model)
    print(f"training on {split} {name} images, testing on {len(images) - split}")
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    train = ArrayDataset(images[:split], labels[:split])
    loader = DataLoader(train, batch_size=64, shuffle=True, seed=0)
    for epoch in range(args.epochs):
        model.train()
        for step, (x, y) in enumerate(loader):
            optimizer.zero_grad()
            loss = loss_fn(model(sn.Tensor(x)), y)
            loss.backward()
            optimizer.step()
            if step % 10 == 0:
                print(f"epoch {epoch + 1} step {step:3d}  loss {loss.item():.4f}")
    model.eval()
    with sn.no_grad():
        predicted = model(sn.Tensor(images[split:])).data.argmax(axis=1)
    print(f"held-out accuracy {np.mean(predicted == labels[split:]):.3f}")


if __name__ == "__main__":
    main()
