"""Draw docs/challenge/alive.png: activations alive per layer of a 1024 x 120 challenge network.

Run:  python benchmarks/plot_challenge_alive.py [--images 1200] [-o docs/challenge/alive.png]

The same images as ``bench_challenge.py`` (10% of the features nonzero; "binary": every
value 1, "mixed": one value per image in [1, 4]) through ``graph_challenge(1024, 120,
seed=0)``, one layer at a time with ``topogen.challenge.infer`` on the one-layer slices, and
for every layer the number of images with a nonzero activation and the mean number of
nonzero neurons per such image.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import topogen
from topogen.challenge import infer, random_images


def alive_per_layer(net, images):
    live, per_image = [], []
    y = images
    for k in range(net.depth):
        y = infer(net.slice(k, k + 1), y, bias=-0.3, backend="scipy")
        rows = np.diff(y.indptr)
        live.append(int(np.count_nonzero(rows)))
        per_image.append(float(rows[rows > 0].mean()) if live[-1] else 0.0)
    return np.array(live), np.array(per_image)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1200)
    parser.add_argument("-o", "--output", default=os.path.join("docs", "challenge", "alive.png"))
    args = parser.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    net = topogen.graph_challenge(1024, 120, seed=0)
    layers = np.arange(1, net.depth + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3), dpi=90)
    for name, high in (("binary (value 1)", 1.0), ("mixed (value in [1, 4])", 4.0)):
        images = random_images(args.images, 1024, density=0.1, seed=0, low=1.0, high=high)
        live, per_image = alive_per_layer(net, images)
        ax1.plot(layers, live, label=name)
        ax2.plot(layers, per_image, label=name)
    ax1.set(xlabel="layer", ylabel="images alive", title=f"{args.images} images, 1024 x 120")
    ax2.set(xlabel="layer", ylabel="nonzero neurons per live image", ylim=(0, 1100))
    ax1.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
    fig.savefig(args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
