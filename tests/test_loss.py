"""Losses: float64 gradchecks (input and target), PyTorch values and gradients, overflow safety,
argument and shape errors, float32 all the way through, and the module forms."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from scratchnn import ShapeError, nn
from scratchnn import functional as F
from scratchnn.gradcheck import gradcheck
from scratchnn.tensor import Tensor
from tests.torch_compare import compare_with_torch

REDUCTIONS = ["mean", "sum", "none"]


# id, scratchnn loss, PyTorch's name for it, kind of input, options
ELEMENTWISE = [
    ("mse", F.mse_loss, "mse_loss", "any", {}),
    ("l1", F.l1_loss, "l1_loss", "any", {}),
    ("bce", F.binary_cross_entropy, "binary_cross_entropy", "probability", {}),
    (
        "bce_logits",
        F.binary_cross_entropy_with_logits,
        "binary_cross_entropy_with_logits",
        "logit",
        {},
    ),
    (
        "bce_logits_pos_weight",
        F.binary_cross_entropy_with_logits,
        "binary_cross_entropy_with_logits",
        "logit",
        {"pos_weight": np.array([0.5, 1.0, 2.0, 3.0, 1.5])},
    ),
]


def elementwise_inputs(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """An odd-shaped (input, target) pair; BCE targets are soft labels in [0, 1]."""
    shape = (3, 5)
    if kind == "any":
        return rng.standard_normal(shape), rng.standard_normal(shape)
    x = rng.uniform(0.05, 0.95, shape) if kind == "probability" else rng.normal(0, 3, shape)
    return x, rng.uniform(0, 1, shape)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("loss", "torch_name", "kind", "options"),
    [case[1:] for case in ELEMENTWISE],
    ids=[case[0] for case in ELEMENTWISE],
)
def test_elementwise_loss(loss, torch_name, kind, options, reduction, rng) -> None:
    x, target = elementwise_inputs(kind, rng)

    def ours(a, t):
        return loss(a, t, reduction=reduction, **options)

    def theirs(torch, a, t):
        torch_options = {k: torch.from_numpy(v) for k, v in options.items()}
        return getattr(torch.nn.functional, torch_name)(a, t, reduction=reduction, **torch_options)

    assert gradcheck(ours, x, target)
    compare_with_torch(ours, theirs, x, target)


# class-label losses: (logits shape, labels shape)
LABEL_SHAPES = [((4, 5), (4,)), ((2, 3, 2, 3), (2, 2, 3)), ((5,), ())]


@pytest.mark.parametrize(("shape", "label_shape"), LABEL_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
def test_cross_entropy_with_labels(shape, label_shape, reduction, smoothing, rng) -> None:
    x = rng.normal(0, 2, shape)
    classes = shape[1] if len(shape) > 1 else shape[0]
    labels = rng.integers(0, classes, label_shape)

    def ours(logits):
        return F.cross_entropy(logits, labels, reduction=reduction, label_smoothing=smoothing)

    def theirs(torch, logits):
        return torch.nn.functional.cross_entropy(
            logits, torch.from_numpy(labels), reduction=reduction, label_smoothing=smoothing
        )

    assert gradcheck(ours, x)
    compare_with_torch(ours, theirs, x)


@pytest.mark.parametrize(("shape", "_"), LABEL_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_with_probabilities(shape, _, reduction, smoothing, rng) -> None:
    # targets need not sum to one; PyTorch's formula holds for any weights
    x, target = rng.normal(0, 2, shape), rng.uniform(0, 1, shape)

    def ours(logits, t):
        return F.cross_entropy(logits, t, reduction=reduction, label_smoothing=smoothing)

    def theirs(torch, logits, t):
        return torch.nn.functional.cross_entropy(
            logits, t, reduction=reduction, label_smoothing=smoothing
        )

    assert gradcheck(ours, x, target)
    compare_with_torch(ours, theirs, x, target)


@pytest.mark.parametrize(("shape", "label_shape"), LABEL_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(shape, label_shape, reduction, rng) -> None:
    x = rng.normal(-2, 1, shape)
    classes = shape[1] if len(shape) > 1 else shape[0]
    labels = rng.integers(0, classes, label_shape)

    def ours(log_p):
        return F.nll_loss(log_p, labels, reduction=reduction)

    def theirs(torch, log_p):
        return torch.nn.functional.nll_loss(log_p, torch.from_numpy(labels), reduction=reduction)

    assert gradcheck(ours, x)
    compare_with_torch(ours, theirs, x)


def test_nll_of_log_softmax_equals_cross_entropy(rng) -> None:
    x = Tensor(rng.normal(0, 2, (6, 4)), dtype=np.float64)
    labels = Tensor(rng.integers(0, 4, 6))
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(x, 1), labels).item(), F.cross_entropy(x, labels).item()
    )


# ----- overflow safety ------------------------------------------------------------------------
EXTREME = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -3.0]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_at_logits_of_1000(reduction) -> None:
    labels = np.array([1, 2, 0])
    for target in (labels, np.array([[0.2, 0.8, 0.0], [1.0, 0.0, 0.0], [0.3, 0.3, 0.4]])):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            x = Tensor(EXTREME, requires_grad=True, dtype=np.float64)
            loss = F.cross_entropy(x, target, reduction=reduction)
            loss.sum().backward()
        assert np.isfinite(loss.data).all() and np.isfinite(x.grad).all()
        compare_with_torch(
            lambda a, t=target: F.cross_entropy(a, t, reduction=reduction),
            lambda torch, a, t=target: torch.nn.functional.cross_entropy(
                a, torch.from_numpy(t), reduction=reduction
            ),
            EXTREME,
        )


@pytest.mark.parametrize("pos_weight", [None, np.array([0.5, 2.0, 3.0])])
def test_bce_with_logits_at_logits_of_1000(pos_weight) -> None:
    target = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Tensor(EXTREME, requires_grad=True, dtype=np.float64)
        loss = F.binary_cross_entropy_with_logits(
            x, target, reduction="none", pos_weight=pos_weight
        )
        loss.sum().backward()
    assert np.isfinite(loss.data).all() and np.isfinite(x.grad).all()
    torch_weight = {"pos_weight": pos_weight} if pos_weight is not None else {}
    compare_with_torch(
        lambda a, t: F.binary_cross_entropy_with_logits(a, t, reduction="none", **torch_weight),
        lambda torch, a, t: torch.nn.functional.binary_cross_entropy_with_logits(
            a, t, reduction="none", **{k: torch.from_numpy(v) for k, v in torch_weight.items()}
        ),
        EXTREME,
        target,
    )


def test_bce_clamps_log_at_minus_100_like_torch() -> None:
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy(Tensor(p, dtype=np.float64), t, reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, 0.0, 0.0, np.log(2)])
    compare_with_torch(
        lambda a: F.binary_cross_entropy(a, t, reduction="none"),
        lambda torch, a: torch.nn.functional.binary_cross_entropy(
            a, torch.from_numpy(t), reduction="none"
        ),
        p,
    )


# ----- errors ---------------------------------------------------------------------------------
ALL_LOSSES = [
    F.mse_loss,
    F.l1_loss,
    F.binary_cross_entropy,
    F.binary_cross_entropy_with_logits,
    F.cross_entropy,
    F.nll_loss,
]


@pytest.mark.parametrize("loss", ALL_LOSSES, ids=lambda f: f.__name__)
def test_unknown_reduction_names_the_allowed_ones(loss) -> None:
    x = Tensor(np.full((2, 3), 0.5))
    labels = loss in (F.cross_entropy, F.nll_loss)
    target = np.zeros(2, dtype=np.int64) if labels else np.zeros((2, 3))
    with pytest.raises(ValueError, match="'mean', 'sum' or 'none', got 'avg'"):
        loss(x, target, reduction="avg")


@pytest.mark.parametrize(
    "module", [nn.MSELoss, nn.L1Loss, nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss]
)
def test_loss_modules_check_reduction_when_built(module) -> None:
    with pytest.raises(ValueError, match="'mean', 'sum' or 'none'"):
        module(reduction="elementwise_mean")


@pytest.mark.parametrize(
    "loss",
    [F.mse_loss, F.l1_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits],
    ids=lambda f: f.__name__,
)
def test_no_silent_broadcast_between_n_by_1_and_n(loss) -> None:
    with pytest.raises(ShapeError, match=r"\(4, 1\).*\(4,\)"):
        loss(Tensor(np.full((4, 1), 0.5)), np.zeros(4))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss], ids=lambda f: f.__name__)
def test_labels_out_of_range_or_of_the_wrong_shape(loss) -> None:
    x = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="label 4 is out of range for 4 classes"):
        loss(x, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="label -1 is out of range"):
        loss(x, Tensor(np.array([0, -1, 1])))
    with pytest.raises(ShapeError, match=r"\(3, 4\) needs labels of shape \(3,\), got \(3, 1\)"):
        loss(x, np.zeros((3, 1), dtype=np.int64))


def test_cross_entropy_target_checks() -> None:
    x = Tensor(np.zeros((3, 4)))
    with pytest.raises(ShapeError, match=r"\(3, 4\) and target shape \(3,\)"):
        F.cross_entropy(x, np.array([0.0, 1.0, 2.0]))  # float labels are read as probabilities
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(x, np.array([True, False, True]))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, np.array([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)


def test_bce_rejects_values_outside_0_1_and_bad_pos_weight() -> None:
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(Tensor(np.array([0.5, 1.5])), np.array([0.0, 1.0]))
    with pytest.raises(ShapeError, match="pos_weight"):
        F.binary_cross_entropy_with_logits(
            Tensor(np.zeros((2, 3))), np.zeros((2, 3)), pos_weight=np.ones(2)
        )


# ----- dtypes ---------------------------------------------------------------------------------
FLOAT32_CASES = [
    ("mse", lambda x: F.mse_loss(x, np.zeros((4, 3)))),
    ("l1", lambda x: F.l1_loss(x, Tensor(np.zeros((4, 3)), dtype=np.float64))),
    ("bce", lambda x: F.binary_cross_entropy(F.sigmoid(x), np.ones((4, 3)))),
    (
        "bce_logits",
        lambda x: F.binary_cross_entropy_with_logits(
            x, np.ones((4, 3)), pos_weight=np.array([1.0, 2.0, 3.0])
        ),
    ),
    ("ce", lambda x: F.cross_entropy(x, np.array([0, 2, 1, 1]), label_smoothing=0.1)),
    ("ce_probabilities", lambda x: F.cross_entropy(x, np.full((4, 3), 1 / 3))),
    ("nll", lambda x: F.nll_loss(F.log_softmax(x, 1), np.array([0, 2, 1, 1]))),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "loss"), FLOAT32_CASES, ids=[c[0] for c in FLOAT32_CASES])
def test_float32_in_gives_float32_out_and_grad(name, loss, reduction, rng) -> None:
    x = Tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    out = loss(x)
    out.sum().backward()
    assert out.dtype == np.float32
    assert x.grad.dtype == np.float32


def test_a_float64_target_tensor_that_requires_grad_gets_its_gradient(rng) -> None:
    x = Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    target = Tensor(rng.standard_normal((2, 3)), requires_grad=True, dtype=np.float64)
    F.mse_loss(x, target).backward()
    assert x.grad.dtype == np.float32 and target.grad.dtype == np.float64
    np.testing.assert_allclose(target.grad, -x.grad, rtol=1e-6)


# ----- modules --------------------------------------------------------------------------------
def module_cases(rng: np.random.Generator) -> list:
    x, t = rng.standard_normal((4, 3)), rng.uniform(0, 1, (4, 3))
    labels = rng.integers(0, 3, 4)
    return [
        (nn.MSELoss(), lambda a: F.mse_loss(a, t), t),
        (nn.L1Loss(reduction="sum"), lambda a: F.l1_loss(a, t, reduction="sum"), t),
        (
            nn.CrossEntropyLoss(label_smoothing=0.1),
            lambda a: F.cross_entropy(a, labels, label_smoothing=0.1),
            labels,
        ),
        (
            nn.CrossEntropyLoss(reduction="none"),
            lambda a: F.cross_entropy(a, t, reduction="none"),
            t,
        ),
        (nn.NLLLoss(), lambda a: F.nll_loss(a, labels), labels),
        (nn.BCELoss(), lambda a: F.binary_cross_entropy(F.sigmoid(a), t), t),
        (
            nn.BCEWithLogitsLoss(pos_weight=np.array([1.0, 2.0, 0.5])),
            lambda a: F.binary_cross_entropy_with_logits(a, t, pos_weight=np.array([1, 2, 0.5])),
            t,
        ),
        (
            nn.BCEWithLogitsLoss(reduction="sum"),
            lambda a: F.binary_cross_entropy_with_logits(a, t, reduction="sum"),
            t,
        ),
    ], x


def test_loss_modules_match_functions_and_rebuild_from_config(rng) -> None:
    cases, x = module_cases(rng)
    x = Tensor(x, dtype=np.float64)
    for module, function, target in cases:
        inputs = F.sigmoid(x) if isinstance(module, nn.BCELoss) else x
        expected = function(x).data
        np.testing.assert_array_equal(module(inputs, target).data, expected)
        as_tensor = Tensor(target, dtype=target.dtype)
        np.testing.assert_array_equal(module(inputs, as_tensor).data, expected)
        rebuilt = nn.Module.registry[type(module).__name__](**module.config())
        assert rebuilt.config() == module.config()
        np.testing.assert_array_equal(rebuilt(inputs, target).data, expected)


def test_loss_module_configs() -> None:
    assert nn.CrossEntropyLoss().config() == {"reduction": "mean", "label_smoothing": 0.0}
    assert nn.BCEWithLogitsLoss(pos_weight=Tensor(np.array([2.0, 3.0]))).config() == {
        "reduction": "mean",
        "pos_weight": [2.0, 3.0],
    }
    assert nn.MSELoss(reduction="sum").config() == {"reduction": "sum"}
