"""Files that round-trip: native ``.npz``, Matrix Market, Graph Challenge TSV, GraphML, edge lists.

* ``.npz`` (native): every layer's CSR ``indptr``/``indices``, the ``widths``, the edge
  counts and ``meta`` as JSON, in an uncompressed NumPy zip that ``numpy.load`` opens.
* A **folder** with one file per layer, for ``format="tsv"`` (the Sparse DNN Graph Challenge
  layout: ``n{neurons}-l{layer}.tsv``, 1-indexed ``row<TAB>col<TAB>value`` lines; Kepner et
  al., *Sparse Deep Neural Network Graph Challenge*, HPEC 2019) or ``format="mtx"`` (Matrix
  Market coordinate files ``n{neurons}-l{layer}.mtx``), plus ``topogen.json`` holding the
  widths, edge counts and ``meta``.  A challenge folder without ``topogen.json`` reads too.
* GraphML (networkx) and a text edge list for small topologies.

Every write is atomic: a file is written to a temporary file in the same folder, flushed to
disk and renamed over the target; a folder is written in full into a temporary folder and
renamed, and an existing folder is moved aside only once the new one is complete.  A failed
write leaves whatever was there untouched.  Every reader validates what it reads (truncated
file, wrong shape, index out of range, non-integer index, duplicate edge, unknown format) and
raises a :class:`TopogenError` naming the file and line, never a partial topology.

The text writers and readers are vectorised NumPy (no Python loop over edges); the writers
format a chunk of about 262,000 edges at a time.

The package holds one module per format (:mod:`~topogen.export.files.npz`,
:mod:`~topogen.export.files.tsv`, :mod:`~topogen.export.files.mtx`,
:mod:`~topogen.export.files.graphml`, :mod:`~topogen.export.files.edgelist`), the
one-file-per-layer folder logic (:mod:`~topogen.export.files.folder`) and the shared
reading and writing helpers (``_common``); the public names are re-exported here.
"""

from __future__ import annotations

import os

from ..._checks import TopogenError, check_path
from ...topology import Topology, check_topology

# Re-exported so that ``topogen.export.files.<name>`` keeps working for every public name.
from ._common import (  # noqa: F401
    CHUNK_EDGES,
    GRAPH_CHALLENGE_VALUE,
    SMALL_MAX_EDGES,
    TABLE_MAX,
    format_lines,
    parse_fields,
    parse_floats,
    parse_ints,
)
from ._guard import check_regular, load_json, read_bytes
from .edgelist import read_edgelist, write_edgelist
from .folder import LAYER_FILE, SIDECAR, atomic_folder, layer_file_name  # noqa: F401
from .graphml import read_graphml, write_graphml
from .mtx import read_mtx, write_mtx
from .npz import NpzWriter, load_npz, save_npz  # noqa: F401
from .tsv import read_graph_challenge, write_graph_challenge

__all__ = [
    "load",
    "load_npz",
    "read_edgelist",
    "read_graph_challenge",
    "read_graphml",
    "read_mtx",
    "save",
    "save_npz",
    "write_edgelist",
    "write_graph_challenge",
    "write_graphml",
    "write_mtx",
]

_FOLDER_FORMATS = ("tsv", "mtx")
_FORMATS = ("npz", "tsv", "mtx", "graphml", "edgelist")
_FORMAT_ALIASES = {"graph_challenge": "tsv", "graphchallenge": "tsv", "matrixmarket": "mtx",
                   "edges": "edgelist"}
_SUFFIXES = {".npz": "npz", ".graphml": "graphml", ".edgelist": "edgelist",
             ".edges": "edgelist"}


# ============================================================================ save / load
def _normalise_format(format) -> str | None:
    if format is None:
        return None
    if not isinstance(format, str):
        raise TopogenError(f"format must be a string such as 'npz', got {format!r}")
    f = _FORMAT_ALIASES.get(format.lower(), format.lower())
    if f not in _FORMATS:
        raise TopogenError(f"unknown format {format!r}; use one of {', '.join(_FORMATS)}")
    return f


#: Suffixes that name a format, for the check that ``format=`` does not contradict a name.
_NAMED = {**_SUFFIXES, ".mtx": "mtx", ".tsv": "tsv"}


