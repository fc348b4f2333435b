"""The challenge's input and truth files: sparse images and categories (``.tsv`` or ``.tsv.gz``).

* ``sparse-images-{N}.tsv``: one line ``image<TAB>feature<TAB>value`` per nonzero pixel,
  1-based image and feature ids (Kepner et al., *Sparse Deep Neural Network Graph
  Challenge*, arXiv:1909.05631; 60000 MNIST images for every ``N``).
* ``neuron{N}-l{L}-categories.tsv``: one 1-based image id a line, the images with any
  nonzero output after ``L`` layers (the truth of the challenge).

Parsing is vectorised NumPy (the TSV helpers of :mod:`topogen.export`); every error names the
file and the line.  Writers are atomic and write ``.gz`` when the name ends with ``.gz``.
"""

from __future__ import annotations

import contextlib
import gzip
import math
import numbers

import numpy as np
import scipy.sparse as sp

from .._checks import DEFAULT_MAX_EDGES, TopogenError, as_rng, check_density, check_int, check_path
from .._io import atomic_file
from ..export.files import parse_fields, parse_floats, parse_ints
from ..export.files._digits import digit_rows
from ..export.files._guard import fail
from ..export.files._tsv_read import text_of
from ..export.files.tsv import MAX_LINE_BYTES, read_capped_text

__all__ = ["check_images", "random_images", "read_categories", "read_images",
           "write_categories", "write_images"]

#: Lines formatted per chunk by the writers.
CHUNK_LINES = 1 << 18


def _read_text(path: str, max_lines: int, name: str):
    """The text of a regular file, gunzipped if it ends ``.gz``, of at most ``max_lines``
    lines: the bytes are capped while they are read (a gzip bomb is refused while it
    inflates) and the lines counted before they are parsed."""
    max_lines = check_int(name, max_lines, minimum=1)
    text = text_of(read_capped_text(path, path.endswith(".gz"), max_lines * MAX_LINE_BYTES + 1,
                                    what=f"{name}={max_lines:,} lines", fix=f"{name}="))
    n_lines = int(np.count_nonzero(text == 10)) + int(len(text) > 0 and text[-1] != 10)
    if n_lines > max_lines:
        fail(path, None, f"{n_lines:,} lines, more than {name}={max_lines:,}; pass a larger "
             f"{name}= if the file is genuine")
    return text


def _check_limit(name, value):
    return None if value is None else check_int(name, value, minimum=1)


def check_images(images, neurons: int | None) -> sp.csr_array:
    """``images`` as a canonical float32 CSR array of ``neurons`` columns, or a TopogenError.

    Parameters
    ----------
    images : scipy sparse matrix or 2-D array
        ``images x neurons``.
    neurons : int or None
        Required number of columns (None: any).

    Returns
    -------
    scipy.sparse.csr_array

    Raises
    ------
    TopogenError
        If ``images`` is not 2-D, has another number of columns, or holds NaN or infinity.

    Examples
    --------
    >>> check_images([[0, 1.0], [0, 0]], 2).nnz
    1
    """
    try:
        y = sp.csr_array(images, dtype=np.float32, copy=True)  # never change the caller's
    except (TypeError, ValueError) as exc:
        raise TopogenError(f"images must be a 2-D sparse matrix or array, got "
                           f"{type(images).__name__}: {exc}") from None
    if y.ndim != 2:
        raise TopogenError(f"images must be 2-D (images x neurons), got shape {y.shape}")
    if neurons is not None and y.shape[1] != neurons:
        raise TopogenError(f"images have {y.shape[1]} features but the network's first layer "
                           f"has {neurons} neurons; they must be equal")
    if not np.all(np.isfinite(y.data)):
        raise TopogenError("images hold NaN or infinite values; every value must be finite")
    y.sum_duplicates()
    y.eliminate_zeros()
    return y


