"""The 8x8 handwritten digits shipped inside scikit-learn (1,797 images; no download needed)."""

from __future__ import annotations

import numpy as np

DIGITS_TEST_SIZE = 360
DIGITS_SPLITS = ("all", "train", "test")


def load_digits(
    split: str = "all", normalize: bool = True, flatten: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of scikit-learn's 8x8 digits.

    images are float32, scaled to [0, 1] (x / 16, the pixel maximum) with `normalize`; shape
    (N, 64) with `flatten`, else (N, 1, 8, 8). labels are int64 in 0–9. The split is fixed:
    "test" is the last 360 images (20%), "train" the 1,437 before them.
    """
    if split not in DIGITS_SPLITS:
        raise ValueError(f"split must be one of {', '.join(DIGITS_SPLITS)}, got {split!r}")
    from sklearn.datasets import load_digits as sklearn_digits  # imported on use: it is slow

    bunch = sklearn_digits()
    images = bunch.data.astype(np.float32)
    if normalize:
        images /= 16
    labels = bunch.target.astype(np.int64)
    part = {
        "all": slice(None),
        "train": slice(-DIGITS_TEST_SIZE),
        "test": slice(-DIGITS_TEST_SIZE, None),
    }
    images, labels = images[part[split]], labels[part[split]]
    return (images if flatten else images.reshape(-1, 1, 8, 8)), labels
