"""The addition task of the first source article: two numbers in, their sum out.

The article trains a single neuron on pairs and prints its prediction for 25 test pairs; its
data file is JSON: {"training_inputs": [[a, b], ...], "training_outputs": [a + b, ...],
"test_inputs": [[a, b], ...]}.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from scratchnn import random as library_random
from scratchnn.errors import DataFormatError

ARTICLE_TEST_INPUTS: tuple[tuple[float, float], ...] = (
    (0.9, 0.1), (0.5, 0.5), (0.2, 0.3), (0.3, 0.6), (0.1, 0.7),
    (0.3, 0.1), (0.1, 0.5), (0.9, 0.0), (0.3, 0.3), (0.0, 0.1),
    (0.1, 0.2), (0.2, 0.0), (0.6, 0.1), (0.5, 0.3), (0.9, 0.1),
    (0.1, 0.4), (0.2, 0.4), (0.7, 0.0), (0.6, 0.3), (0.2, 0.2),
    (0.1, 0.0), (0.2, 0.6), (0.5, 0.0), (0.6, 0.4), (0.4, 0.5),
)  # fmt: skip


class AdditionData(NamedTuple):
    """The arrays of an addition JSON file: (N, 2) and (N, 1) float32, test pairs (M, 2)."""

    train_inputs: np.ndarray
    train_targets: np.ndarray
    test_inputs: np.ndarray


def make_addition(
    n: int, max_sum: float = 1.0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """n pairs (a, b) and their sums: float32 inputs (n, 2) and targets (n, 1).

    Pairs are uniform over the triangle a, b >= 0, a + b <= max_sum, so with the default the
    sums cover [0, 1] (a sigmoid output can reach them) and single numbers reach max_sum, as
    the article's test pairs such as (0.9, 0.1) need. Random numbers come from `seed`, or from
    the library generator when seed is None.
    """
    rng = library_random.generator() if seed is None else np.random.default_rng(seed)
    pairs = rng.random((n, 2))
    outside = pairs.sum(axis=1) > 1.0
    pairs[outside] = 1.0 - pairs[outside]  # reflect the upper triangle onto the lower one
    inputs = (pairs * max_sum).astype(np.float32)
    return inputs, inputs.sum(axis=1, keepdims=True)


def load_addition_json(path: str | os.PathLike) -> AdditionData:
    """The article's JSON data file, checked: a bad key or row is a DataFormatError naming it.

    "test_inputs" may be absent (then there are none).
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DataFormatError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(document, dict):
        raise DataFormatError(f"{path}: the top level must be a JSON object with the data keys")
    inputs = _numbers(path, document, "training_inputs", 2)
    targets = _numbers(path, document, "training_outputs", None)
    if len(inputs) != len(targets):
        raise DataFormatError(
            f"{path}: {len(inputs)} training_inputs but {len(targets)} training_outputs"
        )
    tests = (
        _numbers(path, document, "test_inputs", 2)
        if "test_inputs" in document
        else np.empty((0, 2), np.float32)
    )
    return AdditionData(inputs, targets, tests)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _numbers(path: Path, document: dict, key: str, width: int | None) -> np.ndarray:
    """document[key] as float32 (N, width): rows of `width` numbers, or plain numbers if None."""
    if key not in document:
        raise DataFormatError(f"{path}: missing key {key!r}")
    rows = document[key]
    if not isinstance(rows, list):
        raise DataFormatError(f"{path}: {key!r} must be a list, got {json.dumps(rows)[:40]}")
    for i, row in enumerate(rows):
        if width is not None and not (isinstance(row, list) and len(row) == width):
            raise DataFormatError(
                f"{path}: {key}[{i}] must be a list of {width} numbers, got {json.dumps(row)}"
            )
        cells = [row] if width is None else row
        for j, cell in enumerate(cells):
            if not _is_number(cell):
                place = f"{key}[{i}]" if width is None else f"{key}[{i}][{j}]"
                raise DataFormatError(f"{path}: {place} is {json.dumps(cell)}, not a number")
    return np.array(rows, dtype=np.float32).reshape(len(rows), width or 1)
