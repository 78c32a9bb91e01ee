"""Data: datasets and loaders, MNIST-family files (IDX, CSV, download), digits, addition."""

from scratchnn.data.addition import (
    ARTICLE_TEST_INPUTS,
    AdditionData,
    load_addition_json,
    make_addition,
)
from scratchnn.data.catalog import DATASETS, LoadedDataset, load_dataset
from scratchnn.data.csv_format import read_csv, write_csv
from scratchnn.data.dataset import ArrayDataset, Dataset
from scratchnn.data.digits import load_digits
from scratchnn.data.download import (
    MD5,
    default_data_dir,
    download_mnist,
    find_or_download,
    user_cache_dir,
)
from scratchnn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx, write_idx
from scratchnn.data.images import load_digit_image
from scratchnn.data.loader import DataLoader
from scratchnn.data.mnist import FASHION_MNIST_CLASSES, load_mnist, load_mnist_csv
from scratchnn.data.sequence_addition import make_sequence_addition
from scratchnn.data.split import random_split, train_val_split
from scratchnn.errors import DataFormatError, DatasetUnavailableError

__all__ = [
    "ARTICLE_TEST_INPUTS",
    "DATASETS",
    "FASHION_MNIST_CLASSES",
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "MD5",
    "AdditionData",
    "ArrayDataset",
    "DataFormatError",
    "DataLoader",
    "Dataset",
    "DatasetUnavailableError",
    "LoadedDataset",
    "user_cache_dir",
    "default_data_dir",
    "download_mnist",
    "find_or_download",
    "load_addition_json",
    "load_dataset",
    "load_digit_image",
    "load_digits",
    "load_mnist",
    "load_mnist_csv",
    "make_addition",
    "make_sequence_addition",
    "random_split",
    "read_csv",
    "read_idx",
    "train_val_split",
    "write_csv",
    "write_idx",
]
