"""`scratchnn train` uses every usable core unless --threads says otherwise, and adapts the
count only when --adaptive-threads asks."""

from __future__ import annotations

import os

import scratchnn
from scratchnn.cli import main
from scratchnn.cli.train import usable_cores


def test_usable_cores_are_the_cores_this_process_may_run_on():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert usable_cores() == expected >= 1


def test_train_sets_the_thread_budget_to_every_usable_core_unless_told(monkeypatch, tmp_path):
    chosen: list[tuple[int, bool]] = []

    def keep_this_process_count(threads: int, adaptive: bool = False) -> None:
        chosen.append((threads, adaptive))

    monkeypatch.setattr(scratchnn, "set_num_threads", keep_this_process_count)
    monkeypatch.setenv("SCRATCHNN_OFFLINE", "1")
    common = ["train", "--dataset", "digits", "--epochs", "1", "--quiet"]
    assert main([*common, "--out", str(tmp_path / "a.safetensors")]) == 0
    assert main([*common, "--out", str(tmp_path / "b.safetensors"), "--threads", "1"]) == 0
    out = str(tmp_path / "c.safetensors")
    assert main([*common, "--out", out, "--threads", "2", "--adaptive-threads"]) == 0
    assert chosen == [(usable_cores(), False), (1, False), (2, True)]
