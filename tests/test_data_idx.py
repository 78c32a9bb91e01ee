"""IDX reading and writing, MNIST loading, and every way an IDX file can be broken."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from scratchnn.data import (
    FASHION_MNIST_CLASSES,
    IMAGES_MAGIC,
    LABELS_MAGIC,
    load_mnist,
    read_idx,
    write_idx,
)
from scratchnn.errors import DataFormatError

FASHION_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fashion-mnist"


def decode(path: Path, offset: int) -> np.ndarray:
    """A direct decode of an official .gz IDX file, independent of the library."""
    return np.frombuffer(gzip.decompress(path.read_bytes()), np.uint8, offset=offset)


def idx_header(code: int, *dims: int) -> bytes:
    return bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["array.idx", "array.idx.gz"])
def test_write_then_read_round_trip(tmp_path, dtype, name):
    values = np.arange(30).reshape(2, 3, 5)
    array = (values if np.dtype(dtype).kind == "u" else values - 7).astype(dtype)
    path = tmp_path / name
    write_idx(path, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, array)
    back[0, 0, 0] = 1  # writable


def test_header_is_big_endian_with_the_mnist_magic(tmp_path):
    path = write_idx(tmp_path / "images", np.zeros((3, 28, 28), np.uint8))
    data = path.read_bytes()
    assert int.from_bytes(data[:4], "big") == IMAGES_MAGIC == 2051
    assert [int.from_bytes(data[i : i + 4], "big") for i in (4, 8, 12)] == [3, 28, 28]
    labels = write_idx(tmp_path / "labels", np.zeros(3, np.uint8))
    assert int.from_bytes(labels.read_bytes()[:4], "big") == LABELS_MAGIC == 2049


def test_compression_is_recognised_by_content_not_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    raw = write_idx(tmp_path / "a.idx", array)
    disguised = write_bytes(tmp_path / "b.idx", gzip.compress(raw.read_bytes()))
    misnamed = write_bytes(tmp_path / "c.idx.gz", raw.read_bytes())
    np.testing.assert_array_equal(read_idx(disguised), array)
    np.testing.assert_array_equal(read_idx(misnamed), array)


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="int64"):
        write_idx(tmp_path / "x", np.zeros(3, np.int64))


# ----- broken files: the message names the file and the place ---------------------------------


def test_bad_magic(tmp_path):
    path = write_bytes(tmp_path / "bad-magic", b"PK\x03\x04" + bytes(20))
    with pytest.raises(DataFormatError, match=r"bad-magic.*magic number 0x504b0304"):
        read_idx(path)


def test_unknown_type_code(tmp_path):
    path = write_bytes(tmp_path / "bad-type", idx_header(0x0A, 2) + bytes(2))
    with pytest.raises(DataFormatError, match=r"bad-type.*type code 0x0a"):
        read_idx(path)


def test_zero_dimensions(tmp_path):
    path = write_bytes(tmp_path / "no-dims", idx_header(0x08))
    with pytest.raises(DataFormatError, match=r"no-dims.*0 dimensions"):
        read_idx(path)


def test_wrong_magic_for_the_expected_content(tmp_path):
    path = write_idx(tmp_path / "labels-not-images", np.zeros(4, np.uint8))
    with pytest.raises(DataFormatError, match=r"labels-not-images.*magic number 2049.*2051"):
        read_idx(path, magic=IMAGES_MAGIC)


def test_file_shorter_than_its_magic(tmp_path):
    path = write_bytes(tmp_path / "tiny", b"\x00\x00")
    with pytest.raises(DataFormatError, match=r"tiny.*truncated at byte 2"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = write_bytes(tmp_path / "short-header", idx_header(0x08, 5, 28, 28)[:10])
    with pytest.raises(
        DataFormatError, match=r"short-header.*truncated at byte 10.*16-byte header"
    ):
        read_idx(path)


def test_truncated_data(tmp_path):
    data = idx_header(0x08, 3, 28, 28) + bytes(3 * 784 - 100)
    path = write_bytes(tmp_path / "truncated", data)
    with pytest.raises(DataFormatError, match=r"truncated.*truncated at byte 2268.*3 × 28 × 28"):
        read_idx(path)


def test_truncated_data_inside_gzip(tmp_path):
    data = idx_header(0x0C, 4, 2) + bytes(4 * 2 * 4 - 1)
    path = write_bytes(tmp_path / "truncated.gz", gzip.compress(data))
    with pytest.raises(DataFormatError, match=r"truncated\.gz.*truncated at byte 43.*4 × 2"):
        read_idx(path)


def test_extra_bytes(tmp_path):
    data = idx_header(0x08, 2, 3) + bytes(6) + b"junk"
    path = write_bytes(tmp_path / "too-long", data)
    with pytest.raises(DataFormatError, match=r"too-long.*4 extra bytes after byte 18"):
        read_idx(path)


def test_corrupt_gzip(tmp_path):
    compressed = gzip.compress(idx_header(0x08, 100) + bytes(range(100)))
    path = write_bytes(tmp_path / "cut.gz", compressed[: len(compressed) // 2])
    with pytest.raises(DataFormatError, match=r"cut\.gz.*gzip"):
        read_idx(path)


# ----- MNIST-level checks ---------------------------------------------------------------------


def write_mnist(folder: Path, images: np.ndarray, labels: np.ndarray, split: str = "t10k"):
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / f"{split}-images-idx3-ubyte", images)
    write_idx(folder / f"{split}-labels-idx1-ubyte", labels)


def test_load_mnist_from_crafted_files(tmp_path):
    images = np.arange(2 * 784, dtype=np.int64).reshape(2, 28, 28) % 256
    write_mnist(tmp_path, images.astype(np.uint8), np.array([3, 9], np.uint8))
    x, y = load_mnist(tmp_path, split="test")
    assert x.shape == (2, 784) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [3, 9]
    np.testing.assert_allclose(x, images.reshape(2, 784) / 255, rtol=1e-6)
    assert x.max() == 1.0 and x.min() == 0.0
    raw, _ = load_mnist(tmp_path, split="test", normalize=False, flatten=False)
    assert raw.dtype == np.uint8 and raw.shape == (2, 1, 28, 28)


def test_load_mnist_label_out_of_range(tmp_path):
    write_mnist(tmp_path, np.zeros((3, 28, 28), np.uint8), np.array([1, 2, 12], np.uint8))
    with pytest.raises(
        DataFormatError, match=r"t10k-labels-idx1-ubyte.*label 12 at index 2 \(byte 10\)"
    ):
        load_mnist(tmp_path, split="test")


def test_load_mnist_count_mismatch(tmp_path):
    write_mnist(tmp_path, np.zeros((3, 28, 28), np.uint8), np.array([1, 2], np.uint8))
    with pytest.raises(DataFormatError, match=r"t10k-images-idx3-ubyte.*3 images.*2 labels"):
        load_mnist(tmp_path, split="test")


def test_load_mnist_wrong_image_size(tmp_path):
    write_mnist(tmp_path, np.zeros((3, 28, 27), np.uint8), np.array([1, 2, 3], np.uint8))
    with pytest.raises(DataFormatError, match=r"t10k-images-idx3-ubyte.*28 × 27.*28 × 28"):
        load_mnist(tmp_path, split="test")


def test_load_mnist_images_file_holding_labels(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros(3, np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(DataFormatError, match=r"t10k-images-idx3-ubyte.*magic number 2049"):
        load_mnist(tmp_path, split="test")


def test_load_mnist_missing_files_names_what_it_looked_for(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"t10k-images-idx3-ubyte.*mnist_test\.csv"):
        load_mnist(tmp_path, split="test")


def test_load_mnist_rejects_unknown_split_and_kind(tmp_path):
    with pytest.raises(ValueError, match="split"):
        load_mnist(tmp_path, split="validation")
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="emnist")


# ----- the real files -------------------------------------------------------------------------


def test_real_mnist_test_split(mnist_dir):
    x, y = load_mnist(mnist_dir, split="test")
    assert x.shape == (10000, 784) and x.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    pixels = decode(mnist_dir / "t10k-images-idx3-ubyte.gz", 16).reshape(10000, 784)
    np.testing.assert_array_equal(x, pixels.astype(np.float32) / np.float32(255))
    assert int(pixels.sum(dtype=np.int64)) == 264923200
    assert int(pixels[0].sum(dtype=np.int64)) == 18454
    np.testing.assert_array_equal(y, decode(mnist_dir / "t10k-labels-idx1-ubyte.gz", 8))


def test_real_mnist_train_split(mnist_dir):
    x, y = load_mnist(mnist_dir, split="train", normalize=False, flatten=False)
    assert x.shape == (60000, 1, 28, 28) and x.dtype == np.uint8
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(y).sum() == 60000 and y.max() == 9
    pixels = decode(mnist_dir / "train-images-idx3-ubyte.gz", 16)
    assert int(x.sum(dtype=np.int64)) == int(pixels.sum(dtype=np.int64))
    np.testing.assert_array_equal(x[-1].ravel(), pixels[-784:])


def test_real_mnist_under_other_names_and_uncompressed(mnist_dir, tmp_path):
    """The dot variant `t10k-images.idx3-ubyte`, raw or gzipped, in a `<kind>/` subfolder."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / "t10k-images.idx3-ubyte").write_bytes(
        gzip.decompress((mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    )
    shutil.copy(mnist_dir / "t10k-labels-idx1-ubyte.gz", folder / "t10k-labels.idx1-ubyte.gz")
    x, y = load_mnist(tmp_path, split="test")
    expected_x, expected_y = load_mnist(mnist_dir, split="test")
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)


@pytest.fixture
def fashion_dir() -> Path:
    if not (FASHION_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"Fashion-MNIST files not found in {FASHION_DIR}")
    return FASHION_DIR


def test_real_fashion_mnist(fashion_dir):
    x, y = load_mnist(fashion_dir, split="test", kind="fashion-mnist")
    assert x.shape == (10000, 784) and x.dtype == np.float32
    assert y[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert np.bincount(y).tolist() == [1000] * 10
    pixels = decode(fashion_dir / "t10k-images-idx3-ubyte.gz", 16)
    assert float(x.sum(dtype=np.float64)) == pytest.approx(pixels.sum(dtype=np.int64) / 255)
    _, y_train = load_mnist(fashion_dir, split="train", kind="fashion-mnist")
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert FASHION_MNIST_CLASSES[9] == "Ankle boot" and len(FASHION_MNIST_CLASSES) == 10
