"""Shared helpers of the file formats: vectorised text formatting and parsing, checks.

Public names in a private module (as SciPy's ``_sputils``), shared by the format modules.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ..._checks import TopogenError, check_int, fmt_value
from ...topology import Topology, csr_from_parts
from ._digits import number_table
from ._guard import fail, load_json

#: Default value written on every edge of a Graph Challenge file (the challenge's
#: 1024-neuron networks use 1/16; larger ones use smaller constants such as 1/32).
GRAPH_CHALLENGE_VALUE = 1 / 16
#: Edges formatted or parsed per chunk by the text writers.
CHUNK_EDGES = 1 << 18
#: Largest topology the networkx-based formats (GraphML, edge list) write by default.
SMALL_MAX_EDGES = 1_000_000


# ============================================================================ text formatting
def format_lines(columns, separators) -> np.ndarray:
    """Text lines ``str(c0) sep0 str(c1) sep1 ...`` for int arrays, as one uint8 array.

    ``separators[k]`` (bytes) follows column ``k``; the last one ends the line, so it holds
    any constant tail and the newline.  Vectorised: all fields are laid side by side in an
    ``(n_lines, width)`` byte matrix, numbers right-aligned, and the valid bytes (no leading
    zeros) are picked out in row-major order.

    Parameters
    ----------
    columns : sequence of equal-length 1-D arrays of non-negative ints
    separators : sequence of bytes, one per column

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


def format_pairs(rows, cols, n_rows: int, n_cols: int, sep: bytes, tail: bytes):
    """Lines ``str(row) sep str(col) tail`` for 1-based ``rows``/``cols``, as uint8.

    For widths up to :data:`TABLE_MAX` each side is one lookup in a table of the strings of
    all numbers, so a line costs two fixed-size copies and a NUL filter.

    Parameters
    ----------
    rows, cols : 1-D int arrays of 1-based numbers, at most ``n_rows`` and ``n_cols``
    n_rows, n_cols : int, the layer shape (sizes of the lookup tables)
    sep, tail : bytes, written after the row and after the column (the tail ends the line)
    """
    if max(n_rows, n_cols) > TABLE_MAX:
        return format_lines([rows, cols], [sep, tail])
    left = number_table(n_rows, sep)
    right = number_table(n_cols, tail)
    wl, wr = left.shape[1], right.shape[1]
    lines = np.empty(len(rows), dtype=[("l", f"V{wl}"), ("r", f"V{wr}")])
    lines["l"] = left.view(f"V{wl}").ravel()[rows - 1]
    lines["r"] = right.view(f"V{wr}").ravel()[cols - 1]
    chars = lines.view(np.uint8)
    return chars[chars != 0]


