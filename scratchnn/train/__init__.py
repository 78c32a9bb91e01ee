"""Training: fit() with progress, validation, early stopping, schedules, checkpoints; evaluate()."""

from scratchnn.train.callbacks import Callback, EarlyStopping
from scratchnn.train.evaluate import ClassificationReport, RegressionReport, evaluate
from scratchnn.train.history import History
from scratchnn.train.loop import TrainingDivergedError, fit, predict

__all__ = [
    "Callback",
    "ClassificationReport",
    "EarlyStopping",
    "History",
    "RegressionReport",
    "TrainingDivergedError",
    "evaluate",
    "fit",
    "predict",
]
