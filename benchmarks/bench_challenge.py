"""Graph Challenge speed: generation, streaming and the inference of every backend, as ratios.

Run:  python benchmarks/bench_challenge.py [--images 1200] [--stream-layers 24] [--markdown FILE]

Inference.  ``--images`` random sparse images (10% of the 1024 features nonzero, like the
challenge's) through ``graph_challenge(1024, 120, seed=0)``, in two workloads:

* ``binary``: every value 1.  Every image dies within three layers (the bias -0.3 beats
  the few inputs a neuron gets), so this measures the per-layer overhead of each library;
* ``mixed``: one value per image drawn from [1, 4] (``random_images``' default): about half
  of the images saturate at the cap 32 with every neuron active, the others die.  This is
  the regime of the challenge's truth files, where surviving activations are dense.

Each topogen backend runs in the same process against two plain loops doing the same
computation: a SciPy loop (``Y @ W``, bias on the stored entries, clip, drop zeros) and a
python-graphblas loop (``plus_times``, ``select``, ``apply`` with in-place ``<<``).
SuiteSparse:GraphBLAS and torch run with one thread (``--threads``), because the 2-core
development machine is shared and two threads there made GraphBLAS 4x slower; SciPy's
sparse products are single-threaded anyway.  Best of ``--reps`` runs.  The rate is the
challenge's: images x network edges / seconds.

Generation: ``graph_challenge(1024, 120)`` against ``radix_net([[2]*6]*20, [16]*121)`` (same
edges, 20 shared layers).  Streaming: ``graph_challenge_layers(65536, L)`` written with
``stream_npz`` against ``radix_net_layers([[2]*12]*(L/12), [16]*(L+1))`` (the existing
streaming source) on the same number of edges, into a file in ``/dev/shm`` (memory) so
that the disk's noise does not swamp the difference, interleaved, best of 3; and the peak
traced memory of each against the size of one layer.

topogen's backends stop once every image has died (a zero row stays zero); the plain loops
run all 120 layers.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import tempfile
import time
import tracemalloc

import numpy as np
import scipy
import scipy.sparse as sp

import topogen
from topogen.challenge import backends, categories, infer, random_images
from topogen.export import radix_net_layers, stream_npz
from topogen.generators.challenge import graph_challenge_layers

NEURONS, LAYERS = 1024, 120
#: Hidayetoglu et al., arXiv:2007.14152 (abstract): up to 180 TeraEdges/s, multi-GPU at full
#: scale, and up to 4.3x the 2019 champion on one V100.
RECORD_RATE = 180e12


def best(fn, reps):
    times, out = [], None
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def plain_scipy(net, y):
    Ws = [sp.csr_array((np.full(L.nnz, 1 / 16, np.float32), L.indices, L.indptr),
                       shape=L.shape) for L in net.layers]

    def run():
        z = y
        for W in Ws:
            z = z @ W
            z.data += np.float32(-0.3)
            np.clip(z.data, 0, 32, out=z.data)
            z.eliminate_zeros()
        return z

    return run


def plain_graphblas(net, y):
    import graphblas as gb
    from graphblas import binary, select, semiring

    Ws = [gb.Matrix.from_csr(L.indptr, L.indices, np.full(L.nnz, 1 / 16, np.float32),
                             ncols=L.shape[1]) for L in net.layers]

    def run():
        Y = gb.Matrix.from_csr(y.indptr, y.indices, y.data, ncols=y.shape[1])
        Z = gb.Matrix(gb.dtypes.FP32, Y.nrows, Y.ncols)
        for W in Ws:
            Z << Y.mxm(W, semiring.plus_times)
            Z << Z.apply(binary.plus, right=-0.3)
            Y << select.valuegt(Z, 0)
            Y << Y.apply(binary.min, right=32.0)
        indptr, indices, values = Y.to_csr()
        return sp.csr_array((values, indices, indptr), shape=Y.shape)

    return run


def bench_inference(net, n_images, reps, threads):
    import graphblas as gb
    import torch

    gb.ss.config["nthreads"] = threads
    torch.set_num_threads(threads)
    edges = net.nnz
    rows = []
    for name, low, high in (("binary", 1.0, 1.0), ("mixed", 1.0, 4.0)):
        y = random_images(n_images, NEURONS, density=0.1, seed=0, low=low, high=high)
        runs = {f"topogen {b}": (lambda b=b, y=y: infer(net, y, backend=b))
                for b in backends.available()}
        runs["plain SciPy loop"] = plain_scipy(net, y)
        runs["plain GraphBLAS loop"] = plain_graphblas(net, y)
        results = {}
        for label, fn in runs.items():
            fn()  # warm up (imports, first allocations)
            results[label] = best(fn, reps)
        ref = categories(results["plain SciPy loop"][1])
        for label, (_, out) in results.items():
            assert np.array_equal(categories(out), ref), label
        base = results["plain GraphBLAS loop"][0]
        for label, (t, _) in results.items():
            rows.append((name, label, t, n_images * edges / t, base / t, len(ref)))
    return rows


def bench_generation(reps):
    t_gc, _ = best(lambda: topogen.graph_challenge(NEURONS, LAYERS, seed=0), reps)
    t_rn, _ = best(lambda: topogen.radix_net([[2] * 6] * 20, [16] * 121), reps)
    return t_gc, t_rn


def bench_stream(n_layers, folder):
    path = os.path.join(folder, "s.npz")
    out = {}
    sources = {
        "graph_challenge_layers(65536, L)": lambda: graph_challenge_layers(65536, n_layers,
                                                                           seed=0),
        "radix_net_layers([[2]*12]*(L/12), [16]*(L+1))":
            lambda: radix_net_layers([[2] * 12] * (n_layers // 12), [16] * (n_layers + 1)),
    }
    times = {label: [] for label in sources}
    for _ in range(3):  # interleaved, best of 3: the machine's load changes from run to run
        for label, make in sources.items():
            t, info = best(lambda make=make: stream_npz(make(), path), 1)
            times[label].append((t, info))
            os.remove(path)
    for label, make in sources.items():
        t, info = min(times[label], key=lambda x: x[0])
        gc.collect()
        tracemalloc.start()
        stream_npz(make(), path)  # the memory run: same work, traced
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        os.remove(path)
        out[label] = (t, info["nnz"], info["nnz"] / t, peak)
    layer_bytes = 65536 * 32 * 5 + 65537 * 4  # int32 indices + bool data + indptr
    return out, layer_bytes


def markdown(args, inf_rows, gen, stream, layer_bytes, seconds) -> str:
    lines = [
        "| workload | implementation | time (s) | rate (edges/s) | vs plain GraphBLAS |",
        "|---|---|---:|---:|---:|",
    ]
    for name, label, t, rate, ratio, _ in inf_rows:
        lines.append(f"| {name} | {label} | {t:.3f} | {rate:.3g} | {ratio:.2f}x |")
    alive = {name: n for name, *_, n in inf_rows}
    t_gc, t_rn = gen
    s_lines = ["| source | time (s) | edges | rate (edges/s) | peak traced memory |",
               "|---|---:|---:|---:|---:|"]
    for label, (t, nnz, rate, peak) in stream.items():
        s_lines.append(f"| `{label}` | {t:.2f} | {nnz:,} | {rate:.3g} | "
                       f"{peak / 2**20:.0f} MiB |")
    best_rate = max(r[3] for r in inf_rows if r[0] == "mixed" and r[1].startswith("topogen"))
    return "\n".join([
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared with other jobs: "
        f"figures are noisy), Python {platform.python_version()}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}; {args.threads} thread(s) for GraphBLAS and torch; "
        f"{args.images} images; best of {args.reps}; the whole run took {seconds:.0f} s.",
        "",
        "## Inference: 1024 neurons x 120 layers",
        "",
        f"Images with a nonzero output: {alive['binary']} of {args.images} (binary), "
        f"{alive['mixed']} of {args.images} (mixed); every implementation found the same.",
        "",
        *lines,
        "",
        f"Best topogen rate on the mixed workload: {best_rate:.3g} edges/s, against "
        f"{RECORD_RATE:.3g} edges/s, the record reported by Hidayetoglu et al. "
        "(arXiv:2007.14152) on many GPUs at full scale.",
        "",
        "## Generation",
        "",
        f"`graph_challenge(1024, 120)`: {t_gc * 1e3:.1f} ms; `radix_net([[2]*6]*20, "
        f"[16]*121)` (same edges, 6 distinct layers shared 20 times): {t_rn * 1e3:.1f} ms.",
        "",
        "## Streaming to `.npz`",
        "",
        f"L = {args.stream_layers} layers of 65536 neurons (one layer: "
        f"{layer_bytes / 2**20:.1f} MiB of CSR arrays):",
        "",
        *s_lines,
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1200)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--stream-layers", type=int, default=24)
    parser.add_argument("--markdown", help="write the tables to this file")
    args = parser.parse_args()
    if args.stream_layers % 12:
        parser.error("--stream-layers must be a multiple of 12")
    start = time.perf_counter()
    gen = bench_generation(5)
    print(f"generation: graph_challenge {gen[0] * 1e3:.1f} ms, radix_net {gen[1] * 1e3:.1f} ms")
    net = topogen.graph_challenge(NEURONS, LAYERS, seed=0)
    inf_rows = bench_inference(net, args.images, args.reps, args.threads)
    for row in inf_rows:
        print(f"{row[0]:7s} {row[1]:24s} {row[2]:8.3f} s {row[3]:10.3g} edges/s "
              f"{row[4]:6.2f}x")
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None  # memory, not a noisy disk
    with tempfile.TemporaryDirectory(dir=shm) as folder:
        stream, layer_bytes = bench_stream(args.stream_layers, folder)
    for label, (t, nnz, rate, peak) in stream.items():
        print(f"stream {label}: {t:.2f} s, {nnz:,} edges, {rate:.3g} edges/s, peak "
              f"{peak / 2**20:.0f} MiB")
    text = markdown(args, inf_rows, gen, stream, layer_bytes, time.perf_counter() - start)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
