"""Article 1: one neuron (2 inputs, sigmoid output) learns to add two numbers; then a better recipe.

The article trains with per-sample updates at learning rate 0.1 and gets about 20 of its 25
test sums right at one decimal. A sum is a linear function, so the improved recipe drops the
sigmoid (which bends the output and cannot reach 1.0 exactly) and gets all 25.

    python examples/article1_perceptron_addition.py
"""

import numpy as np

import scratchnn as sn
from scratchnn import nn, optim
from scratchnn.data import ARTICLE_TEST_INPUTS, make_addition
from scratchnn.train import fit, predict


def right_at_one_decimal(pairs: np.ndarray, predictions: np.ndarray) -> int:
    return int((np.round(predictions[:, 0], 1) == np.round(pairs.sum(axis=1), 1)).sum())


def train(model: nn.Module, optimizer, epochs: int, batch_size: int) -> int:
    inputs, sums = make_addition(200, seed=0)
    fit(
        model,
        nn.MSELoss(),
        optimizer,
        (inputs, sums),
        epochs=epochs,
        batch_size=batch_size,
        verbose=False,
    )
    tests = np.array(ARTICLE_TEST_INPUTS, dtype=np.float32)
    predictions = predict(model, tests)
    for (a, b), value in zip(tests, predictions[:, 0]):
        print(f"Input: [{a:.1f}, {b:.1f}], Prediction: {value:.1f}")
    return right_at_one_decimal(tests, predictions)


sn.manual_seed(0)
perceptron = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
article = train(perceptron, optim.SGD(perceptron.parameters(), lr=0.1), epochs=100, batch_size=1)

linear = nn.Sequential(nn.Linear(2, 1))
improved = train(linear, optim.Adam(linear.parameters(), lr=0.01), epochs=200, batch_size=8)

print(
    f"\narticle's perceptron: about 20 of 25 | scratchnn, same network: {article} of 25 | "
    f"improved (linear output, Adam): {improved} of 25"
)
