"""Data: datasets and loaders, MNIST-family files (IDX, CSV, download), digits, addition."""

from scratchnn.data.csv_format import read_csv, write_csv
from scratchnn.data.dataset import ArrayDataset, Dataset
from scratchnn.data.download import MD5, default_data_dir, download_mnist, find_or_download
from scratchnn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx, write_idx
from scratchnn.data.loader import DataLoader
from scratchnn.data.mnist import FASHION_MNIST_CLASSES, load_mnist
from scratchnn.data.split import random_split, train_val_split
from scratchnn.errors import DataFormatError, DatasetUnavailableError

__all__ = [
    "FASHION_MNIST_CLASSES",
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "MD5",
    "ArrayDataset",
    "DataLoader",
    "DataFormatError",
    "Dataset",
    "DatasetUnavailableError",
    "default_data_dir",
    "download_mnist",
    "find_or_download",
    "load_mnist",
    "random_split",
    "read_csv",
    "read_idx",
    "train_val_split",
    "write_csv",
    "write_idx",
]
