"""Reading Matrix Market files fast and safely: the header, the memory map, the checks.

The helpers of :mod:`topogen.export.files.mtx`: topogen parses the header itself (declared
sizes checked before anything is allocated), hands the body to :func:`scipy.io.mmread` (backed
by fast_matrix_market) through a read-only memory map, and checks the entries it returns
(order, duplicates, range) in threads, naming the file and line of any fault.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import mmap
import os
import re

import numpy as np
import scipy.sparse as sp

from ..._checks import TopogenError
from ...topology import csr_from_parts
from ._guard import fail

_FIELDS = ("pattern", "real", "integer", "double")
#: Fewest bytes an entry line can take: ``"1 1\n"`` (pattern) or ``"1 1 1\n"`` (values).
MIN_LINE = {2: 4, 3: 6}
_LINE = re.compile(r"^Line (\d+): ?(.*)$", re.S)


def mtx_header(buf, path: str):
    """Parse a Matrix Market header: ``(field, symmetry, shape, nnz, body_offset, line)``.

    ``buf`` is any bytes-like object with ``find`` (the memory map of the file): only the
    header lines are copied.

    Parameters
    ----------
    buf : bytes or mmap.mmap
        The file's bytes.
    path : str
        File name for error messages.

    Returns
    -------
    tuple
        ``field`` (``"pattern"``, ``"real"``, ``"integer"`` or ``"double"``), ``symmetry``
        (``"general"`` or ``"symmetric"``), ``shape`` ``(rows, cols)``, the declared entry
        count, the byte offset of the first entry line and its 1-based line number.

    Raises
    ------
    TopogenError
        On a header that is not ``coordinate`` Matrix Market of those fields and
        symmetries, or a missing or malformed size line (naming the line).

    >>> mtx_header(b"%%MatrixMarket matrix coordinate pattern general\\n% c\\n2 3 1\\n1 1\\n", "a")
    ('pattern', 'general', (2, 3), 1, 59, 4)
    """
    end = buf.find(b"\n", 0, 1 << 16)
    first = bytes(buf[: end if end >= 0 else min(len(buf), 200)]).decode("ascii", "replace")
    parts = first.strip().split()
    if len(parts) != 5 or parts[0] != "%%MatrixMarket" or parts[1].lower() != "matrix":
        fail(path, 1, f"not a Matrix Market file (header {first.strip()[:60]!r})")
    fmt, field, symmetry = (p.lower() for p in parts[2:])
    if fmt != "coordinate":
        fail(path, 1, f"only 'coordinate' Matrix Market files hold a sparse layer, got {fmt!r}")
    if field not in _FIELDS:
        fail(path, 1, f"unsupported Matrix Market field {field!r} (pattern, real or integer)")
    if symmetry not in ("general", "symmetric"):
        fail(path, 1, f"unsupported Matrix Market symmetry {symmetry!r} (general or symmetric)")
    pos, line = end + 1, 2
    while True:
        if pos >= len(buf):
            fail(path, line, "the size line 'rows cols entries' is missing (truncated file)")
        nxt = buf.find(b"\n", pos)
        nxt = len(buf) if nxt < 0 else nxt
        head = bytes(buf[pos:min(nxt, pos + 200)])
        text = head.decode("ascii", "replace").strip()
        if text and not text.startswith("%"):
            break
        pos, line = nxt + 1, line + 1
    fields = text.split()
    if nxt - pos > 200 or len(fields) != 3 or not all(f.isdigit() for f in fields):
        fail(path, line, f"the size line must be 'rows cols entries', got {text[:60]!r}")
    m, n, nnz = map(int, fields)
    if m < 1 or n < 1:
        fail(path, line, f"a layer needs at least one row and column, got {m} x {n}")
    return field, symmetry, (m, n), nnz, nxt + 1, line + 1


def line_of(buf, offset: int) -> int:
    """The 1-based line number of byte ``offset`` (for error messages only).

    Parameters
    ----------
    buf : bytes or mmap.mmap
        The file's bytes.
    offset : int
        Byte offset into ``buf``.

    >>> line_of(b"a\\nb\\nc", 4)
    3
    """
    return buf[:offset].count(b"\n") + 1 if offset > 0 else 1


def _entry_line(buf, body: int, body_line: int, k: int) -> int:
    """The line of the ``k``-th entry (0-based), skipping blank lines (error path only)."""
    line, pos = body_line, body
    seen = -1
    while pos < len(buf):
        nxt = buf.find(b"\n", pos)
        nxt = len(buf) if nxt < 0 else nxt
        if buf[pos:nxt].strip():
            seen += 1
            if seen == k:
                return line
        pos, line = nxt + 1, line + 1
    return line


def _line_text(buf, line: int) -> str:
    """The text of 1-based ``line`` (error path only)."""
    pos = 0
    for _ in range(line - 1):
        pos = buf.find(b"\n", pos) + 1
        if pos == 0:
            return ""
    end = buf.find(b"\n", pos)
    return bytes(buf[pos:end if end >= 0 else len(buf)][:80]).decode("ascii", "replace")


def library_error(path, exc, declared, buf, dims):
    """A TopogenError from SciPy's Matrix Market parser error (which names the line).

    Parameters
    ----------
    path : str
        File name for the message.
    exc : Exception
        What :func:`scipy.io.mmread` raised (``"Line N: ..."``).
    declared : int
        Entry count of the size line.
    buf : bytes or mmap.mmap
        The file's bytes, to quote the offending index.
    dims : (int, int)
        Declared ``(rows, cols)``.

    Raises
    ------
    TopogenError
        Always: an out-of-range index, a truncated file, too many entries, or the parser's
        own message, with the line where known.
    """
    text = str(exc).strip()
    m = _LINE.match(text)
    line, text = (int(m.group(1)), m.group(2)) if m else (None, text)
    bounds = re.match(r"(Row|Column) index out of bounds", text)
    if bounds and line is not None:
        what = bounds.group(1).lower()
        limit = dims[0] if what == "row" else dims[1]
        fields = _line_text(buf, line).split()
        token = fields[0 if what == "row" else 1] if len(fields) > 1 else "?"
        fail(path, line, f"{what} index {token} is out of range: the layer has {limit} "
             f"{what}s (indices are 1-based, 1..{limit})")
    short = re.match(r"Truncated file\. Expected another (\d+) lines", text)
    if short:
        got = declared - int(short.group(1))
        fail(path, None, f"{got} entries but the size line declares {declared} "
             "(truncated file?)")
    if text.startswith("Too many lines"):
        text = f"more entries than the {declared} the size line declares"
    fail(path, line, f"{text[:1].lower() + text[1:].rstrip('.')} (Matrix Market entry)")


@contextlib.contextmanager
def mapped(f, path):
    """The open file ``f`` as a read-only memory map (only the pages used are read).

    Parameters
    ----------
    f : file object
        Open binary file with a ``fileno``.
    path : str
        File name for error messages.

    Yields
    ------
    mmap.mmap
        The map, closed on exit.

    Raises
    ------
    TopogenError
        If the file is empty or cannot be mapped.
    """
    if os.fstat(f.fileno()).st_size == 0:
        fail(path, 1, "the file is empty, not a Matrix Market file")
    try:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:
        raise TopogenError(f"cannot read {path}: {exc}") from None
    with buf:
        yield buf


def parser_input(f, buf):
    """What SciPy reads: the open file itself (by its ``/proc/self/fd`` name, so that the
    C++ reader opens the very file checked here), or the map with a final newline added.

    Parameters
    ----------
    f : file object
        The open file, as checked.
    buf : mmap.mmap
        Its map (from :func:`mapped`).

    Returns
    -------
    str or file-like
        A ``/proc/self/fd/N`` path, or an object whose ``read`` ends with a newline.
    """
    proc = f"/proc/self/fd/{f.fileno()}"
    if buf[-1:] == b"\n" and os.path.exists(proc):
        return proc
    return _EndsWithNewline(buf)


class _EndsWithNewline:
    """The bytes of a file, with a newline added at the end if it lacks one.

    fast_matrix_market 1.7 (SciPy's parser) reads past the end of its buffer, and crashes
    the interpreter, when the last line has characters after its last field and no newline;
    with the newline it reports the line instead.  (A NUL byte crashes it too: the reader
    refuses those before parsing.)
    """

    def __init__(self, buf):
        self._buf = buf
        self._add = buf[-1:] != b"\n"

    def read(self, n=-1):
        data = self._buf.read(n)
        if not data and self._add:
            self._add = False
            return b"\n"
        return data


class EntryLines:
    """Line numbers of entries, computed only when an error names one.

    Entry ``k < declared`` is the ``k``-th entry line of the body; SciPy appends the mirror
    images of a symmetric file's off-diagonal entries after them, in the same order.
    """

    def __init__(self, buf, body, body_line, declared, rows, cols):
        self._buf, self._body, self._body_line = buf, body, body_line
        self._declared, self._rows, self._cols = declared, rows, cols
        self._kept = None

    def keep(self, kept):
        """Index later lookups through ``kept`` (the entries left after a filter).

        Parameters
        ----------
        kept : 1-D int array
            For each entry of the filtered arrays, its index among the parser's entries.
        """
        self._kept = kept

    def __getitem__(self, k):
        k = int(k)
        if self._kept is not None:
            k = int(self._kept[k])
        if k >= self._declared:
            d = self._declared
            k = int(np.flatnonzero(self._rows[:d] != self._cols[:d])[k - d])
        return _entry_line(self._buf, self._body, self._body_line, k)


def _in_parallel(fn, n: int, min_chunk: int = 1 << 20) -> list:
    """``[fn(lo, hi), ...]`` over slices of ``range(n)``, one per core, in threads.

    SciPy's parser uses every core; the checks after it do too, since NumPy releases the
    GIL in its loops.  Small inputs run in one call.
    """
    k = max(1, min(os.cpu_count() or 1, n // min_chunk))
    if k == 1:
        return [fn(0, n)]
    bounds = [n * i // k for i in range(k + 1)]
    with concurrent.futures.ThreadPoolExecutor(k) as pool:
        return list(pool.map(fn, bounds[:-1], bounds[1:]))


#: Entries compared per block by :func:`_ordered`, whose differences then stay in cache
#: (10M entries: 5 ms instead of 11 ms in whole passes, on the 2-core machine).
ORDER_BLOCK = 1 << 17


def _ordered(rows, cols) -> bool:
    """Whether ``(row, col)`` strictly increases: each step raises the row, or the column."""
    n = len(rows)
    dr = np.empty(min(ORDER_BLOCK, n), dtype=np.result_type(rows.dtype, np.int32))
    dc = np.empty(min(ORDER_BLOCK, n), dtype=np.result_type(cols.dtype, np.int32))
    for lo in range(0, n - 1, ORDER_BLOCK):  # block by block, in two reused buffers
        hi = min(lo + ORDER_BLOCK, n - 1)
        a, b = dr[:hi - lo], dc[:hi - lo]
        if np.subtract(rows[lo + 1:hi + 1], rows[lo:hi], out=a).min() < 0:
            return False
        np.subtract(cols[lo + 1:hi + 1], cols[lo:hi], out=b)
        if np.maximum(a, b, out=b).min() <= 0:
            return False
    return True


def has_nul(buf, start: int) -> bool:
    """Whether the bytes from ``start`` hold a NUL (a parallel byte minimum).

    Parameters
    ----------
    buf : bytes or mmap.mmap
        The file's bytes.
    start : int
        First byte offset to scan (the body, after the header).

    >>> has_nul(b"\\0 header\\n1 1\\n", 1), has_nul(b"1 1\\n\\0", 0)
    (False, True)
    """
    data = np.frombuffer(buf, dtype=np.uint8)[start:]
    lows = _in_parallel(lambda lo, hi, d=data: int(d[lo:hi].min(initial=1)), len(data),
                        1 << 24)
    del data  # the map cannot close while a view of it exists
    return min(lows) == 0


def build_layer_fast(rows, cols, shape, lines, path, checked: bool = False) -> sp.csr_array:
    """A canonical layer from 0-based ``rows``/``cols`` that a library parser returned.

    Checks the index range and finds duplicate edges; ``lines[k]`` is the line number of
    entry ``k`` (looked up only for an error message).  Entries already sorted by row and
    column (every file topogen writes) cost a few passes over int32 differences; others are
    sorted first.

    Parameters
    ----------
    rows, cols : 1-D int arrays
        0-based entry indices, in the parser's order.
    shape : (int, int)
        ``(n_rows, n_cols)`` of the layer.
    lines : sequence of int
        ``lines[k]`` is the line number of entry ``k`` (e.g. an :class:`EntryLines`).
    path : str
        File name for error messages.
    checked : bool, default False
        True if the parser has already checked the column range.

    Raises
    ------
    TopogenError
        On an index out of range or a duplicate edge, naming the line(s).
    """
    n_rows, n_cols = shape
    n = len(rows)
    ordered = all(_in_parallel(lambda lo, hi: _ordered(rows[lo:hi + 1], cols[lo:hi + 1]),
                               n - 1))
    if not ordered:
        _check_range(rows, n_rows, "row", lines, path)
        wide = n_rows * n_cols >= 2**62
        order = (np.lexsort((cols, rows)) if wide else
                 np.argsort(rows.astype(np.int64) * n_cols + cols, kind="stable"))
        r2, c2 = rows[order], cols[order]
        same = (r2[1:] == r2[:-1]) & (c2[1:] == c2[:-1])
        if same.any():
            k = int(np.flatnonzero(same)[0])
            a, b = sorted((int(order[k]), int(order[k + 1])))
            fail(path, lines[b], f"duplicate edge ({int(rows[b]) + 1}, "
                 f"{int(cols[b]) + 1}), first given on line {lines[a]}")
        rows, cols = r2, c2
    if n:
        ends = np.array([0, n - 1])
        _check_range(rows[ends], n_rows, "row", ends, path, lines)  # rows are sorted
        if not checked:
            _check_range(cols, n_cols, "column", lines, path)
    kind = rows.dtype if n_rows < np.iinfo(rows.dtype).max else np.int64
    needles = np.arange(n_rows + 1, dtype=kind)
    # each row pointer is a binary search (~20 cache misses): worth a thread from 2**16 rows
    indptr = np.concatenate(_in_parallel(lambda lo, hi: np.searchsorted(rows, needles[lo:hi]),
                                         n_rows + 1, 1 << 16))
    return csr_from_parts((n_rows, n_cols), indptr, cols)


def _check_range(arr, limit, what, lines, path, outer=None):
    """Indices in ``0 .. limit - 1``; entry ``k`` is on ``lines[k]`` (or ``outer[lines[k]]``)."""
    if len(arr) and (int(arr.min()) < 0 or int(arr.max()) >= limit):
        k = int(np.flatnonzero((arr < 0) | (arr >= limit))[0])
        line = lines[k] if outer is None else outer[int(lines[k])]
        fail(path, line, f"{what} index {int(arr[k]) + 1} is out of range: the layer "
             f"has {limit} {what}s (indices are 1-based, 1..{limit})")
