"""The flags of ``topogen generate FAMILY``: one :class:`~topogen.cli._command.Command` each.

The families themselves (name, library function, summary, whether random, matched builder)
are the one registry :data:`topogen.families.FAMILIES`, which the verifier reads too.  This
module adds only what the command line needs: each family's options, examples and, where
one library call is not enough, how to build it from the option values.  A registered family
without a Command of its own but with a matched builder gets ``--widths``, ``--density`` and
(when random) ``--seed`` from :func:`commands`, so a new family is one
:func:`topogen.families.register_family` call.
"""

from __future__ import annotations

from ..families import FAMILIES as REGISTRY
from ..families import get_family
from ._builders import build_bipartite_ramanujan, build_fit, build_lps, fit_options
from ._command import (
    COMMANDS,
    DENSITY,
    DEPTH,
    SEED,
    WIDTHS,
    Command,
    Param,
    build_topology,
    matched_command,
    register,
)
from ._graph_file import read_graph_file
from ._parse import parse_int_or_ints, parse_ints, parse_radices, parse_radix_lists, parse_seed
from ._stream_checks import check_challenge_stream, check_radix_stream

__all__ = ["COMMANDS", "Command", "Param", "build_topology", "commands", "register"]


def _radix_multipliers_default(kwargs: dict) -> dict:
    """All-ones multipliers when none are given (the library's default, spelled out for
    the ``--stream`` size check, which counts the neurons of every layer)."""
    if kwargs.get("multipliers") is None:
        kwargs["multipliers"] = [1] * (sum(len(lst) for lst in kwargs["radix_lists"]) + 1)
    return kwargs


def _register_builtin_families() -> None:
    register(Command(
        "radix-net",
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
    register(Command(
        "graph-challenge",
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
    register(Command(
        "mixed-radix",
        (Param("--radices", "radices", parse_radices, "the radices N_1..N_L", required=True,
               metavar="R,R,...", positional=True),),
        ("topogen generate mixed-radix --radices 2,3,4 -o mr.npz",),
    ))
    register(Command(
        "extended-mixed-radix",
        (Param("--radices", "radix_lists", parse_radix_lists,
               "radix lists, ',' between radices and ':' between lists", required=True,
               metavar="R,R:R", positional=True),),
        ("topogen generate extended-mixed-radix --radices 2,2,2:4,2 -o emr.npz",),
    ))
    register(Command(
        "fit-radix-net",
        (WIDTHS, Param("--density", "density", float, "target density in (0, 1]",
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
    register(Command(
        "x-net",
        (WIDTHS,
         Param("--degree", "degree", parse_int_or_ints,
               "in-degree (fan-in) of every target neuron, one for all layers or one per layer",
               metavar="D[,D,...]"),
         DENSITY, SEED,
         Param("--method", "method", str, "biregular: exact degrees both ways; prabhu: the "
               "paper's code, each target picks D sources", default="biregular",
               choices=("biregular", "prabhu"))),
        ("topogen generate x-net --widths 64,64,64 --degree 8 --seed 0 -o xnet.npz",),
    ))
    register(matched_command(get_family("ramanujan"), examples=(
        "topogen generate ramanujan --widths 240,240,240 --density 0.1 -o ramanujan.npz",)))
    register(Command(
        "margulis-gabber-galil",
        (Param("--n", "n", int, "the graph has n*n vertices", required=True, metavar="N",
               positional=True), DEPTH),
        ("topogen generate margulis-gabber-galil --n 8 --depth 3 -o mgg.npz",),
        graph=True,
    ))
    register(Command(
        "paley",
        (Param("--q", "q", int, "a prime, q = 1 (mod 4)", required=True, metavar="Q",
               positional=True), DEPTH),
        ("topogen generate paley --q 13 --depth 2 -o paley.npz",),
        graph=True,
    ))
    register(Command(
        "chordal-cycle",
        (Param("--p", "p", int, "an odd prime", required=True, metavar="P", positional=True),
         DEPTH),
        ("topogen generate chordal-cycle --p 31 --depth 3 -o cc.npz",),
        graph=True,
    ))
    register(Command(
        "lps",
        (Param("--p", "p", int, "prime p = 1 (mod 4): the degree is p + 1", required=True,
               metavar="P", positional=True),
         Param("--q", "q", int, "prime q = 1 (mod 4), q != p", required=True, metavar="Q",
               positional=True), DEPTH),
        ("topogen generate lps --p 5 --q 13 --depth 3 -o lps.npz",),
        build=build_lps,
    ))
    register(Command(
        "bipartite-ramanujan",
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
    register(Command(
        "from-graph",
        (Param("--graph", "graph", str, "graph file to read", required=True,
               metavar="FILE", positional=True),
         Param("--depth", "depth", int, "number of layers", default=3, metavar="L",
               positional=True)),
        ("topogen generate from-graph --graph petersen.graphml --depth 3 -o g.npz",),
        prepare=read_graph_file,
    ))
    register(Command(
        "dense",
        (WIDTHS,),
        ("topogen generate dense --widths 64,32,10 -o dense.npz",),
    ))
    register(Command(
        "erdos-renyi",
        (WIDTHS, Param("--density", "density", float, "density of every layer in (0, 1]",
                        metavar="D", positional=True), SEED,
         Param("--epsilon", "epsilon", float, "SET's sparsity parameter instead of --density: "
               "layer density epsilon * (n_i + n_(i+1)) / (n_i * n_(i+1))", metavar="E")),
        ("topogen generate erdos-renyi --widths 64,64,64 --density 0.125 --seed 0 -o er.npz",),
    ))
    register(Command(
        "erk",
        (WIDTHS, Param("--density", "density", float, "overall density in (0, 1]",
                        required=True, metavar="D", positional=True), SEED),
        ("topogen generate erk --widths 128,64,10 --density 0.1 --seed 0 -o erk.npz",),
    ))
    register(Command(
        "butterfly",
        (Param("--n", "n", int, "neurons per layer, a power of 2", required=True, metavar="N",
               positional=True),
         Param("--depth", "depth", int, "number of layers (default log2 n)", metavar="L")),
        ("topogen generate butterfly --n 16 -o bfly.npz",),
    ))
    register(Command(
        "random-regular",
        (WIDTHS, Param("--degree", "degree", parse_int_or_ints,
                        "in-degree (fan-in) of every target, one for all layers or one per "
                        "layer", required=True, metavar="D[,D,...]", positional=True), SEED),
        ("topogen generate random-regular --widths 32,32,32 --degree 4 --seed 0 -o rr.npz",),
    ))


_register_builtin_families()


def commands() -> list[Command]:
    """The Command of every family of :data:`topogen.families.FAMILIES`, in its order.

    A family with no flags declared here but a matched builder gets the generic
    ``--widths N,N,... --density D [--seed S]`` of :func:`matched_command`; a family with
    neither is left out.

    Returns
    -------
    list of Command
    """
    out = []
    for name, family in REGISTRY.items():
        if name in COMMANDS:
            out.append(COMMANDS[name])
        elif family.matched is not None:
            out.append(matched_command(family))
    return out
