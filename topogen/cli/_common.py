"""Shared pieces of the ``topogen`` command: argparse helpers, messages, files.

The value parsers (the ``type=`` of options) are in :mod:`topogen.cli._parse`.

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


# ---------------------------------------------------------------------------- argparse
class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``topogen generate: error: ...``), exit code 2."""

    def error(self, message):
        """Print ``message`` as one line on stderr and exit with code 2.

        Parameters
        ----------
        message : str
            argparse's description of the usage error.

        Raises
        ------
        SystemExit
            Always, with code 2.
        """
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
    """Wrap each paragraph of a description to the help width.

    Parameters
    ----------
    text : str
        Paragraphs separated by blank lines.

    Returns
    -------
    str
        Each paragraph filled to :func:`help_width` columns, still separated by blank lines.
    """
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
    """The ``examples:`` block at the end of a ``--help``.

    Parameters
    ----------
    lines : iterable of str
        Command lines, one per example.

    Returns
    -------
    str
        ``examples:`` and the lines, each indented by two spaces.

    >>> print(epilog(["topogen info net.npz"]))
    examples:
      topogen info net.npz
    """
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def add_parser(sub, name, *, help, description, examples, parents):
    """A sub-command parser with a wrapped description and an examples epilog.

    Parameters
    ----------
    sub : the sub-parsers action of the ``topogen`` parser
    name, help, description : str, the sub-command, its one-line help, its description
    examples : list of str, command lines for :func:`epilog`
    parents : list of argparse.ArgumentParser (e.g. ``[common]``)
    """
    return sub.add_parser(name, help=help, description=wrap(description),
                          epilog=epilog(examples), formatter_class=Formatter, parents=parents)


# ---------------------------------------------------------------------------- messages, files
def say(args, message: str) -> None:
    """A status message on stderr, unless ``--quiet``.

    Parameters
    ----------
    args : argparse.Namespace, with ``quiet``
    message : str
    """
    if not args.quiet:
        print(message, file=sys.stderr)


def progress_option(args) -> bool | None:
    """The ``progress`` argument of the library: off with ``--quiet``, else automatic.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line, with ``quiet``.

    Returns
    -------
    bool or None
        False with ``--quiet``; else None (bars when stderr is a terminal).
    """
    return False if args.quiet else None


def load_topology(path: str, fmt: str | None, max_edges: int | None = None):
    """Read the topology at ``path`` (a TopogenError if there is no such file or folder).

    ``max_edges`` (``--max-edges``) raises or lowers the reader's size cap.  Library
    messages come back in the command line's terms (``--input-format``, ``--max-edges``).

    Parameters
    ----------
    path : str, file or folder
    fmt : str or None, ``--input-format`` (None: from the name)
    max_edges : int, optional
    """
    import topogen

    if not os.path.exists(path):
        raise TopogenError(f"no such file or folder: {path!r}")
    options = {} if max_edges is None else {"max_edges": max_edges}
    try:
        return topogen.load(path, format=fmt, **options)
    except TopogenError as exc:
        if options and "does not take the option" in str(exc):
            raise TopogenError(f"--max-edges does not apply to reading {path!r} (its reader "
                               "is bounded by the files themselves); leave it out") from exc
        raise TopogenError(in_cli_terms(str(exc), format_flag="--input-format")) from exc


def add_max_edges(parser, what: str) -> None:
    """``--max-edges N``: the largest topology (in edges) the command will handle.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-command's parser, given the option.
    what : str
        Where the cap applies, ending the help (e.g. ``"when reading"``).
    """
    parser.add_argument("--max-edges", type=int, default=None, metavar="N",
                        help=f"refuse topologies of more than N edges {what} (default: the "
                        "library's cap for each format)")


