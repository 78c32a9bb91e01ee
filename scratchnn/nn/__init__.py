"""Layers, activations, losses and initialisers built on scratchnn's ops."""

from scratchnn.nn import init, utils
from scratchnn.nn.activation import (
    ELU,
    GELU,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from scratchnn.nn.containers import ModuleList, Sequential
from scratchnn.nn.dropout import Dropout
from scratchnn.nn.flatten import Flatten
from scratchnn.nn.linear import Linear
from scratchnn.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from scratchnn.nn.module import Module, Parameter

__all__ = [
    "Dropout",
    "Flatten",
    "Linear",
    "ModuleList",
    "Sequential",
    "init",
    "utils",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "ELU",
    "GELU",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
]
