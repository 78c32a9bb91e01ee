"""The first article's addition as a sequence task: read the tokens `123+456`, write `0579`.

Numbers are written with a fixed number of digits (zero-padded), so every input has 2·digits + 1
tokens and every sum digits + 1. Token t < 10 is the digit t, token 10 the plus sign.

Each unordered pair {a, b} belongs to one split for good, by a fixed hash of the pair (about
one pair in ten is held out for testing): any "test" sample is disjoint from any "train" sample,
whatever n and seed drew them, and a held-out a+b never has its twin b+a in training.
"""

from __future__ import annotations

import math

import numpy as np

from scratchnn import random as library_random

VOCABULARY = "0123456789+"
PLUS = VOCABULARY.index("+")
HELD_OUT_FRACTION = 0.1
SPLITS = ("train", "test")
_GOLDEN = 2654435761  # Knuth's multiplicative hash constant, about 2**32 / golden ratio


def is_held_out(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where the pair {a, b} belongs to the test split (Fibonacci hash of the pair)."""
    low, high = np.minimum(a, b).astype(np.uint64), np.maximum(a, b).astype(np.uint64)
    code = low * np.uint64(2**31 - 1) + high
    hashed = (code * np.uint64(_GOLDEN)) % np.uint64(2**32)
    return hashed < np.uint64(HELD_OUT_FRACTION * 2**32)


def digits_of(numbers: np.ndarray, width: int) -> np.ndarray:
    """Decimal digits of non-negative integers, most significant first: (n,) -> (n, width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return np.asarray(numbers, dtype=np.int64)[:, None] // powers % 10


def encode(a: np.ndarray, b: np.ndarray, digits: int) -> np.ndarray:
    """Tokens of `a+b` with each number zero-padded to `digits`: (n, 2·digits + 1) int64."""
    plus = np.full((len(a), 1), PLUS, dtype=np.int64)
    return np.concatenate([digits_of(a, digits), plus, digits_of(b, digits)], axis=1)


def to_text(tokens: np.ndarray) -> str:
    """One sample's tokens as text: [1, 2, 3, 10, 4, 5, 6] -> '123+456'."""
    return "".join(VOCABULARY[int(t)] for t in tokens)


def to_number(tokens: np.ndarray) -> np.ndarray:
    """Digit tokens (most significant first) as integers: (n, width) -> (n,)."""
    tokens = np.asarray(tokens, dtype=np.int64)
    return tokens @ 10 ** np.arange(tokens.shape[-1] - 1, -1, -1, dtype=np.int64)


def make_sequence_addition(
    n: int, digits: int = 3, seed: int | None = None, split: str = "train"
) -> tuple[np.ndarray, np.ndarray]:
    """n distinct pairs of `digits`-digit numbers from one split, as token arrays.

    Returns inputs (n, 2·digits + 1): the tokens of `a+b`; targets (n, digits + 1): the digits
    of a + b, most significant first (zero-padded). Both int64. Random numbers come from
    `seed`, or from the library generator when seed is None.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if digits < 1 or n < 0:
        raise ValueError(f"need digits >= 1 and n >= 0, got digits={digits}, n={n}")
    rng = library_random.generator() if seed is None else np.random.default_rng(seed)
    size = 10**digits
    share = HELD_OUT_FRACTION if split == "test" else 1 - HELD_OUT_FRACTION
    # draw distinct pair codes a·size + b and keep those of this split; rarely a second round
    draw = min(size * size, math.ceil(1.2 * n / share) + 100)
    while True:
        codes = rng.choice(size * size, draw, replace=False)
        a, b = codes // size, codes % size
        keep = is_held_out(a, b) == (split == "test")
        if keep.sum() >= n:
            break
        if draw == size * size:
            raise ValueError(
                f"only {keep.sum():,} {split} pairs of {digits}-digit numbers exist, not {n:,}"
            )
        draw = min(size * size, 2 * draw)
    a, b = a[keep][:n], b[keep][:n]
    return encode(a, b, digits), digits_of(a + b, digits + 1)
