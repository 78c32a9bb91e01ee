"""MNIST and Fashion-MNIST from a folder: the official IDX files (raw or .gz) or Kaggle CSVs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from scratchnn.data.csv_format import read_csv
from scratchnn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from scratchnn.data.pixels import to_unit
from scratchnn.errors import DataFormatError

KINDS = ("mnist", "fashion-mnist")
SPLITS = {"train": "train", "test": "t10k"}
IMAGE_SIZE = (28, 28)
NUM_CLASSES = 10
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def idx_file_names(split: str, content: str) -> list[str]:
    """Accepted names of one IDX file: `t10k-images-idx3-ubyte`, `t10k-images.idx3-ubyte`, .gz."""
    prefix, dims = SPLITS[split], {"images": 3, "labels": 1}[content]
    names = [f"{prefix}-{content}-idx{dims}-ubyte", f"{prefix}-{content}.idx{dims}-ubyte"]
    return [f"{name}{suffix}" for name in names for suffix in (".gz", "")]


def csv_file_name(split: str, kind: str) -> str:
    """The Kaggle name of one split: `mnist_train.csv`, `fashion-mnist_test.csv`."""
    return f"{kind}_{split}.csv"


def check_kind(kind: str) -> None:
    """ValueError unless kind is one of KINDS."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


def find_split(root: str | os.PathLike, split: str, kind: str) -> tuple[Path, ...] | None:
    """(images, labels) IDX paths or (csv,) for one split in `root` or `root/kind`; else None."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    check_kind(kind)
    for folder in (Path(root), Path(root) / kind):
        found = [
            next((folder / n for n in idx_file_names(split, c) if (folder / n).is_file()), None)
            for c in ("images", "labels")
        ]
        if all(found):
            return tuple(found)
        if (folder / csv_file_name(split, kind)).is_file():
            return (folder / csv_file_name(split, kind),)
    return None


def load_mnist(
    root: str | os.PathLike,
    split: str = "train",
    kind: str = "mnist",
    normalize: bool = True,
    flatten: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of one split of MNIST or Fashion-MNIST found in `root` (or `root/kind`).

    images are float32 scaled to [0, 1] (x / 255) with `normalize`, else the raw uint8 pixels;
    the training code may centre them further (subtract the mean, divide by the std). Shape
    (N, 784) with `flatten`, else (N, 1, 28, 28). labels are int64 in 0–9. Files are the
    official IDX names (`train-images-idx3-ubyte[.gz]`, `t10k-...`, or the dot variant
    `train-images.idx3-ubyte`) or a Kaggle CSV `<kind>_<split>.csv`.
    """
    files = find_split(root, split, kind)
    if files is None:
        expected = " and ".join(idx_file_names(split, c)[1] for c in ("images", "labels"))
        raise FileNotFoundError(
            f"no {kind} {split} files in {root}: expected {expected} (raw or .gz, also named "
            f"like {idx_file_names(split, 'images')[2]}) or {csv_file_name(split, kind)}"
        )
    images, labels = _read_csv(files[0]) if len(files) == 1 else _read_idx_pair(*files)
    return _finish(images, labels, normalize, flatten)


def load_mnist_csv(
    path: str | os.PathLike, normalize: bool = True, flatten: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) from one Kaggle-style MNIST CSV file, shaped and scaled as load_mnist."""
    return _finish(*_read_csv(Path(path)), normalize, flatten)


def _finish(
    images: np.ndarray, labels: np.ndarray, normalize: bool, flatten: bool
) -> tuple[np.ndarray, np.ndarray]:
    images = to_unit(images) if normalize else images
    shape = (len(images), -1) if flatten else (len(images), 1, *IMAGE_SIZE)
    return images.reshape(shape), labels


def _read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_csv(
        path,
        expected_pixels=IMAGE_SIZE[0] * IMAGE_SIZE[1],
        num_classes=NUM_CLASSES,
        normalize=False,
    )
    if labels is None:
        raise DataFormatError(f"{path}: no label column (each line must start with the label)")
    return images, labels


def _read_idx_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, magic=IMAGES_MAGIC)
    labels = read_idx(labels_path, magic=LABELS_MAGIC).astype(np.int64)
    if images.shape[1:] != IMAGE_SIZE:
        raise DataFormatError(
            f"{images_path}: images of {images.shape[1]} × {images.shape[2]} pixels; "
            f"MNIST images are {IMAGE_SIZE[0]} × {IMAGE_SIZE[1]}"
        )
    if len(images) != len(labels):
        raise DataFormatError(
            f"{images_path} holds {len(images)} images but {labels_path} {len(labels)} labels"
        )
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        index = int(bad[0])
        raise DataFormatError(
            f"{labels_path}: label {labels[index]} at index {index} (byte {8 + index}) is outside "
            f"0–{NUM_CLASSES - 1}"
        )
    return images, labels
