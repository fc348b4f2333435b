"""Reference runs on MNIST behind docs/verify/alford2018.md (benchmarks, not tests).

Parts (each writes docs/verify/<name>.json with every run, and a table on stdout):

* ``main``: ``topogen verify --preset alford2018``: dense LeNet-300-100, the 90%-sparse
  RadiX-Net ``[[10, 10]], [8, 3, 1]`` joined to 784 inputs and 10 outputs, and uniform random
  nets with its per-layer edge counts.
* ``control``: the one controlled run for the question "why do our sparse nets score higher
  than the paper's?": the same preset with the initialisation bound taken from the layer's
  dense fan-in (``init="dense_fan_in"``) instead of each neuron's real fan-in, sparse nets
  only (a dense net's init is the same under both rules).
* ``strange``: Kwak et al.'s "strange models": RadiX-Nets ending at the 10 outputs
  (``N' = 10``, final Kronecker width 1) with final radix 2 (strange) against final radix 5
  and 10 (not strange) at nearly the same density, and random nets with the strange net's
  per-layer edge counts.
* ``threads``: seconds per training step of the preset's dense net at 1 and 2 torch threads.

    python benchmarks/run_verify_alford2018.py --data ../shared/data/mnist.npz main
    python benchmarks/run_verify_alford2018.py --data ../shared/data/mnist.npz --smoke all
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

OUT = os.path.join(os.path.dirname(__file__), "..", "docs", "verify")


def _save(name, payload, args):
    if args.smoke:
        return
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(payload, f, indent=1)


def _payload(args, result, started):
    import torch

    return {
        "command": "python benchmarks/run_verify_alford2018.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip()
        + f", torch {torch.__version__}, shared 2-core development machine",
        "seconds": round(time.time() - started, 1),
        "result": result.as_dict(),
    }


def _common(args):
    out = {"seeds": args.seeds, "epochs": args.epochs, "threads": 1}
    if args.smoke:
        out.update(seeds=1, epochs=1)
    return out


def main_part(args):
    from topogen.verify.presets import run_preset

    t0 = time.time()
    res = run_preset("alford2018", data_path=args.data, **_common(args))
    print(res.report(), flush=True)
    if not args.smoke:
        res.plot(os.path.join(OUT, "alford2018.png"))
    _save("alford2018", _payload(args, res, t0), args)


def control_part(args):
    from topogen.verify.presets import run_preset

    t0 = time.time()
    res = run_preset("alford2018", data_path=args.data, families=["random"],
                     init="dense_fan_in", **{**_common(args), "seeds": 1 if args.smoke
                                             else args.control_seeds})
    print(res.report(), flush=True)
    _save("alford2018_dense_fan_in", _payload(args, res, t0), args)


#: (name, radix lists): N' = 10, Kronecker widths [79, 30, 10, 1] -> 790-300-100-10
STRANGE = [
    ("[[2,5],[2]] strange", [[2, 5], [2]]),
    ("[[2,5],[5]]", [[2, 5], [5]]),
    ("[[2,5],[10]]", [[2, 5], [10]]),
]


def strange_part(args):
    import warnings

    from topogen.verify import load_dataset, verify
    from topogen.verify.plan import radix_with_ends

    data = load_dataset("mnist", path=args.data)
    nets = {name: radix_with_ends(lists, [79, 30, 10, 1], 784, 10, output="radix")
            for name, lists in STRANGE}
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = verify(nets, dataset=data, families=["random"], batch_size=100,
                     optimizer="sgd", lr=0.05, momentum=0.9, schedule="cosine",
                     val_fraction=0.1, layers="auto", progress=None,
                     **{**_common(args), "epochs": 1 if args.smoke else args.strange_epochs,
                        "seeds": 1 if args.smoke else args.strange_seeds})
    print(res.report(), flush=True)
    for name in res.families():
        runs = [r for r in res.runs if r.family == name]
        drops = [sum(b < a - 0.01 for a, b in zip(r.accuracy_curve, r.accuracy_curve[1:]))
                 for r in runs]
        print(f"{name}: test acc per seed {[round(100 * r.test_accuracy, 2) for r in runs]}, "
              f"epoch-to-epoch test-accuracy drops > 1 point per run {drops}")
    _save("strange", _payload(args, res, t0), args)


def threads_part(args):
    import numpy as np
    import torch

    from topogen.verify import build_mlp, load_dataset

    data = load_dataset("mnist", path=args.data)
    x = torch.from_numpy(np.array(data.x_train[:100 * args.steps]))
    y = torch.from_numpy(np.array(data.y_train[:100 * args.steps]))
    out = {"load_before": os.getloadavg(), "cores": len(os.sched_getaffinity(0))}
    for rep in range(2):
        for n in (1, 2):
            torch.set_num_threads(n)
            model = build_mlp([784, 300, 100, 10], [None] * 3, seed=0)
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
            t = time.perf_counter()
            for k in range(args.steps):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(x[k * 100:(k + 1) * 100]),
                                                         y[k * 100:(k + 1) * 100])
                loss.backward()
                opt.step()
            ms = 1000 * (time.perf_counter() - t) / args.steps
            out[f"ms_per_step_{n}_threads_rep{rep}"] = round(ms, 3)
            print(f"{n} thread(s), repetition {rep}: {ms:.2f} ms per step (batch 100)")
    out["load_after"] = os.getloadavg()
    print(out)
    _save("threads", {"command": "python benchmarks/run_verify_alford2018.py "
                      + " ".join(sys.argv[1:]), **out}, args)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("part", choices=("main", "control", "strange", "threads", "all"))
    p.add_argument("--data", default="../shared/data/mnist.npz")
    p.add_argument("--seeds", type=int, default=8)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--control-seeds", type=int, default=5)
    p.add_argument("--strange-seeds", type=int, default=5)
    p.add_argument("--strange-epochs", type=int, default=10)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--smoke", action="store_true", help="1 seed, 1 epoch, nothing written")
    args = p.parse_args(argv)
    parts = {"main": main_part, "control": control_part, "strange": strange_part,
             "threads": threads_part}
    for name in parts if args.part == "all" else [args.part]:
        print(f"== {name}", flush=True)
        parts[name](args)


if __name__ == "__main__":
    main()
