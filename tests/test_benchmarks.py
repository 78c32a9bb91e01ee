"""Smoke test of the benchmark harness: `benchmarks/run.py --quick --only scratchnn` on a slice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def run_benchmark(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """benchmarks/run.py with args, its output captured as text."""
    command = [sys.executable, str(RUN), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row in text, header and separator rows included."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]


def test_quick_run_reports_scratchnn_time_accuracy_and_memory(mnist_dir: Path) -> None:
    result = run_benchmark("--quick", "--only", "scratchnn", "--data", str(mnist_dir), timeout=120)
    assert result.returncode == 0, result.stderr
    rows = [row for row in table_rows(result.stdout) if row[0] == "scratchnn"]
    assert len(rows) == 2, result.stdout  # training row and inference row
    train, infer = rows
    name, batch, seconds, ratio, accuracy, peak = train
    assert batch == "128"
    assert float(seconds) > 0
    assert ratio == "1.00"
    assert 0.5 < float(accuracy) <= 1.0  # well above chance (0.1) after two quick epochs
    assert float(peak) >= 0
    assert float(infer[2]) > 0
    assert "torch" not in result.stdout and "sklearn" not in result.stdout
    rounds = [row for row in table_rows(result.stdout) if row[:2] == ["128", "1"]]
    assert len(rounds) == 1, result.stdout  # one timed round in a quick run
    _, _, speedup, epoch_seconds = rounds[0]
    assert float(speedup) > 0
    assert epoch_seconds == seconds  # the median of one round is that round


def test_unknown_implementation_is_refused() -> None:
    result = run_benchmark("--only", "scratchnn,tensorflow")
    assert result.returncode == 2
    assert "tensorflow" in result.stderr


def test_a_network_no_chosen_library_has_is_refused() -> None:
    result = run_benchmark("--only", "sklearn", "--network", "cnn")
    assert result.returncode == 2
    assert "nothing to run on the cnn network (sklearn: no cnn network)" in result.stderr


def test_the_hand_written_numpy_reference_learns_and_sits_the_cnn_out(mnist_dir: Path) -> None:
    result = run_benchmark("--quick", "--only", "numpy", "--data", str(mnist_dir), timeout=120)
    assert result.returncode == 0, result.stderr
    train = [row for row in table_rows(result.stdout) if row[0] == "numpy"][0]
    assert train[1] == "128" and float(train[2]) > 0
    assert 0.5 < float(train[4]) <= 1.0  # its backward and Adam work: well above chance
    refused = run_benchmark("--only", "numpy", "--network", "cnn")
    assert refused.returncode == 2
