"""Data: datasets and loaders, MNIST-family files (IDX, CSV, download), digits, addition."""

from scratchnn.data.csv_format import read_csv, write_csv
from scratchnn.data.dataset import ArrayDataset, Dataset
from scratchnn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx, write_idx
from scratchnn.data.loader import DataLoader
from scratchnn.data.mnist import FASHION_MNIST_CLASSES, load_mnist
from scratchnn.data.split import random_split, train_val_split

__all__ = [
    "FASHION_MNIST_CLASSES",
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "ArrayDataset",
    "DataLoader",
    "Dataset",
    "load_mnist",
    "random_split",
    "read_csv",
    "read_idx",
    "train_val_split",
    "write_csv",
    "write_idx",
]
