"""Side-by-side benchmark: scratchnn against PyTorch (CPU eager) and scikit-learn.

    python benchmarks/run.py [--network mlp|cnn] [--batch-sizes 32 128 512] [--epochs 3]
                             [--threads 2] [--data PATH]
                             [--only scratchnn,scratchnn_numpy,scratchnn_adaptive,torch,
                                     sklearn,numpy]
                             [--quick] [--write benchmarks/RESULTS.md]

`--network mlp` is workload W1, `--network cnn` W2 (benchmarks/workload.py); scikit-learn has
no convolutional network and sits W2 out. "numpy" is not a peer but a reference: W1's forward,
backward and Adam written out by hand in NumPy for this one network (impl_numpy.py), no
autograd, which shows how close scratchnn comes to what NumPy itself allows. "scratchnn_numpy"
is scratchnn with its compiled loops switched off (scratchnn/compiled.py; numba optional), as it
runs where numba is not installed. "scratchnn_adaptive" is scratchnn with the adaptive thread
count (scratchnn.set_num_threads(n, adaptive=True)): each epoch's windows of batches run on n
threads or on one, whichever it measures to be faster.

For every batch size each implementation builds its model, trains one untimed warm-up epoch,
then the timed epochs run alternately (epoch 1 of each, epoch 2 of each, ...; the order rotates
every round), so drift of a shared machine hits all alike; each keeps its own model between
its epochs. Reported: median epoch seconds, the ratio peer / scratchnn, test accuracy after
the warm-up and timed epochs, and the peak memory of the warm-up epoch; then every timed
epoch round by round, beside the machine's state before the round (matmul_rate.py). Every
implementation runs in a worker process of its own (benchmarks/worker.py), one per batch size,
so no two libraries share thread pools. Inference: predicting the test images,
median of 15 alternating repeats, with each library's faster way (one batch or batches of 1,000).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
from pathlib import Path

import workload
from matmul_rate import STATES, thread_speedup
from worker import Worker

# name -> the package it needs; "numpy" is W1 written out by hand (impl_numpy.py), a reference;
# "scratchnn_numpy" is scratchnn with its compiled loops switched off (scratchnn/compiled.py);
# "scratchnn_adaptive" is scratchnn with set_num_threads(n, adaptive=True)
IMPLEMENTATIONS = {
    "scratchnn": "scratchnn",
    "scratchnn_numpy": "scratchnn",
    "scratchnn_adaptive": "scratchnn",
    "torch": "torch",
    "sklearn": "sklearn",
    "numpy": "numpy",
}
NETWORKS = {
    "scratchnn": ("mlp", "cnn"),
    "scratchnn_numpy": ("mlp",),
    "scratchnn_adaptive": ("mlp", "cnn"),
    "torch": ("mlp", "cnn"),
    "sklearn": ("mlp",),
    "numpy": ("mlp",),
}
TITLES = {
    "mlp": "workload W1: MNIST 784-128-64-10 MLP, Adam",
    "cnn": "workload W2: MNIST LeNet-style CNN of `scratchnn train --model cnn`, Adam",
}
INFERENCE_REPEATS = 15
MIB = 2**20
SEE_ALSO = (
    "Reports in benchmarks/: `RESULTS.md` (W1, `--network mlp`), `RESULTS-cnn.md` (W2, "
    "`--network cnn`), `PROFILE.md` (where a scratchnn W1 epoch goes, profile_scratchnn.py)."
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", choices=workload.NETWORKS, default="mlp")
    parser.add_argument(
        "--batch-sizes", type=int, nargs="+", help="default 32 128 512 (mlp), 128 (cnn)"
    )
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
    args = parser.parse_args(argv)
    default_sizes = [128] if args.quick or args.network == "cnn" else [32, 128, 512]
    args.batch_sizes = args.batch_sizes or default_sizes
    args.epochs = args.epochs or (1 if args.quick else 3)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(args.only) - set(IMPLEMENTATIONS))
    if unknown:
        parser.error(
            f"unknown implementation(s) {', '.join(unknown)}; use {', '.join(IMPLEMENTATIONS)}"
        )
    return args


def runnable(names: list[str], network: str) -> tuple[list[str], dict[str, str]]:
    """(names that can run the network, {name: why not} for the others)."""
    found, skipped = [], {}
    for name in names:
        if network not in NETWORKS[name]:
            skipped[name] = f"no {network} network"
        elif importlib.util.find_spec(IMPLEMENTATIONS[name]) is None:
            skipped[name] = "not installed"
        else:
            found.append(name)
    return found, skipped


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----- timing ---------------------------------------------------------------------------------
def rotations(names: list[str], rounds: int):
    """The order of each round: names rotated by one more place every round."""
    for round_ in range(rounds):
        shift = round_ % len(names)
        yield round_, names[shift:] + names[:shift]


def time_training(
    workers: dict[str, Worker], batch: int, epochs: int, threads: int
) -> tuple[dict[str, dict], list[float]]:
    """Warm-up epoch of each (its peak memory), then `epochs` alternating timed rounds; also
    the machine's state before each round (matmul_rate.thread_speedup)."""
    results: dict[str, dict] = {}
    for name, worker in workers.items():
        log(f"batch {batch}: warm-up epoch of {name}")
        warm_up = worker.call("epoch")
        results[name] = {"times": [], "peak": warm_up["peak_extra"] / MIB}
    speedups = []
    for round_, order in rotations(list(workers), epochs):
        speedups.append(thread_speedup(threads))
        log(f"batch {batch}: round {round_ + 1}, {threads}-thread speedup {speedups[-1]:.2f}")
        for name in order:
            seconds = workers[name].call("epoch")["seconds"]
            results[name]["times"].append(seconds)
            log(f"batch {batch}: epoch {round_ + 1} of {name}: {seconds:.3f} s")
    return results, speedups


