"""Adaptive thread count: a loop over batches runs each window of WINDOW_STEPS batches on the
thread budget or on one thread, whichever its own timings show to be faster now.

Why: where cores are shared (a virtual machine), a second BLAS thread sometimes slows a training
step instead of speeding it up. Measured on a 2-core VM, one MNIST epoch of the 784-128-64-10
MLP at batch 128: 0.28 s on two threads and 0.40 s on one at some times; 0.59 s on two and
0.40 s on one at others, when the second thread's work slows the main thread's own (the
optimizer, the batch gather) more than it saves in the matrix products.

How: each count is first timed over one window. Then the faster one runs; the other is timed
again over one window after RECHECK_FIRST windows, and after twice as many each time the choice
holds (at most RECHECK_LAST). A count's figure (seconds per batch) averages the consecutive
windows run on it, the newest weighing half, and the first window after a switch replaces it;
so when the count in use slows down, its figure passes the other's within a window or two.
A window covers fetching each batch and whatever the loop does with it, so it times the
training step as the user wrote it. A last window shorter than WINDOW_STEPS is not counted.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from scratchnn.threads import get_num_threads, use_blas_threads

Item = TypeVar("Item")

WINDOW_STEPS = 32
RECHECK_FIRST = 4
RECHECK_LAST = 32


class ThreadChoice:
    """Which of `budget` threads and one thread a repeated loop runs faster on, learnt window
    by window; one per loop (a DataLoader keeps its own across its epochs)."""

    def __init__(
        self,
        budget: int,
        apply: Callable[[int], None] = use_blas_threads,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if budget < 2:
            raise ValueError(f"a choice needs a budget of at least 2 threads, got {budget}")
        self.budget, self.apply, self.clock = budget, apply, clock
        self.seconds: dict[int, float] = {}  # thread count -> seconds per batch
        self.best = budget
        self.last: int | None = None  # the count of the last counted window
        self.interval = self.until_recheck = RECHECK_FIRST

    def count(self) -> int:
        """The thread count for the next window."""
        for count in (self.budget, 1):
            if count not in self.seconds:
                return count
        if self.until_recheck <= 0:
            return 1 if self.best == self.budget else self.budget
        return self.best

    def record(self, count: int, seconds: float) -> None:
        """Take in one full window's seconds per batch on `count` threads."""
        previous = self.seconds.get(count)
        consecutive = count == self.last and previous is not None
        self.seconds[count] = (previous + seconds) / 2 if consecutive else seconds
        self.last = count
        if count == self.best:
            self.until_recheck -= 1
        if len(self.seconds) < 2:
            return
        best = min(self.seconds, key=self.seconds.__getitem__)
        if count != self.best:  # a re-check
            held = best == self.best
            self.interval = min(2 * self.interval, RECHECK_LAST) if held else RECHECK_FIRST
            self.until_recheck = self.interval
        self.best = best

    def run(self, items: Iterator[Item]) -> Iterator[Item]:
        """Yield `items`, each window of them on the count chosen for it; the thread count in
        use before is set again at the end, also when the loop breaks off or fails."""
        before = get_num_threads()
        try:
            while True:
                count = self.count()
                self.apply(count)
                start, steps = self.clock(), 0
                for item in itertools.islice(items, WINDOW_STEPS):
                    yield item
                    steps += 1
                if steps < WINDOW_STEPS:
                    return
                self.record(count, (self.clock() - start) / steps)
        finally:
            self.apply(before)
