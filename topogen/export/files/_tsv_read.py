"""Graph Challenge TSV text, read with vectorised NumPy (no loop over lines).

A fast path for well-formed files (tab, tab, newline on every line, indices of at most 8
digits): one pass finds the separators, the digits of each index are read as one unaligned
8-byte word and converted with SWAR arithmetic (Lemire, *Fast number parsing*), and a
constant value is compared as whole words, in 1 MiB chunks on a few threads.  Anything
else (spaces, CR, blank lines, long numbers, a malformed line) goes through the general
whitespace-separated parser of :mod:`._common`, which names the file and line of the first
problem.  Both paths end in the same checks (range, duplicates, values), so they accept
the same files and raise the same errors.
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from ...topology import csr_from_parts
from ._common import build_layer, parse_fields, parse_floats, parse_ints
from ._guard import fail

#: Bytes of text parsed per chunk by the fast reader (bounds its working memory).
CHUNK_BYTES = 1 << 20
#: Threads the fast reader parses chunks on (pyarrow.csv, the baseline, uses threads too).
THREADS = min(4, os.cpu_count() or 1)
_PAD = 8  # zero bytes before and after the text, so that 8-byte words never fall outside


def padded_buffer(size: int, reuse: np.ndarray | None = None) -> np.ndarray:
    """A uint8 buffer with room for ``size`` bytes of text between zero pads.

    ``reuse``, a buffer from an earlier call, is used again when it is large enough (reading
    layer after layer then touches the same memory instead of faulting in new pages).

    Parameters
    ----------
    size : int
        Bytes of text the buffer must hold.
    reuse : numpy.ndarray, optional
        Buffer (or a view of one) returned by an earlier call.

    Returns
    -------
    numpy.ndarray
        uint8 array of ``size`` + 16 bytes, the first and last 8 zero; the text goes in
        :func:`text_of` of it.

    >>> buf = padded_buffer(3)
    >>> text_of(buf)[:] = np.frombuffer(b"1 2", dtype=np.uint8)
    >>> len(buf), bytes(text_of(buf))
    (19, b'1 2')
    """
    if reuse is not None and reuse.base is not None:
        reuse = reuse.base
    if reuse is not None and len(reuse) >= size + 2 * _PAD:
        buf = reuse[:size + 2 * _PAD]
    else:
        buf = np.empty(size + 2 * _PAD, dtype=np.uint8)
    buf[:_PAD] = 0
    buf[-_PAD:] = 0
    return buf


def text_of(buf: np.ndarray) -> np.ndarray:
    """The text inside a :func:`padded_buffer`.

    Parameters
    ----------
    buf : numpy.ndarray
        A buffer from :func:`padded_buffer`.

    Returns
    -------
    numpy.ndarray
        A writable view of its bytes between the pads.
    """
    return buf[_PAD:len(buf) - _PAD]


_ZERO = np.uint64(0x3030303030303030)
_LOW = np.uint64(0x0F0F0F0F0F0F0F0F)
_SIX = np.uint64(0x0606060606060606)
_HIGH = np.uint64(0xF0F0F0F0F0F0F0F0)


def _words(buf: np.ndarray) -> np.ndarray:
    """Every unaligned little-endian 8-byte word of ``buf``: ``words[i] = buf[i:i + 8]``."""
    return np.ndarray((len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))


#: ``_MASKS[L]`` keeps the last ``L`` bytes of a little-endian word (0 < L <= 8).
_MASKS = np.array([0] + [(2**64 - 1) << (8 * (8 - k)) & (2**64 - 1) for k in range(1, 9)],
                  dtype=np.uint64)


def _swar_ints(ending: np.ndarray, starts: np.ndarray, ends: np.ndarray):
    """Decimal fields ``text[starts:ends]`` of 1..8 digits as int32, or None if any is not.

    ``ending[e]`` is the 8-byte word ending at ``e``: it is XOR-ed with ``'0'`` bytes (so
    digits become 0..9), the bytes before the field cleared, and the digits combined
    pairwise (Lemire's SWAR conversion).  Values above 2**31 - 1 cannot occur (8 digits).
    """
    length = ends - starts
    if len(length) and (int(length.min()) < 1 or int(length.max()) > 8):
        return None
    w = ending[ends]
    w ^= _ZERO
    w &= _MASKS[length]
    t = w + _SIX
    t |= w
    t &= _HIGH
    if t.any():
        return None
    for mask, mul, shift in _STEPS:
        np.bitwise_and(w, mask, out=t)
        np.multiply(t, mul, out=t)
        np.right_shift(t, shift, out=w)
    return w.astype(np.int32)


_STEPS = [(np.uint64(0x0F0F0F0F0F0F0F0F), np.uint64(2561), np.uint64(8)),
          (np.uint64(0x00FF00FF00FF00FF), np.uint64(6553601), np.uint64(16)),
          (np.uint64(0x0000FFFF0000FFFF), np.uint64(42949672960001), np.uint64(32))]


def _ref_words(ref: bytes):
    """``(first, last, mask)``: the words a value field equal to ``ref`` (1..16 bytes) has."""
    L = len(ref)
    padded = np.zeros(L + 16, dtype=np.uint8)
    padded[8:8 + L] = np.frombuffer(ref, dtype=np.uint8)
    ending = _words(padded)  # ending[e - 8] is the word ending at padded[e]
    mask = _MASKS[min(L, 8)]
    return ending[8] & (_MASKS[8] if L >= 8 else 0), ending[L] & mask, mask


def _same_text(ending, vends, L: int, ref_words) -> bool:
    """Whether every value field ``text[vends - L:vends]`` has the words ``ref_words``."""
    first, last, mask = ref_words
    w = ending[vends]
    if L < 8:
        w &= mask
    if not np.all(w == last):
        return False
    return L <= 8 or bool(np.all(ending[vends - (L - 8)] == first))


def _fast_chunk(buf, words, lo: int, hi: int, ref):
    """Parse ``text[lo:hi]`` (whole lines, tabs only); None where the fast path does not apply.

    Returns ``(rows, cols, values)``: ``values`` is None when every value field equals
    ``ref`` (a ``(text, words)`` pair; checked as whole words), else the ``(starts, ends)``
    of the value fields in ``buf``.
    """
    text = buf[_PAD + lo:_PAD + hi]
    ending = words[lo:]  # ending[e]: the 8 bytes ending at text[e] (the pad covers e < 8)
    seps = np.flatnonzero(text < 33)  # any whitespace or control byte
    n = len(seps) // 3
    if len(seps) != 3 * n or n == 0:
        return None
    tab1, tab2, newline = seps.reshape(n, 3).T.copy()  # contiguous columns gather faster
    del seps
    if not (np.all(text[tab1] == 9) and np.all(text[tab2] == 9)
            and np.all(text[newline] == 10)):
        return None
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    np.add(newline[:-1], 1, out=starts[1:])
    rows = _swar_ints(ending, starts, tab1)
    if rows is None:
        return None
    np.add(tab1, 1, out=starts)
    cols = _swar_ints(ending, starts, tab2)
    if cols is None:
        return None
    tab2 += 1  # the value fields: text[tab2:newline]
    if ref is not None:
        L = len(ref[0])
        np.subtract(newline, tab2, out=starts)
        if np.all(starts == L) and _same_text(ending, newline, L, ref[1]):
            return rows, cols, None
    tab2 += _PAD + lo
    newline += _PAD + lo
    return rows, cols, (tab2, newline)


def _line_end(text: np.ndarray, pos: int) -> int:
    """The end of the line holding ``text[pos - 1]`` (just after its newline)."""
    step = 256
    while pos < len(text):
        nl = np.flatnonzero(text[pos - 1:pos - 1 + step] == 10)
        if len(nl):
            return pos + int(nl[0])
        pos, step = pos + step, step * 2
    return len(text)


def _map_chunks(buf, words, bounds, ref, threads):
    """:func:`_fast_chunk` over every chunk, on up to ``threads`` threads (NumPy releases
    the GIL in its loops, so the chunks run in parallel); None if any chunk is not simple."""
    threads = min(threads, len(bounds))
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(lambda b: _fast_chunk(buf, words, b[0], b[1], ref), bounds))
    else:
        parts = [_fast_chunk(buf, words, lo, hi, ref) for lo, hi in bounds]
    return None if any(p is None for p in parts) else parts


def _fast_parse(buf: np.ndarray, threads: int = THREADS):
    """The fast path over a whole padded buffer: ``(rows, cols, value_text, fields)`` or None.

    ``value_text`` is the one value text of every line (then ``fields`` is None), else
    ``fields`` are the ``(starts, ends)`` of every value field.
    """
    text = text_of(buf)
    size = len(text)
    if size == 0 or text[-1] != 10:
        return None
    first = bytes(text[:min(size, 128)]).split(b"\n", 1)[0].split(b"\t")
    ref = first[2] if len(first) == 3 and 1 <= len(first[2]) <= 16 else None
    ref = None if ref is None else (ref, _ref_words(ref))
    words = _words(buf)
    bounds, lo = [], 0
    while lo < size:
        hi = _line_end(text, min(lo + CHUNK_BYTES, size))
        bounds.append((lo, hi))
        lo = hi
    parts = _map_chunks(buf, words, bounds, ref, threads)
    if parts is None:
        return None
    if ref is not None and any(p[2] is not None for p in parts):  # values differ: keep them
        ref = None
        parts = _map_chunks(buf, words, bounds, None, threads)
    if len(parts) == 1:
        rows, cols, fields = parts[0]
    else:
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] for p in parts])
        fields = None if ref is not None else tuple(
            np.concatenate([p[2][k] for p in parts]) for k in (0, 1))
    return rows, cols, None if ref is None else ref[0], fields


def parse_tsv(buf: np.ndarray, shape, path: str, weights: bool = True,
              threads: int = THREADS):
    """Parse one layer file held in a :func:`padded_buffer`.

    Returns ``(layer, weights, value)``: the canonical boolean layer, its weights as a
    read-only float32 array in CSR order (None unless ``weights``), and the value if every
    line carries the same one (else None).

    Parameters
    ----------
    buf : numpy.ndarray
        A :func:`padded_buffer` holding the file's text (lines ``row<TAB>col<TAB>value``,
        1-based indices).
    shape : (int, int)
        ``(n_rows, n_cols)`` the layer must have.
    path : str
        File name for error messages.
    weights : bool, default True
        Also return the per-edge values as float32 weights.
    threads : int, default :data:`THREADS`
        Threads that parse the file's 1 MiB chunks (1 when files are read in parallel).

    Raises
    ------
    TopogenError
        Naming ``path`` and the line of the first malformed line, bad number, index out of
        range or duplicate edge.

    >>> text = b"1\\t2\\t0.5\\n2\\t1\\t0.5\\n"
    >>> buf = padded_buffer(len(text))
    >>> text_of(buf)[:] = np.frombuffer(text, dtype=np.uint8)
    >>> layer, w, value = parse_tsv(buf, (2, 2), "l.tsv")
    >>> layer.toarray().astype(int).tolist(), w.tolist(), value
    ([[0, 1], [1, 0]], [0.5, 0.5], 0.5)
    """
    fast = _fast_parse(buf, threads)
    if fast is not None:
        rows, cols, ref, fields = fast
        lines = np.arange(1, len(rows) + 1, dtype=np.int64)
        if ref is not None:
            value = float(parse_floats(np.frombuffer(ref, dtype=np.uint8), np.zeros(1, np.int64),
                                       np.array([len(ref)]), lines[:1], path)[0])
            vals = None
        else:
            value, vals = None, parse_floats(buf, fields[0], fields[1], lines, path)
    else:
        data, starts, ends, lines = parse_fields(bytes(text_of(buf)), 3, path)
        rows = parse_ints(data, starts[:, 0], ends[:, 0], lines, path, "row index")
        cols = parse_ints(data, starts[:, 1], ends[:, 1], lines, path, "column index")
        vals = parse_floats(data, starts[:, 2], ends[:, 2], lines, path)
        value = None
    if vals is not None and len(vals) and np.all(vals == vals[0]):
        value, vals = float(vals[0]), None
    if (value is not None and value == 0) or (vals is not None and np.any(vals == 0)):
        k = 0 if vals is None else int(np.flatnonzero(vals == 0)[0])
        fail(path, int(lines[k]), "a stored zero value is not an edge; remove the line")
    layer, order = _layer(rows, cols, shape, lines, path)
    if not weights:
        return layer, None, value
    if vals is None:
        w = np.full(layer.nnz, np.nan if value is None else value, dtype=np.float32)
    else:
        w = vals.astype(np.float32)
        if order is not None:
            w = w[order]
    w.flags.writeable = False
    return layer, w, value


def _layer(rows, cols, shape, lines, path):
    """``(layer, order)``: the CSR layer and the line index of each of its entries (or None).

    The official column-major order is a CSC layer, transposed by SciPy's C routine;
    topogen's row-major order is the CSR layer itself; any other order is sorted.
    """
    n_rows, n_cols = shape
    n = len(rows)
    if n and (int(rows.min()) >= 1 and int(rows.max()) <= n_rows
              and int(cols.min()) >= 1 and int(cols.max()) <= n_cols):
        key = cols.astype(np.int64)
        key *= n_rows
        key += rows
        if np.all(key[1:] > key[:-1]):  # the official order: CSC, then transpose
            del key
            indptr = np.searchsorted(cols, np.arange(1, n_cols + 2), side="left")
            itype = np.int32 if max(n_rows, n_cols, n) < 2**31 - 1 else np.int64
            r = rows.astype(itype)
            r -= 1
            csc = sp.csc_array((np.arange(n, dtype=itype), r, indptr.astype(itype)),
                               shape=shape)
            csr = csc.tocsr()
            return csr_from_parts(shape, csr.indptr, csr.indices), csr.data
        key = rows.astype(np.int64)
        key *= n_cols
        key += cols
        if np.all(key[1:] > key[:-1]):
            del key
            indptr = np.searchsorted(rows, np.arange(1, n_rows + 2), side="left")
            c = cols.astype(np.int64)
            c -= 1
            return csr_from_parts(shape, indptr, c), None
    # any other order, or a problem to report: the general builder (sorts, names lines)
    r = rows.astype(np.int64) - 1
    c = cols.astype(np.int64) - 1
    layer = build_layer(r, c, shape, lines, path)
    if n < 2:
        return layer, None
    return layer, np.argsort(r * n_cols + c, kind="stable")
