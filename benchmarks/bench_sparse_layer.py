"""Forward + backward wall time: masked dense vs real sparse CSR and BSR layers, density 1/4..1/64.

Each layer is the first layer of a RadiX-Net ``n -> n`` with Kronecker width ``--block``
(``N' = n / block``, radix ``N' * density``, so every neuron has the same fan-in and the
layer is made of dense ``block x block`` blocks once relabelled), batch ``B``.  Timings are
medians over ``--reps`` interleaved repetitions after a warm-up, reported with the ratio to a
plain dense ``nn.Linear`` timed alongside (the machine may be shared; ratios are steadier
than seconds).

    python benchmarks/bench_sparse_layer.py                 # n=1024, batch 256, CPU
    python benchmarks/bench_sparse_layer.py --device cuda --n 4096 --batch 1024
"""

from __future__ import annotations

import argparse
import statistics
import time


def _time(fns, reps, sync):
    """Median time of each of ``fns``, measured interleaved (round robin) to share the noise."""
    for fn in fns:
        for _ in range(3):
            fn()
    sync()
    times = [[] for _ in fns]
    for _ in range(reps):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            sync()
            times[k].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def main(argv=None):
    import torch

    import topogen
    from topogen.verify import BlockSparseLinear, MaskedLinear, SparseLinear, select_device

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1024)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--block", type=int, default=8, help="Kronecker width = BSR block size")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    dev = select_device(args.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
    x = torch.randn(args.batch, args.n, device=dev, requires_grad=True)

    def step(layer):
        def run():
            x.grad = None
            layer.zero_grad(set_to_none=True)
            layer(x).sum().backward()
        return run

    dense = torch.nn.Linear(args.n, args.n).to(dev)
    print(f"device {dev}, n={args.n}, batch={args.batch}, block={args.block}, "
          f"threads={args.threads}, median of {args.reps}; ratio = time / dense nn.Linear "
          "timed alongside")
    print("| density | dense ms | masked ms | masked ratio | CSR ms | CSR ratio | BSR ms "
          "| BSR ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for k in (4, 8, 16, 32, 64):
        n_prime = args.n // args.block
        radix = n_prime // k
        net = topogen.radix_net([[radix, k]], [args.block] * 3)
        mask = topogen.export.to_torch_masks(net)[0]
        masked = MaskedLinear(args.n, args.n, mask).to(dev)
        csr = SparseLinear(net, 0, device=dev)
        bsr = BlockSparseLinear(net, 0, device=dev)
        fns = [step(dense), step(masked), step(csr), step(bsr)]
        base, tm, tc, tb = _time(fns, args.reps, sync)
        print(f"| 1/{k} | {1e3 * base:.2f} | {1e3 * tm:.2f} | {tm / base:.2f} | {1e3 * tc:.2f} "
              f"| {tc / base:.2f} | {1e3 * tb:.2f} | {tb / base:.2f} |", flush=True)


if __name__ == "__main__":
    main()
