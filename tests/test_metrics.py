"""Metrics against scikit-learn's definitions."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnn.train import metrics

sklearn_metrics = pytest.importorskip("sklearn.metrics")


@pytest.fixture
def scored(rng):
    scores = rng.standard_normal((200, 5))
    labels = rng.integers(0, 5, 200)
    return scores, labels


def test_accuracy_and_top_k(scored):
    scores, labels = scored
    assert metrics.accuracy(scores, labels) == pytest.approx(
        sklearn_metrics.accuracy_score(labels, scores.argmax(1))
    )
    for k in (1, 2, 3):
        assert metrics.top_k_accuracy(scores, labels, k) == pytest.approx(
            sklearn_metrics.top_k_accuracy_score(labels, scores, k=k, labels=range(5))
        )


def test_confusion_and_per_class_scores(scored):
    scores, labels = scored
    predictions = scores.argmax(1)
    confusion = metrics.confusion_matrix(labels, predictions, 5)
    np.testing.assert_array_equal(confusion, sklearn_metrics.confusion_matrix(labels, predictions))
    per_class = metrics.per_class_scores(confusion)
    p, r, f, s = sklearn_metrics.precision_recall_fscore_support(
        labels, predictions, zero_division=0
    )
    np.testing.assert_allclose(per_class.precision, p)
    np.testing.assert_allclose(per_class.recall, r)
    np.testing.assert_allclose(per_class.f1, f)
    np.testing.assert_array_equal(per_class.support, s)


def test_class_never_predicted_has_zero_precision():
    confusion = metrics.confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 0]), 2)
    scores = metrics.per_class_scores(confusion)
    assert scores.precision[1] == 0.0 and scores.recall[1] == 0.0 and scores.f1[1] == 0.0


def test_regression_metrics(rng):
    targets = rng.standard_normal(50)
    predictions = targets + 0.1 * rng.standard_normal(50)
    assert metrics.mean_squared_error(predictions, targets) == pytest.approx(
        sklearn_metrics.mean_squared_error(targets, predictions)
    )
    assert metrics.mean_absolute_error(predictions, targets) == pytest.approx(
        sklearn_metrics.mean_absolute_error(targets, predictions)
    )
    assert metrics.r2_score(predictions, targets) == pytest.approx(
        sklearn_metrics.r2_score(targets, predictions)
    )
