"""Streaming export: topologies too large for memory, generated and written layer by layer.

A Graph Challenge sized RadiX-Net (65536 neurons x 1920 layers x 32 connections, about
4 * 10^9 edges) does not fit in memory as a Topology, but each layer does.  The writers here
take any iterable of layers (for example :func:`radix_net_layers`, which builds one RadiX-Net
layer at a time), write each layer as it arrives and let it go, so that peak memory is about
one layer plus a text chunk of about 262,000 edges.  The output is atomic like every
topogen write: a folder appears complete or not at all.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from .._checks import TopogenError, check_int, check_path, check_widths, renamed
from .._io import atomic_file
from .._progress import Progress
from ..topology import Topology, canonical_problem, check_meta, kron_ones
from .files import NpzWriter
from .files.folder import write_layers

__all__ = ["radix_net_layers", "stream_graph_challenge", "stream_layers", "stream_npz"]


def _canonical(i: int, layer) -> sp.csr_array:
    """Layer ``i`` as canonical CSR (the nonzero pattern), without copying if it already is."""
    if isinstance(layer, (sp.csr_array, sp.csr_matrix)) and layer.dtype == bool and \
            layer.has_canonical_format and not canonical_problem(layer.indptr, layer.indices) \
            and bool(np.all(layer.data)):
        return layer
    try:
        return Topology.from_structure([layer]).layers[0]
    except TopogenError as exc:
        raise TopogenError(f"layer {i}: {exc}") from None


class TrustedLayers:
    """An iterator of layers that are canonical by construction (no check needed)."""

    def __init__(self, it, depth):
        self._it = it
        self.depth = depth

    def __iter__(self):
        return self._it


def _layers_and_depth(layers, depth):
    """``(iterable, depth or None, meta or None, trusted)`` for what the caller passed."""
    if isinstance(layers, Topology):
        return layers.layers, layers.depth, layers.meta, True
    if isinstance(layers, TrustedLayers):
        return layers, depth or layers.depth, None, True
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
        raise TopogenError(f"layers must be a Topology or an iterable of 2-D matrices, got "
                           f"{type(layers).__name__}")
    if depth is None and isinstance(layers, Sequence):
        depth = len(layers)
    if depth is not None:
        depth = check_int("depth", depth, minimum=1)
    return layers, depth, None, False


def stream_layers(layers, folder, *, kind: str = "tsv", value=None, meta=None,
                  depth: int | None = None, progress: bool | None = None,
                  dialect: str = "official", compression: str | None = None) -> dict:
    """Write layers one file each (``kind="tsv"`` or ``"mtx"``) as they arrive, atomically.

    Parameters
    ----------
    layers : Topology or iterable of 2-D matrices
        Any iterable, e.g. a generator such as :func:`radix_net_layers`; each layer is written
        and released before the next is requested.  Consecutive shapes must chain.
    folder : str or os.PathLike
        The folder to create (replaced only if it is a topogen folder, and only when the new
        one is complete).
    kind : {"tsv", "mtx"}
        Graph Challenge TSV or Matrix Market.
    value : float, optional
        Weight on every edge (TSV default ``meta["value"]``, else 1/16; Matrix Market
        default: a pattern file).
    meta : dict, optional
        Stored in ``topogen.json``.
    depth : int, optional
        Number of layers, for the progress bar (taken from ``len(layers)`` if it has one).
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).
    dialect : {"official", "rows"}
        TSV line layout (see :func:`topogen.export.write_graph_challenge`).
    compression : {None, "gzip"}
        ``"gzip"`` writes ``.tsv.gz`` files (TSV only).

    Returns
    -------
    dict
        ``widths``, ``layer_nnz``, ``nnz`` and ``bytes`` (text written).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> folder = os.path.join(tempfile.mkdtemp(), "big")
    >>> info = stream_layers(radix_net_layers([[2, 2]] * 3, [1] * 7), folder)
    >>> info["widths"], info["nnz"]
    ([4, 4, 4, 4, 4, 4, 4], 48)
    """
    if kind not in ("tsv", "mtx"):
        raise TopogenError(f"kind must be 'tsv' or 'mtx', got {kind!r}")
    folder = check_path("folder", folder)
    layers, depth, topo_meta, trusted = _layers_and_depth(layers, depth)
    meta = topo_meta if meta is None else meta
    return write_layers(layers, folder, kind=kind, value=value, meta=meta, depth=depth,
                        progress=progress, prepare=None if trusted else _canonical,
                        dialect=dialect, compression=compression)


def stream_graph_challenge(layers, folder, *, value=None, meta=None,
                           depth: int | None = None, progress: bool | None = None,
                           dialect: str = "official", compression: str | None = None) -> dict:
    """Write layers as a Graph Challenge folder (``n{N}-l{k}.tsv``) one layer at a time.

    The streaming form of :func:`topogen.export.write_graph_challenge`: peak memory is one
    layer plus a text chunk, whatever the depth; the files are byte for byte those of
    :func:`~topogen.export.write_graph_challenge` (the official layout by default).

    Parameters
    ----------
    layers : Topology or iterable of 2-D matrices
        Layers whose consecutive shapes chain, e.g. :func:`radix_net_layers`; each is
        written and released before the next is requested.
    folder : str or os.PathLike
        The folder to create (replaced only if it is a topogen folder).
    value : float, optional
        Weight on every edge; default ``meta["value"]`` or ``meta["weight"]``, else 1/16.
    meta : dict, optional
        Stored in ``topogen.json`` (default: the Topology's own ``meta``).
    depth : int, optional
        Number of layers, for the progress bar.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).
    dialect : {"official", "rows"}, default "official"
        Line layout (see :func:`topogen.export.write_graph_challenge`).
    compression : {None, "gzip"}, optional
        ``"gzip"`` writes ``.tsv.gz`` files.

    Returns
    -------
    dict
        ``widths``, ``layer_nnz``, ``nnz`` and ``bytes`` (text written), as
        :func:`stream_layers`.

    Raises
    ------
    TopogenError
        As :func:`stream_layers`: bad options, layers that do not chain, a failed write.

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> folder = os.path.join(tempfile.mkdtemp(), "neuron8")
    >>> info = stream_graph_challenge(radix_net_layers([[2, 2, 2]], [1, 1, 1, 1]), folder,
    ...                               value=0.5)
    >>> info["layer_nnz"], topogen.export.read_graph_challenge(folder, value=0.5).nnz
    ([16, 16, 16], 48)
    """
    return stream_layers(layers, folder, kind="tsv", value=value, meta=meta, depth=depth,
                         progress=progress, dialect=dialect, compression=compression)


def stream_npz(layers, path, *, meta=None, depth: int | None = None,
               progress: bool | None = None) -> dict:
    """Write layers into a native ``.npz`` one at a time, atomically.

    Each layer's CSR arrays go into the zip as they arrive; ``widths``, ``layer_nnz`` and
    ``meta`` follow at the end.  :func:`topogen.load` reads the file back (that needs memory
    for all layers).

    Parameters
    ----------
    layers : Topology or iterable of 2-D matrices
        Layers whose consecutive shapes chain; each is written and released before the
        next is requested.
    path : str or os.PathLike
        The ``.npz`` file, replaced atomically once complete.
    meta : dict, optional
        Stored as JSON (default: the Topology's own ``meta``, else ``{}``).
    depth : int, optional
        Number of layers, for the progress bar (``len(layers)`` if it has one).
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).

    Returns
    -------
    dict
        ``widths``, ``layer_nnz``, ``nnz`` and ``bytes`` (the file's size).

    Raises
    ------
    TopogenError
        For layers that are not 2-D matrices or do not chain, no layers, or a failed
        write (the old file is then untouched).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> path = os.path.join(tempfile.mkdtemp(), "s.npz")
    >>> stream_npz(radix_net_layers([[3, 3]], [1, 1, 1]), path)["nnz"]
    54
    >>> topogen.load(path) == topogen.radix_net([[3, 3]], [1, 1, 1])
    True
    """
    path = check_path("path", path)
    layers, depth, topo_meta, trusted = _layers_and_depth(layers, depth)
    meta = topo_meta if meta is None else meta
    meta = check_meta(meta)
    with atomic_file(path) as f, Progress(depth or 0, "writing npz", enabled=progress) as bar:
        writer = NpzWriter(f)
        try:
            for i, raw in enumerate(layers):
                writer.add(raw if trusted else _canonical(i, raw))
                del raw
                bar.update()
            writer.close(meta)
        except BaseException:
            writer.abort()
            raise
        size = f.tell()
    return {"widths": writer.widths, "layer_nnz": writer.layer_nnz,
            "nnz": sum(writer.layer_nnz), "bytes": size}


def radix_net_layers(radix_lists, multipliers=None, *, cache_size: int = 8,
                     widths=None) -> Iterable[sp.csr_array]:
    """Yield the layers of ``topogen.radix_net(radix_lists, multipliers)`` one at a time.

    Nothing is built before it is asked for, so a RadiX-Net of any depth can be streamed to
    a file with memory for one layer (plus a few repeated layers, kept in a small cache
    because RadiX-Nets repeat them).  The layers equal those of :func:`topogen.radix_net`.

    Parameters
    ----------
    radix_lists : sequence of sequence of int
        As for :func:`topogen.radix_net`.
    multipliers : sequence of int, optional
        The Kronecker factors ``B_0 .. B_L`` (layer ``i`` has ``B_i * N'`` neurons), one
        more than the number of radices; default all 1, as for :func:`topogen.radix_net`.
    cache_size : int
        How many distinct layers to keep for reuse.
    widths : sequence of int, optional
        Deprecated name of ``multipliers`` (``widths`` means neuron counts everywhere
        else); it still works, with a FutureWarning.

    Examples
    --------
    >>> import topogen
    >>> layers = list(radix_net_layers([[2, 2]], [1, 2, 1]))
    >>> topogen.topology.trusted(layers) == topogen.radix_net([[2, 2]], [1, 2, 1])
    True
    """
    from ..generators.radix import check_radix_lists, radix_layer

    lists = check_radix_lists(radix_lists)
    plan = []
    for lst in lists:
        nu = 1
        for radix in lst:
            plan.append((radix, nu))
            nu *= radix
    multipliers = renamed(multipliers, widths, "radix_net_layers", "multipliers", "widths")
    if multipliers is None:
        multipliers = [1] * (len(plan) + 1)
    multipliers = check_widths("multipliers", multipliers, length=len(plan) + 1)
    cache_size = check_int("cache_size", cache_size, minimum=0)
    n_prime = math.prod(lists[0])
    return TrustedLayers(_radix_layers(plan, multipliers, n_prime, cache_size, radix_layer),
                          len(plan))


def _radix_layers(plan, multipliers, n_prime, cache_size, radix_layer):
    cache: OrderedDict = OrderedDict()
    for i, (radix, nu) in enumerate(plan):
        b_in, b_out = multipliers[i], multipliers[i + 1]
        key = (radix, nu, b_in, b_out)
        layer = cache.get(key)
        if layer is None:
            layer = kron_ones(b_in, b_out, radix_layer(n_prime, radix, nu))
            if cache_size:
                cache[key] = layer
                if len(cache) > cache_size:
                    cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        yield layer
