"""RadiX-Net generation speed, as ratios against a naive dense construction in the same run.

Run:  python benchmarks/bench_radix.py [--quick] [--markdown FILE]

* ``radix_net`` against the definition built in dense NumPy (sums of rolled identity
  matrices, then ``np.kron``) on sizes both can hold;
* the Sparse DNN Graph Challenge shape (1024 neurons, 120 layers, 32 connections per neuron:
  radix lists ``[[32, 32]] * 60``) and a 16384-neuron, 120-layer net (``[[32, 32, 16]] * 40``,
  52 million edges), with peak traced memory.  Repeated layers are built once and shared
  (Topology is immutable); the "every layer built" column forces all 120 layers to be built
  separately, the cost a generator without sharing would pay.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import time
import tracemalloc

import numpy as np

import topogen
from topogen.generators.radix import radix_layer


def naive_radix_net(radix_lists, widths):
    n_prime = math.prod(radix_lists[0])
    eye = np.eye(n_prime)  # NumPy's default float64, as a plain NumPy user would
    out, i = [], 0
    for lst in radix_lists:
        nu = 1
        for radix in lst:
            m = sum(np.roll(eye, -j * nu, axis=1) for j in range(radix))
            out.append(np.kron(np.ones((widths[i], widths[i + 1])), m))
            nu *= radix
            i += 1
    return out


def best_time(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_memory(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def build_every_layer(radix_lists):
    n_prime = math.prod(radix_lists[0])
    layers = []
    for lst in radix_lists:
        nu = 1
        for radix in lst:
            layers.append(radix_layer(n_prime, radix, nu))
            nu *= radix
    return topogen.trusted(layers)


def main() -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    parser.add_argument("--markdown", help="also write the tables to this Markdown file")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5

    lines = [
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, numpy {np.__version__}",
        "",
        "| case | neurons/layer | layers | edges | topogen (s) | naive dense (s) | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    cases = [
        ([[4, 4, 4]], [2, 2, 2, 2]),
        ([[8, 8], [8, 8]], [4, 4, 4, 4, 4]),
        ([[16, 16]], [8, 8, 8]),
        ([[4, 4, 4, 4]], [8, 8, 8, 8, 8]),
        ([[32, 32]], [4, 4, 4]),
        ([[64, 64]], [2, 2, 2]),
        ([[64, 64]], [4, 4, 4]),
    ]
    if args.quick:
        cases = cases[:3]
    for lists, widths in cases:
        net = topogen.radix_net(lists, widths)
        ours = best_time(lambda: topogen.radix_net(lists, widths), repeat)  # noqa: B023
        naive = best_time(lambda: naive_radix_net(lists, widths), max(1, repeat // 2))  # noqa: B023
        ref = naive_radix_net(lists, widths)
        assert all(np.array_equal(a.toarray(), b.astype(bool)) for a, b in zip(net.layers, ref))
        lines.append(
            f"| `radix_net({lists}, {widths})` | {net.widths[1]} | {net.depth} | {net.nnz:,} "
            f"| {ours:.5f} | {naive:.4f} | {naive / ours:,.0f}x |"
        )

    lines += [
        "",
        "| shape | edges | topogen, shared layers (s) | every layer built (s) | "
        "peak traced memory (MiB) |",
        "|---|---|---|---|---|",
    ]
    big = [("Graph Challenge 1024 x 120, 32/neuron", [[32, 32]] * 60),
           ("16384 x 120, [[32, 32, 16]] * 40", [[32, 32, 16]] * 40)]
    for name, lists in big:
        net = topogen.extended_mixed_radix(lists)
        shared = best_time(lambda: topogen.extended_mixed_radix(lists), repeat)  # noqa: B023
        every = best_time(lambda: build_every_layer(lists), max(1, repeat // 2))  # noqa: B023
        assert build_every_layer(lists) == net
        peak = peak_memory(lambda: build_every_layer(lists))  # noqa: B023
        lines.append(f"| {name} | {net.nnz:,} | {shared:.4f} | {every:.3f} | {peak:,.0f} |")
    print("\n".join(lines))
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write("\n".join(lines) + "\n")
    return lines


if __name__ == "__main__":
    main()
