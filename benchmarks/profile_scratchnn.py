"""Where a scratchnn W1 training epoch spends its time, and how far it is from the arithmetic floor.

    python benchmarks/profile_scratchnn.py [--batch-size 128] [--threads 2] [--data PATH]
                                           [--write benchmarks/PROFILE.md]

Trains the same model as benchmarks/run.py (impl_scratchnn.Trainer) for one untimed warm-up
epoch, times `--epochs` epochs without the profiler (median), then profiles one more epoch and
groups the self time of every function: a NumPy call made from Python (a reduction, a copy)
counts for the group of the function that called it. The floor is the epoch's matrix-product
FLOPs divided by the float32 rate NumPy reaches on the epoch's largest product at the same
thread count (the best of several timings: on a shared machine other work only adds time).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

import impl_scratchnn
import numpy as np
import workload
from matmul_rate import STATES, matmul_rate, thread_speedup
from threadpoolctl import threadpool_limits

MATMUL = "matrix products (BLAS, with the bias add)"
OPTIMIZER = "optimizer step and zero_grad"
LOSS = "loss (fused softmax cross-entropy)"
ELEMENTWISE = "elementwise ops (ReLU, bias gradient sums, ...)"
GATHER = "batch gathering (DataLoader, X[idx])"
AUTOGRAD = "autograd bookkeeping (Tensor, Function.apply, graph walk, Module calls, loop)"
OTHER = "other"
GROUPS = (MATMUL, OPTIMIZER, LOSS, ELEMENTWISE, GATHER, AUTOGRAD, OTHER)

Func = tuple[str, int, str]  # pstats' (file, line, function name)


def group_of(func: Func) -> str:
    """The group of a Python function, from the file it is defined in and its name."""
    path, name = func[0].replace("\\", "/"), func[2]
    if path.endswith("/scratchnn/ops/linalg.py"):
        return MATMUL
    if "/scratchnn/optim/" in path:
        return OPTIMIZER
    if path.endswith(("/scratchnn/ops/loss.py", "/scratchnn/nn/loss.py")) or (
        path.endswith("/scratchnn/functional.py") and ("entropy" in name or "nll" in name)
    ):
        return LOSS
    if "/scratchnn/ops/" in path:
        return ELEMENTWISE
    if "/scratchnn/data/" in path:
        return GATHER
    if "/scratchnn/" in path or path.endswith("/impl_scratchnn.py"):
        return AUTOGRAD
    return OTHER


def is_builtin(func: Func) -> bool:
    return func[0] == "~"


def grouped_seconds(stats: pstats.Stats) -> dict[str, float]:
    """Self seconds per group; a builtin's time goes to its callers' groups, split as called.

    The NumPy calls made directly by the matrix-product functions (bias gradient sums) count as
    elementwise work, so MATMUL keeps only the products themselves and the bias add.
    """
    totals = dict.fromkeys(GROUPS, 0.0)
    for func, (_, _, self_time, _, callers) in stats.stats.items():
        if is_builtin(func) and "_lsprof" in func[2]:
            continue
        if not is_builtin(func) or not callers:
            totals[group_of(func)] += self_time
            continue
        caller_time = sum(entry[2] for entry in callers.values()) or 1.0
        for caller, entry in callers.items():
            share = self_time * entry[2] / caller_time
            group = OTHER if is_builtin(caller) else group_of(caller)
            totals[ELEMENTWISE if group == MATMUL else group] += share
    return totals


def epoch_products_seconds(samples: int, batch: int, repeats: int = 5) -> float:
    """Seconds of only the epoch's matrix products in NumPy (every shape, every batch), best of
    `repeats`."""
    rng = np.random.default_rng(0)
    sizes = workload.LAYERS
    weights = [rng.random((o, i), dtype=np.float32) for i, o in zip(sizes[:-1], sizes[1:])]
    acts = [rng.random((batch, n), dtype=np.float32) for n in sizes]
    steps, timings = -(-samples // batch), []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            for k, w in enumerate(weights):
                acts[k] @ w.T  # forward
                acts[k + 1].T @ acts[k]  # weight gradient
                if k:
                    acts[k + 1] @ w  # input gradient
        timings.append(time.perf_counter() - start)
    return min(timings)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", default=workload.DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3, help="unprofiled epochs timed (median)")
    parser.add_argument("--top", type=int, default=15, help="functions listed by self time")
    parser.add_argument("--write", type=Path, help="also write the report as Markdown here")
    args = parser.parse_args(argv)
    threadpool_limits(args.threads)
    data = workload.load(args.data, test=False)
    samples, batch = len(data.x_train), args.batch_size
    trainer = impl_scratchnn.Trainer(data, batch, args.seed)
    trainer.train_epoch()  # warm-up
    speedup = thread_speedup(args.threads)  # the machine's state (matmul_rate.py)
    timings = []
    for _ in range(args.epochs):
        gc.collect()
        start = time.perf_counter()
        trainer.train_epoch()
        timings.append(time.perf_counter() - start)
    wall = statistics.median(timings)
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    trainer.train_epoch()
    profiler.disable()
    stats = pstats.Stats(profiler)
    groups = grouped_seconds(stats)
    profiled = sum(groups.values())

    lines = [
        f"scratchnn W1 epoch: {samples:,} samples, batch {batch}, {args.threads} thread(s)",
        f"epoch without profiler: {wall:.3f} s (median of {args.epochs} after a warm-up epoch)",
        f"the product (128x784)@(784x128) ran {speedup:.2f}x as fast on {args.threads} "
        f"thread(s) as on one just before ({STATES}; benchmarks/matmul_rate.py)",
        f"epoch under cProfile: {profiled:.3f} s (the profiler inflates Python-heavy groups)",
        "",
        "| where the profiled epoch goes | s | share |",
        "|---|---:|---:|",
        *(
            f"| {name} | {groups[name]:.3f} | {100 * groups[name] / profiled:.1f}% |"
            for name in GROUPS
        ),
        "",
    ]
    if args.top > 0:
        listing = io.StringIO()
        pstats.Stats(profiler, stream=listing).sort_stats("tottime").print_stats(args.top)
        listed = listing.getvalue().strip("\n")
        lines += [f"top {args.top} functions by self time:", "```", listed, "```", ""]
    flops = workload.epoch_flops(samples)
    rate = matmul_rate(batch)
    floor = flops / rate
    products = epoch_products_seconds(samples, batch)
    lines += [
        f"arithmetic floor: {flops / 1e9:.1f} GFLOP per epoch / {rate / 1e9:.0f} GFLOP/s "
        f"(NumPy float32 ({batch}x784)@(784x128), {args.threads} thread(s)) = {floor:.3f} s; "
        f"the epoch is {wall / floor:.1f}× the arithmetic floor.",
        f"Only the epoch's matrix products in NumPy (all shapes, {-(-samples // batch)} "
        f"batches): {products:.3f} s; the epoch is {wall / products:.1f}× that.",
    ]
    print("\n".join(lines))
    if args.write:
        command, date = workload.invocation("profile_scratchnn.py", argv)
        header = ["# Where a scratchnn W1 epoch spends its time", "", f"`{command}`, {date}:", ""]
        args.write.write_text("\n".join(header + lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
