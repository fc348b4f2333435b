"""The ``topogen verify`` sub-command: :func:`register` adds it to the ``topogen`` parser.

Importing this module does not import torch; the handler does, when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys

from .._checks import TopogenError
from .._io import write_text_atomic
from ..families import family_names

__all__ = ["register", "run"]

_EXAMPLES = [
    "topogen verify --quick",
    "topogen verify --dataset mnist1d --families dense,radix-net,x-net,erdos-renyi --density 0.1 "
    "--seeds 3 --epochs 30 --out results/",
    "topogen verify --dataset mnist --data-path ~/data/mnist --hidden 300,100 --ends sparse "
    "--optimizer sgd --lr 0.05 --schedule cosine --val-fraction 0.1",
    "topogen verify --preset alford2018 --data-path ../shared/data/mnist.npz --out alford/",
    "topogen verify --from alford/results.json",
]

#: Settings of ``--quick``: digits, dense vs RadiX-Net vs random, 3 seeds, 15 epochs
#: (10-30 s on one CPU core).
QUICK = {"dataset": "digits", "families": "dense,radix-net,erdos-renyi", "density": 0.1,
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

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers()`` returned (``topogen``'s command list).

    Returns
    -------
    argparse.ArgumentParser
        The ``verify`` parser; its ``handler`` default is :func:`run`.

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
    from .presets import PRESETS

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
                   "hidden layers at density 0.1, dense/radix-net/erdos-renyi, 3 seeds, 15 epochs "
                   "(other options override it)")
    p.add_argument("--dataset", choices=DATASETS, default=None,
                   help="digits (bundled with scikit-learn), mnist1d (procedural), or mnist / "
                   "fashion-mnist from --data-path (default digits)")
    p.add_argument("--data-path", default=None, metavar="PATH",
                   help="folder of IDX files or an .npz, for mnist and fashion-mnist")
    p.add_argument("--families", default=None, metavar="A,B,...",
                   help="comma-separated families built at a matched density: "
                   + ", ".join(family_names(matched=True))
                   + " (default dense,radix-net,erdos-renyi; older names radix, x_net and "
                   "random still work); see topogen.families.FAMILIES")
    p.add_argument("--topology", action="append", default=None, metavar="FILE",
                   help="a saved topology to compare as well (repeatable)")
    p.add_argument("--density", type=float, default=None,
                   help="target density of the sparse topology (default 0.1); a miss by "
                   "more than --density-tolerance is refused")
    p.add_argument("--density-tolerance", type=float, default=0.25, metavar="F",
                   help="largest relative density miss trained without "
                   "--allow-density-miss (default 0.25)")
    p.add_argument("--allow-density-miss", action="store_true",
                   help="train even when the matched density misses --density by more")
    p.add_argument("--hidden", type=_ints, default=None, metavar="W,W,...",
                   help="hidden widths the families fill (default 256,256,256; e.g. 300,100 "
                   "for LeNet-300-100 with --ends sparse)")
    p.add_argument("--ends", choices=("auto", "dense", "sparse"), default="auto",
                   help="dense: the topology fills the hidden core between dense input and "
                   "output layers; sparse: the whole network is sparse; auto (default): "
                   "sparse for a --topology whose widths span the data, else dense")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (default 3)")
    p.add_argument("--epochs", type=int, default=None, help="epochs per run (default 20)")
    p.add_argument("--batch-size", type=int, default=None, help="minibatch size (default 64)")
    p.add_argument("--optimizer", choices=("adam", "adamw", "sgd"), default=None,
                   help="default adam")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 1e-3)")
    p.add_argument("--momentum", type=float, default=None, help="SGD momentum (default 0.9)")
    p.add_argument("--weight-decay", type=float, default=None,
                   help="L2 weight decay (decoupled for adamw; default 0)")
    p.add_argument("--schedule", choices=("constant", "cosine", "step"), default=None,
                   help="learning-rate schedule, stepped per epoch (default constant)")
    p.add_argument("--lr-step", type=int, default=None, metavar="EPOCHS",
                   help="step schedule: epochs between decays (default a third of --epochs)")
    p.add_argument("--lr-gamma", type=float, default=None,
                   help="step schedule: decay factor (default 0.1)")
    p.add_argument("--val-fraction", type=float, default=None, metavar="F",
                   help="hold out this share of the training set and report the test "
                   "accuracy of the epoch with the best validation accuracy (default 0: "
                   "the last epoch)")
    p.add_argument("--patience", type=int, default=None, metavar="EPOCHS",
                   help="stop a run after this many epochs without a better validation "
                   "accuracy (needs --val-fraction)")
    p.add_argument("--normalize", choices=("standard", "scale", "none"), default=None,
                   help="inputs as standard scores per feature (default), scaled to [0, 1] "
                   "by the training maximum, or raw")
    p.add_argument("--layers", choices=("masked", "csr", "bsr", "auto"), default=None,
                   help="storage of the sparse layers: masked dense (default), torch CSR or "
                   "BSR, or auto (CSR where measured faster); same results, other speed")
    p.add_argument("--init", choices=("real_fan_in", "dense_fan_in"), default=None,
                   help="initial weight bound from each neuron's real fan-in (default) or "
                   "from the layer's dense fan-in (a control)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: the cores free for this process)")
    p.add_argument("--device", default=None,
                   help="auto (CUDA, then MPS, then CPU; default), cpu, cuda, cuda:N or mps")
    p.add_argument("--preset", choices=sorted(PRESETS), default=None,
                   help="a published experiment: alford2018 (MNIST, LeNet-300-100 vs the "
                   "90%%-sparse RadiX-Net vs random; needs --data-path); other options "
                   "override its settings")
    p.add_argument("--from", dest="from_file", default=None, metavar="RESULTS.JSON",
                   help="repeat the run recorded in a results.json (--device, --threads, "
                   "--data-path and --out may be given anew)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="write results.json, table.md and accuracy.png to this folder")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="no progress (the table still prints)")
    p.set_defaults(handler=run)
    return p


#: CLI option -> verify() keyword, for options that map one to one.
_OPTIONS = {
    "dataset": "dataset", "density": "density", "hidden": "hidden", "seeds": "seeds",
    "epochs": "epochs", "batch_size": "batch_size", "optimizer": "optimizer", "lr": "lr",
    "momentum": "momentum", "weight_decay": "weight_decay", "schedule": "schedule",
    "lr_step": "lr_step", "lr_gamma": "lr_gamma", "val_fraction": "val_fraction",
    "patience": "patience", "normalize": "normalize", "layers": "layers",
    "threads": "threads", "device": "device", "init": "init",
}


def _given(args) -> dict:
    """verify() keywords for the options given on the command line (``--quick`` fills in)."""
    out = {}
    for opt, kw in _OPTIONS.items():
        value = getattr(args, opt, None)
        if value is None and args.quick and opt in QUICK:
            value = QUICK[opt]
        if value is not None:
            out[kw] = value
    families = args.families or (QUICK["families"] if args.quick else None)
    if families:
        out["families"] = [f for f in families.split(",") if f]
    if isinstance(out.get("hidden"), str):
        out["hidden"] = _ints(out["hidden"])
    if args.ends != "auto":
        out["ends"] = args.ends
    if args.allow_density_miss:
        out["allow_density_miss"] = True
    if args.density_tolerance != 0.25:
        out["density_tolerance"] = args.density_tolerance
    return out


def run(args) -> int:
    """The handler of ``topogen verify``: train, print the table, write files to ``--out``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by the parser of :func:`register` (``quiet`` from the common options).

    Returns
    -------
    int
        The exit status: 0 after a completed run.

    Raises
    ------
    TopogenError
        For a missing topology file or bad options (the CLI prints it as one line).
    """
    from .presets import verify_from
    from .train import verify

    quiet = bool(getattr(args, "quiet", False))
    progress = False if quiet else None
    kwargs = _given(args)
    files = None
    if args.topology:
        import topogen

        files = [os.path.abspath(p) for p in args.topology]
        topologies = {}
        for path in args.topology:
            if not os.path.exists(path):
                raise TopogenError(f"--topology {path!r} does not exist")
            topologies[os.path.basename(path)] = topogen.load(path)
    else:
        topologies = None
    if args.from_file:
        again = {k: v for k, v in kwargs.items() if k in ("device", "threads")}
        if args.data_path:
            again["data_path"] = args.data_path
        result = verify_from(args.from_file, topologies=topologies, progress=progress, **again)
    elif args.preset:
        from .presets import run_preset

        result = run_preset(args.preset, data_path=args.data_path, progress=progress, **kwargs)
    else:
        result = verify(topologies, data_path=args.data_path, progress=progress, **kwargs)
    if files:
        result.settings["call"]["topology_files"] = files
    s = result.settings
    print(f"dataset {s['dataset']}, widths {s['widths']}, {len(s['seeds'])} seeds, "
          f"{s['epochs']} epochs, {s['optimizer']} lr {s['lr']}, device {s['device']}, "
          f"{s['threads']} thread(s)")
    print(result.report())
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        result.to_json(os.path.join(args.out, "results.json"))
        write_text_atomic(os.path.join(args.out, "table.md"), result.report() + "\n")
        result.plot(os.path.join(args.out, "accuracy.png"))
        if not quiet:
            print(f"wrote results.json, table.md and accuracy.png to {args.out}", file=sys.stderr)
    return 0
