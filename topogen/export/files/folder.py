"""One file per layer: the folder layout shared by Graph Challenge TSV and Matrix Market.

Atomic folders, the ``topogen.json`` side file, the layer file names, the per-layer text
writers and the one writing loop that :mod:`topogen.export.files` and
:mod:`topogen.export.stream` both use.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
import zlib

import scipy.sparse as sp

from ..._checks import TopogenError, check_option
from ..._io import default_mode, fsync_dir, remove_stale, temp_prefix, terminate_cleanly
from ..._progress import Progress
from ...topology import check_meta
from ._common import (
    GRAPH_CHALLENGE_VALUE,
    check_value,
    format_pairs,
    row_chunks,
    value_text,
)
from ._guard import fail
from ._tsv_write import DIALECTS, tsv_chunks
from ._tsv_write import value_text as tsv_value_text
from .listing import LAYER_FILE, SIDECAR, folder_files  # noqa: F401  (re-exported)


# ============================================================================ atomic writes
@contextlib.contextmanager
def atomic_folder(path: str):
    """Yield a temporary folder; on success it becomes ``path``.

    An existing ``path`` is replaced only if it is empty or holds nothing but what topogen
    wrote there: its ``topogen.json`` and the layer files that file lists.  A folder with
    any other entry (a user's ``NOTES.txt``, ``plots/``, a challenge download without
    ``topogen.json``) is refused with a one-line error before anything is written, so a
    write never deletes a file topogen did not write.  The old folder is replaced only
    after the new one is complete: it is renamed aside, the new folder renamed into place,
    and the old one deleted.  If the body raises (SIGINT and SIGTERM included), the
    temporary folder is deleted and ``path`` is untouched; temporaries that dead writers of
    ``path`` left behind are removed first (see :func:`topogen._io.remove_stale`).

    Parameters
    ----------
    path : str
        Folder to write (its parent must exist); the body fills the yielded temporary one.

    Raises
    ------
    TopogenError
        If the parent is missing, or ``path`` is a file or holds entries topogen did not write.
    """
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    name = os.path.basename(path)
    if not os.path.isdir(parent):
        raise TopogenError(f"cannot write {path}: folder {parent} does not exist")
    with terminate_cleanly():
        remove_stale(parent, name)
        if os.path.lexists(path):
            _check_replaceable(path)
        tmp = tempfile.mkdtemp(dir=parent, prefix=temp_prefix(name), suffix=".tmp")
        try:
            os.chmod(tmp, default_mode(directory=True))  # mkdtemp makes it owner-only
            yield tmp
            fsync_dir(tmp)
            if os.path.lexists(path):
                _check_replaceable(path)  # again: someone may have added a file meanwhile
                old = tempfile.mkdtemp(dir=parent, prefix=temp_prefix(name), suffix=".old")
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
            fsync_dir(parent)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def topogen_files(folder: str) -> set[str] | None:
    """The names topogen wrote in ``folder`` (its ``topogen.json`` and the files it lists).

    None if ``folder`` has no readable ``topogen.json`` of the layers format.

    Parameters
    ----------
    folder : str
    """
    from ._guard import load_json, read_bytes  # here: the import block is the readers'

    side = os.path.join(folder, SIDECAR)
    try:
        if not _regular(side) or os.path.getsize(side) > 64 << 20:
            return None
        doc = load_json(read_bytes(side), side, SIDECAR)
    except (OSError, TopogenError):
        return None
    files = doc.get("files") if isinstance(doc, dict) else None
    if doc.get("format") != "topogen-layers" or not isinstance(files, list):
        return None
    return {SIDECAR} | {f for f in files if isinstance(f, str) and os.path.basename(f) == f}


def _regular(path: str) -> bool:
    """A regular file, not a link to one."""
    return os.path.isfile(path) and not os.path.islink(path)


def _check_replaceable(path: str) -> None:
    """Refuse to replace ``path`` unless it is an empty folder or holds only topogen's files."""
    if os.path.islink(path) or not os.path.isdir(path):
        raise TopogenError(f"cannot write the folder {path}: a file of that name exists; "
                           "choose another name")
    entries = os.listdir(path)
    if not entries:
        return
    ours = topogen_files(path)
    if ours is None:
        raise TopogenError(
            f"refusing to replace {path}: it is a non-empty folder that topogen did not write "
            f"(no {SIDECAR}); write to a new folder, or empty this one"
        )
    foreign = sorted(e for e in entries if e not in ours
                     or not _regular(os.path.join(path, e)))
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3
                                          else "")
        raise TopogenError(
            f"refusing to replace {path}: it holds {len(foreign)} entr"
            f"{'y' if len(foreign) == 1 else 'ies'} topogen did not write ({shown}); write to "
            "a new folder, or move them out first"
        )


