"""`scratchnn evaluate MODEL`: accuracy, confusion matrix and per-class metrics on a test set."""

from __future__ import annotations

import argparse

from scratchnn.cli.options import add_data_options, common
from scratchnn.cli.saved import load_model
from scratchnn.cli.setup import load_task
from scratchnn.train import evaluate


def add_parser(commands) -> None:
    parser = commands.add_parser("evaluate", parents=[common], help="score a saved model")
    parser.add_argument("model", help="a model file written by `scratchnn train`")
    add_data_options(parser, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model, metadata = load_model(args.model)
    images = len(metadata.get("input_shape") or ()) == 3  # a convolutional model's (C, H, W)
    task = load_task(
        args.dataset or metadata.get("dataset", "mnist"), args.data, flatten=not images
    )
    report = evaluate(model, task.test, class_names=task.class_names)
    print(f"{args.model} on the {task.name} test set ({len(task.test[0]):,} samples)")
    print(report.table())
    return 0
