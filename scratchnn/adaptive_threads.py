"""Adaptive thread count: a loop over batches runs in windows of about WINDOW_SECONDS, each on
the thread budget or on one thread, whichever its own timings show to be faster now.

Why: where cores are shared (a virtual machine), a second BLAS thread sometimes slows a training
step instead of speeding it up. Measured on a 2-core VM, one MNIST epoch of the 784-128-64-10
MLP at batch 128: 0.28 s on two threads and 0.40 s on one at some times; 0.59 s on two and
0.40 s on one at others, when the second thread's work slows the main thread's own (the
optimizer, the batch gather) more than it saves in the matrix products. Such a state lasts
seconds to minutes.

How: each count is first timed over one window. Then the faster one runs; the other takes over
only when its figure is SWITCH_MARGIN below, so that noise does not flip the choice. The
other is timed again over one window once its figure is older than RECHECK_FIRST seconds;
each time a re-check confirms the choice, twice as old (at most RECHECK_LAST), and
RECHECK_FIRST again whenever the choice changes. A count's figure (seconds per batch)
averages the consecutive windows run on it, the newest weighing half, and the first window
after a switch or a pause replaces it: when the count in use slows down, its figure passes
the other's within a window or two, and a loop that starts again after a pause (the next
epoch after validation, say) soon re-times the other count. A window covers fetching each
batch and whatever the loop does with it, so it times the training step as the user wrote
it. The first batch of a loop is not timed (after a pause caches and idle cores are cold), nor
is a last window shorter than WINDOW_SECONDS.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from scratchnn.threads import get_num_threads, use_blas_threads

Item = TypeVar("Item")

WINDOW_SECONDS = 0.015
WINDOW_MIN_STEPS = 2
RECHECK_FIRST = 0.1
RECHECK_LAST = 2.0
SWITCH_MARGIN = 0.1


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
        self.timed_at: dict[int, float] = {}  # thread count -> clock at its last window's end
        self.best = budget
        self.last: int | None = None  # the count of the window before, None after a pause
        self.interval = RECHECK_FIRST

    @property
    def other(self) -> int:
        """The count not in use."""
        return 1 if self.best == self.budget else self.budget

    def count(self, now: float) -> int:
        """The thread count for a window starting at clock time `now`."""
        for count in (self.budget, 1):
            if count not in self.seconds:
                return count
        other = self.other
        return other if now - self.timed_at[other] > self.interval else self.best

    def record(self, count: int, seconds: float, now: float) -> None:
        """Take in the seconds per batch of a full window on `count` threads, ended at `now`."""
        previous = self.seconds.get(count)
        consecutive = count == self.last and previous is not None
        self.seconds[count] = (previous + seconds) / 2 if consecutive else seconds
        self.timed_at[count], self.last = now, count
        if len(self.seconds) < 2:
            return
        other = self.other
        faster = self.seconds[other] < (1 - SWITCH_MARGIN) * self.seconds[self.best]
        best = other if faster else self.best
        if best != self.best:
            self.interval = RECHECK_FIRST
        elif count != best:  # a re-check that confirmed the choice
            self.interval = min(2 * self.interval, RECHECK_LAST)
        self.best = best

    def run(self, items: Iterator[Item]) -> Iterator[Item]:
        """Yield `items`, each window of them on the count chosen for it; the thread count in
        use before is set again at the end, also when the loop breaks off or fails."""
        before = get_num_threads()
        self.last = None
        try:
            yield from itertools.islice(items, 1)  # caches and cores are cold: not timed
            while True:
                start = self.clock()
                count = self.count(start)
                self.apply(count)
                steps = 0
                for item in items:
                    yield item
                    steps += 1
                    now = self.clock()
                    if now - start >= WINDOW_SECONDS and steps >= WINDOW_MIN_STEPS:
                        break
                else:
                    return
                self.record(count, (now - start) / steps, now)
        finally:
            self.apply(before)
