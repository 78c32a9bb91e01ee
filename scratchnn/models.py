"""Model presets and the `--model` syntax: `mlp:784-128-64-10`, `perceptron`, article networks."""

from __future__ import annotations

from dataclasses import dataclass, field

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


PRESETS: dict[str, Recipe] = {
    "recommended": Recipe(
        "ReLU MLP, Adam, cross-entropy (the recommended MNIST network)",
        layers=[784, 128, 64, 10],
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


def activation_module(name: str) -> nn.Module:
    """A fresh activation layer by name."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def mlp(sizes: list[int], activation: str = "relu", output_activation: str | None = None):
    """Linear layers of the given sizes with `activation` between them."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation_module(activation))
    if output_activation:
        layers.append(activation_module(output_activation))
    return layers


def resolve(spec: str) -> Recipe:
    """The recipe for a `--model` value: a preset name or `mlp:SIZES`."""
    if spec in PRESETS:
        return PRESETS[spec]
    if spec.startswith("mlp:"):
        return Recipe("MLP", layers=parse_layer_sizes(spec[4:]))
    raise ValueError(
        f"unknown model {spec!r}; use mlp:784-128-64-10 style sizes or one of {', '.join(PRESETS)}"
    )


def build(recipe: Recipe, activation: str | None = None, mean: float = 0.0, std: float = 1.0):
    """The Sequential network of a recipe, with input normalisation as its first layer."""
    layers = mlp(recipe.layers, activation or recipe.activation, recipe.output_activation)
    if mean != 0.0 or std != 1.0:
        layers.insert(0, nn.Normalize(mean, std))
    return nn.Sequential(*layers)
