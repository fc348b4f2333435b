"""The machinery of ``topogen generate FAMILY``: :class:`Param`, :class:`Command`, building.

A :class:`Command` is the command-line side of one family of the registry
:data:`topogen.families.FAMILIES`: its flags, examples and how to build it from their values.
The table of the built-in families' commands is :mod:`topogen.cli.families`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from .._checks import TopogenError, rng_and_seed
from ..families import FAMILIES as REGISTRY
from ..families import Family, family_function, get_family
from ._parse import parse_ints, parse_seed

__all__ = [
    "COMMANDS",
    "DENSITY",
    "DEPTH",
    "SEED",
    "WIDTHS",
    "Command",
    "Param",
    "build_matched",
    "build_topology",
    "matched_command",
    "register",
]


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
class Command:
    """The command-line side of one family of :data:`topogen.families.FAMILIES`.

    Attributes
    ----------
    name : str
        The family's registered name, the sub-command (``radix-net``).
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

    @property
    def family(self) -> Family:
        """The registry entry (:func:`topogen.families.get_family`)."""
        return get_family(self.name)

    @property
    def function(self) -> str | None:
        """Name of the family's library function, from the registry."""
        return self.family.function

    @property
    def summary(self) -> str:
        """The family's one line, from the registry."""
        return self.family.summary


#: family name -> its Command, for the families whose flags are declared here.
COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    """Add the flags of a registered family to :data:`COMMANDS`; return them.

    Parameters
    ----------
    command : Command
        Its ``name`` must be in :data:`topogen.families.FAMILIES` and have no Command yet.
    """
    if command.name not in REGISTRY:
        raise ValueError(f"{command.name!r} is not in topogen.families.FAMILIES: register "
                         "the family there first")
    if command.name in COMMANDS:
        raise ValueError(f"family {command.name!r} already has its command-line flags")
    COMMANDS[command.name] = command
    return command


def matched_command(family: Family, examples: tuple = ()) -> Command:
    """``--widths``, ``--density`` and (for a random family) ``--seed`` over its matched builder.

    Parameters
    ----------
    family : Family
        A registered family with a matched builder.
    examples : tuple of str, optional
        Command lines for ``--help``; by default one with widths 64,64,64 and density 0.25.
    """
    params = (WIDTHS, Param("--density", "density", float, "density of every layer in "
                             "(0, 1]", required=True, metavar="D", positional=True))
    if family.random:
        params += (SEED,)
    examples = examples or (f"topogen generate {family.name} --widths 64,64,64 --density 0.25 "
                            f"-o {family.name}.npz",)
    return Command(family.name, params, examples, build=partial(build_matched, family=family))


def build_matched(values: dict, *, family: Family, max_edges=None, **_):
    """Call ``family.matched`` with the same density for every layer; draw a seed if random.

    Parameters
    ----------
    values : dict
        Parsed options: ``widths``, ``density`` and ``seed``.
    family : Family
    max_edges : int, optional
        ``--max-edges``, passed on when the builder takes it.
    **_
        Ignored (the common builder keywords).
    """
    widths = values["widths"]
    seed = values.get("seed")
    if family.random and seed is None:
        seed = rng_and_seed(None)[1]
    extra = {}
    if max_edges is not None and _takes(family.matched, "max_edges"):
        extra["max_edges"] = max_edges
    result = family.matched(widths, [values["density"]] * (len(widths) - 1), seed, **extra)
    if result is None:  # the dense family's matched builder
        import topogen

        result = topogen.dense(widths, **extra)
    return result


def _takes(func, name: str) -> bool:
    params = inspect.signature(func).parameters.values()
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in params)


WIDTHS = Param("--widths", "widths", parse_ints, "neurons per layer, e.g. 64,64,64,10",
                required=True, metavar="N,N,...", positional=True)
DENSITY = Param("--density", "density", float, "fraction of possible edges in (0, 1]",
                 metavar="D")
SEED = Param("--seed", "seed", parse_seed, "random seed (same seed, same topology)",
              metavar="INT")
DEPTH = Param("--depth", "depth", int, "number of layers (each a copy of the graph's "
               "bipartite double cover)", default=3, metavar="L")


def build_topology(command: Command, values: dict, *, max_edges: int | None = None, say=None):
    """Build the family of ``command`` from parsed option ``values``; return a Topology.

    Library messages come back in the command line's terms (``--max-edges``, ...); ``say``
    receives status lines (e.g. why a fit is not exact).  Options left out (None) are not
    passed, so the library's defaults apply (a random family draws and records its seed).

    Parameters
    ----------
    command : Command
    values : dict
        Parsed option values by ``dest`` (None: left out).
    max_edges : int, optional
        ``--max-edges``; None keeps the library's cap.
    say : callable, optional
        ``say(line)`` receives status lines.
    """
    from ._common import in_cli_terms

    try:
        return _build_topology(command, values, max_edges=max_edges, say=say)
    except TopogenError as exc:
        raise TopogenError(in_cli_terms(str(exc))) from exc


def _build_topology(command: Command, values: dict, *, max_edges, say):
    import topogen

    kwargs = {p.dest: values.get(p.dest, p.default) for p in command.params}
    for name in command.option_dests:
        kwargs[name] = values.get(name)
    if command.prepare is not None:
        kwargs = command.prepare(kwargs)
    func = family_function(command.family)
    if command.build is not None:
        return command.build(kwargs, max_edges=max_edges, say=say)
    kwargs = {k: v for k, v in kwargs.items() if k not in command.option_dests}
    depth = kwargs.pop("depth") if command.graph else None
    args = [kwargs.pop(p.dest) for p in command.params if p.positional and p.dest in kwargs]
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if max_edges is not None and _takes(func, "max_edges"):
        kwargs["max_edges"] = max_edges
    result = func(*args, **kwargs)
    if command.finish is not None:
        result = command.finish(result)
    if command.graph:
        extra = {} if max_edges is None else {"max_edges": max_edges}
        result = topogen.from_graph(result, depth, **extra)
    return result
