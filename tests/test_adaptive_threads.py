"""The adaptive thread count picks the faster of the budget and one thread, re-checks the
other ever more rarely, reacts to a slowdown at once, re-times both after a pause, and always
sets the count back."""

import itertools
import time
from contextlib import nullcontext

import numpy as np
import pytest

import scratchnn as sn
from scratchnn.adaptive_threads import (
    RECHECK_FIRST,
    RECHECK_LAST,
    SWITCH_MARGIN,
    WINDOW_SECONDS,
    ThreadChoice,
)
from scratchnn.data import ArrayDataset, DataLoader
from scratchnn.train import fit

MS = 2**-10  # about a millisecond, exact in binary


class FakeMachine:
    """A clock and a thread setting: every step costs `cost[threads]` fake seconds."""

    def __init__(self, cost: dict[int, float]) -> None:
        self.cost, self.now, self.threads = dict(cost), 0.0, max(cost)  # starts on the budget
        self.windows: list[tuple[int, float]] = []  # (thread count, start) of every window
        self.steps = {count: 0 for count in cost}
        self.cold_start = 0.0  # the extra cost of a loop's first step

    def apply(self, threads: int) -> None:
        self.threads = threads
        self.windows.append((threads, self.now))

    def clock(self) -> float:
        return self.now

    def step(self) -> None:
        self.steps[self.threads] += 1
        self.now += self.cost[self.threads]

    def train(self, choice: ThreadChoice, seconds: float) -> None:
        """Steps for `seconds` of fake time; the count set back at the end is not a window."""
        end = self.now + seconds
        for step in choice.run(itertools.count()):
            self.now += self.cold_start if step == 0 else 0.0
            self.step()
            if self.now >= end:
                break
        self.windows.pop()

    def counts(self) -> list[int]:
        return [count for count, _ in self.windows]

    def starts(self, count: int) -> list[float]:
        return [start for threads, start in self.windows if threads == count]


def choice_on(machine: FakeMachine, budget: int = 2) -> ThreadChoice:
    return ThreadChoice(budget, apply=machine.apply, clock=machine.clock)


def test_times_both_counts_first_then_keeps_the_faster():
    machine = FakeMachine({2: MS, 1: 0.75 * MS})
    choice = choice_on(machine)
    machine.train(choice, seconds=0.2)
    counts = machine.counts()
    assert counts[:3] == [2, 1, 1]
    assert choice.seconds == {2: MS, 1: 0.75 * MS} and choice.best == 1
    first_window_end = machine.windows[1][1]
    recheck = machine.starts(2)[1]  # two threads timed again once their figure is old
    assert RECHECK_FIRST < recheck - first_window_end < RECHECK_FIRST + 2 * WINDOW_SECONDS


def test_budget_kept_when_faster_and_other_count_rechecked_ever_more_rarely():
    machine = FakeMachine({4: 0.5 * MS, 1: MS})
    choice = choice_on(machine, budget=4)
    machine.train(choice, seconds=20)
    gaps = np.diff(machine.starts(1))
    assert np.all(np.diff(gaps) >= 0)  # ever more rarely
    assert gaps[0] < 3 * RECHECK_FIRST
    assert RECHECK_LAST <= gaps[-1] < RECHECK_LAST + 2 * WINDOW_SECONDS
    assert machine.steps[1] * MS < 0.02 * 20  # under 2% of the time spent on one thread


def test_switches_at_once_when_the_count_in_use_slows_down():
    machine = FakeMachine({2: 0.5 * MS, 1: 0.75 * MS})
    choice = choice_on(machine)
    machine.train(choice, seconds=10)
    assert choice.best == 2 and choice.interval == RECHECK_LAST
    machine.cost[2] = 1.25 * MS  # two threads became slower than one
    machine.windows.clear()
    machine.train(choice, seconds=1)
    counts = machine.counts()
    assert counts[:2] == [2, 1]  # one slow window on two threads
    assert counts.count(2) <= 4  # then only re-checks, ever more rarely
    assert choice.best == 1


def test_goes_back_to_the_budget_once_it_is_faster_again():
    machine = FakeMachine({2: 1.25 * MS, 1: 0.75 * MS})
    choice = choice_on(machine)
    machine.train(choice, seconds=10)
    assert choice.best == 1 and choice.interval == RECHECK_LAST
    machine.cost[2] = 0.5 * MS  # one thread's own time does not change: only a re-check tells
    changed, machine.windows = machine.now, []
    machine.train(choice, seconds=RECHECK_LAST + 1)
    assert machine.starts(2)[0] - changed < RECHECK_LAST + 2 * WINDOW_SECONDS
    assert choice.best == 2
    after = machine.counts()[machine.counts().index(2) :]
    assert after.count(2) > 0.8 * len(after)  # then one thread is only re-checked


def test_a_noisy_recheck_is_undone_within_a_window():
    machine = FakeMachine({2: 0.5 * MS, 1: 0.75 * MS})
    choice = choice_on(machine)
    machine.train(choice, seconds=0.05)
    choice.record(1, 0.125 * MS, machine.now)  # one freak window makes one thread look faster
    machine.windows.clear()
    machine.train(choice, seconds=0.1)
    counts = machine.counts()
    assert counts[:2] == [1, 2]  # one window on one thread shows its figure was wrong
    assert counts[2:] == [2] * (len(counts) - 2)
    assert choice.best == 2


def test_after_a_pause_the_other_count_is_timed_again_at_once():
    machine = FakeMachine({2: 0.5 * MS, 1: MS})
    choice = choice_on(machine)
    machine.train(choice, seconds=10)
    machine.now += 3 * RECHECK_LAST  # the loop ends and starts again later (the next epoch)
    machine.windows.clear()
    machine.train(choice, seconds=0.1)
    assert machine.counts()[:3] == [1, 2, 2]  # one thread's figure had aged: re-timed first


