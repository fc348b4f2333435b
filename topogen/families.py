"""The one registry of topology families, for the command line and the verifier.

A family is its name (``radix-net``), the library function that builds it, a one-line
summary, whether it is random, and, when it can be built for any widths at given layer
densities, a *matched* builder ``matched(widths, layer_densities, seed) -> Topology`` (None
for dense).  Everything else reads this table:

* ``topogen generate NAME`` offers every family: with the flags :mod:`topogen.cli` declares
  for it, or ``--widths``, ``--density`` and ``--seed`` for a family that has only a matched
  builder;
* :func:`topogen.verify.verify` trains every family with a matched builder, each at the
  edge count of the reference topology, layer by layer.

So a new family is one :func:`register_family` call.  Names are looked up by
:func:`get_family`, which also takes a family's aliases (the verifier's older names
``radix``, ``x_net`` and ``random``) and underscores for hyphens.

Examples
--------
>>> from topogen.families import FAMILIES, get_family
>>> get_family("random").name, get_family("x_net").name
('erdos-renyi', 'x-net')
>>> family_names(matched=True)
['radix-net', 'x-net', 'ramanujan', 'dense', 'erdos-renyi']
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

from ._checks import TopogenError, check_option

__all__ = ["FAMILIES", "Family", "family_function", "family_names", "get_family",
           "register_family", "uniform_random"]


@dataclass(frozen=True)
class Family:
    """One entry of :data:`FAMILIES`.

    Attributes
    ----------
    name : str
        The family's name: ``topogen generate NAME`` and ``verify(families=[NAME])``.
    matched : callable or None
        ``matched(widths, layer_densities, seed) -> Topology`` (None means dense): the
        family built for the given widths at one target density per layer.  None when
        the family cannot be built that way (a Paley graph has the size its prime gives).
    summary : str
        One line for tables and ``--help``.
    function : str or None
        The public function of :mod:`topogen` that builds it (``radix_net``), or a dotted
        ``module.function``; None when ``matched`` is the only way to build it.
    random : bool
        Whether the topology changes with the seed (then every seed builds its own).
    aliases : tuple of str
        Other names :func:`get_family` accepts.
    """

    name: str
    matched: Callable | None = None
    summary: str = ""
    function: str | None = None
    random: bool = True
    aliases: tuple = ()

    @property
    def build(self) -> Callable | None:
        """``matched``, under the name it had in ``topogen.verify`` before the one registry."""
        return self.matched

    @property
    def description(self) -> str:
        """``summary``, under the name it had in ``topogen.verify`` before the one registry."""
        return self.summary


#: name -> Family, in the order ``topogen generate --help`` lists them.
FAMILIES: dict[str, Family] = {}

_ALIASES: dict[str, str] = {}


def register_family(name: str, matched: Callable | None = None, summary: str = "", *,
                    function: str | None = None, random: bool = True, aliases=(),
                    replace: bool = False) -> Family:
    """Add a family to :data:`FAMILIES` (``replace=True`` to overwrite one).

    The positional arguments are those of the verifier's former ``register_family(name,
    build, description)``, so code written for it keeps working.

    Parameters
    ----------
    name : str
        Non-empty name, e.g. ``"my-net"``.
    matched : callable, optional
        ``matched(widths, layer_densities, seed) -> Topology``: ``widths`` are the sparse
        core's, ``layer_densities`` one target density per layer.  Needed for the verifier
        and for the generic ``topogen generate NAME --widths --density`` command.
    summary : str, default ""
        One line for tables and ``--help``.
    function : str, optional
        Name of the public :mod:`topogen` function (or dotted ``module.function``) that
        builds the family from its own arguments.
    random : bool, default True
        Whether the topology depends on the seed.
    aliases : iterable of str, default ()
        Other names that :func:`get_family` resolves to this one.
    replace : bool, default False
        Overwrite a family of the same name instead of refusing.

    Returns
    -------
    Family
        The entry added.

    Raises
    ------
    TopogenError
        For an empty or non-string name, a name or alias taken (without ``replace``), a
        ``matched`` that is not callable, or neither ``matched`` nor ``function``.

    Examples
    --------
    >>> import topogen
    >>> fam = register_family("my-radix", lambda w, d, s: topogen.radix_net([[2, 2]], [1, 1, 1]),
    ...                       "a fixed 4-4-4 RadiX-Net", random=False)
    >>> get_family("my_radix") is fam
    True
    >>> _ = FAMILIES.pop("my-radix")
    """
    if not isinstance(name, str) or not name.strip():
        raise TopogenError(f"family name must be a non-empty string, got {name!r}")
    aliases = tuple(aliases)
    for key in (name, *aliases):
        owner = _ALIASES.get(key, key if key in FAMILIES else None)
        if owner is not None and not (replace and owner == name):
            raise TopogenError(f"family name {key!r} is already taken by {owner!r}; "
                               "pass replace=True to overwrite that family")
    if matched is not None and not callable(matched):
        raise TopogenError(f"matched for family {name!r} must be callable, got {matched!r}")
    if matched is None and function is None:
        raise TopogenError(f"family {name!r} needs a matched builder or a function")
    family = Family(name, matched, summary, function, bool(random), aliases)
    FAMILIES[name] = family
    for alias in aliases:
        _ALIASES[alias] = name
    return family


def get_family(name: str, *, param: str = "family", matched: bool = False) -> Family:
    """The family called ``name``, one of its aliases, or its name with ``_`` for ``-``.

    Parameters
    ----------
    name : str
        What the user wrote (``radix-net``, ``radix``, ``x_net``).
    param : str, default "family"
        The parameter's name for the message (``"families"``, ``"--families"``).
    matched : bool, default False
        Accept only families with a matched builder (those the verifier can train).

    Returns
    -------
    Family

    Raises
    ------
    TopogenError
        Naming the families that would do.

    Examples
    --------
    >>> get_family("radix").name
    'radix-net'
    >>> get_family("paley", param="families", matched=True)
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: families must be one of 'radix-net', 'x-net', 'ramanujan', \
'dense' or 'erdos-renyi', got 'paley': family 'paley' cannot be built for given widths at a \
matched density (it has no matched builder)
    """
    key = name
    if isinstance(name, str) and name not in FAMILIES:
        key = _ALIASES.get(name, _ALIASES.get(name.replace("_", "-"), name.replace("_", "-")))
        if key not in FAMILIES:
            key = name
    names = family_names(matched=matched)
    try:
        return FAMILIES[check_option(param, key, names)]
    except TopogenError as exc:
        if key in FAMILIES:  # known, but not built at a matched density
            raise TopogenError(f"{exc}: family {key!r} cannot be built for given widths at a "
                               "matched density (it has no matched builder)") from None
        raise


def family_names(*, matched: bool = False) -> list[str]:
    """The registered names, in table order; with ``matched``, only the families that have a
    matched builder (those the verifier can train).

    Parameters
    ----------
    matched : bool, default False
        Keep only the families with a matched builder.

    Returns
    -------
    list of str

    Examples
    --------
    >>> family_names(matched=True)
    ['radix-net', 'x-net', 'ramanujan', 'dense', 'erdos-renyi']
    """
    return [n for n, f in FAMILIES.items() if f.matched is not None or not matched]


def family_function(family: Family) -> Callable:
    """The library function of ``family`` (``matched`` when it has none).

    Parameters
    ----------
    family : Family

    Returns
    -------
    callable

    Raises
    ------
    TopogenError
        If the function cannot be imported in this installation.

    Examples
    --------
    >>> family_function(get_family("dense")).__name__
    'dense'
    """
    import importlib

    import topogen

    if family.function is None:
        return family.matched
    try:
        if "." in family.function:
            module, _, attr = family.function.rpartition(".")
            return getattr(importlib.import_module(module), attr)
        return getattr(topogen, family.function)
    except (ImportError, AttributeError) as exc:
        raise TopogenError(
            f"family {family.name!r} is not available in this installation "
            f"({family.function}: {exc})"
        ) from None


# ---------------------------------------------------------------------------- matched builders
# Each takes ``max_edges=`` too, which ``topogen generate --max-edges`` passes on.
def _dense(widths, layer_densities, seed=None, **_):
    return None


def _radix_net(widths, layer_densities, seed=None, **size):
    # the verifier fits the RadiX-Net itself (verify.plan), with its ends; this is for direct use
    import numpy as np

    from .generators.fit import fit_radix_net

    fit = fit_radix_net(widths, float(np.mean(layer_densities)), exact_only=True)[0]
    return fit.build(**size)


def _x_net(widths, layer_densities, seed=None, **size):
    from ._checks import check_widths, rng_and_seed
    from .generators._common import check_layer_densities
    from .generators.expanders import x_net
    from .topology import make_meta, trusted

    widths = check_widths("widths", widths)
    _, dens = check_layer_densities("layer_densities", layer_densities, len(widths) - 1)
    rng, seed = rng_and_seed(seed)
    layers = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # rounding of degrees: we report density
        for i, d in enumerate(dens):
            layers.append(x_net(widths[i:i + 2], density=d, seed=rng, **size).layers[0])
    return trusted(layers, make_meta("x_net", {"widths": list(widths), "density": dens}, seed))


def _ramanujan(widths, layer_densities, seed=None, **size):
    from .generators.ramanujan import ramanujan_net

    return ramanujan_net(widths, list(layer_densities), **size)


def uniform_random(widths, layer_densities, seed=None, **size):
    """The ``erdos-renyi`` family's matched builder: exactly ``round(d_i n_i n_(i+1))`` edges.

    :func:`topogen.erdos_renyi` with one density per layer, so every layer has the edge
    count of the layer it is compared with, not only in expectation: the fairest random
    baseline at a given density (the verifier's ``random`` family, as it was called).

    Parameters
    ----------
    widths : sequence of int
        ``n_0 .. n_L``.
    layer_densities : sequence of float
        One density per layer, in ``(0, 1]``.
    seed : int, numpy.random.Generator or None
        None draws a seed; the one used is in ``meta["seed"]``.
    **size
        ``max_edges=``, as for :func:`topogen.erdos_renyi`.

    Returns
    -------
    Topology

    Examples
    --------
    >>> uniform_random([8, 8, 4], [0.25, 0.5], seed=0).layer_nnz
    (16, 16)
    """
    from ._checks import check_widths
    from .generators._common import check_layer_densities
    from .generators.baselines import erdos_renyi

    n_layers = len(check_widths("widths", widths)) - 1
    _, dens = check_layer_densities("layer_densities", layer_densities, n_layers)
    return erdos_renyi(widths, dens, seed, **size)


def _register_builtin_families() -> None:
    add = register_family
    add("radix-net", _radix_net, "RadiX-Net: extended mixed-radix layers widened by a dense "
        "net (Robinett & Kepner)", function="radix_net",
        random=False, aliases=("radix",))
    add("graph-challenge", None, "the Sparse DNN Graph Challenge network: a RadiX-Net block, "
        "its rows permuted anew in every later block (Kepner et al. 2019)",
        function="graph_challenge")
    add("mixed-radix", None, "one mixed-radix system: every input reaches every output by "
        "exactly one path", function="mixed_radix", random=False)
    add("extended-mixed-radix", None, "several mixed-radix systems in sequence",
        function="extended_mixed_radix", random=False)
    add("fit-radix-net", None, "the RadiX-Net closest to the given widths and density",
        function="fit_radix_net", random=False)
    add("x-net", _x_net, "X-Net: random expander layers of given degree or density (Prabhu "
        "et al. 2018)", function="x_net")
    add("ramanujan", _ramanujan, "one Paley or LPS Ramanujan graph per layer, widened by a "
        "Kronecker product to the widths, at the nearest density", function="ramanujan_net",
        random=False)
    add("margulis-gabber-galil", None, "Margulis-Gabber-Galil 8-regular expander on n^2 "
        "vertices, stacked --depth times", function="margulis_gabber_galil", random=False)
    add("paley", None, "Paley graph of a prime q = 1 (mod 4), stacked --depth times",
        function="paley", random=False)
    add("chordal-cycle", None, "chordal cycle graph on Z_p (x ~ x+1, x-1, 1/x), a 3-regular "
        "expander", function="chordal_cycle", random=False)
    add("lps", None, "Lubotzky-Phillips-Sarnak Ramanujan graph X^{p,q}, (p+1)-regular, --depth "
        "layers (its biadjacency when bipartite)", function="lps", random=False)
    add("bipartite-ramanujan", None, "incidence layers of a Ramanujan graph: (d, 2)-biregular "
        "Ramanujan layers n -> nd/2", function="bipartite_ramanujan", random=False)
    add("from-graph", None, "any undirected graph file (.mtx, .graphml, .gml, edge list), "
        "stacked --depth times", function="from_graph", random=False)
    add("dense", _dense, "fully connected layers (the baseline every sparse net is cut from)",
        function="dense", random=False)
    add("erdos-renyi", uniform_random, "uniformly random layers with exactly density * n_i * "
        "n_(i+1) edges (SET-style)", function="erdos_renyi", aliases=("random",))
    add("erk", None, "Erdos-Renyi-Kernel random layers: density per layer scaled by "
        "(n_in + n_out)", function="erk")
    add("butterfly", None, "butterfly (FFT) network on n = 2^k neurons a layer",
        function="butterfly", random=False)
    add("random-regular", None, "random biregular layers: every target of in-degree --degree, "
        "no repeated edges", function="random_regular")


_register_builtin_families()
