"""``topogen challenge``: run the Sparse DNN Graph Challenge inference and check it.

* ``topogen challenge infer FOLDER --images FILE --truth FILE``: time, the challenge's rate
  (images x network edges / seconds) and PASS or FAIL; exit code 0 on PASS, 1 on FAIL, 2 on
  bad input.
* ``topogen challenge images FOLDER -o DIR``: random sparse images for a network folder and
  their truth file, computed with the SciPy backend (test data, since the official files
  are not shipped).
"""

from __future__ import annotations

import math
import os
import time

from .._checks import DEFAULT_MAX_EDGES, TopogenError
from ._common import Parser, add_parser, progress_option, say


def add_command(sub, common) -> None:
    """Add the ``challenge`` sub-command to the ``topogen`` parser.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-parsers of the ``topogen`` parser.
    common : argparse.ArgumentParser
        Parent parser with ``--quiet`` and ``--debug`` (:func:`common_options`).
    """
    p = add_parser(
        sub, "challenge", help="the Sparse DNN Graph Challenge: run and check the inference",
        description="The Sparse DNN Graph Challenge (Kepner et al. 2019): run the inference "
        "of a network folder (n{N}-l{k}.tsv files) on sparse images and check the images "
        "with a nonzero output against the truth file, or make random test images and "
        "their truth for a folder.",
        examples=["topogen challenge infer neuron1024/ --images sparse-images-1024.tsv "
                  "--truth neuron1024-l120-categories.tsv",
                  "topogen challenge images neuron1024/ --count 1200 --seed 0 -o data/"],
        parents=[common],
    )
    sub2 = p.add_subparsers(dest="challenge_command", metavar="COMMAND", parser_class=Parser)
    sub2.required = True
    inf = add_parser(
        sub2, "infer", help="run the inference, print time and rate, check the truth",
        description="Run Y <- min(max(Y W + b, 0), cap) through every layer of FOLDER (the "
        "bias added to nonzero entries only), print the time, the challenge's rate (images "
        "x network edges / seconds) and PASS or FAIL against --truth.  Exit code 0 on PASS "
        "(or without --truth), 1 on FAIL, 2 on bad input.",
        examples=["topogen challenge infer neuron1024/ --images sparse-images-1024.tsv "
                  "--truth neuron1024-l120-categories.tsv",
                  "topogen challenge infer neuron1024/ --images sparse-images-1024.tsv.gz "
                  "--backend graphblas --bias -0.3",
                  "topogen challenge infer /shared/neuron65536/ --images sparse-images-65536.tsv "
                  "--truth neuron65536-l1920-categories.tsv --scheduler tcp://head:8786"],
        parents=[common],
    )
    inf.add_argument("folder", help="network folder of n{N}-l{k}.tsv files")
    inf.add_argument("--images", required=True, metavar="FILE",
                     help="sparse images file (image, feature, value lines; .gz read too)")
    inf.add_argument("--truth", metavar="FILE", help="categories file to check against")
    inf.add_argument("--bias", type=float, metavar="B",
                     help="bias of every neuron (default: the folder's meta, else the "
                     "challenge's for its width: -0.3, -0.35, -0.4, -0.45)")
    inf.add_argument("--cap", type=float, default=32.0, metavar="C",
                     help="activation cap (default 32)")
    inf.add_argument("--backend", default="auto",
                     choices=("auto", "scipy", "graphblas", "torch"),
                     help="inference library (default auto: torch on a CUDA GPU, else scipy)")
    inf.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on a Dask cluster (the folder must be readable by every "
                     "worker at the same path)")
    inf.add_argument("--chunk", type=int, metavar="N", help="images per chunk")
    inf.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_EDGES, metavar="N",
                     help="refuse an images file (or truth file) of more lines, or whose "
                     f"ids ask for more rows (default {DEFAULT_MAX_EDGES:,}); a .gz file is "
                     "refused as it inflates past what N lines can fill")
    inf.add_argument("--save-categories", metavar="FILE",
                     help="write the images with a nonzero output (1-based, one a line)")
    inf.set_defaults(handler=cmd_infer)
    img = add_parser(
        sub2, "images", help="random sparse images for a network folder, with their truth",
        description="Write DIR/sparse-images-{N}.tsv (COUNT random images, a fraction "
        "--density of the features nonzero, one value per image drawn from [--low, --high]) "
        "and DIR/neuron{N}-l{L}-categories.tsv, their truth through FOLDER computed with the "
        "SciPy backend.",
        examples=["topogen challenge images neuron1024/ --count 1200 --seed 0 -o data/"],
        parents=[common],
    )
    img.add_argument("folder", help="network folder of n{N}-l{k}.tsv files")
    img.add_argument("--count", type=int, default=1200, metavar="N", help="number of images")
    img.add_argument("--density", type=float, default=0.1, metavar="D",
                     help="fraction of nonzero features per image")
    img.add_argument("--low", type=float, default=1.0, help="smallest per-image value")
    img.add_argument("--high", type=float, default=4.0, help="largest per-image value")
    img.add_argument("--seed", type=int, metavar="INT", help="random seed")
    img.add_argument("--bias", type=float, metavar="B", help="bias for the truth (as infer)")
    img.add_argument("-o", "--output", required=True, metavar="DIR",
                     help="folder to write the two files into (created if needed)")
    img.set_defaults(handler=cmd_images)


