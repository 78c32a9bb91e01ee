"""Article 3: the 784-128-64-10 sigmoid network for MNIST with squared error and plain SGD.

The article writes the matrix backward pass by hand (and checks matrix shapes at compile time)
but reports no accuracy. scratchnn checks the same shapes when the network is built, trains the
same network with plain SGD, then the improved recipe: ReLU, cross-entropy and Adam.

    python examples/article3_sigmoid_mnist.py --data PATH_TO_MNIST_FOLDER
"""

import argparse

import scratchnn as sn
from scratchnn import nn, optim
from scratchnn.data import load_dataset
from scratchnn.train import evaluate, fit

parser = argparse.ArgumentParser()
parser.add_argument("--data", help="folder with the MNIST IDX files (default: cache/download)")
parser.add_argument("--epochs", type=int, default=10)
args = parser.parse_args()

mnist = load_dataset("mnist", data=args.data)
mean, std = float(mnist.train[0].mean()), float(mnist.train[0].std())

sn.manual_seed(0)
article = nn.Sequential(
    nn.Normalize(mean, std),
    nn.Linear(784, 128),
    nn.Sigmoid(),
    nn.Linear(128, 64),
    nn.Sigmoid(),
    nn.Linear(64, 10),
    nn.Sigmoid(),
)
fit(
    article,
    nn.OneHotMSELoss(),
    optim.SGD(article.parameters(), lr=1.0),
    mnist.train,
    epochs=args.epochs,
    batch_size=16,
)
article_accuracy = evaluate(article, mnist.test).accuracy

sn.manual_seed(0)
improved = nn.Sequential(
    nn.Normalize(mean, std),
    nn.Linear(784, 128),
    nn.ReLU(),
    nn.Linear(128, 64),
    nn.ReLU(),
    nn.Linear(64, 10),
)
fit(
    improved,
    nn.CrossEntropyLoss(),
    optim.Adam(improved.parameters(), lr=1e-3),
    mnist.train,
    epochs=args.epochs,
    batch_size=128,
)
improved_accuracy = evaluate(improved, mnist.test).accuracy

print(
    f"\narticle: no accuracy reported | scratchnn, same network and SGD: "
    f"{article_accuracy:.2%} | improved (ReLU, cross-entropy, Adam): {improved_accuracy:.2%}"
)
