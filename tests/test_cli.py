"""The `scratchnn` command, run as a user runs it: in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import MNIST_DIR


def scratchnn(*args, cwd, env=None):
    environment = {**os.environ, "SCRATCHNN_OFFLINE": "1", "SCRATCHNN_DATA": str(cwd / "none")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "scratchnn", *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    result = scratchnn(
        "train",
        "--dataset",
        "digits",
        "--epochs",
        "3",
        "--out",
        "m.safetensors",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    return folder, result


def test_train_reports_epochs_accuracy_and_where_the_model_went(digits_model):
    folder, result = digits_model
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("training 64-128-64-10 ")
    assert [line.split()[1] for line in lines if line.startswith("epoch ")] == ["1/3", "2/3", "3/3"]
    assert "test accuracy" in lines[-1] and "model saved to m.safetensors" in lines[-1]
    accuracy = float(lines[-1].split("test accuracy ")[1].split("%")[0])
    assert accuracy > 70
    assert (folder / "m.safetensors").exists()


def test_info_shows_the_summary_and_metadata(digits_model):
    folder, _ = digits_model
    result = scratchnn("info", "m.safetensors", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "(N, 128)" in result.stdout and "Total params: 17,226" in result.stdout
    assert "dataset: digits" in result.stdout


def test_evaluate_prints_confusion_matrix_and_per_class_metrics(digits_model):
    folder, _ = digits_model
    result = scratchnn("evaluate", "m.safetensors", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "confusion matrix" in result.stdout and "precision" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line[:1].isdigit()]
    assert len(rows) == 20  # ten confusion rows, ten per-class rows


def test_predict_index_prints_every_class_highest_first(digits_model):
    folder, _ = digits_model
    result = scratchnn("predict", "m.safetensors", "--index", "3", cwd=folder)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("test sample 3: predicted ")
    probabilities = [float(line.split()[-1]) for line in lines[2:12]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-3)
    assert lines[0].split("predicted ")[1].split()[0] == lines[2].split()[0]


def test_resume_continues_from_the_checkpoint(digits_model):
    folder, _ = digits_model
    # a constant rate: a cosine schedule's shape depends on the total number of epochs, so a
    # one-epoch run extended to two is not the same as a two-epoch run
    args = [
        "train",
        "--dataset",
        "digits",
        "--schedule",
        "constant",
        "--out",
        "r.safetensors",
        "--quiet",
    ]
    first = scratchnn(*args, "--epochs", "1", cwd=folder)
    assert first.returncode == 0, first.stderr
    resumed = scratchnn(*args, "--epochs", "2", "--resume", cwd=folder)
    assert resumed.returncode == 0, resumed.stderr
    straight = scratchnn(
        *args[:-1], "--epochs", "2", "--out", "s.safetensors", "--quiet", cwd=folder
    )
    assert straight.returncode == 0
    assert (folder / "r.safetensors").read_bytes() != b""
    import scratchnn as sn

    a, b = sn.load(folder / "r.safetensors"), sn.load(folder / "s.safetensors")
    for name, value in a.state_dict().items():
        np.testing.assert_array_equal(value, b.state_dict()[name])


def test_missing_mnist_falls_back_to_digits_with_one_line(tmp_path):
    result = scratchnn("train", "--epochs", "1", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    notice = result.stderr.strip().splitlines()
    assert len(notice) == 1 and "digits instead" in notice[0] and "MNIST" in notice[0]
    assert "on digits" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["predict", "missing.safetensors", "--index", "0"], "no such file: missing.safetensors"),
        (["info", "garbage.safetensors"], "garbage.safetensors"),
        (["train", "--model", "mlp:12-x"], "layer sizes must be integers"),
        (["train", "--dataset", "digits", "--lr", "-1"], "--lr must be positive"),
        (["train", "--dataset", "mnist", "--data", "nowhere"], "MNIST"),
        (["train", "--model", "resnet"], "unknown model 'resnet'"),
    ],
)
def test_errors_are_one_line_with_exit_status_2(tmp_path, args, message):
    (tmp_path / "garbage.safetensors").write_bytes(b"not a model at all")
    result = scratchnn(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "garbage.safetensors").write_bytes(b"not a model at all")
    result = scratchnn("info", "garbage.safetensors", "--debug", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" in result.stderr


def test_unknown_option_is_a_usage_error(tmp_path):
    result = scratchnn("train", "--no-such-option", cwd=tmp_path)
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_demo_addition_prints_the_article_lines(tmp_path):
    result = scratchnn("demo", "addition", "--epochs", "60", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines.count("Input: [0.9, 0.1], Prediction: 1.0") >= 1
    assert sum(line.startswith("Input: [") for line in lines) == 50
    assert "25 of 25 test sums right at one decimal" in result.stdout


@pytest.fixture(scope="module")
def mnist_model(tmp_path_factory):
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip("MNIST files not found")
    folder = tmp_path_factory.mktemp("mnist")
    result = scratchnn(
        "train",
        "--data",
        MNIST_DIR,
        "--model",
        "mlp:784-32-10",
        "--epochs",
        "1",
        "--out",
        "mnist.safetensors",
        "--quiet",
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr
    return folder, result


def test_mnist_training_from_files_and_prediction_of_a_png_and_a_csv_row(mnist_model):
    from PIL import Image

    from scratchnn.data import load_mnist, write_csv

    folder, result = mnist_model
    accuracy = float(result.stdout.split("test accuracy ")[1].split("%")[0])
    assert accuracy > 90
    images, labels = load_mnist(MNIST_DIR, split="test", normalize=False)
    digit = images[0].reshape(28, 28)
    large = Image.fromarray(255 - digit).resize((140, 140))
    large.save(folder / "digit.png")
    write_csv(folder / "rows.csv", images[:2], labels[:2])
    result = scratchnn("predict", "mnist.safetensors", "digit.png", "rows.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert f"digit.png: predicted {labels[0]}" in result.stdout
    assert f"rows.csv row 1: predicted {labels[0]} (label {labels[0]})" in result.stdout
