"""Shared pieces of the ``topogen`` command: value parsers, argparse helpers, messages.

Private to :mod:`topogen.cli` by its module name; the names inside are public so that every
command module can use them.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

from .._checks import TopogenError

PROG = "topogen"


# ---------------------------------------------------------------------------- value parsers
def parse_ints(text: str) -> list[int]:
    """``"1,2,2,1"`` -> ``[1, 2, 2, 1]``.

    >>> parse_ints("1, 2,3")
    [1, 2, 3]
    """
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 1,2,2,1, got {text!r}"
        ) from None


def parse_radix_lists(text: str) -> list[list[int]]:
    """``"2,2,2:4"`` -> ``[[2, 2, 2], [4]]`` (``:`` separates radix lists, ``,`` radices).

    >>> parse_radix_lists("2,2,2:4,2")
    [[2, 2, 2], [4, 2]]
    """
    lists = [parse_ints(part) for part in text.split(":")]
    if any(not lst for lst in lists):
        raise argparse.ArgumentTypeError(
            f"expected radix lists such as 2,2,2:4 (':' between lists), got {text!r}"
        )
    return lists


def parse_radices(text: str) -> list[int]:
    """One radix list, ``"2,3,4"`` -> ``[2, 3, 4]``."""
    if ":" in text:
        raise argparse.ArgumentTypeError(
            f"expected one radix list such as 2,3,4, got {text!r}; several lists (with ':') "
            "are for extended-mixed-radix and radix-net"
        )
    return parse_ints(text)


def parse_int_or_ints(text: str):
    """``"8"`` -> ``8``; ``"8,4"`` -> ``[8, 4]``."""
    values = parse_ints(text)
    return values[0] if len(values) == 1 and "," not in text else values


def parse_seed(text: str) -> int:
    """A non-negative integer seed."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer seed, got {text!r}")
    return value



# ---------------------------------------------------------------------------- argparse
class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``topogen generate: error: ...``), exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def help_width() -> int:
    """Columns of the help text: the terminal width, between 60 and 100."""
    import shutil

    return max(60, min(100, shutil.get_terminal_size().columns - 2))


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of descriptions (wrapped by :func:`wrap`) and examples."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=30, width=help_width())


def wrap(text: str) -> str:
    """Wrap each paragraph of a description to the help width."""
    width = help_width()
    return "\n\n".join(textwrap.fill(par, width) for par in text.split("\n\n"))


def common_options() -> argparse.ArgumentParser:
    """The ``--quiet`` and ``--debug`` options every sub-command takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars or status messages (results still print)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback on errors")
    return common


def epilog(lines) -> str:
    """The ``examples:`` block at the end of a ``--help``."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def add_parser(sub, name, *, help, description, examples, parents):
    """A sub-command parser with a wrapped description and an examples epilog."""
    return sub.add_parser(name, help=help, description=wrap(description),
                          epilog=epilog(examples), formatter_class=Formatter, parents=parents)


# ---------------------------------------------------------------------------- messages, files
def say(args, message: str) -> None:
    """A status message on stderr, unless ``--quiet``."""
    if not args.quiet:
        print(message, file=sys.stderr)


def progress_option(args) -> bool | None:
    """The ``progress`` argument of the library: off with ``--quiet``, else automatic."""
    return False if args.quiet else None


def load_topology(path: str, fmt: str | None):
    """Read the topology at ``path`` (a TopogenError if there is no such file or folder)."""
    import topogen

    if not os.path.exists(path):
        raise TopogenError(f"no such file or folder: {path!r}")
    return topogen.load(path, format=fmt)


def use_agg() -> None:
    """Select matplotlib's Agg backend unless pyplot is already in use."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
