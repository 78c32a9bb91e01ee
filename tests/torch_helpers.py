"""PyTorch for comparison tests, skipped with a reason when it is not installed."""

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed; comparison tests skipped")
torch.set_default_dtype(torch.float64)
