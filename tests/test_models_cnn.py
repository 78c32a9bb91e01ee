"""The `cnn` preset and the `cnn:TOKENS` syntax: parsing, errors naming the bad token, the
layers they build, saving, and a short MNIST run that learns."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnn as sn
from scratchnn import models, nn, optim
from scratchnn.data import load_mnist
from scratchnn.errors import ShapeError
from scratchnn.models import ConvLayer, DenseLayer, PoolLayer
from scratchnn.train import evaluate, fit, predict


def test_tokens_parse_with_defaults_and_explicit_values():
    assert models.parse_conv_layers("c32k3-p2-c64k5s2p0-f128") == [
        ConvLayer(32, 3, 1, 1),
        PoolLayer(2),
        ConvLayer(64, 5, 2, 0),
        DenseLayer(128),
    ]
    assert models.parse_conv_layers("c8") == [ConvLayer(8, 3, 1, 1)]
    assert models.parse_conv_layers("c6k5") == [ConvLayer(6, 5, 1, 2)]


@pytest.mark.parametrize(
    "spec, token, reason",
    [
        ("c32k3-x5-f10", "x5", "expected c<channels>"),
        ("c32k3--p2", "", "expected c<channels>"),
        ("c32k3p", "c32k3p", "expected c<channels>"),
        ("c0k3", "c0k3", "positive"),
        ("c8-p0", "p0", "positive"),
        ("c8k0", "c8k0", "positive"),
        ("f10-c8", "c8", "come before"),
        ("c8-f10-p2", "p2", "come before"),
    ],
)
def test_bad_tokens_are_named(spec, token, reason):
    with pytest.raises(ValueError, match=f"bad token '{token}' in cnn:{spec}: .*{reason}"):
        models.resolve(f"cnn:{spec}")


def test_cnn_preset_builds_the_lenet_style_network():
    model = models.build(models.resolve("cnn"), mean=0.13, std=0.31)
    kinds = [type(layer).__name__ for layer in model.children()]
    assert kinds == [
        "Normalize",
        "Conv2d",
        "MaxPool2d",
        "ReLU",
        "Conv2d",
        "MaxPool2d",
        "ReLU",
        "Flatten",
        "Linear",
        "ReLU",
        "Linear",
    ]
    assert model.output_shape((None, 1, 28, 28)) == (None, 10)
    assert model[7 + 1].in_features == 64 * 7 * 7
    assert model.num_parameters() == 421_642


def test_pooling_before_relu_gives_the_function_and_gradients_of_relu_then_pooling(rng):
    built = models.build(models.resolve("cnn:c4k3-p2-f8"), input_shape=(1, 8, 8), num_classes=3)
    assert [type(layer).__name__ for layer in built.children()][:3] == [
        "Conv2d",
        "MaxPool2d",
        "ReLU",
    ]
    layers = list(built.children())
    textbook = sn.nn.Sequential(layers[0], layers[2], layers[1], *layers[3:])  # conv-relu-pool
    x = rng.standard_normal((5, 1, 8, 8))
    outputs, grads = [], []
    for model in (built, textbook):
        model.zero_grad()
        images = sn.Tensor(x, requires_grad=True, dtype=np.float64)
        for p in model.parameters():
            p.data = p.data.astype(np.float64)
        out = model(images)
        (out * out).sum().backward()
        outputs.append(out.data)
        grads.append([images.grad, *(p.grad for p in model.parameters())])
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-12)
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_spec_fits_other_image_sizes_classes_and_activations():
    recipe = models.resolve("cnn:c4k3-p2-c8k3s2p0")
    model = models.build(recipe, "tanh", input_shape=(3, 16, 12), num_classes=5)
    assert [type(layer).__name__ for layer in model.children()][:2] == ["Conv2d", "Tanh"]
    assert model.output_shape((None, 3, 16, 12)) == (None, 5)
    assert model[-1].in_features == 8 * 3 * 2
    out = model(sn.zeros(2, 3, 16, 12))
    assert out.shape == (2, 5)


def test_dropout_follows_each_hidden_fully_connected_layer():
    recipe = models.Recipe(**{**models.resolve("cnn:c4-p2-f16-f8").__dict__, "dropout": 0.25})
    kinds = [type(layer).__name__ for layer in models.build(recipe).children()]
    assert kinds[-7:] == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert kinds.count("Dropout") == 2


def test_an_empty_batch_gives_empty_outputs_and_zero_gradients():
    model = models.build(models.resolve("cnn"))
    images = sn.Tensor(np.zeros((0, 1, 28, 28), np.float32), requires_grad=True)
    out = model(images)
    out.sum().backward()
    assert out.shape == (0, 10) and images.grad.shape == (0, 1, 28, 28)
    assert not np.abs(model[0].weight.grad).any() and not np.abs(model[3].bias.grad).any()


def test_images_too_small_for_the_spec_raise_a_shape_error():
    with pytest.raises(ShapeError, match="MaxPool2d"):
        models.build(models.resolve("cnn:c8-p2-p2-p2-p2"), input_shape=(1, 8, 8))
    with pytest.raises(ValueError, match=r"\(C, H, W\) images"):
        models.build(models.resolve("cnn"), input_shape=(784,))


def test_cnn_model_saves_and_loads(tmp_path, rng):
    model = models.build(models.resolve("cnn:c4-p2-f16"), mean=0.1, std=0.3)
    images = rng.random((3, 1, 28, 28), dtype=np.float32)
    sn.save(model, tmp_path / "cnn.safetensors", metadata={"input_shape": [1, 28, 28]})
    loaded = sn.load(tmp_path / "cnn.safetensors")
    expected = predict(model, images)
    np.testing.assert_allclose(predict(loaded, images), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_cnn_preset_learns_mnist_from_3000_images_in_one_epoch(mnist_dir):
    x_train, y_train = load_mnist(mnist_dir, "train", flatten=False)
    x_test, y_test = load_mnist(mnist_dir, "test", flatten=False)
    sn.manual_seed(0)
    recipe = models.resolve("cnn")
    model = models.build(recipe, mean=float(x_train.mean()), std=float(x_train.std()))
    optimizer = optim.Adam(model.parameters(), lr=recipe.lr)
    train = (x_train[:3000], y_train[:3000])
    fit(model, nn.CrossEntropyLoss(), optimizer, train, 1, recipe.batch_size, seed=0, verbose=False)
    assert evaluate(model, (x_test[:2000], y_test[:2000])).accuracy > 0.8
