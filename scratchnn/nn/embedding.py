"""Embedding: a learned vector per integer index (tokens, categories)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn.backend import get_default_dtype
from scratchnn.nn import init
from scratchnn.nn.module import Module, Parameter
from scratchnn.nn.shapes import ShapePattern
from scratchnn.ops import embedding
from scratchnn.tensor import Tensor


class Embedding(Module):
    """y = weight[indices]: indices of any shape give (*indices.shape, embedding_dim).

    weight (num_embeddings, embedding_dim) starts N(0, 1); the row padding_idx (if given) starts
    at zero and never receives a gradient, so it stays a fixed "no token" vector.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"padding_idx {padding_idx} must be within num_embeddings "
                    f"({self.num_embeddings})"
                )
            padding_idx = int(padding_idx) % self.num_embeddings
        self.padding_idx = padding_idx
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(
            np.empty((self.num_embeddings, self.embedding_dim), dtype), dtype=dtype
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls, embeddings, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding holding a copy of the given (num_embeddings, embedding_dim) matrix;
        freeze=True keeps it fixed (requires_grad=False)."""
        data = np.array(embeddings.data if isinstance(embeddings, Tensor) else embeddings)
        if data.ndim != 2:
            raise ValueError(f"embeddings must be 2-D, got shape {data.shape}")
        layer = cls(*data.shape, padding_idx=padding_idx, dtype=data.dtype)
        layer.weight.data[...] = data
        layer.weight.requires_grad = not freeze
        return layer

    def forward(self, indices) -> Tensor:
        index = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        if index.dtype.kind not in "iu":
            raise TypeError(f"{self!r} expects integer indices, got dtype {index.dtype}")
        if index.size and (index.min() < 0 or index.max() >= self.num_embeddings):
            bad = index.min() if index.min() < 0 else index.max()
            raise IndexError(
                f"{self!r}: index {bad} is out of range for {self.num_embeddings} embeddings"
            )
        return embedding.Embedding.apply(self.weight, indices=index, padding_idx=self.padding_idx)

    def output_shape(self, input_shape: ShapePattern) -> ShapePattern:
        return (
            (..., self.embedding_dim) if input_shape is None else (*input_shape, self.embedding_dim)
        )

    def config(self) -> dict[str, Any]:
        return {
            "num_embeddings": self.num_embeddings,
            "embedding_dim": self.embedding_dim,
            "padding_idx": self.padding_idx,
        }

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else f"{text}, padding_idx={self.padding_idx}"
