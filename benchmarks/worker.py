"""One implementation's W1 trainer in a process of its own, driven one command at a time.

    python benchmarks/worker.py IMPL BATCH [--network mlp|cnn] [--data PATH] [--threads N]
                                [--seed S] [--quick]

run.py starts one worker per implementation and batch size, so no library shares a process
(and its thread pools) with another, as no user would run them; it alternates the timed
epochs by sending commands one worker at a time, and every other worker waits idle, blocked
on reading its next command. Protocol: one JSON object per line each way. The worker answers
{"ready": true, "predict_chunks": [...], "train_samples": n, "test_samples": m} once its data
and model are built
(predict_chunks: the ways its library predicts, null for one batch), then one answer per
command:

    {"do": "epoch"}                 -> {"seconds": s, "peak_extra": bytes}
    {"do": "predict", "chunk": c}   -> {"seconds": s}   (c null: the test images in one batch)
    {"do": "accuracy"}              -> {"accuracy": a}  (on the test images)
    {"do": "quit"}                  -> the process exits

peak_extra is the resident-set high-water mark minus the resident set after imports and data
loading (benchmarks/memory.py), so after the first epoch it is the model plus that epoch's peak.
Before each timed command the worker sleeps briefly: OpenBLAS and OpenMP threads busy-wait for
a while after their last work, and those of the worker timed just before must not take the cores.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import memory
import workload
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve()
SETTLE_SECONDS = 0.3  # idle BLAS/OpenMP threads of the previous worker spin about this long


def serve(name: str, batch: int, args: argparse.Namespace) -> None:
    """Build the trainer, then answer commands from stdin until "quit" or end of input."""
    answers = sys.stdout
    sys.stdout = sys.stderr  # whatever a library prints must not break the protocol
    module = importlib.import_module(f"impl_{name}")
    threadpool_limits(args.threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(args.threads)
    data = workload.load(args.data, quick=args.quick)
    base = memory.baseline()
    trainer = module.Trainer(data, batch, args.seed, args.network)

    def answer(message: dict[str, Any]) -> None:
        answers.write(json.dumps(message) + "\n")
        answers.flush()

    answer(
        {
            "ready": True,
            "predict_chunks": list(module.PREDICT_CHUNKS),
            "train_samples": len(data.x_train),
            "test_samples": len(data.x_test),
        }
    )
    for line in sys.stdin:
        command = json.loads(line)
        gc.collect()
        if command["do"] in ("epoch", "predict"):
            time.sleep(SETTLE_SECONDS)
        if command["do"] == "epoch":
            start = time.perf_counter()
            trainer.train_epoch()
            seconds = time.perf_counter() - start
            answer({"seconds": seconds, "peak_extra": memory.peak_rss() - base})
        elif command["do"] == "predict":
            start = time.perf_counter()
            trainer.predict(data.x_test, command["chunk"])
            answer({"seconds": time.perf_counter() - start})
        elif command["do"] == "accuracy":
            predicted = trainer.predict(data.x_test, None)
            answer({"accuracy": float((predicted == data.y_test).mean())})
        elif command["do"] == "quit":
            return
        else:
            raise ValueError(f"unknown command {command!r}")


class Worker:
    """The parent's handle on one worker process: send a command, wait for its answer."""

    def __init__(self, name: str, batch: int, args: argparse.Namespace) -> None:
        command = [sys.executable, str(HERE), name, str(batch), "--data", str(args.data)]
        command += ["--threads", str(args.threads), "--seed", str(args.seed)]
        command += ["--network", args.network]
        command += ["--quick"] if args.quick else []
        self.name = name
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.ready = self._receive()

    def call(self, do: str, **fields: Any) -> dict[str, Any]:
        """Send one command and return the worker's answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"do": do, **fields}) + "\n")
        self.process.stdin.flush()
        return self._receive()

    def _receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise RuntimeError(f"the {self.name} worker exited with status {code}")
        return json.loads(line)

    def close(self) -> None:
        """Ask the worker to quit and wait for it."""
        assert self.process.stdin is not None
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"do": "quit"}) + "\n")
        self.process.stdin.close()
        self.process.wait()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="implementation: scratchnn, torch or sklearn")
    parser.add_argument("batch", type=int)
    parser.add_argument("--data", type=Path, default=workload.DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--network", choices=workload.NETWORKS, default="mlp")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    serve(arguments.name, arguments.batch, arguments)
