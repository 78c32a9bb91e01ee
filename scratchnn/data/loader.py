"""DataLoader: batches of (inputs, targets) arrays, reshuffled every epoch by its own generator."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from scratchnn import random as library_random
from scratchnn.adaptive_threads import ThreadChoice
from scratchnn.data.dataset import Dataset
from scratchnn.threads import adaptive_budget


class DataLoader:
    """Iterate over a dataset in batches of `batch_size`, each an `(x_batch, y_batch)` pair.

    A batch is gathered from the whole arrays with one index array (`X[idx]`); nothing copies the
    dataset per epoch. Without shuffling the batches are slices, i.e. views of the dataset's
    arrays. With `shuffle=True` every epoch draws a new permutation from `self.generator`, which
    is seeded by `seed`, or, when seed is None, from the library generator (so
    `scratchnn.manual_seed` makes the order repeat). `drop_last` skips a final short batch.
    After `scratchnn.set_num_threads(n, adaptive=True)` a loop over the loader runs on n threads
    or on one, whichever it measures to be faster (scratchnn.adaptive_threads); the loader keeps
    what it learnt from one epoch to the next.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        if seed is None:
            seed = int(library_random.generator().integers(2**63))
        self.generator = np.random.default_rng(seed)
        self.thread_choice: ThreadChoice | None = None

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        if self.drop_last:
            return len(self.dataset) // self.batch_size
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        budget = adaptive_budget()
        if budget is None:
            return self.batches()
        if self.thread_choice is None or self.thread_choice.budget != budget:
            self.thread_choice = ThreadChoice(budget)
        return self.thread_choice.run(self.batches())

    def batches(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """One epoch's batches, in a new order when shuffling."""
        size = self.batch_size
        order = self.generator.permutation(len(self.dataset)) if self.shuffle else None
        for start in range(0, len(self) * size, size):
            if order is None:
                yield self.dataset[start : start + size]
            else:
                yield self.dataset[order[start : start + size]]
