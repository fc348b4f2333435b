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

import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._checks import check_int, check_option
from ..generators.challenge import CHALLENGE_CAP
from . import backends
from .io import read_categories
from .local import load_network, run

__all__ = ["CategoryCheck", "categories", "check_categories", "infer", "load_network"]


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
        data.  Default: the folder's weights, else ``meta["value"]`` (what a
        folder was read with), else ``meta["weight"]`` (what the generator records), else 1/16.
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
    backend = check_option("backend", backend, ("auto", *backends.BACKENDS))
    if chunk is not None:
        chunk = check_int("chunk", chunk, minimum=1)
    if client is not None:
        from .cluster import infer_on_cluster

        return infer_on_cluster(client, network, images, bias=bias, cap=cap, weights=weights,
                                backend=backend, chunk=chunk)
    return run(network, images, bias=bias, cap=cap, weights=weights, backend=backend,
               chunk=chunk, progress=progress)


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
    if isinstance(truth, (str, os.PathLike)):
        truth = read_categories(truth)
    a = np.unique(np.asarray(found, dtype=np.int64))
    b = np.unique(np.asarray(truth, dtype=np.int64))
    missing = np.setdiff1d(b, a)
    extra = np.setdiff1d(a, b)
    return CategoryCheck(not len(missing) and not len(extra), missing, extra)
