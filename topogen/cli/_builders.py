"""Families of ``topogen generate`` whose build is more than one library call.

``fit-radix-net`` (the fit, its explanation when it is not exact, and the ``--tolerance``
refusal) and ``bipartite-ramanujan`` (from ``--p/--q`` or from a ``--graph`` file).
"""

from __future__ import annotations

import math

from .._checks import TopogenError
from ._graph_file import read_graph_file

__all__ = [
    "FIT_TOLERANCE",
    "build_bipartite_ramanujan",
    "build_fit",
    "build_lps",
    "fit_options",
]


#: ``fit-radix-net --tolerance`` default: the fitted density within a factor 2 of --density.
FIT_TOLERANCE = 2.0


def fit_options(parser) -> None:
    """Add ``--tolerance F`` (default :data:`FIT_TOLERANCE`) to the ``fit-radix-net`` parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    """
    parser.add_argument(
        "--tolerance", type=float, default=FIT_TOLERANCE, metavar="F",
        help="accept only RadiX-Nets whose widths and layer densities lie within a factor "
        f"F > 1 of --widths and --density (default {FIT_TOLERANCE:g}; the library's "
        "tolerance= bounds the layer densities)")


def _fit_factor(fit) -> float:
    """How far ``fit`` is from what was asked: the largest factor of any width or the density."""
    ratios = [fit.density / fit.target_density]
    ratios += [w / t for w, t in zip(fit.widths, fit.target_widths, strict=True)]
    return max(max(r, 1 / r) for r in ratios)


def build_fit(values: dict, *, max_edges=None, say=None):
    """``fit-radix-net``: the best fit within --tolerance, explained when it is not exact.

    Parameters
    ----------
    values : dict
        Parsed options: ``widths``, ``density``, ``tolerance`` and ``exact_only``.
    max_edges : int, optional
        ``--max-edges``; None keeps the library's cap.
    say : callable, optional
        ``say(line)`` is told why the fit is not exact.

    Raises
    ------
    TopogenError
        If no RadiX-Net lies within the tolerance (naming the one that would pass).
    """
    import topogen

    tolerance = values.get("tolerance") or FIT_TOLERANCE
    fits = topogen.fit_radix_net(values["widths"], values["density"], tolerance=tolerance,
                                 exact_only=bool(values.get("exact_only")), limit=200)
    within = [f for f in fits if _fit_factor(f) <= tolerance * (1 + 1e-12)]
    if not within:
        best = fits[0]
        raise TopogenError(
            f"no RadiX-Net within a factor --tolerance {tolerance:g} of widths "
            f"{'-'.join(map(str, best.target_widths))} and density {best.target_density:g}; "
            f"the nearest is off by a factor {_fit_factor(best):.3g}: {best.explanation}; "
            f"pass --tolerance {math.ceil(_fit_factor(best) * 10) / 10:g} to accept it"
        )
    best = within[0]
    if say is not None and (not best.exact or abs(best.density / best.target_density - 1) > 0.01):
        say(f"nearest RadiX-Net (not an exact fit): {best.explanation}")
    extra = {} if max_edges is None else {"max_edges": max_edges}
    return best.build(**extra)


def build_bipartite_ramanujan(values: dict, **_):
    """``bipartite-ramanujan``: the layer of one graph source, alternated with its transpose.

    Parameters
    ----------
    values : dict
        Parsed options: exactly one of ``paley``, ``lps`` (two primes) or ``graph`` (a
        file name), and ``depth`` (default 1) and ``transpose``.
    **_
        Ignored (the common builder keywords).
    """
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
        graph = read_graph_file({"graph": values["graph"]})["graph"]
    depth = values.get("depth") or 1
    if depth < 1:
        raise TopogenError(f"--depth must be >= 1, got {depth}")
    flip = bool(values.get("transpose"))
    first = topogen.bipartite_ramanujan(graph, transpose=flip)
    if depth == 1:
        return first
    second = topogen.bipartite_ramanujan(graph, transpose=not flip)
    return first.stack(*[second if k % 2 else first for k in range(1, depth)])


#: Largest graph file ``--graph`` parses with networkx (GraphML, GML, edge lists): networkx
#: holds a Python object per node and edge, tens of times the file's size.  Matrix Market
#: files are read by SciPy and bounded by their declared sizes instead.


def build_lps(values: dict, *, max_edges=None, **_):
    """``lps``: :func:`topogen.generators.ramanujan.lps_net`, whose layer is the graph's
    adjacency when ``(p|q) = 1`` and its biadjacency when ``X^{p,q}`` is bipartite
    (``(p|q) = -1``), so that the network is connected in both cases and says which applies.

    Parameters
    ----------
    values : dict
        Parsed options: the primes ``p`` and ``q``, and ``depth`` (default 1).
    max_edges : int, optional
        ``--max-edges``; None keeps the library's cap.
    **_
        Ignored (the common builder keywords).
    """
    from ..generators.ramanujan import lps_net

    extra = {} if max_edges is None else {"max_edges": max_edges}
    return lps_net(values["p"], values["q"], values.get("depth") or 1, **extra)
