"""`scratchnn demo addition`: the first article's experiment, then the improved recipe.
`scratchnn demo sequence-addition`: the same task as sequences, `123+456` in, `579` out."""

from __future__ import annotations

import argparse

import numpy as np

import scratchnn
from scratchnn import functional as F
from scratchnn import models, nn, optim
from scratchnn.cli.options import common
from scratchnn.cli.setup import make_optimizer
from scratchnn.data import ARTICLE_TEST_INPUTS, make_addition, make_sequence_addition
from scratchnn.data.sequence_addition import VOCABULARY, to_number
from scratchnn.seq2seq import Seq2Seq
from scratchnn.train import Callback, fit, predict

DEMOS = ("addition", "sequence-addition")
SEQUENCE_DIGITS, SEQUENCE_TRAIN, SEQUENCE_TEST, SEQUENCE_EPOCHS = 3, 50_000, 10_000, 10


def add_parser(commands) -> None:
    parser = commands.add_parser("demo", parents=[common], help="run a small experiment")
    parser.add_argument("name", choices=DEMOS, help="which demo")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--epochs",
        type=int,
        help=f"passes over the training pairs (addition: 1000 and 200; sequence-addition: "
        f"{SEQUENCE_EPOCHS})",
    )
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
    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs must be positive, got {args.epochs}")
    scratchnn.manual_seed(args.seed)
    if args.name == "sequence-addition":
        return run_sequence_addition(args.epochs or SEQUENCE_EPOCHS, args.seed)
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


def sequence_loss(logits, targets):
    """Cross-entropy over every output position of (N, T, classes) logits."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def sums_exactly_right(model: nn.Module, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per sample: are all predicted digits of the sum right?"""
    return (predict(model, inputs).argmax(axis=-1) == targets).all(axis=1)


class HeldOutSums(Callback):
    """Prints each epoch's loss and the fraction of held-out sums exactly right."""

    def __init__(self, test: tuple[np.ndarray, np.ndarray], epochs: int) -> None:
        self.test, self.epochs = test, epochs

    def on_epoch_end(self, trainer, record: dict[str, float]) -> None:
        right = sums_exactly_right(trainer.model, *self.test).mean()
        print(
            f"epoch {record['epoch']}/{self.epochs}  loss {record['loss']:.4f}  "
            f"held-out sums right {right * 100:.2f}%  {record['time']:.1f}s",
            flush=True,
        )


def run_sequence_addition(epochs: int, seed: int) -> int:
    """Train a Seq2Seq LSTM on `a+b` token sequences; show held-out sums it writes."""
    train = make_sequence_addition(SEQUENCE_TRAIN, SEQUENCE_DIGITS, seed=seed)
    test = make_sequence_addition(SEQUENCE_TEST, SEQUENCE_DIGITS, seed=seed + 1, split="test")
    model = Seq2Seq(len(VOCABULARY), 10, SEQUENCE_DIGITS + 1)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    print(
        f"Sequence addition: an LSTM reads the {2 * SEQUENCE_DIGITS + 1} tokens of a+b "
        f"(two {SEQUENCE_DIGITS}-digit numbers) and writes the {SEQUENCE_DIGITS + 1} digits of "
        f"the sum; {len(train[0]):,} training pairs, {len(test[0]):,} held-out pairs never "
        "seen in training (nor their b+a)"
    )
    fit(
        model,
        sequence_loss,
        optimizer,
        train,
        epochs=epochs,
        batch_size=128,
        scheduler=optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs),
        callbacks=[HeldOutSums(test, epochs)],
        seed=seed,
        verbose=False,
    )
    inputs, targets = test
    predicted = to_number(predict(model, inputs).argmax(axis=-1))
    sums = to_number(targets)
    first, second = to_number(inputs[:, :SEQUENCE_DIGITS]), to_number(inputs[:, -SEQUENCE_DIGITS:])
    print()
    for a, b, total, guess in list(zip(first, second, sums, predicted))[:10]:
        print(f"{a}+{b} = {total} (predicted {guess}){'' if guess == total else '  wrong'}")
    right = int((predicted == sums).sum())
    print(f"\nheld-out sums exactly right: {right:,} of {len(sums):,} ({right / len(sums):.2%})")
    return 0
