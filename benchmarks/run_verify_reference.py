"""The matched comparison behind docs/verify.md: dense vs RadiX-Net, X-Net, Ramanujan, random.

For each dataset (digits, MNIST-1D, and MNIST when --mnist-path names its files) the MLP is
``n_features -> 240 -> 240 -> 240 -> 240 -> 10``: the three hidden-to-hidden layers are the
sparse topology, the input and output layers are dense for every family (also dense).  At each
target density the RadiX-Net is fitted first (``topogen.fit_radix_net``) and the X-Net and
uniform-random layers get its per-layer densities; the Ramanujan family (LPS / Paley graph
widened by a Kronecker product) has the density of the graph it picks, so each distinct graph
is run once, at the first target density that picks it.

Writes docs/verify/<dataset>.json (every run), docs/verify/<dataset>.png (accuracy against
density, loss curves) and docs/verify/tables.md.

    python benchmarks/run_verify_reference.py            # about 10 minutes on 1 CPU thread
    python benchmarks/run_verify_reference.py --smoke    # seconds, for checking the script
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

HIDDEN = (240, 240, 240, 240)
DENSITIES = (0.25, 0.1, 0.04)
EPOCHS = {"digits": 30, "mnist1d": 40, "mnist": 10, "fashion-mnist": 10}


def run_dataset(name, args):
    from topogen.verify import load_dataset, plot_results, verify

    path = args.mnist_path if name in ("mnist", "fashion-mnist") else None
    data = load_dataset(name, path=path)
    common = dict(dataset=data, hidden=HIDDEN, seeds=args.seeds,
                  epochs=args.epochs or EPOCHS[name], device=args.device, progress=None,
                  threads=args.threads)
    from topogen.generators.ramanujan import ramanujan_net

    results = []
    graphs = set()
    for k, density in enumerate(args.densities):
        fams = (["dense"] if k == 0 else []) + ["radix-net", "x-net", "erdos-renyi"]
        # the Ramanujan graph is chosen by density; run each distinct graph once
        graph = ramanujan_net(HIDDEN, density).meta["params"]["graph"]
        if graph not in graphs:
            graphs.add(graph)
            fams.insert(len(fams) - 1, "ramanujan")
        t0 = time.perf_counter()
        res = verify(families=fams, density=density, **common)
        print(f"\n== {name}, target density {density} ({time.perf_counter() - t0:.0f} s)")
        for note in res.notes:
            print("note:", note)
        print(res.table(), flush=True)
        results.append(res)
    os.makedirs(args.out, exist_ok=True)
    plot_results(results, os.path.join(args.out, f"{name}.png"),
                 title=_title(name, results, args.seeds))
    payload = {
        "command": "python benchmarks/run_verify_reference.py " + " ".join(args.argv),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "torch_threads": args.threads,
        "densities": list(args.densities),
        "results": [r.as_dict() for r in results],
    }
    with open(os.path.join(args.out, f"{name}.json"), "w") as f:
        json.dump(payload, f, indent=1)
    return results


def _title(name, results, seeds):
    w = results[0].settings["widths"]
    return (f"{name}: {'-'.join(map(str, w))} MLP, sparse hidden-to-hidden layers, "
            f"{seeds} seeds")


def replot(name, args):
    """Rebuild the results of an earlier run from its JSON and redraw its figure."""
    from topogen.verify import VerifyResult, plot_results

    with open(os.path.join(args.out, f"{name}.json")) as f:
        payload = json.load(f)
    results = [VerifyResult.from_dict(d) for d in payload["results"]]
    seeds = len(results[0].settings["seeds"])
    plot_results(results, os.path.join(args.out, f"{name}.png"),
                 title=_title(name, results, seeds))
    return results


def markdown(name, results) -> str:
    from topogen.verify import VerifyResult

    runs = tuple(r for res in results for r in res.runs)
    lines = [f"### {name}", ""]
    for res in results:
        lines.append(f"- target density {res.settings['density']}: " + "; ".join(res.notes))
    lines.append("")
    # one row per (family, density): relabel families by their target density
    rows = []
    for res in results:
        tag = res.settings["density"]
        for r in res.runs:
            fam = r.family if r.family == "dense" else f"{r.family} @ {tag}"
            rows.append(r.__class__(**{**r.__dict__, "family": fam}))
    merged = VerifyResult(tuple(rows), results[0].settings, ())
    lines.append(merged.table())
    del runs
    return "\n".join(lines) + "\n"


#: Radix systems of the same widths (240-240-240-240) and about the same density (~0.09-0.10),
#: from balanced to lopsided layer densities (Kwak et al. 2023: radix choice matters).
RADIX_CHOICES = {
    "[[10,12],[12]] balanced": [[10, 12], [12]],
    "[[5,24],[8]]": [[5, 24], [8]],
    "[[2,60,2]]": [[2, 60, 2]],
    "[[60,2,2]]": [[60, 2, 2]],
    "[[2,2,60]]": [[2, 2, 60]],
}


def radix_choice(args):
    """Train several RadiX-Nets of equal widths and similar density on MNIST-1D."""
    import math

    import topogen
    from topogen.verify import verify

    nets = {}
    for name, lists in RADIX_CHOICES.items():
        n_prime = math.prod(lists[0])
        nets[name] = topogen.radix_net(lists, [240 // n_prime] * 4)
    t0 = time.perf_counter()
    res = verify(nets, dataset="mnist1d", families=[], seeds=args.seeds,
                 epochs=args.epochs or EPOCHS["mnist1d"], device=args.device, ends="dense",
                 threads=args.threads)
    print(res.table())
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "radix_choice.json"), "w") as f:
        json.dump({"command": "python benchmarks/run_verify_reference.py " + " ".join(args.argv),
                   "radix_lists": RADIX_CHOICES, "result": res.as_dict()}, f, indent=1)
    lines = ["<!-- written by benchmarks/run_verify_reference.py --radix-choice -->", "",
             "| radix lists | layer densities |", "|---|---|"]
    for name, net in nets.items():
        lines.append(f"| {name} | " + ", ".join(f"{d:.4f}" for d in net.layer_density) + " |")
    lines += ["", res.table(), "", f"Wall time {time.perf_counter() - t0:.0f} s."]
    with open(os.path.join(args.out, "radix_choice.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    import sys

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default="digits,mnist1d")
    p.add_argument("--mnist-path", default=None, help="folder of MNIST IDX files (adds mnist)")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--densities", default=",".join(map(str, DENSITIES)))
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="docs/verify")
    p.add_argument("--smoke", action="store_true", help="tiny run to check the script")
    p.add_argument("--radix-choice", action="store_true",
                   help="only the radix-choice experiment (MNIST-1D, five radix systems)")
    p.add_argument("--replot", action="store_true",
                   help="redraw the figures and tables from the JSON files in --out, no training")
    args = p.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    args.densities = [float(x) for x in args.densities.split(",")]
    import torch

    torch.set_num_threads(args.threads)
    if args.smoke:  # a check of the script: never overwrite the reference data
        import tempfile

        args.seeds, args.epochs, args.densities = 1, 1, args.densities[:1]
        args.out = tempfile.mkdtemp(prefix="verify-smoke-")
    if args.radix_choice:
        radix_choice(args)
        return
    names = [n for n in args.datasets.split(",") if n]
    if args.mnist_path and "mnist" not in names:
        names.append("mnist")
    start = time.perf_counter()
    text = ["<!-- written by benchmarks/run_verify_reference.py -->", ""]
    for name in names:
        results = replot(name, args) if args.replot else run_dataset(name, args)
        text.append(markdown(name, results))
    if args.replot:  # figures only: tables.md keeps the tables and time of the real run
        print("\n".join(text))
        return
    text.append(f"Total wall time {time.perf_counter() - start:.0f} s.")
    with open(os.path.join(args.out, "tables.md"), "w") as f:
        f.write("\n".join(text) + "\n")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
