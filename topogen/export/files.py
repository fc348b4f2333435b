"""Files that round-trip: native ``.npz``, Matrix Market, Graph Challenge TSV, GraphML, edge lists.

* ``.npz`` (native): every layer's CSR ``indptr``/``indices``, the ``widths``, the edge
  counts and ``meta`` as JSON, in an uncompressed NumPy zip that ``numpy.load`` opens.
* A **folder** with one file per layer, for ``format="tsv"`` (the Sparse DNN Graph Challenge
  layout: ``n{neurons}-l{layer}.tsv``, 1-indexed ``row<TAB>col<TAB>value`` lines; Kepner et
  al., *Sparse Deep Neural Network Graph Challenge*, HPEC 2019) or ``format="mtx"`` (Matrix
  Market coordinate files ``n{neurons}-l{layer}.mtx``), plus ``topogen.json`` holding the
  widths, edge counts and ``meta``.  A challenge folder without ``topogen.json`` reads too.
* GraphML (networkx) and a text edge list for small topologies.

Every write is atomic: a file is written to a temporary file in the same folder, flushed to
disk and renamed over the target; a folder is written in full into a temporary folder and
renamed, and an existing folder is moved aside only once the new one is complete.  A failed
write leaves whatever was there untouched.  Every reader validates what it reads (truncated
file, wrong shape, index out of range, non-integer index, duplicate edge, unknown format) and
raises a :class:`TopogenError` naming the file and line, never a partial topology.

The text writers and readers are vectorised NumPy (no Python loop over edges); the writers
format a chunk of about 262,000 edges at a time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
import zlib

import numpy as np
import scipy.sparse as sp

from .._checks import TopogenError, check_int, check_path
from .._io import atomic_file, default_mode
from .._io import fsync_dir as _fsync_dir
from .._progress import Progress
from ..topology import Topology, _canonical_problem, _csr_from_parts, check_topology

__all__ = [
    "load",
    "load_npz",
    "read_edgelist",
    "read_graph_challenge",
    "read_graphml",
    "read_mtx",
    "save",
    "save_npz",
    "write_edgelist",
    "write_graph_challenge",
    "write_graphml",
    "write_mtx",
]

#: Name of the side file of a one-file-per-layer folder.
SIDECAR = "topogen.json"
#: Default value written on every edge of a Graph Challenge file (the challenge's
#: 1024-neuron networks use 1/16; larger ones use smaller constants such as 1/32).
GRAPH_CHALLENGE_VALUE = 1 / 16
#: Edges formatted or parsed per chunk by the text writers.
CHUNK_EDGES = 1 << 18
#: Largest topology the networkx-based formats (GraphML, edge list) write by default.
SMALL_MAX_EDGES = 1_000_000

_NPZ_MAGIC = "topogen-npz"
_NPZ_VERSION = 1
_FOLDER_FORMATS = ("tsv", "mtx")
_FORMATS = ("npz", "tsv", "mtx", "graphml", "edgelist")
_FORMAT_ALIASES = {"graph_challenge": "tsv", "graphchallenge": "tsv", "matrixmarket": "mtx",
                   "edges": "edgelist"}
_SUFFIXES = {".npz": "npz", ".graphml": "graphml", ".edgelist": "edgelist",
             ".edges": "edgelist"}
_LAYER_FILE = re.compile(r"^n(\d+)-l(\d+)\.(tsv|mtx)$")


# ============================================================================ atomic writes
@contextlib.contextmanager
def atomic_folder(path: str):
    """Yield a temporary folder; on success it becomes ``path``.

    An existing ``path`` is replaced only if it is a topogen folder (it holds
    ``topogen.json``) or empty, and only after the new folder is complete: it is renamed
    aside, the new folder renamed into place, and the old one deleted.  If the body raises,
    the temporary folder is deleted and ``path`` is untouched.
    """
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    name = os.path.basename(path)
    if not os.path.isdir(parent):
        raise TopogenError(f"cannot write {path}: folder {parent} does not exist")
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise TopogenError(f"cannot write the folder {path}: a file of that name exists")
        if os.listdir(path) and not os.path.exists(os.path.join(path, SIDECAR)):
            raise TopogenError(
                f"refusing to replace {path}: it is a non-empty folder that topogen did not "
                f"write (no {SIDECAR}); choose a new folder or empty it"
            )
    tmp = tempfile.mkdtemp(dir=parent, prefix="." + name + ".", suffix=".tmp")
    os.chmod(tmp, default_mode(directory=True))  # mkdtemp makes it owner-only
    try:
        yield tmp
        _fsync_dir(tmp)
        if os.path.exists(path):
            old = tempfile.mkdtemp(dir=parent, prefix="." + name + ".", suffix=".old")
            os.rmdir(old)
            os.rename(path, old)
            try:
                os.rename(tmp, path)
            except BaseException:
                os.rename(old, path)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


# ============================================================================ text formatting
def format_lines(columns, separators) -> np.ndarray:
    """Text lines ``str(c0) sep0 str(c1) sep1 ...`` for int arrays, as one uint8 array.

    ``separators[k]`` (bytes) follows column ``k``; the last one ends the line, so it holds
    any constant tail and the newline.  Vectorised: all fields are laid side by side in an
    ``(n_lines, width)`` byte matrix, numbers right-aligned, and the valid bytes (no leading
    zeros) are picked out in row-major order.

    >>> format_lines([np.array([1, 10]), np.array([7, 3])], [b"\\t", b"\\t0.5\\n"]).tobytes()
    b'1\\t7\\t0.5\\n10\\t3\\t0.5\\n'
    """
    cols = [np.asarray(c) for c in columns]
    n = len(cols[0])
    digits = [len(str(int(c.max()))) if n else 1 for c in cols]
    width = sum(digits) + sum(len(s) for s in separators)
    chars = np.empty((n, width), dtype=np.uint8)
    valid = np.ones((n, width), dtype=bool)
    pos = 0
    for col, n_dig, sep in zip(cols, digits, separators):
        v = col.astype(np.uint32 if n_dig < 10 else np.uint64)
        for j in range(n_dig - 1, -1, -1):
            chars[:, pos + j] = v % 10 + 48
            if j:
                v //= 10
                valid[:, pos + j - 1] = v > 0
        pos += n_dig
        if sep:
            chars[:, pos:pos + len(sep)] = np.frombuffer(sep, dtype=np.uint8)
            pos += len(sep)
    return chars[valid]


#: Widths up to this many neurons are formatted through a per-width table of strings.
TABLE_MAX = 1 << 22


@functools.lru_cache(maxsize=16)
def _number_table(n: int, base: int, tail: bytes) -> np.ndarray:
    """``str(k + base) + tail`` for ``k < n`` as rows of a NUL-padded ``(n, width)`` table.

    Digits are right-aligned after leading NUL bytes, which the writers drop.
    """
    values = np.arange(base, n + base, dtype=np.int64)
    digits = len(str(n + base - 1))
    table = np.zeros((n, digits + len(tail)), dtype=np.uint8)
    v = values.copy()
    for j in range(digits - 1, -1, -1):
        table[:, j] = np.where((v > 0) | (j == digits - 1), v % 10 + 48, 0)
        v //= 10
    table[:, digits:] = np.frombuffer(tail, dtype=np.uint8)
    table.flags.writeable = False
    return table


def _format_pairs(rows, cols, n_rows: int, n_cols: int, sep: bytes, tail: bytes):
    """Lines ``str(row) sep str(col) tail`` for 1-based ``rows``/``cols``, as uint8.

    For widths up to :data:`TABLE_MAX` each side is one lookup in a table of the strings of
    all numbers, so a line costs two fixed-size copies and a NUL filter.
    """
    if max(n_rows, n_cols) > TABLE_MAX:
        return format_lines([rows, cols], [sep, tail])
    left = _number_table(n_rows, 1, sep)
    right = _number_table(n_cols, 1, tail)
    wl, wr = left.shape[1], right.shape[1]
    lines = np.empty(len(rows), dtype=[("l", f"V{wl}"), ("r", f"V{wr}")])
    lines["l"] = left.view(f"V{wl}").ravel()[rows - 1]
    lines["r"] = right.view(f"V{wr}").ravel()[cols - 1]
    chars = lines.view(np.uint8)
    return chars[chars != 0]


def _row_chunks(layer: sp.csr_array, base: int = 0, chunk_edges: int = CHUNK_EDGES):
    """Yield ``(rows, cols)`` (plus ``base``) of a CSR layer in row-major order, in chunks.

    Indices come as uint32 where they fit, so that a chunk of text costs little memory.
    """
    indptr = layer.indptr
    n_rows = layer.shape[0]
    dtype = np.uint32 if max(layer.shape) + base < 2**32 else np.int64
    start = 0
    while start < n_rows:
        target = indptr[start] + chunk_edges
        stop = int(np.searchsorted(indptr, target, side="right")) - 1
        stop = min(max(stop, start + 1), n_rows)
        lo, hi = int(indptr[start]), int(indptr[stop])
        if hi > lo:
            rows = np.repeat(np.arange(start + base, stop + base, dtype=dtype),
                             np.diff(indptr[start:stop + 1]))
            cols = layer.indices[lo:hi].astype(dtype)
            if base:
                cols += dtype(base)
            yield rows, cols
        start = stop


# ============================================================================ text parsing
_WS = np.zeros(256, dtype=bool)
_WS[[9, 10, 13, 32]] = True


def _fail(path, line, message):
    where = f"{path}, line {line}" if line is not None else str(path)
    raise TopogenError(f"{where}: {message}")


def parse_fields(buf: bytes, n_fields: int, path: str, first_line: int = 1, extra_ws=b""):
    """Split text into lines of exactly ``n_fields`` whitespace-separated fields.

    Returns ``(data, starts, ends, line_numbers)``: ``data`` is the text as a uint8 array,
    ``starts``/``ends`` have shape ``(n_lines, n_fields)`` and ``line_numbers`` are the
    1-based line numbers in the file (``first_line`` is that of the first line of ``buf``).
    Trailing blank lines are ignored; any other line with another number of fields raises a
    TopogenError naming ``path`` and the line.
    """
    data = np.frombuffer(buf, dtype=np.uint8)
    if len(data) and data[-1] != 10:
        data = np.concatenate((data, np.array([10], dtype=np.uint8)))
    ws = _WS[data]
    for ch in extra_ws:
        ws |= data == ch
    newlines = np.flatnonzero(data == 10)
    step = np.diff((~ws).view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(step == 1)
    ends = np.flatnonzero(step == -1)
    del step, ws
    n_lines = len(newlines)
    shape = (n_lines, n_fields)
    if n_lines and len(starts) == n_fields * n_lines:  # fast check: every line in place
        s2, e2 = starts.reshape(shape), ends.reshape(shape)
        if s2[0, 0] >= 0 and np.all(s2[1:, 0] > newlines[:-1]) and np.all(e2[:, -1] <=
                                                                         newlines):
            return data, s2, e2, np.arange(first_line, first_line + n_lines, dtype=np.int64)
    line_of = np.searchsorted(newlines, starts)
    counts = np.bincount(line_of, minlength=n_lines)
    bad = np.flatnonzero(counts != n_fields)
    if len(bad):
        first = int(bad[0])
        if np.all(counts[first:] == 0):  # only trailing blank lines
            counts = counts[:first]
        else:
            got = int(counts[first])
            line = first_line + first
            text = _line_text(data, newlines, first)
            _fail(path, line, f"expected {n_fields} fields, got {got}: {text!r}"
                  + (" (the file may be truncated)" if first == n_lines - 1 else ""))
    n_lines = len(counts)
    shape = (n_lines, n_fields)
    return (data, starts.reshape(shape), ends.reshape(shape),
            np.arange(first_line, first_line + n_lines, dtype=np.int64))


def _line_text(data, newlines, index) -> str:
    lo = int(newlines[index - 1]) + 1 if index > 0 else 0
    hi = int(newlines[index]) if index < len(newlines) else len(data)
    return bytes(data[lo:min(hi, lo + 80)]).decode("utf-8", "replace")


def parse_ints(data, starts, ends, lines, path, what: str) -> np.ndarray:
    """Decimal non-negative integers of one field per line, validated, as int64."""
    length = ends - starts
    n = len(length)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    too_long = np.flatnonzero(length > 18)
    if len(too_long):
        k = int(too_long[0])
        _fail(path, int(lines[k]), f"{what} {_token(data, starts[k], ends[k])!r} is too large")
    width = int(length.max())
    out = np.zeros(n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    last = ends - 1
    for k in range(width):  # the k-th digit from the right of every field at once
        has = length > k
        partial = not has.all()
        digit = data[np.where(has, last - k, last) if partial else last - k] - np.uint8(48)
        wrong = digit > 9
        if partial:
            digit[~has] = 0
            wrong &= has
        bad |= wrong
        out += digit.astype(np.int64) * 10**k
    bad = np.flatnonzero(bad)
    if len(bad):
        k = int(bad[0])
        _fail(path, int(lines[k]), f"{what} {_token(data, starts[k], ends[k])!r} is not a "
              "non-negative integer")
    return out


def _token(data, start, end) -> str:
    return bytes(data[int(start):int(end)]).decode("utf-8", "replace")


def parse_floats(data, starts, ends, lines, path, what: str = "value") -> np.ndarray:
    """The float value of one field per line; each distinct string is parsed once."""
    length = ends - starts
    n = len(length)
    if n == 0:
        return np.empty(0, dtype=np.float64)
    too_long = np.flatnonzero(length > 40)
    if len(too_long):
        k = int(too_long[0])
        _fail(path, int(lines[k]), f"{what} {_token(data, starts[k], ends[k])[:50]!r} is not "
              "a number")
    if np.all(length == length[0]):  # fast path: one constant value (Graph Challenge files)
        same = np.ones(n, dtype=bool)
        for k in range(int(length[0])):
            same &= data[starts + k] == data[starts[0] + k]
        if same.all():
            text = _token(data, starts[0], ends[0])
            try:
                value = float(text)
            except ValueError:
                value = np.nan
            if not math.isfinite(value):
                _fail(path, int(lines[0]), f"{what} {text!r} is not a finite number")
            return np.full(n, value)
    width = int(length.max())
    offs = np.arange(width)
    valid = offs[None, :] < length[:, None]
    chars = np.where(valid, data[np.where(valid, starts[:, None] + offs[None, :], 0)], 0)
    chars = np.ascontiguousarray(chars.astype(np.uint8))
    keys = chars.view(f"V{width}").ravel()
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    values = np.empty(len(uniq), dtype=np.float64)
    for u in range(len(uniq)):
        text = bytes(uniq[u]).rstrip(b"\0").decode("ascii", "replace")
        try:
            values[u] = float(text)
        except ValueError:
            values[u] = np.nan
        if not math.isfinite(values[u]):
            _fail(path, int(lines[first[u]]), f"{what} {text!r} is not a finite number")
    return values[inverse.ravel()]


def _build_layer(rows, cols, shape, lines, path) -> sp.csr_array:
    """A canonical layer from 0-based edges, checking range and duplicates (line numbers)."""
    n_rows, n_cols = shape
    for arr, limit, what in ((rows, n_rows, "row"), (cols, n_cols, "column")):
        bad = np.flatnonzero((arr < 0) | (arr >= limit))
        if len(bad):
            k = int(bad[0])
            _fail(path, int(lines[k]), f"{what} index {int(arr[k]) + 1} is out of range: "
                  f"the layer has {limit} {what}s (indices are 1-based, 1..{limit})")
    key = rows * n_cols + cols
    order = None
    if len(key) > 1 and not np.all(key[1:] > key[:-1]):
        order = np.argsort(key, kind="stable")
        key = key[order]
    dup = np.flatnonzero(key[1:] == key[:-1]) if len(key) > 1 else np.empty(0, np.int64)
    if len(dup):
        k = int(dup[0])
        a, b = (k, k + 1) if order is None else (int(order[k]), int(order[k + 1]))
        _fail(path, int(lines[b]), f"duplicate edge ({int(rows[b]) + 1}, {int(cols[b]) + 1}), "
              f"first given on line {int(lines[a])}")
    if order is not None:
        rows, cols = rows[order], cols[order]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return _csr_from_parts((n_rows, n_cols), indptr, cols)


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise TopogenError(f"cannot read {path}: {exc.strerror or exc}") from None


# ============================================================================ helpers
def _sidecar(kind: str, topology_widths, layer_nnz, files, meta, **extra) -> bytes:
    doc = {"format": "topogen-layers", "version": 1, "kind": kind,
           "widths": list(map(int, topology_widths)), "layer_nnz": list(map(int, layer_nnz)),
           "files": list(files), **extra, "meta": meta}
    return json.dumps(doc, indent=1).encode()


def layer_file_name(kind: str, n_in: int, index: int) -> str:
    """``n{n_in}-l{index + 1}.{kind}``: the Graph Challenge naming (1-based layer numbers)."""
    return f"n{n_in}-l{index + 1}.{kind}"


def _check_value(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TopogenError(f"value must be a finite nonzero number, got {value!r}") from None
    if not math.isfinite(v) or v == 0 or isinstance(value, bool):
        raise TopogenError(f"value must be a finite nonzero number, got {value!r}")
    return v


# ============================================================================ npz
def _npz_entry(zf: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with zf.open(name + ".npy", "w", force_zip64=True) as f:
        np.lib.format.write_array(f, np.ascontiguousarray(array), allow_pickle=False)


class NpzWriter:
    """Write a native ``.npz`` one layer at a time (used by :func:`save_npz` and streaming)."""

    def __init__(self, f):
        self._zf = zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED,
                                   allowZip64=True)
        self.widths: list[int] = []
        self.layer_nnz: list[int] = []

    def add(self, layer: sp.csr_array) -> None:
        i = len(self.layer_nnz)
        if self.widths and layer.shape[0] != self.widths[-1]:
            raise TopogenError(
                f"layer {i} has shape {layer.shape} but layer {i - 1} has {self.widths[-1]} "
                "columns; consecutive layers must chain"
            )
        if not self.widths:
            self.widths.append(int(layer.shape[0]))
        self.widths.append(int(layer.shape[1]))
        _npz_entry(self._zf, f"indptr_{i}", layer.indptr)
        _npz_entry(self._zf, f"indices_{i}", layer.indices)
        self.layer_nnz.append(int(layer.nnz))

    def abort(self) -> None:
        """Give up after a failure (the temporary file is deleted by the caller)."""
        try:
            self._zf.close()
        except Exception:  # an entry was half written: drop the handle instead
            self._zf.fp = None

    def close(self, meta) -> None:
        if not self.layer_nnz:
            raise TopogenError("no layers were given: a topology needs at least one layer")
        meta_bytes = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        _npz_entry(self._zf, "format", np.frombuffer(_NPZ_MAGIC.encode(), dtype=np.uint8))
        _npz_entry(self._zf, "version", np.array([_NPZ_VERSION], dtype=np.int64))
        _npz_entry(self._zf, "widths", np.array(self.widths, dtype=np.int64))
        _npz_entry(self._zf, "layer_nnz", np.array(self.layer_nnz, dtype=np.int64))
        _npz_entry(self._zf, "meta", meta_bytes)
        self._zf.close()


def save_npz(topology: Topology, path) -> None:
    """Write ``topology`` to a native ``.npz`` file, atomically.

    The file is an uncompressed NumPy zip with ``widths``, ``layer_nnz``, ``meta`` (JSON as
    bytes), and ``indptr_{i}`` / ``indices_{i}`` (CSR of layer ``i``).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> net = topogen.radix_net([[2, 2]], [1, 2, 1])
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> save_npz(net, path)
    >>> load_npz(path) == net, load_npz(path).meta == net.meta
    (True, True)
    """
    topology = check_topology("topology", topology)
    path = check_path("path", path)
    with atomic_file(path) as f:
        writer = NpzWriter(f)
        try:
            for layer in topology.layers:
                writer.add(layer)
            writer.close(topology.meta)
        except BaseException:
            writer.abort()
            raise


def _npz_array(npz, key, path, dtype_kind="iu", ndim=1):
    try:
        arr = npz[key]
    except KeyError:
        raise TopogenError(f"{path}: missing array {key!r}; this is not a complete topogen "
                           ".npz file") from None
    if arr.dtype.kind not in dtype_kind or arr.ndim != ndim:
        raise TopogenError(f"{path}: array {key!r} has dtype {arr.dtype} and shape "
                           f"{arr.shape}; expected a {ndim}-D integer array")
    return arr


def _npz_layer(npz, i, n_rows, n_cols, nnz, path) -> sp.csr_array:
    indptr = _npz_array(npz, f"indptr_{i}", path).astype(np.int64, copy=False)
    indices = _npz_array(npz, f"indices_{i}", path)
    where = f"{path}: layer {i}"
    if indptr.shape != (n_rows + 1,):
        raise TopogenError(f"{where}: indptr has {len(indptr)} entries, expected n_rows + 1 = "
                           f"{n_rows + 1} (wrong shape)")
    if indptr[0] != 0 or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0):
        raise TopogenError(f"{where}: indptr is not a valid CSR row pointer "
                           f"(0 .. {len(indices)}, non-decreasing)")
    if len(indices) != nnz:
        raise TopogenError(f"{where}: {len(indices)} edges but layer_nnz says {nnz} "
                           "(truncated or inconsistent file)")
    if len(indices) and (indices.min() < 0 or indices.max() >= n_cols):
        raise TopogenError(f"{where}: a column index is out of range 0..{n_cols - 1}")
    problem = _canonical_problem(indptr, indices)
    if problem:
        raise TopogenError(f"{where}: {problem}")
    return _csr_from_parts((n_rows, n_cols), indptr, indices)


def load_npz(path) -> Topology:
    """Read a native ``.npz`` file written by :func:`save_npz`, validating every array.

    Raises
    ------
    TopogenError
        If the file is missing, not a zip, truncated, not a topogen file, or any array is
        inconsistent (wrong shape, index out of range, unsorted or duplicate edges).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> path = os.path.join(tempfile.mkdtemp(), "t.npz")
    >>> topogen.save(topogen.radix_net([[2, 2]], [1, 1, 1]), path)
    >>> load_npz(path).widths
    (4, 4, 4)
    """
    path = check_path("path", path)
    if not os.path.isfile(path):
        raise TopogenError(f"cannot read {path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            magic = _npz_array(npz, "format", path, "u").tobytes().decode("ascii", "replace")
            if magic != _NPZ_MAGIC:
                raise TopogenError(f"{path}: not a topogen .npz file (format {magic!r})")
            version = _npz_array(npz, "version", path)
            if version.tolist() != [_NPZ_VERSION]:
                raise TopogenError(f"{path}: unsupported topogen .npz version "
                                   f"{version.tolist()}; this topogen reads {_NPZ_VERSION}")
            widths = _npz_array(npz, "widths", path).tolist()
            layer_nnz = _npz_array(npz, "layer_nnz", path).tolist()
            if len(widths) < 2 or min(widths) < 1 or len(layer_nnz) != len(widths) - 1:
                raise TopogenError(f"{path}: invalid widths {widths} / layer_nnz {layer_nnz}")
            try:
                meta = json.loads(_npz_array(npz, "meta", path, "u").tobytes().decode())
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise TopogenError(f"{path}: meta is not valid JSON: {exc}") from None
            layers = [_npz_layer(npz, i, widths[i], widths[i + 1], layer_nnz[i], path)
                      for i in range(len(layer_nnz))]
    except TopogenError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError,
            zipfile.LargeZipFile, RuntimeError) as exc:  # NumPy/zip errors on corrupt files
        raise TopogenError(f"{path}: not a readable .npz file ({type(exc).__name__}: "
                           f"{exc})") from None
    return Topology._trusted(layers, meta if isinstance(meta, dict) else {})


# ============================================================================ TSV (Graph Challenge)
def _write_tsv_layer(f, layer: sp.csr_array, value_text: bytes) -> int:
    written = 0
    for rows, cols in _row_chunks(layer, 1):
        out = _format_pairs(rows, cols, *layer.shape, b"\t", b"\t" + value_text + b"\n")
        f.write(memoryview(out))
        written += len(out)
    return written


def _value_text(value: float) -> bytes:
    return repr(float(value)).encode()


class _Checksummed:
    """A write-only file wrapper that counts bytes and keeps their CRC-32."""

    def __init__(self, f):
        self._f = f
        self.size = 0
        self.crc = 0

    def write(self, data) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data) if isinstance(data, bytes) else data.nbytes
        return self._f.write(data)


def _write_layer_file(folder: str, name: str, writer, layer) -> tuple[int, int]:
    """Write one layer file with ``writer(f, layer)``; return its size and CRC-32."""
    path = os.path.join(folder, name)
    with open(path, "wb") as raw:
        f = _Checksummed(raw)
        writer(f, layer)
        raw.flush()
        os.fsync(raw.fileno())
    return f.size, f.crc


def _check_crc(path: str, buf: bytes, crc) -> None:
    if crc is not None and zlib.crc32(buf) != crc:
        _fail(path, None, f"the contents differ from the CRC-32 recorded in {SIDECAR} (the "
              "file was altered or truncated)")


def write_graph_challenge(topology: Topology, folder, *, value=GRAPH_CHALLENGE_VALUE,
                          progress: bool | None = None) -> None:
    """Write the Sparse DNN Graph Challenge layout: one ``n{N}-l{k}.tsv`` per layer.

    Each line is ``row<TAB>col<TAB>value`` with 1-based ``row`` (source neuron) and ``col``
    (target neuron), sorted by row then column, the same layout as the challenge's
    ``neuron1024/n1024-l1.tsv`` ... files (Kepner et al., HPEC 2019).  ``N`` is the layer's
    input width (all widths are equal in the challenge networks) and ``k`` is 1-based.  The
    folder also gets ``topogen.json`` with the widths, edge counts and ``meta``, so that
    non-square layers and trailing empty rows read back exactly.  The folder is written
    atomically.

    Parameters
    ----------
    topology : Topology
        The network.
    folder : str or os.PathLike
        The folder to create (or replace, if it is a topogen folder), e.g. ``"neuron1024"``.
    value : float, default 1/16
        The weight written on every edge.  The challenge uses constants such as 1/16 for
        1024 neurons and smaller ones (1/32, ...) for wider networks: pass the one you need.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> net = topogen.radix_net([[2, 2]], [1, 1, 1])
    >>> folder = os.path.join(tempfile.mkdtemp(), "neuron4")
    >>> write_graph_challenge(net, folder)
    >>> sorted(os.listdir(folder))
    ['n4-l1.tsv', 'n4-l2.tsv', 'topogen.json']
    >>> open(os.path.join(folder, "n4-l1.tsv")).readline()
    '1\\t1\\t0.0625\\n'
    >>> read_graph_challenge(folder) == net
    True
    """
    topology = check_topology("topology", topology)
    from .stream import stream_graph_challenge

    stream_graph_challenge(topology, folder, value=value, meta=topology.meta,
                           depth=topology.depth, progress=progress)


def _folder_files(folder: str, kind: str):
    """The layer files of a folder: from topogen.json if present, else by challenge naming."""
    side = os.path.join(folder, SIDECAR)
    if os.path.exists(side):
        try:
            doc = json.loads(_read_bytes(side).decode())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TopogenError(f"{side}: not valid JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != "topogen-layers":
            raise TopogenError(f"{side}: not a topogen layers file")
        if doc.get("kind") != kind:
            raise TopogenError(f"{side}: the folder holds format {doc.get('kind')!r}, "
                               f"not {kind!r}; load it with format={doc.get('kind')!r}")
        widths, nnz, files = doc.get("widths"), doc.get("layer_nnz"), doc.get("files")
        ok = (isinstance(widths, list) and len(widths) >= 2
              and all(isinstance(w, int) and not isinstance(w, bool) and w >= 1
                      for w in widths)
              and isinstance(nnz, list) and len(nnz) == len(widths) - 1
              and all(isinstance(k, int) and k >= 0 for k in nnz)
              and isinstance(files, list) and len(files) == len(nnz)
              and all(isinstance(n, str) and os.path.basename(n) == n and n not in ("", ".",
                      "..") for n in files))
        if not ok:
            raise TopogenError(f"{side}: invalid widths / layer_nnz / files entries")
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
        crcs = doc.get("crc32")
        if not (isinstance(crcs, list) and len(crcs) == len(files)
                and all(isinstance(c, int) for c in crcs)):
            doc["crc32"] = [None] * len(files)
        return widths, nnz, files, meta, doc
    found = {}
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise TopogenError(f"cannot read the folder {folder}: {exc.strerror or exc}") from None
    for name in names:
        m = _LAYER_FILE.match(name)
        if m and m.group(3) == kind:
            k = int(m.group(2))
            if k in found:
                raise TopogenError(f"{folder}: two files for layer {k}: {found[k][1]} and {name}")
            found[k] = (int(m.group(1)), name)
    if not found:
        raise TopogenError(f"{folder}: no layer files n<N>-l<k>.{kind} and no {SIDECAR}")
    depth = max(found)
    missing = [k for k in range(1, depth + 1) if k not in found]
    if missing:
        raise TopogenError(f"{folder}: layer file for layer {missing[0]} is missing "
                           f"(found layers {sorted(found)})")
    return [found[k][0] for k in range(1, depth + 1)], None, [found[k][1] for k in
                                                             range(1, depth + 1)], {}, None


def _read_tsv_layer(path: str, shape, nnz, value, crc=None) -> sp.csr_array:
    buf = _read_bytes(path)
    data, starts, ends, lines = parse_fields(buf, 3, path)
    if nnz is not None and len(lines) != nnz:
        _fail(path, None, f"{len(lines)} edges but topogen.json says {nnz} (truncated or "
              "altered file)")
    rows = parse_ints(data, starts[:, 0], ends[:, 0], lines, path, "row index")
    cols = parse_ints(data, starts[:, 1], ends[:, 1], lines, path, "column index")
    vals = parse_floats(data, starts[:, 2], ends[:, 2], lines, path)
    zero = np.flatnonzero(vals == 0)
    if len(zero):
        _fail(path, int(lines[zero[0]]), "a stored zero value is not an edge; remove the line")
    if value is not None:
        other = np.flatnonzero(vals != value)
        if len(other):
            _fail(path, int(lines[other[0]]), f"value {float(vals[other[0]])!r} differs from the "
                  f"expected value={value!r}")
    layer = _build_layer(rows - 1, cols - 1, shape, lines, path)
    _check_crc(path, buf, crc)
    return layer


def read_graph_challenge(folder, *, value=None, progress: bool | None = None) -> Topology:
    """Read a Graph Challenge folder (``n{N}-l{k}.tsv`` files), validating every line.

    Shapes come from ``topogen.json`` when the folder has one; otherwise (a folder from
    the challenge itself, such as ``neuron1024/``) every layer is ``N x N`` with ``N`` from
    the file names, and the layers are ``l1 .. lL`` with none missing.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder.
    value : float, optional
        If given, every edge must carry exactly this value.
    progress : bool, optional
        Show a progress bar.

    Raises
    ------
    TopogenError
        Naming the file and line: a truncated line or file, a non-integer or out-of-range
        index, a duplicate edge, a zero or non-numeric value, a missing layer file.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> folder = os.path.join(tempfile.mkdtemp(), "neuron4")
    >>> os.mkdir(folder)
    >>> with open(os.path.join(folder, "n4-l1.tsv"), "w") as f:
    ...     _ = f.write("1\\t2\\t0.0625\\n4\\t4\\t0.0625\\n")
    >>> t = read_graph_challenge(folder)
    >>> t.widths, t.layers[0].nonzero()
    ((4, 4), (array([0, 3], dtype=int32), array([1, 3], dtype=int32)))
    """
    folder = check_path("folder", folder)
    if not os.path.isdir(folder):
        raise TopogenError(f"cannot read {folder}: not a folder")
    if value is not None:
        value = _check_value(value)
    widths, nnz, files, meta, doc = _folder_files(folder, "tsv")
    if doc is None:
        sizes = set(widths)
        if len(sizes) != 1:
            raise TopogenError(f"{folder}: layer files name different widths {sorted(sizes)} "
                               f"and there is no {SIDECAR} to give the shapes")
        widths = [widths[0]] * (len(files) + 1)
        nnz = [None] * len(files)
    crcs = doc["crc32"] if doc is not None else [None] * len(files)
    layers = []
    with Progress(len(files), "reading", enabled=progress) as bar:
        for i, name in enumerate(files):
            layers.append(_read_tsv_layer(os.path.join(folder, name),
                                          (widths[i], widths[i + 1]), nnz[i], value, crcs[i]))
            bar.update()
    return Topology._trusted(layers, meta)


# ============================================================================ Matrix Market
def _write_mtx_layer(f, layer: sp.csr_array, value_text: bytes | None) -> int:
    field = "pattern" if value_text is None else "real"
    header = (f"%%MatrixMarket matrix coordinate {field} general\n"
              f"% written by topogen: row = source neuron, column = target neuron\n"
              f"{layer.shape[0]} {layer.shape[1]} {layer.nnz}\n").encode()
    f.write(header)
    written = len(header)
    tail = b"\n" if value_text is None else b" " + value_text + b"\n"
    for rows, cols in _row_chunks(layer, 1):
        out = _format_pairs(rows, cols, *layer.shape, b" ", tail)
        f.write(memoryview(out))
        written += len(out)
    return written


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
    from .stream import stream_layers

    stream_layers(topology, folder, kind="mtx", value=value, meta=topology.meta,
                  depth=topology.depth, progress=progress)


def _mtx_header(buf: bytes, path: str):
    """Parse a Matrix Market header: ``(field, symmetry, shape, nnz, body_offset, line)``."""
    end = buf.find(b"\n")
    first = buf[: end if end >= 0 else len(buf)].decode("ascii", "replace").strip()
    parts = first.split()
    if len(parts) != 5 or parts[0] != "%%MatrixMarket" or parts[1].lower() != "matrix":
        _fail(path, 1, f"not a Matrix Market file (header {first[:60]!r})")
    fmt, field, symmetry = (p.lower() for p in parts[2:])
    if fmt != "coordinate":
        _fail(path, 1, f"only 'coordinate' Matrix Market files hold a sparse layer, got {fmt!r}")
    if field not in ("pattern", "real", "integer", "double"):
        _fail(path, 1, f"unsupported Matrix Market field {field!r} (pattern, real or integer)")
    if symmetry not in ("general", "symmetric"):
        _fail(path, 1, f"unsupported Matrix Market symmetry {symmetry!r} (general or symmetric)")
    pos = end + 1 if end >= 0 else len(buf)
    line = 2
    while True:
        if pos >= len(buf):
            _fail(path, line, "the size line 'rows cols entries' is missing (truncated file)")
        nxt = buf.find(b"\n", pos)
        nxt = len(buf) if nxt < 0 else nxt
        text = buf[pos:nxt].decode("ascii", "replace").strip()
        if text and not text.startswith("%"):
            break
        pos, line = nxt + 1, line + 1
    fields = text.split()
    if len(fields) != 3 or not all(f.isdigit() for f in fields):
        _fail(path, line, f"the size line must be 'rows cols entries', got {text[:60]!r}")
    m, n, nnz = map(int, fields)
    if m < 1 or n < 1:
        _fail(path, line, f"a layer needs at least one row and column, got {m} x {n}")
    return field, symmetry, (m, n), nnz, nxt + 1, line + 1


def _read_mtx_file(path: str, shape=None, nnz=None, crc=None) -> sp.csr_array:
    buf = _read_bytes(path)
    field, symmetry, size, declared, offset, body_line = _mtx_header(buf, path)
    if shape is not None and tuple(size) != tuple(shape):
        _fail(path, body_line - 1, f"the matrix is {size[0]} x {size[1]} but the layer must "
              f"be {shape[0]} x {shape[1]} (wrong shape)")
    n_fields = 2 if field == "pattern" else 3
    data, starts, ends, lines = parse_fields(buf[offset:], n_fields, path, body_line)
    if len(lines) != declared:
        _fail(path, None, f"{len(lines)} entries but the size line declares {declared} "
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
            _fail(path, int(lines[low[0]]), "a symmetric file must list only the lower "
                  "triangle (row >= column)")
        off = rows != cols
        rows, cols, lines = (np.concatenate((rows, cols[off])),
                             np.concatenate((cols, rows[off])),
                             np.concatenate((lines, lines[off])))
    layer = _build_layer(rows, cols, size, lines, path)
    if nnz is not None and layer.nnz != nnz:
        _fail(path, None, f"{layer.nnz} edges but topogen.json says {nnz} (altered file)")
    _check_crc(path, buf, crc)
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
    widths, nnz, files, meta, doc = _folder_files(path, "mtx")
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


# ============================================================================ GraphML / edge list
def _check_small(topology: Topology, max_edges, what: str) -> None:
    max_edges = check_int("max_edges", max_edges, minimum=1)
    if topology.nnz > max_edges:
        raise TopogenError(f"{what} is meant for small topologies: this one has "
                           f"{topology.nnz:,} edges, above max_edges={max_edges:,}; use .npz, "
                           "Matrix Market or Graph Challenge TSV, or pass a larger max_edges=")


def write_graphml(topology: Topology, path, *, max_edges: int = SMALL_MAX_EDGES) -> None:
    """Write a GraphML file (via networkx), atomically.

    Nodes are ``"{layer}:{index}"`` with integer attributes ``layer`` and ``index``; the
    graph attributes ``widths`` and ``meta`` hold JSON.  Gephi, yEd, igraph and networkx open
    it.  Meant for small topologies (at most ``max_edges`` edges).

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
    _check_small(topology, max_edges, "GraphML")
    G = nx.DiGraph(widths=json.dumps(list(topology.widths)), meta=json.dumps(topology.meta))
    for i, n in enumerate(topology.widths):
        G.add_nodes_from((f"{i}:{k}", {"layer": i, "index": k}) for k in range(n))
    for i, layer in enumerate(topology.layers):
        rows, cols = np.nonzero(layer)
        G.add_edges_from(zip((f"{i}:{r}" for r in rows.tolist()),
                             (f"{i + 1}:{c}" for c in cols.tolist())))
    with atomic_file(path) as f:
        nx.write_graphml(G, f)


