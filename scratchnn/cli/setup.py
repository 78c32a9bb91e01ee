"""Turn command-line choices into a task (data), a loss and an optimizer."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scratchnn import nn, optim
from scratchnn.data import load_dataset, train_val_split

OPTIMIZERS = {
    "sgd": lambda params, lr: optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
    "adam": lambda params, lr: optim.Adam(params, lr=lr),
    "adamw": lambda params, lr: optim.AdamW(params, lr=lr),
    "rmsprop": lambda params, lr: optim.RMSprop(params, lr=lr),
}


@dataclass
class Task:
    """A data set ready for training: arrays, shapes, classes and input statistics."""

    name: str
    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    input_shape: tuple[int, ...]
    num_classes: int | None
    class_names: list[str] = field(default_factory=list)
    mean: float = 0.0
    std: float = 1.0

    @property
    def input_size(self) -> int:
        return int(np.prod(self.input_shape))

    def split(self, val_fraction: float, seed: int):
        """(train, validation) pairs; validation is None when val_fraction is 0."""
        if not 0.0 <= val_fraction < 1.0:
            raise ValueError(f"--val-split must be in [0, 1), got {val_fraction}")
        if val_fraction == 0.0:
            return self.train, None
        return train_val_split(self.train, val_fraction, seed)


def load_task(name: str, data: str | None, flatten: bool = True) -> Task:
    """Load a data set by name (from `data` when given) with its statistics for normalisation;
    flatten=False keeps images (N, C, H, W) for convolutional networks."""
    loaded = load_dataset(name, data=data, flatten=flatten)
    x_train, y_train = loaded.train
    classify = loaded.num_classes is not None
    mean = float(x_train.mean()) if classify else 0.0
    std = float(x_train.std()) if classify else 1.0
    return Task(
        name=loaded.name,
        train=loaded.train,
        test=loaded.test,
        input_shape=tuple(loaded.input_shape),
        num_classes=loaded.num_classes,
        class_names=list(loaded.class_names or []),
        mean=mean,
        std=std or 1.0,
    )


def make_loss(name: str, num_classes: int | None) -> nn.Module:
    """The loss by name; squared errors on class labels compare against one-hot vectors."""
    if name == "cross_entropy":
        if num_classes is None:
            raise ValueError("cross_entropy needs a classification data set; use --loss mse")
        return nn.CrossEntropyLoss()
    if name == "mse":
        return nn.OneHotMSELoss() if num_classes else nn.MSELoss()
    if name == "l1":
        if num_classes:
            raise ValueError("l1 loss is for regression data sets such as addition")
        return nn.L1Loss()
    raise ValueError(f"unknown loss {name!r}")


def make_optimizer(name: str, model: nn.Module, lr: float):
    """The optimizer by name over the model's parameters."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    if lr <= 0:
        raise ValueError(f"--lr must be positive, got {lr}")
    return OPTIMIZERS[name](model.parameters(), lr)


def make_schedule(name: str | None, optimizer, epochs: int):
    """A learning-rate schedule stepped once per epoch, or None for a constant rate."""
    if name in (None, "constant"):
        return None
    if name == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    raise ValueError(f"unknown schedule {name!r}; choose cosine or constant")
