"""Article 2: a layered ReLU network trained by backpropagation on mean squared error.

The article builds neurons, layers and a hand-written backward pass and prints the error per
epoch, without a result to compare. Here the same kind of network (2-16-16-1, ReLU) learns the
addition task with plain SGD on MSE, printing its error per epoch, then the improved recipe
(Adam) reaches a far smaller error in the same number of epochs.

    python examples/article2_relu_network_mse.py
"""

import scratchnn as sn
from scratchnn import nn, optim
from scratchnn.data import make_addition
from scratchnn.train import evaluate, fit


def network() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
    )


train, test = make_addition(1000, seed=0), make_addition(200, seed=1)

sn.manual_seed(0)
model = network()
fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05), train, epochs=30, batch_size=8)
article = evaluate(model, test)

sn.manual_seed(0)
model = network()
fit(
    model,
    nn.MSELoss(),
    optim.Adam(model.parameters(), lr=0.003),
    train,
    epochs=30,
    batch_size=8,
    verbose=False,
)
improved = evaluate(model, test)

print(
    f"\narticle: error per epoch, no final figure | scratchnn, SGD: test MSE {article.mse:.2e}, "
    f"R² {article.r2:.4f} | improved (Adam): test MSE {improved.mse:.2e}, R² {improved.r2:.4f}"
)
