"""The ``topogen`` command: generate, inspect, export and plot topologies, and run the demo.

A thin layer over the library with no logic of its own.  Every generator family is one
:class:`Family` entry of :data:`FAMILIES` (its name, the library function and its options),
so ``topogen generate FAMILY --help`` documents the family and a new family is one entry.

Errors are one line on stderr and exit code 2 (``--debug`` shows the traceback); progress
bars go to stderr when it is a terminal and never with ``--quiet``.

Examples
--------
>>> main(["generate", "radix-net", "--radices", "2,2", "--widths", "1,2,1", "--print"])
Topology(widths=(4, 8, 4), nnz=32, density=0.5, generator='radix_net')
0
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from ._checks import DEFAULT_MAX_EDGES, TopogenError
from ._io import atomic_file, write_text_atomic
from ._progress import Progress
from ._version import __version__

__all__ = ["FAMILIES", "Family", "Param", "build_parser", "main"]

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


# ---------------------------------------------------------------------------- the registry
@dataclass(frozen=True)
class Param:
    """One option of a generator family.

    ``flag`` is the command-line option (``--widths``), ``dest`` the keyword of the library
    function, ``parse`` turns the text into a value; positional parameters are passed
    positionally in registry order.
    """

    flag: str
    dest: str
    parse: Callable = int
    help: str = ""
    required: bool = False
    default: object = None
    metavar: str | None = None
    positional: bool = False
    choices: tuple | None = None
    action: str | None = None


@dataclass(frozen=True)
class Family:
    """A generator family as the command line sees it.

    Attributes
    ----------
    name : str
        Sub-command name (``radix-net``).
    function : str
        Name of the generator in :mod:`topogen` (``radix_net``).
    summary : str
        One line for ``topogen generate --help``.
    params : tuple of Param
    examples : tuple of str
        Command lines shown in ``--help`` (and run by the tests).
    graph : bool
        The function returns an undirected graph (a symmetric adjacency); the command
        turns it into a ``--depth``-layer topology with :func:`topogen.from_graph`.
    prepare : callable, optional
        Fills defaults that depend on other options (``kwargs -> kwargs``).
    finish : callable, optional
        Turns what the function returns into a Topology (e.g. builds the best fit).
    build : callable, optional
        Builds the Topology from the option values itself (``values -> Topology``), for
        families whose options do not map one to one onto the function's arguments.
    stream : str, optional
        Name of a function in :mod:`topogen.export` that yields the layers one at a time
        from the same arguments; enables ``--stream`` (write layer by layer, any size).
    """

    name: str
    function: str
    summary: str
    params: tuple = ()
    examples: tuple = ()
    graph: bool = False
    prepare: Callable | None = field(default=None, compare=False)
    finish: Callable | None = field(default=None, compare=False)
    build: Callable | None = field(default=None, compare=False)
    stream: str | None = None


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add ``family`` to :data:`FAMILIES` (name must be new)."""
    if family.name in FAMILIES:
        raise ValueError(f"family {family.name!r} is already registered")
    FAMILIES[family.name] = family
    return family


_WIDTHS = Param("--widths", "widths", parse_ints, "neurons per layer, e.g. 64,64,64,10",
                required=True, metavar="N,N,...", positional=True)
_DENSITY = Param("--density", "density", float, "fraction of possible edges in (0, 1]",
                 metavar="D")
_SEED = Param("--seed", "seed", parse_seed, "random seed (same seed, same topology)",
              metavar="INT")
_DEPTH = Param("--depth", "depth", int, "number of layers (each a copy of the graph's "
               "bipartite double cover)", default=3, metavar="L")


def _radix_widths_default(kwargs: dict) -> dict:
    if kwargs.get("widths") is None:
        kwargs["widths"] = [1] * (sum(len(lst) for lst in kwargs["radix_lists"]) + 1)
    return kwargs


