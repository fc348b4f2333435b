"""Sparse DNN Graph Challenge TSV: one ``n{N}-l{k}.tsv`` file per layer (Kepner et al., 2019).

A Topology is a 0/1 structure; the challenge's files also carry a weight on every edge.
The reader keeps them beside the Topology, never inside it: ``read_graph_challenge(folder,
weights=True)`` returns ``(topology, weights)``, one read-only float32 array per layer
aligned with that layer's CSR ``indices``, and records ``meta["value"]`` when every edge
carries the same weight, so that writing the Topology again keeps the value.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..._checks import DEFAULT_MAX_EDGES, TopogenError, check_path
from ..._progress import Progress
from ...topology import Topology, check_topology, trusted
from ._common import check_value
from ._guard import fail
from ._tsv_read import THREADS, padded_buffer, parse_tsv, text_of
from .folder import check_crc, write_layers
from .listing import folder_files, open_regular

#: Longest line a valid file can hold (two 18-digit indices, a 40-character value, and
#: separators): bounds what a ``.tsv.gz`` may decompress to.
MAX_LINE_BYTES = 96


def write_graph_challenge(topology: Topology, folder, *, value=None, weights=None,
                          dialect: str = "official", compression: str | None = None,
                          progress: bool | None = None) -> None:
    """Write the Sparse DNN Graph Challenge layout: one ``n{N}-l{k}.tsv`` per layer.

    With the default ``dialect="official"`` each file matches the challenge's own
    (``neuron1024/n1024-l1.tsv``, Kepner et al., HPEC 2019) byte for byte: lines
    ``row<TAB>col<TAB>value``, 1-based ``row`` (source neuron) and ``col`` (target neuron),
    LF, one trailing newline, no header, sorted by column then by row, the value printed as
    C's ``%e`` (``6.250000e-02``).  ``dialect="rows"`` sorts by row then column and prints
    the value in its shortest exact form (``0.0625``), topogen's earlier layout.  ``N`` is
    the layer's input width and ``k`` is 1-based.  The folder also gets ``topogen.json``
    (widths, edge counts, value, CRC-32 of each file, ``meta``) so that non-square layers
    read back exactly.  The folder is written atomically.

    Parameters
    ----------
    topology : Topology
        The network.
    folder : str or os.PathLike
        The folder to create (or replace, if it is a topogen folder), e.g. ``"neuron1024"``.
    value : float, optional
        The weight written on every edge.  Default: ``topology.meta["value"]`` (so a folder
        read and written again keeps its value), else 1/16, the challenge's value for 1024
        neurons.  The official ``%e`` layout keeps 7 significant digits: a value it cannot
        hold exactly is refused (use ``dialect="rows"``).
    weights : sequence of 1-D arrays, optional
        One weight per edge instead of ``value``: an array per layer in the layer's CSR
        order, as ``read_graph_challenge(..., weights=True)`` returns them.
    dialect : {"official", "rows"}
        Line order and value text, as above.
    compression : {None, "gzip"}
        ``"gzip"`` writes ``n{N}-l{k}.tsv.gz`` files.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).

    Raises
    ------
    TopogenError
        For a bad value, dialect or compression, weights that do not match the layers, or a
        target that is a file or a folder topogen did not write.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> net = topogen.radix_net([[2, 2]], [1, 1, 1])
    >>> folder = os.path.join(tempfile.mkdtemp(), "neuron4")
    >>> write_graph_challenge(net, folder)
    >>> sorted(os.listdir(folder))
    ['n4-l1.tsv', 'n4-l2.tsv', 'topogen.json']
    >>> import pathlib
    >>> pathlib.Path(folder, "n4-l1.tsv").read_text().splitlines(keepends=True)[:3]
    ['1\\t1\\t6.250000e-02\\n', '2\\t1\\t6.250000e-02\\n', '2\\t2\\t6.250000e-02\\n']
    >>> read_graph_challenge(folder) == net
    True
    """
    topology = check_topology("topology", topology)
    folder = check_path("folder", folder)
    write_layers(topology.layers, folder, kind="tsv", value=value, meta=topology.meta,
                 depth=topology.depth, progress=progress, dialect=dialect, weights=weights,
                 compression=compression)


def read_capped_text(path: str, compressed: bool, max_bytes: int,
                     reuse: np.ndarray | None = None, *, what: str = "its edges",
                     fix: str = "max_edges= if it is a challenge folder's") -> np.ndarray:
    """The text of a TSV file (gunzipped if ``compressed``) in a padded buffer, capped.

    Only regular files are read; a file may not hold, or a gzip file inflate to, more than
    ``max_bytes``: what its lines can fill at :data:`MAX_LINE_BYTES` a line (a layer's
    edges, an images file's pixels), so a small gzip bomb is refused while it inflates.

    Parameters
    ----------
    path : str
        The layer file.
    compressed : bool
        True for a ``.tsv.gz`` file.
    max_bytes : int
        Largest text accepted, in bytes (after decompression).
    reuse : numpy.ndarray, optional
        A buffer of an earlier call, filled again if it is large enough.
    what : str, default "its edges"
        What bounds the lines, for the message.
    fix : str, default "max_edges= if it is a challenge folder's"
        The argument that raises the cap, for the message.

    Returns
    -------
    numpy.ndarray
        A :func:`~topogen.export.files._tsv_read.padded_buffer` holding the text.

    Raises
    ------
    TopogenError
        If the file is not a regular file, is larger than ``max_bytes`` (or inflates to
        more), is not valid gzip, changes while read, or cannot be read.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "n2-l1.tsv")
    >>> _ = open(path, "wb").write(b"1\\t2\\t0.5\\n")
    >>> bytes(text_of(read_capped_text(path, False, 100)))
    b'1\\t2\\t0.5\\n'
    """
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        try:
            if not compressed:
                if size > max_bytes:
                    fail(path, None, f"{size:,} bytes, more than {what} can fill (at most "
                         f"{max_bytes:,}); a wrong or altered file, or pass a larger {fix}")
                buf = padded_buffer(size, reuse)
                got = f.readinto(memoryview(text_of(buf)))
                if got != size:
                    fail(path, None, f"read {got} of {size} bytes (the file changed)")
                return buf
            import gzip
            import zlib

            chunks, total = [], 0
            try:
                with gzip.GzipFile(fileobj=f, mode="rb") as gz:
                    while chunk := gz.read(1 << 20):  # read(n) allocates n bytes
                        total += len(chunk)
                        if total > max_bytes:
                            fail(path, None, f"decompresses to more than {max_bytes:,} bytes, "
                                 f"more than {what} can fill (a gzip bomb or a wrong file; "
                                 f"if it is genuine, pass a larger {fix})")
                        chunks.append(chunk)
            except (OSError, EOFError, zlib.error) as exc:
                fail(path, None, f"not a valid gzip file ({exc})")
        except OSError as exc:
            raise TopogenError(f"cannot read {path}: {exc.strerror or exc}") from None
    buf = padded_buffer(total, reuse)
    text, pos = text_of(buf), 0
    for chunk in chunks:
        text[pos:pos + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        pos += len(chunk)
    return buf


def read_graph_challenge(folder, *, value=None, weights: bool = False,
                         compression: str | None = "infer",
                         max_edges: int = DEFAULT_MAX_EDGES, progress: bool | None = None):
    """Read a Graph Challenge folder (``n{N}-l{k}.tsv`` files), validating every line.

    Shapes come from ``topogen.json`` when the folder has one; otherwise (a folder from the
    challenge itself, such as ``neuron1024/``) every layer is ``N x N`` with ``N`` from the
    file names, and the layers are ``l1 .. lL`` with none missing.  Lines may come in any
    order; the official column-major order and topogen's row-major order read fastest.

    The Topology is the 0/1 structure.  The weights are kept beside it: with
    ``weights=True`` they are returned as one read-only float32 array per layer, aligned
    with that layer's CSR ``indices``.  When every edge of the network carries the same
    value, ``meta["value"]`` records it, so writing the Topology again keeps it.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder.
    value : float, optional
        If given, every edge must carry exactly this value.
    weights : bool, default False
        Also return the weights.
    compression : {"infer", None, "gzip"}, default "infer"
        Which layer files to read: ``None`` only plain ``.tsv`` files, ``"gzip"`` only
        ``.tsv.gz`` files, ``"infer"`` whichever each layer has.
    max_edges : int, default 2**28
        Refuse, before reading, folders whose declared neurons and edges need more memory
        than this cap allows (8 bytes a neuron, 5 an edge, within ``5 * max_edges``).
    progress : bool, optional
        Show a progress bar.

    Returns
    -------
    Topology, or (Topology, tuple of numpy.ndarray) with ``weights=True``

    Raises
    ------
    TopogenError
        Naming the file and line: a truncated line or file, a non-integer or out-of-range
        index, a duplicate edge, a zero or non-numeric value, a value other than ``value``,
        a missing layer file, a file that is not a regular file, sizes above ``max_edges``.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> folder = os.path.join(tempfile.mkdtemp(), "neuron4")
    >>> os.mkdir(folder)
    >>> with open(os.path.join(folder, "n4-l1.tsv"), "w") as f:
    ...     _ = f.write("1\\t2\\t6.250000e-02\\n4\\t4\\t6.250000e-02\\n")
    >>> t, w = read_graph_challenge(folder, weights=True)
    >>> t.widths, t.layers[0].nonzero(), t.meta
    ((4, 4), (array([0, 3], dtype=int32), array([1, 3], dtype=int32)), {'value': 0.0625})
    >>> w[0]
    array([0.0625, 0.0625], dtype=float32)
    """
    folder = check_path("folder", folder)
    if not os.path.isdir(folder):
        raise TopogenError(f"cannot read {folder}: not a folder")
    if value is not None:
        value = check_value(value)
    if not isinstance(weights, bool):
        raise TopogenError(f"weights must be True or False, got {weights!r}")
    widths, nnz, files, meta, doc = folder_files(folder, "tsv", compression=compression,
                                                 max_edges=max_edges)
    nnz = nnz or [None] * len(files)
    crcs = doc["crc32"] if doc is not None else [None] * len(files)
    layers, arrays, values = [], [], set()
    total = 0
    workers = min(THREADS, len(files))
    local = threading.local()  # one text buffer per worker, reused from file to file

    def one(i):
        path = os.path.join(folder, files[i])
        shape = (widths[i], widths[i + 1])
        cap = nnz[i] if nnz[i] is not None else min(shape[0] * shape[1], max_edges)
        local.buf = buf = read_capped_text(path, files[i].endswith(".gz"),
                                           cap * MAX_LINE_BYTES + 1, getattr(local, "buf", None))
        layer, w, v = parse_tsv(buf, shape, path, weights, 1 if workers > 1 else THREADS)
        if nnz[i] is not None and layer.nnz != nnz[i]:
            fail(path, None, f"{layer.nnz} edges but topogen.json says {nnz[i]} "
                 "(truncated or altered file)")
        check_crc(path, text_of(buf), crcs[i])
        if value is not None and layer.nnz and (v is None or v != value):
            _report_value(path, value)
        return path, layer, w, v

    # files in parallel, one per worker (NumPy and zlib release the GIL); results and the
    # first error come in file order, and an error cancels the files not yet started
    pool = ThreadPoolExecutor(workers or 1)
    try:
        with Progress(len(files), "reading", enabled=progress) as bar:
            for path, layer, w, v in pool.map(one, range(len(files))):
                total += layer.nnz
                if total > max_edges:
                    fail(path, None, f"the layers so far hold {total:,} edges, above "
                         f"max_edges={max_edges:,}; pass a larger max_edges=")
                layers.append(layer)
                arrays.append(w)
                values.add(v if layer.nnz else "empty")
                bar.update()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    values.discard("empty")
    meta = dict(meta)
    if len(values) == 1 and None not in values:
        meta["value"] = values.pop()
    elif values:  # weights differ; with no edges at all, keep what topogen.json recorded
        meta.pop("value", None)
    topology = trusted(layers, meta)
    return (topology, tuple(arrays)) if weights else topology


def _report_value(path: str, value: float) -> None:
    """Raise naming the first line whose weight is not ``value`` (lines in file order)."""
    buf = read_capped_text(path, path.endswith(".gz"), 1 << 62)
    from ._common import parse_fields, parse_floats

    data, starts, ends, lines = parse_fields(bytes(text_of(buf)), 3, path)
    vals = parse_floats(data, starts[:, 2], ends[:, 2], lines, path)
    k = int(np.flatnonzero(vals != value)[0])
    fail(path, int(lines[k]), f"value {float(vals[k])!r} differs from the expected "
         f"value={value!r}")
