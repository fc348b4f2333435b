"""GraphML through networkx, for small topologies (nodes ``"layer:index"``)."""

from __future__ import annotations

import json
import os
import re

import numpy as np

from ..._checks import TopogenError, check_int, check_path, fmt_value
from ..._io import atomic_file
from ...topology import Topology, check_topology, csr_from_parts, trusted
from ._common import SMALL_MAX_EDGES, check_small, widths_meta
from ._guard import fail, open_regular

#: Largest file per edge of ``max_edges`` that the GraphML and edge-list readers parse.
FILE_BYTES_PER_EDGE = 256
_LABEL = re.compile(r"(\d{1,18}):(\d{1,18})")


def write_graphml(topology: Topology, path, *, max_edges: int = SMALL_MAX_EDGES) -> None:
    """Write a GraphML file (via networkx), atomically.

    Nodes are ``"{layer}:{index}"`` with integer attributes ``layer`` and ``index``; the
    graph attributes ``widths`` and ``meta`` hold JSON.  Gephi, yEd, igraph and networkx open
    it.  Meant for small topologies (at most ``max_edges`` edges).

    Parameters
    ----------
    topology : Topology
        The network to write.
    path : str or os.PathLike
        The ``.graphml`` file; an existing file is replaced atomically.
    max_edges : int, default 1,000,000
        Largest edge count written; a larger topology is refused (use ``.npz``, Matrix
        Market or Graph Challenge TSV for those).

    Raises
    ------
    TopogenError
        If ``topology`` has more than ``max_edges`` edges, or the write fails (the old file
        is then untouched).

    Examples
    --------
    >>> import os, tempfile, networkx as nx, topogen
    >>> net = topogen.radix_net([[2]], [1, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "net.graphml")
    >>> write_graphml(net, path)
    >>> G = nx.read_graphml(path)
    >>> sorted(G.successors("0:1"))
    ['1:0', '1:1']
    >>> read_graphml(path) == net
    True
    """
    import networkx as nx

    topology = check_topology("topology", topology)
    path = check_path("path", path)
    check_small(topology, max_edges, "GraphML")
    G = to_nx(topology)
    with atomic_file(path) as f:
        nx.write_graphml(G, f)


def to_nx(topology: Topology):
    """The ``networkx.DiGraph`` that GraphML and edge lists hold: nodes ``"layer:index"``.

    Nodes are added layer by layer and edges row by row, so networkx writes them sorted.

    Parameters
    ----------
    topology : Topology
        The network.

    Returns
    -------
    networkx.DiGraph
        Nodes ``"{layer}:{index}"`` with ``layer`` and ``index`` attributes, the graph
        attributes ``widths`` and ``meta`` as JSON text.

    Examples
    --------
    >>> import topogen
    >>> G = to_nx(topogen.radix_net([[2]], [1, 1]))
    >>> G.number_of_nodes(), G.number_of_edges(), G.graph["widths"]
    (4, 4, '[2, 2]')
    """
    import networkx as nx

    G = nx.DiGraph(widths=json.dumps(list(topology.widths)), meta=json.dumps(topology.meta))
    for i, n in enumerate(topology.widths):
        G.add_nodes_from((f"{i}:{k}", {"layer": i, "index": k}) for k in range(n))
    for i, layer in enumerate(topology.layers):
        rows, cols = layer.nonzero()
        G.add_edges_from(zip((f"{i}:{r}" for r in rows.tolist()),
                             (f"{i + 1}:{c}" for c in cols.tolist())))
    return G


def check_file_size(path, size: int, max_edges: int, what: str) -> None:
    """Refuse a GraphML or edge-list file too big for ``max_edges`` before parsing it.

    Parameters
    ----------
    path : str
        The file, for the message.
    size : int
        Its size in bytes.
    max_edges : int
        The reader's size cap; files above :data:`FILE_BYTES_PER_EDGE` bytes per edge of it
        are refused.
    what : str
        Format name for the message (``"GraphML"``, ``"an edge list"``).

    Raises
    ------
    TopogenError
        If ``size`` exceeds the limit.

    Examples
    --------
    >>> check_file_size("big.graphml", 10**6, 1000, "GraphML")
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: big.graphml: GraphML is meant for small topologies: ...
    """
    limit = FILE_BYTES_PER_EDGE * max_edges
    if size > limit:
        raise TopogenError(f"{path}: {what} is meant for small topologies: the file has "
                           f"{size:,} bytes, above {limit:,} ({FILE_BYTES_PER_EDGE} per edge "
                           f"for max_edges={max_edges:,}); use .npz, Matrix Market or Graph "
                           "Challenge TSV, or pass a larger max_edges=")