def _register_builtin_families() -> None:
    register(Family(
        "radix-net", "radix_net",
        "RadiX-Net: extended mixed-radix layers widened by a dense net (Robinett & Kepner)",
        (Param("--radices", "radix_lists", parse_radix_lists,
               "radix lists, ',' between radices and ':' between lists", required=True,
               metavar="R,R:R", positional=True),
         Param("--widths", "widths", parse_ints,
               "Kronecker widths B_0..B_L, one more than the number of radices "
               "(default all 1)", metavar="B,B,...", positional=True)),
        ("topogen generate radix-net --radices 2,2,2:4 --widths 1,2,2,2,1 -o net.npz",
         "topogen generate radix-net --radices 32,32:32,32:32,32 --stream --format tsv "
         "-o neuron1024/"),
        prepare=_radix_widths_default,
        stream="radix_net_layers",
    ))
    register(Family(
        "mixed-radix", "mixed_radix",
        "one mixed-radix system: every input reaches every output by exactly one path",
        (Param("--radices", "radices", parse_radices, "the radices N_1..N_L", required=True,
               metavar="R,R,...", positional=True),),
        ("topogen generate mixed-radix --radices 2,3,4 -o mr.npz",),
    ))
    register(Family(
        "extended-mixed-radix", "extended_mixed_radix",
        "several mixed-radix systems in sequence",
        (Param("--radices", "radix_lists", parse_radix_lists,
               "radix lists, ',' between radices and ':' between lists", required=True,
               metavar="R,R:R", positional=True),),
        ("topogen generate extended-mixed-radix --radices 2,2,2:4,2 -o emr.npz",),
    ))
    register(Family(
        "fit-radix-net", "fit_radix_net",
        "the RadiX-Net closest to the given widths and density",
        (_WIDTHS, Param("--density", "density", float, "target density in (0, 1]",
                        required=True, metavar="D", positional=True),
         Param("--exact-only", "exact_only", None, "only RadiX-Nets of exactly these widths",
               action="store_true")),
        ("topogen generate fit-radix-net --widths 256,256,256,256 --density 0.1 -o fit.npz",),
        finish=lambda fits: fits[0].build(),
    ))
    register(Family(
        "x-net", "x_net",
        "X-Net: random expander layers of given degree or density (Prabhu et al. 2018)",
        (_WIDTHS,
         Param("--degree", "degree", parse_int_or_ints,
               "in-degree (fan-in) of every target neuron, one for all layers or one per layer",
               metavar="D[,D,...]"),
         _DENSITY, _SEED,
         Param("--method", "method", str, "biregular: exact degrees both ways; prabhu: the "
               "paper's code, each target picks D sources", default="biregular",
               choices=("biregular", "prabhu"))),
        ("topogen generate x-net --widths 64,64,64 --degree 8 --seed 0 -o xnet.npz",),
    ))
    register(Family(
        "margulis-gabber-galil", "margulis_gabber_galil",
        "Margulis-Gabber-Galil 8-regular expander on n^2 vertices, stacked --depth times",
        (Param("--n", "n", int, "the graph has n*n vertices", required=True, metavar="N",
               positional=True), _DEPTH),
        ("topogen generate margulis-gabber-galil --n 8 --depth 3 -o mgg.npz",),
        graph=True,
    ))
    register(Family(
        "paley", "paley",
        "Paley graph of a prime q = 1 (mod 4), stacked --depth times",
        (Param("--q", "q", int, "a prime, q = 1 (mod 4)", required=True, metavar="Q",
               positional=True), _DEPTH),
        ("topogen generate paley --q 13 --depth 2 -o paley.npz",),
        graph=True,
    ))
    register(Family(
        "chordal-cycle", "chordal_cycle",
        "chordal cycle graph on Z_p (x ~ x+1, x-1, 1/x), a 3-regular expander",
        (Param("--p", "p", int, "an odd prime", required=True, metavar="P", positional=True),
         _DEPTH),
        ("topogen generate chordal-cycle --p 31 --depth 3 -o cc.npz",),
        graph=True,
    ))
    register(Family(
        "lps", "lps",
        "Lubotzky-Phillips-Sarnak Ramanujan graph X^{p,q}, (p+1)-regular, stacked --depth times",
        (Param("--p", "p", int, "prime p = 1 (mod 4): the degree is p + 1", required=True,
               metavar="P", positional=True),
         Param("--q", "q", int, "prime q = 1 (mod 4), q != p", required=True, metavar="Q",
               positional=True), _DEPTH),
        ("topogen generate lps --p 5 --q 13 --depth 3 -o lps.npz",),
        graph=True,
    ))
    register(Family(
        "bipartite-ramanujan", "bipartite_ramanujan",
        "incidence layers of a Ramanujan graph: (d, 2)-biregular Ramanujan layers n -> nd/2",
        (Param("--paley", "paley", int, "use the Paley graph of this prime q = 1 (mod 4)",
               metavar="Q"),
         Param("--lps", "lps", parse_ints, "use the LPS graph X^{p,q}", metavar="P,Q"),
         Param("--graph", "graph", str, "use a regular graph read from a file (.mtx, "
               ".graphml, .gml, edge list)", metavar="FILE"),
         Param("--transpose", "transpose", None, "first layer edges -> vertices (m -> n)",
               action="store_true"),
         Param("--depth", "depth", int, "number of layers, alternating the incidence layer "
               "and its transpose", default=1, metavar="L")),
        ("topogen generate bipartite-ramanujan --paley 13 --depth 2 -o bram.npz",),
        build=_build_bipartite_ramanujan,
    ))
    register(Family(
        "from-graph", "from_graph",
        "any undirected graph file (.mtx, .graphml, .gml, edge list), stacked --depth times",
        (Param("--graph", "graph", str, "graph file to read", required=True,
               metavar="FILE", positional=True),
         Param("--depth", "depth", int, "number of layers", default=3, metavar="L",
               positional=True)),
        ("topogen generate from-graph --graph petersen.graphml --depth 3 -o g.npz",),
        prepare=_read_graph_file,
    ))
    register(Family(
        "dense", "dense", "fully connected layers (the baseline every sparse net is cut from)",
        (_WIDTHS,),
        ("topogen generate dense --widths 64,32,10 -o dense.npz",),
    ))
    register(Family(
        "erdos-renyi", "erdos_renyi",
        "uniformly random layers with exactly density * n_i * n_(i+1) edges (SET-style)",
        (_WIDTHS, Param("--density", "density", float, "density of every layer in (0, 1]",
                        metavar="D", positional=True), _SEED,
         Param("--epsilon", "epsilon", float, "SET's sparsity parameter instead of --density: "
               "layer density epsilon * (n_i + n_(i+1)) / (n_i * n_(i+1))", metavar="E")),
        ("topogen generate erdos-renyi --widths 64,64,64 --density 0.125 --seed 0 -o er.npz",),
    ))
    register(Family(
        "erk", "erk",
        "Erdos-Renyi-Kernel random layers: density per layer scaled by (n_in + n_out)",
        (_WIDTHS, Param("--density", "density", float, "overall density in (0, 1]",
                        required=True, metavar="D", positional=True), _SEED),
        ("topogen generate erk --widths 128,64,10 --density 0.1 --seed 0 -o erk.npz",),
    ))
    register(Family(
        "butterfly", "butterfly",
        "butterfly (FFT) network on n = 2^k neurons a layer",
        (Param("--n", "n", int, "neurons per layer, a power of 2", required=True, metavar="N",
               positional=True),
         Param("--depth", "depth", int, "number of layers (default log2 n)", metavar="L")),
        ("topogen generate butterfly --n 16 -o bfly.npz",),
    ))
    register(Family(
        "random-regular", "random_regular",
        "random biregular layers: every target of in-degree --degree, no repeated edges",
        (_WIDTHS, Param("--degree", "degree", parse_int_or_ints,
                        "in-degree (fan-in) of every target, one for all layers or one per "
                        "layer", required=True, metavar="D[,D,...]", positional=True), _SEED),
        ("topogen generate random-regular --widths 32,32,32 --degree 4 --seed 0 -o rr.npz",),
    ))


