"""load_digit_image: a photo or drawing of a digit turned into an MNIST-style 28x28 input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from scratchnn.data import load_digit_image, load_mnist
from scratchnn.errors import DataFormatError


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / image.sum()), float((cols * image).sum() / image.sum())


@pytest.fixture
def mnist_test(mnist_dir) -> tuple[np.ndarray, np.ndarray]:
    x, y = load_mnist(mnist_dir, split="test", normalize=False, flatten=False)
    return x[:20, 0], y[:20]


def test_large_dark_on_light_rendering_comes_back_as_the_mnist_digit(mnist_test, tmp_path):
    images, _ = mnist_test
    for i, digit in enumerate(images):
        path = tmp_path / f"digit{i}.png"
        Image.fromarray(255 - digit).resize((200, 200), Image.BILINEAR).save(path)
        converted = load_digit_image(path)
        assert converted.shape == (784,) and converted.dtype == np.float32
        assert 0.0 <= converted.min() and converted.max() <= 1.0
        assert correlation(converted, digit / 255) > 0.8, f"digit {i}"


def test_off_centre_small_digit_is_cropped_scaled_and_centred(mnist_test, tmp_path):
    digit = mnist_test[0][0]
    canvas = np.zeros((300, 400), np.uint8)  # light-on-dark, placed in a corner, other aspect
    canvas[10:122, 20:132] = np.asarray(Image.fromarray(digit).resize((112, 112), Image.BILINEAR))
    path = tmp_path / "corner.jpg"
    Image.fromarray(canvas).convert("RGB").save(path, quality=95)
    converted = load_digit_image(path).reshape(28, 28)
    rows, cols = np.nonzero(converted > 0.1)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 <= 21
    row, col = centre_of_mass(converted)
    assert abs(row - 14) < 1 and abs(col - 14) < 1
    assert correlation(converted, digit / 255) > 0.8


def test_transparent_background_counts_as_light(mnist_test, tmp_path):
    digit = mnist_test[0][2]
    rgba = np.zeros((140, 140, 4), np.uint8)  # black ink, alpha = ink, on transparent
    rgba[..., 3] = np.asarray(Image.fromarray(digit).resize((140, 140), Image.BILINEAR))
    path = tmp_path / "transparent.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert correlation(load_digit_image(path), digit / 255) > 0.8


def test_blank_image_is_a_clear_error(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(path)
    with pytest.raises(DataFormatError, match=r"blank\.png.*no digit"):
        load_digit_image(path)


def test_not_an_image_names_the_file(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not a picture")
    with pytest.raises(DataFormatError, match=r"notes\.png.*not a readable image"):
        load_digit_image(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.png"):
        load_digit_image(tmp_path / "absent.png")
