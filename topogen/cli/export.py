"""``topogen export FILE --format FMT -o OUT``: convert a topology file."""

from __future__ import annotations

from ._common import add_parser, load_topology, progress_option, say


def add_command(sub, common) -> None:
    p = add_parser(
        sub, "export", help="convert a topology file to another format",
        description="Read a topology and write it in another file format: npz (native), "
        "mtx (Matrix Market, a folder), tsv (Sparse DNN Graph Challenge, a folder), graphml.",
        examples=["topogen export net.npz --format tsv -o net-gc/",
                  "topogen export net.npz -o net.graphml",
                  "topogen export net-gc/ --from tsv -o net.npz"],
        parents=[common],
    )
    p.add_argument("file", help="topology file or folder to read")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file or folder to write")
    p.add_argument("--format", help="output format (default: from the output name)")
    p.add_argument("--from", dest="input_format", metavar="FORMAT",
                   help="input format (default: from the input name)")
    p.add_argument("--value", type=float, default=None, metavar="X",
                   help="weight written on every edge of a tsv or mtx output (default: the "
                   "value the input was written with, else 1/16 for tsv)")
    p.set_defaults(handler=cmd_export)



def cmd_export(args) -> int:
    """``topogen export FILE --format FMT -o OUT``."""
    import topogen

    topology = load_topology(args.file, args.input_format)
    options = {}
    if (args.format or "").lower() in ("tsv", "mtx"):  # the folder writers show progress
        options["progress"] = progress_option(args)
    if args.value is not None:
        options["value"] = args.value
    topogen.save(topology, args.output, format=args.format, **options)
    say(args, f"wrote {topology!r} to {args.output}")
    return 0
