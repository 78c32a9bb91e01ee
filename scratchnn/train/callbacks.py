"""Callbacks: hooks fit() calls at the end of each epoch (early stopping, custom logging)."""

from __future__ import annotations

import math

import numpy as np


class Callback:
    """Base: override on_epoch_end(trainer, record); set trainer.stop_training to stop."""

    def on_train_begin(self, trainer) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, trainer, record: dict[str, float]) -> None:
        """Called after each epoch with its metrics."""

    def on_train_end(self, trainer) -> None:
        """Called once after the last epoch."""


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by min_delta for `patience` epochs; keep the best."""

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 3,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = True,
    ) -> None:
        if mode == "auto":
            mode = "max" if monitor.endswith("acc") else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.sign = 1.0 if mode == "min" else -1.0
        self.restore_best_weights = restore_best_weights
        self.best = math.inf
        self.wait = 0
        self.best_state: dict[str, np.ndarray] | None = None
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, trainer, record: dict[str, float]) -> None:
        if self.monitor not in record:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, not among {sorted(record)}")
        value = self.sign * record[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_state = {k: v.copy() for k, v in trainer.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            trainer.stop_training = True
            self.stopped_epoch = int(record["epoch"])

    def on_train_end(self, trainer) -> None:
        if self.stopped_epoch is not None and self.best_state is not None:
            trainer.model.load_state_dict(self.best_state)
