"""Kaggle-style MNIST CSV: `label,1x1,...,28x28`, header optional; reading, writing, errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from scratchnn.data import load_mnist, read_csv, write_csv
from scratchnn.errors import DataFormatError


def rows(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def small(rng) -> tuple[np.ndarray, np.ndarray]:
    images = rng.integers(0, 256, size=(7, 4, 4)).astype(np.uint8)
    images[0, 0, 0], images[1, 0, 0] = 0, 255
    return images, rng.integers(0, 10, size=7)


def test_write_then_read_round_trip(tmp_path, small):
    images, labels = small
    path = write_csv(tmp_path / "small.csv", images, labels)
    text = path.read_text()
    assert text.splitlines()[0] == "label," + ",".join(
        f"{r}x{c}" for r in range(1, 5) for c in range(1, 5)
    )
    assert text.splitlines()[1] == ",".join(map(str, [labels[0], *images[0].ravel()]))
    x, y = read_csv(path, normalize=False)
    assert x.dtype == np.uint8 and x.shape == (7, 16) and y.dtype == np.int64
    np.testing.assert_array_equal(x, images.reshape(7, 16))
    np.testing.assert_array_equal(y, labels)
    x, _ = read_csv(path)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, images.reshape(7, 16) / 255, rtol=1e-6)


def test_write_without_header_and_from_unit_floats(tmp_path, small):
    images, labels = small
    path = write_csv(tmp_path / "plain.csv", images.astype(np.float32) / 255, labels, header=False)
    assert path.read_text().splitlines()[0].startswith(f"{labels[0]},")
    x, y = read_csv(path, normalize=False)
    np.testing.assert_array_equal(x, images.reshape(7, 16))


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.full((1, 4), 256), "0–255"),
        (np.full((1, 4), -1), "0–255"),
        (np.full((1, 4), 1.5), r"\[0, 1\]"),
    ],
)
def test_write_rejects_values_outside_the_pixel_range(tmp_path, images, message):
    with pytest.raises(ValueError, match=message):
        write_csv(tmp_path / "bad.csv", images, [1])


def test_write_rejects_mismatched_lengths(tmp_path):
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        write_csv(tmp_path / "bad.csv", np.zeros((2, 4), np.uint8), [1, 2, 3])


def test_real_mnist_converts_to_csv_and_back(mnist_dir, tmp_path):
    x, y = load_mnist(mnist_dir, split="test", normalize=False)
    path = write_csv(tmp_path / "mnist_test.csv", x, y)
    assert path.read_text().splitlines()[0].split(",")[-1] == "28x28"
    x_csv, y_csv = read_csv(path, normalize=False)
    np.testing.assert_array_equal(x_csv, x)
    np.testing.assert_array_equal(y_csv, y)
    x_loaded, y_loaded = load_mnist(tmp_path, split="test")
    np.testing.assert_array_equal(x_loaded, load_mnist(mnist_dir, split="test")[0])
    np.testing.assert_array_equal(y_loaded, y)


def test_kaggle_fashion_header_crlf_bom_and_no_final_newline(tmp_path):
    header = "label," + ",".join(f"pixel{i}" for i in range(1, 5))
    text = "\ufeff" + header + "\r\n3,0,1,2,3\r\n\r\n9,255,0,0,7"
    path = tmp_path / "fashion-mnist_test.csv"
    path.write_bytes(text.encode("utf-8"))
    x, y = read_csv(path, normalize=False)
    assert y.tolist() == [3, 9]
    assert x.tolist() == [[0, 1, 2, 3], [255, 0, 0, 7]]


def test_headerless_file_keeps_its_first_row(tmp_path):
    x, y = read_csv(write_text(tmp_path / "a.csv", rows("5,1,2", "6,3,4")), normalize=False)
    assert y.tolist() == [5, 6] and x.tolist() == [[1, 2], [3, 4]]


def test_gzip_csv_is_recognised_by_content(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(gzip.compress(rows("label,a,b", "1,2,3").encode()))
    x, y = read_csv(path, normalize=False)
    assert y.tolist() == [1] and x.tolist() == [[2, 3]]


def test_expected_pixels_makes_the_label_column_optional(tmp_path):
    with_labels = write_text(tmp_path / "l.csv", rows("1,2,3,4,5", "2,0,0,0,0"))
    x, y = read_csv(with_labels, expected_pixels=4)
    assert y.tolist() == [1, 2] and x.shape == (2, 4)
    without = write_text(tmp_path / "u.csv", rows("2,3,4,5", "0,0,0,0"))
    x, y = read_csv(without, expected_pixels=4, normalize=False)
    assert y is None and x.tolist() == [[2, 3, 4, 5], [0, 0, 0, 0]]
    with pytest.raises(DataFormatError, match=r"u\.csv.*line 1 has 4 columns.*2 or 3"):
        read_csv(without, expected_pixels=2)


# ----- broken files: the message names the file, the line and the column ------------------------


@pytest.mark.parametrize(
    ("text", "place"),
    [
        (rows("label,a,b,c", "1,2,3,4", "1,2,3"), r"line 3 has 3 columns, expected 4"),
        (rows("1,2,3,4", "1,2,3,4,5"), r"line 2 has 5 columns, expected 4"),
        (rows("label,a,b,c", "1,2,3,4", "1,2,x,4"), r"line 3, column 3: 'x' is not an integer"),
        (rows("label,a,b,c", "1,2,,4"), r"line 2, column 3: '' is not an integer"),
        (rows("label,a,b,c", "1,2,0.5,4"), r"line 2, column 3: '0.5' is not an integer"),
        (rows("label,a,b,c", "1,2,3,300"), r"line 2, column 4: pixel value 300 is outside 0–255"),
        (rows("label,a,b,c", "1,-1,3,4"), r"line 2, column 2: pixel value -1 is outside 0–255"),
        (rows("label,a,b,c", "1,2,3,4", "10,2,3,4"), r"line 3, column 1: label 10 is outside 0–9"),
        (rows("1,2,3,4", "", "", "1,2,3,99999999999999999999"), r"line 4, column 4: pixel value"),
        (rows("label,a,b,c", "1,2,3,4", "", "12,1,1,1"), r"line 4, column 1: label 12"),
    ],
)
def test_broken_rows_are_located(tmp_path, text, place):
    path = write_text(tmp_path / "broken.csv", text)
    with pytest.raises(DataFormatError, match=rf"broken\.csv: {place}"):
        read_csv(path)


def test_label_range_follows_num_classes(tmp_path):
    path = write_text(tmp_path / "two.csv", rows("1,2,3", "2,2,3"))
    with pytest.raises(
        DataFormatError, match=r"two\.csv: line 2, column 1: label 2 is outside 0–1"
    ):
        read_csv(path, num_classes=2)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("  \n\n", "empty"), ("label,a,b\n", "no data rows"), ("\n1,2\n", "line 1")],
)
def test_empty_files(tmp_path, text, message):
    path = write_text(tmp_path / "empty.csv", text)
    with pytest.raises(DataFormatError, match=rf"empty\.csv.*{message}"):
        read_csv(path)


def test_mnist_csv_must_have_784_pixels(tmp_path):
    write_text(tmp_path / "mnist_test.csv", rows("1,2,3,4"))
    with pytest.raises(DataFormatError, match=r"mnist_test\.csv: line 1 has 4 columns.*785"):
        load_mnist(tmp_path, split="test")


def test_mnist_csv_needs_labels(tmp_path):
    write_text(tmp_path / "mnist_test.csv", rows(",".join(["0"] * 784)))
    with pytest.raises(DataFormatError, match=r"mnist_test\.csv.*no label column"):
        load_mnist(tmp_path, split="test")
