"""OneHotMSELoss and Normalize: the small layers the article recipes use."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn
from scratchnn.gradcheck import gradcheck


def test_one_hot_mse_equals_mse_against_explicit_one_hot_vectors(rng):
    outputs = rng.random((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    one_hot = np.eye(4)[labels]
    gradcheck(lambda y: nn.OneHotMSELoss()(y, labels), outputs)
    expected = ((outputs - one_hot) ** 2).mean()
    got = nn.OneHotMSELoss()(sn.Tensor(outputs, dtype="float64"), sn.Tensor(labels)).item()
    assert got == pytest.approx(expected)


def test_normalize_standardises_and_checks_std(rng):
    gradcheck(lambda x: nn.Normalize(0.5, 2.0)(x), rng.random((3, 4)))
    x = sn.Tensor([[1.0, 3.0]])
    np.testing.assert_allclose(nn.Normalize(1.0, 2.0)(x).data, [[0.0, 1.0]])
    with pytest.raises(ValueError, match="std must be positive"):
        nn.Normalize(0.0, 0.0)