def row_chunks(layer: sp.csr_array, base: int = 0, chunk_edges: int = CHUNK_EDGES):
    """Yield ``(rows, cols)`` (plus ``base``) of a CSR layer in row-major order, in chunks.

    Indices come as uint32 where they fit, so that a chunk of text costs little memory.

    Parameters
    ----------
    layer : scipy.sparse.csr_array with sorted indices
    base : int, default 0, added to every index (1 for the 1-based text formats)
    chunk_edges : int, default CHUNK_EDGES, edges per chunk (whole rows; empty ones skipped)
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


def parse_fields(buf: bytes, n_fields: int, path: str, first_line: int = 1, extra_ws=b""):
    """Split text into lines of exactly ``n_fields`` whitespace-separated fields.

    Returns ``(data, starts, ends, line_numbers)``: ``data`` is the text as a uint8 array,
    ``starts``/``ends`` have shape ``(n_lines, n_fields)`` and ``line_numbers`` are the
    1-based line numbers in the file (``first_line`` is that of the first line of ``buf``).
    Trailing blank lines are ignored; any other line with another number of fields raises a
    TopogenError naming ``path`` and the line.

    Parameters
    ----------
    buf : bytes (a missing final newline is added)
    n_fields : int, fields required on every line
    path : str, file name for error messages
    first_line : int, default 1
    extra_ws : bytes, default b"", bytes that also separate fields (besides whitespace)
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
            fail(path, line, f"expected {n_fields} fields, got {got}: {text!r}"
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
    """Decimal non-negative integers of one field per line, validated, as int64.

    Parameters
    ----------
    data, starts, ends, lines : from :func:`parse_fields`, ``starts``/``ends`` of one column
    path, what : str, file and field name (``"row"``) for the error naming a bad line
    """
    length = ends - starts
    n = len(length)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    too_long = np.flatnonzero(length > 18)
    if len(too_long):
        k = int(too_long[0])
        fail(path, int(lines[k]), f"{what} {_token(data, starts[k], ends[k])!r} is too large")
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
        fail(path, int(lines[k]), f"{what} {_token(data, starts[k], ends[k])!r} is not a "
             "non-negative integer")
    return out


def _token(data, start, end) -> str:
    return bytes(data[int(start):int(end)]).decode("utf-8", "replace")


def parse_floats(data, starts, ends, lines, path, what: str = "value") -> np.ndarray:
    """The float value of one field per line; each distinct string is parsed once.

    Parameters
    ----------
    data, starts, ends, lines, path : as for :func:`parse_ints` (non-finite is an error)
    what : str, default "value", the field name in error messages
    """
    length = ends - starts
    n = len(length)
    if n == 0:
        return np.empty(0, dtype=np.float64)
    too_long = np.flatnonzero(length > 40)
    if len(too_long):
        k = int(too_long[0])
        fail(path, int(lines[k]), f"{what} {_token(data, starts[k], ends[k])[:50]!r} is not "
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
                fail(path, int(lines[0]), f"{what} {text!r} is not a finite number")
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
            fail(path, int(lines[first[u]]), f"{what} {text!r} is not a finite number")
    return values[inverse.ravel()]


def build_layer(rows, cols, shape, lines, path) -> sp.csr_array:
    """A canonical layer from 0-based edges, checking range and duplicates (line numbers).

    Parameters
    ----------
    rows, cols : 1-D int64 arrays of 0-based edge ends, in any order
    shape : (n_rows, n_cols)
    lines, path : line number of each edge and the file name, for error messages
    """
    n_rows, n_cols = shape
    for arr, limit, what in ((rows, n_rows, "row"), (cols, n_cols, "column")):
        bad = np.flatnonzero((arr < 0) | (arr >= limit))
        if len(bad):
            k = int(bad[0])
            fail(path, int(lines[k]), f"{what} index {int(arr[k]) + 1} is out of range: "
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
        fail(path, int(lines[b]), f"duplicate edge ({int(rows[b]) + 1}, {int(cols[b]) + 1}), "
             f"first given on line {int(lines[a])}")
    if order is not None:
        rows, cols = rows[order], cols[order]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return csr_from_parts((n_rows, n_cols), indptr, cols)


# ============================================================================ checks
def check_value(value) -> float:
    """``value`` as a float if a finite nonzero number (not a bool), else TopogenError.

    Parameters
    ----------
    value : number, the edge value of a Graph Challenge file
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TopogenError(f"value must be a finite nonzero number, got {value!r}") from None
    if not math.isfinite(v) or v == 0 or isinstance(value, bool):
        raise TopogenError(f"value must be a finite nonzero number, got {value!r}")
    return v


def value_text(value: float) -> bytes:
    """Shortest round-tripping text (``repr``) of an edge value, as bytes.

    Parameters
    ----------
    value : float
    """
    return repr(float(value)).encode()


def check_small(topology: Topology, max_edges, what: str) -> None:
    """Raise TopogenError if ``topology`` has more than ``max_edges`` edges.

    Parameters
    ----------
    topology : Topology
    max_edges : int, the largest edge count allowed (at least 1)
    what : str, the format name in the message (``"GraphML"``)
    """
    max_edges = check_int("max_edges", max_edges, minimum=1)
    if topology.nnz > max_edges:
        raise TopogenError(f"{what} is meant for small topologies: this one has "
                           f"{topology.nnz:,} edges, above max_edges={max_edges:,}; use .npz, "
                           "Matrix Market or Graph Challenge TSV, or pass a larger max_edges=")


def widths_meta(widths_text, meta_text, path):
    """``(widths, meta)`` from a file's JSON attributes; widths checked (>= 2, each >= 1).

    Parameters
    ----------
    widths_text, meta_text : str or bytes, JSON (``meta_text`` may be empty: ``{}``)
    path : str, file name for error messages
    """
    widths = load_json(widths_text, path, "the widths attribute")
    meta = load_json(meta_text, path, "the meta attribute") if meta_text else {}
    if not (isinstance(widths, list) and len(widths) >= 2 and all(
            isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths)):
        raise TopogenError(f"{path}: invalid widths {fmt_value(widths)}")
    return widths, meta if isinstance(meta, dict) else {}
