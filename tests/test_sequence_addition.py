"""Sequence addition: the token generator (shapes, sums, disjoint splits) and the Seq2Seq model
(PyTorch parity, save/load, a short training run that learns to add)."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import optim
from scratchnn.cli.demo import sequence_loss
from scratchnn.data import make_sequence_addition
from scratchnn.data.sequence_addition import PLUS, is_held_out, to_number, to_text
from scratchnn.seq2seq import Seq2Seq
from scratchnn.train import fit, predict


def pairs(inputs: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    return to_number(inputs[:, :digits]), to_number(inputs[:, digits + 1 :])


@pytest.mark.parametrize("digits", [1, 2, 3])
def test_shapes_tokens_and_sums(digits):
    inputs, targets = make_sequence_addition(10 if digits == 1 else 500, digits, seed=0)
    assert inputs.shape == (len(inputs), 2 * digits + 1) and inputs.dtype == np.int64
    assert targets.shape == (len(inputs), digits + 1) and targets.dtype == np.int64
    assert (inputs[:, digits] == PLUS).all()
    assert inputs.min() >= 0 and np.delete(inputs, digits, axis=1).max() <= 9
    a, b = pairs(inputs, digits)
    np.testing.assert_array_equal(to_number(targets), a + b)
    assert a.max() < 10**digits and b.max() < 10**digits


def test_text_of_tokens():
    assert to_text(np.array([1, 2, 3, PLUS, 4, 5, 6])) == "123+456"
    assert to_number(np.array([[0, 5, 7, 9]]))[0] == 579


def test_pairs_are_distinct_reproducible_and_seeded_by_the_library():
    first = make_sequence_addition(2000, seed=3)
    again = make_sequence_addition(2000, seed=3)
    np.testing.assert_array_equal(first[0], again[0])
    a, b = pairs(first[0], 3)
    assert len(np.unique(a * 1000 + b)) == 2000
    sn.manual_seed(5)
    one = make_sequence_addition(50)
    sn.manual_seed(5)
    np.testing.assert_array_equal(one[0], make_sequence_addition(50)[0])


def test_held_out_pairs_never_appear_in_training_in_either_order():
    train_a, train_b = pairs(make_sequence_addition(30_000, seed=0)[0], 3)
    test_a, test_b = pairs(make_sequence_addition(3_000, seed=0, split="test")[0], 3)
    train = set(zip(train_a.tolist(), train_b.tolist()))
    test = set(zip(test_a.tolist(), test_b.tolist()))
    assert not train & test
    assert not train & {(b, a) for a, b in test}
    assert is_held_out(test_a, test_b).all() and not is_held_out(train_a, train_b).any()


def test_about_one_pair_in_ten_is_held_out_whatever_the_order():
    a, b = np.divmod(np.arange(1_000_000), 1000)
    held = is_held_out(a, b)
    assert 0.09 < held.mean() < 0.11
    np.testing.assert_array_equal(held, is_held_out(b, a))


def test_bad_requests_are_rejected():
    with pytest.raises(ValueError, match="split"):
        make_sequence_addition(10, split="validation")
    with pytest.raises(ValueError, match="test pairs of 1-digit numbers exist"):
        make_sequence_addition(50, digits=1, split="test")


class TorchSeq2Seq:
    """The same network written in PyTorch, from the scratchnn model's weights."""

    def __init__(self, torch, model: Seq2Seq) -> None:
        self.torch, self.model = torch, model
        cell = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[model.cell]
        hidden, width = model.rnn.hidden_size, model.embedding.embedding_dim
        self.embedding = torch.nn.Embedding(model.vocab_in + 1, width, dtype=torch.float64)
        self.rnn = cell(width, hidden, batch_first=True, dtype=torch.float64)
        self.output = torch.nn.Linear(hidden, model.vocab_out, dtype=torch.float64)
        state = model.state_dict()
        for name, layer in self.layers():
            own = {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith(name + ".")}
            layer.load_state_dict({k: torch.tensor(v) for k, v in own.items()})

    def layers(self):
        return [("embedding", self.embedding), ("rnn", self.rnn), ("output", self.output)]

    def __call__(self, tokens: np.ndarray):
        torch = self.torch
        tokens = torch.tensor(tokens[:, ::-1].copy())
        queries = torch.full((len(tokens), self.model.out_len), self.model.vocab_in)
        states, _ = self.rnn(self.embedding(torch.cat([tokens, queries], dim=1)))
        return self.output(states[:, -self.model.out_len :]).flip(1)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_seq2seq_matches_torch_values_and_gradients(cell):
    torch = pytest.importorskip("torch")
    previous = sn.get_default_dtype()
    sn.set_default_dtype(np.float64)
    try:
        sn.manual_seed(0)
        model = Seq2Seq(11, 10, 3, embedding_dim=5, hidden_size=7, cell=cell)
    finally:
        sn.set_default_dtype(previous)
    reference = TorchSeq2Seq(torch, model)
    inputs, targets = make_sequence_addition(6, digits=2, seed=1)
    logits = model(inputs)
    expected = reference(inputs)
    np.testing.assert_allclose(logits.data, expected.detach().numpy(), atol=1e-12)
    sequence_loss(logits, sn.Tensor(targets)).backward()
    torch.nn.functional.cross_entropy(
        expected.reshape(-1, 10), torch.tensor(targets).reshape(-1)
    ).backward()
    torch_grads = {
        f"{name}.{key}": value.grad.numpy()
        for name, layer in reference.layers()
        for key, value in layer.named_parameters()
    }
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.grad, torch_grads[name], atol=1e-12, err_msg=name)


def test_seq2seq_saves_and_loads(tmp_path):
    model = Seq2Seq(11, 10, 4, hidden_size=8, cell="gru", reverse=False)
    inputs, _ = make_sequence_addition(5, seed=0)
    sn.save(model, tmp_path / "adder.safetensors")
    loaded = sn.load(tmp_path / "adder.safetensors")
    assert isinstance(loaded, Seq2Seq) and loaded.config() == model.config()
    np.testing.assert_array_equal(predict(loaded, inputs), predict(model, inputs))


def test_seq2seq_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="cell"):
        Seq2Seq(11, 10, 4, cell="transformer")
    with pytest.raises(ValueError, match=r"tokens \(N, T\)"):
        Seq2Seq(11, 10, 4)(np.zeros(7, dtype=np.int64))


def test_a_short_run_learns_to_add_two_digit_numbers():
    sn.manual_seed(0)
    train = make_sequence_addition(5000, digits=2, seed=0)
    inputs, targets = make_sequence_addition(500, digits=2, seed=1, split="test")
    model = Seq2Seq(11, 10, 3, hidden_size=64, cell="gru")
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=6)
    fit(model, sequence_loss, optimizer, train, 6, 32, scheduler=scheduler, seed=0, verbose=False)
    exactly_right = (predict(model, inputs).argmax(axis=-1) == targets).all(axis=1).mean()
    assert exactly_right > 0.7
