"""scratchnn: neural networks from first principles on NumPy."""

from scratchnn import nn, optim  # noqa: E402,I001
from scratchnn import data, functional
from scratchnn.allocator import keep_freed_memory
from scratchnn.backend import get_default_dtype, set_default_dtype
from scratchnn.compiled import compiled_enabled, use_compiled
from scratchnn.creation import cat, concatenate, maximum, ones, rand, randn, stack, where, zeros
from scratchnn.errors import DataFormatError, DatasetUnavailableError, ModelFormatError, ShapeError
from scratchnn.grad_mode import enable_grad, is_grad_enabled, no_grad
from scratchnn.io import load, save
from scratchnn.random import manual_seed
from scratchnn.tensor import Tensor, tensor
from scratchnn.threads import get_num_threads, set_num_threads

F = functional

__version__ = "0.1.0"

__all__ = [
    "load",
    "save",
    "F",
    "functional",
    "DataFormatError",
    "DatasetUnavailableError",
    "ModelFormatError",
    "ShapeError",
    "Tensor",
    "data",
    "nn",
    "optim",
    "cat",
    "compiled_enabled",
    "concatenate",
    "enable_grad",
    "get_default_dtype",
    "get_num_threads",
    "is_grad_enabled",
    "keep_freed_memory",
    "manual_seed",
    "maximum",
    "no_grad",
    "ones",
    "rand",
    "randn",
    "set_default_dtype",
    "set_num_threads",
    "stack",
    "tensor",
    "use_compiled",
    "where",
    "zeros",
]
