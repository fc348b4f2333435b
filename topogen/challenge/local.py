"""The challenge inference in one process: the network, the checked arguments, the run.

:func:`topogen.challenge.infer` checks the backend and dispatches here (or to the Dask path
of :mod:`topogen.challenge.cluster`, whose workers call :func:`run` on their chunks).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._checks import TopogenError, check_path
from .._progress import Progress
from ..generators.challenge import CHALLENGE_WEIGHT, challenge_bias
from ..topology import Topology
from . import backends
from .io import check_images, read_images

__all__ = ["check_bias", "check_cap", "check_weights", "load_network", "run"]

#: Dense activation entries per chunk of images by default (about 256 MB of float32).
CHUNK_ENTRIES = 1 << 26


def load_network(path) -> tuple[Topology, tuple | None]:
    """Read a challenge folder: ``(topology, per-layer weights or None)``.

    The one place where :func:`infer` and the Dask workers read a network.  The folder's
    weights are read with it: when every edge carries the same value the reader records it
    as ``meta["value"]`` and the second item is None (one scalar serves every layer);
    otherwise it is one float32 array per layer, aligned with the layer's CSR data.

    Parameters
    ----------
    path : str or os.PathLike
        A folder of ``n{N}-l{k}.tsv`` files.

    Returns
    -------
    tuple
        ``(Topology, None)`` for a constant value, else ``(Topology, weights)``.

    Raises
    ------
    TopogenError
        If the folder cannot be read (a missing layer file, a bad line).

    Examples
    --------
    >>> import os, tempfile, topogen
    >>> folder = os.path.join(tempfile.mkdtemp(), "neuron16")
    >>> net = topogen.generators.challenge.challenge_analogue([2, 2], 4, 4, seed=0)
    >>> topogen.export.write_graph_challenge(net, folder)
    >>> load_network(folder)[0] == net
    True
    """
    from ..export import read_graph_challenge

    topology, weights = read_graph_challenge(check_path("path", path), weights=True)
    return topology, (None if "value" in topology.meta else weights)


def _number(name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise TopogenError(f"{name} must be a number, got {value!r}")
    return float(value)


def check_weights(topology: Topology, weights, file_weights) -> list:
    """One float32 scalar or array (aligned with the layer's CSR data) per layer, checked.

    Parameters
    ----------
    topology : Topology
        The network the weights are for.
    weights : float, sequence of 1-D arrays, or None
        One weight for every edge, or one array of ``layer.nnz`` weights per layer in CSR
        order. ``None``: ``file_weights``, else ``meta["value"]``, else ``meta["weight"]``,
        else the challenge's 1/16.
    file_weights : sequence of 1-D arrays or None
        The weights read with a network folder, if any.

    Returns
    -------
    list
        ``depth`` entries, each a ``numpy.float32`` or a float32 array.

    Raises
    ------
    TopogenError
        For a bool or non-numeric value, NaN or infinite weights, the wrong number of
        arrays or an array of the wrong shape.

    Examples
    --------
    >>> import topogen
    >>> check_weights(topogen.radix_net([[2]], [1, 1]), 0.5, None)
    [np.float32(0.5)]
    """
    if weights is None:
        meta = topology.meta
        weights = file_weights if file_weights is not None else \
            meta.get("value", meta.get("weight", CHALLENGE_WEIGHT))
    if isinstance(weights, numbers.Real) and not isinstance(weights, bool):
        w = _number("weights", weights)
        if not math.isfinite(w):
            raise TopogenError(f"weights must be finite, got {weights!r}")
        return [np.float32(w)] * topology.depth
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
        raise TopogenError("weights must be None, a number, or one 1-D array per layer "
                           f"aligned with its CSR data, got {type(weights).__name__}")
    if len(weights) != topology.depth:
        raise TopogenError(f"weights must have one array per layer ({topology.depth}), got "
                           f"{len(weights)}")
    out = []
    for i, (w, layer) in enumerate(zip(weights, topology.layers)):
        arr = np.asarray(w, dtype=np.float32)
        if arr.shape != (layer.nnz,):
            raise TopogenError(f"weights[{i}] must have shape ({layer.nnz},) (one weight per "
                               f"edge of layer {i}, in CSR order), got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise TopogenError(f"weights[{i}] holds NaN or infinite values")
        out.append(arr)
    return out


def check_bias(topology: Topology, bias):
    """The bias as a float32 scalar or a float32 array of one per neuron, checked.

    Parameters
    ----------
    topology : Topology
        The network; a per-neuron bias needs all layers after the input of one width.
    bias : float, 1-D array_like or None
        ``None``: ``meta["bias"]``, else the Graph Challenge bias for the width of layer 1.

    Returns
    -------
    numpy.float32 or numpy.ndarray
        The scalar, or a float32 array of ``widths[1]`` values.

    Raises
    ------
    TopogenError
        If ``bias`` is None and no bias is known for this width, is not finite, is not a
        number or 1-D numeric array, or has the wrong length.

    Examples
    --------
    >>> import topogen
    >>> check_bias(topogen.radix_net([[2]], [1, 1]), -0.3)
    np.float32(-0.3)
    """
    widths = topology.widths
    if bias is None:
        bias = topology.meta.get("bias")
        if bias is None:
            try:
                bias = challenge_bias(widths[1])
            except TopogenError:
                raise TopogenError(f"bias=None: the network has {widths[1]} neurons, not a "
                                   "Graph Challenge width (1024, 4096, 16384, 65536), and its "
                                   "meta records no bias; pass bias=") from None
    if isinstance(bias, numbers.Real) and not isinstance(bias, bool):
        value = _number("bias", bias)
        if not math.isfinite(value):
            raise TopogenError(f"bias must be finite, got {bias!r}")
        return np.float32(value)
    arr = np.asarray(bias)
    if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.number)
                             and not np.issubdtype(arr.dtype, np.bool_)):
        raise TopogenError(f"bias must be a number or a 1-D array of one bias per neuron, got "
                           f"{type(bias).__name__} of shape {arr.shape}")
    if len(set(widths[1:])) != 1:
        raise TopogenError("a per-neuron bias needs layers of one width; these have widths "
                           f"{sorted(set(widths[1:]))}")
    if len(arr) != widths[1]:
        raise TopogenError(f"bias must have one value per neuron ({widths[1]}), got "
                           f"{len(arr)} values")
    if not np.all(np.isfinite(arr)):
        raise TopogenError("bias holds NaN or infinite values")
    return arr.astype(np.float32)


def check_cap(cap) -> np.float32:
    """The activation cap as a float32, checked.

    Parameters
    ----------
    cap : float
        Activations are clipped at this value (32 in the challenge); ``inf`` for none.

    Returns
    -------
    numpy.float32

    Raises
    ------
    TopogenError
        If ``cap`` is not a number, is NaN or is not positive.

    Examples
    --------
    >>> check_cap(32), check_cap(float("inf"))
    (np.float32(32.0), np.float32(inf))
    """
    value = _number("cap", cap)
    if not value > 0:
        raise TopogenError(f"cap must be > 0 (the challenge uses 32; inf for none), got {cap!r}")
    return np.float32(value)


def run(network, images, *, bias, cap, weights, backend: str, chunk: int | None,
        progress: bool | None) -> sp.csr_array:
    """:func:`topogen.challenge.infer` without a client (its arguments, already type-checked).

    Parameters
    ----------
    network : Topology or str or os.PathLike
        The network or a challenge folder (read with :func:`load_network`).
    images : scipy sparse matrix, 2-D array, or str or os.PathLike
        ``images x neurons`` input or a ``sparse-images`` file.
    bias, cap, weights
        As :func:`topogen.challenge.infer` takes them; checked by :func:`check_bias`,
        :func:`check_cap` and :func:`check_weights`.
    backend : str
        ``"auto"`` or a key of :data:`topogen.challenge.backends.BACKENDS`.
    chunk : int or None
        Images per chunk (``None``: about ``CHUNK_ENTRIES`` activations per chunk).
    progress : bool or None
        A progress bar per layer and chunk on stderr (``None``: when stderr is a terminal).

    Returns
    -------
    scipy.sparse.csr_array
        float32, ``images x neurons`` of the last layer.

    Raises
    ------
    TopogenError
        For a bad network, images, bias, cap or weights.
    """
    file_weights = None
    if isinstance(network, (str, os.PathLike)):
        network, file_weights = load_network(network)
    elif not isinstance(network, Topology):
        raise TopogenError(f"network must be a Topology or a folder path, got "
                           f"{type(network).__name__}")
    layer_weights = check_weights(network, weights, file_weights)
    b = check_bias(network, bias)
    c = check_cap(cap)
    if isinstance(images, (str, os.PathLike)):
        images = read_images(images, neurons=network.widths[0])
    y = check_images(images, network.widths[0])
    signed = bool(np.any(y.data < 0)) or any(np.any(w < 0) for w in layer_weights)
    name, prepare, run_chunk = backends.get(backend)
    state = prepare(network.layers, layer_weights)
    step = chunk or max(1, CHUNK_ENTRIES // max(network.widths))
    starts = range(0, y.shape[0], step)
    parts = []
    with Progress(network.depth * len(starts), f"inference ({name})",
                  enabled=progress) as bar:
        for lo in starts:
            parts.append(run_chunk(state, y[lo:lo + step], b, c, signed, bar))
    if len(parts) == 1:
        return parts[0]
    return sp.csr_array(sp.vstack(parts, format="csr"), dtype=np.float32)


