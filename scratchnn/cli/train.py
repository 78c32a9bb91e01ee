"""`scratchnn train`: train a network on a data set, report test accuracy, save the model."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

import scratchnn
from scratchnn import models
from scratchnn.cli.options import add_data_options, common
from scratchnn.cli.setup import load_task, make_loss, make_optimizer, make_schedule
from scratchnn.data import DatasetUnavailableError
from scratchnn.train import evaluate, fit


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "train", parents=[common], help="train a network (default: the recommended MNIST MLP)"
    )
    add_data_options(parser, default=None)
    parser.add_argument(
        "--model",
        default="recommended",
        help="a preset (" + ", ".join(models.PRESETS) + "), mlp:784-128-64-10 (layer sizes), "
        "or cnn:c32k3-p2-c64k3-p2-f128: tokens joined by '-', c<channels>[k<kernel>][s<stride>]"
        "[p<padding>] a convolution (kernel 3, stride 1, padding kernel//2 by default), p<size> a "
        "max pool, f<units> a fully connected layer; the output layer is added",
    )
    parser.add_argument("--activation", choices=list(models.ACTIVATIONS), help="hidden activation")
    parser.add_argument("--loss", choices=["cross_entropy", "mse", "l1"], help="loss function")
    parser.add_argument(
        "--optimizer", choices=["sgd", "momentum", "adam", "adamw", "rmsprop"], help="optimizer"
    )
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument(
        "--schedule", choices=["cosine", "constant"], help="learning-rate schedule over the epochs"
    )
    parser.add_argument("--dropout", type=float, help="dropout after each hidden layer of an MLP")
    parser.add_argument("--epochs", type=int, help="passes over the training data")
    parser.add_argument("--batch-size", type=int, help="samples per step")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="use only the first N training samples (before the validation split)",
    )
    parser.add_argument(
        "--val-split", type=float, default=0.1, help="fraction held out for validation (0.1)"
    )
    parser.add_argument("--out", help="where to save the model (.safetensors)")
    parser.add_argument(
        "--resume", action="store_true", help="continue from the checkpoint beside --out"
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="threads for matrix products and for convolutions and pooling split over the "
        "batch (default: every core this process may use)",
    )
    parser.add_argument(
        "--adaptive-threads",
        action="store_true",
        help="switch between --threads and one thread by which trains faster, measured as it "
        "trains (faster on a busy or virtual machine; results then vary in the last bits)",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-epoch output")
    parser.set_defaults(run=run)


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run(args: argparse.Namespace) -> int:
    recipe = models.resolve(args.model)
    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be positive, got {args.limit}")
    if args.dropout is not None:
        if not 0.0 <= args.dropout < 1.0:
            raise ValueError(f"--dropout must be in [0, 1), got {args.dropout}")
        recipe = models.Recipe(**{**recipe.__dict__, "dropout": args.dropout})
    dataset = args.dataset or recipe.dataset
    scratchnn.manual_seed(args.seed)
    scratchnn.set_num_threads(args.threads or usable_cores(), adaptive=args.adaptive_threads)
    images = recipe.conv is not None  # convolutions take (N, C, H, W) images
    try:
        task = load_task(dataset, args.data, flatten=not images)
    except DatasetUnavailableError as error:
        if dataset not in ("mnist", "fashion-mnist") or args.data:
            raise
        print(f"{error.short()} Training on the bundled 8x8 digits instead.", file=sys.stderr)
        task = load_task("digits", None, flatten=not images)
    if args.limit is not None:
        task.train = tuple(array[: args.limit] for array in task.train)
    if images:
        model = models.build(
            recipe, args.activation, task.mean, task.std, task.input_shape, task.num_classes or 1
        )
        sizes = f"cnn:{recipe.conv}"
    else:
        layers = list(recipe.layers)
        layers[0] = task.input_size
        if task.num_classes:
            layers[-1] = task.num_classes
        recipe = models.Recipe(**{**recipe.__dict__, "layers": layers})
        model = models.build(recipe, args.activation, task.mean, task.std)
        sizes = "-".join(map(str, layers))
    loss = make_loss(args.loss or recipe.loss, task.num_classes)
    optimizer = make_optimizer(args.optimizer or recipe.optimizer, model, args.lr or recipe.lr)
    epochs = args.epochs or recipe.epochs
    scheduler = make_schedule(args.schedule or recipe.schedule, optimizer, epochs)
    train, validation = task.split(args.val_split, args.seed)
    out = Path(args.out or f"runs/{task.name}-{args.model.replace(':', '-')}.safetensors")
    out.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = out.with_name(out.stem + ".checkpoint.safetensors")
    print(f"training {sizes} {recipe.description} on {task.name}: {len(train[0]):,} samples")
    history = fit(
        model,
        loss,
        optimizer,
        train,
        epochs=epochs,
        batch_size=args.batch_size or recipe.batch_size,
        validation=validation,
        scheduler=scheduler,
        checkpoint=checkpoint,
        resume=args.resume,
        seed=args.seed,
        verbose=not args.quiet,
    )
    report = evaluate(model, task.test, class_names=task.class_names)
    metadata = {
        "dataset": task.name,
        "model": args.model,
        "class_names": task.class_names,
        "input_shape": list(task.input_shape),
        "epochs": len(history),
        "history": history.records,
    }
    if hasattr(report, "accuracy"):
        metadata["test_accuracy"] = report.accuracy
        summary = f"test accuracy {report.accuracy * 100:.2f}% on {len(task.test[0]):,} samples"
    else:
        metadata["test_mse"] = report.mse
        summary = f"test mse {report.mse:.6f}, r2 {report.r2:.4f}"
    scratchnn.save(model, out, metadata=metadata)
    print(f"{summary}; model saved to {out}")
    return 0 if np.isfinite(history.last.get("loss", 0.0)) else 1