def _build_bipartite_ramanujan(values: dict):
    """``bipartite-ramanujan``: the layer of one graph source, alternated with its transpose."""
    import topogen

    given = [k for k in ("paley", "lps", "graph") if values.get(k) is not None]
    if len(given) != 1:
        raise TopogenError("bipartite-ramanujan needs exactly one of --paley Q, --lps P,Q or "
                           f"--graph FILE, got {len(given)}")
    if values.get("paley") is not None:
        graph = topogen.paley(values["paley"])
    elif values.get("lps") is not None:
        if len(values["lps"]) != 2:
            raise TopogenError(f"--lps takes two primes P,Q, got {values['lps']}")
        graph = topogen.lps(*values["lps"])
    else:
        graph = _read_graph_file({"graph": values["graph"]})["graph"]
    depth = values.get("depth") or 1
    if depth < 1:
        raise TopogenError(f"--depth must be >= 1, got {depth}")
    flip = bool(values.get("transpose"))
    first = topogen.bipartite_ramanujan(graph, transpose=flip)
    if depth == 1:
        return first
    second = topogen.bipartite_ramanujan(graph, transpose=not flip)
    return first.stack(*[second if k % 2 else first for k in range(1, depth)])


def _read_graph_file(kwargs: dict) -> dict:
    """Replace a graph file name by its adjacency (networkx graph or sparse matrix)."""
    path = kwargs["graph"]
    if not os.path.exists(path):
        raise TopogenError(f"--graph: no such file {path!r}")
    lower = path.lower()
    if lower.endswith(".mtx"):
        import scipy.io

        kwargs["graph"] = scipy.io.mmread(path)
    else:
        import networkx as nx

        readers = {".graphml": nx.read_graphml, ".gml": nx.read_gml}
        ext = os.path.splitext(lower)[1]
        reader = readers.get(ext, nx.read_edgelist)
        kwargs["graph"] = reader(path)
    return kwargs


