"""One file per layer, read side: the layer files of a folder and its ``topogen.json``.

Everything a folder declares (layer numbers in file names, widths, edge counts) is checked
against the files present and the size cap before anything is allocated, and only regular
files are opened.
"""

from __future__ import annotations

import json
import os
import re

from ..._checks import DEFAULT_MAX_EDGES, TopogenError, check_option
from ._guard import (
    check_read_size,
    open_regular,  # the one shared check; tsv.py imports it from here
)

#: Name of the side file of a one-file-per-layer folder.
SIDECAR = "topogen.json"
#: File names of the layers of a folder: ``n{N}-l{k}.tsv`` (or ``.tsv.gz``) or ``.mtx``.
LAYER_FILE = re.compile(r"^n(\d+)-l(\d+)\.(tsv|mtx)(\.gz)?$")
#: Largest ``topogen.json`` read (it holds a few numbers per layer and the meta).
SIDECAR_MAX_BYTES = 64 << 20


def _sidecar_doc(side: str) -> dict:
    with open_regular(side) as f:
        size = os.fstat(f.fileno()).st_size
        if size > SIDECAR_MAX_BYTES:
            raise TopogenError(f"{side}: {size:,} bytes, more than a {SIDECAR} holds "
                               f"(at most {SIDECAR_MAX_BYTES:,}); it is not topogen's")
        raw = f.read(size + 1)  # read(n) allocates n bytes up front: ask for what is there
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

    The one rule of every reader, :func:`~topogen.export.files._guard.check_read_size`:
    the neurons of all widths and the declared edges, at what each costs in memory, against
    the cap; then no layer may declare more edges than it has cells.

    Parameters
    ----------
    where : str
        The sidecar or folder that declared the sizes, for the message.
    widths : list of int
        Neurons per layer boundary (``len(nnz) + 1`` of them).
    nnz : list of int or None
        Declared edges per layer; None where not declared (challenge folders).
    max_edges : int
        The size cap (at least 1), as the readers' ``max_edges=``.

    Raises
    ------
    TopogenError
        If the neurons and the edges need more than the cap allows, or a layer declares
        more edges than its ``widths[i] * widths[i + 1]`` cells.

    Examples
    --------
    >>> check_declared("t.json", [4, 4], [17], 100)
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: t.json: layer 1 declares 17 edges but is only 4 x 4
    """
    check_read_size(where, sum(widths), sum(k for k in nnz if k is not None), max_edges)
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
    present before anything is allocated.

    Parameters
    ----------
    folder : str
        The folder to list.
    kind : {"tsv", "mtx"}
        Layer file suffix; a ``topogen.json`` of another kind is an error.
    compression : {"infer", None, "gzip"}, default "infer"
        Which TSV files to take: ``None`` plain ``.tsv`` only, ``"gzip"`` ``.tsv.gz``
        only, ``"infer"`` either (one per layer).
    max_edges : int, default DEFAULT_MAX_EDGES
        Size cap checked against the declared sizes (:func:`check_declared`).

    Raises
    ------
    TopogenError
        On an invalid ``topogen.json``, a missing or doubled layer file, widths that
        disagree, or sizes above the cap.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> for k in (1, 2):
    ...     open(os.path.join(d, f"n4-l{k}.tsv"), "w").close()
    >>> folder_files(d, "tsv")
    ([4, 4, 4], None, ['n4-l1.tsv', 'n4-l2.tsv'], {}, None)
    """
    compression = check_option("compression", compression, (None, "gzip", "infer"))
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
