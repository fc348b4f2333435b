"""The Sparse DNN Graph Challenge inference and its check against the truth.

Kepner et al., *Sparse Deep Neural Network Graph Challenge*, IEEE HPEC 2019,
arXiv:1909.05631, and the reference ``inferenceReLUvec.m`` (``graphchallenge/GraphChallenge``):
for every layer ``W`` (row = source neuron, column = target neuron)

    Y <- min(max(Y W + b, 0), cap)

where ``Y`` is ``images x neurons``, ``b`` is added to the nonzero entries of ``Y W`` only
(a zero stays zero), and ``cap = 32``.  The categories are the images with any nonzero
output; the challenge's rate is ``images x network edges / seconds``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._checks import TopogenError, check_int, check_path
from .._progress import Progress
from ..generators.challenge import CHALLENGE_CAP, CHALLENGE_WEIGHT, challenge_bias
from ..topology import Topology
from . import backends

__all__ = ["CategoryCheck", "categories", "check_categories", "check_images", "infer",
           "load_network"]

#: Dense activation entries per chunk of images by default (about 256 MB of float32).
CHUNK_ENTRIES = 1 << 26


def load_network(path) -> tuple[Topology, tuple | None]:
    """Read a challenge folder: ``(topology, per-layer weights or None)``.

    The one place where :func:`infer` and the Dask workers read a network.  Today the
    weights come from the network's ``meta`` (or the challenge's 1/16), so the second item
    is None.

    Parameters
    ----------
    path : str or os.PathLike
        A folder of ``n{N}-l{k}.tsv`` files.

    Returns
    -------
    tuple
        ``(Topology, None)``.

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

    return read_graph_challenge(check_path("path", path)), None


