"""Seq2Seq: a recurrent network that reads a token sequence and then writes a fixed-length one."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn import nn
from scratchnn.tensor import Tensor

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class Seq2Seq(nn.Module):
    """Tokens (N, T) in, logits (N, out_len, vocab_out) out: one recurrent layer reads the
    embedded input, then runs out_len more steps on a query token (index vocab_in), and a
    Linear turns each of those steps' states into one output token's logits.

    The reader and the writer share one LSTM or GRU, so there is no teacher forcing and no
    step-by-step decoding. With reverse=True the input is read right to left and the output
    written right to left (e.g. a sum from its last digit, the way carries flow); the logits
    still come in output order.
    """

    def __init__(
        self,
        vocab_in: int,
        vocab_out: int,
        out_len: int,
        embedding_dim: int = 16,
        hidden_size: int = 128,
        cell: str = "lstm",
        reverse: bool = True,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
        if min(vocab_in, vocab_out, out_len, embedding_dim, hidden_size) < 1:
            raise ValueError("vocabulary sizes, out_len and layer sizes must be positive")
        self.vocab_in, self.vocab_out, self.out_len = int(vocab_in), int(vocab_out), int(out_len)
        self.cell, self.reverse = cell, bool(reverse)
        self.embedding = nn.Embedding(self.vocab_in + 1, embedding_dim)
        self.rnn = CELLS[cell](embedding_dim, hidden_size, batch_first=True)
        self.output = nn.Linear(hidden_size, self.vocab_out)

    def forward(self, tokens) -> Tensor:
        tokens = np.asarray(tokens.data if isinstance(tokens, Tensor) else tokens)
        if tokens.ndim != 2:
            raise ValueError(f"{type(self).__name__} expects tokens (N, T), got {tokens.shape}")
        if self.reverse:
            tokens = tokens[:, ::-1]
        queries = np.full((len(tokens), self.out_len), self.vocab_in, dtype=tokens.dtype)
        states, _ = self.rnn(self.embedding(np.concatenate([tokens, queries], axis=1)))
        logits = self.output(states[:, -self.out_len :])
        return logits[:, ::-1] if self.reverse else logits

    def config(self) -> dict[str, Any]:
        return {
            "vocab_in": self.vocab_in,
            "vocab_out": self.vocab_out,
            "out_len": self.out_len,
            "embedding_dim": self.embedding.embedding_dim,
            "hidden_size": self.rnn.hidden_size,
            "cell": self.cell,
            "reverse": self.reverse,
        }