_register_builtin_families()


def family_function(family: Family):
    """The library function of ``family``, or a TopogenError if it is not available."""
    import topogen

    try:
        return getattr(topogen, family.function)
    except (ImportError, AttributeError) as exc:
        raise TopogenError(
            f"family {family.name!r} is not available in this installation "
            f"(topogen.{family.function}: {exc})"
        ) from None


def build_topology(family: Family, values: dict, *, max_edges: int | None = None):
    """Call the generator of ``family`` with parsed option ``values`` and return a Topology."""
    import topogen

    kwargs = {p.dest: values.get(p.dest, p.default) for p in family.params}
    if family.prepare is not None:
        kwargs = family.prepare(kwargs)
    func = family_function(family)
    if family.build is not None:
        return family.build(kwargs)
    depth = kwargs.pop("depth") if family.graph else None
    args = [kwargs.pop(p.dest) for p in family.params if p.positional and p.dest in kwargs]
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if max_edges is not None and "max_edges" in inspect.signature(func).parameters:
        kwargs["max_edges"] = max_edges
    result = func(*args, **kwargs)
    if family.finish is not None:
        result = family.finish(result)
    if family.graph:
        extra = {} if max_edges is None else {"max_edges": max_edges}
        result = topogen.from_graph(result, depth, **extra)
    return result


# ---------------------------------------------------------------------------- argparse
class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``topogen generate: error: ...``), exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _help_width() -> int:
    import shutil

    return max(60, min(100, shutil.get_terminal_size().columns - 2))


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of descriptions (wrapped by :func:`_wrap`) and examples."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=30, width=_help_width())


def _wrap(text: str) -> str:
    """Wrap each paragraph of a description to the help width."""
    width = _help_width()
    return "\n\n".join(textwrap.fill(par, width) for par in text.split("\n\n"))


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars or status messages (results still print)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback on errors")
    return common


