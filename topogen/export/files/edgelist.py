"""A text edge list ``"{i}:{src} {i+1}:{dst}"`` per line, for small topologies."""

from __future__ import annotations

import json

import numpy as np

from ..._checks import check_path
from ..._io import atomic_file
from ...topology import Topology, check_topology
from ._common import (
    SMALL_MAX_EDGES,
    build_layer,
    check_small,
    fail,
    format_lines,
    parse_fields,
    parse_ints,
    read_bytes,
    row_chunks,
    widths_meta,
)


def write_edgelist(topology: Topology, path, *, max_edges: int = SMALL_MAX_EDGES) -> None:
    """Write a text edge list ``"{i}:{src} {i+1}:{dst}"`` per line, atomically.

    Header lines starting with ``#`` give the widths, ``meta`` (JSON) and the edge count.
    The file reads with ``networkx.read_edgelist(path, create_using=nx.DiGraph)`` (nodes are
    the strings
    ``"layer:index"``, as in :func:`write_graphml`) and back with :func:`read_edgelist`.

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
    topology = check_topology("topology", topology)
    path = check_path("path", path)
    check_small(topology, max_edges, "the edge list")
    header = (f"# topogen edgelist widths: {json.dumps(list(topology.widths))}\n"
              f"# meta: {json.dumps(topology.meta)}\n# edges: {topology.nnz}\n").encode()
    with atomic_file(path) as f:
        f.write(header)
        for i, layer in enumerate(topology.layers):
            for rows, cols in row_chunks(layer):
                n = len(rows)
                out = format_lines([np.full(n, i), rows, np.full(n, i + 1), cols],
                                   [b":", b" ", b":", b"\n"])
                f.write(memoryview(out))


def read_edgelist(path) -> Topology:
    """Read an edge list written by :func:`write_edgelist`, validating every line.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> path = os.path.join(tempfile.mkdtemp(), "t.edgelist")
    >>> topogen.save(topogen.radix_net([[2]], [1, 1]), path)
    >>> read_edgelist(path).nnz
    4
    """
    path = check_path("path", path)
    buf = read_bytes(path)
    lines = buf.split(b"\n", 3)
    if len(lines) < 3 or not lines[0].startswith(b"# topogen edgelist widths: ") or \
            not lines[1].startswith(b"# meta: ") or not lines[2].startswith(b"# edges: "):
        fail(path, 1, "not a topogen edge list (missing the '# topogen edgelist widths:', "
             "'# meta:' and '# edges:' header lines)")
    declared = lines[2][len(b"# edges: "):].strip()
    if not declared.isdigit():
        fail(path, 3, f"the edge count {declared[:20]!r} is not an integer")
    widths, meta = widths_meta(lines[0][len(b"# topogen edgelist widths: "):].decode(
        "utf-8", "replace"), lines[1][len(b"# meta: "):].decode("utf-8", "replace"), path)
    body = lines[3] if len(lines) > 3 else b""
    data, starts, ends, line_no = parse_fields(body, 4, path, 4, extra_ws=b":")
    if len(line_no) != int(declared):
        fail(path, None, f"{len(line_no)} edges but the header declares {int(declared)} "
             "(truncated file?)")
    sep = data[np.minimum(ends[:, [0, 2]], len(data) - 1)] if len(line_no) else \
        np.empty((0, 2), np.uint8)
    bad = np.flatnonzero((sep != ord(":")).any(axis=1)) if len(line_no) else []
    if len(bad):
        fail(path, int(line_no[bad[0]]), "expected 'layer:index layer:index'")
    cols = [parse_ints(data, starts[:, k], ends[:, k], line_no, path, "node number")
            for k in range(4)]
    src_l, src, dst_l, dst = cols
    for lay, idx, what in ((src_l, src, "source"), (dst_l, dst, "target")):
        over = np.flatnonzero(lay >= len(widths))
        if len(over):
            fail(path, int(line_no[over[0]]), f"{what} layer {int(lay[over[0]])} is out of "
                 f"range for widths {widths}")
        w = np.asarray(widths)[lay]
        over = np.flatnonzero(idx >= w)
        if len(over):
            k = int(over[0])
            fail(path, int(line_no[k]), f"{what} index {int(idx[k])} is out of range: layer "
                 f"{int(lay[k])} has {int(w[k])} neurons")
    hop = np.flatnonzero(dst_l != src_l + 1)
    if len(hop):
        fail(path, int(line_no[hop[0]]), "an edge must go from layer i to layer i+1")
    layers = []
    for i in range(len(widths) - 1):
        sel = src_l == i
        layers.append(build_layer(src[sel], dst[sel], (widths[i], widths[i + 1]),
                                  line_no[sel], path))
    return Topology._trusted(layers, meta)
