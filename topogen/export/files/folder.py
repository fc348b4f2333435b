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
import re
import shutil
import stat
import tempfile
import zlib

import scipy.sparse as sp

from ..._checks import DEFAULT_MAX_EDGES, TopogenError
from ..._io import default_mode, fsync_dir
from ..._progress import Progress
from ...topology import check_meta
from ._common import (
    GRAPH_CHALLENGE_VALUE,
    check_value,
    fail,
    format_pairs,
    row_chunks,
    value_text,
)
from ._tsv_text import DIALECTS, tsv_chunks
from ._tsv_text import value_text as tsv_value_text

#: Name of the side file of a one-file-per-layer folder.
SIDECAR = "topogen.json"
#: File names of the layers of a folder: ``n{N}-l{k}.tsv`` (or ``.tsv.gz``) or ``.mtx``.
LAYER_FILE = re.compile(r"^n(\d+)-l(\d+)\.(tsv|mtx)(\.gz)?$")
#: Largest ``topogen.json`` read (it holds a few numbers per layer and the meta).
SIDECAR_MAX_BYTES = 64 << 20


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


def layer_file_name(kind: str, n_in: int, index: int, compression: str | None = None) -> str:
    """``n{n_in}-l{index + 1}.{kind}``: the Graph Challenge naming (1-based layer numbers)."""
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

    With ``compression="gzip"`` the text is gzip-compressed; size and CRC are the text's.
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
    if crc is not None and zlib.crc32(buf) != crc:
        fail(path, None, f"the contents differ from the CRC-32 recorded in {SIDECAR} (the "
             "file was altered or truncated)")


def write_tsv_layer(f, layer: sp.csr_array, text: bytes | None, dialect: str = "official",
                    weights=None) -> int:
    """Write ``layer`` as Graph Challenge TSV lines carrying ``text`` (or per-edge
    ``weights``) in the line order of ``dialect``; return the bytes."""
    written = 0
    for out in tsv_chunks(layer, dialect, text, weights):
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
                 prepare=None, dialect: str = "official", weights=None,
                 compression: str | None = None) -> dict:
    """Write canonical layers one file each (``kind="tsv"`` or ``"mtx"``), atomically.

    The one writing loop behind :func:`topogen.export.write_graph_challenge`,
    :func:`topogen.export.write_mtx` and :func:`topogen.export.stream_layers`: each layer is
    written and released before the next is requested.  ``folder`` must already be checked;
    ``prepare(i, raw)``, if given, turns each item of ``layers`` into a canonical CSR layer.
    ``value`` defaults, for TSV, to ``meta["value"]`` (the value a folder was read with) or
    :data:`GRAPH_CHALLENGE_VALUE`, and to a pattern file for Matrix Market.  TSV also takes
    ``dialect`` (line layout), ``weights`` (one float array per layer, in CSR order, instead
    of ``value``) and ``compression`` (None or ``"gzip"``).  Returns ``widths``,
    ``layer_nnz``, ``nnz`` and ``bytes`` (text written).
    """
    meta = check_meta(meta)
    if kind == "tsv":
        if dialect not in DIALECTS:
            raise TopogenError(f"dialect must be one of {', '.join(map(repr, DIALECTS))}, got "
                               f"{dialect!r}")
        if compression not in (None, "gzip"):
            raise TopogenError(f"compression must be None or 'gzip', got {compression!r}")
        if weights is not None and value is not None:
            raise TopogenError("pass value= (one weight for every edge) or weights= (one "
                               "array per layer), not both")
        if weights is None:
            value = meta.get("value", GRAPH_CHALLENGE_VALUE) if value is None else value
            value = check_value(value)
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


