"""Training-step time of the verifier's MLP with masked, CSR, BSR and auto-chosen sparse layers.

One step is forward, cross-entropy, backward and an SGD update of the whole model
(``topogen.verify.build_mlp(..., layers=kind)``), the unit the verifier repeats.  Shapes:
the ``alford2018`` preset (784-300-100-10, RadiX-Net layers at density 1/10), a 1024-wide
RadiX-Net hidden layer at density 1/16 between dense ends, and the ``--quick`` shape
(64-256-256-256-10, hidden layers at 1/16 and 1/8).  Times are medians of interleaved
repetitions, with the ratio to the masked layer timed alongside (the machine may be shared;
ratios are steadier than milliseconds).

    python benchmarks/bench_verify_layers.py --reps 5
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings


def _shapes():
    import topogen
    from topogen.verify.plan import radix_with_ends

    return [
        ("alford2018 784-300-100-10, density 1/10", radix_with_ends(
            [[10, 10]], [8, 3, 1], 784, 10), 0, 100),
        ("784-[1024-1024]-10, hidden density 1/16", topogen.Topology(
            [topogen.radix_net([[16, 4]], [16, 16, 16]).layers[1]]), 1, 128),
        ("64-[256-256-256]-10 (--quick)", topogen.radix_net([[8, 16]], [2, 2, 2]), 1, 64),
    ]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    import torch

    from topogen.export import to_torch_masks
    from topogen.verify import build_mlp

    warnings.filterwarnings("ignore", category=UserWarning)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.steps} steps per "
          f"timing, median of {args.reps}")
    print("| shape | batch | masked ms/step | CSR ratio | BSR ratio | auto ratio (kinds) |")
    print("|---|---|---|---|---|---|")
    for name, topology, start, batch in _shapes():
        widths = list(topology.widths) if start == 0 else [
            784 if "784" in name else 64, *topology.widths, 10]
        masks = [None] * (len(widths) - 1)
        for k, m in enumerate(to_torch_masks(topology)):
            masks[start + k] = None if bool(m.all()) else m
        x = torch.randn(batch, widths[0])
        y = torch.randint(0, 10, (batch,))
        kinds = ("masked", "csr", "bsr", "auto")
        models = {k: build_mlp(widths, masks, layers=k) for k in kinds}
        opts = {k: torch.optim.SGD(m.parameters(), lr=0.01) for k, m in models.items()}

        def step(k, models=models, opts=opts, x=x, y=y):
            for _ in range(args.steps):
                opts[k].zero_grad()
                torch.nn.functional.cross_entropy(models[k](x), y).backward()
                opts[k].step()

        times = {k: [] for k in kinds}
        for k in kinds:
            step(k)  # warm-up
        for _ in range(args.reps):
            for k in kinds:
                t0 = time.perf_counter()
                step(k)
                times[k].append((time.perf_counter() - t0) / args.steps * 1e3)
        med = {k: statistics.median(v) for k, v in times.items()}
        auto = [m.kind for m in models["auto"] if hasattr(m, "kind")]
        print(f"| {name} | {batch} | {med['masked']:.2f} | {med['csr'] / med['masked']:.2f} | "
              f"{med['bsr'] / med['masked']:.2f} | {med['auto'] / med['masked']:.2f} "
              f"({', '.join(auto)}) |", flush=True)


if __name__ == "__main__":
    main()
