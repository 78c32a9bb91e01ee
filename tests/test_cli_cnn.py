"""The `scratchnn` command with convolutional models and the sequence-addition demo, run in a
subprocess as a user runs it."""

from __future__ import annotations

import re

import pytest

from scratchnn.data import load_digits, write_csv
from tests.conftest import MNIST_DIR
from tests.test_cli import scratchnn


def accuracy_in(text: str) -> float:
    return float(re.search(r"accuracy (\d+\.\d+)%", text)[1])


@pytest.fixture(scope="module")
def digits_cnn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cnn")
    result = scratchnn(
        "train", "--model", "cnn:c8-p2-f32", "--dataset", "digits", "--epochs", "3",
        "--batch-size", "32", "--lr", "0.003", "--out", "m.safetensors", cwd=folder,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder, result


def test_train_cnn_syntax_reports_the_network_and_accuracy(digits_cnn):
    _, result = digits_cnn
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("training cnn:c8-p2-f32 CNN on digits: ")
    assert [line.split()[1] for line in lines if line.startswith("epoch ")] == ["1/3", "2/3", "3/3"]
    assert accuracy_in(lines[-1]) > 70 and "model saved to m.safetensors" in lines[-1]


def test_info_shows_image_input_and_conv_layers(digits_cnn):
    folder, _ = digits_cnn
    result = scratchnn("info", "m.safetensors", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "input shape (N, 1, 8, 8)" in result.stdout
    assert "(N, 8, 4, 4)" in result.stdout and "Conv2d" in result.stdout
    assert "model: cnn:c8-p2-f32" in result.stdout


def test_evaluate_feeds_images_and_reproduces_the_training_accuracy(digits_cnn):
    folder, trained = digits_cnn
    result = scratchnn("evaluate", "m.safetensors", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert accuracy_in(result.stdout) == accuracy_in(trained.stdout.splitlines()[-1])


def test_predict_reshapes_test_samples_and_csv_rows_to_images(digits_cnn):
    folder, _ = digits_cnn
    images, labels = load_digits("test")
    write_csv(folder / "rows.csv", images[:2], labels[:2])
    result = scratchnn("predict", "m.safetensors", "rows.csv", "--index", "5", cwd=folder)
    assert result.returncode == 0, result.stderr
    heads = [line for line in result.stdout.splitlines() if ": predicted " in line]
    assert [head.split(":")[0] for head in heads] == [
        "rows.csv row 1",
        "rows.csv row 2",
        "test sample 5",
    ]
    assert f"(label {labels[0]})" in heads[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "cnn:c32k3-x5-f128"], "bad token 'x5' in cnn:c32k3-x5-f128"),
        (["--model", "cnn:f10-c8"], "bad token 'c8'"),
        (["--model", "cnn", "--dataset", "addition"], "needs (C, H, W) images"),
        (["--model", "cnn", "--dataset", "digits", "--limit", "0"], "--limit must be positive"),
    ],
)
def test_bad_models_exit_2_with_one_line(args, message, tmp_path):
    result = scratchnn("train", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stderr.startswith("scratchnn train: error: ")


@pytest.mark.slow
def test_cnn_preset_on_an_mnist_slice(tmp_path):
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST files not found in {MNIST_DIR}")
    result = scratchnn(
        "train", "--model", "cnn", "--data", MNIST_DIR, "--limit", "3000", "--epochs", "1",
        "--out", "m.safetensors", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("training cnn:c32k3-p2-c64k3-p2-f128 LeNet-style")
    assert "mnist: 2,700 samples" in lines[0]
    assert accuracy_in(lines[-1]) > 80
    predicted = scratchnn(
        "predict", "m.safetensors", "--index", "0", "--data", MNIST_DIR, cwd=tmp_path
    )
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout.startswith("test sample 0: predicted 7 (label 7)")


@pytest.mark.slow
def test_demo_sequence_addition_prints_epochs_examples_and_held_out_accuracy(tmp_path):
    result = scratchnn("demo", "sequence-addition", "--epochs", "1", "--seed", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("Sequence addition: an LSTM reads the 7 tokens of a+b")
    assert re.fullmatch(
        r"epoch 1/1  loss \d+\.\d{4}  held-out sums right \d+\.\d\d%  \S+s", lines[1]
    )
    examples = [
        re.fullmatch(r"(\d+)\+(\d+) = (\d+) \(predicted (\d+)\)(  wrong)?", line)
        for line in lines[3:13]
    ]
    assert all(examples)
    for match in examples:
        assert int(match[1]) + int(match[2]) == int(match[3])
        assert (match[5] is None) == (match[3] == match[4])
    assert re.fullmatch(r"held-out sums exactly right: [\d,]+ of 10,000 \(\d+\.\d\d%\)", lines[-1])


def test_demo_rejects_epochs_below_one(tmp_path):
    result = scratchnn("demo", "sequence-addition", "--epochs", "0", cwd=tmp_path)
    assert result.returncode == 2 and "--epochs must be positive" in result.stderr
    assert result.stderr.count("\n") == 1
