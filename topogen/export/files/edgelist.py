"""A text edge list ``"{i}:{src} {i+1}:{dst}"`` per line, for small topologies (networkx)."""

from __future__ import annotations

import os

from ..._checks import TopogenError, check_int, check_path, fmt_value
from ..._io import atomic_file
from ...topology import Topology, check_topology, trusted
from ._common import SMALL_MAX_EDGES, check_small, widths_meta
from ._guard import check_read_size, fail, open_regular
from .graphml import check_file_size, edges_to_layers, to_nx

_HEADER = (b"# topogen edgelist widths: ", b"# meta: ", b"# edges: ")
#: Fewest bytes an edge line takes: ``"0:0 1:0\n"``.
_MIN_LINE = 8


def write_edgelist(topology: Topology, path, *, max_edges: int = SMALL_MAX_EDGES) -> None:
    """Write a text edge list ``"{i}:{src} {i+1}:{dst}"`` per line, atomically (networkx).

    Header lines starting with ``#`` give the widths, ``meta`` (JSON) and the edge count;
    :func:`networkx.write_edgelist` writes the edges.  The file reads with
    ``networkx.read_edgelist(path, create_using=nx.DiGraph)`` (nodes are the strings
    ``"layer:index"``, as in :func:`write_graphml`) and back with :func:`read_edgelist`.

    Parameters
    ----------
    topology : Topology
        The network.
    path : str or os.PathLike
        The file to write.
    max_edges : int, default 1,000,000
        Refuse larger topologies (use ``.npz``, Matrix Market or TSV for those).

    Raises
    ------
    TopogenError
        For a topology above ``max_edges`` or a folder that does not exist.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> net = topogen.radix_net([[2]], [1, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "net.edgelist")
    >>> write_edgelist(net, path)
    >>> open(path).read().splitlines()[3:5]
    ['0:0 1:0', '0:0 1:1']
    >>> read_edgelist(path) == net
    True
    """
    import json

    import networkx as nx

    topology = check_topology("topology", topology)
    path = check_path("path", path)
    check_small(topology, max_edges, "the edge list")
    header = (_HEADER[0] + json.dumps(list(topology.widths)).encode() + b"\n"
              + _HEADER[1] + json.dumps(topology.meta).encode() + b"\n"
              + _HEADER[2] + str(topology.nnz).encode() + b"\n")
    G = to_nx(topology)
    with atomic_file(path) as f:
        f.write(header)
        nx.write_edgelist(G, f, data=False)


def read_edgelist(path, *, max_edges: int = SMALL_MAX_EDGES) -> Topology:
    """Read an edge list written by :func:`write_edgelist`, validating every edge.

    topogen reads the three header lines and checks the declared widths and edge count
    against the size cap and the bytes in the file, before anything is parsed;
    :func:`networkx.parse_edgelist` parses the edges; then every node label, every edge
    (layer ``i`` to ``i + 1``, in range, no duplicate) and the edge count are checked.

    Parameters
    ----------
    path : str or os.PathLike
        The edge-list file.
    max_edges : int, default 1,000,000
        Size cap for the declared widths and edges, and for the file size.

    Returns
    -------
    Topology

    Raises
    ------
    TopogenError
        For a missing or wrong header, a truncated or altered file, a malformed line, a
        declared size above the cap or a path that is not a regular file.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> path = os.path.join(tempfile.mkdtemp(), "t.edgelist")
    >>> topogen.save(topogen.radix_net([[2]], [1, 1]), path)
    >>> read_edgelist(path).nnz
    4
    """
    import networkx as nx

    path = check_path("path", path)
    max_edges = check_int("max_edges", max_edges, minimum=1)
    with open_regular(path) as f:
        check_file_size(path, os.fstat(f.fileno()).st_size, max_edges, "the edge list")
        buf = f.read()
    lines = buf.split(b"\n", 3)
    if len(lines) < 3 or not all(line.startswith(h) for line, h in zip(lines, _HEADER)):
        fail(path, 1, "not a topogen edge list (missing the '# topogen edgelist widths:', "
             "'# meta:' and '# edges:' header lines)")
    declared = lines[2][len(_HEADER[2]):].strip()
    if not declared.isdigit() or len(declared) > 18:
        fail(path, 3, f"the edge count {fmt_value(declared[:20])} is not an integer")
    declared = int(declared)
    widths, meta = widths_meta(lines[0][len(_HEADER[0]):], lines[1][len(_HEADER[1]):], path)
    body = lines[3] if len(lines) > 3 else b""
    room = (len(body) + 1) // _MIN_LINE
    if declared > room:
        fail(path, 3, f"the header declares {declared:,} edges but the {len(body):,} bytes "
             f"after it hold at most {room:,} (truncated file?)")
    check_read_size(path, sum(widths), declared, max_edges, 1)
    if b"#" in body:
        fail(path, 4 + body[:body.index(b"#")].count(b"\n"), "'#' comments belong in the "
             "three header lines only")
    try:
        text = body.decode("utf-8")
        G = nx.parse_edgelist(text.splitlines(), comments=None, create_using=nx.MultiDiGraph,
                              data=False)
    except UnicodeDecodeError as exc:
        raise TopogenError(f"{path}: not a UTF-8 text file ({exc})") from None
    except (nx.NetworkXError, TypeError, ValueError, IndexError) as exc:
        raise TopogenError(f"{path}: not a valid edge list ({type(exc).__name__}: "
                           f"{fmt_value(str(exc), 200)})") from None
    n_edges = G.number_of_edges()
    n_fields = len(text.split())
    if n_edges != declared or n_fields != 2 * n_edges:
        what = (f"{n_edges} edges" if n_fields == 2 * n_edges else
                f"{n_fields} fields on {n_edges} edge lines (every line holds exactly two)")
        fail(path, None, f"{what} but the header declares {declared} edges (truncated or "
             "altered file?)")
    edges = list(G.edges(keys=False)) if G.is_multigraph() else list(G.edges)
    return trusted(edges_to_layers(edges, widths, path), meta)
