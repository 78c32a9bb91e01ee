"""fit(): learning, history, progress lines, resume, divergence, early stopping, schedules."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn, optim
from scratchnn.train import EarlyStopping, TrainingDivergedError, evaluate, fit


def blobs(n=600, seed=0):
    """Three well-separated Gaussian clusters in 4-D."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]], dtype=np.float32)
    inputs = centres[labels] + 0.5 * rng.standard_normal((n, 4)).astype(np.float32)
    return inputs.astype(np.float32), labels


def small_model(dropout=0.0):
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3))


def test_fit_learns_and_reports_each_epoch(capsys):
    sn.manual_seed(0)
    model = small_model()
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=0.01),
        blobs(),
        epochs=3,
        batch_size=32,
        validation=blobs(200, seed=1),
    )
    assert len(history) == 3 and history["epoch"] == [1, 2, 3]
    assert history["val_acc"][-1] > 0.9
    assert history["loss"][-1] < history["loss"][0]
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert lines[2].startswith("epoch 3/3  loss ")
    for field in ("acc ", "val_loss ", "val_acc ", "%", "s"):
        assert field in lines[2]


def weights(model):
    return {name: value.copy() for name, value in model.state_dict().items()}


def run(epochs, checkpoint, resume=False, seed=0):
    sn.manual_seed(seed)
    model = small_model(dropout=0.2)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        blobs(),
        epochs=epochs,
        batch_size=50,
        checkpoint=checkpoint,
        resume=resume,
        verbose=False,
    )
    return weights(model)


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(tmp_path):
    straight = run(3, tmp_path / "straight.safetensors")
    path = tmp_path / "interrupted.safetensors"
    run(1, path)
    resumed = run(3, path, resume=True, seed=99)  # a new process: other seed, then resume
    for name in straight:
        np.testing.assert_array_equal(resumed[name], straight[name])


def test_divergence_stops_with_a_clear_error_and_keeps_the_last_checkpoint(tmp_path):
    sn.manual_seed(0)
    model = small_model()
    path = tmp_path / "ckpt.safetensors"
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.SGD(model.parameters(), lr=0.1),
        blobs(),
        epochs=1,
        checkpoint=path,
        verbose=False,
    )
    saved = path.read_bytes()
    with pytest.raises(TrainingDivergedError, match="nan|inf"):
        fit(
            model,
            nn.CrossEntropyLoss(),
            optim.SGD(model.parameters(), lr=1e30),
            blobs(),
            epochs=3,
            checkpoint=path,
            verbose=False,
        )
    assert path.read_bytes() == saved


def test_early_stopping_restores_the_best_weights():
    sn.manual_seed(0)
    model = small_model()
    stopper = EarlyStopping(monitor="val_loss", patience=1, min_delta=10.0)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=0.01),
        blobs(),
        epochs=10,
        validation=blobs(100, 2),
        callbacks=[stopper],
        verbose=False,
    )
    assert len(history) == 2 and stopper.stopped_epoch == 2
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, stopper.best_state[name])


def test_learning_rate_schedule_steps_once_per_epoch():
    sn.manual_seed(0)
    model = small_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    schedule = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        blobs(),
        epochs=3,
        scheduler=schedule,
        verbose=False,
    )
    np.testing.assert_allclose(history["lr"], [0.1, 0.05, 0.025])


def test_evaluate_classification_and_regression():
    sn.manual_seed(0)
    model = small_model()
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=0.01),
        blobs(),
        epochs=3,
        verbose=False,
    )
    report = evaluate(model, blobs(300, 3))
    assert report.accuracy > 0.9 and report.confusion.sum() == 300
    assert "confusion matrix" in report.table() and "precision" in report.table()
    regression = nn.Sequential(nn.Linear(2, 1))
    inputs = np.random.default_rng(0).random((100, 2)).astype(np.float32)
    fit(
        regression,
        nn.MSELoss(),
        optim.Adam(regression.parameters(), lr=0.05),
        (inputs, inputs.sum(1, keepdims=True)),
        epochs=60,
        batch_size=10,
        verbose=False,
    )
    errors = evaluate(regression, (inputs, inputs.sum(1, keepdims=True)))
    assert errors.mse < 1e-3 and errors.r2 > 0.99


def test_article_one_perceptron_learns_addition_within_0_05():
    """Two inputs, one sigmoid output, per-sample SGD at lr 0.1, numbers in [0, 0.5]."""
    sn.manual_seed(0)
    rng = np.random.default_rng(0)
    inputs = rng.uniform(0, 0.5, (100, 2)).astype(np.float32)
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=0.1),
        (inputs, inputs.sum(1, keepdims=True)),
        epochs=300,
        batch_size=1,
        verbose=False,
    )
    tests = rng.uniform(0, 0.5, (200, 2)).astype(np.float32)
    with sn.no_grad():
        predictions = model(sn.Tensor(tests)).data[:, 0]
    errors = np.abs(predictions - tests.sum(1))
    # a sigmoid cannot follow a straight line right up to a sum of 1, so the extremes stay a few
    # hundredths off; nearly all sums land within 0.05
    assert errors.mean() < 0.02
    assert (errors < 0.05).mean() >= 0.95


def test_accuracy_counts_each_label_of_a_sequence_target_once():
    sn.manual_seed(0)
    inputs = np.zeros((20, 3), dtype=np.float32)
    labels = np.zeros((20, 4), dtype=np.int64)  # four labels per sample

    class PerPosition(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 4 * 5)

        def forward(self, x):
            return self.linear(x).reshape(-1, 4, 5)  # (N, positions, classes)

    model = PerPosition()
    model.linear.bias.data[:] = np.tile([10.0, 0, 0, 0, 0], 4)  # class 0 wins everywhere

    def loss(outputs, targets):  # cross-entropy wants the class axis second
        return nn.CrossEntropyLoss()(outputs.transpose(0, 2, 1), targets)

    history = fit(
        model,
        loss,
        optim.SGD(model.parameters(), lr=0.0),
        (inputs, labels.reshape(20, 4)),
        epochs=1,
        batch_size=5,
        verbose=False,
    )
    assert history["acc"][0] == 1.0  # 80 of 80 labels, not 80 per 20 samples
