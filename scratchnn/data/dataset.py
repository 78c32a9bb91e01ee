"""Datasets: a length and samples by index; ArrayDataset holds inputs and targets as two arrays."""

from __future__ import annotations

import numpy as np

Index = int | slice | np.ndarray


class Dataset:
    """A sized collection of (input, target) samples.

    `dataset[i]` gives one sample; a slice or an index array gives a whole batch as two arrays,
    which is how DataLoader asks for batches.
    """

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: Index) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


class ArrayDataset(Dataset):
    """Inputs and targets as arrays with the same first dimension (like PyTorch's TensorDataset).

    Indexing gathers from both arrays at once: `inputs[index], targets[index]`; an int or a
    slice gives views, an index array gives copies.
    """

    def __init__(self, inputs, targets) -> None:
        self.inputs = np.asarray(inputs)
        self.targets = np.asarray(targets)
        if len(self.inputs) != len(self.targets):
            raise ValueError(
                f"ArrayDataset got {len(self.inputs)} inputs but {len(self.targets)} targets"
            )

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: Index) -> tuple[np.ndarray, np.ndarray]:
        return self.inputs[index], self.targets[index]

    def __repr__(self) -> str:
        return (
            f"ArrayDataset({len(self)} samples, inputs {self.inputs.shape[1:]} "
            f"{self.inputs.dtype}, targets {self.targets.shape[1:]} {self.targets.dtype})"
        )
