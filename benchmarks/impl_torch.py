"""W1 and W2 in PyTorch eager on the CPU: batches indexed from preloaded tensors by a fresh
randperm; W2 with the layers of scratchnn's `--model cnn` network."""

from __future__ import annotations

import numpy as np
import torch
from workload import IMAGE_SHAPE, LAYERS, LEARNING_RATE, W1Data, batch_shape, mlp

PREDICT_CHUNKS = (None, 1000)


class Trainer:
    """One torch model with its optimizer; its state carries over between epochs."""

    def __init__(self, data: W1Data, batch_size: int, seed: int, network: str = "mlp") -> None:
        torch.manual_seed(seed)
        nn = torch.nn
        if network == "cnn":
            self.model = nn.Sequential(
                nn.Conv2d(IMAGE_SHAPE[0], 32, 3, padding=1),
                nn.MaxPool2d(2),
                nn.ReLU(),
                nn.Conv2d(32, 64, 3, padding=1),
                nn.MaxPool2d(2),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(64 * 7 * 7, 128),
                nn.ReLU(),
                nn.Linear(128, LAYERS[-1]),
            )
        else:
            self.model = mlp(nn)
        self.shape = batch_shape(network)
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.x = torch.from_numpy(data.x_train.reshape(self.shape))
        self.y = torch.from_numpy(data.y_train)
        self.batch_size = batch_size

    def train_epoch(self) -> None:
        order = torch.randperm(len(self.x))
        for start in range(0, len(self.x), self.batch_size):
            idx = order[start : start + self.batch_size]
            loss = self.loss_fn(self.model(self.x[idx]), self.y[idx])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

    def predict(self, x: np.ndarray, chunk: int | None) -> np.ndarray:
        """Class labels of x, forward under no_grad in one batch (chunk None) or in chunks."""
        xt = torch.from_numpy(x.reshape(self.shape))
        with torch.no_grad():
            if chunk is None:
                return self.model(xt).argmax(dim=1).numpy()
            parts = [self.model(xt[i : i + chunk]) for i in range(0, len(xt), chunk)]
            return torch.cat(parts).argmax(dim=1).numpy()
