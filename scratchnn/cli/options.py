"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DATASETS = ("mnist", "fashion-mnist", "digits", "addition")

common = argparse.ArgumentParser(add_help=False)
common.add_argument("--debug", action="store_true", help="show full tracebacks on errors")


def add_data_options(parser: argparse.ArgumentParser, default: str | None = "mnist") -> None:
    parser.add_argument("--dataset", choices=DATASETS, default=default, help="data set to use")
    parser.add_argument(
        "--data",
        metavar="PATH",
        help="folder of IDX files or a Kaggle-style CSV file (default: the cache, "
        "$SCRATCHNN_DATA, or a download)",
    )


def existing_file(path: str) -> Path:
    """The path, or FileNotFoundError naming it."""
    resolved = Path(os.path.expanduser(path))
    if not resolved.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    return resolved
