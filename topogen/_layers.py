"""Helpers on canonical CSR layers that need no Topology.

Building them: :func:`csr_from_parts` (a frozen canonical boolean layer from index arrays),
:func:`kron_ones` (the RadiX-Net widening), :func:`canonical_problem` (why index arrays are
not canonical), :func:`freeze`.

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

__all__ = [
    "canonical_problem",
    "content_key",
    "csr_from_parts",
    "find_distinct",
    "freeze",
    "kron_ones",
    "layered_digraph",
    "same_layer",
]


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


def freeze(layer: sp.csr_array) -> sp.csr_array:
    """Mark a layer's arrays read-only, so that nobody can change a Topology in place.

    Parameters
    ----------
    layer : scipy.sparse.csr_array
        The layer; its ``data``, ``indices`` and ``indptr`` are made read-only in place.

    Returns
    -------
    scipy.sparse.csr_array
        ``layer`` itself.

    >>> W = freeze(sp.csr_array(np.eye(2, dtype=bool)))
    >>> W.indices.flags.writeable
    False
    """
    for arr in (layer.data, layer.indices, layer.indptr):
        arr.flags.writeable = False
    return layer


def csr_from_parts(shape, indptr, indices) -> sp.csr_array:
    """A canonical boolean csr_array from sorted, duplicate-free ``indptr``/``indices``.

    The arrays are trusted, not checked (see :func:`canonical_problem`); int32 indices
    when every size fits, else int64.

    Parameters
    ----------
    shape : tuple of int
        ``(n_rows, n_cols)``.
    indptr : numpy.ndarray
        Row pointers, length ``n_rows + 1``.
    indices : numpy.ndarray
        Column indices, sorted and duplicate-free within each row.

    Returns
    -------
    scipy.sparse.csr_array
        Read-only boolean layer (every stored entry True), marked canonical.

    >>> csr_from_parts((2, 3), np.array([0, 1, 3]), np.array([2, 0, 1])).toarray().astype(int)
    array([[0, 0, 1],
           [1, 1, 0]])
    """
    n_rows, n_cols = shape
    itype = np.int32 if max(n_rows, n_cols, len(indices)) < 2**31 - 1 else np.int64
    layer = sp.csr_array(
        (np.ones(len(indices), dtype=bool), indices.astype(itype, copy=False),
         indptr.astype(itype, copy=False)),
        shape=shape,
        copy=False,
    )
    layer.has_canonical_format = True  # built sorted and duplicate-free by the caller
    return freeze(layer)


def kron_ones(p: int, q: int, layer: sp.csr_array) -> sp.csr_array:
    """``kron(ones((p, q)), layer)`` as a canonical boolean CSR array, vectorised.

    Row ``b * n + r`` of the result is copy ``b`` of row ``r``; its columns are
    ``c * m + j`` for every column ``j`` of row ``r`` and every ``c < q`` (``layer`` is
    ``n x m``).  Indices come out sorted, so no sort is needed.

    Parameters
    ----------
    p, q : int
        Copies of the rows and of the columns (``p * n`` rows and ``q * m`` columns out).
    layer : scipy.sparse.csr_array
        Canonical ``n x m`` boolean layer (sorted indices, no duplicates).

    Returns
    -------
    scipy.sparse.csr_array
        Read-only canonical boolean ``(p * n, q * m)`` layer with ``p * q * nnz`` edges.

    Examples
    --------
    >>> W = sp.csr_array(np.array([[1, 0], [1, 1]], dtype=bool))
    >>> kron_ones(2, 1, W).toarray().astype(int)
    array([[1, 0],
           [1, 1],
           [1, 0],
           [1, 1]])
    """
    n, m = layer.shape
    indptr = layer.indptr.astype(np.int64)
    indices = layer.indices.astype(np.int64)
    deg = np.diff(indptr)
    nnz = len(indices)
    if n and nnz and deg.min() == deg.max():  # regular rows: a reshape does it
        d = int(deg[0])
        block = (np.arange(q, dtype=np.int64)[None, :, None] * m
                 + indices.reshape(n, 1, d)).reshape(-1)
        out_indices = np.tile(block, p)
        out_indptr = np.arange(0, p * q * nnz + 1, q * d, dtype=np.int64)
        return csr_from_parts((p * n, q * m), out_indptr, out_indices)
    row_nnz = q * deg
    block_indptr = np.concatenate(([0], np.cumsum(row_nnz)))
    if nnz:
        row = np.repeat(np.arange(n), deg)
        k = np.arange(nnz) - indptr[row]  # position of each entry within its row
        c = np.arange(q)
        pos = block_indptr[row][:, None] + c[None, :] * deg[row][:, None] + k[:, None]
        block = np.empty(q * nnz, dtype=np.int64)
        block[pos.ravel()] = (c[None, :] * m + indices[:, None]).ravel()
    else:
        block = np.empty(0, dtype=np.int64)
    out_indices = np.tile(block, p)
    out_indptr = np.concatenate(
        ([0], (block_indptr[1:][None, :] + (q * nnz) * np.arange(p)[:, None]).ravel())
    )
    return csr_from_parts((p * n, q * m), out_indptr, out_indices)


def canonical_problem(indptr, indices) -> str:
    """'' if the CSR index arrays are sorted and duplicate-free within rows, else why not.

    Parameters
    ----------
    indptr : numpy.ndarray
        Row pointers of a CSR matrix.
    indices : numpy.ndarray
        Its column indices.

    Returns
    -------
    str
        ``""`` if canonical; else the reason, to end a message (unsorted or duplicates).

    >>> canonical_problem(np.array([0, 2]), np.array([1, 0]))
    'its column indices are not sorted within rows'
    """
    step = np.diff(indices.astype(np.int64))
    if len(step) == 0:
        return ""
    inner = np.ones(len(step), dtype=bool)
    starts = indptr[1:-1].astype(np.int64) - 1  # last entry of each row but the last
    starts = starts[(starts >= 0) & (starts < len(step))]
    inner[starts] = False
    if np.any(step[inner] < 0):
        return "its column indices are not sorted within rows"
    if np.any(step[inner] == 0):
        return "it has duplicate entries"
    return ""
