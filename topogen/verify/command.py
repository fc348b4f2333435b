"""The ``topogen verify`` sub-command: :func:`register` adds it to the ``topogen`` parser.

Importing this module does not import torch; the handler does, when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from .._checks import TopogenError
from .._io import write_text_atomic

__all__ = ["register", "run"]

_EXAMPLES = [
    "topogen verify --quick",
    "topogen verify --dataset mnist1d --families dense,radix,x_net,random --density 0.1 "
    "--seeds 3 --epochs 30 --out results/",
    "topogen verify --dataset mnist --data-path ~/data/mnist --hidden 1024,1024,1024",
]

#: Settings of ``--quick``: digits, dense vs RadiX-Net vs random, 3 seeds, 15 epochs
#: (10-30 s on one CPU core).
QUICK = {"dataset": "digits", "families": "dense,radix,random", "density": 0.1,
         "hidden": "256,256,256", "seeds": 3, "epochs": 15}


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``verify`` sub-parser to ``subparsers`` and set its handler.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="topogen")
    >>> p = register(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["verify", "--quick"])
    >>> args.quick, args.handler is run
    (True, True)
    """
    from .data import DATASETS

    p = subparsers.add_parser(
        "verify",
        help="train topologies with fixed masks and compare them to dense",
        description="Train sparse topologies (RadiX-Net, X-Net, Ramanujan, random, ...) at a "
        "matched density beside a dense MLP of the same widths, over several seeds, and print "
        "test accuracy (mean ± std), parameters, density and time.  Needs the train extra: "
        "pip install 'topogen[train]'.",
        epilog="examples:\n" + "\n".join(f"  {e}" for e in _EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true",
                   help="small comparison on the CPU in under a minute: digits, 256-wide "
                   "hidden layers at density 0.1, dense/radix/random, 3 seeds, 15 epochs "
                   "(other options override it)")
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="digits (bundled with scikit-learn), mnist1d (procedural), or mnist / "
                   "fashion-mnist from --data-path (default digits)")
    p.add_argument("--data-path", default=None, metavar="PATH",
                   help="folder of IDX files or an .npz, for mnist and fashion-mnist")
    p.add_argument("--families", default=None, metavar="A,B,...",
                   help="comma-separated families (default dense,radix,random); see "
                   "topogen.verify.FAMILIES")
    p.add_argument("--topology", action="append", default=None, metavar="FILE",
                   help="a saved topology to compare as well (repeatable)")
    p.add_argument("--density", type=float, default=None,
                   help="target density of the sparse layers (default 0.1)")
    p.add_argument("--hidden", type=_ints, default=None, metavar="W,W,...",
                   help="hidden widths the families fill (default 256,256,256)")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (default 3)")
    p.add_argument("--epochs", type=int, default=None, help="epochs per run (default 20)")
    p.add_argument("--batch-size", type=int, default=64, help="minibatch size (default 64)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--device", default="auto",
                   help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="write results.json, table.md and accuracy.png to this folder")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="no progress bar (the table still prints)")
    p.set_defaults(handler=run)
    return p


def _pick(args, name, default):
    value = getattr(args, name, None)
    if value is not None:
        return value
    if args.quick and name in QUICK:
        return QUICK[name]
    return default


def run(args) -> int:
    """The handler of ``topogen verify``: train, print the table, write files to ``--out``."""
    from .train import verify

    quiet = bool(getattr(args, "quiet", False))
    families = [f for f in _pick(args, "families", "dense,radix,random").split(",") if f]
    hidden = _pick(args, "hidden", "256,256,256")
    if isinstance(hidden, str):
        hidden = _ints(hidden)
    topologies = None
    if args.topology:
        import topogen

        topologies = {}
        for path in args.topology:
            if not os.path.exists(path):
                raise TopogenError(f"--topology {path!r} does not exist")
            topologies[os.path.basename(path)] = topogen.load(path)
    result = verify(
        topologies,
        dataset=_pick(args, "dataset", "digits"),
        data_path=args.data_path,
        hidden=hidden,
        families=families,
        density=_pick(args, "density", 0.1),
        seeds=_pick(args, "seeds", 3),
        epochs=_pick(args, "epochs", 20),
        batch_size=args.batch_size,
        lr=args.lr,
        device=args.device,
        progress=False if quiet else None,
    )
    s = result.settings
    print(f"dataset {s['dataset']}, widths {s['widths']}, {len(s['seeds'])} seeds, "
          f"{s['epochs']} epochs, device {s['device']}")
    for note in result.notes:
        print(f"note: {note}")
    print(result.table())
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        result.to_json(os.path.join(args.out, "results.json"))
        write_text_atomic(os.path.join(args.out, "table.md"), result.table() + "\n")
        result.plot(os.path.join(args.out, "accuracy.png"))
        if not quiet:
            print(f"wrote results.json, table.md and accuracy.png to {args.out}", file=sys.stderr)
    return 0
