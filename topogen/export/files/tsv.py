"""Sparse DNN Graph Challenge TSV: one ``n{N}-l{k}.tsv`` file per layer (Kepner et al., 2019)."""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from ..._checks import TopogenError, check_path
from ..._progress import Progress
from ...topology import Topology, check_topology
from ._common import (
    GRAPH_CHALLENGE_VALUE,
    build_layer,
    check_value,
    fail,
    parse_fields,
    parse_floats,
    parse_ints,
    read_bytes,
)
from .folder import SIDECAR, check_crc, folder_files, write_layers


def write_graph_challenge(topology: Topology, folder, *, value=GRAPH_CHALLENGE_VALUE,
                          progress: bool | None = None) -> None:
    """Write the Sparse DNN Graph Challenge layout: one ``n{N}-l{k}.tsv`` per layer.

    Each line is ``row<TAB>col<TAB>value`` with 1-based ``row`` (source neuron) and ``col``
    (target neuron), sorted by row then column, the same layout as the challenge's
    ``neuron1024/n1024-l1.tsv`` ... files (Kepner et al., HPEC 2019).  ``N`` is the layer's
    input width (all widths are equal in the challenge networks) and ``k`` is 1-based.  The
    folder also gets ``topogen.json`` with the widths, edge counts and ``meta``, so that
    non-square layers and trailing empty rows read back exactly.  The folder is written
    atomically.

    Parameters
    ----------
    topology : Topology
        The network.
    folder : str or os.PathLike
        The folder to create (or replace, if it is a topogen folder), e.g. ``"neuron1024"``.
    value : float, default 1/16
        The weight written on every edge.  The challenge uses constants such as 1/16 for
        1024 neurons and smaller ones (1/32, ...) for wider networks: pass the one you need.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> net = topogen.radix_net([[2, 2]], [1, 1, 1])
    >>> folder = os.path.join(tempfile.mkdtemp(), "neuron4")
    >>> write_graph_challenge(net, folder)
    >>> sorted(os.listdir(folder))
    ['n4-l1.tsv', 'n4-l2.tsv', 'topogen.json']
    >>> open(os.path.join(folder, "n4-l1.tsv")).readline()
    '1\\t1\\t0.0625\\n'
    >>> read_graph_challenge(folder) == net
    True
    """
    topology = check_topology("topology", topology)
    folder = check_path("folder", folder)
    write_layers(topology.layers, folder, kind="tsv", value=value, meta=topology.meta,
                 depth=topology.depth, progress=progress)


def _read_tsv_layer(path: str, shape, nnz, value, crc=None) -> sp.csr_array:
    buf = read_bytes(path)
    data, starts, ends, lines = parse_fields(buf, 3, path)
    if nnz is not None and len(lines) != nnz:
        fail(path, None, f"{len(lines)} edges but topogen.json says {nnz} (truncated or "
             "altered file)")
    rows = parse_ints(data, starts[:, 0], ends[:, 0], lines, path, "row index")
    cols = parse_ints(data, starts[:, 1], ends[:, 1], lines, path, "column index")
    vals = parse_floats(data, starts[:, 2], ends[:, 2], lines, path)
    zero = np.flatnonzero(vals == 0)
    if len(zero):
        fail(path, int(lines[zero[0]]), "a stored zero value is not an edge; remove the line")
    if value is not None:
        other = np.flatnonzero(vals != value)
        if len(other):
            fail(path, int(lines[other[0]]), f"value {float(vals[other[0]])!r} differs from the "
                 f"expected value={value!r}")
    layer = build_layer(rows - 1, cols - 1, shape, lines, path)
    check_crc(path, buf, crc)
    return layer


def read_graph_challenge(folder, *, value=None, progress: bool | None = None) -> Topology:
    """Read a Graph Challenge folder (``n{N}-l{k}.tsv`` files), validating every line.

    Shapes come from ``topogen.json`` when the folder has one; otherwise (a folder from
    the challenge itself, such as ``neuron1024/``) every layer is ``N x N`` with ``N`` from
    the file names, and the layers are ``l1 .. lL`` with none missing.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder.
    value : float, optional
        If given, every edge must carry exactly this value.
    progress : bool, optional
        Show a progress bar.

    Raises
    ------
    TopogenError
        Naming the file and line: a truncated line or file, a non-integer or out-of-range
        index, a duplicate edge, a zero or non-numeric value, a missing layer file.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> folder = os.path.join(tempfile.mkdtemp(), "neuron4")
    >>> os.mkdir(folder)
    >>> with open(os.path.join(folder, "n4-l1.tsv"), "w") as f:
    ...     _ = f.write("1\\t2\\t0.0625\\n4\\t4\\t0.0625\\n")
    >>> t = read_graph_challenge(folder)
    >>> t.widths, t.layers[0].nonzero()
    ((4, 4), (array([0, 3], dtype=int32), array([1, 3], dtype=int32)))
    """
    folder = check_path("folder", folder)
    if not os.path.isdir(folder):
        raise TopogenError(f"cannot read {folder}: not a folder")
    if value is not None:
        value = check_value(value)
    widths, nnz, files, meta, doc = folder_files(folder, "tsv")
    if doc is None:
        sizes = set(widths)
        if len(sizes) != 1:
            raise TopogenError(f"{folder}: layer files name different widths {sorted(sizes)} "
                               f"and there is no {SIDECAR} to give the shapes")
        widths = [widths[0]] * (len(files) + 1)
        nnz = [None] * len(files)
    crcs = doc["crc32"] if doc is not None else [None] * len(files)
    layers = []
    with Progress(len(files), "reading", enabled=progress) as bar:
        for i, name in enumerate(files):
            layers.append(_read_tsv_layer(os.path.join(folder, name),
                                          (widths[i], widths[i + 1]), nnz[i], value, crcs[i]))
            bar.update()
    return Topology._trusted(layers, meta)
