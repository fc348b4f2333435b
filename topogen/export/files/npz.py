"""The native ``.npz`` format: every layer's CSR arrays, widths, edge counts and meta."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import scipy.sparse as sp

from ..._checks import DEFAULT_MAX_EDGES, TopogenError, check_int, check_path, fmt_value
from ..._io import atomic_file
from ...topology import Topology, canonical_problem, check_topology, csr_from_parts, trusted
from ._guard import check_read_size, load_json, open_regular

_NPZ_MAGIC = "topogen-npz"
_NPZ_VERSION = 1


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
        """Append the next layer's ``indptr_{i}`` and ``indices_{i}``.

        Parameters
        ----------
        layer : scipy.sparse.csr_array
            Canonical layer whose rows are the previous layer's columns.

        Raises
        ------
        TopogenError
            If ``layer`` does not chain with the previous one.
        """
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
        """Write ``format``, ``version``, ``widths``, ``layer_nnz`` and ``meta``; close.

        Parameters
        ----------
        meta : dict
            The topology's metadata, stored as JSON bytes.

        Raises
        ------
        TopogenError
            If no layer was added.

        Examples
        --------
        >>> import io, numpy as np, scipy.sparse as sp
        >>> buf = io.BytesIO()
        >>> w = NpzWriter(buf)
        >>> w.add(sp.csr_array(np.eye(2, dtype=bool)))
        >>> w.close({"name": "eye"})
        >>> sorted(np.load(io.BytesIO(buf.getvalue())).files)[:3], w.widths
        (['format', 'indices_0', 'indptr_0'], [2, 2])
        """
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

    Parameters
    ----------
    topology : Topology
        The network to write.
    path : str or os.PathLike
        The ``.npz`` file; an existing file is replaced atomically.

    Raises
    ------
    TopogenError
        If the write fails (the old file is then untouched).

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


_SMALL_MEMBER = 1 << 24  # format, version, widths, layer_nnz, meta: at most 16 MiB each


def _member_header(zf, info, path, key):
    """The ``(shape, dtype, header_bytes)`` of an ``.npy`` member, read without its data."""
    fmt = np.lib.format
    with zf.open(info) as m:
        version = fmt.read_magic(m)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(m)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(m)
        else:
            raise TopogenError(f"{path}: array {key!r} has .npy version {version}; topogen "
                               "reads versions 1.0 and 2.0")
        return shape, dtype, m.tell()


def _npz_array(zf, members, key, path, dtype_kind="iu", length=None, small=False):
    """Read one 1-D array after checking its declared shape against the bytes in the zip.

    ``length``, if given, is the number of entries the array must have (from ``widths``
    and ``layer_nnz``); nothing is allocated before the header, the zip directory and
    ``length`` agree.
    """
    info = members.get(key + ".npy")
    if info is None:
        raise TopogenError(f"{path}: missing array {key!r}; this is not a complete topogen "
                           ".npz file")
    if small and info.file_size > _SMALL_MEMBER:
        raise TopogenError(f"{path}: array {key!r} takes {info.file_size:,} bytes, far more "
                           "than a topogen header array needs (altered file)")
    shape, dtype, offset = _member_header(zf, info, path, key)
    if dtype.hasobject or dtype.kind not in dtype_kind or len(shape) != 1:
        raise TopogenError(f"{path}: array {key!r} has dtype {dtype} and shape {shape}; "
                           "expected a 1-D integer array")
    if length is not None and shape[0] != length:
        return None, shape[0]  # the caller names the mismatch; nothing was read
    nbytes = shape[0] * dtype.itemsize
    if offset + nbytes != info.file_size:
        raise TopogenError(f"{path}: array {key!r} declares shape {shape} ({nbytes:,} bytes) "
                           f"but the zip holds {info.file_size - offset:,} bytes for it "
                           "(lying header or truncated file)")
    with zf.open(info) as m:
        m.read(offset)
        data = m.read(nbytes)
    if len(data) != nbytes:
        raise TopogenError(f"{path}: array {key!r} is truncated")
    arr = np.frombuffer(data, dtype=dtype)
    return (arr if dtype.isnative else arr.astype(dtype.newbyteorder("="))), shape[0]


def _npz_layer(zf, members, i, n_rows, n_cols, nnz, path) -> sp.csr_array:
    where = f"{path}: layer {i}"
    indptr, got = _npz_array(zf, members, f"indptr_{i}", path, length=n_rows + 1)
    if got != n_rows + 1:
        raise TopogenError(f"{where}: indptr has {got} entries, expected n_rows + 1 = "
                           f"{n_rows + 1} (wrong shape)")
    indptr = indptr.astype(np.int64, copy=False)
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise TopogenError(f"{where}: indptr is not a valid CSR row pointer "
                           f"(0 .. {int(indptr[-1])}, non-decreasing)")
    indices, got = _npz_array(zf, members, f"indices_{i}", path, length=int(indptr[-1]))
    if got != indptr[-1]:
        raise TopogenError(f"{where}: indptr is not a valid CSR row pointer "
                           f"(0 .. {got}, non-decreasing)")
    if len(indices) != nnz:
        raise TopogenError(f"{where}: {len(indices)} edges but layer_nnz says {nnz} "
                           "(truncated or inconsistent file)")
    if len(indices) and (indices.min() < 0 or indices.max() >= n_cols):
        raise TopogenError(f"{where}: a column index is out of range 0..{n_cols - 1}")
    problem = canonical_problem(indptr, indices)
    if problem:
        raise TopogenError(f"{where}: {problem}")
    return csr_from_parts((n_rows, n_cols), indptr, indices)


def _zip_members(zf, path, size) -> dict:
    """The members by name, refusing compressed or impossible ones before reading any."""
    members = {}
    for info in zf.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            raise TopogenError(f"{path}: member {info.filename!r} is compressed; topogen "
                               "reads uncompressed .npz files (as save_npz and numpy.savez "
                               "write them), so that memory is bounded by the file size")
        if info.file_size != info.compress_size or \
                info.header_offset + info.compress_size > size:
            raise TopogenError(f"{path}: member {info.filename!r} claims {info.file_size:,} "
                               f"bytes, more than the {size:,}-byte file holds (altered or "
                               "truncated file)")
        members[info.filename] = info
    return members


def load_npz(path, *, max_edges: int = DEFAULT_MAX_EDGES) -> Topology:
    """Read a native ``.npz`` file written by :func:`save_npz`, validating every array.

    The zip directory and each ``.npy`` header are checked against the bytes in the file,
    against each other (``widths`` and ``layer_nnz`` fix every array's length) and against
    the size cap before any array is read; no pickle is ever loaded.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.
    max_edges : int, default 2**28
        Size cap on the declared widths and edges (5 bytes per edge, 8 per neuron).

    Returns
    -------
    Topology

    Raises
    ------
    TopogenError
        If the file is missing or not a regular file, not a zip, compressed, truncated, not
        a topogen file, declares more than the cap or than the file holds, or any array is
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
    max_edges = check_int("max_edges", max_edges, minimum=1)
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        try:
            with zipfile.ZipFile(f) as zf:
                return _load_zip(zf, _zip_members(zf, path, size), path, max_edges)
        except TopogenError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError, TypeError,
                zipfile.LargeZipFile, RuntimeError, NotImplementedError, OverflowError,
                SyntaxError, UnicodeError) as exc:  # NumPy/zip errors on corrupt files
            raise TopogenError(f"{path}: not a readable .npz file ({type(exc).__name__}: "
                               f"{fmt_value(str(exc), 200)})") from None


