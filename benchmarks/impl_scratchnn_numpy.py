"""W1 in scratchnn with its compiled loops switched off (scratchnn/compiled.py): every update
runs as NumPy passes, as it does where numba is not installed."""

from __future__ import annotations

from impl_scratchnn import PREDICT_CHUNKS, Trainer

import scratchnn

scratchnn.use_compiled(False)

__all__ = ["PREDICT_CHUNKS", "Trainer"]
