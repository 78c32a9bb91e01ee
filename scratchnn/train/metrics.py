"""Metrics on NumPy arrays: classification (accuracy, top-k, confusion, P/R/F1) and regression."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose highest score is at the label."""
    return float((scores.argmax(axis=-1) == labels).mean())


def top_k_accuracy(scores: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Fraction of rows whose label is among the k highest scores."""
    k = min(k, scores.shape[-1])
    top = np.argpartition(-scores, k - 1, axis=-1)[:, :k]
    return float((top == labels[:, None]).any(axis=1).mean())


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """counts[i, j] = how many samples of true class i were predicted as class j."""
    flat = labels.astype(np.int64) * num_classes + predictions.astype(np.int64)
    return np.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


@dataclass
class ClassScores:
    """Per-class precision, recall, F1 and support from a confusion matrix."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray


def per_class_scores(confusion: np.ndarray) -> ClassScores:
    """precision = tp / predicted, recall = tp / actual, F1 = 2PR / (P + R) (0 where undefined)."""
    tp = np.diag(confusion).astype(np.float64)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return ClassScores(precision, recall, f1, actual)


def mean_squared_error(predictions: np.ndarray, targets: np.ndarray) -> float:
    """mean((p - t)^2)."""
    return float(np.mean((predictions - targets) ** 2))


def mean_absolute_error(predictions: np.ndarray, targets: np.ndarray) -> float:
    """mean(|p - t|)."""
    return float(np.mean(np.abs(predictions - targets)))


def r2_score(predictions: np.ndarray, targets: np.ndarray) -> float:
    """1 - sum((t - p)^2) / sum((t - mean t)^2)."""
    residual = np.sum((targets - predictions) ** 2)
    total = np.sum((targets - targets.mean()) ** 2)
    return float(1.0 - residual / total) if total > 0 else 0.0