# ============================================================================ layer files
def sidecar(kind: str, topology_widths, layer_nnz, files, meta, **extra) -> bytes:
    """The ``topogen.json`` of a layers folder, as indented JSON bytes.

    Parameters
    ----------
    kind : {"tsv", "mtx"}
    topology_widths, layer_nnz, files : neurons per boundary, edges and file name per layer
    meta : dict, the topology's metadata
    **extra : further keys (``value``, ``dialect``, ``crc32``), written before ``meta``
    """
    doc = {"format": "topogen-layers", "version": 1, "kind": kind,
           "widths": list(map(int, topology_widths)), "layer_nnz": list(map(int, layer_nnz)),
           "files": list(files), **extra, "meta": meta}
    return json.dumps(doc, indent=1).encode()


def layer_file_name(kind: str, n_in: int, index: int, compression: str | None = None) -> str:
    """``n{n_in}-l{index + 1}.{kind}``: the Graph Challenge naming (1-based layer numbers).

    Parameters
    ----------
    kind : {"tsv", "mtx"}
    n_in, index : int, the layer's input neurons (rows) and 0-based index
    compression : {None, "gzip"}, optional; ``"gzip"`` appends ``.gz``

    >>> layer_file_name("tsv", 1024, 0), layer_file_name("tsv", 1024, 1, "gzip")
    ('n1024-l1.tsv', 'n1024-l2.tsv.gz')
    """
    return f"n{n_in}-l{index + 1}.{kind}" + (".gz" if compression == "gzip" else "")


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


def write_layer_file(folder: str, name: str, writer, layer,
                     compression: str | None = None) -> tuple[int, int]:
    """Write one layer file with ``writer(f, layer)``; return its text size and CRC-32.

    Parameters
    ----------
    folder, name : str, the file is ``folder/name``
    writer : callable, ``writer(f, layer)`` writes the text to ``f``
    layer : scipy.sparse.csr_array
    compression : {None, "gzip"}, optional; size and CRC are still the plain text's
    """
    path = os.path.join(folder, name)
    with open(path, "wb") as raw:
        if compression == "gzip":
            import gzip

            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz:
                f = _Checksummed(gz)
                writer(f, layer)
        else:
            f = _Checksummed(raw)
            writer(f, layer)
        raw.flush()
        os.fsync(raw.fileno())
    return f.size, f.crc


def check_crc(path: str, buf: bytes, crc) -> None:
    """Raise TopogenError naming ``path`` unless ``crc`` is None or the CRC-32 of ``buf``.

    Parameters
    ----------
    path : str
    buf : bytes, the file's uncompressed content
    crc : int or None, as recorded in ``topogen.json``
    """
    if crc is not None and zlib.crc32(buf) != crc:
        fail(path, None, f"the contents differ from the CRC-32 recorded in {SIDECAR} (the "
             "file was altered or truncated)")


def write_tsv_layer(f, layer: sp.csr_array, text: bytes | None, dialect: str = "official",
                    weights=None) -> int:
    """Write ``layer`` as Graph Challenge TSV lines; return the bytes written.

    Parameters
    ----------
    f : binary file object
    layer, text, dialect, weights : as for ``_tsv_write.tsv_chunks``
    """
    written = 0
    for out in tsv_chunks(layer, dialect, text, weights):
        f.write(memoryview(out))
        written += len(out)
    return written


def write_mtx_layer(f, layer: sp.csr_array, text: bytes | None) -> int:
    """Write ``layer`` as a Matrix Market file; return the bytes written.

    Parameters
    ----------
    f : binary file object
    layer : scipy.sparse.csr_array
    text : bytes or None, the value of every entry (None: a ``pattern`` file)
    """
    field = "pattern" if text is None else "real"
    header = (f"%%MatrixMarket matrix coordinate {field} general\n"
              f"% written by topogen: row = source neuron, column = target neuron\n"
              f"{layer.shape[0]} {layer.shape[1]} {layer.nnz}\n").encode()
    f.write(header)
    written = len(header)
    tail = b"\n" if text is None else b" " + text + b"\n"
    for rows, cols in row_chunks(layer, 1):
        out = format_pairs(rows, cols, *layer.shape, b" ", tail)
        f.write(memoryview(out))
        written += len(out)
    return written


