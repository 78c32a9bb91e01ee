"""`scratchnn predict MODEL INPUT...`: the class of each input with every class's probability."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from scratchnn import functional, nn
from scratchnn.cli.options import add_data_options, common, existing_file
from scratchnn.cli.saved import load_model
from scratchnn.cli.setup import load_task
from scratchnn.data import load_digit_image, read_csv
from scratchnn.tensor import Tensor
from scratchnn.train import predict

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "predict", parents=[common], help="classify images, CSV rows or test-set samples"
    )
    parser.add_argument("model", help="a model file written by `scratchnn train`")
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="PNG/JPEG image of a digit, or a CSV file of pixel rows (label column optional)",
    )
    parser.add_argument("--index", type=int, action="append", help="a test-set sample (repeatable)")
    add_data_options(parser, default=None)
    parser.set_defaults(run=run)


def probabilities(model: nn.Module, outputs: np.ndarray) -> np.ndarray:
    """Class probabilities: softmax of logits, unless the model already ends in Softmax/Sigmoid."""
    last = list(model.children())[-1] if list(model.children()) else model
    if isinstance(last, (nn.Softmax, nn.Sigmoid)):
        return outputs
    return functional.softmax(Tensor(outputs), axis=-1).data


def probability_table(probs: np.ndarray, class_names: list[str]) -> str:
    """The fourth article's table, highest probability first."""
    order = np.argsort(-probs, kind="stable")
    names = class_names or [str(i) for i in range(len(probs))]
    width = max(len("class"), *(len(f"{i} {names[i]}") for i in order))
    lines = [f"{'class':<{width}}  probability"]
    labels = [f"{i} {names[i]}" if class_names else str(i) for i in order]
    lines += [f"{label:<{width}}  {probs[i]:.4f}" for label, i in zip(labels, order)]
    return "\n".join(lines)


def gather_inputs(args: argparse.Namespace, metadata: dict, expected: int):
    """(label, pixel row) for every INPUT and --index."""
    items: list[tuple[str, np.ndarray, int | None]] = []
    for text in args.inputs:
        path = existing_file(text)
        if path.suffix.lower() in IMAGE_SUFFIXES:
            items.append((text, load_digit_image(path).reshape(-1), None))
            continue
        images, labels = read_csv(path, expected_pixels=expected)
        for row, (image, label) in enumerate(zip(images, labels)):
            items.append((f"{Path(text).name} row {row + 1}", image.reshape(-1), label))
    if args.index:
        task = load_task(args.dataset or metadata.get("dataset", "mnist"), args.data)
        x_test, y_test = task.test
        for index in args.index:
            if not 0 <= index < len(x_test):
                raise ValueError(f"--index {index} is outside the test set (0..{len(x_test) - 1})")
            items.append((f"test sample {index}", x_test[index].reshape(-1), int(y_test[index])))
    if not items:
        raise ValueError("give at least one INPUT file or --index N")
    return items


def run(args: argparse.Namespace) -> int:
    model, metadata = load_model(args.model)
    shape = tuple(metadata.get("input_shape") or ())
    expected = int(np.prod(shape)) if shape else 784
    class_names = list(metadata.get("class_names") or [])
    for name, pixels, label in gather_inputs(args, metadata, expected):
        if pixels.size != expected:
            raise ValueError(f"{name} has {pixels.size} values; the model expects {expected}")
        batch = pixels.reshape((1, *shape) if shape else (1, -1)).astype(np.float32)
        probs = probabilities(model, predict(model, batch))[0]
        best = int(probs.argmax())
        truth = f" (label {label})" if label is not None else ""
        print(f"{name}: predicted {best}{truth}")
        print(probability_table(probs, class_names))
        print()
    return 0
