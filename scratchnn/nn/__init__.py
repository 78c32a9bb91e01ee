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
from scratchnn.nn.conv import Conv1d, Conv2d
from scratchnn.nn.dropout import Dropout
from scratchnn.nn.dropout2d import Dropout2d
from scratchnn.nn.embedding import Embedding
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
from scratchnn.nn.norm import BatchNorm1d, BatchNorm2d, LayerNorm
from scratchnn.nn.normalize import Normalize
from scratchnn.nn.one_hot_loss import OneHotMSELoss
from scratchnn.nn.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from scratchnn.nn.recurrent import GRU, LSTM, RNN

__all__ = [
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "Dropout2d",
    "Embedding",
    "GRU",
    "LSTM",
    "LayerNorm",
    "MaxPool2d",
    "RNN",
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
    "Normalize",
    "OneHotMSELoss",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
]
