"""The adaptive thread count picks the faster of the budget and one thread, re-checks the
other ever more rarely, reacts to a slowdown at once, and always sets the count back."""

from contextlib import nullcontext

import numpy as np
import pytest

import scratchnn as sn
from scratchnn.adaptive_threads import (
    RECHECK_FIRST,
    RECHECK_LAST,
    WINDOW_STEPS,
    ThreadChoice,
)
from scratchnn.data import ArrayDataset, DataLoader
from scratchnn.train import fit


class FakeMachine:
    """A clock and a thread setting: every step costs `cost[threads]` fake seconds."""

    def __init__(self, cost: dict[int, float]) -> None:
        self.cost, self.now, self.threads = dict(cost), 0.0, None
        self.history: list[int] = []  # the thread count of every step

    def apply(self, threads: int) -> None:
        self.threads = threads

    def clock(self) -> float:
        return self.now

    def step(self) -> None:
        self.history.append(self.threads)
        self.now += self.cost[self.threads]

    def train(self, choice: ThreadChoice, windows: int) -> None:
        for _ in choice.run(iter(range(windows * WINDOW_STEPS))):
            self.step()


def windows_of(history: list[int]) -> list[int]:
    """The thread count of each window of steps."""
    return history[::WINDOW_STEPS]


def choice_on(machine: FakeMachine, budget: int = 2) -> ThreadChoice:
    return ThreadChoice(budget, apply=machine.apply, clock=machine.clock)


def test_times_both_counts_first_then_keeps_the_faster():
    machine = FakeMachine({2: 1.0, 1: 0.75})
    choice = choice_on(machine)
    machine.train(choice, windows=3 + RECHECK_FIRST)
    counts = windows_of(machine.history)
    assert counts == [2] + [1] * (RECHECK_FIRST + 1) + [2]  # then 2 threads are re-checked
    assert choice.seconds == {2: 1.0, 1: 0.75} and choice.best == 1


def test_budget_kept_when_faster_and_other_count_rechecked_ever_more_rarely():
    machine = FakeMachine({4: 0.5, 1: 1.0})
    choice = choice_on(machine, budget=4)
    machine.train(choice, windows=300)
    counts = windows_of(machine.history)
    rechecks = [i for i, count in enumerate(counts) if count == 1]
    gaps = np.diff(rechecks) - 1  # windows on 4 threads between two windows on one
    assert rechecks[0] == 1
    assert list(gaps[:3]) == [2 * RECHECK_FIRST, 4 * RECHECK_FIRST, 8 * RECHECK_FIRST]
    assert max(gaps) == RECHECK_LAST and gaps[-1] == RECHECK_LAST
    assert counts.count(1) < 0.05 * len(counts)


def test_switches_at_once_when_the_count_in_use_slows_down():
    machine = FakeMachine({2: 0.5, 1: 0.8})
    choice = choice_on(machine)
    machine.train(choice, windows=100)  # long enough for the longest re-check interval
    assert choice.best == 2 and choice.interval == RECHECK_LAST
    machine.cost[2] = 1.2  # two threads became slower than one
    machine.history.clear()
    machine.train(choice, windows=12)
    assert windows_of(machine.history) == [2] + [1] * 11  # one slow window on two threads
    assert choice.best == 1


def test_goes_back_to_the_budget_once_it_is_faster_again():
    machine = FakeMachine({2: 1.2, 1: 0.8})
    choice = choice_on(machine)
    machine.train(choice, windows=100)
    assert choice.best == 1 and choice.interval == RECHECK_LAST
    machine.cost[2] = 0.5  # one thread's own time does not change: only a re-check tells
    machine.history.clear()
    machine.train(choice, windows=RECHECK_LAST + 20)
    counts = windows_of(machine.history)
    back = counts.index(2)
    assert back <= RECHECK_LAST
    assert counts[back:].count(1) <= 2  # re-checks of one thread, RECHECK_FIRST and more apart
    assert choice.best == 2


def test_a_noisy_recheck_is_undone_after_a_few_windows():
    machine = FakeMachine({2: 0.5, 1: 0.75})
    choice = choice_on(machine)
    machine.train(choice, windows=2)
    choice.record(1, 0.125)  # one freak window makes one thread look faster
    machine.history.clear()
    machine.train(choice, windows=RECHECK_FIRST + 3)
    counts = windows_of(machine.history)
    assert counts[:2] == [1, 2]  # one window on one thread shows its figure was wrong
    assert counts.count(1) == 2  # that one and the re-check RECHECK_FIRST windows later
    assert choice.best == 2


def test_a_short_last_window_is_not_counted():
    machine = FakeMachine({2: 1.0, 1: 1.0})
    choice = choice_on(machine)
    for _ in choice.run(iter(range(WINDOW_STEPS - 1))):
        machine.step()
    assert choice.seconds == {}


@pytest.mark.parametrize("how", ["break", "error", "end"])
def test_thread_count_in_use_before_is_set_again_however_the_loop_ends(how):
    machine = FakeMachine({2: 1.0, 1: 0.5})
    choice = choice_on(machine)
    before = sn.get_num_threads()
    with pytest.raises(RuntimeError) if how == "error" else nullcontext():
        for step, _ in enumerate(choice.run(iter(range(5 * WINDOW_STEPS)))):
            machine.step()
            if step == 2 * WINDOW_STEPS and how != "end":
                if how == "error":
                    raise RuntimeError("the loop failed")
                break
    assert machine.history[-1] == 1  # the loop ran on one thread
    assert machine.threads == before


def test_a_budget_of_one_thread_has_nothing_to_choose():
    with pytest.raises(ValueError, match="at least 2"):
        ThreadChoice(1)


def loader(samples=40 * WINDOW_STEPS):
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
    x = rng.standard_normal((64 * WINDOW_STEPS, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = sn.nn.Sequential(sn.nn.Linear(8, 16), sn.nn.ReLU(), sn.nn.Linear(16, 2))
    cross_entropy, counts = sn.nn.CrossEntropyLoss(), set()

    def loss(outputs, targets):
        counts.add(sn.get_num_threads())
        return cross_entropy(outputs, targets)

    sn.set_num_threads(2, adaptive=True)
    optimizer = sn.optim.Adam(model.parameters(), lr=1e-2)
    history = fit(model, loss, optimizer, (x, y), epochs=2, batch_size=16, verbose=False)
    assert history.records[-1]["acc"] > 0.9
    assert counts == {1, 2}
    assert sn.get_num_threads() == 2