def _node_ids(labels, path, widths):
    """Parse node labels ``"layer:index"`` into int arrays, validating ranges."""
    layer_idx = np.empty(len(labels), dtype=np.int64)
    index = np.empty(len(labels), dtype=np.int64)
    for k, label in enumerate(labels):
        m = re.fullmatch(r"(\d+):(\d+)", str(label))
        if not m:
            raise TopogenError(f"{path}: node {label!r} is not of the form 'layer:index'")
        layer_idx[k], index[k] = int(m.group(1)), int(m.group(2))
        if layer_idx[k] >= len(widths) or index[k] >= widths[layer_idx[k]]:
            raise TopogenError(f"{path}: node {label!r} is out of range for widths {widths}")
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
        layers.append(_csr_from_parts((widths[i], widths[i + 1]), indptr, cols))
    return layers


def _widths_meta(widths_text, meta_text, path):
    try:
        widths = json.loads(widths_text)
        meta = json.loads(meta_text) if meta_text else {}
    except (TypeError, json.JSONDecodeError) as exc:
        raise TopogenError(f"{path}: widths/meta attributes are not valid JSON ({exc})") from None
    if not (isinstance(widths, list) and len(widths) >= 2 and all(
            isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths)):
        raise TopogenError(f"{path}: invalid widths {widths!r}")
    return widths, meta if isinstance(meta, dict) else {}


