"""The challenge inference on a Dask cluster: images split into chunks, one task each.

The network stays on disk: each task gets the folder path and its chunk of images, and the
worker reads the layer files itself (:func:`topogen.challenge.load_network`) from a path
every worker can read (a shared file system), keeping the network for later tasks of the
same folder.  Only the images and the results travel through the scheduler.  This is the
partitioning by images of the challenge's large runs (60000 images through the 65536 x 1920
network).
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import scipy.sparse as sp

from .._checks import TopogenError, require
from .io import check_images, read_images
from .local import load_network, run

__all__ = ["infer_on_cluster", "network_width", "run_chunk"]

_LAYER1 = re.compile(r"^n(\d+)-l1\.tsv$")
#: Networks a worker keeps: folder -> (stamp, topology, weights).
_NETWORKS: dict = {}


def _import_distributed():
    return require("distributed", "distributed", package="dask[distributed]")


def _stamp(folder: str):
    """What identifies a folder's contents cheaply: names, sizes and times of its files."""
    try:
        with os.scandir(folder) as it:
            return tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in it))
    except OSError as exc:
        raise TopogenError(f"cannot read the folder {folder}: {exc.strerror or exc}") from None


def _network(folder: str):
    stamp = _stamp(folder)
    hit = _NETWORKS.get(folder)
    if hit is None or hit[0] != stamp:
        _NETWORKS.clear()  # keep one network per worker
        _NETWORKS[folder] = (stamp, *load_network(folder))
    return _NETWORKS[folder][1:]


def run_chunk(images, folder: str, bias, cap, weights, backend: str):
    """Run one chunk on a worker: read (or reuse) the network from ``folder``, then infer.

    The network read is cached per worker process (one network, reread when the folder's
    files change), so the chunks of one call share it.

    Parameters
    ----------
    images : scipy.sparse.csr_array
        One chunk of ``images x neurons`` input rows.
    folder : str
        Challenge network folder readable on the worker.
    bias, cap, weights
        As :func:`topogen.challenge.infer` takes them (``weights=None``: the folder's).
    backend : str
        Backend name, as :func:`topogen.challenge.infer` takes it.

    Returns
    -------
    scipy.sparse.csr_array
        float32 output rows of the chunk.
    """
    topology, file_weights = _network(folder)
    return run(topology, images, bias=bias, cap=cap,
               weights=file_weights if weights is None else weights, backend=backend,
               chunk=None, progress=False)


def network_width(folder: str) -> int:
    """The input width of a challenge folder, from the name of its first layer file.

    Parameters
    ----------
    folder : str
        A folder holding ``n<N>-l1.tsv`` (only the names are read).

    Returns
    -------
    int
        ``N``.

    Raises
    ------
    TopogenError
        If the folder cannot be listed or holds no first layer file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = tempfile.mkdtemp(); _ = (pathlib.Path(d) / "n1024-l1.tsv").write_text("")
    >>> network_width(d)
    1024
    """
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise TopogenError(f"cannot read the folder {folder}: {exc.strerror or exc}") from None
    for name in names:
        m = _LAYER1.match(name)
        if m:
            return int(m.group(1))
    raise TopogenError(f"{folder}: no first layer file n<N>-l1.tsv")


def infer_on_cluster(client, network, images, *, bias=None, cap=32.0, weights=None,
                     backend: str = "auto", chunk: int | None = None) -> sp.csr_array:
    """:func:`topogen.challenge.infer` with ``client=``: chunks of images on Dask workers.

    Parameters
    ----------
    client : dask.distributed.Client
        The cluster.
    network : str or os.PathLike
        A challenge folder on a path every worker can read (not a Topology: the layers are
        read by the workers, not sent to them).
    images, bias, cap, backend
        As for :func:`topogen.challenge.infer`.
    weights : float, optional
        One weight for every edge (per-layer arrays belong in the folder).
    chunk : int, optional
        Images per task; default: two tasks per worker.

    Returns
    -------
    scipy.sparse.csr_array
        The same as the single-process result.

    Raises
    ------
    TopogenError
        If ``network`` is not a folder path, or as :func:`topogen.challenge.infer`.
    ImportError
        If dask.distributed is missing (``pip install 'topogen[distributed]'``).
    """
    _import_distributed()

    if not isinstance(network, (str, os.PathLike)):
        raise TopogenError("with client=, network must be the path of a challenge folder that "
                           f"every worker can read, got {type(network).__name__}")
    if weights is not None and (isinstance(weights, bool) or not isinstance(weights, float | int)):
        raise TopogenError("with client=, weights must be None or one number; per-layer "
                           "weights are read from the folder by the workers")
    folder = os.path.abspath(os.fspath(network))
    width = network_width(folder)
    if isinstance(images, (str, os.PathLike)):
        images = read_images(images, neurons=width)
    y = check_images(images, width)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    step = chunk or max(1, math.ceil(y.shape[0] / (2 * n_workers)))
    parts = [y[lo:lo + step] for lo in range(0, y.shape[0], step)]
    futures = client.map(run_chunk, client.scatter(parts), folder=folder,
                         bias=None if bias is None else (bias if np.ndim(bias) == 0
                                                         else np.asarray(bias)),
                         cap=cap, weights=weights, backend=backend, pure=False)
    results = client.gather(futures)
    if len(results) == 1:
        return results[0]
    return sp.csr_array(sp.vstack(results, format="csr"), dtype=np.float32)
