"""Kaggle-style MNIST CSV: one image per line, `label,1x1,1x2,...,28x28`; header optional.

Reading takes NumPy's C parser (`np.loadtxt` into uint8, which refuses values outside 0–255):
about 0.2 s for 10,000 rows, against 1 s for splitting the text in Python. Only when it fails
is the text parsed again in blocks, then the failing block line by line, to name the first bad
line and cell. Writing formats the digits of all cells with whole-array operations.
"""

from __future__ import annotations

import codecs
import io
import math
import os
import re
from pathlib import Path

import numpy as np

from scratchnn.data.compressed import read_bytes
from scratchnn.data.pixels import to_bytes, to_unit
from scratchnn.errors import DataFormatError

_INTEGER = re.compile(r"[ \t]*[+-]?[0-9]+[ \t]*")
_NON_SPACE = re.compile(rb"\S")
_WRITE_CHUNK = 8192
_LOCATE_BLOCK = 1000


def read_csv(
    path: str | os.PathLike,
    *,
    expected_pixels: int | None = None,
    num_classes: int = 10,
    normalize: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(pixels, labels) from a CSV file of image rows (raw or gzip).

    Each line is a label in 0..num_classes-1 followed by pixels in 0–255. A first line whose
    first cell is not a number is a header. With `expected_pixels`, a file whose lines hold
    exactly that many cells has no label column, and labels is None. pixels is (N, P): float32
    in [0, 1] with `normalize`, else uint8; labels are int64. A bad cell is a DataFormatError
    naming the file, the line and the column.
    """
    path = Path(path)
    data = read_bytes(path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not _NON_SPACE.search(data):
        raise DataFormatError(f"{path}: the file is empty")
    end = data.find(b"\n")
    end = len(data) if end < 0 else end
    first = data[:end].decode("utf-8", "replace")
    if not first.strip():
        raise DataFormatError(f"{path}: line 1 is empty; it must be the header or the first row")
    header = _INTEGER.fullmatch(first.split(",", 1)[0]) is None
    start = end + 1 if header else 0
    if not _NON_SPACE.search(data, start):
        raise DataFormatError(f"{path}: a header but no data rows")
    columns = first.count(",") + 1
    has_label = _has_label_column(path, columns, expected_pixels)

    stream = io.BytesIO(data)
    stream.seek(start)
    table = _parse(io.TextIOWrapper(stream, encoding="utf-8"), columns, has_label, num_classes)
    if table is None:
        raise _locate(path, data, header, columns, has_label, num_classes)
    labels = table[:, 0].astype(np.int64) if has_label else None
    pixels = table[:, 1:] if has_label else table
    return (to_unit(pixels) if normalize else np.ascontiguousarray(pixels)), labels


def _has_label_column(path: Path, columns: int, expected_pixels: int | None) -> bool:
    """Whether the first column is the label, from the width of line 1."""
    if expected_pixels is None:
        if columns < 2:
            raise DataFormatError(f"{path}: line 1 has 1 column; expected a label and pixels")
        return True
    if columns not in (expected_pixels, expected_pixels + 1):
        raise DataFormatError(
            f"{path}: line 1 has {columns} columns; expected {expected_pixels} pixels with or "
            f"without a label column before them ({expected_pixels} or {expected_pixels + 1} "
            "columns)"
        )
    return columns == expected_pixels + 1


def _parse(lines, columns: int, has_label: bool, num_classes: int) -> np.ndarray | None:
    """The uint8 table of these lines (blank ones skipped), or None if any of them is bad."""
    try:
        table = np.loadtxt(lines, delimiter=",", dtype=np.uint8, comments=None, ndmin=2)
    except ValueError:
        return None
    if table.shape[1] != columns or (has_label and table[:, 0].max() >= num_classes):
        return None
    return table


def _locate(
    path: Path, data: bytes, header: bool, columns: int, has_label: bool, num_classes: int
) -> DataFormatError:
    """The error naming the first bad line (error path only): blocks, then one block by line."""
    lines = data.decode("utf-8", "replace").splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()][header:]
    for start in range(0, len(numbered), _LOCATE_BLOCK):
        block = numbered[start : start + _LOCATE_BLOCK]
        if _parse([line for _, line in block], columns, has_label, num_classes) is not None:
            continue
        for number, line in block:
            if _parse([line], columns, has_label, num_classes) is None:
                return _describe(path, number, line, columns, has_label, num_classes)
    return DataFormatError(f"{path}: not a CSV of {columns} integer cells per line")


def _describe(
    path: Path, number: int, line: str, columns: int, has_label: bool, num_classes: int
) -> DataFormatError:
    """What is wrong with one line that failed to parse: its width or its first bad cell."""
    cells = line.split(",")
    if len(cells) != columns:
        return DataFormatError(
            f"{path}: line {number} has {len(cells)} columns, expected {columns}"
        )
    for column, cell in enumerate(cells, start=1):
        place = f"{path}: line {number}, column {column}"
        if not _INTEGER.fullmatch(cell):
            return DataFormatError(f"{place}: {cell!r} is not an integer")
        value = int(cell)
        if column == 1 and has_label and not 0 <= value < num_classes:
            return DataFormatError(f"{place}: label {value} is outside 0–{num_classes - 1}")
        if not 0 <= value <= 255:
            return DataFormatError(f"{place}: pixel value {value} is outside 0–255")
    return DataFormatError(f"{path}: line {number} is not {columns} comma-separated integers")


def write_csv(
    path: str | os.PathLike, images: np.ndarray, labels: np.ndarray, header: bool = True
) -> Path:
    """Write images and labels as `label,1x1,...,HxW` lines (e.g. to turn IDX files into CSV).

    images are (N, H, W), (N, 1, H, W) or flat (N, P) with P a square (else names run 1x1..1xP):
    uint8 or integers in 0–255, or floats in [0, 1] as load_mnist returns them.
    """
    path = Path(path)
    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"write_csv got {len(images)} images but {len(labels)} labels")
    pixels = to_bytes(images).reshape(len(images), -1)
    table = np.column_stack([to_bytes(labels), pixels])
    with open(path, "wb") as file:
        if header:
            side = math.isqrt(pixels.shape[1])
            height, width = (side, side) if side * side == pixels.shape[1] else (1, pixels.shape[1])
            names = (f"{r}x{c}" for r in range(1, height + 1) for c in range(1, width + 1))
            file.write(("label," + ",".join(names) + "\n").encode())
        for start in range(0, len(table), _WRITE_CHUNK):
            file.write(_format_rows(table[start : start + _WRITE_CHUNK]))
    return path


def _format_rows(table: np.ndarray) -> bytes:
    """uint8 rows as CSV text: each cell as up to three ASCII digits, then a comma or newline."""
    values = table.astype(np.int16)
    chars = np.empty((*table.shape, 4), np.uint8)
    chars[..., 0] = values // 100 + 48
    chars[..., 1] = values // 10 % 10 + 48
    chars[..., 2] = values % 10 + 48
    chars[..., 3] = ord(",")
    chars[:, -1, 3] = ord("\n")
    keep = np.ones(chars.shape, bool)
    keep[..., 0] = values >= 100
    keep[..., 1] = values >= 10
    return chars[keep].tobytes()