def write_layers(layers, folder: str, *, kind: str, value=None, meta=None,
                 depth: int | None = None, progress: bool | None = None,
                 prepare=None, dialect: str = "official", weights=None,
                 compression: str | None = None) -> dict:
    """Write canonical layers one file each (``kind="tsv"`` or ``"mtx"``), atomically.

    The one writing loop behind :func:`topogen.export.write_graph_challenge`,
    :func:`topogen.export.write_mtx` and :func:`topogen.export.stream_layers`: each layer is
    written and released before the next is requested.  Returns ``widths``,
    ``layer_nnz``, ``nnz`` and ``bytes`` (text written).

    Parameters
    ----------
    layers : iterable of canonical CSR layers (or of items ``prepare`` turns into them)
    folder : str, already checked
    kind : {"tsv", "mtx"}
    value : float, optional
        Weight of every edge.  TSV default: ``meta["value"]`` (the value a folder was read
        with), ``meta["weight"]`` or :data:`GRAPH_CHALLENGE_VALUE`; mtx: a pattern file.
    meta : dict, optional
    depth, progress : layer count for the progress bar, and whether to show it
    prepare : callable, optional; ``prepare(i, raw)`` returns layer ``i`` in canonical CSR
    dialect : {"official", "rows"}, default "official"; TSV line layout
    weights : sequence of float arrays, optional; TSV per-edge values in CSR order
    compression : {None, "gzip"}, optional; TSV only

    Raises
    ------
    TopogenError
        On a bad option, no layers, layers that do not chain, or a failed write.
    """
    meta = check_meta(meta)
    if kind == "tsv":
        dialect = check_option("dialect", dialect, DIALECTS)
        compression = check_option("compression", compression, (None, "gzip"))
        if weights is not None and value is not None:
            raise TopogenError("pass value= (one weight for every edge) or weights= (one "
                               "array per layer), not both")
        if weights is None:
            key = next((k for k in ("value", "weight") if k in meta), None)
            if value is None and key is not None:  # read from a folder, or a challenge net
                try:
                    value = check_value(meta[key])
                except TopogenError:
                    raise TopogenError(f"meta[{key!r}] must be the finite nonzero weight of "
                                       f"every edge, got {meta[key]!r}; pass value=") from None
            value = check_value(GRAPH_CHALLENGE_VALUE if value is None else value)
            text = tsv_value_text(value, dialect)
            meta["value"] = value
        else:
            text = None
            meta.pop("value", None)
            weights = list(weights)

        def writer(f, layer, i):
            w = None
            if weights is not None:
                if i >= len(weights) or len(weights[i]) != layer.nnz:
                    raise TopogenError(f"weights[{i}] must hold one value per edge of layer "
                                       f"{i} ({layer.nnz}), in CSR order")
                w = weights[i]
            return write_tsv_layer(f, layer, text, dialect, w)
    else:
        if compression is not None:
            raise TopogenError(f"compression={compression!r} is for Graph Challenge TSV "
                               "folders; Matrix Market folders are written plain")
        text = None if value is None else value_text(check_value(value))

        def writer(f, layer, i):
            return write_mtx_layer(f, layer, text)
    widths: list[int] = []
    layer_nnz: list[int] = []
    files: list[str] = []
    crcs: list[int] = []
    total = 0
    with atomic_folder(folder) as tmp, Progress(depth or 0, f"writing {kind}",
                                                enabled=progress) as bar:
        for i, raw in enumerate(layers):
            layer = raw if prepare is None else prepare(i, raw)
            if widths and layer.shape[0] != widths[-1]:
                raise TopogenError(
                    f"layer {i} has shape {layer.shape} but layer {i - 1} has {widths[-1]} "
                    "columns; consecutive layers must chain"
                )
            if not widths:
                widths.append(int(layer.shape[0]))
            widths.append(int(layer.shape[1]))
            name = layer_file_name(kind, layer.shape[0], i, compression)
            size, crc = write_layer_file(tmp, name, functools.partial(writer, i=i), layer,
                                         compression)
            total += size
            crcs.append(crc)
            files.append(name)
            layer_nnz.append(int(layer.nnz))
            del layer, raw
            bar.update()
        if not files:
            raise TopogenError("layers is empty: a topology needs at least one layer")
        extra = {"value": float(value)} if value is not None else {}
        if kind == "tsv":
            extra["dialect"] = dialect
        extra["crc32"] = crcs
        side = sidecar(kind, widths, layer_nnz, files, meta, **extra)
        with open(os.path.join(tmp, SIDECAR), "wb") as f:
            f.write(side)
            f.flush()
            os.fsync(f.fileno())
    return {"widths": widths, "layer_nnz": layer_nnz, "nnz": sum(layer_nnz), "bytes": total}
