"""W1 in PyTorch eager on the CPU: batches indexed from preloaded tensors by a fresh randperm."""

from __future__ import annotations

import numpy as np
import torch
from workload import LAYERS, LEARNING_RATE, W1Data

PREDICT_CHUNKS = (None, 1000)


class Trainer:
    """One torch model with its optimizer; its state carries over between epochs."""

    def __init__(self, data: W1Data, batch_size: int, seed: int) -> None:
        torch.manual_seed(seed)
        self.model = torch.nn.Sequential(
            torch.nn.Linear(LAYERS[0], LAYERS[1]),
            torch.nn.ReLU(),
            torch.nn.Linear(LAYERS[1], LAYERS[2]),
            torch.nn.ReLU(),
            torch.nn.Linear(LAYERS[2], LAYERS[3]),
        )
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.x = torch.from_numpy(data.x_train)
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
        xt = torch.from_numpy(x)
        with torch.no_grad():
            if chunk is None:
                return self.model(xt).argmax(dim=1).numpy()
            parts = [self.model(xt[i : i + chunk]) for i in range(0, len(xt), chunk)]
            return torch.cat(parts).argmax(dim=1).numpy()