def _load_zip(zf, members, path, max_edges) -> Topology:
    def small(key, kind="iu"):
        return _npz_array(zf, members, key, path, kind, small=True)[0]

    magic = small("format", "u").tobytes().decode("ascii", "replace")
    if magic != _NPZ_MAGIC:
        raise TopogenError(f"{path}: not a topogen .npz file (format {fmt_value(magic)})")
    version = small("version")
    if version.tolist() != [_NPZ_VERSION]:
        raise TopogenError(f"{path}: unsupported topogen .npz version "
                           f"{fmt_value(version.tolist())}; this topogen reads {_NPZ_VERSION}")
    widths = small("widths").tolist()
    layer_nnz = small("layer_nnz").tolist()
    if len(widths) < 2 or min(widths) < 1 or len(layer_nnz) != len(widths) - 1 or \
            min(layer_nnz) < 0:
        raise TopogenError(f"{path}: invalid widths {fmt_value(widths)} / layer_nnz "
                           f"{fmt_value(layer_nnz)}")
    check_read_size(path, sum(widths), sum(layer_nnz), max_edges)
    meta = load_json(small("meta", "u").tobytes(), path, "meta")
    layers = [_npz_layer(zf, members, i, widths[i], widths[i + 1], layer_nnz[i], path)
              for i in range(len(layer_nnz))]
    return trusted(layers, meta if isinstance(meta, dict) else {})
