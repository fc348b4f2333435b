"""The generator families of ``topogen generate``: one :class:`Family` entry each.

Every family is its name, the library function and its options, so ``topogen generate
FAMILY --help`` documents the family and a new family is one :func:`register` call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from .._checks import TopogenError
from ._builders import build_bipartite_ramanujan, build_fit, build_lps, fit_options
from ._graph_file import read_graph_file
from ._parse import parse_int_or_ints, parse_ints, parse_radices, parse_radix_lists, parse_seed
from ._stream_checks import check_challenge_stream, check_radix_stream

__all__ = ["FAMILIES", "Family", "Param", "build_topology", "family_function", "register"]


# ---------------------------------------------------------------------------- the registry
@dataclass(frozen=True)
class Param:
    """One option of a generator family.

    ``flag`` is the command-line option (``--widths``), ``dest`` the keyword of the library
    function, ``parse`` turns the text into a value; positional parameters are passed
    positionally in registry order.  ``deprecated`` lists old spellings of the flag that
    still work with a warning on stderr (``deprecated_why`` says why).
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
    deprecated: tuple = ()
    deprecated_why: str = ""


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
        Name of a function in :mod:`topogen.export` (or a dotted ``module.function``) that
        yields the layers one at a time from the same arguments; enables ``--stream``
        (write layer by layer, any size).  If what it returns has a ``meta``, that is
        written (it records a drawn seed).
    stream_check : callable, optional
        ``(kwargs, fmt, path, max_edges, say) -> None``: refuses a ``--stream`` request
        too large for memory (per layer) or for the disk (total), before writing.
    options : tuple of callable
        Each adds options of the command itself (not of the library function) to the
        family's parser, e.g. ``--tolerance`` of ``fit-radix-net``; their values reach
        ``build`` under the names in ``option_dests``.
    option_dests : tuple of str
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
    stream_check: Callable | None = field(default=None, compare=False)
    options: tuple = field(default=(), compare=False)
    option_dests: tuple = ()


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add ``family`` to :data:`FAMILIES` (name must be new); return it.

    Parameters
    ----------
    family : Family
        The family; its ``name`` becomes ``topogen generate NAME``.
    """
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


def _radix_multipliers_default(kwargs: dict) -> dict:
    """All-ones multipliers when none are given (the library's default, spelled out for
    :func:`topogen.export.radix_net_layers`, which needs them)."""
    if kwargs.get("multipliers") is None:
        kwargs["multipliers"] = [1] * (sum(len(lst) for lst in kwargs["radix_lists"]) + 1)
    return kwargs


def _register_builtin_families() -> None:
    register(Family(
        "radix-net", "radix_net",
        "RadiX-Net: extended mixed-radix layers widened by a dense net (Robinett & Kepner)",
        (Param("--radices", "radix_lists", parse_radix_lists,
               "radix lists, ',' between radices and ':' between lists", required=True,
               metavar="R,R:R", positional=True),
         Param("--multipliers", "multipliers", parse_ints,
               "Kronecker multipliers B_0..B_L, one more than the number of radices: layer i "
               "has B_i * N' neurons (default all 1, as in the library)", metavar="B,B,...",
               positional=True, deprecated=("--widths",),
               deprecated_why="for radix-net it meant the multipliers B, not neuron counts")),
        ("topogen generate radix-net --radices 2,2,2:4 --multipliers 1,2,2,2,1 -o net.npz",
         "topogen generate radix-net --radices 32,32:32,32:32,32 --stream -o neuron1024/"),
        prepare=_radix_multipliers_default,
        stream="radix_net_layers",
        stream_check=check_radix_stream,
    ))
    register(Family(
        "graph-challenge", "graph_challenge",
        "the Sparse DNN Graph Challenge network: a RadiX-Net block, its rows permuted anew "
        "in every later block (Kepner et al. 2019)",
        (Param("--neurons", "neurons", int, "neurons per layer", default=1024, metavar="N",
               positional=True, choices=(1024, 4096, 16384, 65536)),
         Param("--layers", "layers", int, "number of layers (the challenge's: 120, 480, 1920)",
               default=120, metavar="L", positional=True),
         Param("--seed", "seed", parse_seed, "seed of the block permutations (default: drawn "
               "and recorded in the file)", metavar="INT")),
        ("topogen generate graph-challenge --neurons 1024 --layers 120 --seed 0 -o gc.npz",
         "topogen generate graph-challenge --neurons 1024 --layers 120 --seed 0 -o neuron1024/",
         "topogen generate graph-challenge --neurons 65536 --layers 1920 --stream "
         "-o neuron65536.npz"),
        stream="topogen.generators.challenge.graph_challenge_layers",
        stream_check=check_challenge_stream,
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
        ("topogen generate fit-radix-net --widths 256,256,256,256 --density 0.1 -o fit.npz",
         "topogen generate fit-radix-net --widths 100,200,10 --density 0.05 --tolerance 4 "
         "--print"),
        build=build_fit,
        options=(fit_options,),
        option_dests=("tolerance",),
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
        "Lubotzky-Phillips-Sarnak Ramanujan graph X^{p,q}, (p+1)-regular, --depth layers (its "
        "biadjacency when bipartite)",
        (Param("--p", "p", int, "prime p = 1 (mod 4): the degree is p + 1", required=True,
               metavar="P", positional=True),
         Param("--q", "q", int, "prime q = 1 (mod 4), q != p", required=True, metavar="Q",
               positional=True), _DEPTH),
        ("topogen generate lps --p 5 --q 13 --depth 3 -o lps.npz",),
        build=build_lps,
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
        build=build_bipartite_ramanujan,
    ))
    register(Family(
        "from-graph", "from_graph",
        "any undirected graph file (.mtx, .graphml, .gml, edge list), stacked --depth times",
        (Param("--graph", "graph", str, "graph file to read", required=True,
               metavar="FILE", positional=True),
         Param("--depth", "depth", int, "number of layers", default=3, metavar="L",
               positional=True)),
        ("topogen generate from-graph --graph petersen.graphml --depth 3 -o g.npz",),
        prepare=read_graph_file,
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


_register_builtin_families()


def family_function(family: Family):
    """The library function of ``family``, or a TopogenError if it is not available.

    Parameters
    ----------
    family : Family
    """
    import topogen

    try:
        return getattr(topogen, family.function)
    except (ImportError, AttributeError) as exc:
        raise TopogenError(
            f"family {family.name!r} is not available in this installation "
            f"(topogen.{family.function}: {exc})"
        ) from None


def build_topology(family: Family, values: dict, *, max_edges: int | None = None, say=None):
    """Call the generator of ``family`` with parsed option ``values`` and return a Topology.

    Library messages come back in the command line's terms (``--max-edges``, ...); ``say``
    receives status lines (e.g. why a fit is not exact).  Options left out (None) are not
    passed, so the library's defaults apply (a random family draws and records its seed).

    Parameters
    ----------
    family : Family
    values : dict
        Parsed option values by ``dest`` (None: left out).
    max_edges : int, optional
        ``--max-edges``; None keeps the library's cap.
    say : callable, optional
        ``say(line)`` receives status lines.
    """
    from ._common import in_cli_terms

    try:
        return _build_topology(family, values, max_edges=max_edges, say=say)
    except TopogenError as exc:
        raise TopogenError(in_cli_terms(str(exc))) from exc


def _build_topology(family: Family, values: dict, *, max_edges, say):
    import topogen

    kwargs = {p.dest: values.get(p.dest, p.default) for p in family.params}
    for name in family.option_dests:
        kwargs[name] = values.get(name)
    if family.prepare is not None:
        kwargs = family.prepare(kwargs)
    func = family_function(family)
    if family.build is not None:
        return family.build(kwargs, max_edges=max_edges, say=say)
    kwargs = {k: v for k, v in kwargs.items() if k not in family.option_dests}
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
