"""Data: datasets and loaders, MNIST-family files (IDX, CSV, download), digits, addition."""

from scratchnn.data.dataset import ArrayDataset, Dataset
from scratchnn.data.loader import DataLoader
from scratchnn.data.split import random_split, train_val_split

__all__ = [
    "ArrayDataset",
    "DataLoader",
    "Dataset",
    "random_split",
    "train_val_split",
]
