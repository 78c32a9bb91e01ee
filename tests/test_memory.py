"""Training does not leak: memory after 1,000 steps equals memory after 100."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np

import scratchnn as sn
from scratchnn import nn, optim


def test_no_memory_growth_over_one_thousand_training_steps():
    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    inputs = rng.random((64, 20)).astype(np.float32)
    labels = rng.integers(0, 5, 64)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 5))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def steps(count):
        for _ in range(count):
            loss = loss_fn(model(sn.Tensor(inputs)), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    tracemalloc.start()
    try:
        steps(100)
        gc.collect()
        after_100 = tracemalloc.get_traced_memory()[0]
        steps(900)
        gc.collect()
        after_1000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after_1000 - after_100 < 16 * 1024, (after_100, after_1000)


def test_a_kept_loss_does_not_keep_its_graph_after_backward():
    x = sn.Tensor(np.ones((256, 256)), requires_grad=True)
    losses = []
    tracemalloc.start()
    try:
        for _ in range(20):
            loss = (x.exp() * 2.0).sum()
            loss.backward()
            losses.append(loss)  # the user keeps the loss values, e.g. for plotting
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < 2 * 256 * 256 * 4 + 64 * 1024  # x.grad and a little, not 20 saved graphs