def _format_for_save(path: str, format) -> str:
    fmt = _normalise_format(format)
    suffix = os.path.splitext(path)[1].lower()
    if fmt is not None:
        named = _NAMED.get(suffix)
        if named is not None and named != fmt:
            what = "a folder" if fmt in _FOLDER_FORMATS else "a file"
            raise TopogenError(
                f"format={format!r} contradicts the name {os.path.basename(path)!r}, which "
                f"says {named!r}: {fmt!r} writes {what}; drop the {suffix} suffix or the "
                "format= argument"
            )
        return fmt
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    raise TopogenError(
        f"cannot tell the format of {path!r} from its name: use a .npz, .graphml or .edgelist "
        "file name, or a folder with format='tsv' (Graph Challenge) or format='mtx' "
        "(Matrix Market)"
    )


def _format_for_load(path: str, format) -> str:
    fmt = _normalise_format(format)
    if fmt is not None:
        if not os.path.isdir(path):
            check_regular(path)
        return fmt
    if os.path.isdir(path):
        side = os.path.join(path, SIDECAR)
        if os.path.lexists(side):
            doc = load_json(read_bytes(side), side, SIDECAR)
            kind = doc.get("kind") if isinstance(doc, dict) else None
            if kind in _FOLDER_FORMATS:
                return kind
            raise TopogenError(f"{side}: unknown or missing 'kind'; pass format='tsv' or 'mtx'")
        try:
            names = os.listdir(path)
        except OSError as exc:
            raise TopogenError(f"cannot read the folder {path}: {exc.strerror or exc}"
                               ) from None
        kinds = {m.group(3) for m in map(LAYER_FILE.match, names) if m}
        if len(kinds) == 1:
            return kinds.pop()
        raise TopogenError(f"cannot tell the format of the folder {path}: pass format='tsv' "
                           "or format='mtx'")
    check_regular(path)  # a FIFO, device or dangling link is refused before any reader
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".mtx":
        return "mtx"
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    raise TopogenError(f"cannot tell the format of {path!r}: pass format= (one of "
                       f"{', '.join(_FORMATS)})")


def save(topology: Topology, path, *, format: str | None = None, **options) -> None:
    """Write a Topology to ``path``; the format comes from the name unless ``format=`` says.

    ``*.npz`` -> native NumPy zip (:func:`save_npz`); ``*.graphml`` -> GraphML;
    ``*.edgelist`` / ``*.edges`` -> text edge list; a folder with ``format="tsv"`` -> Graph
    Challenge TSV (:func:`write_graph_challenge`) or ``format="mtx"`` -> Matrix Market
    (:func:`write_mtx`).  Writes are atomic; ``options`` go to the writer (e.g. ``value=``).

    Parameters
    ----------
    topology : Topology
        The network.
    path : str or os.PathLike
        File or folder name.
    format : {"npz", "tsv", "mtx", "graphml", "edgelist"}, optional
        Overrides the format read from the name.

    Raises
    ------
    TopogenError
        For an unknown format, a name that says none, or a failed write (the old file or
        folder is then untouched).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> d = tempfile.mkdtemp()
    >>> net = topogen.radix_net([[2, 2]], [1, 2, 1])
    >>> topogen.save(net, os.path.join(d, "net.npz"))
    >>> topogen.save(net, os.path.join(d, "neuron4"), format="tsv")
    >>> topogen.load(os.path.join(d, "neuron4")) == topogen.load(os.path.join(d, "net.npz"))
    True
    """
    topology = check_topology("topology", topology)
    path = check_path("path", path)
    fmt = _format_for_save(path, format)
    writer = {"npz": save_npz, "tsv": write_graph_challenge, "mtx": write_mtx,
              "graphml": write_graphml, "edgelist": write_edgelist}[fmt]
    try:
        writer(topology, path, **options)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TopogenError(f"format {fmt!r} does not take the option(s) {sorted(options)}"
                               ) from None
        raise


def load(path, *, format: str | None = None, **options) -> Topology:
    """Read a Topology written by :func:`save` (or a Graph Challenge / Matrix Market folder).

    The format comes from the name (``.npz``, ``.graphml``, ``.edgelist``, ``.mtx``) or, for
    a folder, from its ``topogen.json`` or its ``n{N}-l{k}.tsv`` / ``.mtx`` files.

    Raises
    ------
    TopogenError
        For a missing path, an unknown format, or any invalid content (naming file and line).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npz")
    >>> topogen.save(topogen.radix_net([[3]], [1, 2]), path)
    >>> topogen.load(path).widths
    (3, 6)
    """
    path = check_path("path", path)
    fmt = _format_for_load(path, format)
    reader = {"npz": load_npz, "tsv": read_graph_challenge, "mtx": read_mtx,
              "graphml": read_graphml, "edgelist": read_edgelist}[fmt]
    try:
        return reader(path, **options)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TopogenError(f"format {fmt!r} does not take the option(s) {sorted(options)}"
                               ) from None
        raise
