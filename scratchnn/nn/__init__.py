"""Layers, activations, losses and initialisers built on scratchnn's ops."""

from scratchnn.nn.module import Module, Parameter

__all__ = ["Module", "Parameter"]
