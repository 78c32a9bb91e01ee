"""RNN, LSTM, GRU: gradient checks of the fused layer ops and the modules, PyTorch parity
(outputs, final states, gradients of input, initial states and every parameter) across layers,
directions, batch_first, bias and unbatched input; dropout, dtypes, errors, config and repr."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scratchnn as sn
from scratchnn.errors import ShapeError
from scratchnn.gradcheck import gradcheck
from scratchnn.nn.recurrent import GRU, LSTM, RNN
from scratchnn.ops import recurrent

T, N, I, H = 4, 2, 3, 3
KINDS = {"rnn_tanh": (RNN, 1), "rnn_relu": (RNN, 1), "lstm": (LSTM, 4), "gru": (GRU, 3)}


def layer_op(kind):
    """The fused op for kind as a function of (x, h0[, c0], weights...)."""
    if kind == "lstm":
        return recurrent.LSTMLayer.apply
    if kind == "gru":
        return recurrent.GRULayer.apply
    nonlinearity = kind.split("_")[1]
    return lambda *args: recurrent.RNNLayer.apply(*args, nonlinearity=nonlinearity)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_layer_ops(kind, bias, rng):
    gates = KINDS[kind][1]
    states = [rng.standard_normal((N, H)) for _ in range(2 if kind == "lstm" else 1)]
    weights = [rng.standard_normal((gates * H, I)), rng.standard_normal((gates * H, H))]
    if bias:
        weights += [rng.standard_normal(gates * H), rng.standard_normal(gates * H)]
    x = rng.standard_normal((T, N, I))
    if kind == "rnn_relu":
        x += 1.5  # keep pre-activations away from the kink
    gradcheck(layer_op(kind), x, *states, *[w * 0.5 for w in weights])


def make(kind, **options):
    cls = KINDS[kind][0]
    if kind.startswith("rnn"):
        options["nonlinearity"] = kind.split("_")[1]
    return cls(I, H, dtype=np.float64, **options)


def torch_twin(torch, kind, layer, **options):
    """The PyTorch layer of the same kind and options, with the same weights copied over."""
    cls = {"rnn_tanh": torch.nn.RNN, "rnn_relu": torch.nn.RNN, "lstm": torch.nn.LSTM}.get(
        kind, torch.nn.GRU
    )
    if kind.startswith("rnn"):
        options["nonlinearity"] = kind.split("_")[1]
    reference = cls(I, H, dtype=torch.float64, **options)
    assert [name for name, _ in layer.named_parameters()] == list(
        dict(reference.named_parameters())
    )
    with torch.no_grad():
        for name, parameter in layer.named_parameters():
            getattr(reference, name).copy_(torch.tensor(parameter.data))
    return reference


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_gradcheck_module_two_layers_bidirectional_batch_first(kind, rng):
    layer = make(kind, num_layers=2, bidirectional=True, batch_first=True)
    x = rng.standard_normal((N, T, I))
    states = [rng.standard_normal((4, N, H)) for _ in range(2 if kind == "lstm" else 1)]

    def run(x, *states):
        output, final = layer(x, tuple(states) if kind == "lstm" else states[0])
        finals = final if kind == "lstm" else (final,)
        return sn.concatenate([output.reshape(-1), *(f.reshape(-1) for f in finals)])

    gradcheck(run, x, *states)


OPTIONS = [
    {},
    {"num_layers": 2},
    {"batch_first": True},
    {"num_layers": 2, "batch_first": True, "bias": False},
    {"bidirectional": True},
    {"num_layers": 3, "bidirectional": True, "batch_first": True},
]


@pytest.mark.parametrize("with_state", [True, False])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("kind", KINDS)
def test_matches_torch_outputs_states_and_all_gradients(kind, options, with_state, rng):
    torch = pytest.importorskip("torch")
    layer = make(kind, **options)
    reference = torch_twin(torch, kind, layer, **options)
    directions = 2 if options.get("bidirectional") else 1
    state_shape = (options.get("num_layers", 1) * directions, N, H)
    shape = (N, T + 1, I) if options.get("batch_first") else (T + 1, N, I)
    arrays = [rng.standard_normal(shape)]
    arrays += [rng.standard_normal(state_shape) for _ in range(2 if kind == "lstm" else 1)]
    ours = [sn.Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]

    def call(module, tensors):
        if not with_state:
            return module(tensors[0])
        return module(tensors[0], tuple(tensors[1:]) if kind == "lstm" else tensors[1])

    out, final = call(layer, ours)
    t_out, t_final = call(reference, theirs)
    finals = final if kind == "lstm" else (final,)
    t_finals = t_final if kind == "lstm" else (t_final,)
    weights = [rng.standard_normal(tuple(t.shape)) for t in (t_out, *t_finals)]
    loss = sum((a * w).sum() for a, w in zip((out, *finals), weights))
    t_loss = sum((a * torch.tensor(w)).sum() for a, w in zip((t_out, *t_finals), weights))
    loss.backward()
    t_loss.backward()

    for a, b in zip((out, *finals), (t_out, *t_finals)):
        assert a.shape == tuple(b.shape)
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=0, atol=1e-10)
    used = ours if with_state else ours[:1]
    for a, b in zip(used, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=0, atol=1e-10)
    t_params = dict(reference.named_parameters())
    for name, parameter in layer.named_parameters():
        np.testing.assert_allclose(parameter.grad, t_params[name].grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_unbatched_input_matches_torch(kind, rng):
    torch = pytest.importorskip("torch")
    layer = make(kind, num_layers=2)
    reference = torch_twin(torch, kind, layer, num_layers=2)
    x = rng.standard_normal((T, I))
    h0 = rng.standard_normal((2, H))
    state = (h0, h0 * 0.5) if kind == "lstm" else h0
    as_ours = tuple(sn.Tensor(s, dtype=np.float64) for s in state) if kind == "lstm" else None
    out, final = layer(sn.Tensor(x, dtype=np.float64), as_ours or sn.Tensor(h0, dtype=np.float64))
    t_state = tuple(torch.tensor(s) for s in state) if kind == "lstm" else torch.tensor(h0)
    t_out, t_final = reference(torch.tensor(x), t_state)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), atol=1e-12)
    final = final[1] if kind == "lstm" else final
    t_final = t_final[1] if kind == "lstm" else t_final
    assert final.shape == (2, H)
    np.testing.assert_allclose(final.data, t_final.detach().numpy(), atol=1e-12)


def test_dropout_between_layers_only_while_training(rng):
    layer = LSTM(I, H, num_layers=2, dropout=0.5)
    x = sn.Tensor(rng.standard_normal((T, N, I)).astype(np.float32))
    sn.manual_seed(0)
    first, _ = layer(x)
    sn.manual_seed(1)
    second, _ = layer(x)
    assert not np.allclose(first.data, second.data)
    layer.eval()
    np.testing.assert_array_equal(layer(x)[0].data, layer(x)[0].data)
    single = LSTM(I, H, dropout=0.5)  # one layer: nothing to drop between
    np.testing.assert_array_equal(single(x)[0].data, single(x)[0].data)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_float32_in_float32_out_including_states_and_gradients(cls, rng):
    layer = cls(I, H, num_layers=2, bidirectional=True)
    x = sn.Tensor(rng.standard_normal((T, N, I)).astype(np.float32), requires_grad=True)
    out, final = layer(x)
    finals = final if cls is LSTM else (final,)
    (out.sum() + sum(f.sum() for f in finals)).backward()
    assert out.dtype == x.grad.dtype == np.float32
    assert all(f.dtype == np.float32 for f in finals)
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())


def test_init_is_uniform_within_one_over_sqrt_hidden_and_names_follow_torch():
    sn.manual_seed(0)
    layer = GRU(5, 16, num_layers=2, bidirectional=True)
    names = [name for name, _ in layer.named_parameters()]
    assert names[:5] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_ih_l0_reverse",
    ]
    assert layer.weight_ih_l0.shape == (48, 5) and layer.weight_ih_l1.shape == (48, 32)
    for parameter in layer.parameters():
        assert np.abs(parameter.data).max() <= 0.25 and parameter.dtype == np.float32


def test_shape_errors_name_the_layer_and_shapes():
    layer = LSTM(3, 4, batch_first=True)
    with pytest.raises(
        ShapeError, match=r"LSTM\(3, 4, batch_first=True\).*\(N, T, 3\).*\(2, 5, 7\)"
    ):
        layer(sn.zeros(2, 5, 7))
    with pytest.raises(ShapeError, match=r"initial states of shape \(1, 2, 4\).*\(2, 2, 4\)"):
        layer(sn.zeros(2, 5, 3), (sn.zeros(2, 2, 4), sn.zeros(2, 2, 4)))
    with pytest.raises(TypeError, match=r"\(h0, c0\)"):
        layer(sn.zeros(2, 5, 3), sn.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 4, nonlinearity="sigmoid")


def test_config_rebuilds_and_repr_matches_torch():
    layers = [
        RNN(3, 4, 2, "relu", batch_first=True),
        LSTM(3, 4, bidirectional=True, bias=False),
        GRU(3, 4, num_layers=2, dropout=0.25),
    ]
    for layer in layers:
        config = json.loads(json.dumps(layer.config()))
        rebuilt = type(layer)(**config)
        assert rebuilt.config() == config
        assert [n for n, _ in rebuilt.named_parameters()] == [
            n for n, _ in layer.named_parameters()
        ]
    torch = pytest.importorskip("torch")
    assert repr(layers[1]) == repr(torch.nn.LSTM(3, 4, bidirectional=True, bias=False))
    assert repr(layers[2]) == repr(torch.nn.GRU(3, 4, num_layers=2, dropout=0.25))
    assert repr(RNN(3, 4)) == repr(torch.nn.RNN(3, 4))
