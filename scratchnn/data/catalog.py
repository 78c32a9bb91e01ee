"""The data sets by name, for the command line: load_dataset("mnist" | "fashion-mnist" | ...)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scratchnn.data.addition import ARTICLE_TEST_INPUTS, load_addition_json, make_addition
from scratchnn.data.digits import load_digits
from scratchnn.data.download import find_or_download
from scratchnn.data.mnist import FASHION_MNIST_CLASSES, NUM_CLASSES, load_mnist, load_mnist_csv

DATASETS = ("mnist", "fashion-mnist", "digits", "addition")
ADDITION_TRAIN_SIZE = 1000
ADDITION_SEED = 0

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class LoadedDataset:
    """A data set's train and test (inputs, targets) arrays and what a model needs to know.

    num_classes is None for regression (addition); class_names is empty where the class index
    is the name (digits).
    """

    name: str
    train: Arrays
    test: Arrays
    input_shape: tuple[int, ...]
    num_classes: int | None
    class_names: tuple[str, ...] = ()


def load_dataset(
    name: str, data: str | os.PathLike | None = None, *, flatten: bool = True, download: bool = True
) -> LoadedDataset:
    """Train and test arrays of a data set by name, with its metadata.

    mnist, fashion-mnist: `data` is a folder (see find_or_download; downloaded when missing) or
    a Kaggle CSV file whose name contains "train" or "test", with its partner beside it.
    digits: bundled, no `data`. addition: generated pairs (fixed seed), tested on the
    article's 25 pairs; or `data` is the article's JSON file.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    if name == "digits":
        if data is not None:
            raise ValueError("the digits data set is bundled with scikit-learn; give no data path")
        train, test = load_digits("train", flatten=flatten), load_digits("test", flatten=flatten)
        return LoadedDataset(name, train, test, train[0].shape[1:], NUM_CLASSES)
    if name == "addition":
        train, test = _addition(data)
        return LoadedDataset(name, train, test, train[0].shape[1:], None)
    if data is not None and Path(data).is_file():
        train_file, test_file = _csv_partners(Path(data))
        train = load_mnist_csv(train_file, flatten=flatten)
        test = load_mnist_csv(test_file, flatten=flatten)
    else:
        folder = find_or_download(name, data, download=download)
        train = load_mnist(folder, "train", name, flatten=flatten)
        test = load_mnist(folder, "test", name, flatten=flatten)
    names = FASHION_MNIST_CLASSES if name == "fashion-mnist" else ()
    return LoadedDataset(name, train, test, train[0].shape[1:], NUM_CLASSES, names)


def _addition(data: str | os.PathLike | None) -> tuple[Arrays, Arrays]:
    """(train, test) of the addition task; test targets are the exact sums of the test pairs."""
    article = np.asarray(ARTICLE_TEST_INPUTS, dtype=np.float32)
    if data is None:
        train, test_inputs = make_addition(ADDITION_TRAIN_SIZE, seed=ADDITION_SEED), article
    else:
        loaded = load_addition_json(data)
        train = (loaded.train_inputs, loaded.train_targets)
        test_inputs = loaded.test_inputs if len(loaded.test_inputs) else article
    return train, (test_inputs, test_inputs.sum(axis=1, keepdims=True))


def _csv_partners(path: Path) -> tuple[Path, Path]:
    """(train, test) CSV files from one of them: the other has "test" for "train" in its name."""
    if "train" in path.name:
        partners = (path, path.with_name(path.name.replace("train", "test", 1)))
    elif "test" in path.name:
        partners = (path.with_name(path.name.replace("test", "train", 1)), path)
    else:
        raise FileNotFoundError(
            f"{path}: cannot tell the train file from the test file; name them with 'train' and "
            "'test' (e.g. mnist_train.csv and mnist_test.csv)"
        )
    missing = [str(p) for p in partners if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{missing[0]} not found: {path} needs its partner beside it")
    return partners
