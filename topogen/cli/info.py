"""``topogen info FILE``: analyse a topology file."""

from __future__ import annotations

from ._common import (
    add_max_edges,
    add_parser,
    in_cli_terms,
    input_format_options,
    load_topology,
    progress_option,
)
from ._parse import parse_max_spectra


def add_command(sub, common) -> None:
    """Add the ``info`` sub-command to the ``topogen`` parser.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-parsers of the ``topogen`` parser.
    common : argparse.ArgumentParser
        Parent parser with ``--quiet`` and ``--debug`` (:func:`common_options`).
    """
    p = add_parser(
        sub, "info", help="analyse a topology file: sizes, degrees, paths, spectral gap",
        description="Analyse a topology: widths, edges and density per layer, degree "
        "regularity, exact path counts and symmetry, and each layer's spectral gap against "
        "its Ramanujan bound.",
        examples=["topogen info net.npz", "topogen info net.npz --json > net.json",
                  "topogen info big.npz --no-spectral"],
        parents=[common],
    )
    p.add_argument("file", help="topology file or folder (as written by generate/export)")
    input_format_options(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-spectral", action="store_true", help="skip the spectra (faster)")
    p.add_argument("--max-spectra", type=parse_max_spectra, default=DEFAULT, metavar="N|all",
                   help="spectra of at most N distinct layers (the first half, then spread "
                   "evenly; default: the library's, 8); 'all' computes every one")
    add_max_edges(p, "when reading")
    p.set_defaults(handler=cmd_info)


DEFAULT = object()  # --max-spectra not given: the library's default


def cmd_info(args) -> int:
    """``topogen info FILE``: read a topology and print its analysis report.

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
    from ..analysis.report import analyze

    topology = load_topology(args.file, args.input_format, args.max_edges)
    options = {} if args.max_spectra is DEFAULT else {"max_spectra": args.max_spectra}
    report = analyze(topology, spectral=not args.no_spectral, progress=progress_option(args),
                     **options)
    print(report.to_json() if args.json else in_cli_terms(report.table()))
    return 0
