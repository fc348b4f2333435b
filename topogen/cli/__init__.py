"""The ``topogen`` command: generate, inspect, export and plot topologies, and run the demo.

A thin layer over the library with no logic of its own.  The families of ``topogen
generate`` are the registry :data:`topogen.families.FAMILIES`, which the verifier reads
too; :mod:`topogen.cli.families` adds each family's flags (a :class:`Command`), so ``topogen
generate FAMILY --help`` documents the family and a new family is one entry.

One module per command (:mod:`~topogen.cli.generate`, :mod:`~topogen.cli.info`,
:mod:`~topogen.cli.export`, :mod:`~topogen.cli.plot`, :mod:`~topogen.cli.demo`,
:mod:`~topogen.cli.verify`), the family table in :mod:`topogen.cli.families` and the value
parsers and shared helpers in ``topogen.cli._parse`` and ``topogen.cli._common``; each
command module imports its heavy dependencies inside its functions, so ``topogen --help``
stays fast.

Errors are one line on stderr and exit code 2 (``--debug`` shows the traceback); progress
bars go to stderr when it is a terminal and never with ``--quiet``.

Examples
--------
>>> main(["generate", "radix-net", "--radices", "2,2", "--multipliers", "1,2,1", "--print"])
Topology(widths=(4, 8, 4), nnz=32, density=0.5, generator='radix_net')
0
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from .._checks import TopogenError
from .._io import Terminated, terminate_cleanly
from .._version import __version__
from . import challenge, demo, export, generate, info, plot, verify
from ._common import PROG, Formatter, Parser, common_options, epilog, in_cli_terms, wrap
from .families import COMMANDS, Command, Param, commands

__all__ = ["COMMANDS", "Command", "Param", "build_parser", "commands", "main"]

# The other public names of the former single module ``topogen/cli.py``, still importable
# from here (``as`` marks them re-exported).
from ..families import family_function as family_function
from ._parse import parse_int_or_ints as parse_int_or_ints
from ._parse import parse_ints as parse_ints
from ._parse import parse_radices as parse_radices
from ._parse import parse_radix_lists as parse_radix_lists
from ._parse import parse_seed as parse_seed
from .demo import DEMO_COLUMNS as DEMO_COLUMNS
from .demo import DEMO_DEPTH as DEMO_DEPTH
from .demo import DEMO_LPS as DEMO_LPS
from .demo import DEMO_SPECTRUM_VALUES as DEMO_SPECTRUM_VALUES
from .demo import cmd_demo as cmd_demo
from .demo import demo_rows as demo_rows
from .demo import demo_spectra_figure as demo_spectra_figure
from .demo import demo_table as demo_table
from .demo import demo_topologies as demo_topologies
from .export import cmd_export as cmd_export
from .families import build_topology as build_topology
from .families import register as register
from .generate import cmd_generate as cmd_generate
from .info import cmd_info as cmd_info
from .plot import PLOT_KINDS as PLOT_KINDS
from .plot import cmd_plot as cmd_plot
from .plot import draw as draw
from .plot import save_figure as save_figure


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``topogen`` command (sub-commands and families)."""
    common = common_options()
    parser = Parser(
        prog=PROG,
        description=wrap("Sparse neural-network topologies from graph theory: generate, "
                         "inspect, export and plot RadiX-Nets, X-Nets, Ramanujan expanders "
                         "and baselines."),
        epilog=epilog([
            "topogen demo",
            "topogen generate radix-net --radices 2,2,2:4 --multipliers 1,2,2,2,1 -o net.npz",
            "topogen info net.npz",
            "topogen export net.npz -o neuron32/",
            "topogen plot net.npz -o net.png",
        ]) + "\n\n'topogen COMMAND --help' describes each command.",
        formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"topogen {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bars or status messages (results still print)")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    generate.add_command(sub, common)
    info.add_command(sub, common)
    export.add_command(sub, common)
    plot.add_command(sub, common)
    demo.add_command(sub, common)
    verify.add_command(sub, common)
    challenge.add_command(sub, common)
    return parser


# ---------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    """Run the ``topogen`` command with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Errors print one line ``topogen: error: ...`` on stderr and return 2: a
    :class:`~topogen.TopogenError` (bad argument or file), an ``OSError`` (a file system
    refusal) or an ``ImportError`` (a missing optional package), with the library's argument
    names put in the command's flags (``max_edges=`` -> ``--max-edges``).  Anything else is
    an internal error, exit 1.  ``--debug`` re-raises them with the traceback.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for a user error, 1 for an internal error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.quiet = bool(getattr(args, "quiet", False))
    args.debug = bool(getattr(args, "debug", False))
    handler = getattr(args, "handler", None) or getattr(args, "func", None)
    try:
        # SIGTERM unwinds like Ctrl-C (atomic writes clean up); library warnings print as one
        # line without the library's source line
        with terminate_cleanly(), warnings.catch_warnings():
            warnings.showwarning = _show_warning
            code = handler(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Terminated as exc:
        if args.debug:
            raise
        print(f"{PROG}: terminated", file=sys.stderr)
        return int(exc.code)
    except BrokenPipeError:  # e.g. `topogen info net.npz --json | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (TopogenError, OSError, ImportError) as exc:
        # a user's mistake (bad argument or file, missing optional package): one line, exit 2
        if args.debug:
            raise
        reading = args.command in ("info", "plot")
        text = in_cli_terms(_one_line(exc),
                            format_flag="--input-format" if reading else "--output-format")
        print(f"{PROG}: error: {text}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return 1
    return int(code or 0)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a library warning as ``topogen: warning: ...`` (its text only)."""
    print(f"{PROG}: warning: {in_cli_terms(' '.join(str(message).split()))}",
          file=file or sys.stderr)


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}"
    return " ".join(text.split())
