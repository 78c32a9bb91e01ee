"""Random splits of a dataset (or an (inputs, targets) pair) into disjoint parts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scratchnn import random as library_random
from scratchnn.data.dataset import ArrayDataset, Dataset

Data = Dataset | tuple[np.ndarray, np.ndarray]


def _part_sizes(n: int, lengths: Sequence[float]) -> list[int]:
    """Sample counts from counts summing to n, or from fractions summing to 1 (as in PyTorch)."""
    if any(length < 0 for length in lengths):
        raise ValueError(f"random_split lengths must not be negative, got {list(lengths)}")
    if all(float(length).is_integer() for length in lengths) and sum(lengths) == n:
        return [int(length) for length in lengths]
    if not np.isclose(sum(lengths), 1.0):
        raise ValueError(
            f"random_split lengths must be counts summing to {n} or fractions summing to 1, "
            f"got {list(lengths)}"
        )
    sizes = [int(np.floor(n * fraction)) for fraction in lengths]
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return sizes


def _length(data: Data) -> int:
    return len(data[0]) if isinstance(data, tuple) else len(data)


def random_split(data: Data, lengths: Sequence[float], seed: int | None = None) -> list:
    """Disjoint random parts of `data` with the given sizes (counts or fractions).

    A Dataset gives ArrayDatasets; an (inputs, targets) pair gives pairs. The permutation comes
    from `seed`, or from the library generator when seed is None.
    """
    n = _length(data)
    rng = library_random.generator() if seed is None else np.random.default_rng(seed)
    order = rng.permutation(n)
    bounds = np.cumsum([0, *_part_sizes(n, lengths)])
    pieces = [order[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    if isinstance(data, tuple):
        inputs, targets = data
        return [(inputs[piece], targets[piece]) for piece in pieces]
    return [ArrayDataset(*data[piece]) for piece in pieces]


def train_val_split(data: Data, val_fraction: float = 0.1, seed: int | None = None) -> tuple:
    """(train, validation): a random `val_fraction` of `data` held out, both sides non-empty."""
    n = _length(data)
    n_val = round(n * val_fraction)
    if not 0 < n_val < n:
        raise ValueError(
            f"val_fraction {val_fraction} of {n} samples leaves one side empty; "
            "choose a fraction between 0 and 1 that keeps at least one sample on each side"
        )
    train, val = random_split(data, [n - n_val, n_val], seed)
    return train, val
