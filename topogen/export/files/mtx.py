"""Matrix Market coordinate files, one ``n{N}-l{k}.mtx`` per layer (or a single file)."""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from ..._checks import TopogenError, check_path
from ..._progress import Progress
from ...topology import Topology, check_topology
from ._common import build_layer, fail, parse_fields, parse_floats, parse_ints, read_bytes
from .folder import check_crc, folder_files, write_layers


def write_mtx(topology: Topology, folder, *, value=None, progress: bool | None = None) -> None:
    """Write one Matrix Market coordinate file per layer, ``n{N}-l{k}.mtx``, atomically.

    The files are ``general`` coordinate matrices of shape ``(n_i, n_(i+1))`` (row = source),
    ``pattern`` by default or ``real`` with the constant ``value``; ``scipy.io.mmread`` and
    any Matrix Market reader (GraphBLAS, ``fast_matrix_market``) read them.  The folder also
    gets ``topogen.json`` (widths, edge counts, ``meta``).

    Examples
    --------
    >>> import os, tempfile, scipy.io, topogen
    >>> net = topogen.radix_net([[2, 2]], [1, 1, 1])
    >>> folder = os.path.join(tempfile.mkdtemp(), "mtx")
    >>> write_mtx(net, folder)
    >>> m = scipy.io.mmread(os.path.join(folder, "n4-l1.mtx"))
    >>> m.shape, m.nnz
    ((4, 4), 8)
    >>> read_mtx(folder) == net
    True
    """
    topology = check_topology("topology", topology)
    folder = check_path("folder", folder)
    write_layers(topology.layers, folder, kind="mtx", value=value, meta=topology.meta,
                 depth=topology.depth, progress=progress)


def _mtx_header(buf: bytes, path: str):
    """Parse a Matrix Market header: ``(field, symmetry, shape, nnz, body_offset, line)``."""
    end = buf.find(b"\n")
    first = buf[: end if end >= 0 else len(buf)].decode("ascii", "replace").strip()
    parts = first.split()
    if len(parts) != 5 or parts[0] != "%%MatrixMarket" or parts[1].lower() != "matrix":
        fail(path, 1, f"not a Matrix Market file (header {first[:60]!r})")
    fmt, field, symmetry = (p.lower() for p in parts[2:])
    if fmt != "coordinate":
        fail(path, 1, f"only 'coordinate' Matrix Market files hold a sparse layer, got {fmt!r}")
    if field not in ("pattern", "real", "integer", "double"):
        fail(path, 1, f"unsupported Matrix Market field {field!r} (pattern, real or integer)")
    if symmetry not in ("general", "symmetric"):
        fail(path, 1, f"unsupported Matrix Market symmetry {symmetry!r} (general or symmetric)")
    pos = end + 1 if end >= 0 else len(buf)
    line = 2
    while True:
        if pos >= len(buf):
            fail(path, line, "the size line 'rows cols entries' is missing (truncated file)")
        nxt = buf.find(b"\n", pos)
        nxt = len(buf) if nxt < 0 else nxt
        text = buf[pos:nxt].decode("ascii", "replace").strip()
        if text and not text.startswith("%"):
            break
        pos, line = nxt + 1, line + 1
    fields = text.split()
    if len(fields) != 3 or not all(f.isdigit() for f in fields):
        fail(path, line, f"the size line must be 'rows cols entries', got {text[:60]!r}")
    m, n, nnz = map(int, fields)
    if m < 1 or n < 1:
        fail(path, line, f"a layer needs at least one row and column, got {m} x {n}")
    return field, symmetry, (m, n), nnz, nxt + 1, line + 1


def _read_mtx_file(path: str, shape=None, nnz=None, crc=None) -> sp.csr_array:
    buf = read_bytes(path)
    field, symmetry, size, declared, offset, body_line = _mtx_header(buf, path)
    if shape is not None and tuple(size) != tuple(shape):
        fail(path, body_line - 1, f"the matrix is {size[0]} x {size[1]} but the layer must "
             f"be {shape[0]} x {shape[1]} (wrong shape)")
    n_fields = 2 if field == "pattern" else 3
    data, starts, ends, lines = parse_fields(buf[offset:], n_fields, path, body_line)
    if len(lines) != declared:
        fail(path, None, f"{len(lines)} entries but the size line declares {declared} "
             "(truncated file?)")
    rows = parse_ints(data, starts[:, 0], ends[:, 0], lines, path, "row index")
    cols = parse_ints(data, starts[:, 1], ends[:, 1], lines, path, "column index")
    if n_fields == 3:
        vals = parse_floats(data, starts[:, 2], ends[:, 2], lines, path)
        keep = vals != 0  # Matrix Market may store explicit zeros: they are not edges
        rows, cols, lines = rows[keep], cols[keep], lines[keep]
    rows, cols = rows - 1, cols - 1
    if symmetry == "symmetric":
        low = np.flatnonzero(rows < cols)
        if len(low):
            fail(path, int(lines[low[0]]), "a symmetric file must list only the lower "
                 "triangle (row >= column)")
        off = rows != cols
        rows, cols, lines = (np.concatenate((rows, cols[off])),
                             np.concatenate((cols, rows[off])),
                             np.concatenate((lines, lines[off])))
    layer = build_layer(rows, cols, size, lines, path)
    if nnz is not None and layer.nnz != nnz:
        fail(path, None, f"{layer.nnz} edges but topogen.json says {nnz} (altered file)")
    check_crc(path, buf, crc)
    return layer


def read_mtx(path, *, progress: bool | None = None) -> Topology:
    """Read a folder of Matrix Market layer files (or one ``.mtx`` file, one layer).

    Shapes come from each file's size line (and ``topogen.json`` when present, which must
    agree); files without ``topogen.json`` are taken in order ``n*-l1.mtx``, ``n*-l2.mtx``...

    Raises
    ------
    TopogenError
        Naming the file and line, for a bad header, truncated file, wrong shape, index out of
        range, non-integer index or duplicate edge.

    Examples
    --------
    >>> import os, tempfile, numpy as np, scipy.io, scipy.sparse as sp
    >>> path = os.path.join(tempfile.mkdtemp(), "one.mtx")
    >>> scipy.io.mmwrite(path, sp.coo_array(np.array([[0, 1.0], [2.0, 0]])))
    >>> read_mtx(path).layers[0].toarray()
    array([[False,  True],
           [ True, False]])
    """
    path = check_path("path", path)
    if os.path.isfile(path):
        return Topology._trusted([_read_mtx_file(path)])
    if not os.path.isdir(path):
        raise TopogenError(f"cannot read {path}: no such file or folder")
    widths, nnz, files, meta, doc = folder_files(path, "mtx")
    layers = []
    with Progress(len(files), "reading", enabled=progress) as bar:
        for i, name in enumerate(files):
            shape = (widths[i], widths[i + 1]) if doc is not None else None
            layer = _read_mtx_file(os.path.join(path, name), shape,
                                   nnz[i] if nnz is not None else None,
                                   doc["crc32"][i] if doc is not None else None)
            if layers and layers[-1].shape[1] != layer.shape[0]:
                raise TopogenError(f"{os.path.join(path, name)}: the layer has "
                                   f"{layer.shape[0]} rows but the previous layer has "
                                   f"{layers[-1].shape[1]} columns (wrong shape)")
            layers.append(layer)
            bar.update()
    return Topology._trusted(layers, meta)