def _number(name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise TopogenError(f"{name} must be a number, got {value!r}")
    return float(value)


def check_images(images, neurons: int | None) -> sp.csr_array:
    """``images`` as a canonical float32 CSR array of ``neurons`` columns, or a TopogenError.

    Parameters
    ----------
    images : scipy sparse matrix or 2-D array
        ``images x neurons``.
    neurons : int or None
        Required number of columns (None: any).

    Returns
    -------
    scipy.sparse.csr_array

    Raises
    ------
    TopogenError
        If ``images`` is not 2-D, has another number of columns, or holds NaN or infinity.

    Examples
    --------
    >>> check_images([[0, 1.0], [0, 0]], 2).nnz
    1
    """
    try:
        y = sp.csr_array(images, dtype=np.float32, copy=True)  # never change the caller's
    except (TypeError, ValueError) as exc:
        raise TopogenError(f"images must be a 2-D sparse matrix or array, got "
                           f"{type(images).__name__}: {exc}") from None
    if y.ndim != 2:
        raise TopogenError(f"images must be 2-D (images x neurons), got shape {y.shape}")
    if neurons is not None and y.shape[1] != neurons:
        raise TopogenError(f"images have {y.shape[1]} features but the network's first layer "
                           f"has {neurons} neurons; they must be equal")
    if not np.all(np.isfinite(y.data)):
        raise TopogenError("images hold NaN or infinite values; every value must be finite")
    y.sum_duplicates()
    y.eliminate_zeros()
    return y


def _weights(topology: Topology, weights, file_weights) -> list:
    """One float32 scalar or array (aligned with the layer's CSR data) per layer."""
    if weights is None:
        weights = file_weights if file_weights is not None else \
            topology.meta.get("weight", CHALLENGE_WEIGHT)
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


def _bias(topology: Topology, bias):
    """A float32 scalar, or a float32 array of one bias per neuron."""
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


def _cap(cap) -> np.float32:
    value = _number("cap", cap)
    if not value > 0:
        raise TopogenError(f"cap must be > 0 (the challenge uses 32; inf for none), got {cap!r}")
    return np.float32(value)


def _is_path(value) -> bool:
    return isinstance(value, (str, os.PathLike))


def infer(network, images, *, bias=None, cap=CHALLENGE_CAP, weights=None,
          backend: str = "auto", client=None, chunk: int | None = None,
          progress: bool | None = None) -> sp.csr_array:
    """Run the challenge inference: the final activations of ``images`` through ``network``.

    Parameters
    ----------
    network : Topology or str or os.PathLike
        The network, or a folder of ``n{N}-l{k}.tsv`` files (read by :func:`load_network`).
    images : scipy sparse matrix, 2-D array, or str or os.PathLike
        ``images x neurons`` input, or a ``sparse-images`` file
        (:func:`topogen.challenge.read_images`).  Values must be finite.
    bias : float or 1-D array, optional
        Added to the nonzero entries of ``Y W``; one number, or one per neuron.  Default:
        the bias in the network's ``meta``, else the challenge's for its width (-0.3 for
        1024, -0.35, -0.4, -0.45).
    cap : float
        Activations are capped at this value (32 in the challenge; ``inf`` for none).
    weights : float or sequence of 1-D arrays, optional
        One weight for every edge, or one array per layer aligned with the layer's CSR
        data.  Default: the folder's weights, else ``meta["weight"]``, else 1/16.
    backend : {"auto", "scipy", "graphblas", "torch"}
        ``"auto"`` is torch on a CUDA GPU, SciPy otherwise (the fastest on CPUs in
        ``benchmarks/bench_challenge.py``).
    client : dask.distributed.Client, optional
        Run chunks of images on the cluster's workers; ``network`` must then be a folder
        that every worker can read (see :mod:`topogen.challenge.cluster`).
    chunk : int, optional
        Images per chunk (default: about 2**26 activations per chunk; with a client, two
        chunks per worker).
    progress : bool, optional
        A progress bar per layer on stderr (default: when stderr is a terminal).

    Returns
    -------
    scipy.sparse.csr_array
        float32, ``images x neurons`` of the last layer, no stored zeros.

    Raises
    ------
    TopogenError
        For a bad network, folder or images file, images of the wrong width or with NaN,
        a bias of the wrong length or NaN, a cap <= 0, weights of the wrong shape, an
        unknown backend.
    ImportError
        If the backend's library is missing (naming the extra to install).

    Examples
    --------
    >>> import numpy as np
    >>> from topogen.generators.challenge import challenge_analogue
    >>> net = challenge_analogue([2, 2], 4, 8, seed=0)
    >>> images = np.zeros((3, 16), dtype=np.float32)
    >>> images[0, :8] = 4.0  # a bright image: it saturates at the cap
    >>> images[1, 0] = 1.0   # a faint one: it dies in the first layer
    >>> y = infer(net, images, bias=-0.3)
    >>> y.shape, categories(y).tolist(), float(y.max())
    ((3, 16), [1], 32.0)
    """
    if backend not in ("auto", *backends.BACKENDS):
        raise TopogenError(f"backend must be one of {['auto', *backends.BACKENDS]}, got "
                           f"{backend!r}")
    if chunk is not None:
        chunk = check_int("chunk", chunk, minimum=1)
    if client is not None:
        from .cluster import infer_on_cluster

        return infer_on_cluster(client, network, images, bias=bias, cap=cap, weights=weights,
                                backend=backend, chunk=chunk)
    file_weights = None
    if _is_path(network):
        network, file_weights = load_network(network)
    elif not isinstance(network, Topology):
        raise TopogenError(f"network must be a Topology or a folder path, got "
                           f"{type(network).__name__}")
    layer_weights = _weights(network, weights, file_weights)
    b = _bias(network, bias)
    c = _cap(cap)
    if _is_path(images):
        from .io import read_images

        images = read_images(images, neurons=network.widths[0])
    y = check_images(images, network.widths[0])
    signed = bool(np.any(y.data < 0)) or any(np.any(w < 0) for w in layer_weights)
    name, prepare, run = backends.get(backend)
    state = prepare(network.layers, layer_weights)
    step = chunk or max(1, CHUNK_ENTRIES // max(network.widths))
    starts = range(0, y.shape[0], step)
    parts = []
    with Progress(network.depth * len(starts), f"inference ({name})",
                  enabled=progress) as bar:
        for lo in starts:
            parts.append(run(state, y[lo:lo + step], b, c, signed, bar))
    if len(parts) == 1:
        return parts[0]
    return sp.csr_array(sp.vstack(parts, format="csr"), dtype=np.float32)


def categories(result) -> np.ndarray:
    """The 1-based ids of the images with any nonzero output, sorted.

    Parameters
    ----------
    result : scipy sparse matrix or 2-D array
        The output of :func:`infer` (``images x neurons``).

    Returns
    -------
    numpy.ndarray
        int64.

    Examples
    --------
    >>> categories(np.array([[0, 0], [0, 2.5], [1, 0]])).tolist()
    [2, 3]
    """
    y = sp.csr_array(result)
    rows = np.repeat(np.arange(y.shape[0]), np.diff(y.indptr))
    return np.unique(rows[y.data != 0]).astype(np.int64) + 1


@dataclass(frozen=True)
class CategoryCheck:
    """The comparison of found categories with the truth: true when they are equal.

    Attributes
    ----------
    passed : bool
        The two sets are equal.
    missing : numpy.ndarray
        Ids in the truth but not found.
    extra : numpy.ndarray
        Ids found but not in the truth.
    """

    passed: bool
    missing: np.ndarray
    extra: np.ndarray

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            return "PASS"
        return (f"FAIL: {len(self.missing)} image(s) of the truth not found (first "
                f"{self.missing[:5].tolist()}), {len(self.extra)} found that the truth does "
                f"not list (first {self.extra[:5].tolist()})")


def check_categories(found, truth) -> CategoryCheck:
    """Compare categories with the truth (ids, or a ``categories.tsv`` file).

    Parameters
    ----------
    found : sequence of int
        1-based ids, e.g. ``categories(infer(...))``.
    truth : sequence of int, or str or os.PathLike
        1-based ids, or a truth file (:func:`topogen.challenge.read_categories`).

    Returns
    -------
    CategoryCheck
        True when the sets are equal; ``str()`` of it is ``PASS`` or a one-line ``FAIL``.

    Examples
    --------
    >>> bool(check_categories([1, 3], [3, 1])), str(check_categories([1], [2]))[:4]
    (True, 'FAIL')
    """
    if _is_path(truth):
        from .io import read_categories

        truth = read_categories(truth)
    a = np.unique(np.asarray(found, dtype=np.int64))
    b = np.unique(np.asarray(truth, dtype=np.int64))
    missing = np.setdiff1d(b, a)
    extra = np.setdiff1d(a, b)
    return CategoryCheck(not len(missing) and not len(extra), missing, extra)