def read_images(path, *, neurons: int | None = None, n_images: int | None = None,
                max_pixels: int = DEFAULT_MAX_EDGES):
    """Read a ``sparse-images-{N}.tsv`` file into an ``images x neurons`` float32 CSR array.

    Parameters
    ----------
    path : str or os.PathLike
        ``image<TAB>feature<TAB>value`` lines, 1-based ids; ``.gz`` is read gunzipped.
    neurons : int, optional
        Width of the network's first layer: a feature above it is an error.  Default: the
        largest feature id in the file.
    n_images : int, optional
        Number of images (rows): an image id above it is an error.  Default: the largest
        image id in the file (images after it with no pixels have no row).
    max_pixels : int, default ``DEFAULT_MAX_EDGES`` (2**28)
        Largest number of pixel lines, and of rows or columns the ids may ask for: the text
        (after gunzipping) may not exceed what that many lines can fill, so a small
        hostile file cannot take the memory.

    Returns
    -------
    scipy.sparse.csr_array
        float32, canonical (sorted, no duplicates, no stored zeros): row ``i`` is image
        ``i + 1``.

    Raises
    ------
    TopogenError
        Naming the file and line: a line without three fields, a non-integer or zero id, a
        feature above ``neurons``, an image above ``n_images``, a value that is not a finite
        number, a pixel given twice; or a file (or its inflated text) or an id beyond
        ``max_pixels``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "sparse-images-4.tsv")
    >>> _ = open(path, "w").write("1\\t2\\t1\\n3\\t4\\t0.5\\n")
    >>> read_images(path, neurons=4).toarray()
    array([[0. , 1. , 0. , 0. ],
           [0. , 0. , 0. , 0. ],
           [0. , 0. , 0. , 0.5]], dtype=float32)
    """
    path = check_path("path", path)
    neurons = _check_limit("neurons", neurons)
    n_images = _check_limit("n_images", n_images)
    data, starts, ends, lines = parse_fields(_read_text(path, max_pixels, "max_pixels"), 3, path)
    rows = parse_ints(data, starts[:, 0], ends[:, 0], lines, path, "image id")
    cols = parse_ints(data, starts[:, 1], ends[:, 1], lines, path, "feature id")
    vals = parse_floats(data, starts[:, 2], ends[:, 2], lines, path)
    for ids, limit, what, name in ((rows, n_images, "image id", "n_images"),
                                   (cols, neurons, "feature id", "neurons")):
        bad = np.flatnonzero(ids < 1)
        if len(bad):
            fail(path, int(lines[bad[0]]), f"{what} 0 is out of range (ids are 1-based)")
        if limit is not None:
            bad = np.flatnonzero(ids > limit)
            if len(bad):
                k = int(bad[0])
                fail(path, int(lines[k]), f"{what} {int(ids[k])} is beyond {name}={limit}")
    for ids, limit, what in ((rows, n_images, "image id"), (cols, neurons, "feature id")):
        if limit is None and len(ids) and int(ids.max()) > max_pixels:  # rows to allocate
            k = int(np.argmax(ids))
            fail(path, int(lines[k]), f"{what} {int(ids[k]):,} is above max_pixels="
                 f"{max_pixels:,} (it would allocate that many rows or columns): a wrong "
                 "file, or pass a larger max_pixels= if it is genuine")
    n_rows = n_images if n_images is not None else int(rows.max(initial=0))
    n_cols = neurons if neurons is not None else int(cols.max(initial=0))
    key = (rows - 1) * n_cols + (cols - 1)
    order = None
    if len(key) > 1 and not np.all(key[1:] > key[:-1]):
        order = np.argsort(key, kind="stable")
        key = key[order]
    dup = np.flatnonzero(key[1:] == key[:-1]) if len(key) > 1 else ()
    if len(dup):
        k = int(dup[0])
        a, b = (k, k + 1) if order is None else (int(order[k]), int(order[k + 1]))
        fail(path, int(lines[b]), f"pixel (image {int(rows[b])}, feature {int(cols[b])}) is "
              f"given twice, first on line {int(lines[a])}")
    if order is not None:
        rows, cols, vals = rows[order], cols[order], vals[order]
    keep = vals != 0
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep] - 1, minlength=n_rows), out=indptr[1:])
    itype = np.int32 if max(n_cols, int(keep.sum())) < 2**31 - 1 else np.int64
    out = sp.csr_array((vals[keep].astype(np.float32), (cols[keep] - 1).astype(itype),
                        indptr.astype(itype)), shape=(n_rows, n_cols))
    out.has_canonical_format = True
    return out