def use_agg() -> None:
    """Select matplotlib's Agg backend unless pyplot is already in use."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")


# ---------------------------------------------------------------------------- deprecated flags
class Deprecated(argparse.Action):
    """A deprecated spelling of an option: still works, says the new one on stderr.

    Registered with ``help=argparse.SUPPRESS``; stores into the new option's ``dest``.
    """

    def __init__(self, option_strings, dest, *, new_flag: str, why: str = "", **kwargs):
        self.new_flag, self.why = new_flag, why
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        why = f" ({self.why})" if self.why else ""
        print(f"{parser.prog}: warning: {option_string} is deprecated here{why}; use "
              f"{self.new_flag} (it will be removed)", file=sys.stderr)
        setattr(namespace, self.dest, values)


# ------------------------------------------------------------------ library terms -> flags
#: Python keyword of a library limit or option -> the command-line flag that sets it.
FLAG_OF = {
    "max_edges": "--max-edges",
    "max_entries": "--max-entries",
    "tolerance": "--tolerance",
    "exact_only": "--exact-only",
    "multipliers": "--multipliers",
    "max_spectra": "--max-spectra",
    "max_pixels": "--max-pixels",
    "max_ids": "--max-pixels",  # challenge infer caps the truth file's lines with it too
}


def in_cli_terms(text: str, *, format_flag: str = "--output-format") -> str:
    """Rewrite a library message in the command line's terms.

    ``max_edges=1,000`` -> ``--max-edges 1,000``; ``format='tsv'`` -> ``--output-format tsv``
    (or ``--input-format`` when reading); ``tolerance=`` -> ``--tolerance``.

    Parameters
    ----------
    text : str, a library error message
    format_flag : str, default "--output-format", the flag that ``format=`` becomes

    >>> in_cli_terms("above max_edges=1,000; pass a larger max_edges= if you have the memory")
    'above --max-edges 1,000; pass a larger --max-edges if you have the memory'
    >>> in_cli_terms("pass format='tsv' or 'mtx'", format_flag="--input-format")
    'pass --input-format tsv or mtx'
    """
    import re

    def fmt(match):
        return f"{format_flag} {match.group(1)}"

    text = re.sub(r"\bformat=['\"]([a-z]+)['\"](?: or ['\"]([a-z]+)['\"])?",
                  lambda m: fmt(m) + (f" or {m.group(2)}" if m.group(2) else ""), text)
    text = re.sub(r"\bformat=(?![\w'\"])", format_flag, text)
    text = re.sub(r"\banalyze\(\.\.\., max_spectra=None\)", "--max-spectra all", text)
    text = re.sub(r"\bexact_only=False\b", "without --exact-only", text)
    text = re.sub(r"\bexact_only=True\b", "--exact-only", text)
    for name, flag in FLAG_OF.items():
        text = re.sub(rf"\b{name}=([0-9][0-9,._]*)", rf"{flag} \1", text)
        text = re.sub(rf"\b{name}=(?=[\s,;.)]|$)", flag, text)
        if "_" in name:  # an identifier, never an English word
            text = re.sub(rf"(?<![-\w]){name}\b(?!=)", flag, text)
    return text


INPUT_FORMATS = ("npz", "tsv", "mtx", "graphml", "edgelist")


def input_format_options(parser, *, old_flag: str = "--format") -> None:
    """``--input-format`` (the format of the file read), and its deprecated old spelling.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    old_flag : str, default "--format", the deprecated spelling (hidden, warns)
    """
    parser.add_argument("--input-format", choices=INPUT_FORMATS, metavar="FORMAT",
                        help="format of the file read, one of " + ", ".join(INPUT_FORMATS)
                        + " (default: from the name, or a folder's topogen.json)")
    parser.add_argument(old_flag, dest="input_format", action=Deprecated,
                        new_flag="--input-format", help=argparse.SUPPRESS)


# ---------------------------------------------------------------------------- output formats
#: Suffix of an output name -> the format it implies (a folder for tsv and mtx).
SUFFIX_FORMATS = {".npz": "npz", ".graphml": "graphml", ".edgelist": "edgelist",
                  ".edges": "edgelist", ".tsv": "tsv", ".mtx": "mtx"}
FORMAT_WORDS = {"npz": "native .npz file", "graphml": "GraphML file",
                "edgelist": "edge-list file", "tsv": "Sparse DNN Graph Challenge folder",
                "mtx": "Matrix Market folder"}
OUTPUT_FORMATS = ("npz", "tsv", "mtx", "graphml", "edgelist")
FORMAT_ALIASES = {"graph_challenge": "tsv", "graphchallenge": "tsv", "matrixmarket": "mtx",
                  "edges": "edgelist"}


def output_format(path: str, explicit: str | None) -> tuple[str, str]:
    """The format to write ``path`` in, and why (``(fmt, reason)``).

    An explicit format wins, unless the name's suffix says another one (refused).  Else the
    name decides: a known suffix (``.npz``, ``.graphml``, ``.edgelist``, ``.tsv``, ``.mtx``),
    a folder named like the Graph Challenge's ``neuron1024``, or an existing topogen folder.

    Parameters
    ----------
    path : str, the ``-o`` value
    explicit : str or None, ``--output-format``

    >>> output_format("net.tsv", None)
    ('tsv', "from the name 'net.tsv'")
    >>> output_format("neuron1024/", None)[0]
    'tsv'
    """
    import json
    import re

    name = os.path.basename(os.path.normpath(path))
    suffix = os.path.splitext(name)[1].lower()
    implied = SUFFIX_FORMATS.get(suffix)
    if explicit is not None:
        fmt = FORMAT_ALIASES.get(explicit.lower(), explicit.lower())
        if fmt not in OUTPUT_FORMATS:
            raise TopogenError(f"--output-format must be one of {', '.join(OUTPUT_FORMATS)}, "
                               f"got {explicit!r}")
        if implied is not None and implied != fmt:
            raise TopogenError(
                f"-o {path!r} ends in {suffix} (a {FORMAT_WORDS[implied]}) but --output-format "
                f"is {fmt}; name the output for {fmt} (e.g. {_example_name(path, fmt)!r}) or "
                "drop --output-format"
            )
        return fmt, "as asked"
    if implied is not None:
        return implied, f"from the name {path!r}"
    if re.fullmatch(r"neuron\d+", name):
        return "tsv", f"from the name {path!r}, like the Graph Challenge's neuronN folders"
    side = os.path.join(path, "topogen.json")
    if os.path.isdir(path) and os.path.isfile(side):
        try:
            with open(side, "rb") as f:
                kind = json.loads(f.read(1 << 20)).get("kind")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind in ("tsv", "mtx"):
            return kind, f"as the existing folder {path!r} holds"
    raise TopogenError(
        f"cannot tell the output format of {path!r} from its name: end it in .npz, .graphml, "
        ".edgelist, .tsv (a Graph Challenge folder) or .mtx (a Matrix Market folder), name a "
        "folder neuronN, or pass --output-format (one of " + ", ".join(OUTPUT_FORMATS) + ")"
    )


def _example_name(path: str, fmt: str) -> str:
    stem = os.path.splitext(os.path.normpath(path))[0]
    return stem + {"tsv": ".tsv", "mtx": ".mtx", "npz": ".npz", "graphml": ".graphml",
                   "edgelist": ".edgelist"}[fmt]


def save_topology(args, topology, path: str, explicit: str | None, *, value=None,
                  **options) -> str:
    """Write ``topology`` as :func:`output_format` decides, say where; returns the format.

    Parameters
    ----------
    args : argparse.Namespace, with ``quiet`` (and ``max_edges`` if the command has it)
    topology : Topology
    path, explicit : str, the ``-o`` value and ``--output-format`` (or None)
    value : float, optional, ``--value``: the weight a tsv or mtx file gives every edge
    **options : passed to :func:`topogen.save`
    """
    import topogen

    fmt, reason = output_format(path, explicit)
    if value is not None:
        if fmt not in ("tsv", "mtx"):
            raise TopogenError(f"--value applies to tsv and mtx files; a {FORMAT_WORDS[fmt]} "
                               "holds the structure only")
        options["value"] = value
    if fmt in ("tsv", "mtx"):
        options.setdefault("progress", progress_option(args))
    max_edges = getattr(args, "max_edges", None)
    if max_edges is not None and fmt in ("graphml", "edgelist"):  # the in-memory text writers
        options["max_edges"] = max_edges
    try:
        topogen.save(topology, path, format=fmt, **options)
    except TopogenError as exc:
        raise TopogenError(in_cli_terms(str(exc), format_flag="--output-format")) from exc
    say(args, f"wrote {topology!r} to {path} as a {FORMAT_WORDS[fmt]} ({reason})")
    return fmt


def free_bytes(path: str) -> int | None:
    """Free bytes on the file system that will hold ``path`` (None if unknown).

    Parameters
    ----------
    path : str, a file or folder that may not exist yet (its nearest existing parent counts)
    """
    import shutil

    folder = os.path.dirname(os.path.abspath(path)) or "."
    while folder and not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None
