"""Matrix Market coordinate files, one ``n{N}-l{k}.mtx`` per layer (or a single file)."""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from ..._checks import DEFAULT_MAX_EDGES, TopogenError, check_int, check_path
from ..._progress import Progress
from ...topology import Topology, check_topology, trusted
from ._guard import EDGE_BYTES, NEURON_BYTES, check_read_size, fail, open_regular
from ._mtx_read import (
    MIN_LINE,
    EntryLines,
    build_layer_fast,
    has_nul,
    library_error,
    line_of,
    mapped,
    mtx_header,
    parser_input,
)
from .folder import check_crc, folder_files, write_layers


def write_mtx(topology: Topology, folder, *, value=None, progress: bool | None = None) -> None:
    """Write one Matrix Market coordinate file per layer, ``n{N}-l{k}.mtx``, atomically.

    The files are ``general`` coordinate matrices of shape ``(n_i, n_(i+1))`` (row = source),
    ``pattern`` by default or ``real`` with the constant ``value``; ``scipy.io.mmread`` and
    any Matrix Market reader (GraphBLAS, ``fast_matrix_market``) read them.  The folder also
    gets ``topogen.json`` (widths, edge counts, ``meta``).

    Parameters
    ----------
    topology : Topology
        The network to write.
    folder : str or os.PathLike
        Folder to create or replace (only an empty one, or one topogen wrote).
    value : float, optional
        Finite nonzero value on every entry (a ``real`` file); None writes ``pattern``.
    progress : bool, optional
        Show a progress bar over the layers; None shows one when stderr is a terminal.

    Raises
    ------
    TopogenError
        For a bad ``value``, a folder holding other files, or a failed write (the old
        folder is then untouched).

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


def read_matrix_market(path, *, max_edges: int = DEFAULT_MAX_EDGES):
    """:func:`scipy.io.mmread` of a coordinate file behind the reader's guards.

    The header is checked first (coordinate format, declared entries against the bytes in
    the file and the size cap, no NUL byte), then SciPy parses; its errors are one-line
    TopogenErrors naming the line.  For any Matrix Market input that is not a topogen layer
    (a graph's adjacency, say): the values are kept and a symmetric file is mirrored.

    Parameters
    ----------
    path : str or os.PathLike
        A regular ``.mtx`` file.
    max_edges : int, default 2**28
        Size cap (see :func:`read_mtx`).

    Returns
    -------
    scipy.sparse.coo_array

    Examples
    --------
    >>> import os, tempfile, numpy as np, scipy.io, scipy.sparse as sp
    >>> path = os.path.join(tempfile.mkdtemp(), "g.mtx")
    >>> scipy.io.mmwrite(path, sp.coo_array(np.array([[0, 1.0], [1.0, 0]])))
    >>> read_matrix_market(path).toarray()
    array([[0., 1.],
           [1., 0.]])
    """
    path = check_path("path", path)
    max_edges = check_int("max_edges", max_edges, minimum=1)
    with open_regular(path) as f, mapped(f, path) as buf:
        return _guarded_mmread(f, buf, path, None, None, max_edges)[0]


def _guarded_mmread(f, buf, path, shape, crc, max_edges):
    """``(coo, header)``: the header checked against the file, then SciPy's parse."""
    import scipy.io

    header = field, symmetry, dims, declared, body, body_line = mtx_header(buf, path)
    if shape is not None and tuple(dims) != tuple(shape):
        fail(path, body_line - 1, f"the matrix is {dims[0]} x {dims[1]} but the layer "
             f"must be {shape[0]} x {shape[1]} (wrong shape)")
    room = (len(buf) - body + 1) // MIN_LINE[2 if field == "pattern" else 3]
    if declared > room:
        fail(path, None, f"the {len(buf) - body:,} bytes after the size line hold at most "
             f"{room} entries but the size line declares {declared} (truncated file or "
             "false size line?)")
    check_read_size(path, dims[0] + dims[1], declared * (2 if symmetry == "symmetric" else 1),
                    max_edges, body_line - 1)
    nul = buf.find(b"\0", body) if has_nul(buf, body) else -1
    if nul >= 0:  # SciPy's parser (fast_matrix_market 1.7) crashes on a NUL byte
        fail(path, line_of(buf, nul), "a NUL byte: this is not a text Matrix Market file")
    check_crc(path, buf, crc)
    try:
        coo = scipy.io.mmread(parser_input(f, buf), spmatrix=False)
    except (ValueError, OverflowError, TypeError, IndexError, RuntimeError,
            UnicodeError) as exc:
        library_error(path, exc, declared, buf, dims)
    if coo.shape != tuple(dims) or coo.nnz < declared:
        fail(path, None, f"the parser returned a {coo.shape} matrix with {coo.nnz} "
             f"entries for a {dims} header declaring {declared} (not a valid file)")
    return coo, header


def _read_mtx_file(path: str, shape=None, nnz=None, crc=None,
                   max_edges=DEFAULT_MAX_EDGES) -> sp.csr_array:
    """One Matrix Market file as a canonical layer: our header checks, SciPy's parser."""
    with open_regular(path) as f, mapped(f, path) as buf:
        coo, (field, symmetry, dims, declared, body, body_line) = _guarded_mmread(
            f, buf, path, shape, crc, max_edges)
        n_fields = 2 if field == "pattern" else 3
        rows, cols = coo.row, coo.col
        lines = EntryLines(buf, body, body_line, declared, rows, cols)
        if symmetry == "symmetric":  # SciPy lists the file's entries first, then mirrors
            upper = np.flatnonzero(rows[:declared] < cols[:declared])
            if len(upper):
                fail(path, lines[int(upper[0])], "a symmetric file must list only the lower "
                     "triangle (row >= column)")
        if n_fields == 3:
            vals = coo.data
            bad = np.flatnonzero(~np.isfinite(vals))
            if len(bad):
                k = int(bad[0]) % declared if declared else 0
                fail(path, lines[k], f"value {float(vals[bad[0]])!r} is not a finite number")
            if not vals.all():  # Matrix Market may store explicit zeros: they are not edges
                keep = np.flatnonzero(vals)
                rows, cols = rows[keep], cols[keep]
                lines.keep(keep)
        del coo
        # SciPy has checked every index against the size line ("index out of bounds")
        layer = build_layer_fast(rows, cols, dims, lines, path, checked=True)
    if nnz is not None and layer.nnz != nnz:
        fail(path, None, f"{layer.nnz} edges but topogen.json says {nnz} (altered file)")
    return layer


def read_mtx(path, *, progress: bool | None = None,
             max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """Read a folder of Matrix Market layer files (or one ``.mtx`` file, one layer).

    Shapes come from each file's size line (and ``topogen.json`` when present, which must
    agree); files without ``topogen.json`` are taken in order ``n*-l1.mtx``, ``n*-l2.mtx``...
    topogen reads each header itself, checks the declared size against the bytes on disk
    and against the size cap before anything is allocated, and lets
    :func:`scipy.io.mmread` (fast_matrix_market, SciPy >= 1.12) parse the entries; then it
    checks them: indices in range, no duplicate edge, finite values (a stored zero is not
    an edge), a symmetric file listing only its lower triangle.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.mtx`` file or a folder of ``n{N}-l{k}.mtx`` files.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).
    max_edges : int, default 2**28
        Size cap: a file whose declared rows, columns and entries would need more memory
        than this many edges (5 bytes each; 8 bytes per row or column) is refused before it
        is parsed.

    Returns
    -------
    Topology

    Raises
    ------
    TopogenError
        Naming the file and line, for a bad header, truncated file, wrong shape, index out of
        range, non-integer index, duplicate edge, a declared size above the cap or beyond
        what the file can hold, or a path that is not a regular file or folder.

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
    max_edges = check_int("max_edges", max_edges, minimum=1)
    if not os.path.isdir(path):
        return trusted([_read_mtx_file(path, max_edges=max_edges)])
    widths, nnz, files, meta, doc = folder_files(path, "mtx")
    if doc is not None:  # the whole folder against the cap, before reading any file
        check_read_size(path, sum(widths), sum(nnz), max_edges)
    layers = []
    budget = max_edges
    with Progress(len(files), "reading", enabled=progress) as bar:
        for i, name in enumerate(files):
            shape = (widths[i], widths[i + 1]) if doc is not None else None
            layer = _read_mtx_file(os.path.join(path, name), shape,
                                   nnz[i] if nnz is not None else None,
                                   doc["crc32"][i] if doc is not None else None,
                                   max_edges=budget)
            if layers and layers[-1].shape[1] != layer.shape[0]:
                raise TopogenError(f"{os.path.join(path, name)}: the layer has "
                                   f"{layer.shape[0]} rows but the previous layer has "
                                   f"{layers[-1].shape[1]} columns (wrong shape)")
            layers.append(layer)
            # what this layer holds comes off the cap of the ones still to read
            used = -(-(NEURON_BYTES * layer.shape[0] + EDGE_BYTES * layer.nnz) // EDGE_BYTES)
            budget = max(budget - used, 1)
            bar.update()
    return trusted(layers, meta)
