"""Activations: erf accuracy, float64 gradchecks, PyTorch values and gradients, overflow safety,
float32 all the way through, and the module forms."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import scratchnn
from scratchnn import functional as F
from scratchnn import nn
from scratchnn.gradcheck import gradcheck
from scratchnn.ops.activation import erf
from scratchnn.tensor import Tensor
from tests.torch_compare import compare_with_torch

# id, scratchnn function, the same in PyTorch (given the torch module and a tensor)
CASES = [
    ("sigmoid", F.sigmoid, lambda torch, x: torch.sigmoid(x)),
    ("tanh", F.tanh, lambda torch, x: torch.tanh(x)),
    ("relu", F.relu, lambda torch, x: torch.relu(x)),
    ("leaky_relu", F.leaky_relu, lambda torch, x: torch.nn.functional.leaky_relu(x)),
    (
        "leaky_relu_0.2",
        lambda x: F.leaky_relu(x, 0.2),
        lambda torch, x: torch.nn.functional.leaky_relu(x, 0.2),
    ),
    (
        "leaky_relu_1.5",
        lambda x: F.leaky_relu(x, 1.5),
        lambda torch, x: torch.nn.functional.leaky_relu(x, 1.5),
    ),
    (
        "leaky_relu_-0.3",
        lambda x: F.leaky_relu(x, -0.3),
        lambda torch, x: torch.nn.functional.leaky_relu(x, -0.3),
    ),
    ("elu", F.elu, lambda torch, x: torch.nn.functional.elu(x)),
    ("elu_0.7", lambda x: F.elu(x, alpha=0.7), lambda t, x: t.nn.functional.elu(x, alpha=0.7)),
    ("gelu", F.gelu, lambda torch, x: torch.nn.functional.gelu(x)),
    (
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda torch, x: torch.nn.functional.gelu(x, approximate="tanh"),
    ),
    ("softplus", F.softplus, lambda torch, x: torch.nn.functional.softplus(x)),
    (
        "softplus_beta2_threshold3",
        lambda x: F.softplus(x, beta=2.0, threshold=3.0),
        lambda torch, x: torch.nn.functional.softplus(x, beta=2.0, threshold=3.0),
    ),
    ("softmax", F.softmax, lambda torch, x: torch.softmax(x, -1)),
    ("softmax_axis0", lambda x: F.softmax(x, 0), lambda torch, x: torch.softmax(x, 0)),
    ("softmax_dim1", lambda x: F.softmax(x, dim=1), lambda torch, x: torch.softmax(x, 1)),
    ("log_softmax", F.log_softmax, lambda torch, x: torch.log_softmax(x, -1)),
    ("log_softmax_axis0", lambda x: F.log_softmax(x, 0), lambda t, x: t.log_softmax(x, 0)),
    ("identity", F.identity, lambda torch, x: x * 1),
]
IDS = [case[0] for case in CASES]
SHAPES = [(7,), (3, 5), (2, 3, 4)]


def away_from_kinks(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values spread over about [-6, 6], none within 0.05 of 0 (where ReLUs have a kink)."""
    values = rng.standard_normal(shape) * 2.5
    return np.where(values >= 0, values + 0.05, values - 0.05)


# ----- erf ------------------------------------------------------------------------------------
def test_erf_matches_math_erf_to_1e_12() -> None:
    boundaries = [0.46875, 4.0, 26.5, 27.0]
    x = np.concatenate(
        [np.linspace(-8, 8, 20001), boundaries, np.negative(boundaries), [0.0, 1e-300, 40.0]]
    )
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), expected, rtol=1e-12, atol=1e-15)


def test_erf_keeps_float32_and_handles_infinities_and_nan() -> None:
    assert erf(np.array([0.5, 2.0], dtype=np.float32)).dtype == np.float32
    np.testing.assert_array_equal(erf(np.array([np.inf, -np.inf])), [1.0, -1.0])
    assert np.isnan(erf(np.array([np.nan]))).all()


# ----- gradients ------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(("name", "function", "_"), CASES, ids=IDS)
def test_gradcheck(name, function, _, shape, rng) -> None:
    if "dim1" in name and len(shape) < 2:
        pytest.skip("dim=1 needs two axes")
    assert gradcheck(function, away_from_kinks(rng, shape))


def test_softplus_gradcheck_on_both_sides_of_the_threshold() -> None:
    x = np.array([-4.0, -0.3, 0.4, 1.2, 1.8, 2.5, 30.0])  # beta * x crosses threshold 3 at 1.5
    assert gradcheck(lambda t: F.softplus(t, beta=2.0, threshold=3.0), x)


# ----- PyTorch --------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "function", "torch_function"), CASES, ids=IDS)
def test_matches_torch(name, function, torch_function, rng) -> None:
    compare_with_torch(
        lambda x: function(x), lambda torch, x: torch_function(torch, x), rng.normal(0, 3, (4, 6))
    )