def test_a_slow_window_that_changes_the_choice_brings_the_first_recheck_interval_back():
    machine = FakeMachine({2: 0.5 * MS, 1: 0.75 * MS})
    choice = choice_on(machine)
    machine.train(choice, seconds=10)
    assert choice.interval == RECHECK_LAST
    choice.record(2, 2 * MS, machine.now)  # a hiccup on two threads makes one thread look faster
    assert choice.best == 1 and choice.interval == RECHECK_FIRST
    changed, machine.windows = machine.now, []
    machine.train(choice, seconds=0.5)
    assert machine.starts(2)[0] - changed < RECHECK_FIRST + 2 * WINDOW_SECONDS
    assert choice.best == 2


def test_the_first_step_of_a_loop_is_not_timed():
    machine = FakeMachine({2: 0.5 * MS, 1: 0.75 * MS})
    machine.cold_start = 1.0  # a second's wait, say for a sleeping core
    choice = choice_on(machine)
    for _ in range(3):
        machine.train(choice, seconds=machine.cold_start + 0.1)
    assert choice.seconds == {2: 0.5 * MS, 1: 0.75 * MS} and choice.best == 2


def test_a_count_only_slightly_faster_does_not_take_over():
    machine = FakeMachine({2: MS, 1: (1 - SWITCH_MARGIN / 2) * MS})
    choice = choice_on(machine)
    machine.train(choice, seconds=1)
    assert choice.best == 2 and machine.counts().count(1) <= 4  # only re-checked
    machine.cost[1] = (1 - 2 * SWITCH_MARGIN) * MS
    machine.train(choice, seconds=RECHECK_LAST + 0.1)
    assert choice.best == 1


def test_a_short_last_window_is_not_counted():
    machine = FakeMachine({2: MS, 1: MS})
    choice = choice_on(machine)
    for _ in choice.run(iter(range(5))):
        machine.step()
    assert choice.seconds == {}


@pytest.mark.parametrize("how", ["break", "error", "end"])
def test_thread_count_in_use_before_is_set_again_however_the_loop_ends(how):
    machine = FakeMachine({2: MS, 1: 0.5 * MS})
    choice = choice_on(machine)
    before = sn.get_num_threads()
    with pytest.raises(RuntimeError) if how == "error" else nullcontext():
        for step, _ in enumerate(choice.run(iter(range(200)))):
            machine.step()
            if step == 100 and how != "end":
                if how == "error":
                    raise RuntimeError("the loop failed")
                break
    assert machine.windows[-2][0] == 1  # the loop ran on one thread
    assert machine.threads == before


def test_a_budget_of_one_thread_has_nothing_to_choose():
    with pytest.raises(ValueError, match="at least 2"):
        ThreadChoice(1)


STEP_SECONDS = 0.001  # a step of the loops below, long enough to fill a window in a few


def loader(samples=64):
    x = np.arange(samples, dtype=np.float32).reshape(-1, 1)
    return DataLoader(ArrayDataset(x, x[:, 0].astype(np.int64)), batch_size=1, shuffle=True, seed=3)


def test_data_loader_adapts_only_when_asked_and_gives_the_same_batches(restore_threads):
    sn.set_num_threads(2)
    plain = loader()
    expected = [x.copy() for x, _ in plain]
    assert plain.thread_choice is None
    sn.set_num_threads(2, adaptive=True)
    adaptive, counts = loader(), set()
    for (x, _), want in zip(adaptive, expected, strict=True):
        counts.add(sn.get_num_threads())
        time.sleep(STEP_SECONDS)
        np.testing.assert_array_equal(x, want)
    assert counts == {1, 2}  # both were timed
    assert sn.get_num_threads() == 2
    assert set(adaptive.thread_choice.seconds) == {1, 2}


def test_data_loader_keeps_its_choice_between_epochs_and_renews_it_for_a_new_budget(
    restore_threads,
):
    sn.set_num_threads(2, adaptive=True)
    data = loader()
    list(data)
    choice = data.thread_choice
    list(data)
    assert data.thread_choice is choice
    sn.set_num_threads(3, adaptive=True)
    list(data)
    assert data.thread_choice is not choice and data.thread_choice.budget == 3


def test_no_adapting_on_one_thread_or_once_switched_off(restore_threads):
    for threads, adaptive in [(1, True), (2, False)]:
        sn.set_num_threads(threads, adaptive=adaptive)
        data, counts = loader(), set()
        for _ in data:
            counts.add(sn.get_num_threads())
        assert counts == {threads} and data.thread_choice is None


@pytest.fixture
def restore_threads():
    before = sn.get_num_threads()
    yield
    sn.set_num_threads(before)


def test_fit_adapts_and_leaves_the_budget_set(restore_threads):
    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1024, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = sn.nn.Sequential(sn.nn.Linear(8, 16), sn.nn.ReLU(), sn.nn.Linear(16, 2))
    cross_entropy, counts = sn.nn.CrossEntropyLoss(), set()

    def loss(outputs, targets):
        counts.add(sn.get_num_threads())
        time.sleep(STEP_SECONDS)
        return cross_entropy(outputs, targets)

    sn.set_num_threads(2, adaptive=True)
    optimizer = sn.optim.Adam(model.parameters(), lr=1e-2)
    history = fit(model, loss, optimizer, (x, y), epochs=3, batch_size=16, verbose=False)
    assert history.records[-1]["acc"] > 0.9
    assert counts == {1, 2}
    assert sn.get_num_threads() == 2