def _epilog(lines) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _add_parser(sub, name, *, help, description, examples, parents):
    return sub.add_parser(name, help=help, description=_wrap(description),
                          epilog=_epilog(examples), formatter_class=_Formatter, parents=parents)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``topogen`` command (sub-commands and families)."""
    common = _common()
    parser = _Parser(
        prog=PROG,
        description=_wrap("Sparse neural-network topologies from graph theory: generate, "
                          "inspect, export and plot RadiX-Nets, X-Nets, Ramanujan expanders "
                          "and baselines."),
        epilog=_epilog([
            "topogen demo",
            "topogen generate radix-net --radices 2,2,2:4 --widths 1,2,2,2,1 -o net.npz",
            "topogen info net.npz",
            "topogen export net.npz --format tsv -o net-gc/",
            "topogen plot net.npz -o net.png",
        ]) + "\n\n'topogen COMMAND --help' describes each command.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"topogen {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bars or status messages (results still print)")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    _add_generate(sub, common)
    _add_info(sub, common)
    _add_export(sub, common)
    _add_plot(sub, common)
    _add_demo(sub, common)
    _add_verify(sub, common)
    return parser


def _add_generate(sub, common) -> None:
    gen = _add_parser(
        sub, "generate", help="build a topology of one family and write it to a file",
        description="Build a topology of one generator family and write it to a file; the "
        "format follows the file name (.npz, .graphml; a folder with --format mtx or tsv) "
        "or --format.  'topogen generate FAMILY --help' lists the options of a family.",
        examples=[ex for f in list(FAMILIES.values())[:3] for ex in f.examples]
        + ["topogen generate x-net --help"],
        parents=[common],
    )
    fam_sub = gen.add_subparsers(dest="family", metavar="FAMILY", parser_class=_Parser)
    fam_sub.required = True
    for family in FAMILIES.values():
        fp = _add_parser(fam_sub, family.name, help=family.summary,
                         description=family.summary + f"\n\n(library: topogen.{family.function})",
                         examples=family.examples, parents=[common])
        for p in family.params:
            if p.action:
                fp.add_argument(p.flag, dest=p.dest, action=p.action, help=p.help)
                continue
            fp.add_argument(p.flag, dest=p.dest, type=p.parse, required=p.required,
                            default=p.default, metavar=p.metavar, choices=p.choices,
                            help=p.help + ("" if p.default is None else f" (default {p.default})"))
        out = fp.add_mutually_exclusive_group(required=True)
        out.add_argument("-o", "--output", metavar="FILE", help="file (or folder) to write")
        out.add_argument("--print", action="store_true",
                         help="print the topology's summary instead of writing a file")
        fp.add_argument("--format", help="file format (default: from the file name)")
        fp.add_argument("--max-edges", type=int, default=None, metavar="N",
                        help=f"refuse larger topologies (default {DEFAULT_MAX_EDGES:,})")
        if family.stream:
            fp.add_argument("--stream", action="store_true",
                            help="build and write one layer at a time (memory for one layer, "
                            "any depth); formats npz, tsv, mtx")
        fp.set_defaults(handler=cmd_generate, family_obj=family)


def _add_info(sub, common) -> None:
    p = _add_parser(
        sub, "info", help="analyse a topology file: sizes, degrees, paths, spectral gap",
        description="Analyse a topology: widths, edges and density per layer, degree "
        "regularity, exact path counts and symmetry, and each layer's spectral gap against "
        "its Ramanujan bound.",
        examples=["topogen info net.npz", "topogen info net.npz --json > net.json",
                  "topogen info big.npz --no-spectral"],
        parents=[common],
    )
    p.add_argument("file", help="topology file or folder (as written by generate/export)")
    p.add_argument("--format", help="file format (default: from the file name)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-spectral", action="store_true", help="skip the spectra (faster)")
    p.set_defaults(handler=cmd_info)


def _add_export(sub, common) -> None:
    p = _add_parser(
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
    p.set_defaults(handler=cmd_export)


PLOT_KINDS = ("layers", "spy", "spectrum", "paths")


def _add_plot(sub, common) -> None:
    p = _add_parser(
        sub, "plot", help="draw a topology to PNG/SVG/PDF",
        description="Draw a topology: the layered graph (layers), the sparsity pattern of "
        "every layer (spy), the singular values with the Ramanujan bound (spectrum) or the "
        "path-count heatmap (paths).  The image format follows the file name.",
        examples=["topogen plot net.npz -o net.png", "topogen plot net.npz --kind spy -o spy.svg",
                  "topogen plot net.npz --kind spectrum -o spectrum.pdf"],
        parents=[common],
    )
    p.add_argument("file", help="topology file or folder")
    p.add_argument("-o", "--output", required=True, metavar="IMAGE",
                   help="image to write (.png, .svg, .pdf)")
    p.add_argument("--kind", choices=PLOT_KINDS, default="layers",
                   help="what to draw (default layers)")
    p.add_argument("--format", help="input file format (default: from the file name)")
    p.add_argument("--dpi", type=int, default=150, help="resolution of raster images")
    p.set_defaults(handler=cmd_plot)


def _add_demo(sub, common) -> None:
    p = _add_parser(
        sub, "demo", help="compare a RadiX-Net, an X-Net, a Ramanujan stack and a random net",
        description="Build four topologies of the same widths (1092 neurons, 4 layers) and "
        "about the same density: a stack of LPS Ramanujan layers (X^{17,13}), the nearest "
        "RadiX-Net, an X-Net and an Erdos-Renyi random baseline; print a comparison table; "
        "write their masks (.npz), layer drawings, spectra and report.json into a folder.",
        examples=["topogen demo", "topogen demo -o /tmp/demo --seed 1"],
        parents=[common],
    )
    p.add_argument("-o", "--output", default="topogen-demo", metavar="DIR",
                   help="output folder (default ./topogen-demo)")
    p.add_argument("--seed", type=parse_seed, default=0, help="seed of the random nets")
    p.add_argument("--no-plots", action="store_true", help="skip the pictures (faster)")
    p.set_defaults(handler=cmd_demo)


def _add_verify(sub, common) -> None:
    try:
        from .verify import command as verify_command
    except ImportError as exc:
        reason = str(exc)
        p = _add_parser(sub, "verify", help="train a topology and compare it to dense "
                        "(needs the topogen.verify module)",
                        description="Not available in this installation.",
                        examples=["topogen verify --help"], parents=[common])
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(handler=lambda args: _missing_verify(reason))
        return
    verify_command.register(sub)


def _missing_verify(reason: str) -> int:
    raise TopogenError(
        f"topogen verify is not available: topogen.verify.command could not be imported "
        f"({reason}); install topogen with its training extra: pip install 'topogen[train]'"
    )


# ---------------------------------------------------------------------------- commands
def _say(args, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr)


def _progress(args) -> bool | None:
    return False if args.quiet else None


def _load(path: str, fmt: str | None):
    import topogen

    if not os.path.exists(path):
        raise TopogenError(f"no such file or folder: {path!r}")
    return topogen.load(path, format=fmt)


def cmd_generate(args) -> int:
    """``topogen generate FAMILY ...``."""
    family = args.family_obj
    values = {p.dest: getattr(args, p.dest) for p in family.params}
    if getattr(args, "stream", False):
        return _generate_streaming(args, family, values)
    topology = build_topology(family, values, max_edges=args.max_edges)
    if args.print:
        print(repr(topology))
        return 0
    import topogen

    topogen.save(topology, args.output, format=args.format)
    _say(args, f"wrote {topology!r} to {args.output}")
    return 0


_STREAM_FORMATS = ("npz", "tsv", "mtx")


def _generate_streaming(args, family: Family, values: dict) -> int:
    """``generate ... --stream``: layers built and written one at a time."""
    from . import export

    if args.print:
        raise TopogenError("--stream writes a file; use -o FILE instead of --print")
    fmt = (args.format or os.path.splitext(args.output)[1].lstrip(".")).lower()
    if fmt not in _STREAM_FORMATS:
        raise TopogenError(
            f"--stream writes {', '.join(_STREAM_FORMATS)}; got format {fmt or 'none'!r} for "
            f"{args.output!r} (name a .npz file, or a folder with --format tsv or mtx)"
        )
    kwargs = {p.dest: values.get(p.dest, p.default) for p in family.params}
    if family.prepare is not None:
        kwargs = family.prepare(kwargs)
    args_in_order = [kwargs[p.dest] for p in family.params if p.positional]
    layers = getattr(export, family.stream)(*args_in_order)
    from .topology import make_meta

    meta = make_meta(family.function, kwargs)
    progress = _progress(args)
    if fmt == "npz":
        info = export.stream_npz(layers, args.output, meta=meta, progress=progress)
    else:
        from .export.stream import stream_layers

        info = stream_layers(layers, args.output, kind=fmt, meta=meta, progress=progress)
    _say(args, f"wrote {len(info['layer_nnz'])} layers, {sum(info['layer_nnz']):,} edges, to "
         f"{args.output}")
    return 0


def cmd_info(args) -> int:
    """``topogen info FILE``."""
    from .analysis.report import analyze

    topology = _load(args.file, args.format)
    report = analyze(topology, spectral=not args.no_spectral, progress=_progress(args))
    print(report.to_json() if args.json else report.table())
    return 0


def cmd_export(args) -> int:
    """``topogen export FILE --format FMT -o OUT``."""
    import topogen

    topology = _load(args.file, args.input_format)
    options = {}
    if (args.format or "").lower() in ("tsv", "mtx"):  # the folder writers show progress
        options["progress"] = _progress(args)
    topogen.save(topology, args.output, format=args.format, **options)
    _say(args, f"wrote {topology!r} to {args.output}")
    return 0


def _use_agg() -> None:
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")


def save_figure(fig, path: str, *, dpi: int = 150) -> None:
    """Write ``fig`` atomically (temporary file in the same folder, then rename)."""
    import matplotlib.pyplot as plt

    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in {"png", "svg", "pdf", "jpg", "jpeg", "eps", "ps", "webp", "tif", "tiff"}:
        raise TopogenError(
            f"cannot tell the image format of {path!r}; use a name ending in .png, .svg or .pdf"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise TopogenError(f"the folder of {path!r} does not exist")
    try:
        with atomic_file(path) as handle:
            fig.savefig(handle, format=ext, dpi=dpi)
    finally:
        plt.close(fig)


def draw(topology, kind: str):
    """The figure ``topogen plot --kind KIND`` draws."""
    _use_agg()
    from . import plot

    if kind == "layers":
        return plot.draw_layers(topology)
    if kind == "spy":
        shown = None if topology.depth <= 12 else list(range(12))
        return plot.spy(topology, layers=shown)
    if kind == "spectrum":
        return plot.spectrum(topology)
    if kind == "paths":
        return plot.path_counts(topology)
    raise TopogenError(f"--kind must be one of {', '.join(PLOT_KINDS)}, got {kind!r}")


def cmd_plot(args) -> int:
    """``topogen plot FILE -o IMAGE``."""
    topology = _load(args.file, args.format)
    fig = draw(topology, args.kind)
    save_figure(fig, args.output, dpi=args.dpi)
    _say(args, f"wrote {args.kind} plot of {topology!r} to {args.output}")
    return 0


# ---------------------------------------------------------------------------- demo
#: LPS graph of the demo: X^{17,13} lives on PSL(2, 13) (17 is a square mod 13), so it has
#: 13 * (13**2 - 1) / 2 = 1092 vertices, is 18-regular, not bipartite, and Ramanujan.
DEMO_LPS = (17, 13)
DEMO_DEPTH = 4


def demo_topologies(seed: int = 0) -> dict:
    """The four networks of ``topogen demo``: widths ``(1092,) * 5``, density about 0.016.

    * ``ramanujan``: every layer the LPS Ramanujan graph ``X^{17,13}`` (1092 vertices,
      18-regular; :func:`topogen.lps`, :func:`topogen.from_graph`), density ``18 / 1092``.
    * ``radix-net``: ``radix_net([[6, 7, 13], [7]], [2] * 5)``, the RadiX-Net that
      :func:`topogen.fit_radix_net` finds nearest to those widths and density (``N' = 546``
      widened twice; degrees 12, 14, 26, 14; every input reaches every output by exactly 56
      paths).
    * ``x-net``: random biregular expander layers of degree 18 (:func:`topogen.x_net`).
    * ``erdos-renyi``: every edge kept with probability ``18 / 1092`` (the random baseline).

    Returns ``{name: Topology}`` in that order (tested in ``tests/test_cli.py``).
    """
    import topogen

    ramanujan = topogen.from_graph(topogen.lps(*DEMO_LPS), DEMO_DEPTH)
    widths = ramanujan.widths
    degree = ramanujan.layer_nnz[0] // widths[0]
    return {
        "radix-net": topogen.radix_net([[6, 7, 13], [7]], [2] * (DEMO_DEPTH + 1)),
        "x-net": topogen.x_net(widths, degree=degree, seed=seed),
        "ramanujan": ramanujan,
        "erdos-renyi": topogen.erdos_renyi(widths, ramanujan.density, seed=seed),
    }


#: Leading singular values of each network drawn by the demo (all 1092 would need a dense
#: decomposition per network: seconds each).
DEMO_SPECTRUM_VALUES = 100


def demo_spectra_figure(topologies: dict):
    """The leading singular values of the first layer of each demo network, with bounds."""
    _use_agg()
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from . import plot

    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    cycle = mpl.colormaps["tab10"]
    for j, (name, topology) in enumerate(topologies.items()):
        plot.spectrum(topology, ax=ax, layers=[0], color=cycle(j), label=name,
                      k=DEMO_SPECTRUM_VALUES, method="sparse")
    ax.set_title(f"first layer of each network: the {DEMO_SPECTRUM_VALUES} largest singular "
                 "values (dashed: Ramanujan bound)", fontsize=10)
    return fig


def _demo_row(name: str, report) -> list[str]:
    from .analysis.report import _fmt_count

    p = report.paths
    if p["symmetric"]:
        paths = _fmt_count(p["per_pair"])
    else:
        paths = f"~{_fmt_count(p['per_pair'])}"
    ratios = [
        layer.spectral["lambda2"] / layer.spectral["ramanujan_bound"]
        for layer in report.layers
        if layer.spectral and layer.spectral.get("ramanujan_bound")
    ]
    rams = [layer.spectral.get("is_ramanujan") for layer in report.layers if layer.spectral]
    worst_l2 = max((layer.spectral["lambda2"] for layer in report.layers if layer.spectral),
                   default=math.nan)
    return [
        name,
        f"{report.nnz:,}",
        f"{report.density:.4f}",
        "yes" if report.regular else "no",
        paths,
        "yes" if p["symmetric"] else "no",
        "yes" if p["path_connected"] else "no",
        f"{worst_l2:.3f}",
        f"{max(ratios):.3f}" if ratios else "-",
        ("yes" if all(rams) else "no") if rams and None not in rams else "-",
    ]


DEMO_COLUMNS = ["network", "edges", "density", "regular", "paths/pair", "symmetric",
                "connected", "max lambda2", "lambda2/bound", "ramanujan"]


def demo_rows(reports: dict) -> list[list[str]]:
    """Header and one row per network of the demo's comparison, for ``{name: Report}``."""
    return [DEMO_COLUMNS] + [_demo_row(name, rep) for name, rep in reports.items()]


