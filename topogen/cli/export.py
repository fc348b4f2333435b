"""``topogen export FILE -o OUT``: convert a topology file."""

from __future__ import annotations

import argparse

from ._common import (
    OUTPUT_FORMATS,
    Deprecated,
    add_max_edges,
    add_parser,
    input_format_options,
    load_topology,
    output_format,
    save_topology,
)


def add_command(sub, common) -> None:
    """Add the ``export`` sub-command to the ``topogen`` parser.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-parsers of the ``topogen`` parser.
    common : argparse.ArgumentParser
        Parent parser with ``--quiet`` and ``--debug`` (:func:`common_options`).
    """
    p = add_parser(
        sub, "export", help="convert a topology file to another format",
        description="Read a topology and write it in another file format: npz (native), "
        "mtx (Matrix Market, a folder), tsv (Sparse DNN Graph Challenge, a folder), graphml, "
        "edgelist.  The output format follows the output name (.npz, .graphml, .edgelist; a "
        "folder ending .tsv or named neuronN: Graph Challenge; .mtx: Matrix Market) or "
        "--output-format; the input format follows the input name or --input-format.",
        examples=["topogen export net.npz -o neuron1024/",
                  "topogen export net.npz -o net.graphml",
                  "topogen export net-gc/ --input-format tsv -o net.npz"],
        parents=[common],
    )
    p.add_argument("file", help="topology file or folder to read")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file or folder to write")
    p.add_argument("--output-format", choices=OUTPUT_FORMATS,
                   help="format to write (default: from the output name)")
    p.add_argument("--format", dest="output_format", action=Deprecated,
                   new_flag="--output-format", help=argparse.SUPPRESS)
    input_format_options(p, old_flag="--from")
    add_max_edges(p, "when reading, and when writing GraphML or an edge list (built in "
                  "memory)")
    p.add_argument("--value", type=float, default=None, metavar="X",
                   help="weight written on every edge of a tsv or mtx output (default: the "
                   "value the input was written with, else 1/16 for tsv)")
    p.set_defaults(handler=cmd_export)


def cmd_export(args) -> int:
    """``topogen export FILE -o OUT``: read a topology and write it in another format.

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
    output_format(args.output, args.output_format)  # a bad name fails before reading
    topology = load_topology(args.file, args.input_format, args.max_edges)
    save_topology(args, topology, args.output, args.output_format,
                  value=args.value)
    return 0