def read_categories(path, *, n_images: int | None = None,
                    max_ids: int = DEFAULT_MAX_EDGES) -> np.ndarray:
    """Read a ``neuron{N}-l{L}-categories.tsv`` truth file: sorted 1-based image ids.

    Parameters
    ----------
    path : str or os.PathLike
        One image id a line (``.gz`` is read gunzipped); an empty file means no image.
    n_images : int, optional
        Number of images: an id above it is an error.
    max_ids : int, default ``DEFAULT_MAX_EDGES`` (2**28)
        Largest number of lines: the text (after gunzipping) may not exceed what that many
        lines can fill.

    Returns
    -------
    numpy.ndarray
        int64, sorted ascending.

    Raises
    ------
    TopogenError
        Naming the file and line: a line that is not one integer, an id of 0 or above
        ``n_images``, an id given twice.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "neuron4-l2-categories.tsv")
    >>> _ = open(path, "w").write("1\\n3\\n")
    >>> read_categories(path, n_images=3).tolist()
    [1, 3]
    """
    path = check_path("path", path)
    n_images = _check_limit("n_images", n_images)
    data, starts, ends, lines = parse_fields(_read_text(path, max_ids, "max_ids"), 1, path)
    ids = parse_ints(data, starts[:, 0], ends[:, 0], lines, path, "image id")
    bad = np.flatnonzero((ids < 1) | (ids > (n_images or np.iinfo(np.int64).max)))
    if len(bad):
        k = int(bad[0])
        limit = f"1..{n_images}" if n_images is not None else "1 or more"
        fail(path, int(lines[k]), f"image id {int(ids[k])} is out of range (ids are {limit})")
    order = np.argsort(ids, kind="stable")
    same = np.flatnonzero(ids[order][1:] == ids[order][:-1])
    if len(same):
        k = int(order[same[0] + 1])
        fail(path, int(lines[k]), f"image id {int(ids[k])} is given twice")
    return ids[order]


def _digits(values: np.ndarray) -> np.ndarray:
    """Non-negative ints as right-aligned decimal text, NUL-padded: an ``(n, width)`` uint8."""
    width = len(str(int(values.max()))) if len(values) else 1
    return digit_rows(values, width, b"")


def _text_table(strings: list[bytes]) -> np.ndarray:
    width = max(map(len, strings), default=1)
    table = np.zeros((len(strings), width), dtype=np.uint8)
    for i, s in enumerate(strings):
        table[i, :len(s)] = np.frombuffer(s, dtype=np.uint8)
    return table


def _tab(n: int, ch: bytes) -> np.ndarray:
    return np.full((n, 1), ord(ch), dtype=np.uint8)


def _value_strings(values: np.ndarray) -> tuple[list[bytes], np.ndarray]:
    """Shortest float32 text of each distinct value, and each value's index into them."""
    uniq, inverse = np.unique(values, return_inverse=True)
    text = [np.format_float_positional(np.float32(v), trim="-").encode() for v in uniq]
    return text, inverse.ravel()


def _open_out(f, path):
    if path.endswith(".gz"):
        return gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="")
    return contextlib.nullcontext(f)


