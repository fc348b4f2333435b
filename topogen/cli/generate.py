"""``topogen generate FAMILY ...``: build a topology of one family and write it."""

from __future__ import annotations

import argparse
import importlib

from .._checks import DEFAULT_MAX_EDGES, TopogenError
from ._common import (
    FORMAT_WORDS,
    Deprecated,
    Parser,
    add_parser,
    in_cli_terms,
    output_format,
    progress_option,
    save_topology,
    say,
)
from .families import Command, build_topology, commands


def add_command(sub, common) -> None:
    """Add the ``generate`` sub-command (one sub-parser per family) to the ``topogen`` parser.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-parsers of the ``topogen`` parser.
    common : argparse.ArgumentParser
        Parent parser with ``--quiet`` and ``--debug`` (:func:`common_options`).
    """
    gen = add_parser(
        sub, "generate", help="build a topology of one family and write it to a file",
        description="Build a topology of one generator family and write it to a file; the "
        "format follows the output name (.npz, .graphml, .edgelist; a folder ending .tsv or "
        "named neuronN: Graph Challenge; .mtx: Matrix Market) or --output-format.  'topogen "
        "generate FAMILY --help' lists the options of a family.",
        examples=[ex for f in commands()[:3] for ex in f.examples]
        + ["topogen generate x-net --help"],
        parents=[common],
    )
    fam_sub = gen.add_subparsers(dest="family", metavar="FAMILY", parser_class=Parser)
    fam_sub.required = True
    for family in commands():
        library = (f"topogen.{family.function}" if family.function
                   else f"topogen.families.FAMILIES[{family.name!r}].matched")
        fp = add_parser(fam_sub, family.name, help=family.summary,
                        description=family.summary + f"\n\n(library: {library})",
                        examples=family.examples, parents=[common])
        for p in family.params:
            if p.action:
                fp.add_argument(p.flag, dest=p.dest, action=p.action, help=p.help)
                continue
            fp.add_argument(p.flag, dest=p.dest, type=p.parse, required=p.required,
                            default=p.default, metavar=p.metavar, choices=p.choices,
                            help=p.help + ("" if p.default is None else f" (default {p.default})"))
            for old in p.deprecated:
                fp.add_argument(old, dest=p.dest, type=p.parse, action=Deprecated,
                                new_flag=p.flag, why=p.deprecated_why, help=argparse.SUPPRESS)
        out = fp.add_mutually_exclusive_group(required=True)
        out.add_argument("-o", "--output", metavar="FILE", help="file (or folder) to write")
        out.add_argument("--print", action="store_true",
                         help="print the topology's summary instead of writing a file")
        fp.add_argument("--output-format", choices=("npz", "tsv", "mtx", "graphml", "edgelist"),
                        help="format to write (default: from the output name)")
        fp.add_argument("--format", dest="output_format", action=Deprecated,
                        new_flag="--output-format", help=argparse.SUPPRESS)
        fp.add_argument("--max-edges", type=int, default=None, metavar="N",
                        help=f"refuse larger topologies (default {DEFAULT_MAX_EDGES:,}"
                        + ("; with --stream, the largest layer" if family.stream else "") + ")")
        for extra in family.options:
            extra(fp)
        fp.add_argument("--value", type=float, default=None, metavar="X",
                        help="weight written on every edge of a tsv or mtx file (default "
                        "1/16 for tsv, none for mtx)")
        if family.stream:
            fp.add_argument("--stream", action="store_true",
                            help="build and write one layer at a time (memory for one layer, "
                            "any depth); formats npz, tsv, mtx")
        fp.set_defaults(handler=cmd_generate, family_obj=family)


def cmd_generate(args) -> int:
    """``topogen generate FAMILY ...``: build a topology and write it (or stream it).

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
    family = args.family_obj
    values = {p.dest: getattr(args, p.dest) for p in family.params}
    for extra in family.option_dests:
        values[extra] = getattr(args, extra, None)
    if getattr(args, "stream", False):
        return _generate_streaming(args, family, values)
    if not args.print:
        output_format(args.output, args.output_format)  # a bad name fails before building
    topology = build_topology(family, values, max_edges=args.max_edges,
                              say=lambda text: say(args, text))
    _say_drawn_seed(args, values, topology.meta)
    if args.print:
        print(repr(topology))
        return 0
    save_topology(args, topology, args.output, args.output_format, value=args.value)
    return 0


def _say_drawn_seed(args, values: dict, meta: dict) -> None:
    """A random family run without --seed: say the seed the library drew and recorded."""
    seed = (meta or {}).get("seed")
    if "seed" in values and values.get("seed") is None and seed is not None:
        say(args, f"seed {seed} (drawn and recorded in the file; --seed {seed} rebuilds it)")


_STREAM_FORMATS = ("npz", "tsv", "mtx")


def _generate_streaming(args, family: Command, values: dict) -> int:
    """``generate ... --stream``: layers built and written one at a time, sizes checked first."""
    from .. import export

    if args.print:
        raise TopogenError("--stream writes a file; use -o FILE instead of --print")
    fmt, reason = output_format(args.output, args.output_format)
    if fmt not in _STREAM_FORMATS:
        raise TopogenError(
            f"--stream writes {', '.join(_STREAM_FORMATS)}; got {fmt} for {args.output!r} "
            "(name a .npz file, or a folder ending .tsv or .mtx)"
        )
    kwargs = {p.dest: values.get(p.dest, p.default) for p in family.params}
    if family.prepare is not None:
        kwargs = family.prepare(kwargs)
    if family.stream_check is not None:
        family.stream_check(kwargs, fmt, args.output,
                            DEFAULT_MAX_EDGES if args.max_edges is None else args.max_edges,
                            lambda text: say(args, text))
    args_in_order = [kwargs[p.dest] for p in family.params if p.positional]
    keywords = {p.dest: kwargs[p.dest] for p in family.params
                if not p.positional and kwargs[p.dest] is not None}
    module, _, name = family.stream.rpartition(".")
    stream = getattr(importlib.import_module(module) if module else export, name)
    layers = stream(*args_in_order, **keywords)
    from ..topology import make_meta

    meta = getattr(layers, "meta", None) or make_meta(family.function, kwargs)
    _say_drawn_seed(args, values, meta)
    progress = progress_option(args)
    depth = getattr(layers, "depth", None)
    try:
        if fmt == "npz":
            if args.value is not None:
                raise TopogenError("--value applies to tsv and mtx files; .npz holds the "
                                   "structure only")
            info = export.stream_npz(layers, args.output, meta=meta, depth=depth,
                                     progress=progress)
        else:
            from ..export.stream import stream_layers

            info = stream_layers(layers, args.output, kind=fmt, value=args.value, meta=meta,
                                 depth=depth, progress=progress)
    except TopogenError as exc:
        raise TopogenError(in_cli_terms(str(exc))) from exc
    say(args, f"wrote {len(info['layer_nnz'])} layers, {sum(info['layer_nnz']):,} edges, to "
        f"{args.output} as a {FORMAT_WORDS[fmt]} ({reason})")
    return 0
