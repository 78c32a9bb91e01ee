"""W1 and W2 in scratchnn, written the way its users write it: DataLoader, Sequential, autograd,
Adam; W2's network is the one `scratchnn train --model cnn` builds."""

from __future__ import annotations

import numpy as np
from workload import CNN_SPEC, IMAGE_SHAPE, LAYERS, LEARNING_RATE, W1Data, batch_shape, mlp

import scratchnn
from scratchnn import Tensor, nn
from scratchnn.data import ArrayDataset, DataLoader
from scratchnn.models import cnn
from scratchnn.optim import Adam

PREDICT_CHUNKS = (None, 1000)


class Trainer:
    """One scratchnn model with its optimizer and loader; its state carries over between epochs."""

    def __init__(self, data: W1Data, batch_size: int, seed: int, network: str = "mlp") -> None:
        scratchnn.manual_seed(seed)
        scratchnn.keep_freed_memory()  # as fit() does; README: for a hand-written loop
        if network == "cnn":
            self.model = nn.Sequential(*cnn(CNN_SPEC, IMAGE_SHAPE, LAYERS[-1]))
        else:
            self.model = mlp(nn)
        self.shape = batch_shape(network)
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = Adam(self.model.parameters(), lr=LEARNING_RATE)
        dataset = ArrayDataset(data.x_train.reshape(self.shape), data.y_train)
        self.loader = DataLoader(dataset, batch_size, shuffle=True, seed=seed)

    def train_epoch(self) -> None:
        for xb, yb in self.loader:
            loss = self.loss_fn(self.model(Tensor(xb)), Tensor(yb))
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

    def predict(self, x: np.ndarray, chunk: int | None) -> np.ndarray:
        """Class labels of x, forward under no_grad in one batch (chunk None) or in chunks."""
        x = x.reshape(self.shape)
        with scratchnn.no_grad():
            if chunk is None:
                return self.model(Tensor(x)).data.argmax(axis=1)
            parts = [self.model(Tensor(x[i : i + chunk])).data for i in range(0, len(x), chunk)]
            return np.concatenate(parts).argmax(axis=1)
