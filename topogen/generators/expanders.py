"""X-Net random expander layers and explicit expander graph families.

* :func:`x_net`: random sparse bipartite layers between any widths (Prabhu, Varma &
  Namboodiri, *Deep Expander Networks: Efficient Deep Networks from Graph Theory*, ECCV 2018).
  By default every layer is exactly biregular and simple; ``method="prabhu"`` is the paper's
  own construction (every output neuron picks ``D`` distinct inputs uniformly at random).
* :func:`margulis_gabber_galil`, :func:`paley`, :func:`chordal_cycle`: classic explicit
  expanders, returned as symmetric integer ``scipy.sparse.csr_array`` adjacencies with the
  same edge multisets as networkx's generators of the same names.
* :func:`from_graph`: layers from any graph (its bipartite double cover, repeated ``depth``
  times).

Graph adjacency convention (all families here and in :mod:`topogen.generators.ramanujan`):
``A[u, v]`` is the number of edges between ``u != v``; a loop at ``v`` adds 2 to ``A[v, v]``
when it is a full loop (two ends at ``v``) and 1 when it is the fixed point of an involution
(a "half loop", as in the chordal cycle graph), so that every row of a ``d``-regular family
sums to ``d`` and ``d`` is the top eigenvalue.  The 0/1 layer of a graph (:func:`from_graph`,
:func:`graph_layer`) keeps only the support ``A != 0``: repeated edges become one edge and a
loop becomes the edge ``v -> v``, so such a layer can have degrees below ``d``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._checks import (
    DEFAULT_MAX_EDGES,
    TopogenError,
    as_rng,
    check_density,
    check_int,
    check_matrix,
    check_max_edges,
    check_option,
    check_widths,
    fmt_value,
    rng_and_seed,
)
from .._primes import check_prime
from ..topology import Topology, csr_from_parts, make_meta, trusted
from ._common import coo_to_csr

__all__ = [
    "biregular_layer",
    "chordal_cycle",
    "from_graph",
    "graph_layer",
    "margulis_gabber_galil",
    "paley",
    "prabhu_layer",
    "x_net",
]

#: Repair rounds allowed before the biregular sampler gives up (never reached in practice:
#: each round fixes at least a quarter of the repeated edges on average).
_MAX_REPAIR_ROUNDS = 100_000


# ---------------------------------------------------------------------------- helpers
def _symmetric_from_maps(n: int, images: Sequence[np.ndarray], dtype=np.int64) -> sp.csr_array:
    """``sum_k (P_k + P_k^T)`` for the maps ``v -> images[k][v]``, as a canonical CSR array."""
    src = np.arange(n, dtype=np.int64)
    rows = np.concatenate([src for _ in images] + [np.asarray(im, np.int64) for im in images])
    cols = np.concatenate([np.asarray(im, np.int64) for im in images] + [src for _ in images])
    return coo_to_csr(n, rows, cols, dtype)


def _powmod(base: np.ndarray, exponent: int, modulus: int) -> np.ndarray:
    """``base ** exponent % modulus`` elementwise, by repeated squaring in int64 (or objects)."""
    if modulus >= 3 * 10**9:  # products would overflow int64
        return np.array([pow(int(b), exponent, modulus) for b in base], dtype=np.int64)
    result = np.ones_like(base, dtype=np.int64) % modulus
    b = base.astype(np.int64) % modulus
    while exponent:
        if exponent & 1:
            result = result * b % modulus
        b = b * b % modulus
        exponent >>= 1
    return result


# ---------------------------------------------------------------------------- random layers
def biregular_layer(
    n_in: int, n_out: int, in_degree: int, *, seed=None, max_edges: int = DEFAULT_MAX_EDGES
) -> sp.csr_array:
    """A random simple ``(n_in, n_out)`` layer, exactly biregular.

    Every target neuron gets ``in_degree`` distinct sources and every source neuron
    ``out_degree = in_degree * n_out / n_in`` distinct targets.  Built as a union of
    ``out_degree`` random maps: map ``k`` sends the sources, in a random order, onto the
    ``k``-th block of ``n_in`` target stubs (stubs ``k * n_in + j mod n_out``; the targets are
    then relabelled at random when the widths differ), so with equal widths it is the union of
    ``d`` random perfect matchings (the permutation model, whose spectrum is near-Ramanujan:
    Friedman 2008, Bordenave 2020).  Random switchings then move each repeated edge's target
    to a random other edge until no edge repeats (McKay & Wormald, *Uniform generation of
    random regular graphs of moderate degree*, J. Algorithms 11, 1990).  Each switching keeps
    every degree, so the result is biregular by construction.  All steps are
    vectorised over edges; the number of switching rounds is small (about the largest number
    of repeats in one row).  Layers denser than 1/2 are built as the complement of a sparser
    biregular layer, so that switchings succeed often.

    Parameters
    ----------
    n_in, n_out : int
        Widths of the two sides.
    in_degree : int
        Fan-in ``d_in`` of every target, ``1 <= d_in <= n_in``; ``n_out * d_in`` must be a
        multiple of ``n_in``.
    seed : int, numpy.random.Generator or None
        Same seed, same layer.
        None: fresh entropy, not recorded (a layer has no ``meta``; the topology
        generators that call this record the seed they draw).
    max_edges : int
        Refuse before allocating if the layer would take more (edges plus one per neuron
        of either side; a more than half full layer also counts its cell mask).

    Returns
    -------
    scipy.sparse.csr_array
        Read-only canonical boolean layer with ``n_out * in_degree`` edges.

    Raises
    ------
    TopogenError
        If the degrees cannot be biregular for these widths.

    Examples
    --------
    >>> W = biregular_layer(6, 4, 3, seed=0)
    >>> W.sum(axis=1).tolist(), W.sum(axis=0).tolist()
    ([2, 2, 2, 2, 2, 2], [3, 3, 3, 3])
    """
    n_in = check_int("n_in", n_in, minimum=1)
    n_out = check_int("n_out", n_out, minimum=1)
    d_in = check_int("in_degree", in_degree, minimum=1, maximum=n_in)
    d_out = _out_degree(n_in, n_out, d_in)
    mask = n_in * n_out if 2 * d_out > n_out else 0
    check_max_edges(n_in * d_out + mask, max_edges,
                    f"biregular_layer({n_in}, {n_out}, {d_in})", neurons=n_in + n_out)
    rng = as_rng(seed)
    if 2 * d_out > n_out:
        tgt = _biregular_targets(n_in, n_out, n_out - d_out, n_in - d_in, rng)
        keep = np.ones((n_in, n_out), dtype=bool)
        keep[np.repeat(np.arange(n_in), n_out - d_out), tgt.ravel()] = False
        cols = np.nonzero(keep)[1]
    else:
        cols = _biregular_targets(n_in, n_out, d_out, d_in, rng).ravel()
    indptr = np.arange(0, n_in * d_out + 1, d_out, dtype=np.int64)
    return csr_from_parts((n_in, n_out), indptr, cols)


def _out_degree(n_in: int, n_out: int, d_in: int) -> int:
    if (n_out * d_in) % n_in:
        g = n_in // math.gcd(n_in, n_out)
        lo = max(g, (d_in // g) * g)
        raise TopogenError(
            f"in_degree {d_in} cannot be biregular between widths {n_in} -> {n_out}: "
            f"n_out * in_degree = {n_out * d_in} must be a multiple of n_in = {n_in}; "
            f"use a multiple of {g} (such as {lo} or {lo + g}), or method='prabhu'"
        )
    return n_out * d_in // n_in


def _biregular_targets(n_in, n_out, d_out, d_in, rng) -> np.ndarray:
    """``(n_in, d_out)`` array of sorted, distinct targets per source (0 <= 2*d_out <= n_out)."""
    if d_out == 0:
        return np.empty((n_in, 0), dtype=np.int64)
    dtype = np.int32 if n_out < 2**31 else np.int64
    # column k of the result is a random map of the sources onto the k-th block of the
    # target stubs (targets k*n_in .. k*n_in + n_in - 1 mod n_out): with equal widths, a
    # union of d_out random perfect matchings (the permutation model)
    blocks = np.arange(n_in * d_out, dtype=np.int64).reshape(d_out, n_in) % n_out
    blocks = rng.permuted(blocks.astype(dtype), axis=1, out=None)
    if n_in != n_out:
        blocks = rng.permutation(n_out).astype(dtype)[blocks]
    tgt = np.ascontiguousarray(blocks.T)
    tgt.sort(axis=1)
    n_edges = n_in * d_out
    rows = np.arange(n_in)
    for _ in range(_MAX_REPAIR_ROUNDS):
        sub = tgt[rows]
        dup = sub[:, 1:] == sub[:, :-1]
        has = dup.any(axis=1)
        if not has.any():
            return tgt
        rows, dup = rows[has], dup[has]
        # one switching per active row and round, every row touched at most once a round;
        # when most rows are bad, half of them act and the others may serve as partners
        active = rng.random(len(rows)) < 0.5 if 4 * len(rows) > n_in else slice(None)
        act = rows[active]
        col = dup[active].argmax(axis=1) + 1  # second copy of the first repeated target
        partner = rng.integers(0, n_edges, size=len(act))
        r2, c2 = partner // d_out, partner % d_out
        _, first = np.unique(r2, return_index=True)
        ok = np.zeros(len(act), dtype=bool)
        ok[first] = True
        ok &= ~np.isin(r2, act)
        t, t2 = tgt[act, col], tgt[r2, c2]
        ok &= t != t2
        ok &= ~(tgt[act] == t2[:, None]).any(axis=1)
        ok &= ~(tgt[r2] == t[:, None]).any(axis=1)
        tgt[act[ok], col[ok]] = t2[ok]
        tgt[r2[ok], c2[ok]] = t[ok]
        changed = np.concatenate((act[ok], r2[ok]))
        tgt[changed] = np.sort(tgt[changed], axis=1)
    raise TopogenError(  # pragma: no cover - a safeguard, see _MAX_REPAIR_ROUNDS
        f"could not remove repeated edges of a ({n_in}, {n_out}) layer with degrees "
        f"({d_out}, {d_in}); try another seed"
    )


def prabhu_layer(
    n_in: int, n_out: int, in_degree: int, *, seed=None, max_edges: int = DEFAULT_MAX_EDGES
) -> sp.csr_array:
    """The X-Linear layer of Prabhu et al.: each output picks ``D`` distinct inputs at random.

    This is the construction of the paper's public code (``ExpanderLinear`` in
    ``models/layers/expandergraphlayer.py`` of github.com/drimpossible/Deep-Expander-Networks:
    for every output ``i``, ``x = randperm(n_in)`` and the mask is 1 at ``x[:D]``), i.e. a
    random ``D``-left-regular bipartite graph (Sec. 3.2 of the paper).  In-degrees are all
    ``D``; out-degrees are random (binomial-like, mean ``D * n_out / n_in``).  The distribution
    is the same as the paper's; the random stream is NumPy's, not torch's.

    Parameters
    ----------
    n_in, n_out : int
        Widths.
    in_degree : int
        ``D``, the ``expandSize`` of the paper's code, ``1 <= D <= n_in``.
    seed : int, numpy.random.Generator or None
        None: fresh entropy, not recorded (a layer has no ``meta``; the topology
        generators that call this record the seed they draw).
    max_edges : int
        Refuse before allocating if the layer would take more (edges plus one per neuron
        of either side; the sampler's work arrays are bounded by these).

    Returns
    -------
    scipy.sparse.csr_array
        Read-only canonical boolean layer with ``n_out * D`` edges.

    Examples
    --------
    >>> W = prabhu_layer(10, 4, 3, seed=1)
    >>> W.sum(axis=0).tolist(), W.nnz
    ([3, 3, 3, 3], 12)
    """
    n_in = check_int("n_in", n_in, minimum=1)
    n_out = check_int("n_out", n_out, minimum=1)
    d = check_int("in_degree", in_degree, minimum=1, maximum=n_in)
    check_max_edges(n_out * d, max_edges, f"prabhu_layer({n_in}, {n_out}, {d})",
                    neurons=n_in + n_out + (min(2**22, n_out * n_in) if d * d > n_in else 0))
    rng = as_rng(seed)
    src = _distinct_choices(n_out, n_in, d, rng)  # (n_out, d) sources of each target
    by_target = sp.csr_array(
        (np.ones(src.size, dtype=bool), src.ravel(), np.arange(0, src.size + 1, d)),
        shape=(n_out, n_in),
    )
    W = by_target.T.tocsr()  # CSC -> CSR conversion is linear and leaves indices sorted
    return csr_from_parts((n_in, n_out), W.indptr, W.indices)


def _distinct_choices(n_rows: int, n: int, d: int, rng) -> np.ndarray:
    """``(n_rows, d)``: each row a uniformly random ``d``-subset of ``range(n)``."""
    if d * d <= n:  # rejection: a row repeats with probability < d^2 / (2n) <= 1/2
        out = np.empty((n_rows, d), dtype=np.int64)
        todo = np.arange(n_rows)
        while len(todo):
            out[todo] = rng.integers(0, n, size=(len(todo), d))
            srt = np.sort(out[todo], axis=1)
            todo = todo[(srt[:, 1:] == srt[:, :-1]).any(axis=1)]
        return out
    chunk = max(1, 2**22 // n)
    parts = []
    for start in range(0, n_rows, chunk):
        keys = rng.random((min(chunk, n_rows - start), n))
        parts.append(np.argpartition(keys, d - 1, axis=1)[:, :d] if d < n else keys.argsort(1))
    return np.concatenate(parts)


def x_net(
    widths: Sequence[int],
    *,
    degree=None,
    density=None,
    seed=None,
    method: str = "biregular",
    max_edges: int = DEFAULT_MAX_EDGES,
) -> Topology:
    """X-Net: random sparse expander layers between any widths (Prabhu et al., ECCV 2018).

    Parameters
    ----------
    widths : sequence of int
        ``n_0, ..., n_L``.
    degree : int or sequence of int, optional
        Fan-in ``D`` of every target neuron (the paper's ``D``), one for all layers or one
        per layer.  Give ``degree`` or ``density``, not both.
    density : float, optional
        Wanted density in ``(0, 1]``; layer ``i`` gets ``D_i = density * n_i`` rounded to the
        nearest degree that the method can meet exactly (at least 1).  If that changes the
        density, a :class:`UserWarning` says what was chosen; ``meta["params"]`` records the
        degrees either way.
    seed : int, numpy.random.Generator or None
        Same seed, same topology.  None draws a seed; the one used is in ``meta["seed"]``.
    method : {"biregular", "prabhu"}
        ``"biregular"`` (default): every target has in-degree ``D`` and every source
        out-degree ``D * n_(i+1) / n_i`` exactly, no repeated edges (:func:`biregular_layer`);
        this needs ``n_(i+1) * D`` to be a multiple of ``n_i``.  ``"prabhu"``: the paper's
        code, every target picks ``D`` distinct sources uniformly (:func:`prabhu_layer`).
    max_edges : int
        Refuse before allocating if the topology would have more edges.

    Returns
    -------
    Topology
        ``meta["params"]`` holds ``in_degrees``, ``out_degrees`` (None for "prabhu") and the
        achieved ``layer_density``.

    Raises
    ------
    TopogenError
        Bad widths, degree outside ``1..n_i``, a degree that cannot be biregular for the
        widths, density outside ``(0, 1]``, both or neither of degree/density, unknown method.

    References
    ----------
    A. Prabhu, G. Varma, A. Namboodiri, *Deep Expander Networks: Efficient Deep Networks from
    Graph Theory*, ECCV 2018, arXiv:1711.08757.

    Examples
    --------
    >>> t = x_net([8, 8, 4], degree=2, seed=0)
    >>> t.widths, t.layer_nnz, t.meta["params"]["out_degrees"]
    ((8, 8, 4), (16, 8), [2, 1])
    """
    widths = check_widths("widths", widths)
    if len(widths) < 2:
        raise TopogenError(f"widths must have at least 2 entries, got {fmt_value(widths)}")
    method = check_option("method", method, ("biregular", "prabhu"))
    n_layers = len(widths) - 1
    if (degree is None) == (density is None):
        raise TopogenError("give exactly one of degree= (fan-in per neuron) or density=")
    if degree is not None:
        degs = _per_layer_degrees(degree, widths)
    else:
        density = check_density("density", density)
        degs = [_degree_for_density(widths[i], widths[i + 1], density, method)
                for i in range(n_layers)]
        got = [d / widths[i] for i, d in enumerate(degs)]
        if any(not math.isclose(g, density) for g in got):
            warnings.warn(
                f"density {density} is not met exactly by {method} layers of widths "
                f"{fmt_value(widths)}: chose in-degrees {fmt_value(degs)}, layer densities "
                f"{fmt_value([round(g, 6) for g in got])}",
                UserWarning,
                stacklevel=2,
            )
    out_degs = []
    for i, d in enumerate(degs):
        if method == "biregular":
            out_degs.append(_out_degree(widths[i], widths[i + 1], d))
    n_edges = sum(widths[i + 1] * d for i, d in enumerate(degs))
    check_max_edges(n_edges, max_edges, f"x_net(widths={fmt_value(widths)})",
                    neurons=sum(widths[i] + widths[i + 1] for i in range(n_layers)))
    rng, seed = rng_and_seed(seed)
    build = biregular_layer if method == "biregular" else prabhu_layer
    layers = [build(widths[i], widths[i + 1], d, seed=rng, max_edges=max_edges)
              for i, d in enumerate(degs)]
    params = {
        "widths": list(widths), "degree": degree, "density": density, "method": method,
        "in_degrees": degs, "out_degrees": out_degs if method == "biregular" else None,
        "layer_density": [d / widths[i] for i, d in enumerate(degs)],
    }
    return trusted(layers, make_meta("x_net", params, seed))


def _per_layer_degrees(degree, widths) -> list[int]:
    n_layers = len(widths) - 1
    if isinstance(degree, (Sequence, np.ndarray)) and not isinstance(degree, (str, bytes)):
        if len(degree) != n_layers:
            raise TopogenError(
                f"degree must be one int or {n_layers} ints (one per layer), got "
                f"{fmt_value(list(degree))}"
            )
        items = list(degree)
    else:
        items = [degree] * n_layers
    return [
        check_int(f"degree (layer {i})", d, minimum=1, maximum=widths[i])
        for i, d in enumerate(items)
    ]


def _degree_for_density(n_in: int, n_out: int, density: float, method: str) -> int:
    """The feasible fan-in nearest to ``density * n_in`` (at least one step)."""
    step = 1 if method == "prabhu" else n_in // math.gcd(n_in, n_out)
    k = max(1, round(density * n_in / step))
    return min(k * step, n_in)


# ---------------------------------------------------------------------------- explicit families
def margulis_gabber_galil(n: int) -> sp.csr_array:
    """The Margulis-Gabber-Galil 8-regular expander on ``Z_n x Z_n`` (``n^2`` vertices).

    Vertex ``(x, y)`` is numbered ``x * n + y``; it is joined to its images under the four
    maps ``(x + 2y, y)``, ``(x + 2y + 1, y)``, ``(x, y + 2x)``, ``(x, y + 2x + 1)`` (mod ``n``),
    so ``A = sum_k (P_k + P_k^T)`` (Gabber & Galil 1981; the variant networkx uses).  Every row
    sums to 8; a fixed point of a map is a loop (``A[v, v] += 2``), and two maps may give the
    same neighbour (multiplicity 2).  The second eigenvalue is at most ``5 * sqrt(2) ~ 7.07``.

    Parameters
    ----------
    n : int
        ``n >= 1``.

    Returns
    -------
    scipy.sparse.csr_array
        Symmetric ``(n^2, n^2)`` int64 adjacency with multiplicities (``4 n^2`` edges counted
        with multiplicity, loops once).

    References
    ----------
    O. Gabber, Z. Galil, *Explicit constructions of linear-sized superconcentrators*, JCSS 22
    (1981); S. Hoory, N. Linial, A. Wigderson, *Expander graphs and their applications*, Bull.
    AMS 43 (2006), Sec. 8.

    Examples
    --------
    >>> A = margulis_gabber_galil(3)
    >>> A.shape, set(A.sum(axis=1).tolist()), (A != A.T).nnz
    ((9, 9), {8}, 0)
    """
    n = check_int("n", n, minimum=1)
    check_max_edges(8 * n * n, DEFAULT_MAX_EDGES, f"margulis_gabber_galil({n})", neurons=8 * n * n)
    x, y = np.divmod(np.arange(n * n, dtype=np.int64), n)
    images = [
        ((x + 2 * y) % n) * n + y,
        ((x + 2 * y + 1) % n) * n + y,
        x * n + (y + 2 * x) % n,
        x * n + (y + 2 * x + 1) % n,
    ]
    return _symmetric_from_maps(n * n, images)


def paley(q: int) -> sp.csr_array:
    """The Paley graph on ``Z_q``, ``q`` prime and ``q = 1 (mod 4)``.

    Vertices are ``0..q-1``; ``x ~ y`` when ``x - y`` is a nonzero square mod ``q`` (symmetric
    because ``-1`` is a square).  It is ``(q-1)/2``-regular and strongly regular with
    eigenvalues ``(q-1)/2`` (once) and ``(-1 +- sqrt(q))/2``; it is Ramanujan.

    Parameters
    ----------
    q : int
        A prime with ``q % 4 == 1``.

    Returns
    -------
    scipy.sparse.csr_array
        Symmetric 0/1 int64 adjacency, no loops.

    References
    ----------
    R. Paley, *On orthogonal matrices*, J. Math. Phys. 12 (1933); Hoory, Linial & Wigderson
    (2006), Sec. 2.

    Examples
    --------
    >>> A = paley(5)
    >>> A.toarray()[0].tolist()
    [0, 1, 0, 0, 1]
    """
    q = check_prime("q", q, mod4=True)
    check_max_edges(q * (q - 1) // 2, DEFAULT_MAX_EDGES, f"paley({q})")
    squares = np.unique(np.arange(1, q, dtype=np.int64) ** 2 % q)
    x = np.arange(q, dtype=np.int64)
    cols = np.sort((x[:, None] + squares[None, :]) % q, axis=1)
    indptr = np.arange(0, q * len(squares) + 1, len(squares))
    A = sp.csr_array((np.ones(cols.size, dtype=np.int64), cols.ravel(), indptr), shape=(q, q))
    A.has_canonical_format = True
    return A


def chordal_cycle(p: int) -> sp.csr_array:
    """The chordal cycle graph on ``Z_p``: ``x ~ x + 1``, ``x - 1`` and ``x^(-1)`` (``0^-1 = 0``).

    The 3-regular expander of Lubotzky (*Discrete groups, expanding graphs and invariant
    measures*, 1994).  ``A = P_(+1) + P_(-1) + P_inv``: rows sum to 3; the inversion is an
    involution, so its fixed points ``0, 1, p-1`` carry a half loop (``A[v, v] = 1``).
    networkx's ``chordal_cycle_graph(p)`` is the same graph counted from both ends: its
    multigraph has ``2 * A[u, v]`` edges between ``u != v`` and ``A[v, v]`` loops at ``v``.

    Parameters
    ----------
    p : int
        A prime.

    Returns
    -------
    scipy.sparse.csr_array
        Symmetric ``(p, p)`` int64 adjacency with multiplicities.

    Examples
    --------
    >>> A = chordal_cycle(5)
    >>> A.toarray()[2].tolist(), set(A.sum(axis=0).tolist())
    ([0, 1, 0, 2, 0], {3})
    """
    p = check_prime("p", p)
    check_max_edges(3 * p, DEFAULT_MAX_EDGES, f"chordal_cycle({p})")
    x = np.arange(p, dtype=np.int64)
    inv = _powmod(x, p - 2, p)  # Fermat: x^(p-2) = x^(-1) mod p
    inv[0] = 0  # the convention 0^(-1) = 0
    rows = np.concatenate((x, x, x))
    cols = np.concatenate(((x + 1) % p, (x - 1) % p, inv))
    return coo_to_csr(p, rows, cols)


# ---------------------------------------------------------------------------- graphs to layers
def graph_layer(graph) -> sp.csr_array:
    """The ``n -> n`` 0/1 layer of a graph: its bipartite double cover.

    Source ``u`` connects to target ``v`` whenever ``A[u, v] != 0``: multiplicities become 1
    and a loop becomes the edge ``u -> u``.  For an undirected graph the layer is symmetric.

    Parameters
    ----------
    graph : networkx graph, scipy sparse matrix or 2-D array
        Nodes of a networkx graph are numbered in ``list(G)`` order.

    Returns
    -------
    scipy.sparse.csr_array
        Read-only canonical boolean ``(n, n)`` layer.

    Examples
    --------
    In ``chordal_cycle(5)`` the chord ``2 - 3`` repeats a cycle edge, so 2 and 3 lose one:

    >>> graph_layer(chordal_cycle(5)).sum(axis=1).tolist()
    [3, 3, 2, 2, 3]
    """
    A = check_matrix("graph", graph, square=True)
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    return csr_from_parts(A.shape, A.indptr, A.indices)


def from_graph(graph, depth: int = 1, *, max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """A Topology of ``depth`` identical layers, each the double cover of ``graph``.

    Parameters
    ----------
    graph : networkx graph, scipy sparse matrix or 2-D array
        Square adjacency (an undirected graph gives a symmetric layer; a directed one keeps
        its direction, row = source).  Only the support is kept (see :func:`graph_layer`).
    depth : int
        Number of layers, ``>= 1``.
    max_edges : int
        Refuse before allocating if the topology would have more edges.

    Returns
    -------
    Topology
        Widths ``(n,) * (depth + 1)``; the layers are one shared immutable array.

    Examples
    --------
    >>> import networkx as nx
    >>> t = from_graph(nx.cycle_graph(5), depth=3)
    >>> t.widths, t.layer_nnz
    ((5, 5, 5, 5), (10, 10, 10))
    """
    depth = check_int("depth", depth, minimum=1)
    A = check_matrix("graph", graph, square=True)
    check_max_edges(int(A.nnz), max_edges, f"from_graph(depth={depth})",  # one shared layer
                    neurons=2 * A.shape[0])
    layer = graph_layer(A)
    meta = make_meta("from_graph", {"n": A.shape[0], "depth": depth})
    return trusted([layer] * depth, meta)