def read_graphml(path) -> Topology:
    """Read a GraphML file written by :func:`write_graphml`, validating nodes and edges.

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
    if not os.path.isfile(path):
        raise TopogenError(f"cannot read {path}: no such file")
    try:
        G = nx.read_graphml(path)
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        _fail(path, line, f"not valid GraphML XML ({exc})")
    except (nx.NetworkXError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise TopogenError(f"{path}: not a readable GraphML file ({exc})") from None
    if not G.is_directed():
        raise TopogenError(f"{path}: the graph must be directed (edges go layer i -> i+1)")
    widths, meta = _widths_meta(G.graph.get("widths"), G.graph.get("meta"), path)
    node_l, node_i = _node_ids(list(G.nodes), path, widths)
    if len(G) != sum(widths) or len(set(zip(node_l.tolist(), node_i.tolist()))) != len(G):
        raise TopogenError(f"{path}: the graph has {len(G)} nodes but widths {widths} need "
                           f"{sum(widths)}, one per (layer, index)")
    edges = list(G.edges)
    src_l, src = _node_ids([u for u, _ in edges], path, widths)
    dst_l, dst = _node_ids([v for _, v in edges], path, widths)
    return Topology._trusted(_layers_from_edges(src_l, src, dst_l, dst, widths, path), meta)


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
    _check_small(topology, max_edges, "the edge list")
    header = (f"# topogen edgelist widths: {json.dumps(list(topology.widths))}\n"
              f"# meta: {json.dumps(topology.meta)}\n# edges: {topology.nnz}\n").encode()
    with atomic_file(path) as f:
        f.write(header)
        for i, layer in enumerate(topology.layers):
            for rows, cols in _row_chunks(layer):
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
    buf = _read_bytes(path)
    lines = buf.split(b"\n", 3)
    if len(lines) < 3 or not lines[0].startswith(b"# topogen edgelist widths: ") or \
            not lines[1].startswith(b"# meta: ") or not lines[2].startswith(b"# edges: "):
        _fail(path, 1, "not a topogen edge list (missing the '# topogen edgelist widths:', "
              "'# meta:' and '# edges:' header lines)")
    declared = lines[2][len(b"# edges: "):].strip()
    if not declared.isdigit():
        _fail(path, 3, f"the edge count {declared[:20]!r} is not an integer")
    widths, meta = _widths_meta(lines[0][len(b"# topogen edgelist widths: "):].decode(
        "utf-8", "replace"), lines[1][len(b"# meta: "):].decode("utf-8", "replace"), path)
    body = lines[3] if len(lines) > 3 else b""
    data, starts, ends, line_no = parse_fields(body, 4, path, 4, extra_ws=b":")
    if len(line_no) != int(declared):
        _fail(path, None, f"{len(line_no)} edges but the header declares {int(declared)} "
              "(truncated file?)")
    sep = data[np.minimum(ends[:, [0, 2]], len(data) - 1)] if len(line_no) else \
        np.empty((0, 2), np.uint8)
    bad = np.flatnonzero((sep != ord(":")).any(axis=1)) if len(line_no) else []
    if len(bad):
        _fail(path, int(line_no[bad[0]]), "expected 'layer:index layer:index'")
    cols = [parse_ints(data, starts[:, k], ends[:, k], line_no, path, "node number")
            for k in range(4)]
    src_l, src, dst_l, dst = cols
    for lay, idx, what in ((src_l, src, "source"), (dst_l, dst, "target")):
        over = np.flatnonzero(lay >= len(widths))
        if len(over):
            _fail(path, int(line_no[over[0]]), f"{what} layer {int(lay[over[0]])} is out of "
                  f"range for widths {widths}")
        w = np.asarray(widths)[lay]
        over = np.flatnonzero(idx >= w)
        if len(over):
            k = int(over[0])
            _fail(path, int(line_no[k]), f"{what} index {int(idx[k])} is out of range: layer "
                  f"{int(lay[k])} has {int(w[k])} neurons")
    hop = np.flatnonzero(dst_l != src_l + 1)
    if len(hop):
        _fail(path, int(line_no[hop[0]]), "an edge must go from layer i to layer i+1")
    layers = []
    for i in range(len(widths) - 1):
        sel = src_l == i
        layers.append(_build_layer(src[sel], dst[sel], (widths[i], widths[i + 1]),
                                   line_no[sel], path))
    return Topology._trusted(layers, meta)


# ============================================================================ save / load
def _normalise_format(format) -> str | None:
    if format is None:
        return None
    if not isinstance(format, str):
        raise TopogenError(f"format must be a string such as 'npz', got {format!r}")
    f = _FORMAT_ALIASES.get(format.lower(), format.lower())
    if f not in _FORMATS:
        raise TopogenError(f"unknown format {format!r}; use one of {', '.join(_FORMATS)}")
    return f


def _format_for_save(path: str, format) -> str:
    fmt = _normalise_format(format)
    if fmt is not None:
        return fmt
    suffix = os.path.splitext(path)[1].lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    raise TopogenError(
        f"cannot tell the format of {path!r} from its name: use a .npz, .graphml or .edgelist "
        "file name, or a folder with format='tsv' (Graph Challenge) or format='mtx' "
        "(Matrix Market)"
    )


def _format_for_load(path: str, format) -> str:
    fmt = _normalise_format(format)
    if fmt is not None:
        return fmt
    if os.path.isdir(path):
        side = os.path.join(path, SIDECAR)
        if os.path.exists(side):
            try:
                kind = json.loads(_read_bytes(side).decode()).get("kind")
            except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
                kind = None
            if kind in _FOLDER_FORMATS:
                return kind
            raise TopogenError(f"{side}: unknown or missing 'kind'; pass format='tsv' or 'mtx'")
        kinds = {m.group(3) for m in map(_LAYER_FILE.match, os.listdir(path)) if m}
        if len(kinds) == 1:
            return kinds.pop()
        raise TopogenError(f"cannot tell the format of the folder {path}: pass format='tsv' "
                           "or format='mtx'")
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".mtx":
        return "mtx"
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if not os.path.exists(path):
        raise TopogenError(f"cannot read {path}: no such file or folder")
    raise TopogenError(f"cannot tell the format of {path!r}: pass format= (one of "
                       f"{', '.join(_FORMATS)})")


def save(topology: Topology, path, *, format: str | None = None, **options) -> None:
    """Write a Topology to ``path``; the format comes from the name unless ``format=`` says.

    ``*.npz`` -> native NumPy zip (:func:`save_npz`); ``*.graphml`` -> GraphML;
    ``*.edgelist`` / ``*.edges`` -> text edge list; a folder with ``format="tsv"`` -> Graph
    Challenge TSV (:func:`write_graph_challenge`) or ``format="mtx"`` -> Matrix Market
    (:func:`write_mtx`).  Writes are atomic; ``options`` go to the writer (e.g. ``value=``).

    Parameters
    ----------
    topology : Topology
        The network.
    path : str or os.PathLike
        File or folder name.
    format : {"npz", "tsv", "mtx", "graphml", "edgelist"}, optional
        Overrides the format read from the name.

    Raises
    ------
    TopogenError
        For an unknown format, a name that says none, or a failed write (the old file or
        folder is then untouched).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> d = tempfile.mkdtemp()
    >>> net = topogen.radix_net([[2, 2]], [1, 2, 1])
    >>> topogen.save(net, os.path.join(d, "net.npz"))
    >>> topogen.save(net, os.path.join(d, "neuron4"), format="tsv")
    >>> topogen.load(os.path.join(d, "neuron4")) == topogen.load(os.path.join(d, "net.npz"))
    True
    """
    topology = check_topology("topology", topology)
    path = check_path("path", path)
    fmt = _format_for_save(path, format)
    writer = {"npz": save_npz, "tsv": write_graph_challenge, "mtx": write_mtx,
              "graphml": write_graphml, "edgelist": write_edgelist}[fmt]
    try:
        writer(topology, path, **options)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TopogenError(f"format {fmt!r} does not take the option(s) {sorted(options)}"
                               ) from None
        raise


def load(path, *, format: str | None = None, **options) -> Topology:
    """Read a Topology written by :func:`save` (or a Graph Challenge / Matrix Market folder).

    The format comes from the name (``.npz``, ``.graphml``, ``.edgelist``, ``.mtx``) or, for
    a folder, from its ``topogen.json`` or its ``n{N}-l{k}.tsv`` / ``.mtx`` files.

    Raises
    ------
    TopogenError
        For a missing path, an unknown format, or any invalid content (naming file and line).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
    >>> topogen.save(topogen.radix_net([[3]], [1, 2]), path)
    >>> topogen.load(path).widths
    (3, 6)
    """
    path = check_path("path", path)
    fmt = _format_for_load(path, format)
    reader = {"npz": load_npz, "tsv": read_graph_challenge, "mtx": read_mtx,
              "graphml": read_graphml, "edgelist": read_edgelist}[fmt]
    try:
        return reader(path, **options)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TopogenError(f"format {fmt!r} does not take the option(s) {sorted(options)}"
                               ) from None
        raise

