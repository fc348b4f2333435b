"""Lubotzky-Phillips-Sarnak Ramanujan graphs and biregular bipartite Ramanujan layers.

* :func:`lps`: the ``(p+1)``-regular Cayley graph ``X^{p,q}`` on ``PSL(2, q)`` or
  ``PGL(2, q)`` (Lubotzky, Phillips & Sarnak, *Ramanujan graphs*, Combinatorica 8, 1988), built
  with sympy's number theory (``isprime``, ``legendre_symbol``, ``sqrt_mod``) and vectorised
  2x2 matrix products mod ``q``.
* :func:`bipartite_ramanujan`: the vertex-edge incidence layer of a regular Ramanujan graph,
  a ``(d, 2)``-biregular layer between unequal widths ``n`` and ``n d / 2`` that meets the
  biregular Ramanujan bound ``sqrt(d - 1) + 1`` exactly when the graph is Ramanujan.
* :func:`ramanujan_net`: every layer one Paley or LPS Ramanujan graph widened by a Kronecker
  product to the requested widths, at the catalogued density nearest the requested one
  (:func:`ramanujan_catalogue` lists the graphs).
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from .._checks import (
    DEFAULT_MAX_EDGES,
    TopogenError,
    check_matrix,
    check_max_edges,
    check_widths,
    fmt_value,
)
from .._primes import check_prime, primes_in
from ..topology import Topology, csr_from_parts, kron_ones, make_meta, trusted
from ._common import check_layer_densities, coo_to_csr
from .expanders import graph_layer, paley

__all__ = [
    "bipartite_ramanujan", "incidence_layer", "lps", "lps_generators", "lps_layer", "lps_net",
    "ramanujan_catalogue", "ramanujan_net",
]


def lps_generators(p: int) -> np.ndarray:
    """The ``p + 1`` quaternions ``a0 + a1 i + a2 j + a3 k`` of norm ``p`` used by LPS.

    Solutions of ``a0^2 + a1^2 + a2^2 + a3^2 = p`` with ``a0 > 0`` odd and ``a1, a2, a3``
    even; Jacobi's four-square theorem gives exactly ``p + 1`` of them for a prime
    ``p = 1 (mod 4)``.

    Parameters
    ----------
    p : int
        A prime with ``p % 4 == 1``.

    Returns
    -------
    numpy.ndarray
        ``(p + 1, 4)`` int64 array, rows in lexicographic order.

    Examples
    --------
    >>> lps_generators(5).tolist()
    [[1, -2, 0, 0], [1, 0, -2, 0], [1, 0, 0, -2], [1, 0, 0, 2], [1, 0, 2, 0], [1, 2, 0, 0]]
    """
    p = check_prime("p", p, mod4=True)
    check_max_edges(p + 1, DEFAULT_MAX_EDGES, f"lps_generators({p})", neurons=4 * p)
    r = math.isqrt(p)
    ev = np.arange(-r - (r % 2), r + 1, 2, dtype=np.int64)
    a1, a2 = (x.ravel() for x in np.meshgrid(ev, ev, indexing="ij"))  # about p pairs
    parts = []
    for a0 in range(1, r + 1, 2):  # a3 = +-sqrt(rest): O(p) memory, not O(p**2)
        rest = p - a0 * a0 - a1 * a1 - a2 * a2
        ok = rest >= 0
        root = np.rint(np.sqrt(np.where(ok, rest, 0))).astype(np.int64)
        ok &= (root * root == rest) & (root % 2 == 0)
        for sign in (1, -1):
            take = ok & ((root > 0) if sign < 0 else ok)
            parts.append(np.stack([np.full(int(take.sum()), a0), a1[take], a2[take],
                                   sign * root[take]], axis=1))
    g = np.concatenate(parts)
    g = g[np.lexsort(g.T[::-1])]
    if len(g) != p + 1:  # pragma: no cover - Jacobi's theorem
        raise TopogenError(f"found {len(g)} LPS generators for p={p}, expected {p + 1}")
    return g


def _pgl_elements(q: int):
    """All of PGL(2, q) in a canonical form, in rank order (see :func:`_pgl_rank`)."""
    b, c, d = np.meshgrid(*(np.arange(q, dtype=np.int64),) * 3, indexing="ij")
    b, c, d = b.ravel(), c.ravel(), d.ravel()
    keep = d != (b * c) % q  # (1, b; c, d) with det != 0
    one = np.ones(keep.sum(), dtype=np.int64)
    c2, d2 = np.meshgrid(np.arange(1, q, dtype=np.int64), np.arange(q), indexing="ij")
    zero = np.zeros(c2.size, dtype=np.int64)
    a = np.concatenate((one, zero))
    bb = np.concatenate((b[keep], zero + 1))
    cc = np.concatenate((c[keep], c2.ravel()))
    dd = np.concatenate((d[keep], d2.ravel()))
    return a, bb, cc, dd


def _pgl_rank(a, b, c, d, q, inv):
    """Rank of the class of ``(a, b; c, d)`` in :func:`_pgl_elements` order, vectorised.

    The representative has ``a = 1`` when ``a != 0`` (rank ``(b q + c)(q - 1) + d'``, where
    ``d'`` skips the forbidden value ``d = b c``), else ``b = 1`` (after the ``q^2 (q - 1)``
    classes with ``a != 0``).
    """
    s = np.where(a != 0, inv[a], inv[b])  # scale making the first nonzero of (a, b) equal 1
    b, c, d = (b * s) % q, (c * s) % q, (d * s) % q
    bc = (b * c) % q
    rank_a = (b * q + c) * (q - 1) + d - (d > bc)
    rank_0 = q * q * (q - 1) + (c - 1) * q + d
    return np.where(a != 0, rank_a, rank_0)


def lps(p: int, q: int, *, max_edges: int = DEFAULT_MAX_EDGES) -> sp.csr_array:
    """The Lubotzky-Phillips-Sarnak Ramanujan graph ``X^{p,q}``.

    ``p`` and ``q`` are distinct primes ``= 1 (mod 4)``.  With ``i = sqrt(-1) mod q``, each of
    the ``p + 1`` generators ``a`` of :func:`lps_generators` gives the matrix
    ``[[a0 + i a1, a2 + i a3], [-a2 + i a3, a0 - i a1]]`` in ``PGL(2, q)``, and ``X^{p,q}`` is
    the Cayley graph ``g ~ g s`` of these matrices.  If the Legendre symbol ``(p|q) = 1`` they
    lie in ``PSL(2, q)`` and the graph lives there: ``q (q^2 - 1) / 2`` vertices, not
    bipartite.  If ``(p|q) = -1`` the graph lives on ``PGL(2, q)``: ``q (q^2 - 1)``
    vertices, bipartite between ``PSL(2, q)`` and its coset.  Every nontrivial eigenvalue
    ``lambda`` has ``|lambda| <= 2 sqrt(p)`` (LPS 1988, Theorem 4.1).  The generator set is
    closed under inverses, so the graph is undirected and ``(p + 1)``-regular.

    Vertex labelling: a class of ``PGL(2, q)`` is represented by ``(1, b; c, d)`` or
    ``(0, 1; c, d)``, ordered by ``(b, c, d)`` for the first kind and then ``(c, d)`` for the
    second; vertices ``0 .. |PSL| - 1`` are the classes with square determinant (``PSL(2, q)``)
    in that order, followed (in the ``PGL`` case) by the others in that order.  So a bipartite
    ``X^{p,q}`` has the block form ``[[0, B], [B^T, 0]]``.

    Parameters
    ----------
    p, q : int
        Distinct primes, both ``= 1 (mod 4)``.  For ``q <= 2 sqrt(p)`` two generators can
        coincide mod ``q`` (then ``A`` holds multiplicity 2); LPS assume ``q > 2 sqrt(p)``.
    max_edges : int
        Refuse before allocating if the graph would have more (directed) edges.

    Returns
    -------
    scipy.sparse.csr_array
        Symmetric int64 adjacency; every row sums to ``p + 1``.

    Raises
    ------
    TopogenError
        If ``p`` or ``q`` is not a prime ``= 1 (mod 4)``, ``p == q``, or the graph is too big.

    References
    ----------
    A. Lubotzky, R. Phillips, P. Sarnak, *Ramanujan graphs*, Combinatorica 8 (1988) 261-277;
    G. Davidoff, P. Sarnak, A. Valette, *Elementary Number Theory, Group Theory and Ramanujan
    Graphs*, Cambridge 2003, Ch. 4.

    Examples
    --------
    >>> A = lps(5, 13)  # (5|13) = -1: PGL(2, 13), bipartite
    >>> A.shape, set(A.sum(axis=1).tolist()), A[:1092, :1092].nnz
    ((2184, 2184), {6}, 0)
    """
    from sympy import legendre_symbol, sqrt_mod

    p = check_prime("p", p, mod4=True)
    q = check_prime("q", q, mod4=True)
    if p == q:
        raise TopogenError(f"p and q must be distinct primes, got p = q = {p}")
    n_pgl = q * (q * q - 1)
    check_max_edges(n_pgl * (p + 1), max_edges, f"lps({p}, {q})", neurons=8 * n_pgl + 4 * p)
    i = int(sqrt_mod(-1, q))
    gens = lps_generators(p) % q
    mats = np.stack([
        (gens[:, 0] + i * gens[:, 1]) % q, (gens[:, 2] + i * gens[:, 3]) % q,
        (-gens[:, 2] + i * gens[:, 3]) % q, (gens[:, 0] - i * gens[:, 1]) % q,
    ], axis=1)
    inv = np.zeros(q, dtype=np.int64)
    inv[1:] = [pow(v, q - 2, q) for v in range(1, q)]
    a, b, c, d = _pgl_elements(q)
    squares = np.zeros(q, dtype=bool)
    squares[(np.arange(1, q) ** 2) % q] = True
    in_psl = squares[(a * d - b * c) % q]
    # vertex number of every PGL rank: PSL classes first, then the others
    order = np.concatenate((np.nonzero(in_psl)[0], np.nonzero(~in_psl)[0]))
    vertex_of_rank = np.empty(n_pgl, dtype=np.int64)
    vertex_of_rank[order] = np.arange(n_pgl)
    psl = legendre_symbol(p, q) == 1
    n = n_pgl // 2 if psl else n_pgl
    keep = order[:n]  # ranks of the vertices, in vertex order
    a, b, c, d = a[keep], b[keep], c[keep], d[keep]
    cols = []
    for e, f, g, h in mats:
        rank = _pgl_rank((a * e + b * g) % q, (a * f + b * h) % q,
                         (c * e + d * g) % q, (c * f + d * h) % q, q, inv)
        cols.append(vertex_of_rank[rank])
    rows = np.tile(np.arange(n, dtype=np.int64), len(mats))
    return coo_to_csr(n, rows, np.concatenate(cols))


def _lps_bipartite(p: int, q: int) -> bool:
    from sympy import legendre_symbol

    return legendre_symbol(p, q) == -1


def lps_layer(p: int, q: int, *, max_edges: int = DEFAULT_MAX_EDGES) -> sp.csr_array:
    """The layer of the LPS graph ``X^{p,q}``: its biadjacency when it is bipartite.

    Two cases (:func:`lps`):

    * ``(p|q) = 1``: ``X^{p,q}`` is a non-bipartite ``(p+1)``-regular Ramanujan graph on
      ``n = |PSL(2, q)|`` vertices; the layer is its ``n -> n`` 0/1 adjacency (the double
      cover, :func:`topogen.generators.expanders.graph_layer`), connected, with singular
      values the ``|lambda|``.
    * ``(p|q) = -1``: ``X^{p,q}`` is bipartite between ``PSL(2, q)`` and its coset in
      ``PGL(2, q)``, and its adjacency is ``[[0, B], [B^T, 0]]``.  The double cover would be
      two disconnected copies; the layer is instead the biadjacency ``B`` (``n/2 -> n/2``,
      ``(p+1)``-biregular): its singular values are the nonnegative eigenvalues of the graph,
      so every nontrivial one is at most ``2 sqrt(p)``, the bound of a ``(p+1, p+1)``
      layer: a bipartite Ramanujan layer.

    Parameters
    ----------
    p, q : int
        As for :func:`lps`.
    max_edges : int
        Refuse before allocating if the graph would be larger.

    Returns
    -------
    scipy.sparse.csr_array
        Read-only canonical boolean layer (multiple edges, possible when ``q <= 2 sqrt(p)``,
        become one).

    Examples
    --------
    >>> lps_layer(5, 13).shape, lps_layer(5, 29).shape  # (5|13) = -1, (5|29) = 1
    ((1092, 1092), (12180, 12180))
    """
    A = lps(p, q, max_edges=max_edges)
    if not _lps_bipartite(p, q):
        return graph_layer(A)
    half = A.shape[0] // 2
    B = sp.csr_array(A[:half, half:])
    B.sum_duplicates()
    B.eliminate_zeros()
    B.sort_indices()
    return csr_from_parts(B.shape, B.indptr, B.indices)


def lps_net(p: int, q: int, depth: int = 1, *, max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """``depth`` layers of the LPS Ramanujan graph ``X^{p,q}`` (see :func:`lps_layer`).

    Non-bipartite case (``(p|q) = 1``): every layer is the graph's adjacency.  Bipartite case
    (``(p|q) = -1``): the layers alternate ``B`` and ``B^T``, the biadjacency from
    ``PSL(2, q)`` to its coset and back, so a path through the network is a walk in the
    graph.  ``meta["params"]["case"]`` says which applies.

    Parameters
    ----------
    p, q : int
        Distinct primes ``= 1 (mod 4)`` (:func:`lps`).
    depth : int
        Number of layers.
    max_edges : int
        Refuse before allocating if the graph would be larger.

    Returns
    -------
    Topology
        Every layer ``(p+1)``-biregular and Ramanujan (``lambda2 <= 2 sqrt(p)``).

    Examples
    --------
    >>> t = lps_net(5, 13, depth=3)
    >>> t.widths, t.meta["params"]["case"]
    ((1092, 1092, 1092, 1092), 'bipartite')
    """
    from .._checks import check_int

    depth = check_int("depth", depth, minimum=1)
    layer = lps_layer(p, q, max_edges=max_edges)
    bipartite = _lps_bipartite(p, q)
    if bipartite:
        T = layer.T.tocsr()
        back = csr_from_parts(T.shape, T.indptr, T.indices)
        layers = [layer if i % 2 == 0 else back for i in range(depth)]
        how = ("X^{p,q} is bipartite ((p|q) = -1): layers alternate its biadjacency "
               "PSL(2,q) -> PGL(2,q) \\ PSL(2,q) and the transpose")
    else:
        layers = [layer] * depth
        how = "X^{p,q} is not bipartite ((p|q) = 1): every layer is its adjacency"
    params = {"p": p, "q": q, "depth": depth,
              "case": "bipartite" if bipartite else "non-bipartite", "layer": how}
    return trusted(layers, make_meta("lps_net", params))


def incidence_layer(graph) -> sp.csr_array:
    """The vertex-edge incidence layer ``N`` of a simple graph (``N[v, e] = 1`` if ``v in e``).

    Edges are numbered in the order of the upper triangle of the adjacency (row-major):
    edge ``e = (u, v)`` with ``u < v``.  ``N N^T = D + A``, so for a ``d``-regular graph the
    singular values of ``N`` are ``sqrt(d + lambda)`` for the eigenvalues ``lambda`` of ``A``.

    Parameters
    ----------
    graph : networkx graph, scipy sparse matrix or 2-D array
        A simple undirected graph: symmetric 0/1 adjacency, no loops.

    Returns
    -------
    scipy.sparse.csr_array
        Read-only canonical boolean ``(n, m)`` layer, ``m`` = number of edges.

    Examples
    --------
    >>> import networkx as nx
    >>> incidence_layer(nx.path_graph(3)).toarray().astype(int)
    array([[1, 0],
           [1, 1],
           [0, 1]])
    """
    A = check_matrix("graph", graph, square=True)
    A.sum_duplicates()
    A.eliminate_zeros()
    if (A != A.T).nnz:
        raise TopogenError("graph must be undirected: its adjacency is not symmetric")
    if A.diagonal().any():
        raise TopogenError("graph must have no loops for an incidence layer")
    if np.any(A.data != 1):
        raise TopogenError("graph must be simple (0/1 adjacency), it has repeated edges")
    upper = sp.triu(A, k=1, format="coo")
    order = np.lexsort((upper.col, upper.row))
    u, v = upper.row[order].astype(np.int64), upper.col[order].astype(np.int64)
    m = len(u)
    rows = np.concatenate((u, v))
    cols = np.concatenate((np.arange(m), np.arange(m)))
    N = sp.coo_array((np.ones(2 * m, dtype=bool), (rows, cols)), shape=(A.shape[0], m)).tocsr()
    N.sort_indices()
    return csr_from_parts(N.shape, N.indptr, N.indices)


def bipartite_ramanujan(
    graph,
    *,
    transpose: bool = False,
    check: bool = True,
    max_edges: int = DEFAULT_MAX_EDGES,
) -> Topology:
    """A biregular Ramanujan layer between unequal widths: a Ramanujan graph's incidence layer.

    For a ``d``-regular graph ``G`` on ``n`` vertices with ``m = n d / 2`` edges, the
    incidence layer ``N`` (:func:`incidence_layer`) is ``(d, 2)``-biregular and
    ``N N^T = d I + A``: its nontrivial singular values are ``sqrt(d + lambda)``.  If ``G``
    is Ramanujan (``|lambda| <= 2 sqrt(d - 1)``), they are at most
    ``sqrt(d + 2 sqrt(d - 1)) = sqrt(d - 1) + 1``, the biregular Ramanujan bound
    ``sqrt(d_in - 1) + sqrt(d_out - 1)`` for degrees ``(d, 2)``.  This is the classical link
    between Ramanujan graphs and Ramanujan bigraphs (incidence graphs / line graphs; Ballantine
    & Ciubotaru, *Ramanujan bigraphs associated with SU(3) over a p-adic field*, Proc. AMS 139
    (2011); Hashimoto 1989; Kotani & Sunada 2000).  Use :func:`lps` or
    :func:`topogen.paley` for ``graph``.

    Parameters
    ----------
    graph : networkx graph, scipy sparse matrix or 2-D array
        A simple ``d``-regular graph (``d >= 2``), ideally Ramanujan.
    transpose : bool
        ``False``: the layer is ``n -> m`` (vertices to edges, out-degree ``d``, in-degree 2);
        ``True``: ``m -> n`` (out-degree 2, in-degree ``d``).
    check : bool
        Compute the layer's second singular value (:func:`topogen.analysis.spectral_gap`) and
        raise if it certainly exceeds the bound (that is, if ``graph`` is not Ramanujan);
        ``meta["params"]["is_ramanujan"]`` records the verdict (None if the value is within
        the solver's error of the bound).
    max_edges : int
        Refuse before allocating if the layer would have more edges.

    Returns
    -------
    Topology
        One layer; ``meta["params"]`` holds ``d``, the bound and the measured ``lambda2``.

    Raises
    ------
    TopogenError
        If the graph is not simple, undirected and regular with ``d >= 2``, or (with ``check``)
        the layer misses the Ramanujan bound.

    Examples
    --------
    >>> import topogen
    >>> t = bipartite_ramanujan(topogen.paley(13))  # 6-regular on 13 vertices
    >>> t.widths, round(t.meta["params"]["lambda2"], 4), round(t.meta["params"]["bound"], 4)
    ((13, 39), 2.7024, 3.2361)
    """
    A = check_matrix("graph", graph, square=True)
    deg = np.asarray(A.sum(axis=1)).ravel()
    if A.shape[0] == 0 or deg.min() != deg.max() or deg[0] < 2:
        raise TopogenError(
            "graph must be d-regular with d >= 2 for a biregular incidence layer, got degrees "
            f"{int(deg.min()) if len(deg) else 0}..{int(deg.max()) if len(deg) else 0}"
        )
    d = int(deg[0])
    check_max_edges(int(A.nnz), max_edges, "bipartite_ramanujan",
                    neurons=A.shape[0] + int(A.nnz) // 2)
    N = incidence_layer(A)
    if transpose:
        T = N.T.tocsr()
        N = csr_from_parts(T.shape, T.indptr, T.indices)
    bound = float(np.sqrt(d - 1) + 1.0)
    params = {"n": A.shape[0], "d": d, "transpose": bool(transpose), "bound": bound,
              "lambda2": None}
    if check:
        from ..analysis.spectral import spectral_gap

        gap = spectral_gap(N, tol=1e-10)  # Lanczos estimates from below: converge fully
        params["lambda2"] = gap.lambda2
        params["is_ramanujan"] = gap.is_ramanujan  # None: within rounding of the bound
        if gap.is_ramanujan is False:
            raise TopogenError(
                f"the incidence layer has second singular value {gap.lambda2:.6g} above the "
                f"Ramanujan bound sqrt(d - 1) + 1 = {bound:.6g}: the {d}-regular graph is not "
                "Ramanujan; pass a Ramanujan graph such as topogen.lps(p, q) or check=False"
            )
    return trusted([N], make_meta("bipartite_ramanujan", params))



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
    out = []
    for q in primes_in(5, max_vertices + 1, mod4=1):
        out.append((f"paley({q})", q, (q - 1) // 2, lambda q=q: paley(q)))
    for q in primes_in(5, int(max_vertices ** (1 / 3)) + 3, mod4=1):
        for p in primes_in(5, 4 * max_vertices + 1, mod4=1):
            if p == q:
                continue
            n = q * (q * q - 1) // (2 if pow(p, (q - 1) // 2, q) == 1 else 1)
            if n <= max_vertices and p + 1 < n:
                out.append((f"lps({p},{q})", n, p + 1, lambda p=p, q=q: lps(p, q)))
    return out


def ramanujan_net(widths, density, *, max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """Every layer the adjacency of one Ramanujan graph blown up by a Kronecker product.

    Layer ``i`` is ``kron(ones((B_i, B_(i+1))), A)`` for the adjacency ``A`` of a Ramanujan
    graph on ``n`` vertices (``widths[i] = B_i * n``), which keeps its density ``d / n`` and
    its spectral ratio (the nontrivial singular values scale with ``sqrt(B_i B_(i+1))`` like
    the top one), the same widening RadiX-Nets use.  The graph is the one of
    :func:`ramanujan_catalogue` whose size divides every width and whose density is nearest
    (in ratio) to ``density`` (their mean when one is given per layer), among those whose 0/1
    adjacency is regular and meets the Ramanujan bound ``2 sqrt(d - 1)`` for its real degree
    (checked numerically: LPS graphs with ``q <= 2 sqrt(p)`` repeat generators, and
    collapsing the repeats lowers the degree).  The realised density is what it is: read it
    from ``layer_density``.  Deterministic.

    Parameters
    ----------
    widths : sequence of int
        ``n_0 .. n_L``; the graph's size must divide every width.
    density : float or sequence of float
        Target density in ``(0, 1]``, or one per layer (their mean picks the graph).
    max_edges : int
        Refuse before the layers are allocated if they would hold more edges.

    Returns
    -------
    Topology
        ``meta["params"]["graph"]`` names the graph used, with its vertices, degree, second
        eigenvalue modulus ``lambda2`` and the bound.

    Raises
    ------
    TopogenError
        For bad widths or densities, or if no catalogued Ramanujan graph has a size dividing
        every width.

    References
    ----------
    A. Lubotzky, R. Phillips & P. Sarnak, *Ramanujan graphs*, Combinatorica 8 (1988).

    Examples
    --------
    >>> t = ramanujan_net([26, 26], 0.5)
    >>> t.meta["params"]["graph"], t.layer_density
    ('paley(13)', (0.46153846153846156,))
    """
    widths = check_widths("widths", widths)
    if len(widths) < 2:
        raise TopogenError(f"widths must have at least 2 entries, got {fmt_value(widths)}")
    density, dens = check_layer_densities("density", density, len(widths) - 1)
    target = float(np.mean(dens))
    g = 0
    for w in widths:
        g = math.gcd(g, int(w))
    options = [c for c in ramanujan_catalogue(g) if g % c[1] == 0]
    # nearest first by the nominal degree; the 0/1 graph is then built and checked
    options.sort(key=lambda c: (abs(math.log(c[2] / c[1] / target)), -c[1]))
    checked = [c for c in map(_checked_graph, options[:8]) if c is not None]
    if not checked:
        raise TopogenError(
            f"ramanujan_net: no Paley or LPS Ramanujan graph has a vertex count dividing "
            f"every width {fmt_value(list(widths))} (gcd {g}); use widths that are multiples "
            "of e.g. 13, 60 or 120 (LPS X^{13,5} has 120 vertices)"
        )
    name, n, d, lam, bound, base = min(
        checked, key=lambda c: (abs(math.log(c[2] / c[1] / target)), -c[1]))
    blocks = [w // n for w in widths]
    check_max_edges(sum(a * b * base.nnz for a, b in pairwise(blocks)), max_edges,
                    f"ramanujan_net({fmt_value(list(widths))})",
                    neurons=sum(a + b for a, b in pairwise(widths)))
    layers = [kron_ones(a, b, base) for a, b in pairwise(blocks)]
    params = {"widths": list(widths), "density": density, "graph": name, "vertices": n, "degree": d,
              "lambda2": lam, "ramanujan_bound": bound}
    return trusted(layers, make_meta("ramanujan_net", params, None))


#: The name this construction had in ``topogen.verify`` (``kron_graph(widths,
#: layer_densities)``); the same function.
kron_graph = ramanujan_net


def _checked_graph(candidate):
    """Build a catalogued graph as a 0/1 adjacency and check it is regular and Ramanujan.

    LPS graphs with ``q <= 2 sqrt(p)`` have coinciding generators (a multigraph); as a 0/1
    layer their degree is lower than ``p + 1``, so the bound is checked for the degree the
    0/1 graph really has: the largest eigenvalue modulus other than ``+-d`` must be at most
    ``2 sqrt(d - 1)`` (dense ``eigvalsh``; the catalogue holds graphs of at most a few
    thousand vertices).  Returns ``(name, n, d, lambda2, bound, csr)`` or None.
    """
    name, n, _, build = candidate
    if n > 4096:
        return None
    A = sp.csr_array(build())
    A.data[:] = 1
    A = A.astype(bool)
    A.sum_duplicates()
    A.sort_indices()
    deg = np.diff(A.indptr)
    if deg.min() != deg.max() or deg[0] < 2:
        return None
    d = int(deg[0])
    ev = np.abs(np.linalg.eigvalsh(A.toarray().astype(float)))
    nontrivial = ev[~np.isclose(ev, d)]
    lam = float(nontrivial.max()) if len(nontrivial) else 0.0
    bound = 2.0 * float(np.sqrt(d - 1))
    if lam > bound + 1e-9:
        return None
    return name, n, d, lam, bound, csr_from_parts(A.shape, A.indptr, A.indices)
