"""evaluate(): a model's scores on a data set — classification report or regression errors."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scratchnn.nn.module import Module
from scratchnn.train import metrics
from scratchnn.train.loop import as_dataset, is_classification, predict


@dataclass
class ClassificationReport:
    """Accuracy, top-k accuracy, confusion matrix and per-class precision/recall/F1."""

    accuracy: float
    top_k: dict[int, float]
    confusion: np.ndarray
    scores: metrics.ClassScores
    class_names: list[str] = field(default_factory=list)

    def table(self) -> str:
        """The confusion matrix and per-class metrics as aligned text."""
        n = len(self.confusion)
        labels = [f"{i} {name}" for i, name in enumerate(self.class_names)] or list(
            map(str, range(n))
        )
        width = max(6, *(len(str(v)) for v in self.confusion.flat)) + 1
        lines = [f"accuracy {self.accuracy * 100:.2f}%"]
        lines += [f"top-{k} accuracy {v * 100:.2f}%" for k, v in self.top_k.items()]
        lines.append("")
        lines.append("confusion matrix (rows: true class, columns: predicted class)")
        lines.append(" " * 12 + "".join(f"{i:>{width}}" for i in range(n)))
        for i, row in enumerate(self.confusion):
            lines.append(f"{labels[i][:11]:<12}" + "".join(f"{v:>{width}}" for v in row))
        lines.append("")
        lines.append(f"{'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        s = self.scores
        for i in range(n):
            lines.append(
                f"{labels[i][:15]:<16}{s.precision[i]:>10.4f}{s.recall[i]:>10.4f}{s.f1[i]:>10.4f}"
                f"{int(s.support[i]):>10}"
            )
        return "\n".join(lines)


@dataclass
class RegressionReport:
    """Mean squared error, mean absolute error and R² of predictions against targets."""

    mse: float
    mae: float
    r2: float

    def table(self) -> str:
        return f"mse {self.mse:.6f}\nmae {self.mae:.6f}\nr2  {self.r2:.6f}"


def evaluate(
    model: Module,
    data,
    batch_size: int = 1024,
    top_k: tuple[int, ...] = (3,),
    class_names: list[str] | None = None,
) -> ClassificationReport | RegressionReport:
    """Score model on (inputs, targets) or a Dataset: a classification or regression report."""
    dataset = as_dataset(data)
    outputs = predict(model, dataset.inputs, batch_size)
    targets = dataset.targets
    if is_classification(outputs, targets):
        num_classes = outputs.shape[-1]
        confusion = metrics.confusion_matrix(targets, outputs.argmax(axis=-1), num_classes)
        return ClassificationReport(
            accuracy=metrics.accuracy(outputs, targets),
            top_k={k: metrics.top_k_accuracy(outputs, targets, k) for k in top_k},
            confusion=confusion,
            scores=metrics.per_class_scores(confusion),
            class_names=list(class_names or []),
        )
    outputs = outputs.reshape(targets.shape)
    return RegressionReport(
        mse=metrics.mean_squared_error(outputs, targets),
        mae=metrics.mean_absolute_error(outputs, targets),
        r2=metrics.r2_score(outputs, targets),
    )