def time_inference(workers: dict[str, Worker]) -> dict[str, tuple]:
    """Median seconds of predicting the test images, alternating; per name (seconds, chunk) of
    its fastest way."""
    ways = [(name, chunk) for name in workers for chunk in workers[name].ready["predict_chunks"]]
    times: dict[tuple, list[float]] = {way: [] for way in ways}
    for _, order in rotations(ways, INFERENCE_REPEATS):
        for name, chunk in order:
            times[name, chunk].append(workers[name].call("predict", chunk=chunk)["seconds"])
    best: dict[str, tuple] = {}
    for (name, chunk), found in times.items():
        median = statistics.median(found)
        if name not in best or median < best[name][0]:
            best[name] = (median, chunk)
    return best


# ----- report ---------------------------------------------------------------------------------
def ratio(peer: float, ours: float | None) -> str:
    return "—" if ours is None else f"{peer / ours:.2f}"


def training_table(rows: list[dict], skipped: dict[str, str]) -> list[str]:
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
    lines += [f"| {name} | — | skipped ({why}) | — | — | — |" for name, why in skipped.items()]
    return lines


def rounds_table(rounds: list[tuple], threads: int) -> list[str]:
    """Every timed epoch, round by round, beside the machine's state before the round."""
    names = list(rounds[0][2])
    lines = [
        f"| batch | round | {threads}-thread speedup of the product before it | "
        + " | ".join(f"{name} s" for name in names)
        + " |",
        "|---:|---:|---:|" + "---:|" * len(names),
    ]
    for batch, speedups, times in rounds:
        for round_, speedup in enumerate(speedups):
            cells = " | ".join(f"{times[name][round_]:.3f}" for name in names)
            lines.append(f"| {batch} | {round_ + 1} | {speedup:.2f} | {cells} |")
    return lines


