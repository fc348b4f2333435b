"""Helpers on a sequence of canonical CSR layers that need no Topology.

One way to find repeated layers, :func:`find_distinct`: a deep network often repeats a
layer (the Graph Challenge's, a RadiX-Net's Kronecker widening, a network read from files);
:attr:`topogen.Topology.distinct_layers` and :attr:`~topogen.Topology.layer_index` come
from it, and analyses work on each distinct layer once.  And :func:`layered_digraph`, the
graph of :meth:`topogen.Topology.to_networkx`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ._checks import TopogenError, check_int

__all__ = ["content_key", "find_distinct", "layered_digraph", "same_layer"]


def content_key(layer: sp.csr_array) -> tuple:
    """Shape, edge count and a sample of the index arrays: equal layers have equal keys.

    Layers with equal keys are then compared in full (:func:`same_layer`), which is much
    cheaper than hashing every layer of a deep network read from a file.

    Parameters
    ----------
    layer : scipy.sparse.csr_array
        A canonical layer (sorted indices, no duplicates).

    Returns
    -------
    tuple
        Hashable; 64 evenly spaced entries of ``indptr`` and of ``indices`` as bytes.
    """
    picks = [np.linspace(0, len(a) - 1, 64).astype(np.int64) if len(a) else np.zeros(0, int)
             for a in (layer.indptr, layer.indices)]
    sample = tuple(np.asarray(a)[k].astype(np.int64).tobytes()
                   for a, k in zip((layer.indptr, layer.indices), picks))
    return (layer.shape, int(layer.nnz), *sample)


def same_layer(a: sp.csr_array, b: sp.csr_array) -> bool:
    """Whether two canonical layers have the same shape and the same edges.

    Parameters
    ----------
    a, b : scipy.sparse.csr_array
        Canonical 0/1 layers (the values are not compared).

    Returns
    -------
    bool
    """
    return a is b or (a.shape == b.shape and np.array_equal(a.indptr, b.indptr)
                      and np.array_equal(a.indices, b.indices))


def find_distinct(layers: Sequence[sp.csr_array]) -> tuple[tuple, tuple]:
    """The distinct layers of ``layers`` (first occurrence order) and each position's index.

    A layer object seen before is matched by identity (no hashing); otherwise by
    :func:`content_key`, then in full with :func:`same_layer`.

    Parameters
    ----------
    layers : sequence of scipy.sparse.csr_array
        Canonical layers, possibly sharing objects.

    Returns
    -------
    (tuple of csr_array, tuple of int)
        ``distinct`` and ``index``, with ``layers[i]`` equal to ``distinct[index[i]]``.

    Examples
    --------
    >>> eye = sp.csr_array(np.eye(2, dtype=bool))
    >>> distinct, index = find_distinct([eye, sp.csr_array(np.ones((2, 2), bool)), eye.copy()])
    >>> len(distinct), index
    (2, (0, 1, 0))
    """
    by_id: dict = {}  # id(layer) -> distinct index (shared objects, no hashing)
    by_key: dict = {}  # content_key -> distinct indices with that key
    distinct: list = []
    index = []
    for layer in layers:
        k = by_id.get(id(layer))
        if k is None:
            key = content_key(layer)
            for cand in by_key.get(key, ()):
                if same_layer(distinct[cand], layer):
                    k = cand
                    break
            else:
                k = len(distinct)
                distinct.append(layer)
                by_key.setdefault(key, []).append(k)
            by_id[id(layer)] = k
        index.append(k)
    return tuple(distinct), tuple(index)


def layered_digraph(widths: Sequence[int], layers: Sequence[sp.csr_array], *, max_items: int):
    """The layered :class:`networkx.DiGraph` of ``layers``, refused beyond ``max_items``.

    Parameters
    ----------
    widths : sequence of int
        ``n_0 .. n_L``: width ``i`` gives the nodes ``(i, 0) .. (i, n_i - 1)``.
    layers : sequence of scipy.sparse.csr_array
        Layer ``i`` gives an edge ``(i, row) -> (i + 1, column)`` per entry.
    max_items : int
        Largest ``nodes + edges`` built (at least 1).

    Returns
    -------
    networkx.DiGraph
        Every node has the attribute ``layer``.

    Raises
    ------
    TopogenError
        If the graph would have more than ``max_items`` nodes and edges.

    Examples
    --------
    >>> G = layered_digraph([1, 2], [sp.csr_array(np.ones((1, 2), bool))], max_items=10)
    >>> sorted(G.edges)
    [((0, 0), (1, 0)), ((0, 0), (1, 1))]
    """
    max_items = check_int("max_items", max_items, minimum=1)
    items = sum(widths) + sum(layer.nnz for layer in layers)
    if items > max_items:
        raise TopogenError(
            f"to_networkx would build {items:,} nodes and edges, above max_items="
            f"{max_items:,}; pass a larger max_items= if you have the memory (a few "
            "hundred bytes each), or analyse the Topology directly"
        )
    import networkx as nx

    G = nx.DiGraph()
    for i, n in enumerate(widths):
        G.add_nodes_from(((i, k) for k in range(n)), layer=i)
    for i, layer in enumerate(layers):
        coo = layer.tocoo()
        src = zip([i] * coo.nnz, coo.row.tolist())
        dst = zip([i + 1] * coo.nnz, coo.col.tolist())
        G.add_edges_from(zip(src, dst))
    return G
