"""Side-by-side W1 benchmark: scratchnn against PyTorch (CPU eager) and scikit-learn.

    python benchmarks/run.py [--batch-sizes 32 128 512] [--epochs 3] [--threads 2]
                             [--data PATH] [--only scratchnn,torch,sklearn] [--quick]
                             [--write benchmarks/RESULTS.md]

For every batch size each implementation builds its model, trains one untimed warm-up epoch,
then the timed epochs run alternately (epoch 1 of each, epoch 2 of each, ...; the order rotates
every round), so drift of a shared machine hits all alike; each keeps its own model between
its epochs. Reported: median epoch seconds, the ratio peer / scratchnn, test accuracy after
the warm-up and timed epochs, and the peak memory of one epoch, measured per implementation
in a fresh process (`--measure-memory IMPL BATCH`). Inference: predicting the test images,
median of 5 alternating repeats, with each library's faster way (one batch or batches of 1,000).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import importlib.util
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import memory
import workload
from threadpoolctl import threadpool_limits

IMPLEMENTATIONS = {"scratchnn": "scratchnn", "torch": "torch", "sklearn": "sklearn"}  # -> package
INFERENCE_REPEATS = 5
MIB = 2**20


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", help="default 32 128 512")
    parser.add_argument("--epochs", type=int, help="timed epochs per implementation (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP threads for all")
    parser.add_argument("--data", type=Path, default=workload.DEFAULT_DATA, help="MNIST folder")
    parser.add_argument("--only", default=",".join(IMPLEMENTATIONS), help="comma-separated")
    parser.add_argument("--seed", type=int, default=0, help="seed of every implementation")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {workload.QUICK_TRAIN} training and {workload.QUICK_TEST} test "
        "images, batch 128, 1 timed epoch",
    )
    parser.add_argument("--write", type=Path, help="also write the results as Markdown here")
    parser.add_argument(
        "--measure-memory",
        nargs=2,
        metavar=("IMPL", "BATCH"),
        help="internal: print the peak memory of one epoch of IMPL at BATCH as JSON",
    )
    args = parser.parse_args(argv)
    args.batch_sizes = args.batch_sizes or ([128] if args.quick else [32, 128, 512])
    args.epochs = args.epochs or (1 if args.quick else 3)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(args.only) - set(IMPLEMENTATIONS))
    if unknown:
        parser.error(
            f"unknown implementation(s) {', '.join(unknown)}; use {', '.join(IMPLEMENTATIONS)}"
        )
    return args


def import_implementations(names: list[str], threads: int) -> dict[str, ModuleType | None]:
    """The benchmark module of each name (None when its library is not installed), with every
    thread pool loaded by then limited to `threads`."""
    modules = {
        name: importlib.import_module(f"impl_{name}")
        if importlib.util.find_spec(IMPLEMENTATIONS[name])
        else None
        for name in names
    }
    threadpool_limits(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return modules


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----- timing ---------------------------------------------------------------------------------
def time_training(modules: dict[str, ModuleType], data, batch: int, epochs: int, seed: int):
    """Warm-up epoch of each, then `epochs` alternating timed rounds; (times, trainers)."""
    trainers = {name: module.Trainer(data, batch, seed) for name, module in modules.items()}
    for name, trainer in trainers.items():
        log(f"batch {batch}: warm-up epoch of {name}")
        trainer.train_epoch()
    times: dict[str, list[float]] = {name: [] for name in trainers}
    names = list(trainers)
    for round_ in range(epochs):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            gc.collect()
            start = time.perf_counter()
            trainers[name].train_epoch()
            times[name].append(time.perf_counter() - start)
            log(f"batch {batch}: epoch {round_ + 1} of {name}: {times[name][-1]:.3f} s")
    return times, trainers


def time_inference(modules: dict[str, ModuleType], trainers: dict, x) -> dict[str, tuple]:
    """Median seconds of predicting x, alternating; per name (seconds, chunk) of its fastest way."""
    times = {(n, c): [] for n in trainers for c in modules[n].PREDICT_CHUNKS}
    for _ in range(INFERENCE_REPEATS):
        for (name, chunk), found in times.items():
            gc.collect()
            start = time.perf_counter()
            trainers[name].predict(x, chunk)
            found.append(time.perf_counter() - start)
    best: dict[str, tuple] = {}
    for (name, chunk), found in times.items():
        median = statistics.median(found)
        if name not in best or median < best[name][0]:
            best[name] = (median, chunk)
    return best


def accuracy(trainer, data) -> float:
    return float((trainer.predict(data.x_test, None) == data.y_test).mean())


# ----- memory ---------------------------------------------------------------------------------
def measure_memory_here(args: argparse.Namespace) -> None:
    """Child process: peak RSS of one epoch above the RSS after imports and data load, as JSON."""
    name, batch = args.measure_memory[0], int(args.measure_memory[1])
    module = import_implementations([name], args.threads)[name]
    data = workload.load(args.data, quick=args.quick, test=False)
    base = memory.baseline()
    module.Trainer(data, batch, args.seed).train_epoch()
    peak = memory.peak_rss()
    print(json.dumps({"baseline": base, "peak": peak, "extra": peak - base}))


def measure_memory(name: str, batch: int, args: argparse.Namespace) -> float | None:
    """Peak extra MiB of one epoch of `name`, measured in a fresh process (None on failure)."""
    command = [sys.executable, __file__, "--measure-memory", name, str(batch)]
    command += ["--data", str(args.data), "--threads", str(args.threads), "--seed", str(args.seed)]
    command += ["--quick"] if args.quick else []
    log(f"batch {batch}: memory of {name}")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        log(f"memory measurement of {name} failed:\n{result.stderr}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])["extra"] / MIB


# ----- report ---------------------------------------------------------------------------------
def ratio(peer: float, ours: float | None) -> str:
    return "—" if ours is None else f"{peer / ours:.2f}"


def training_table(rows: list[dict], skipped: list[str]) -> list[str]:
    lines = [
        "| implementation | batch | median epoch s | peer / scratchnn (> 1: scratchnn faster) "
        "| test accuracy | peak extra MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        peak = "failed" if row["peak"] is None else f"{row['peak']:.1f}"
        lines.append(
            f"| {row['name']} | {row['batch']} | {row['seconds']:.3f} | {row['ratio']} "
            f"| {row['accuracy']:.4f} | {peak} |"
        )
    lines += [f"| {name} | — | skipped (not installed) | — | — | — |" for name in skipped]
    return lines


def inference_table(best: dict[str, tuple], samples: int, batch: int) -> list[str]:
    ours = best.get("scratchnn", (None,))[0]
    lines = [
        f"| implementation | predict {samples:,} test images (model trained at batch {batch}) "
        "| median s | peer / scratchnn (> 1: scratchnn faster) |",
        "|---|---|---:|---:|",
    ]
    for name, (seconds, chunk) in best.items():
        how = "one batch" if chunk is None else f"batches of {chunk:,}"
        lines.append(f"| {name} | {how} | {seconds:.4f} | {ratio(seconds, ours)} |")
    return lines


def notes(args: argparse.Namespace, samples: int, threads: int) -> list[str]:
    reference = workload.data_and_model_bytes(samples) / MIB
    return [
        f"Epoch: one pass over {samples:,} shuffled training images; median of {args.epochs} "
        f"timed epoch(s) after one untimed warm-up epoch, implementations alternating; "
        f"{threads} thread(s) for BLAS/OpenMP in every library. Test accuracy after "
        f"{args.epochs + 1} epochs.",
        f"Peak extra: the peak resident set (VmHWM, i.e. `ru_maxrss` of this process alone) after "
        f"one full epoch in a fresh process, minus the resident set right after imports and data "
        f"load. For reference, float32 training data + model = "
        f"{reference:.1f} MiB; target: scratchnn's peak extra ≤ 1.5× that "
        f"({1.5 * reference:.1f} MiB).",
    ]


def results_file(body: list[str], argv: list[str], load_at_start: float) -> str:
    import machine

    command = shlex.join(["python", "benchmarks/run.py", *argv])
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return "\n".join(
        [
            "# scratchnn benchmark results (workload W1: MNIST 784-128-64-10, Adam)",
            "",
            f"Generated by `{command}` on {date}.",
            "The machine is shared with other work: compare medians and ratios, not single "
            "times. These numbers are a snapshot of the commit below. Load average (1 min) "
            f"at the start and end of the run: {load_at_start:.1f} and {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} cores; this run alone accounts for up to its thread count.",
            "",
            "## Machine",
            "",
            *machine.describe(),
            "",
            "## Results",
            "",
            *body,
            "",
        ]
    )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    load_at_start = os.getloadavg()[0]
    if args.measure_memory:
        measure_memory_here(args)
        return 0
    modules = import_implementations(args.only, args.threads)
    available = {name: module for name, module in modules.items() if module is not None}
    skipped = [name for name, module in modules.items() if module is None]
    data = workload.load(args.data, quick=args.quick)
    inference_batch = 128 if 128 in args.batch_sizes else args.batch_sizes[0]
    rows, best = [], {}
    for batch in args.batch_sizes:
        times, trainers = time_training(available, data, batch, args.epochs, args.seed)
        medians = {name: statistics.median(found) for name, found in times.items()}
        for name, trainer in trainers.items():
            rows.append(
                {
                    "name": name,
                    "batch": batch,
                    "seconds": medians[name],
                    "ratio": ratio(medians[name], medians.get("scratchnn")),
                    "accuracy": accuracy(trainer, data),
                }
            )
        if batch == inference_batch:
            best = time_inference(available, trainers, data.x_test)
        del trainers
        gc.collect()
    for row in rows:
        row["peak"] = measure_memory(row["name"], row["batch"], args)
    body = training_table(rows, skipped)
    if best:
        body += ["", *inference_table(best, len(data.x_test), inference_batch)]
    body += ["", *notes(args, len(data.x_train), args.threads)]
    print("\n".join(body))
    if args.write:
        args.write.write_text(results_file(body, argv, load_at_start))
        log(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
