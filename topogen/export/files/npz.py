"""The native ``.npz`` format: every layer's CSR arrays, widths, edge counts and meta."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import scipy.sparse as sp

from ..._checks import TopogenError, check_path
from ..._io import atomic_file
from ...topology import Topology, _canonical_problem, _csr_from_parts, check_topology

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
