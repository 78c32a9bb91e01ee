"""Pixel scales: uint8 values 0–255 ↔ float32 values in [0, 1] (x / 255, as MNIST loaders do)."""

from __future__ import annotations

import numpy as np


def to_unit(pixels: np.ndarray) -> np.ndarray:
    """float32 pixels / 255, in one pass."""
    return np.divide(pixels, 255, dtype=np.float32)


def to_bytes(images: np.ndarray) -> np.ndarray:
    """uint8 pixels from integers in 0–255 or from floats in [0, 1] (rounded x * 255)."""
    images = np.asarray(images)
    if images.size == 0:
        return images.astype(np.uint8)
    low, high = images.min(), images.max()
    if images.dtype.kind == "f":
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(f"float pixels must lie in [0, 1], got values in [{low}, {high}]")
        return np.rint(images * 255).astype(np.uint8)
    if images.dtype.kind not in "iub" or low < 0 or high > 255:
        raise ValueError(
            f"integer pixels must lie in 0–255, got {images.dtype} values in [{low}, {high}]"
        )
    return images.astype(np.uint8, copy=False)
