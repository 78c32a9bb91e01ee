"""A picture of one handwritten digit → a 784-value MNIST-style input, made as MNIST was made.

MNIST's digits were scaled (aspect ratio kept, anti-aliased) to fit a 20x20 box and placed in
a 28x28 field with their centre of mass at its centre, white ink on black. Here: grayscale,
inverted when the border is light (dark ink on paper), background level to 0 and the
darkest ink to 1, cropped to the ink, scaled so the longer side is 20 pixels, then placed so
the centre of mass falls on pixel (14, 14), which is where MNIST digits have it on average.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from scratchnn.errors import DataFormatError

FIELD = 28
BOX = 20
INK = 0.2  # share of the ink's full strength that counts for the bounding box
MIN_CONTRAST = 0.1  # below this between background and darkest ink, the image is blank


def load_digit_image(path: str | os.PathLike) -> np.ndarray:
    """The (784,) float32 input in [0, 1] for a PNG/JPEG/... of one handwritten digit."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            gray = _grayscale(image)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise DataFormatError(f"{path}: not a readable image ({error})") from None
    return mnist_style(gray, str(path))


def _grayscale(image: Image.Image) -> np.ndarray:
    """float32 gray levels in [0, 1]; transparent pixels count as white paper."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, image.convert("RGBA"))
    return np.asarray(image.convert("L"), dtype=np.float32) / 255


def mnist_style(gray: np.ndarray, name: str = "image") -> np.ndarray:
    """(784,) float32: a grayscale digit (any size, values in [0, 1]) as MNIST would hold it."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:
        gray, border = 1.0 - gray, 1.0 - border
    background, peak = float(np.median(border)), float(gray.max())
    if peak - background < MIN_CONTRAST:
        raise DataFormatError(
            f"{name}: no digit found: the image is blank (ink and background differ by "
            f"{max(peak - background, 0.0):.2f} of the full range)"
        )
    ink = np.clip((gray - background) / (peak - background), 0.0, 1.0)
    rows = np.flatnonzero((ink > INK).any(axis=1))
    cols = np.flatnonzero((ink > INK).any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = BOX / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    small = np.asarray(Image.fromarray(ink).resize(size, Image.LANCZOS)).clip(0.0, 1.0)
    rows_at, cols_at = np.indices(small.shape)
    total = small.sum()
    top = round(FIELD / 2 - (rows_at * small).sum() / total)
    left = round(FIELD / 2 - (cols_at * small).sum() / total)
    top = min(max(top, 0), FIELD - small.shape[0])
    left = min(max(left, 0), FIELD - small.shape[1])
    field = np.zeros((FIELD, FIELD), np.float32)
    field[top : top + small.shape[0], left : left + small.shape[1]] = small
    return field.reshape(-1)
