"""Shared test fixtures: data locations and an optional PyTorch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MNIST_DIR = SHARED / "data" / "mnist"
FASHION_DIR = SHARED / "data" / "fashion-mnist"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def mnist_dir() -> Path:
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST files not found in {MNIST_DIR}")
    return MNIST_DIR


@pytest.fixture
def region_shares(monkeypatch) -> list[int]:
    """How many shares each parallel region got (scratchnn.parallel.run spied on), in order."""
    from scratchnn import parallel

    counts: list[int] = []
    run = parallel.run
    monkeypatch.setattr(
        parallel, "run", lambda f, parts: counts.append(len(parts)) or run(f, parts)
    )
    return counts
