"""fit(): the training loop — batches, forward, loss, backward, step, validation, checkpoints."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from scratchnn import random as library_random
from scratchnn.allocator import keep_freed_memory
from scratchnn.data import ArrayDataset, DataLoader
from scratchnn.grad_mode import no_grad
from scratchnn.io import load_checkpoint, save_checkpoint
from scratchnn.nn.module import Module
from scratchnn.optim.lr_scheduler import ReduceLROnPlateau
from scratchnn.tensor import Tensor
from scratchnn.train.callbacks import Callback
from scratchnn.train.history import History
from scratchnn.train.progress import EpochProgress


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint (if any) is kept."""


def as_dataset(data) -> ArrayDataset:
    """An ArrayDataset from a dataset, an (inputs, targets) pair, or a DataLoader's dataset."""
    if isinstance(data, DataLoader):
        data = data.dataset
    if isinstance(data, ArrayDataset):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return ArrayDataset(np.asarray(data[0]), np.asarray(data[1]))
    raise TypeError(
        f"training data must be an (inputs, targets) pair or a Dataset, got {type(data)}"
    )


def is_classification(outputs: np.ndarray, targets: np.ndarray) -> bool:
    """Integer targets against a score per class."""
    return targets.dtype.kind in "iu" and outputs.ndim == targets.ndim + 1


class Trainer:
    """The state of one training run; fit() drives it epoch by epoch."""

    def __init__(self, model: Module, loss, optimizer, scheduler=None, callbacks=()) -> None:
        self.model, self.loss, self.optimizer, self.scheduler = model, loss, optimizer, scheduler
        self.callbacks: list[Callback] = list(callbacks)
        self.history = History()
        self.stop_training = False
        self.epoch = 0

    def train_epoch(self, loader: DataLoader, progress: EpochProgress) -> dict[str, float]:
        """One pass over the loader; returns mean loss (and accuracy for classification)."""
        self.model.train()
        with np.errstate(over="ignore", invalid="ignore"):
            return self._train_batches(loader, progress)

    def _train_batches(self, loader: DataLoader, progress: EpochProgress) -> dict[str, float]:
        total_loss, correct, seen, labelled, classify = 0.0, 0, 0, 0, None
        for inputs, targets in loader:
            outputs = self.model(Tensor(inputs))
            loss = self.loss(outputs, Tensor(targets))
            self.optimizer.zero_grad()
            loss.backward()
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingDivergedError(
                    f"loss became {value} at epoch {self.epoch} after {seen} samples; "
                    "lower the learning rate (the last good checkpoint is kept)"
                )
            self.optimizer.step()
            count = len(targets)
            total_loss += value * count
            seen += count
            if classify is None:
                classify = is_classification(outputs.data, targets)
            if classify:  # every label counts once (a sequence target has several)
                correct += int((outputs.data.argmax(axis=-1) == targets).sum())
                labelled += targets.size
            progress.update(count, total_loss / seen, correct / labelled if classify else None)
        record = {"loss": total_loss / max(seen, 1)}
        if classify:
            record["acc"] = correct / max(labelled, 1)
        return record

    def validate(self, dataset: ArrayDataset, batch_size: int) -> dict[str, float]:
        """Mean loss (and accuracy) on held-out data, without building a graph."""
        outputs = predict(self.model, dataset.inputs, batch_size)
        with no_grad():
            loss = self.loss(Tensor(outputs), Tensor(dataset.targets)).item()
        record = {"val_loss": loss}
        if is_classification(outputs, dataset.targets):
            record["val_acc"] = float((outputs.argmax(axis=-1) == dataset.targets).mean())
        return record

    def step_scheduler(self, record: dict[str, float]) -> None:
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step(record.get("val_loss", record["loss"]))
        else:
            self.scheduler.step()

    # ----- checkpoints ------------------------------------------------------------------
    def save(self, path: str | os.PathLike, loader: DataLoader) -> None:
        """Write model, optimizer, schedule, history and random states atomically."""
        metadata: dict[str, Any] = {
            "epoch": self.epoch,
            "history": self.history.records,
            "rng_state": library_random.generator().bit_generator.state,
            "shuffle_state": loader.generator.bit_generator.state,
        }
        if self.scheduler is not None:
            metadata["scheduler"] = self.scheduler.state_dict()
        save_checkpoint(path, self.model, self.optimizer, metadata=metadata)

    def restore(self, path: str | os.PathLike, loader: DataLoader) -> None:
        """Continue from a checkpoint written by save()."""
        checkpoint = load_checkpoint(path, model=self.model, optimizer=self.optimizer)
        metadata = checkpoint.metadata
        self.epoch = int(metadata["epoch"])
        self.history.records = [dict(r) for r in metadata.get("history", [])]
        library_random.generator().bit_generator.state = metadata["rng_state"]
        loader.generator.bit_generator.state = metadata["shuffle_state"]
        if self.scheduler is not None and "scheduler" in metadata:
            self.scheduler.load_state_dict(metadata["scheduler"])


@no_grad()
def predict(model: Module, inputs: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for inputs, in eval mode and batches, as one array."""
    was_training = model.training
    model.eval()
    try:
        parts = [
            model(Tensor(inputs[i : i + batch_size])).data
            for i in range(0, len(inputs), batch_size)
        ]
    finally:
        model.train(was_training)
    return np.concatenate(parts) if parts else np.empty((0,))


def fit(
    model: Module,
    loss,
    optimizer,
    train,
    epochs: int = 10,
    batch_size: int = 32,
    validation=None,
    callbacks: Sequence[Callback] = (),
    scheduler=None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    verbose: bool = True,
) -> History:
    """Train model on `train` for `epochs`, reporting each epoch; returns the History.

    train and validation are (inputs, targets) pairs or Datasets. With `checkpoint`, every epoch
    is saved there atomically; `resume=True` continues from that file when it exists, giving the
    same weights as an uninterrupted run. A NaN/inf loss stops training with
    TrainingDivergedError and leaves the last good checkpoint in place. Freed memory is kept
    for the next step's arrays (scratchnn.keep_freed_memory).
    """
    keep_freed_memory()
    dataset = as_dataset(train)
    val_data = as_dataset(validation) if validation is not None else None
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, seed=seed)
    trainer = Trainer(model, loss, optimizer, scheduler, callbacks)
    if resume and checkpoint is not None and os.path.exists(checkpoint):
        trainer.restore(checkpoint, loader)
    for callback in trainer.callbacks:
        callback.on_train_begin(trainer)
    while trainer.epoch < epochs and not trainer.stop_training:
        trainer.epoch += 1
        progress = EpochProgress(trainer.epoch, epochs, len(loader), enabled=verbose)
        record = trainer.train_epoch(loader, progress)
        if val_data is not None:
            record.update(trainer.validate(val_data, max(batch_size, 1024)))
        record["lr"] = float(optimizer.param_groups[0]["lr"])
        record["time"] = progress.close(record)
        record = {"epoch": trainer.epoch, **record}
        trainer.history.append(record)
        trainer.step_scheduler(record)
        for callback in trainer.callbacks:
            callback.on_epoch_end(trainer, record)
        if checkpoint is not None:
            trainer.save(checkpoint, loader)
    for callback in trainer.callbacks:
        callback.on_train_end(trainer)
    return trainer.history
