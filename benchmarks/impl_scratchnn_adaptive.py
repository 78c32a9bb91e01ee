"""W1 and W2 in scratchnn with the adaptive thread count: the worker's thread budget, set with
`scratchnn.set_num_threads(n, adaptive=True)`, so each epoch's loop over the DataLoader runs
window by window on n threads or on one, whichever it measures to be faster
(scratchnn/adaptive_threads.py)."""

from __future__ import annotations

import impl_scratchnn
from impl_scratchnn import PREDICT_CHUNKS
from workload import W1Data

import scratchnn

__all__ = ["PREDICT_CHUNKS", "Trainer"]


class Trainer(impl_scratchnn.Trainer):
    """impl_scratchnn's trainer, its loader adapting the thread count."""

    def __init__(self, data: W1Data, batch_size: int, seed: int, network: str = "mlp") -> None:
        super().__init__(data, batch_size, seed, network)
        scratchnn.set_num_threads(scratchnn.get_num_threads(), adaptive=True)