def inference_table(best: dict[str, tuple], samples: int, batch: int) -> list[str]:
    ours = best.get("scratchnn", (None,))[0]
    lines = [
        f"| implementation | predict {samples:,} test images (model trained at batch {batch}) "
        f"| median s of {INFERENCE_REPEATS} runs | peer / scratchnn (> 1: scratchnn faster) |",
        "|---|---|---:|---:|",
    ]
    for name, (seconds, chunk) in best.items():
        how = "one batch" if chunk is None else f"batches of {chunk:,}"
        lines.append(f"| {name} | {how} | {seconds:.4f} | {ratio(seconds, ours)} |")
    return lines


def notes(args: argparse.Namespace, samples: int, threads: int) -> list[str]:
    reference = workload.data_and_model_bytes(samples, args.network) / MIB
    return [
        f"Epoch: one pass over {samples:,} shuffled training images; median of {args.epochs} "
        f"timed epoch(s) after one untimed warm-up epoch, implementations alternating; "
        f"{threads} thread(s) for BLAS/OpenMP in every library. Test accuracy after "
        f"{args.epochs + 1} epochs.",
        f"Each implementation runs in a worker process of its own. Peak extra: the worker's "
        f"peak resident set (VmHWM) over building the model and its first epoch, minus its "
        f"resident set right after imports and data load. For reference, float32 training "
        f"data + model = {reference:.1f} MiB; target: scratchnn's peak extra ≤ 1.5× that "
        f"({1.5 * reference:.1f} MiB).",
        f"Rounds: the speedup is NumPy's float32 (128×784)@(784×128) product on {threads} "
        "thread(s) over one, timed in the benchmark's own process just before the round "
        f"(benchmarks/matmul_rate.py): {STATES}, in which every library's epochs are slower, "
        "by unequal factors.",
    ]


def results_file(body: list[str], args: argparse.Namespace, argv: list[str], load: float) -> str:
    import machine

    command, date = workload.invocation("run.py", argv)
    return "\n".join(
        [
            f"# scratchnn benchmark results ({TITLES[args.network]})",
            "",
            f"Generated by `{command}` on {date}.",
            "The machine is shared with other work: compare medians and ratios, not single "
            "times. These numbers are a snapshot of the commit below. Load average (1 min) "
            f"at the start and end of the run: {load:.1f} and {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} cores; this run alone accounts for up to its thread count.",
            "",
            SEE_ALSO,
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
    available, skipped = runnable(args.only, args.network)
    if not available:
        reasons = ", ".join(f"{name}: {why}" for name, why in skipped.items())
        log(f"nothing to run on the {args.network} network ({reasons})")
        return 2
    inference_batch = 128 if 128 in args.batch_sizes else args.batch_sizes[0]
    rows, rounds, best = [], [], {}
    for batch in args.batch_sizes:
        workers = {name: Worker(name, batch, args) for name in available}
        sizes = workers[available[0]].ready  # every worker loaded the same data
        try:
            results, speedups = time_training(workers, batch, args.epochs, args.threads)
            rounds.append((batch, speedups, {name: r["times"] for name, r in results.items()}))
            medians = {name: statistics.median(result["times"]) for name, result in results.items()}
            for name, result in results.items():
                rows.append(
                    {
                        "name": name,
                        "batch": batch,
                        "seconds": medians[name],
                        "ratio": ratio(medians[name], medians.get("scratchnn")),
                        "accuracy": workers[name].call("accuracy")["accuracy"],
                        "peak": result["peak"],
                    }
                )
            if batch == inference_batch:
                best = time_inference(workers)
        finally:
            for worker in workers.values():
                worker.close()
    body = training_table(rows, skipped) + ["", *rounds_table(rounds, args.threads)]
    if best:
        body += ["", *inference_table(best, sizes["test_samples"], inference_batch)]
    body += ["", *notes(args, sizes["train_samples"], args.threads)]
    print("\n".join(body))
    if args.write:
        args.write.write_text(results_file(body, args, argv, load_at_start))
        log(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
