"""The bundled digits, the addition task (generator and JSON), and load_dataset by name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import scratchnn
from scratchnn.data import (
    ARTICLE_TEST_INPUTS,
    DATASETS,
    FASHION_MNIST_CLASSES,
    load_addition_json,
    load_dataset,
    load_digits,
    load_mnist,
    make_addition,
    write_csv,
)
from scratchnn.errors import DataFormatError

# ----- digits ---------------------------------------------------------------------------------


def test_digits_scaled_and_split():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert y.dtype == np.int64 and y[:10].tolist() == list(range(10))
    assert x.min() == 0.0 and x.max() == 1.0
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    np.testing.assert_allclose(x, sklearn_datasets.load_digits().data / 16, rtol=1e-6)
    x_train, y_train = load_digits("train")
    x_test, y_test = load_digits("test", flatten=False)
    assert len(x_train) + len(x_test) == 1797 and len(x_test) == 360
    assert x_test.shape == (360, 1, 8, 8)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), y)
    assert (np.bincount(y_test) >= 30).all()
    np.testing.assert_array_equal(load_digits("train")[0], x_train)  # fixed, not random


def test_digits_rejects_unknown_split():
    with pytest.raises(ValueError, match="split"):
        load_digits("validation")


# ----- addition -------------------------------------------------------------------------------


def test_article_test_inputs_are_exactly_the_articles():
    assert ARTICLE_TEST_INPUTS[:3] == ((0.9, 0.1), (0.5, 0.5), (0.2, 0.3))
    assert ARTICLE_TEST_INPUTS[-1] == (0.4, 0.5) and len(ARTICLE_TEST_INPUTS) == 25
    assert ARTICLE_TEST_INPUTS[14] == (0.9, 0.1) and ARTICLE_TEST_INPUTS[20] == (0.1, 0.0)


def test_make_addition_targets_are_sums_covering_the_test_inputs():
    x, y = make_addition(2000, seed=0)
    assert x.shape == (2000, 2) and y.shape == (2000, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    np.testing.assert_allclose(y[:, 0], x[:, 0] + x[:, 1], rtol=1e-6)
    assert x.min() >= 0.0 and y.max() <= 1.0
    assert y.min() < 0.05 and y.max() > 0.95  # sums cover [0, 1]
    assert x.max() > 0.9  # single numbers reach the article's 0.9
    tests = np.asarray(ARTICLE_TEST_INPUTS)
    assert (tests >= 0).all() and (tests.sum(axis=1) <= 1.0 + 1e-12).all()


def test_make_addition_is_seeded():
    np.testing.assert_array_equal(make_addition(5, seed=3)[0], make_addition(5, seed=3)[0])
    assert not np.array_equal(make_addition(5, seed=3)[0], make_addition(5, seed=4)[0])
    scratchnn.manual_seed(1)
    a = make_addition(5)[0]
    scratchnn.manual_seed(1)
    np.testing.assert_array_equal(make_addition(5)[0], a)
    x, y = make_addition(100, max_sum=0.5, seed=0)
    assert y.max() <= 0.5


def write_json(path: Path, document) -> Path:
    path.write_text(json.dumps(document))
    return path


ARTICLE_JSON = {
    "training_inputs": [[0.1, 0.2], [0.4, 0.4], [0, 1]],
    "training_outputs": [0.3, 0.8, 1],
    "test_inputs": [[0.9, 0.1], [0.5, 0.5]],
}


def test_load_addition_json(tmp_path):
    data = load_addition_json(write_json(tmp_path / "data.json", ARTICLE_JSON))
    assert data.train_inputs.shape == (3, 2) and data.train_inputs.dtype == np.float32
    np.testing.assert_allclose(data.train_targets[:, 0], [0.3, 0.8, 1.0])
    np.testing.assert_allclose(data.test_inputs, [[0.9, 0.1], [0.5, 0.5]])
    without_tests = {k: v for k, v in ARTICLE_JSON.items() if k != "test_inputs"}
    assert load_addition_json(write_json(tmp_path / "t.json", without_tests)).test_inputs.shape == (
        0,
        2,
    )


@pytest.mark.parametrize(
    ("change", "place"),
    [
        ({"training_outputs": None}, r"missing key 'training_outputs'"),
        ({"training_inputs": {"a": 1}}, r"'training_inputs' must be a list"),
        ({"training_inputs": [[0.1, 0.2], [0.4], [0, 1]]}, r"training_inputs\[1\] must be"),
        ({"training_inputs": [[0.1, 0.2], [0.4, 0.4], 7]}, r"training_inputs\[2\] must be"),
        (
            {"training_inputs": [[0.1, "x"], [0.4, 0.4], [0, 1]]},
            r"training_inputs\[0\]\[1\] is \"x\"",
        ),
        (
            {"training_inputs": [[0.1, 0.2], [True, 0.4], [0, 1]]},
            r"training_inputs\[1\]\[0\] is true",
        ),
        ({"training_outputs": [0.3, None, 1]}, r"training_outputs\[1\] is null"),
        ({"training_outputs": [0.3, 0.8]}, r"3 training_inputs but 2 training_outputs"),
        ({"test_inputs": [[0.9, 0.1, 0.0]]}, r"test_inputs\[0\] must be"),
    ],
)
def test_broken_addition_json(tmp_path, change, place):
    document = {**ARTICLE_JSON, **change}
    document = {k: v for k, v in document.items() if v is not None}
    path = write_json(tmp_path / "broken.json", document)
    with pytest.raises(DataFormatError, match=rf"broken\.json: {place}"):
        load_addition_json(path)


def test_addition_json_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "syntax.json"
    path.write_text('{\n  "training_inputs": [[0.1, 0.2],\n}')
    with pytest.raises(DataFormatError, match=r"syntax\.json: not valid JSON at line 3, column 1"):
        load_addition_json(path)
    top = write_json(tmp_path / "list.json", [1, 2])
    with pytest.raises(DataFormatError, match=r"list\.json: .*JSON object"):
        load_addition_json(top)


# ----- load_dataset ---------------------------------------------------------------------------


def test_load_dataset_names():
    assert DATASETS == ("mnist", "fashion-mnist", "digits", "addition")
    with pytest.raises(ValueError, match="mnist, fashion-mnist, digits, addition"):
        load_dataset("cifar10")


def test_load_dataset_digits():
    loaded = load_dataset("digits")
    assert loaded.name == "digits" and loaded.num_classes == 10
    assert loaded.input_shape == (64,) and loaded.class_names == ()
    assert len(loaded.train[0]) == 1437 and len(loaded.test[1]) == 360
    assert load_dataset("digits", flatten=False).input_shape == (1, 8, 8)


def test_load_dataset_addition_default_and_json(tmp_path):
    loaded = load_dataset("addition")
    assert loaded.num_classes is None and loaded.input_shape == (2,)
    x_test, y_test = loaded.test
    np.testing.assert_allclose(x_test, np.asarray(ARTICLE_TEST_INPUTS, np.float32))
    np.testing.assert_allclose(y_test[:, 0], x_test.sum(axis=1))
    assert loaded.train[0].shape[1] == 2 and loaded.train[1].shape[1] == 1
    np.testing.assert_array_equal(load_dataset("addition").train[0], loaded.train[0])
    from_json = load_dataset("addition", data=write_json(tmp_path / "a.json", ARTICLE_JSON))
    assert len(from_json.train[0]) == 3
    np.testing.assert_allclose(from_json.test[1][:, 0], [1.0, 1.0])


def test_load_dataset_mnist_from_a_folder(mnist_dir):
    loaded = load_dataset("mnist", data=mnist_dir)
    assert loaded.name == "mnist" and loaded.num_classes == 10 and loaded.class_names == ()
    assert loaded.input_shape == (784,)
    assert loaded.train[0].shape == (60000, 784) and loaded.test[0].shape == (10000, 784)
    assert loaded.test[1][:3].tolist() == [7, 2, 1]


def test_load_dataset_fashion_has_class_names(tmp_path, mnist_dir):
    fashion = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fashion-mnist"
    if not (fashion / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST files not available")
    loaded = load_dataset("fashion-mnist", data=fashion, flatten=False)
    assert loaded.class_names == FASHION_MNIST_CLASSES and loaded.class_names[0] == "T-shirt/top"
    assert loaded.input_shape == (1, 28, 28)


def test_load_dataset_from_a_csv_file_and_its_partner(mnist_dir, tmp_path):
    x, y = load_mnist(mnist_dir, "test", normalize=False)
    write_csv(tmp_path / "mnist_train.csv", x[:50], y[:50])
    write_csv(tmp_path / "mnist_test.csv", x[50:80], y[50:80])
    for name in ("mnist_train.csv", "mnist_test.csv"):
        loaded = load_dataset("mnist", data=tmp_path / name)
        assert len(loaded.train[0]) == 50 and len(loaded.test[0]) == 30
        np.testing.assert_array_equal(loaded.test[1], y[50:80])
    (tmp_path / "mnist_test.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"mnist_test\.csv"):
        load_dataset("mnist", data=tmp_path / "mnist_train.csv")
    (tmp_path / "mnist_train.csv").rename(tmp_path / "digits.csv")
    with pytest.raises(FileNotFoundError, match=r"digits\.csv.*train.*test"):
        load_dataset("mnist", data=tmp_path / "digits.csv")


def test_load_dataset_digits_takes_no_data_path(tmp_path):
    with pytest.raises(ValueError, match="digits"):
        load_dataset("digits", data=tmp_path)
