"""IDX files, the MNIST format: a big-endian header (magic number, dimensions), then the values.

The magic number's bytes are 0, 0, a type code and the number of dimensions; each dimension
follows as a big-endian uint32, then the values in C order. MNIST images are 2051 (0x00000803:
unsigned bytes, 3 dimensions), labels 2049 (0x00000801: unsigned bytes, 1 dimension).
"""

from __future__ import annotations

import gzip
import math
import os
from pathlib import Path

import numpy as np

from scratchnn.data.compressed import read_bytes
from scratchnn.errors import DataFormatError

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049

IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
IDX_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}


def _describe(magic: int) -> str:
    dtype, ndim = IDX_DTYPES.get((magic >> 8) & 0xFF), magic & 0xFF
    return f"{magic} ({dtype.name if dtype else '?'} values, {ndim} dimensions)"


def read_idx(path: str | os.PathLike, magic: int | None = None) -> np.ndarray:
    """The array stored in an IDX file (raw or gzip), in native byte order.

    `magic` (e.g. IMAGES_MAGIC) demands that exact type and number of dimensions. Anything the
    header does not account for is a DataFormatError naming the file and the byte offset
    (offsets count the uncompressed data).
    """
    path = Path(path)
    data = read_bytes(path)
    if len(data) < 4:
        raise DataFormatError(
            f"{path}: truncated at byte {len(data)}: an IDX file starts with a 4-byte magic number"
        )
    found = int.from_bytes(data[:4], "big")
    code, ndim = data[2], data[3]
    if data[:2] != b"\0\0":
        raise DataFormatError(
            f"{path}: bad magic number 0x{found:08x}: not an IDX file (its first two bytes "
            "must be zero)"
        )
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02x}" for c in IDX_DTYPES)
        raise DataFormatError(
            f"{path}: bad magic number 0x{found:08x}: unknown type code 0x{code:02x} "
            f"(IDX knows {known})"
        )
    if magic is not None and found != magic:
        raise DataFormatError(
            f"{path}: magic number {_describe(found)} where {_describe(magic)} was expected"
        )
    if ndim == 0:
        raise DataFormatError(f"{path}: the header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFormatError(
            f"{path}: truncated at byte {len(data)}: a {ndim}-dimensional IDX file has a "
            f"{header}-byte header"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, offset=4))
    dtype = IDX_DTYPES[code]
    end = header + math.prod(shape) * dtype.itemsize
    dims = " × ".join(map(str, shape))
    if len(data) < end:
        raise DataFormatError(
            f"{path}: truncated at byte {len(data)}: the header promises {dims} values of "
            f"{dtype.itemsize} byte(s), which end at byte {end}"
        )
    if len(data) > end:
        raise DataFormatError(
            f"{path}: {len(data) - end} extra bytes after byte {end}, where the header's "
            f"{dims} values end"
        )
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write `array` as an IDX file; gzip-compressed when the name ends in `.gz`."""
    path = Path(path)
    array = np.asarray(array)
    code = IDX_CODES.get(array.dtype.newbyteorder("="))
    if code is None or array.ndim == 0:
        raise ValueError(
            f"IDX stores 1 to 255 dimensions of uint8, int8, int16, int32, float32 or float64, "
            f"got {array.ndim} dimensions of {array.dtype}"
        )
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    data = header + array.astype(IDX_DTYPES[code], copy=False).tobytes()
    path.write_bytes(gzip.compress(data, compresslevel=6) if path.suffix == ".gz" else data)
    return path