# ============================================================================ reading
def open_regular(path: str):
    """Open ``path`` for binary reading if it is a regular file; return ``(file, size)``.

    A FIFO, device or folder is refused at once (opened non-blocking, so that a FIFO with
    no writer cannot hang the reader).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise TopogenError(f"cannot read {path}: {exc.strerror or exc}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise TopogenError(f"cannot read {path}: not a regular file")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), st.st_size


def _sidecar_doc(side: str) -> dict:
    f, size = open_regular(side)
    with f:
        if size > SIDECAR_MAX_BYTES:
            raise TopogenError(f"{side}: {size:,} bytes, more than a {SIDECAR} holds "
                               f"(at most {SIDECAR_MAX_BYTES:,}); it is not topogen's")
        raw = f.read(SIDECAR_MAX_BYTES + 1)
    try:
        doc = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TopogenError(f"{side}: not valid JSON ({exc})") from None
    except RecursionError:
        raise TopogenError(f"{side}: JSON nested too deeply to be a {SIDECAR}") from None
    if not isinstance(doc, dict) or doc.get("format") != "topogen-layers":
        raise TopogenError(f"{side}: not a topogen layers file")
    return doc


def _is_count(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def check_declared(where: str, widths, nnz, max_edges) -> None:
    """Refuse, before allocating, layers whose declared size exceeds ``max_edges``.

    Reading allocates a row pointer per source neuron and an index per edge, so both the
    edges and the neurons of all layers are counted against the cap.
    """
    from ..._checks import check_int

    max_edges = check_int("max_edges", max_edges, minimum=1)
    rows = sum(widths[:-1])
    edges = sum(k for k in nnz if k is not None)
    if rows > max_edges or edges > max_edges:
        what = f"{edges:,} edges" if edges > max_edges else f"{rows:,} source neurons"
        raise TopogenError(f"{where}: the layers declare {what}, above max_edges="
                           f"{max_edges:,}; pass a larger max_edges= if the folder is "
                           "genuine and you have the memory")
    for i, k in enumerate(nnz):
        if k is not None and k > widths[i] * widths[i + 1]:
            raise TopogenError(f"{where}: layer {i + 1} declares {k:,} edges but is only "
                               f"{widths[i]} x {widths[i + 1]}")


def folder_files(folder: str, kind: str, *, compression: str | None = "infer",
                 max_edges: int = DEFAULT_MAX_EDGES):
    """The layer files of a folder: from topogen.json if present, else by challenge naming.

    Returns ``(widths, layer_nnz, files, meta, doc)`` (``layer_nnz`` and ``doc`` are None
    for a folder without ``topogen.json``).  Everything declared (widths, edge counts,
    layer numbers in file names) is checked against ``max_edges`` and against the files
    present before anything is allocated.  ``compression`` says which TSV files to take:
    ``None`` plain ``.tsv`` only, ``"gzip"`` ``.tsv.gz`` only, ``"infer"`` either (one per
    layer).
    """
    if compression not in (None, "gzip", "infer"):
        raise TopogenError(f"compression must be None, 'gzip' or 'infer', got {compression!r}")
    side = os.path.join(folder, SIDECAR)
    if os.path.lexists(side):
        doc = _sidecar_doc(side)
        if doc.get("kind") != kind:
            raise TopogenError(f"{side}: the folder holds format {doc.get('kind')!r}, "
                               f"not {kind!r}; load it with format={doc.get('kind')!r}")
        widths, nnz, files = doc.get("widths"), doc.get("layer_nnz"), doc.get("files")
        ok = (isinstance(widths, list) and len(widths) >= 2
              and all(_is_count(w) and w >= 1 for w in widths)
              and isinstance(nnz, list) and len(nnz) == len(widths) - 1
              and all(_is_count(k) and k >= 0 for k in nnz)
              and isinstance(files, list) and len(files) == len(nnz)
              and all(isinstance(n, str) and os.path.basename(n) == n and n not in ("", ".",
                      "..") for n in files))
        if not ok:
            raise TopogenError(f"{side}: invalid widths / layer_nnz / files entries")
        check_declared(side, widths, nnz, max_edges)
        gz = [n for n in files if n.endswith(".gz")]
        if gz and compression is None:
            raise TopogenError(f"{side}: the folder holds gzip files ({gz[0]}, ...) and "
                               "compression=None reads only plain ones; pass "
                               "compression='gzip' or 'infer'")
        if compression == "gzip" and len(gz) < len(files):
            plain = next(n for n in files if not n.endswith(".gz"))
            raise TopogenError(f"{side}: the folder holds plain files ({plain}, ...) and "
                               "compression='gzip' reads only .gz ones; pass "
                               "compression=None or 'infer'")
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
        crcs = doc.get("crc32")
        if not (isinstance(crcs, list) and len(crcs) == len(files)
                and all(_is_count(c) for c in crcs)):
            doc["crc32"] = [None] * len(files)
        return widths, nnz, files, meta, doc
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise TopogenError(f"cannot read the folder {folder}: {exc.strerror or exc}") from None
    found: dict[int, tuple[int, str]] = {}
    skipped = []  # .gz files that compression= says not to read
    for name in names:
        m = LAYER_FILE.match(name)
        if not m or m.group(3) != kind:
            continue
        zipped = m.group(4) is not None
        if (zipped and kind != "tsv") or (zipped and compression is None) or (
                not zipped and compression == "gzip"):
            skipped.append(name)
            continue
        k = int(m.group(2))
        if k in found:
            raise TopogenError(f"{folder}: two files for layer {k}: {found[k][1]} and {name}"
                               + ("; pass compression=None or 'gzip' to choose" if
                                  kind == "tsv" else ""))
        found[k] = (int(m.group(1)), name)
    note = ""
    if skipped:
        note = (f" (it also holds {len(skipped)} file(s) such as {sorted(skipped)[0]} that "
                f"compression={compression!r} does not read")
        note += "; pass compression='infer')" if kind == "tsv" else ")"
    if not found:
        raise TopogenError(f"{folder}: no layer files n<N>-l<k>.{kind} and no {SIDECAR}"
                           + note)
    for name in sorted(skipped):
        k = int(LAYER_FILE.match(name).group(2))
        if k not in found and kind == "tsv":
            raise TopogenError(f"{folder}: {name} holds layer {k}, which compression="
                               f"{compression!r} does not read; pass compression='infer'")
    layers = sorted(found)
    for expected, k in enumerate(layers, start=1):
        if k != expected:
            raise TopogenError(f"{folder}: layer file for layer {expected} is missing (found "
                               f"{len(layers)} layer files, numbered up to {layers[-1]})"
                               + note)
    names_n = [found[k][0] for k in layers]
    files = [found[k][1] for k in layers]
    if kind != "tsv":  # Matrix Market files carry their own shapes in their size lines
        check_declared(folder, [*names_n, 1], [None] * len(layers), max_edges)
        return names_n, None, files, {}, None
    sizes = set(names_n)
    if len(sizes) != 1:
        raise TopogenError(f"{folder}: layer files name different widths {sorted(sizes)[:4]} "
                           f"and there is no {SIDECAR} to give the shapes")
    widths = [names_n[0]] * (len(layers) + 1)
    if widths[0] < 1:
        raise TopogenError(f"{folder}: layer files name width 0; widths are >= 1")
    check_declared(folder, widths, [None] * len(layers), max_edges)
    return widths, None, files, {}, None
