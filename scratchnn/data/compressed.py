"""A data file's bytes, decompressed when the file is gzip (recognised by its magic bytes)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from scratchnn.errors import DataFormatError

GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: Path) -> bytes:
    """The contents of `path`, gunzipped if they start with the gzip magic, whatever the name."""
    data = path.read_bytes()
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise DataFormatError(f"{path}: corrupt or truncated gzip data ({error})") from None
