"""Export speed: topogen's file readers and writers against SciPy, NumPy and pyarrow, in MB/s.

Run:  python benchmarks/bench_export.py [--layers L] [--neurons N] [--reps R]
                                       [--markdown FILE] [--torch]

One run, every figure from the same files on the same machine:

* Files of the Sparse DNN Graph Challenge shape: ``--neurons`` (16384) neurons, 32
  connections per neuron, ``--layers`` (8) layers, each a circulant with 32 random shifts.
  Graph Challenge TSV in the official layout (column-major, ``%e`` values) and Matrix
  Market.  Default size: 4.2 million edges, about 100 MB of TSV; it runs in a minute or two
  on 2 shared cores.
* Reads: ``topogen.export.read_graph_challenge`` (every line validated, a canonical
  Topology built) against ``numpy.loadtxt`` and ``pyarrow.csv.read_csv`` (explicit column
  types; its default multithreaded reader and a single-threaded one) parsing the same
  files into columns; ``topogen.export.read_mtx`` against ``scipy.io.mmread``.
* Writes: ``write_graph_challenge`` against ``numpy.savetxt`` writing the same text
  (``%d\\t%d\\t%e``, column-major rows; on 2 layers, scaled, since it is slow), and
  ``write_mtx`` against ``scipy.io.mmwrite`` (pattern files).  topogen's writers ``fsync``
  every file and rename the folder into place; the baselines do not.
* Each figure is the best of ``--reps`` runs, the methods taken in turn within each round,
  so that a busy moment on a shared machine hits all of them alike.  Peak memory is the
  extra memory traced by ``tracemalloc`` while reading 2 layers (pyarrow allocates outside
  its reach, so it has no figure).  pyarrow is optional: without it its rows are skipped.

``--torch`` adds the sparse torch layer timings (4096 x 4096 RadiX-Net layer, densities
1/2 ... 1/64, batch 256, CPU): masked dense ``nn.Linear`` against ``to_torch_sparse_linear``
in CSR and BSR, forward and forward+backward, median of ``--torch-reps``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import tempfile
import time
import tracemalloc

import numpy as np
import scipy
import scipy.io

from topogen.export import files as F
from topogen.topology import csr_from_parts, trusted

DEGREE = 32


def circulant_layer(n, degree, rng):
    shifts = np.sort(rng.choice(n, degree, replace=False))
    cols = np.sort((np.arange(n)[:, None] + shifts[None, :]) % n, axis=1)
    return csr_from_parts((n, n), np.arange(0, n * degree + 1, degree), cols.ravel())


def challenge_shape(n, depth, seed=0):
    rng = np.random.default_rng(seed)
    return trusted([circulant_layer(n, DEGREE, rng) for _ in range(depth)])


def size_of(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
    return os.path.getsize(path)


def layer_files(folder, suffix):
    return sorted((os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(suffix)),
                  key=lambda p: int(p.rsplit("-l", 1)[1].split(".")[0]))


def traced_peak(fn, *args):
    gc.collect()
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------------------- baselines
def loadtxt_folder(folder):
    return [np.loadtxt(p, delimiter="\t", dtype=np.float64) for p in layer_files(folder, ".tsv")]


def pyarrow_folder(folder, threads=True):
    import pyarrow as pa
    import pyarrow.csv as pc

    read = pc.ReadOptions(column_names=["row", "col", "value"], use_threads=threads)
    parse = pc.ParseOptions(delimiter="\t")
    convert = pc.ConvertOptions(column_types={"row": pa.int64(), "col": pa.int64(),
                                              "value": pa.float64()})
    return [pc.read_csv(p, read_options=read, parse_options=parse, convert_options=convert)
            for p in layer_files(folder, ".tsv")]


def mmread_folder(folder):
    return [scipy.io.mmread(p) for p in layer_files(folder, ".mtx")]


def savetxt_folder(net, folder, value=1 / 16):
    os.makedirs(folder, exist_ok=True)
    for i, layer in enumerate(net.layers):
        csc = layer.tocsc()
        cols = np.repeat(np.arange(1, layer.shape[1] + 1), np.diff(csc.indptr))
        table = np.column_stack((csc.indices + 1, cols, np.full(layer.nnz, value)))
        np.savetxt(os.path.join(folder, f"n{layer.shape[0]}-l{i + 1}.tsv"), table,
                   fmt=["%d", "%d", "%e"], delimiter="\t")


def mmwrite_folder(net, folder):
    os.makedirs(folder, exist_ok=True)
    for i, layer in enumerate(net.layers):
        scipy.io.mmwrite(os.path.join(folder, f"n{layer.shape[0]}-l{i + 1}.mtx"), layer,
                         field="pattern", symmetry="general")


# ---------------------------------------------------------------------------- file benchmark
def best_of(jobs, reps):
    """Best time of each job over ``reps`` rounds, the jobs taken in turn in each round."""
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(reps):
        for name, fn in jobs.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def bench_files(n, depth, work, reps, baseline_layers=2):
    net = challenge_shape(n, depth)
    print(f"network: {net!r}", flush=True)
    tsv, mtx = os.path.join(work, "tsv"), os.path.join(work, "mtx")
    F.write_graph_challenge(net, tsv)
    F.write_mtx(net, mtx)
    assert F.read_graph_challenge(tsv) == net and F.read_mtx(mtx) == net
    mb_tsv = sum(map(os.path.getsize, layer_files(tsv, ".tsv"))) / 1e6
    mb_mtx = sum(map(os.path.getsize, layer_files(mtx, ".mtx"))) / 1e6
    # the same text: savetxt's file equals ours, so the comparison is like with like
    savetxt_folder(net.slice(0, 1), os.path.join(work, "check"))
    assert (open(os.path.join(work, "check", f"n{n}-l1.tsv"), "rb").read()
            == open(os.path.join(tsv, f"n{n}-l1.tsv"), "rb").read())

    jobs = {
        "TSV topogen read_graph_challenge": lambda: F.read_graph_challenge(tsv),
        "TSV numpy.loadtxt": lambda: loadtxt_folder(tsv),
        "TSV pyarrow.csv (threads)": lambda: pyarrow_folder(tsv, True),
        "TSV pyarrow.csv (1 thread)": lambda: pyarrow_folder(tsv, False),
        "MTX topogen read_mtx": lambda: F.read_mtx(mtx),
        "MTX scipy.io.mmread": lambda: mmread_folder(mtx),
    }
    if _pyarrow_version() is None:  # an optional baseline: pip install pyarrow
        jobs = {k: v for k, v in jobs.items() if "pyarrow" not in k}
    reads = best_of(jobs, reps)
    small = net.slice(0, min(baseline_layers, depth))
    scale = depth / small.depth

    def fresh(path):
        shutil.rmtree(path, ignore_errors=True)
        return path

    writes = best_of({
        "TSV topogen write_graph_challenge": lambda: F.write_graph_challenge(
            net, fresh(os.path.join(work, "w-tsv"))),
        f"TSV numpy.savetxt [{small.depth} layers x {scale:g}]": lambda: savetxt_folder(
            small, fresh(os.path.join(work, "w-sav"))),
        "MTX topogen write_mtx": lambda: F.write_mtx(net, fresh(os.path.join(work, "w-mtx"))),
        "MTX scipy.io.mmwrite": lambda: mmwrite_folder(net, fresh(os.path.join(work, "w-mm"))),
    }, reps)
    peaks = {
        "TSV topogen read_graph_challenge": traced_peak(
            F.read_graph_challenge, _first_layers(tsv, work, ".tsv", 2)),
        "TSV numpy.loadtxt": traced_peak(loadtxt_folder, _first_layers(tsv, work, ".tsv", 2)),
    }
    rows = []
    for name, t in reads.items():
        mb = mb_tsv if name.startswith("TSV") else mb_mtx
        rows.append(("read", name, mb, t, peaks.get(name)))
    for name, t in writes.items():
        mb = mb_tsv if name.startswith("TSV") else mb_mtx
        if "savetxt" in name:
            t *= scale
        rows.append(("write", name, mb, t, None))
    for r in rows:
        print(r, flush=True)
    return net, rows, mb_tsv / depth


def _first_layers(folder, work, suffix, k):
    """A challenge folder (no topogen.json) holding the first ``k`` layer files of ``folder``."""
    out = os.path.join(work, f"first{k}{suffix}")
    if not os.path.isdir(out):
        os.makedirs(out)
        for p in layer_files(folder, suffix)[:k]:
            shutil.copy(p, out)
    return out


# ---------------------------------------------------------------------------- torch benchmark
def bench_torch(densities, batch, reps, threads):
    import torch

    import topogen
    from topogen.export import apply_to_torch, to_torch_sparse_linear

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = []
    for density in densities:
        radix = int(256 * density)
        net = topogen.radix_net([[radix, 256 // radix]], [16, 16, 16]).slice(0, 1)
        dense = torch.nn.Linear(4096, 4096)
        apply_to_torch(dense, net)
        csr, = to_torch_sparse_linear(net, "csr", seed=0)
        bsr, = to_torch_sparse_linear(net, "bsr", seed=0, permute_io=False)
        x = torch.randn(batch, 4096)

        def run(mod, backward, x=x):
            xi = x.clone().requires_grad_(backward)
            y = mod(xi)
            if backward:
                y.sum().backward()
                mod.zero_grad(set_to_none=True)

        row = {"density": density}
        for name, mod in (("dense", dense), ("csr", csr), ("bsr", bsr)):
            for backward in (False, True):
                run(mod, backward)
                times = []
                for _ in range(reps):
                    t0 = time.perf_counter()
                    run(mod, backward)
                    times.append(time.perf_counter() - t0)
                row[(name, backward)] = statistics.median(times)
        out.append(row)
        print(row, flush=True)
    return out


def torch_markdown(rows, batch, reps, threads):
    lines = [f"Torch, 4096 x 4096 layer, batch {batch}, float32, CPU, {threads} thread(s), "
             f"median of {reps} (ms; ratio = masked dense time / sparse time):", "",
             "| density | dense fwd | CSR fwd | BSR fwd | dense fwd+bwd | CSR fwd+bwd | "
             "BSR fwd+bwd | CSR speed-up fwd / fwd+bwd | BSR speed-up fwd / fwd+bwd |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ms = {k: v * 1e3 for k, v in r.items() if k != "density"}
        lines.append(
            f"| 1/{round(1 / r['density'])} | {ms[('dense', False)]:.1f} | "
            f"{ms[('csr', False)]:.1f} | {ms[('bsr', False)]:.1f} | {ms[('dense', True)]:.1f} | "
            f"{ms[('csr', True)]:.1f} | {ms[('bsr', True)]:.1f} | "
            f"{ms[('dense', False)] / ms[('csr', False)]:.2f} / "
            f"{ms[('dense', True)] / ms[('csr', True)]:.2f} | "
            f"{ms[('dense', False)] / ms[('bsr', False)]:.2f} / "
            f"{ms[('dense', True)] / ms[('bsr', True)]:.2f} |")
    return lines


# ---------------------------------------------------------------------------- report
def markdown(net, rows, layer_mb, args, elapsed):
    lines = [f"Network: {net.widths[0]} neurons x {net.depth} layers x {DEGREE} connections "
             f"({net.nnz:,} edges); one TSV layer file is {layer_mb:.1f} MB.", "",
             "| operation | implementation | file MB | seconds | MB/s | peak MB (2 layers) |",
             "|---|---|---|---|---|---|"]
    for op, name, mb, t, peak in rows:
        lines.append(f"| {op} | {name} | {mb:,.0f} | {t:.2f} | {mb / t:,.0f} | "
                     f"{'' if peak is None else f'{peak / 1e6:,.0f}'} |")
    t = {name: sec for _, name, _, sec, _ in rows}
    sav = next(k for k in t if "savetxt" in k)

    def ratio(base, ours):
        return t[base] / t[ours]

    ours_tsv = "TSV topogen read_graph_challenge"
    if "TSV pyarrow.csv (threads)" in t:
        r_mt = ratio("TSV pyarrow.csv (threads)", ours_tsv)
        r_1 = ratio("TSV pyarrow.csv (1 thread)", ours_tsv)
        arrow = (f"vs `pyarrow.csv` (threads): **{r_mt:.2f}x**; vs `pyarrow.csv` (1 thread): "
                 f"**{r_1:.2f}x**; ")
    else:
        arrow = "(pyarrow not installed); "
    r_loadtxt = ratio("TSV numpy.loadtxt", ours_tsv)
    r_mmread = ratio("MTX scipy.io.mmread", "MTX topogen read_mtx")
    r_savetxt = ratio(sav, "TSV topogen write_graph_challenge")
    r_mmwrite = ratio("MTX scipy.io.mmwrite", "MTX topogen write_mtx")
    lines += [
        "", "Ratios (baseline time / topogen time, same run; > 1 means topogen is faster):", "",
        f"- TSV read {arrow}vs `numpy.loadtxt`: **{r_loadtxt:.2f}x**",
        f"- `read_mtx` vs `scipy.io.mmread`: **{r_mmread:.2f}x**",
        f"- TSV write vs `numpy.savetxt`: **{r_savetxt:.1f}x**; `write_mtx` vs "
        f"`scipy.io.mmwrite`: **{r_mmwrite:.2f}x**",
        "", f"Best of {args.reps} rounds; Python {platform.python_version()}, NumPy "
        f"{np.__version__}, SciPy {scipy.__version__}, pyarrow {_pyarrow_version()}, "
        f"{os.cpu_count()} CPU(s); the whole run took {elapsed:.0f} s."]
    return lines


def bench_big_mtx(edges, work, reps):
    """``read_mtx`` against ``scipy.io.mmread`` on one square pattern layer of ``edges``
    uniformly random edges (a single large file: the fixed costs of the checks show)."""
    import numpy as np

    from topogen.generators.baselines import erdos_renyi

    n = 1 << max(10, (int(edges) * 27).bit_length() // 2)  # density about 1/27
    net = erdos_renyi([n, n], edges / (n * n), seed=0)
    folder = os.path.join(work, "big")
    F.write_mtx(net, folder)
    path = layer_files(folder, ".mtx")[0]
    jobs = {"read_mtx": lambda: F.read_mtx(path),
            "mmread": lambda: scipy.io.mmread(path, spmatrix=False)}
    times = {k: [] for k in jobs}
    for _ in range(reps):
        for name, fn in jobs.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    mb = size_of(folder) / 1e6
    best = {k: min(v) for k, v in times.items()}
    median = {k: float(np.median(v)) for k, v in times.items()}
    return [f"One Matrix Market file of {net.nnz:,} edges ({n} x {n}, {mb:.0f} MB), "
            f"{reps} rounds: `read_mtx` {mb / best['read_mtx']:.0f} MB/s, `mmread` "
            f"{mb / best['mmread']:.0f} MB/s; `read_mtx` vs `mmread` **"
            f"{best['mmread'] / best['read_mtx']:.2f}x** best, "
            f"{median['mmread'] / median['read_mtx']:.2f}x by median."]


def _pyarrow_version():
    try:
        import pyarrow
    except ImportError:
        return None
    return pyarrow.__version__


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=16384)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--reps", type=int, default=3, help="best of this many rounds")
    parser.add_argument("--markdown", default=None, help="also write the tables to FILE")
    parser.add_argument("--torch", action="store_true", help="also time sparse torch layers")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--torch-reps", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--big-mtx", type=int, default=0, metavar="EDGES",
                        help="also time read_mtx against mmread on one file of EDGES edges")
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="topogen-bench-")
    try:
        t0 = time.perf_counter()
        net, rows, layer_mb = bench_files(args.neurons, args.layers, work, args.reps)
        lines = markdown(net, rows, layer_mb, args, time.perf_counter() - t0)
        if args.big_mtx:
            lines += ["", *bench_big_mtx(args.big_mtx, work, max(args.reps, 9))]
        if args.torch:
            torch_rows = bench_torch([1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64], args.batch,
                                     args.torch_reps, args.threads)
            lines += ["", *torch_markdown(torch_rows, args.batch, args.torch_reps,
                                          args.threads)]
        text = "\n".join(lines)
        print(text)
        if args.markdown:
            with open(args.markdown, "w") as f:
                f.write(text + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
