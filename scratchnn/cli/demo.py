"""`scratchnn demo addition`: the first article's experiment, then the improved recipe."""

from __future__ import annotations

import argparse

import numpy as np

import scratchnn
from scratchnn import models, nn
from scratchnn.cli.options import common
from scratchnn.cli.setup import make_optimizer
from scratchnn.data import ARTICLE_TEST_INPUTS, make_addition
from scratchnn.train import fit, predict

DEMOS = ("addition",)


def add_parser(commands) -> None:
    parser = commands.add_parser("demo", parents=[common], help="run a small experiment")
    parser.add_argument("name", choices=DEMOS, help="which demo")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--epochs", type=int, help="passes over the training pairs")
    parser.set_defaults(run=run)


def sums_right(inputs: np.ndarray, predictions: np.ndarray) -> int:
    """How many predictions equal the true sum when both are rounded to one decimal."""
    truth = np.round(inputs.sum(axis=1), 1)
    return int((np.round(predictions.reshape(-1), 1) == truth).sum())


def train_and_show(
    title: str, model: nn.Module, optimizer: str, lr: float, epochs: int, batch_size: int, seed: int
) -> int:
    """Train on generated pairs, print the article's `Input: [...], Prediction: x` lines."""
    train = make_addition(200, seed=seed)
    fit(
        model,
        nn.MSELoss(),
        make_optimizer(optimizer, model, lr),
        train,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        verbose=False,
    )
    tests = np.asarray(ARTICLE_TEST_INPUTS, dtype=np.float32)
    predictions = predict(model, tests)
    print(title)
    for pair, value in zip(ARTICLE_TEST_INPUTS, predictions.reshape(-1)):
        print(f"Input: [{pair[0]:.1f}, {pair[1]:.1f}], Prediction: {value:.1f}")
    right = sums_right(tests, predictions)
    print(f"{right} of {len(tests)} test sums right at one decimal\n")
    return right


def run(args: argparse.Namespace) -> int:
    scratchnn.manual_seed(args.seed)
    recipe = models.PRESETS["perceptron"]
    article = train_and_show(
        "Article 1's perceptron: 2 inputs, 1 sigmoid output, per-sample SGD at lr 0.1 "
        f"({args.epochs or recipe.epochs} epochs on 200 pairs)",
        models.build(recipe),
        "sgd",
        recipe.lr,
        args.epochs or recipe.epochs,
        1,
        args.seed,
    )
    improved = train_and_show(
        "Improved: a linear output (a sum is linear, a sigmoid bends it), Adam at lr 0.01",
        nn.Sequential(nn.Linear(2, 1)),
        "adam",
        0.01,
        args.epochs or 200,
        8,
        args.seed,
    )
    print(
        f"article: about 20 of 25 right; scratchnn perceptron: {article} of 25; "
        f"improved: {improved} of 25"
    )
    return 0
