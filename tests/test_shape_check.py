"""Shape errors as early as possible: when a Sequential is built, else when it first runs."""

from __future__ import annotations

import re

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import nn
from scratchnn.nn.shapes import SizeMismatch, format_shape, size_at, with_last

L784 = "Linear(in_features=784, out_features=128, bias=True)"
L64 = "Linear(in_features=64, out_features=10, bias=True)"


class Opaque(nn.Module):
    """A layer that does not describe its shapes (keeps the last 3 features)."""

    def forward(self, x):
        return x[..., :3]


def zeros(*shape):
    return sn.Tensor(np.zeros(shape, dtype=np.float32))


def test_mismatch_is_reported_when_the_model_is_built():
    with pytest.raises(sn.ShapeError) as info:
        nn.Sequential(nn.Linear(784, 128), nn.Dropout(0.2), nn.Linear(64, 10))
    assert str(info.value) == (
        f"Sequential layer 2 {L64} expects 64 input features but layer 0 {L784} produces 128"
    )
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.Identity])
def test_activations_pass_the_feature_size_through(activation):
    with pytest.raises(
        sn.ShapeError, match=f"layer 2 .* but layer 0 {re.escape(L784)} produces 128"
    ):
        nn.Sequential(nn.Linear(784, 128), activation(), nn.Linear(64, 10))


def test_adjacent_layers_and_named_layers():
    with pytest.raises(sn.ShapeError, match="layer 1 .*expects 5 input features.* layer 0 "):
        nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 6))
    with pytest.raises(sn.ShapeError, match="layer out .*expects 5 .* layer hidden "):
        nn.Sequential({"hidden": nn.Linear(3, 4), "out": nn.Linear(5, 6)})


def test_check_pauses_at_unknown_layers_and_resumes_after_them():
    nn.Sequential(nn.Linear(4, 8), Opaque(), nn.Linear(3, 2))  # cannot be judged: accepted
    with pytest.raises(sn.ShapeError) as info:
        nn.Sequential(nn.Linear(4, 8), Opaque(), nn.Linear(3, 6), nn.Dropout(), nn.Linear(7, 2))
    message = str(info.value)
    assert message.startswith("Sequential layer 4 Linear(in_features=7")
    assert "expects 7 input features but layer 2 Linear(in_features=3, out_features=6" in message
    assert message.endswith("produces 6")


def test_append_checks_and_leaves_the_model_unchanged():
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout())
    with pytest.raises(sn.ShapeError, match="layer 2 .*expects 9 .* layer 0 .* produces 8"):
        model.append(nn.Linear(9, 2))
    assert len(model) == 2 and "2" not in dict(model.named_children())
    model.append(nn.Linear(8, 2))
    assert len(model) == 3


def test_nested_sequentials_are_checked_across_their_boundary():
    with pytest.raises(
        sn.ShapeError, match="layer 1 Sequential\\(...\\) expects 64 .* produces 128"
    ):
        nn.Sequential(
            nn.Sequential(nn.Linear(784, 128), nn.Dropout()), nn.Sequential(nn.Linear(64, 10))
        )
    inner = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 4))
    assert inner.output_shape(None) == (..., 4)
    assert nn.Sequential(inner, nn.Linear(4, 1)).output_shape((None, 2)) == (None, 1)


def test_flatten_describes_its_output():
    assert nn.Flatten().output_shape((None, 1, 28, 28)) == (None, 784)
    assert nn.Flatten(0, 1).output_shape((None, 3, 4)) == (None, 4)
    assert nn.Flatten(2).output_shape((None, 3, 4, 5)) == (None, 3, 20)
    assert nn.Flatten().output_shape((..., 28)) is None
    model = nn.Sequential(nn.Flatten(), nn.Linear(700, 10))
    with pytest.raises(SizeMismatch, match="expects 700 input features but gets 784"):
        model[1].output_shape(model[0].output_shape((None, 1, 28, 28)))
    with pytest.raises(
        sn.ShapeError,
        match="layer 1 .* expects 700 .* layer 0 Flatten\\(start_dim=1, end_dim=-1\\) ",
    ):
        model.output_shape((None, 1, 28, 28))
    with pytest.raises(SizeMismatch, match="expects 700"):  # no layer before: the bare mismatch
        nn.Sequential(nn.Linear(700, 10)).output_shape((None, 784))
    assert nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).output_shape((None, 1, 28, 28)) == (
        None,
        10,
    )


def test_wrong_model_input_is_reported_at_the_first_call():
    model = nn.Sequential(nn.Linear(784, 128), nn.Dropout(), nn.Linear(128, 10))
    with pytest.raises(sn.ShapeError) as info:
        model(zeros(2, 700))
    assert str(info.value) == (
        f"Sequential layer 0 {L784} failed on input of shape (2, 700) from the model input: "
        f"{L784} expects input of shape (..., 784) but got shape (2, 700)"
    )


def test_failure_inside_a_layer_names_it_and_the_layer_before():
    model = nn.Sequential(nn.Linear(4, 8), Opaque(), nn.Linear(5, 2))
    with pytest.raises(sn.ShapeError) as info:
        model(zeros(2, 4))
    message = str(info.value)
    assert message.startswith(
        "Sequential layer 2 Linear(in_features=5, out_features=2, bias=True) failed on input of "
        "shape (2, 3) from layer 1 Opaque():"
    )
    assert message.endswith("expects input of shape (..., 5) but got shape (2, 3)")
    assert isinstance(info.value.__cause__, sn.ShapeError)


def test_nested_forward_errors_keep_both_levels():
    model = nn.Sequential(nn.Linear(4, 8), nn.Sequential(Opaque(), nn.Linear(5, 2)))
    with pytest.raises(sn.ShapeError) as info:
        model(zeros(1, 4))
    message = str(info.value)
    assert message.startswith("Sequential layer 1 Sequential(...) failed on input of shape (1, 8)")
    assert (
        "Sequential layer 1 Linear(in_features=5" in message and "from layer 0 Opaque()" in message
    )


def test_errors_that_are_not_about_values_pass_through_unchanged():
    class Broken(nn.Module):
        def forward(self, x):
            raise KeyError("bug")

    with pytest.raises(KeyError, match="bug"):
        nn.Sequential(nn.Linear(2, 2), Broken())(zeros(1, 2))


def test_shape_pattern_helpers():
    assert size_at((None, 784), -1) == 784 and size_at((None, 784), 0) is None
    assert (
        size_at((..., 5), -1) == 5
        and size_at((..., 5), 0) is None
        and size_at((..., 5), -2) is None
    )
    assert size_at(None, -1) is None and size_at((3, 4, 5), 1) == 4
    assert with_last(None, 3) == (..., 3) and with_last((None, 7, 2), 3) == (None, 7, 3)
    assert format_shape((..., 128)) == "(..., 128)" and format_shape((None, 10)) == "(?, 10)"
    assert format_shape((5,)) == "(5,)" and format_shape(None) == "(?)"
    assert nn.Linear(3, 2).output_shape((None, 4, 3)) == (None, 4, 2)
    assert nn.Dropout().output_shape((None, 6)) == (None, 6)
    assert nn.Module().output_shape((None, 6)) is None