def test_gelu_matches_torch_far_into_both_tails() -> None:
    x = np.array([-40.0, -12.0, -6.0, -5.7, -4.0, -0.67, -0.66, 0.0, 0.66, 0.67, 5.7, 12.0, 40])
    compare_with_torch(F.gelu, lambda torch, t: torch.nn.functional.gelu(t), x)


EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -3.0]])


@pytest.mark.parametrize(("name", "function", "torch_function"), CASES, ids=IDS)
def test_logits_of_1000_stay_finite_and_match_torch(name, function, torch_function) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings either
        x = Tensor(EXTREME, requires_grad=True, dtype=np.float64)
        y = function(x)
        y.sum().backward() if name == "identity" else (y * y).sum().backward()
    assert np.isfinite(y.data).all() and np.isfinite(x.grad).all()
    compare_with_torch(function, torch_function, EXTREME)


@pytest.mark.parametrize(("name", "function", "torch_function"), CASES, ids=IDS)
def test_kinks_and_non_finite_values_match_torch(name, function, torch_function) -> None:
    x = np.array([[0.0, -0.0, 1e-300, -1e-300], [np.inf, -np.inf, np.nan, 2.0]])
    if name.startswith(("softmax", "log_softmax")):
        x = x[:1].T if "axis0" in name else x[:1]  # the finite values, along the softmax axis
    torch = pytest.importorskip("torch")
    with np.errstate(invalid="ignore"):  # -inf * 0 in GELU gives NaN, as in PyTorch
        ours = function(Tensor(x, dtype=np.float64)).data
    theirs = torch_function(torch, torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    if np.isfinite(x).all():
        compare_with_torch(function, torch_function, x)


def test_elementwise_activations_take_0_d_tensors() -> None:
    for name, function, _ in CASES:
        if not name.startswith(("softmax", "log_softmax")):
            x = Tensor(np.array(-0.5), requires_grad=True, dtype=np.float64)
            function(x).backward()
            assert x.grad.shape == (), name


# ----- dtypes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "function", "_"), CASES, ids=IDS)
def test_float32_in_gives_float32_out_and_grad(name, function, _, rng) -> None:
    x = Tensor(rng.normal(0, 3, (4, 6)).astype(np.float32), requires_grad=True)
    y = function(x)
    weight = Tensor(rng.standard_normal(y.shape).astype(np.float32))
    (y * weight).sum().backward()
    assert y.dtype == np.float32
    assert x.grad.dtype == np.float32


def test_no_graph_is_kept_without_grad(rng) -> None:
    x = Tensor(rng.standard_normal((3, 4)))
    with scratchnn.no_grad():
        y = F.softmax(Tensor(x.data, requires_grad=True))
    assert not y.requires_grad
    assert not F.relu(x).requires_grad


def test_softmax_rows_sum_to_one_and_axis_dim_conflict_is_an_error(rng) -> None:
    x = Tensor(rng.standard_normal((3, 4)), dtype=np.float64)
    np.testing.assert_allclose(F.softmax(x, dim=0).data.sum(axis=0), np.ones(4))
    with pytest.raises(TypeError, match="axis=0 and dim=1"):
        F.softmax(x, 0, dim=1)


def test_gelu_rejects_an_unknown_approximation() -> None:
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        F.gelu(Tensor(np.ones(3)), approximate="erf")
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        nn.GELU("fast")


# ----- modules --------------------------------------------------------------------------------
MODULES = [
    (nn.Sigmoid(), F.sigmoid),
    (nn.Tanh(), F.tanh),
    (nn.ReLU(), F.relu),
    (nn.ReLU(inplace=True), F.relu),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.ELU(alpha=0.5), lambda x: F.elu(x, 0.5)),
    (nn.GELU(), F.gelu),
    (nn.GELU(approximate="tanh"), lambda x: F.gelu(x, "tanh")),
    (nn.Softplus(beta=2.0, threshold=3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    (nn.Softmax(dim=0), lambda x: F.softmax(x, 0)),
    (nn.Softmax(), F.softmax),
    (nn.LogSoftmax(dim=1), lambda x: F.log_softmax(x, 1)),
    (nn.Identity(), F.identity),
]


@pytest.mark.parametrize(("module", "function"), MODULES, ids=lambda m: repr(m))
def test_module_matches_function_and_rebuilds_from_config(module, function, rng) -> None:
    x = Tensor(rng.normal(0, 2, (3, 5)), dtype=np.float64)
    np.testing.assert_array_equal(module(x).data, function(x).data)
    rebuilt = nn.Module.registry[type(module).__name__](**module.config())
    assert rebuilt.config() == module.config()
    np.testing.assert_array_equal(rebuilt(x).data, module(x).data)
    assert list(module.parameters()) == []


def test_module_configs_and_reprs_name_their_arguments() -> None:
    assert nn.LeakyReLU().config() == {"negative_slope": 0.01, "inplace": False}
    assert nn.Softplus().config() == {"beta": 1.0, "threshold": 20.0}
    assert nn.Softmax(dim=1).config() == {"dim": 1}
    assert nn.LogSoftmax().config() == {"dim": -1}
    assert "alpha=0.5" in repr(nn.ELU(alpha=0.5))
