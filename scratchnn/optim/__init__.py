"""Optimizers and learning-rate schedules."""

from scratchnn.optim import lr_scheduler
from scratchnn.optim.adagrad import Adagrad
from scratchnn.optim.adam import Adam, AdamW
from scratchnn.optim.optimizer import Optimizer
from scratchnn.optim.rmsprop import RMSprop
from scratchnn.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