def demo_table(reports: dict) -> str:
    """The comparison table of ``topogen demo`` as aligned text."""
    from .analysis.report import format_rows

    return format_rows(demo_rows(reports))


def cmd_demo(args) -> int:
    """``topogen demo``: build, compare, save and draw four networks."""
    import topogen

    from .analysis.report import analyze

    out_dir = os.path.abspath(args.output)
    os.makedirs(out_dir, exist_ok=True)
    progress = _progress(args)
    topologies = demo_topologies(args.seed)  # well under a second
    reports, written = {}, []
    steps = len(topologies) * (1 if args.no_plots else 2) + (0 if args.no_plots else 1)
    with Progress(steps, "analysing and writing", enabled=progress) as bar:
        for name, topology in topologies.items():
            reports[name] = analyze(topology, method="sparse")
            path = os.path.join(out_dir, f"{name}.npz")
            topogen.save(topology, path)
            written.append(path)
            bar.update()
            if not args.no_plots:
                image = os.path.join(out_dir, f"{name}-layers.png")
                save_figure(draw(topology, "layers"), image, dpi=110)
                written.append(image)
                bar.update()
        if not args.no_plots:
            image = os.path.join(out_dir, "spectra.png")
            save_figure(demo_spectra_figure(topologies), image, dpi=110)
            written.append(image)
            bar.update()
    report_path = os.path.join(out_dir, "report.json")
    _write_text(report_path, json.dumps({n: r.as_dict() for n, r in reports.items()}, indent=2))
    written.append(report_path)
    widths = next(iter(topologies.values())).widths
    print(f"Four networks of widths {' -> '.join(map(str, widths))} at about the same "
          "density:\n")
    print(demo_table(reports))
    print(textwrap.dedent("""
        paths/pair: paths from each input to each output (exact when symmetric, else mean).
        lambda2/bound: largest non-trivial singular value over the Ramanujan bound
        sqrt(d_out - 1) + sqrt(d_in - 1), worst layer; at most 1 means Ramanujan."""))
    kinds = "masks (.npz), report.json" + ("" if args.no_plots else
                                           ", layer drawings and spectra (.png)")
    _say(args, f"wrote {len(written)} files ({kinds}) to {out_dir}")
    return 0


def _write_text(path: str, text: str) -> None:
    write_text_atomic(path, text + "\n")


# ---------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    """Run the ``topogen`` command with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Errors print one line ``topogen: error: ...`` on stderr and return 2 (1 for an internal
    error); ``--debug`` re-raises them with the traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.quiet = bool(getattr(args, "quiet", False))
    args.debug = bool(getattr(args, "debug", False))
    handler = getattr(args, "handler", None) or getattr(args, "func", None)
    try:
        code = handler(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `topogen info net.npz --json | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (TopogenError, OSError) as exc:
        if args.debug:
            raise
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return 1
    return int(code or 0)


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}"
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