def edges_to_layers(edges, widths, path) -> list:
    """Canonical layers from ``(u, v)`` node-label pairs, every label and edge validated.

    Parameters
    ----------
    edges : sequence of (str, str)
        Edges between labels ``"{layer}:{index}"``, each from layer ``i`` to ``i + 1``.
    widths : list of int
        Neurons per layer, already checked.
    path : str
        File name for error messages.

    Returns
    -------
    list of scipy.sparse.csr_array
        One canonical layer per consecutive pair of widths.

    Raises
    ------
    TopogenError
        On a malformed or out-of-range label, an edge that skips or goes back a layer, or
        a duplicate edge.

    Examples
    --------
    >>> [l.toarray().astype(int).tolist() for l in edges_to_layers([("0:1", "1:0")], [2, 1], "g")]
    [[[0], [1]]]
    """
    us = [u for u, _ in edges]
    vs = [v for _, v in edges]
    src_l, src = _node_ids(us, path, widths)
    dst_l, dst = _node_ids(vs, path, widths)
    return _layers_from_edges(src_l, src, dst_l, dst, widths, path)


def _node_ids(labels, path, widths):
    """Parse node labels ``"layer:index"`` into int arrays, validating ranges."""
    layer_idx = np.empty(len(labels), dtype=np.int64)
    index = np.empty(len(labels), dtype=np.int64)
    for k, label in enumerate(labels):
        m = _LABEL.fullmatch(label) if isinstance(label, str) else None
        if not m:
            raise TopogenError(f"{path}: node {fmt_value(label)} is not of the form "
                               "'layer:index'")
        layer_idx[k], index[k] = int(m.group(1)), int(m.group(2))
        if layer_idx[k] >= len(widths) or index[k] >= widths[layer_idx[k]]:
            raise TopogenError(f"{path}: node {label!r} is out of range for widths "
                               f"{fmt_value(widths)}")
    return layer_idx, index


def _layers_from_edges(src_l, src, dst_l, dst, widths, path) -> list:
    bad = np.flatnonzero(dst_l != src_l + 1)
    if len(bad):
        k = int(bad[0])
        raise TopogenError(f"{path}: edge {src_l[k]}:{src[k]} -> {dst_l[k]}:{dst[k]} does not "
                           "go from one layer to the next")
    layers = []
    for i in range(len(widths) - 1):
        sel = src_l == i
        key = src[sel] * widths[i + 1] + dst[sel]
        key.sort()
        if len(key) > 1 and np.any(key[1:] == key[:-1]):
            k = int(np.flatnonzero(key[1:] == key[:-1])[0])
            raise TopogenError(f"{path}: duplicate edge {i}:{key[k] // widths[i + 1]} -> "
                               f"{i + 1}:{key[k] % widths[i + 1]}")
        rows, cols = key // widths[i + 1], key % widths[i + 1]
        indptr = np.zeros(widths[i] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=widths[i]), out=indptr[1:])
        layers.append(csr_from_parts((widths[i], widths[i + 1]), indptr, cols))
    return layers


def read_graphml(path, *, max_edges: int = SMALL_MAX_EDGES) -> Topology:
    """Read a GraphML file written by :func:`write_graphml`, validating nodes and edges.

    networkx parses the XML (:func:`networkx.read_graphml`); topogen checks that the file is
    a regular file no larger than ``max_edges`` edges could need, before parsing, and then
    checks every node label, edge and the ``widths`` attribute.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.graphml`` file.
    max_edges : int, default 1,000,000
        Size cap: files above 256 bytes per edge of this cap are refused unread.

    Returns
    -------
    Topology

    Raises
    ------
    TopogenError
        For invalid or truncated XML (naming the line), a graph that is not a topogen
        layered graph, a file above the size cap or a path that is not a regular file.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> path = os.path.join(tempfile.mkdtemp(), "t.graphml")
    >>> topogen.save(topogen.radix_net([[2]], [1, 1]), path)
    >>> read_graphml(path).widths
    (2, 2)
    """
    import xml.etree.ElementTree as ET

    import networkx as nx

    path = check_path("path", path)
    max_edges = check_int("max_edges", max_edges, minimum=1)
    with open_regular(path) as f:
        check_file_size(path, os.fstat(f.fileno()).st_size, max_edges, "GraphML")
        try:
            G = nx.read_graphml(f)
        except ET.ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            fail(path, line, f"not valid GraphML XML ({exc})")
        except (nx.NetworkXError, ValueError, KeyError, TypeError, IndexError, AttributeError,
                RecursionError, OverflowError, LookupError, SyntaxError, OSError) as exc:
            raise TopogenError(f"{path}: not a readable GraphML file ({type(exc).__name__}: "
                               f"{fmt_value(str(exc), 200)})") from None
    if not G.is_directed() or G.is_multigraph():
        raise TopogenError(f"{path}: the graph must be a directed simple graph (edges go "
                           "layer i -> i+1)")
    widths, meta = widths_meta(G.graph.get("widths"), G.graph.get("meta"), path)
    if len(G) != sum(widths):
        raise TopogenError(f"{path}: the graph has {len(G)} nodes but widths "
                           f"{fmt_value(widths)} need {sum(widths)}, one per (layer, index)")
    node_l, node_i = _node_ids(list(G.nodes), path, widths)
    if len(set(zip(node_l.tolist(), node_i.tolist()))) != len(G):
        raise TopogenError(f"{path}: two nodes name the same (layer, index)")
    return trusted(edges_to_layers(list(G.edges), widths, path), meta)