def write_images(images, path) -> None:
    """Write images as a ``sparse-images`` TSV file (``.gz`` if the name ends with it), atomically.

    Lines ``image<TAB>feature<TAB>value``, 1-based, sorted by image then feature; values
    in their shortest float32 text (``1``, ``0.5``).

    Parameters
    ----------
    images : scipy sparse matrix or 2-D array
        ``images x features``; its nonzero entries are written.
    path : str or os.PathLike
        The file.

    Raises
    ------
    TopogenError
        If ``images`` is not 2-D or holds a value that is not finite.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "sparse-images-3.tsv.gz")
    >>> write_images(np.array([[0, 1.5, 0], [2, 0, 0]]), path)
    >>> read_images(path, neurons=3).toarray()
    array([[0. , 1.5, 0. ],
           [2. , 0. , 0. ]], dtype=float32)
    """
    path = check_path("path", path)
    y = check_images(images, None)
    with atomic_file(path) as raw, _open_out(raw, path) as f:
        for lo in range(0, y.shape[0], max(1, CHUNK_LINES // max(1, y.shape[1]))):
            part = y[lo:lo + max(1, CHUNK_LINES // max(1, y.shape[1]))]
            if part.nnz == 0:
                continue
            rows = np.repeat(np.arange(lo + 1, lo + 1 + part.shape[0]), np.diff(part.indptr))
            text, code = _value_strings(part.data)
            n = len(rows)
            chars = np.hstack((_digits(rows), _tab(n, b"\t"), _digits(part.indices + 1),
                               _tab(n, b"\t"), _text_table(text)[code], _tab(n, b"\n")))
            f.write(chars[chars != 0].tobytes())


def write_categories(ids, path) -> None:
    """Write 1-based image ids one a line (a categories truth file), atomically.

    Parameters
    ----------
    ids : sequence of int
        Image ids ``>= 1``; written sorted.
    path : str or os.PathLike
        The file (``.gz`` if the name ends with it).

    Raises
    ------
    TopogenError
        If an id is not an integer ``>= 1`` or is given twice.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "neuron4-l2-categories.tsv")
    >>> write_categories([3, 1], path)
    >>> open(path).read()
    '1\\n3\\n'
    """
    path = check_path("path", path)
    arr = np.asarray(ids)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise TopogenError(f"ids must be a 1-D sequence of integers, got {arr.dtype} with "
                           f"shape {arr.shape}")
    arr = np.sort(arr.astype(np.int64))
    if arr.size and arr[0] < 1:
        raise TopogenError(f"ids must be 1-based image ids >= 1, got {int(arr[0])}")
    if arr.size > 1 and np.any(arr[1:] == arr[:-1]):
        k = int(np.flatnonzero(arr[1:] == arr[:-1])[0])
        raise TopogenError(f"ids must be distinct, got {int(arr[k])} twice")
    with atomic_file(path) as raw, _open_out(raw, path) as f:
        if arr.size:
            chars = np.hstack((_digits(arr), _tab(len(arr), b"\n")))
            f.write(chars[chars != 0].tobytes())


def random_images(n_images: int, neurons: int, *, density: float = 0.1, seed=None,
                  low: float = 1.0, high: float = 4.0):
    """Random sparse images for tests and benchmarks: ``density * neurons`` pixels each.

    Every image has ``round(density * neurons)`` distinct random features, all with one value
    drawn for that image uniformly from ``[low, high]``.  With the defaults, about half of
    the images keep a nonzero output through a 1024 x 120 challenge network and the others
    die out (images of value 1 at density 0.1 all die within three layers).

    Parameters
    ----------
    n_images, neurons : int
        Shape of the result.
    density : float
        Fraction of nonzero features per image, in ``(0, 1]``.
    seed : int, numpy.random.Generator or None
        Random seed.
    low, high : float
        Range of the per-image value, ``0 < low <= high``.

    Returns
    -------
    scipy.sparse.csr_array
        float32, canonical.

    Raises
    ------
    TopogenError
        For invalid sizes, density, range or seed.

    Examples
    --------
    >>> y = random_images(5, 100, seed=0)
    >>> y.shape, y.nnz
    ((5, 100), 50)
    """
    n_images = check_int("n_images", n_images, minimum=1)
    neurons = check_int("neurons", neurons, minimum=1)
    density = check_density("density", density)
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) \
                or v <= 0:
            raise TopogenError(f"{name} must be a finite number > 0, got {v!r}")
    if low > high:
        raise TopogenError(f"low must be <= high, got low={low!r}, high={high!r}")
    rng = as_rng(seed)
    k = max(1, round(density * neurons))
    step = max(1, (1 << 22) // neurons)  # rows of random keys drawn at a time
    cols = np.concatenate([
        np.sort(rng.random((min(step, n_images - lo), neurons)).argpartition(k - 1, axis=1)
                [:, :k], axis=1) for lo in range(0, n_images, step)])
    vals = np.repeat(rng.uniform(low, high, n_images).astype(np.float32), k)
    indptr = np.arange(0, n_images * k + 1, k, dtype=np.int64)
    out = sp.csr_array((vals, cols.ravel(), indptr), shape=(n_images, neurons))
    out.has_canonical_format = True
    return out
