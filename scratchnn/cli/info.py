"""`scratchnn info MODEL`: the model's layers, output shapes, parameter counts and metadata."""

from __future__ import annotations

import argparse

from scratchnn.cli.options import common
from scratchnn.cli.saved import load_model


def add_parser(commands) -> None:
    parser = commands.add_parser("info", parents=[common], help="describe a saved model")
    parser.add_argument("model", help="a model file written by `scratchnn train`")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model, metadata = load_model(args.model)
    input_shape = tuple(metadata.get("input_shape") or ())
    if input_shape:
        model.summary(input_shape)
    else:
        print(model)
    for key in ("dataset", "model", "epochs", "test_accuracy", "test_mse"):
        if key in metadata:
            value = metadata[key]
            shown = f"{value * 100:.2f}%" if key == "test_accuracy" else value
            print(f"{key}: {shown}")
    return 0
