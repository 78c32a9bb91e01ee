"""ArrayDataset, DataLoader (batching, shuffling, determinism) and random splits."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn
from scratchnn.data import ArrayDataset, DataLoader, random_split, train_val_split


def make_dataset(n: int = 10) -> ArrayDataset:
    inputs = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return ArrayDataset(inputs, np.arange(n, dtype=np.int64))


def test_dataset_indexing_by_int_slice_and_array():
    dataset = make_dataset()
    assert len(dataset) == 10
    x, y = dataset[2]
    np.testing.assert_array_equal(x, [6, 7, 8])
    assert y == 2
    x, y = dataset[1:4]
    assert x.shape == (3, 3)
    np.testing.assert_array_equal(y, [1, 2, 3])
    x, y = dataset[np.array([9, 0, 5])]
    np.testing.assert_array_equal(y, [9, 0, 5])
    np.testing.assert_array_equal(x[:, 0], [27, 0, 15])
    assert dataset.inputs.shape == (10, 3) and dataset.targets.shape == (10,)


def test_dataset_rejects_different_lengths():
    with pytest.raises(ValueError, match="5 inputs but 4 targets"):
        ArrayDataset(np.zeros((5, 2)), np.zeros(4))


def test_dataset_accepts_tensors():
    dataset = ArrayDataset(scratchnn.tensor(np.ones((4, 2))), np.arange(4))
    assert isinstance(dataset.inputs, np.ndarray)


def test_loader_batches_in_order_without_shuffle():
    dataset = make_dataset(10)
    loader = DataLoader(dataset, batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [len(y) for _, y in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), np.arange(10))
    assert all(x.shape[1:] == (3,) and x.dtype == np.float32 for x, _ in batches)


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "expected"),
    [
        (10, 4, False, 3),
        (10, 4, True, 2),
        (12, 4, True, 3),
        (12, 4, False, 3),
        (3, 5, True, 0),
        (3, 5, False, 1),
        (1, 1, False, 1),
    ],
)
def test_loader_length(n, batch_size, drop_last, expected):
    loader = DataLoader(make_dataset(n), batch_size=batch_size, shuffle=True, drop_last=drop_last)
    assert len(loader) == expected
    batches = list(loader)
    assert len(batches) == expected
    if drop_last:
        assert all(len(y) == batch_size for _, y in batches)


def test_loader_default_batch_size_is_one():
    loader = DataLoader(make_dataset(3))
    assert [y.tolist() for _, y in loader] == [[0], [1], [2]]


def test_loader_rejects_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(make_dataset(), batch_size=0)


def test_shuffle_visits_every_sample_once_and_reshuffles_each_epoch():
    loader = DataLoader(make_dataset(50), batch_size=8, shuffle=True, seed=3)
    epochs = [np.concatenate([y for _, y in loader]) for _ in range(3)]
    for order in epochs:
        np.testing.assert_array_equal(np.sort(order), np.arange(50))
    assert not np.array_equal(epochs[0], np.arange(50))
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[1], epochs[2])


def test_shuffle_pairs_inputs_with_their_targets():
    for x, y in DataLoader(make_dataset(20), batch_size=6, shuffle=True, seed=0):
        np.testing.assert_array_equal(x[:, 0], 3 * y)


def test_shuffle_is_deterministic_for_a_seed():
    def orders(seed):
        loader = DataLoader(make_dataset(30), batch_size=7, shuffle=True, seed=seed)
        return [np.concatenate([y for _, y in loader]).tolist() for _ in range(2)]

    assert orders(11) == orders(11)
    assert orders(11) != orders(12)


def test_shuffle_without_seed_follows_manual_seed():
    def first_epoch():
        loader = DataLoader(make_dataset(30), batch_size=30, shuffle=True)
        return next(iter(loader))[1].tolist()

    scratchnn.manual_seed(5)
    a = first_epoch()
    scratchnn.manual_seed(5)
    assert first_epoch() == a
    scratchnn.manual_seed(6)
    assert first_epoch() != a


def test_loader_generator_state_restores_the_next_epoch():
    loader = DataLoader(make_dataset(30), batch_size=30, shuffle=True, seed=1)
    state = loader.generator.bit_generator.state
    first = next(iter(loader))[1].tolist()
    loader.generator.bit_generator.state = state
    assert next(iter(loader))[1].tolist() == first


def test_random_split_lengths_partition_and_determinism():
    dataset = make_dataset(20)
    parts = random_split(dataset, [12, 5, 3], seed=0)
    assert [len(p) for p in parts] == [12, 5, 3]
    labels = np.concatenate([p.targets for p in parts])
    np.testing.assert_array_equal(np.sort(labels), np.arange(20))
    for part in parts:
        np.testing.assert_array_equal(part.inputs[:, 0], 3 * part.targets)
    again = random_split(dataset, [12, 5, 3], seed=0)
    assert all(np.array_equal(a.targets, b.targets) for a, b in zip(parts, again))
    other = random_split(dataset, [12, 5, 3], seed=1)
    assert not np.array_equal(parts[0].targets, other[0].targets)


def test_random_split_fractions():
    parts = random_split(make_dataset(10), [0.7, 0.2, 0.1], seed=0)
    assert [len(p) for p in parts] == [7, 2, 1]
    parts = random_split(make_dataset(11), [0.5, 0.5], seed=0)
    assert sorted(len(p) for p in parts) == [5, 6]


@pytest.mark.parametrize("lengths", [[5, 4], [0.5, 0.6], [11, -1]])
def test_random_split_rejects_lengths_that_do_not_add_up(lengths):
    with pytest.raises(ValueError, match="lengths"):
        random_split(make_dataset(10), lengths)


def test_train_val_split_on_dataset_and_on_pairs():
    train, val = train_val_split(make_dataset(100), 0.2, seed=4)
    assert isinstance(train, ArrayDataset) and (len(train), len(val)) == (80, 20)
    assert not set(train.targets.tolist()) & set(val.targets.tolist())
    x = np.arange(200, dtype=np.float32).reshape(100, 2)
    y = np.arange(100)
    (x_train, y_train), (x_val, y_val) = train_val_split((x, y), 0.2, seed=4)
    assert x_train.shape == (80, 2) and y_val.shape == (20,)
    np.testing.assert_array_equal(y_val, val.targets)
    np.testing.assert_array_equal(x_train[:, 0], 2 * y_train)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 0.001])
def test_train_val_split_rejects_empty_sides(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        train_val_split(make_dataset(100), fraction)
