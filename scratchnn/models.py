"""Model presets and the `--model` syntax: `mlp:784-128-64-10`, `cnn:c32k3-p2-f128`, `perceptron`,
`cnn`, the article networks.

`cnn:TOKENS` builds a convolutional network from tokens joined by '-', applied in order to
(C, H, W) images:

    c<N>[k<K>][s<S>][p<P>]  Conv2d to N channels with a K x K kernel (default 3), stride S
                            (default 1) and zero padding P (default K // 2, which keeps the size
                            at stride 1), then the activation
    p<K>                    MaxPool2d(K): K x K windows, stride K; right after a ReLU it goes
                            before it instead (the same function: max commutes with ReLU)
    f<N>                    Linear to N units, then the activation and the recipe's dropout
                            if any (before the first one the images are flattened)

Convolutions and pools come before the f layers; a last Linear to the number of classes is
added. `cnn:c32k3-p2-c64k3-p2-f128` is Conv(1, 32, 3, padding=1)-MaxPool(2)-ReLU-
Conv(32, 64, 3, padding=1)-MaxPool(2)-ReLU-Flatten-Linear(3136, 128)-ReLU-Linear(128, 10) on
MNIST. A bad token is a ValueError that names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from scratchnn import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "softplus": nn.Softplus,
    "identity": nn.Identity,
}


@dataclass
class Recipe:
    """A network and how it is trained by default (the command line can override each value)."""

    description: str
    layers: list[int] = field(default_factory=list)
    activation: str = "relu"
    output_activation: str | None = None
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 1e-3
    epochs: int = 10
    batch_size: int = 128
    dataset: str = "mnist"
    article_result: str | None = None
    conv: str | None = None  # the TOKENS of a `cnn:TOKENS` network; None for an MLP
    dropout: float = 0.0  # after each hidden activation of an MLP
    schedule: str | None = None  # "cosine": the learning rate follows a half cosine to 0


PRESETS: dict[str, Recipe] = {
    "recommended": Recipe(
        "ReLU MLP, dropout 0.1, Adam with a cosine schedule, cross-entropy",
        layers=[784, 128, 64, 10],
        dropout=0.1,
        schedule="cosine",
        batch_size=64,
    ),
    "cnn": Recipe(
        "LeNet-style CNN (conv-pool-conv-pool-fc), Adam with a cosine schedule, cross-entropy",
        conv="c32k3-p2-c64k3-p2-f128",
        epochs=5,
        schedule="cosine",
    ),
    "perceptron": Recipe(
        "article 1: 2 inputs, 1 sigmoid output, per-sample SGD at lr 0.1 (learns addition)",
        layers=[2, 1],
        activation="identity",
        output_activation="sigmoid",
        loss="mse",
        optimizer="sgd",
        lr=0.1,
        epochs=1000,
        batch_size=1,
        dataset="addition",
        article_result="about 80% of 25 test sums right at one decimal",
    ),
    "article2": Recipe(
        "article 2: layered ReLU network trained by backpropagation on mean squared error",
        layers=[2, 16, 16, 1],
        activation="relu",
        loss="mse",
        optimizer="sgd",
        lr=0.05,
        epochs=300,
        batch_size=8,
        dataset="addition",
        article_result="prints the error per epoch; no accuracy reported",
    ),
    "article3": Recipe(
        "article 3: sigmoid network, squared error, plain SGD",
        layers=[784, 128, 64, 10],
        activation="sigmoid",
        output_activation="sigmoid",
        loss="mse",
        optimizer="sgd",
        lr=1.0,
        epochs=10,
        batch_size=16,
        article_result="no accuracy reported",
    ),
    "article4": Recipe(
        "article 4: ReLU/softmax classifier, full-batch gradient descent",
        layers=[784, 10, 10],
        activation="relu",
        loss="cross_entropy",
        optimizer="sgd",
        lr=0.5,
        epochs=1000,
        batch_size=60000,
        article_result="about 90% after 1,000 full-batch iterations",
    ),
}


def parse_layer_sizes(spec: str) -> list[int]:
    """`784-128-64-10` → [784, 128, 64, 10]."""
    try:
        sizes = [int(part) for part in spec.split("-")]
    except ValueError:
        raise ValueError(f"layer sizes must be integers joined by '-', got {spec!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"an MLP needs at least two positive layer sizes, got {spec!r}")
    return sizes


class ConvLayer(NamedTuple):
    """A `c<N>k<K>s<S>p<P>` token: Conv2d to `channels` channels, then the activation."""

    channels: int
    kernel: int
    stride: int
    padding: int


class PoolLayer(NamedTuple):
    """A `p<K>` token: MaxPool2d(size)."""

    size: int


class DenseLayer(NamedTuple):
    """An `f<N>` token: Linear to `units` units, then the activation."""

    units: int


CONV_TOKEN = re.compile(r"c(\d+)(?:k(\d+))?(?:s(\d+))?(?:p(\d+))?")
TOKEN_FORMS = "c<channels>[k<kernel>][s<stride>][p<padding>], p<pool size> or f<units>"


def parse_conv_layers(spec: str) -> list[ConvLayer | PoolLayer | DenseLayer]:
    """`c32k3-p2-f128` → [ConvLayer(32, 3, 1, 1), PoolLayer(2), DenseLayer(128)]."""
    layers: list[ConvLayer | PoolLayer | DenseLayer] = []
    for token in spec.split("-"):
        conv, other = CONV_TOKEN.fullmatch(token), re.fullmatch(r"([pf])(\d+)", token)
        if conv:
            channels, kernel, stride, padding = conv.groups()
            kernel = int(kernel or 3)
            layer = ConvLayer(int(channels), kernel, int(stride or 1), int(padding or kernel // 2))
        elif other:
            layer = (PoolLayer if other[1] == "p" else DenseLayer)(int(other[2]))
        else:
            raise ValueError(f"bad token {token!r} in cnn:{spec}: expected {TOKEN_FORMS}")
        if min(value for name, value in layer._asdict().items() if name != "padding") < 1:
            raise ValueError(f"bad token {token!r} in cnn:{spec}: sizes must be positive")
        if layers and isinstance(layers[-1], DenseLayer) and not isinstance(layer, DenseLayer):
            raise ValueError(
                f"bad token {token!r} in cnn:{spec}: convolutions and pools come before the "
                "f<units> layers"
            )
        layers.append(layer)
    return layers


def activation_module(name: str) -> nn.Module:
    """A fresh activation layer by name."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def mlp(
    sizes: list[int],
    activation: str = "relu",
    output_activation: str | None = None,
    dropout: float = 0.0,
):
    """Linear layers of the given sizes with `activation` (and dropout) between them."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation_module(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
    if output_activation:
        layers.append(activation_module(output_activation))
    return layers


def cnn(
    spec: str,
    input_shape: tuple[int, ...],
    num_classes: int,
    activation: str = "relu",
    dropout: float = 0.0,
) -> list[nn.Module]:
    """The layers of a `cnn:` spec for (C, H, W) images, ending in a Linear to num_classes;
    with dropout, a Dropout follows the activation of each f layer.

    A spec that shrinks the images below a kernel raises ShapeError naming the layer.
    """
    if len(input_shape) != 3:
        raise ValueError(
            f"a convolutional network needs (C, H, W) images, but the inputs have shape "
            f"{tuple(input_shape)}"
        )
    layers: list[nn.Module] = []
    channels = input_shape[0]
    for layer in parse_conv_layers(spec):
        if isinstance(layer, ConvLayer):
            layers += [nn.Conv2d(channels, *layer), activation_module(activation)]
            channels = layer.channels
        elif isinstance(layer, PoolLayer):
            pool = nn.MaxPool2d(layer.size)
            if isinstance(layers[-1], nn.ReLU):
                # max(relu(x)) = relu(max(x)), gradients included: ReLU after the pool runs on
                # a map k*k times smaller (measured: CNN step 48 -> 40 ms, 2 threads)
                layers.insert(len(layers) - 1, pool)
            else:
                layers.append(pool)
        else:
            linear = flat_linear(layers, input_shape, layer.units)
            layers += [linear, activation_module(activation)]
            if dropout:
                layers.append(nn.Dropout(dropout))
    output = flat_linear(layers, input_shape, num_classes)
    return [*layers, output]


def flat_linear(layers: list[nn.Module], input_shape: tuple[int, ...], units: int) -> nn.Linear:
    """A Linear to `units` on the flattened output of layers (appending the Flatten if missing)."""
    if not any(isinstance(module, nn.Flatten) for module in layers):
        layers.append(nn.Flatten())
    width = nn.Sequential(*layers).output_shape((None, *input_shape))[-1]
    return nn.Linear(width, units)


def resolve(spec: str) -> Recipe:
    """The recipe for a `--model` value: a preset name, `mlp:SIZES` or `cnn:TOKENS`."""
    if spec in PRESETS:
        return PRESETS[spec]
    if spec.startswith("mlp:"):
        return Recipe("MLP", layers=parse_layer_sizes(spec[4:]))
    if spec.startswith("cnn:"):
        parse_conv_layers(spec[4:])
        preset = PRESETS["cnn"]
        return Recipe("CNN", conv=spec[4:], epochs=preset.epochs, schedule=preset.schedule)
    raise ValueError(
        f"unknown model {spec!r}; use mlp:784-128-64-10 style sizes, cnn:c32k3-p2-f128 style "
        f"layers or one of {', '.join(PRESETS)}"
    )


def build(
    recipe: Recipe,
    activation: str | None = None,
    mean: float = 0.0,
    std: float = 1.0,
    input_shape: tuple[int, ...] = (1, 28, 28),
    num_classes: int = 10,
):
    """The Sequential network of a recipe, with input normalisation as its first layer.

    An MLP takes its sizes from recipe.layers; a convolutional recipe is built for images of
    input_shape (C, H, W) and num_classes outputs.
    """
    activation = activation or recipe.activation
    if recipe.conv is None:
        layers = mlp(recipe.layers, activation, recipe.output_activation, recipe.dropout)
    else:
        layers = cnn(recipe.conv, input_shape, num_classes, activation, recipe.dropout)
    if mean != 0.0 or std != 1.0:
        layers.insert(0, nn.Normalize(mean, std))
    return nn.Sequential(*layers)
