"""The registry of topology families the verifier compares, each at a matched density.

A family is a function ``build(widths, layer_densities, seed) -> Topology | None`` (None means
dense).  ``layer_densities`` has one target per layer: the verifier first fits the RadiX-Net
(whose densities are fixed by its radices, ``N_k / N'``) and then asks every other family for
the same density layer by layer, so that all sparse nets have (nearly) the same number of
weights.  Add a family with :func:`register_family`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._checks import (
    DEFAULT_MAX_EDGES,
    TopogenError,
    as_rng,
    check_density,
    check_max_edges,
    check_widths,
)
from .._primes import primes_in
from ..topology import Topology, csr_from_parts, make_meta, trusted

__all__ = [
    "FAMILIES", "Family", "kron_graph", "ramanujan_catalogue", "register_family",
    "uniform_random",
]


@dataclass(frozen=True)
class Family:
    """One entry of :data:`FAMILIES`.

    Attributes
    ----------
    name : str
        Key used by ``verify(families=...)`` and ``topogen verify --families``.
    build : callable
        ``build(widths, layer_densities, seed) -> Topology`` (or None for dense).
    description : str
        One line for tables and ``--help``.
    random : bool
        Whether the topology changes with the seed (then each seed gets its own).
    """

    name: str
    build: Callable
    description: str = ""
    random: bool = True


#: name -> Family; the verifier's families, in the order tables list them.
FAMILIES: dict[str, Family] = {}


def register_family(name: str, build: Callable, description: str = "", *, random: bool = True,
                    replace: bool = False) -> Family:
    """Add a family to :data:`FAMILIES` (``replace=True`` to overwrite one).

    Parameters
    ----------
    name : str
        Non-empty key used by ``verify(families=...)`` and ``--families``.
    build : callable
        ``build(widths, layer_densities, seed) -> Topology``: ``widths`` are the sparse
        core's, ``layer_densities`` one target density per layer.
    description : str, default ""
        One line for tables and ``--help``.
    random : bool, default True
        Whether the topology depends on the seed (then every seed builds its own).
    replace : bool, default False
        Overwrite a family of the same name instead of refusing.

    Returns
    -------
    Family
        The entry added.

    Raises
    ------
    TopogenError
        For an empty or non-string name, a name taken (without ``replace``), or a
        ``build`` that is not callable.

    Examples
    --------
    >>> import topogen
    >>> fam = register_family("my-radix", lambda w, d, s: topogen.radix_net([[2, 2]], [1, 1, 1]),
    ...                       "a fixed 4-4-4 RadiX-Net", random=False)
    >>> "my-radix" in FAMILIES
    True
    >>> _ = FAMILIES.pop("my-radix")
    """
    if not isinstance(name, str) or not name:
        raise TopogenError(f"family name must be a non-empty string, got {name!r}")
    if name in FAMILIES and not replace:
        raise TopogenError(f"family {name!r} is already registered; pass replace=True")
    if not callable(build):
        raise TopogenError(f"build for family {name!r} must be callable, got {build!r}")
    family = Family(name, build, description, random)
    FAMILIES[name] = family
    return family


def uniform_random(widths, layer_densities, seed=None, *,
                   max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """Uniformly random layers with exactly ``round(d_i * n_i * n_(i+1))`` edges each.

    The edge count of each layer is matched exactly (not only in expectation, as in
    Erdos-Renyi), so this is the fairest random baseline at a given density.  Each layer is
    :func:`topogen.generators.baselines.uniform_layer`; the total is checked against
    ``max_edges`` before anything is drawn.

    Parameters
    ----------
    widths : sequence of int
        ``n_0 .. n_L``.
    layer_densities : sequence of float
        One density per layer, in ``(0, 1]``.
    seed : int, numpy.random.Generator or None
    max_edges : int
        Refuse larger requests before allocating.

    Returns
    -------
    Topology

    Raises
    ------
    TopogenError
        For mismatched lengths, densities outside ``(0, 1]`` or too many edges.

    Examples
    --------
    >>> t = uniform_random([8, 8, 4], [0.25, 0.5], seed=0)
    >>> t.layer_nnz
    (16, 16)
    """
    from ..generators.baselines import uniform_layer

    widths = check_widths("widths", widths)
    if len(layer_densities) != len(widths) - 1:
        raise TopogenError(f"layer_densities needs {len(widths) - 1} entries for widths "
                           f"{list(widths)}, got {len(layer_densities)}")
    counts = []
    for i, d in enumerate(layer_densities):
        d = check_density(f"layer_densities[{i}]", d)
        counts.append(max(1, round(d * widths[i] * widths[i + 1])))
    check_max_edges(sum(counts), max_edges, f"uniform_random({list(widths)})")
    rng = as_rng(seed)
    layers = [uniform_layer(widths[i], widths[i + 1], k, seed=rng) for i, k in enumerate(counts)]
    params = {"widths": list(widths), "layer_densities": list(layer_densities),
              "layer_edges": counts}
    return trusted(layers, make_meta("uniform_random", params, None))


def _dense(widths, layer_densities, seed=None):
    return None


def _radix(widths, layer_densities, seed=None):
    # the verifier fits the RadiX-Net itself (see train.verify); this is for direct use
    from ..generators.fit import fit_radix_net

    density = float(np.mean(layer_densities))
    return fit_radix_net(widths, density, exact_only=True)[0].build()


def _x_net(widths, layer_densities, seed=None):
    import topogen

    rng = as_rng(seed)
    layers = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # rounding of degrees: we report density
        for i, d in enumerate(layer_densities):
            layers.append(topogen.x_net(widths[i:i + 2], density=d, seed=rng).layers[0])
    return trusted(layers, make_meta("x_net", {"widths": list(widths)}, None))


def ramanujan_catalogue(max_vertices: int) -> list[tuple]:
    """Ramanujan graphs topogen can build with at most ``max_vertices`` vertices.

    Returns ``(name, n_vertices, degree, builder)`` for Paley graphs ``P(q)`` (``q`` prime
    ``= 1 mod 4``: ``(q-1)/2``-regular, Ramanujan) and LPS graphs ``X^{p,q}`` (``p + 1``-
    regular on ``q(q^2-1)/2`` or ``q(q^2-1)`` vertices; Lubotzky, Phillips & Sarnak 1988).

    Parameters
    ----------
    max_vertices : int
        Largest number of vertices listed.

    Returns
    -------
    list of tuple
        ``(name, n_vertices, degree, builder)``, Paley graphs first in increasing ``q``;
        ``builder()`` returns the graph's adjacency (:func:`topogen.paley`,
        :func:`topogen.lps`).

    Examples
    --------
    >>> [(name, n, d) for name, n, d, _ in ramanujan_catalogue(60)][:3]
    [('paley(5)', 5, 2), ('paley(13)', 13, 6), ('paley(17)', 17, 8)]
    """
    import topogen

    out = []
    for q in primes_in(5, max_vertices + 1, mod4=1):
        out.append((f"paley({q})", q, (q - 1) // 2, lambda q=q: topogen.paley(q)))
    for q in primes_in(5, int(max_vertices ** (1 / 3)) + 3, mod4=1):
        for p in primes_in(5, 4 * max_vertices + 1, mod4=1):
            if p == q:
                continue
            n = q * (q * q - 1) // (2 if pow(p, (q - 1) // 2, q) == 1 else 1)
            if n <= max_vertices and p + 1 < n:
                out.append((f"lps({p},{q})", n, p + 1, lambda p=p, q=q: topogen.lps(p, q)))
    return out


def kron_graph(widths, layer_densities, seed=None) -> Topology:
    """Every layer the adjacency of one Ramanujan graph blown up by a Kronecker product.

    Layer ``i`` is ``kron(ones((B_i, B_(i+1))), A)`` for the adjacency ``A`` of a Ramanujan
    graph on ``n`` vertices (``widths[i] = B_i * n``), which keeps its density ``d / n`` and
    its spectral ratio (the nontrivial singular values scale with ``sqrt(B_i B_(i+1))`` like
    the top one), the same widening RadiX-Nets use.  The graph is the one of
    :func:`ramanujan_catalogue` whose size divides every width and whose density is nearest
    (in ratio) to the mean of ``layer_densities``, among those whose 0/1 adjacency is
    regular and meets the Ramanujan bound ``2 sqrt(d - 1)`` for its real degree (checked
    numerically: LPS graphs with ``q <= 2 sqrt(p)`` repeat generators, and collapsing the
    repeats lowers the degree).  The realised density is what it is and is reported by the
    verifier.  Deterministic: ``seed`` is ignored.

    Parameters
    ----------
    widths : sequence of int
        ``n_0 .. n_L``; the graph's size must divide every width.
    layer_densities : sequence of float
        Target density per layer; their mean picks the graph.
    seed : ignored
        Accepted for the family interface (``build(widths, layer_densities, seed)``).

    Returns
    -------
    Topology
        ``meta["params"]["graph"]`` names the graph used.

    Raises
    ------
    TopogenError
        If no catalogued Ramanujan graph has a size dividing every width.

    Examples
    --------
    >>> t = kron_graph([26, 26], [0.5])
    >>> t.meta["params"]["graph"], t.layer_density
    ('paley(13)', (0.46153846153846156,))
    """
    import math

    from ..topology import kron_ones

    g = 0
    for w in widths:
        g = math.gcd(g, int(w))
    target = float(np.mean(layer_densities))
    options = [c for c in ramanujan_catalogue(g) if g % c[1] == 0]
    # nearest first by the nominal degree; the 0/1 graph is then built and checked
    options.sort(key=lambda c: (abs(math.log(c[2] / c[1] / target)), -c[1]))
    checked = [_checked_graph(c) for c in options[:8]]
    checked = [c for c in checked if c is not None]
    if not checked:
        raise TopogenError(
            f"family 'ramanujan': no Paley or LPS Ramanujan graph has a vertex count dividing "
            f"every width {list(widths)} (gcd {g}); use widths that are multiples of e.g. 13, "
            "60 or 120 (LPS X^{13,5} has 120 vertices)"
        )
    name, n, d, lam, bound, base = min(
        checked, key=lambda c: (abs(math.log(c[2] / c[1] / target)), -c[1]))
    layers = [kron_ones(widths[i] // n, widths[i + 1] // n, base) for i in range(len(widths) - 1)]
    params = {"widths": list(widths), "graph": name, "vertices": n, "degree": d,
              "lambda2": lam, "ramanujan_bound": bound}
    return trusted(layers, make_meta("kron_graph", params, None))


def _checked_graph(candidate):
    """Build a catalogued graph as a 0/1 adjacency and check it is regular and Ramanujan.

    LPS graphs with ``q <= 2 sqrt(p)`` have coinciding generators (a multigraph); as a 0/1
    layer their degree is lower than ``p + 1``, so the bound is checked for the degree the
    0/1 graph really has: the largest eigenvalue modulus other than ``+-d`` must be at most
    ``2 sqrt(d - 1)`` (dense ``eigvalsh``; the catalogue holds graphs of at most a few
    thousand vertices).  Returns ``(name, n, d, lambda2, bound, csr)`` or None.
    """
    name, n, _, build = candidate
    A = sp.csr_array(build())
    A.data[:] = 1
    A = A.astype(bool)
    A.sum_duplicates()
    A.sort_indices()
    deg = np.diff(A.indptr)
    if n > 4096 or deg.min() != deg.max() or deg[0] < 2:
        return None
    d = int(deg[0])
    ev = np.abs(np.linalg.eigvalsh(A.toarray().astype(float)))
    nontrivial = ev[~np.isclose(ev, d)]
    lam = float(nontrivial.max()) if len(nontrivial) else 0.0
    bound = 2.0 * float(np.sqrt(d - 1))
    if lam > bound + 1e-9:
        return None
    return name, n, d, lam, bound, csr_from_parts(A.shape, A.indptr, A.indices)


register_family("dense", _dense, "all weights (the baseline)", random=False)
register_family("radix", _radix, "RadiX-Net fitted by fit_radix_net (Robinett & Kepner 2019)",
                random=False)
register_family("x_net", _x_net, "X-Net random biregular expander layers (Prabhu et al. 2018)")
register_family("ramanujan", kron_graph,
                "Paley / LPS Ramanujan graph widened by a Kronecker product", random=False)
register_family("random", uniform_random, "uniform random, same edge count per layer")
