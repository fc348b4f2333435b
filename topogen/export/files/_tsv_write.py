"""Graph Challenge TSV text, written with vectorised NumPy (no loop over edges).

The official layout (Kepner et al., *Sparse Deep Neural Network Graph Challenge*, HPEC
2019; checked against the challenge's ``neuron1024/n1024-l1.tsv``): one edge a line,
``row<TAB>col<TAB>value``, 1-based, LF, one trailing newline, no header, lines sorted by
column then by row, the value printed by C's ``%e`` (``6.250000e-02``).  The ``"rows"``
dialect is topogen's older one: sorted by row then column, the value in its shortest form.

Every field of a chunk of lines is laid side by side in a fixed-width byte matrix (numbers
right-aligned after NUL bytes, looked up in a table of all numbers up to the layer's width)
and the NULs are dropped.  A constant value is one precomputed byte string; per-edge values
are printed once per distinct value and gathered.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ..._checks import TopogenError
from ._common import CHUNK_EDGES, TABLE_MAX
from ._common import value_text as shortest_text
from ._digits import digit_rows, number_table

#: Line layouts ``write_graph_challenge(dialect=...)`` knows.
DIALECTS = ("official", "rows")


# ============================================================================ values as text
def value_text(value: float, dialect: str) -> bytes:
    """The text of one weight: ``%e`` (official) or the shortest round-trip form (rows).

    The official ``%e`` keeps 7 significant digits; a value it cannot hold exactly is
    refused rather than silently rounded.

    Parameters
    ----------
    value : float
        The constant edge value.
    dialect : {"official", "rows"}
        Line layout (see :data:`DIALECTS`).

    Returns
    -------
    bytes
        The text, without separators.

    Raises
    ------
    TopogenError
        If ``dialect="official"`` and ``%e`` would change the value.

    >>> value_text(1 / 16, "official"), value_text(1 / 16, "rows")
    (b'6.250000e-02', b'0.0625')
    """
    if dialect == "rows":
        return shortest_text(value)
    text = b"%e" % value
    if float(text) != value:
        raise TopogenError(
            f"value={value!r} has more significant digits than the official '%e' layout "
            f"holds ({text.decode()}); pass dialect='rows' to keep it exactly, or round it")
    return text


def _weights_table(weights: np.ndarray, dialect: str):
    """``(table, inverse)``: the text of each distinct weight (NUL-padded rows + LF)."""
    uniq, inverse = np.unique(weights, return_inverse=True)
    texts = []
    for w in uniq.tolist():  # one format per distinct value, not per edge
        if dialect == "rows":
            text = str(np.float32(w)).encode()
        else:
            text = b"%e" % w
            if np.float32(float(text)) != np.float32(w):
                raise TopogenError(
                    f"weight {w!r} has more significant digits than the official '%e' "
                    "layout holds; pass dialect='rows' to keep the weights exactly")
        if not math.isfinite(w) or w == 0:
            raise TopogenError(f"weights must be finite and nonzero, got {w!r}")
        texts.append(text)
    width = max(len(t) for t in texts) + 1
    table = np.zeros((len(texts), width), dtype=np.uint8)
    for k, t in enumerate(texts):
        table[k, width - len(t) - 1:width - 1] = np.frombuffer(t, dtype=np.uint8)
    table[:, -1] = 10
    return table, inverse.ravel()


# ============================================================================ writing
def _number_field(values: np.ndarray, n: int, tail: bytes) -> np.ndarray:
    """``str(v) + tail`` for 1-based ``values <= n`` as NUL-padded rows of a byte matrix."""
    if n <= TABLE_MAX:
        table = number_table(n, tail)
        return table.view(f"V{table.shape[1]}").ravel()[values - 1]
    out = digit_rows(values, len(str(n)), tail)
    return out.view(f"V{out.shape[1]}").ravel()


def _order(layer: sp.csr_array, dialect: str, weights):
    """``(indptr, minor, weights)`` in the line order of ``dialect`` (outer = major index)."""
    if dialect == "rows":
        return layer.indptr, layer.indices, weights
    if weights is None:
        csc = layer.tocsc()
        return csc.indptr, csc.indices, None
    pos = sp.csr_array((np.arange(layer.nnz, dtype=np.int64), layer.indices, layer.indptr),
                       shape=layer.shape).tocsc()
    pos.sort_indices()
    return pos.indptr, pos.indices, np.asarray(weights)[pos.data]


def tsv_chunks(layer: sp.csr_array, dialect: str, text: bytes | None = None, weights=None,
               chunk_edges: int = CHUNK_EDGES):
    """Yield the TSV text of a canonical layer as uint8 arrays of about ``chunk_edges`` lines.

    Parameters
    ----------
    layer : scipy.sparse.csr_array
        Canonical layer (sorted indices); rows are sources, columns targets.
    dialect : {"official", "rows"}
        Line order: by column then row (official), or by row then column.
    text : bytes, optional
        Value written on every line (from :func:`value_text`); used when ``weights`` is None.
    weights : array_like, optional
        One nonzero finite value per edge, in the layer's CSR order, written as float32.
    chunk_edges : int, default CHUNK_EDGES
        About this many lines per chunk (whole rows or columns).

    Yields
    ------
    numpy.ndarray
        uint8 text of consecutive lines, ``row<TAB>col<TAB>value<LF>``, 1-based.

    Raises
    ------
    TopogenError
        If a weight is zero or not finite, or (official) not exact in ``%e``.

    >>> layer = sp.csr_array(np.array([[0, 1], [1, 1]], dtype=bool))
    >>> b"".join(c.tobytes() for c in tsv_chunks(layer, "official", b"0.5"))
    b'2\\t1\\t0.5\\n1\\t2\\t0.5\\n2\\t2\\t0.5\\n'
    """
    n_rows, n_cols = layer.shape
    indptr, minor, weights = _order(layer, dialect, weights)
    n_major = n_rows if dialect == "rows" else n_cols
    if weights is not None:
        if not layer.nnz:
            return
        table, which = _weights_table(np.asarray(weights, dtype=np.float32), dialect)
        tail = b"\t"
    else:
        tail = b"\t" + text + b"\n"
    dtype = np.int64 if max(layer.shape) >= 2**31 else np.int32
    start = 0
    while start < n_major:
        stop = int(np.searchsorted(indptr, indptr[start] + chunk_edges, side="right")) - 1
        stop = min(max(stop, start + 1), n_major)
        lo, hi = int(indptr[start]), int(indptr[stop])
        if hi > lo:
            major = np.repeat(np.arange(start + 1, stop + 1, dtype=dtype),
                              np.diff(indptr[start:stop + 1]))
            other = minor[lo:hi].astype(dtype) + 1
            rows, cols = (major, other) if dialect == "rows" else (other, major)
            fields = [_number_field(rows, n_rows, b"\t"), _number_field(cols, n_cols, tail)]
            if weights is not None:
                fields.append(table.view(f"V{table.shape[1]}").ravel()[which[lo:hi]])
            lines = np.empty(hi - lo, dtype=[(f"f{k}", f.dtype) for k, f in enumerate(fields)])
            for k, f in enumerate(fields):
                lines[f"f{k}"] = f
            chars = lines.view(np.uint8)
            yield chars[chars != 0]
        start = stop