def cmd_infer(args) -> int:
    """``topogen challenge infer``: run a network folder on images, check the truth.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    int
        The exit status, 0 on success (errors raise a TopogenError, which :func:`main`
        prints as one line with status 2).
    """
    from ..challenge import (
        backends,
        categories,
        check_categories,
        infer,
        load_network,
        read_images,
    )
    from ..challenge.io import read_categories, write_categories

    start = time.perf_counter()
    client = _client(args.scheduler) if args.scheduler else None
    if client is None:
        network, _ = load_network(args.folder)
        edges, width, depth = network.nnz, network.widths[0], network.depth
    else:
        network = args.folder
        edges, width, depth = _folder_size(args.folder)
    images = read_images(args.images, neurons=width, max_pixels=args.max_pixels)
    truth = (read_categories(args.truth, n_images=images.shape[0], max_ids=args.max_pixels)
             if args.truth else None)
    read_time = time.perf_counter() - start
    say(args, f"read {width} neurons x {depth} layers ({edges:,} edges) and "
        f"{images.shape[0]:,} images in {read_time:.2f} s")
    backend = backends.get(args.backend)[0]
    say(args, f"backend: {backend}" + (f", Dask scheduler {args.scheduler}" if client else ""))
    start = time.perf_counter()
    result = infer(network, images, bias=args.bias, cap=args.cap, backend=backend,
                   client=client, chunk=args.chunk, progress=progress_option(args))
    run_time = time.perf_counter() - start
    found = categories(result)
    rate = images.shape[0] * edges / run_time if run_time > 0 else math.inf
    print(f"time: {run_time:.4f} s")
    print(f"rate: {rate:.4g} edges/s ({images.shape[0]:,} images x {edges:,} edges / time)")
    print(f"categories: {len(found):,} images with a nonzero output")
    if args.save_categories:
        write_categories(found, args.save_categories)
    if truth is None:
        return 0
    report = check_categories(found, truth)
    print(report)
    return 0 if report else 1


def cmd_images(args) -> int:
    """``topogen challenge images``: random test images and their truth for a folder.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    int
        The exit status, 0 on success (errors raise a TopogenError, which :func:`main`
        prints as one line with status 2).
    """
    from ..challenge import categories, infer, load_network, random_images
    from ..challenge.io import write_categories, write_images

    network, _ = load_network(args.folder)
    images = random_images(args.count, network.widths[0], density=args.density, seed=args.seed,
                           low=args.low, high=args.high)
    result = infer(network, images, bias=args.bias, backend="scipy",
                   progress=progress_option(args))
    os.makedirs(args.output, exist_ok=True)
    n, depth = network.widths[0], network.depth
    images_path = os.path.join(args.output, f"sparse-images-{n}.tsv")
    truth_path = os.path.join(args.output, f"neuron{n}-l{depth}-categories.tsv")
    write_images(images, images_path)
    found = categories(result)
    write_categories(found, truth_path)
    say(args, f"wrote {images_path} ({args.count} images) and {truth_path} ({len(found)} "
        "images with a nonzero output)")
    return 0


def _client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise TopogenError("--scheduler needs dask.distributed: pip install "
                           "'topogen[distributed]'") from None
    try:
        return Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise TopogenError(f"--scheduler {address}: cannot connect ({exc})") from None


def _folder_size(folder: str) -> tuple[int, int, int]:
    """``(edges, width, depth)`` of a folder without reading its layers: line counts."""
    from ..challenge.cluster import network_width

    width = network_width(folder)
    names = [n for n in os.listdir(folder) if n.startswith(f"n{width}-l") and
             n.endswith(".tsv")]
    edges = 0
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            edges += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
    return edges, width, len(names)
