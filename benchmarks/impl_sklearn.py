"""W1 in scikit-learn: MLPClassifier with Adam and no L2 penalty, one partial_fit per epoch."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.neural_network import MLPClassifier
from workload import LAYERS, LEARNING_RATE, W1Data

PREDICT_CHUNKS = (None,)


class Trainer:
    """One MLPClassifier; partial_fit continues from its weights and Adam state every epoch."""

    def __init__(self, data: W1Data, batch_size: int, seed: int, network: str = "mlp") -> None:
        if network != "mlp":
            raise ValueError(f"scikit-learn has no {network} network")
        # A RandomState object rather than an int: MLPClassifier re-creates its generator from
        # random_state at every partial_fit, so an int would repeat the same order each epoch.
        self.model = MLPClassifier(
            hidden_layer_sizes=LAYERS[1:-1],
            activation="relu",
            solver="adam",
            learning_rate_init=LEARNING_RATE,
            batch_size=batch_size,
            alpha=0.0,
            shuffle=True,
            random_state=np.random.RandomState(seed),
        )
        self.x, self.y = data.x_train, data.y_train
        self.classes = np.arange(LAYERS[-1])
        self.fitted = False

    def train_epoch(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.fitted:
                self.model.partial_fit(self.x, self.y)
            else:
                self.model.partial_fit(self.x, self.y, classes=self.classes)
                self.fitted = True

    def predict(self, x: np.ndarray, chunk: int | None) -> np.ndarray:
        """Class labels of x from MLPClassifier.predict (one call; chunk is always None)."""
        return self.model.predict(x)
