"""One file per layer: the folder layout shared by Graph Challenge TSV and Matrix Market.

Atomic folders, the ``topogen.json`` side file, the layer file names, the per-layer text
writers and the one writing loop that :mod:`topogen.export.files` and
:mod:`topogen.export.stream` both use.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import zlib

import scipy.sparse as sp

from ..._checks import TopogenError
from ..._io import default_mode, fsync_dir
from ..._progress import Progress
from ...topology import check_meta
from ._common import (
    GRAPH_CHALLENGE_VALUE,
    check_value,
    fail,
    format_pairs,
    read_bytes,
    row_chunks,
    value_text,
)

#: Name of the side file of a one-file-per-layer folder.
SIDECAR = "topogen.json"
#: File names of the layers of a folder: ``n{N}-l{k}.tsv`` or ``.mtx``.
LAYER_FILE = re.compile(r"^n(\d+)-l(\d+)\.(tsv|mtx)$")


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
        fsync_dir(tmp)
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
        fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# ============================================================================ layer files
def sidecar(kind: str, topology_widths, layer_nnz, files, meta, **extra) -> bytes:
    doc = {"format": "topogen-layers", "version": 1, "kind": kind,
           "widths": list(map(int, topology_widths)), "layer_nnz": list(map(int, layer_nnz)),
           "files": list(files), **extra, "meta": meta}
    return json.dumps(doc, indent=1).encode()


def layer_file_name(kind: str, n_in: int, index: int) -> str:
    """``n{n_in}-l{index + 1}.{kind}``: the Graph Challenge naming (1-based layer numbers)."""
    return f"n{n_in}-l{index + 1}.{kind}"


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


def write_layer_file(folder: str, name: str, writer, layer) -> tuple[int, int]:
    """Write one layer file with ``writer(f, layer)``; return its size and CRC-32."""
    path = os.path.join(folder, name)
    with open(path, "wb") as raw:
        f = _Checksummed(raw)
        writer(f, layer)
        raw.flush()
        os.fsync(raw.fileno())
    return f.size, f.crc


def check_crc(path: str, buf: bytes, crc) -> None:
    if crc is not None and zlib.crc32(buf) != crc:
        fail(path, None, f"the contents differ from the CRC-32 recorded in {SIDECAR} (the "
             "file was altered or truncated)")


def write_tsv_layer(f, layer: sp.csr_array, text: bytes) -> int:
    """Write ``layer`` as Graph Challenge TSV lines carrying ``text``; return the bytes."""
    written = 0
    for rows, cols in row_chunks(layer, 1):
        out = format_pairs(rows, cols, *layer.shape, b"\t", b"\t" + text + b"\n")
        f.write(memoryview(out))
        written += len(out)
    return written


def write_mtx_layer(f, layer: sp.csr_array, text: bytes | None) -> int:
    """Write ``layer`` as a Matrix Market file (pattern if ``text`` is None); return the bytes."""
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
                 prepare=None) -> dict:
    """Write canonical layers one file each (``kind="tsv"`` or ``"mtx"``), atomically.

    The one writing loop behind :func:`topogen.export.write_graph_challenge`,
    :func:`topogen.export.write_mtx` and :func:`topogen.export.stream_layers`: each layer is
    written and released before the next is requested.  ``folder`` must already be checked;
    ``prepare(i, raw)``, if given, turns each item of ``layers`` into a canonical CSR layer.
    ``value`` defaults to :data:`GRAPH_CHALLENGE_VALUE` for TSV and to a pattern file for
    Matrix Market.  Returns ``widths``, ``layer_nnz``, ``nnz`` and ``bytes`` (text written).
    """
    if kind == "tsv":
        value = GRAPH_CHALLENGE_VALUE if value is None else value
    text = None if value is None else value_text(check_value(value))
    if kind == "tsv":
        def writer(f, layer):
            return write_tsv_layer(f, layer, text)
    else:
        def writer(f, layer):
            return write_mtx_layer(f, layer, text)
    widths: list[int] = []
    layer_nnz: list[int] = []
    files: list[str] = []
    crcs: list[int] = []
    total = 0
    meta = check_meta(meta)
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
            name = layer_file_name(kind, layer.shape[0], i)
            size, crc = write_layer_file(tmp, name, writer, layer)
            total += size
            crcs.append(crc)
            files.append(name)
            layer_nnz.append(int(layer.nnz))
            del layer, raw
            bar.update()
        if not files:
            raise TopogenError("layers is empty: a topology needs at least one layer")
        extra = {"value": float(value)} if value is not None else {}
        extra["crc32"] = crcs
        side = sidecar(kind, widths, layer_nnz, files, meta, **extra)
        with open(os.path.join(tmp, SIDECAR), "wb") as f:
            f.write(side)
            f.flush()
            os.fsync(f.fileno())
    return {"widths": widths, "layer_nnz": layer_nnz, "nnz": sum(layer_nnz), "bytes": total}


# ============================================================================ reading
def folder_files(folder: str, kind: str):
    """The layer files of a folder: from topogen.json if present, else by challenge naming."""
    side = os.path.join(folder, SIDECAR)
    if os.path.exists(side):
        try:
            doc = json.loads(read_bytes(side).decode())
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
        m = LAYER_FILE.match(name)
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
