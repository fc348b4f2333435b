"""The inference loops of the Sparse DNN Graph Challenge, one per library.

Every backend computes, layer by layer, ``Y <- min(max(Y W + b, 0), cap)`` where ``b`` is
added to the nonzero entries of ``Y W`` only (the sparse semantics of the reference
``inferenceReLUvec.m``), with float32 values:

* ``scipy``: sparse ``csr_array`` products while the activations are sparse; once more than
  1/16 of the live images' entries are nonzero it switches to a dense ``neurons x images``
  block multiplied by the transposed layer (one SciPy ``csr @ dense`` call, which runs
  vectorised over the images) and drops the columns of images that died (a dead image
  stays dead: a zero row of ``Y W`` gets no bias).  Both forms accumulate every output in
  the same order, so they give the same float32 values.
* ``graphblas``: python-graphblas (SuiteSparse:GraphBLAS), the ``plus_times`` semiring,
  ``select`` to prune, ``plus_plus`` with a diagonal for a per-neuron bias (the LAGraph
  formulation).
* ``torch``: ``torch.sparse.mm`` of the transposed CSR layer with a dense block of live
  images, on CUDA when available.

Every backend stops as soon as every image has died (a zero row of ``Y`` gives a zero row
of ``Y W``, which gets no bias), so the remaining layers cost nothing.

Each backend is a pair ``prepare(layers, weights) -> state`` and ``run(state, y, bias, cap,
signed, bar) -> csr_array``; :func:`topogen.challenge.infer` checks every argument first.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from .._checks import require

__all__ = ["BACKENDS", "available", "get"]

#: Enter the dense form when more than this fraction of the live images' entries is nonzero.
DENSE_AT = 1 / 16
#: Return to sparse products below this fraction.
SPARSE_AT = 1 / 64


class _Lazy:
    """The layers as a backend wants them, each converted on first use and kept.

    A run that stops early (every image died) converts only the layers it used; later
    chunks of images reuse the converted ones.  A constant weight shares one data array
    among the layers of one edge count.
    """

    def __init__(self, layers, weights, convert):
        self._source, self._values, self._convert = layers, weights, convert
        self._done: list = [None] * len(layers)
        self._constant: dict = {}
        self.out_width = layers[-1].shape[1]

    def __len__(self) -> int:
        return len(self._source)

    def __getitem__(self, k):
        if self._done[k] is None:
            layer, w = self._source[k], self._values[k]
            if np.ndim(w) == 0:
                key = (layer.nnz, float(w))
                if key not in self._constant:
                    self._constant[key] = np.full(layer.nnz, w, dtype=np.float32)
                data = self._constant[key]
            else:
                data = w
            W = sp.csr_array((data, layer.indices, layer.indptr), shape=layer.shape,
                             copy=False)
            self._done[k] = self._convert(W)
        return self._done[k]


def _expand(block: sp.csr_array, rows: np.ndarray, n_rows: int) -> sp.csr_array:
    """A ``n_rows``-row CSR array whose rows ``rows`` are those of ``block`` (others empty)."""
    counts = np.zeros(n_rows, dtype=np.int64)
    counts[rows] = np.diff(block.indptr)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    out = sp.csr_array((block.data, block.indices, indptr), shape=(n_rows, block.shape[1]))
    out.has_canonical_format = True
    return out


# ---------------------------------------------------------------------------------- SciPy
def _scipy_prepare(layers, weights):
    return _Lazy(layers, weights, lambda W: [W, None])  # [W, W^T once needed]


def _all_dead(n_images, state, k, bar, n_out):
    """Every image died before layer ``k``: a zero row stays zero, the rest is zeros."""
    bar.update(len(state) - k)
    return sp.csr_array((n_images, n_out), dtype=np.float32)


def _scipy_run(state, y, bias, cap, signed, bar):
    n_images = y.shape[0]
    dense = None  # (neurons x live images) block, and the ids of the live images
    ids = None
    vector = np.ndim(bias) == 1
    for k in range(len(state)):
        if (y.nnz if dense is None else dense.shape[1]) == 0:
            return _all_dead(n_images, state, k, bar, state.out_width)
        entry = state[k]
        W = entry[0]
        if dense is None:
            live = int(np.count_nonzero(np.diff(y.indptr)))
            if live and y.nnz > DENSE_AT * live * y.shape[1]:
                ids = np.flatnonzero(np.diff(y.indptr))
                dense = np.ascontiguousarray(y[ids].toarray().T)
        if dense is None:
            z = y @ W
            z.data += bias[z.indices] if vector else bias
            np.clip(z.data, 0, cap, out=z.data)
            z.eliminate_zeros()
            y = z
        else:
            if entry[1] is None:
                entry[1] = sp.csr_array(W.T)  # W^T as CSR: rows are target neurons
            z = entry[1] @ dense
            np.add(z, bias[:, None] if vector else bias, out=z, where=z != 0)
            np.clip(z, 0, cap, out=z)
            keep = z.any(axis=0)
            if not keep.all():
                z, ids = z[:, keep], ids[keep]
            dense = np.ascontiguousarray(z)
            if np.count_nonzero(dense) < SPARSE_AT * dense.size:
                y = _expand(sp.csr_array(dense.T), ids, n_images)
                dense = None
        bar.update()
    if dense is not None:
        y = _expand(sp.csr_array(dense.T), ids, n_images)
    return y


# ------------------------------------------------------------------------------ GraphBLAS
def _import_graphblas():
    return require("graphblas", "graphblas", package="python-graphblas")


def _graphblas_prepare(layers, weights):
    gb = _import_graphblas()

    def convert(W):
        return gb.Matrix.from_csr(W.indptr, W.indices, W.data, dtype=gb.dtypes.FP32,
                                  nrows=W.shape[0], ncols=W.shape[1])

    return _Lazy(layers, weights, convert)


def _graphblas_run(state, y, bias, cap, signed, bar):
    gb = _import_graphblas()
    from graphblas import binary, select, semiring

    n = y.shape[1]
    Y = gb.Matrix.from_csr(y.indptr, y.indices, y.data.astype(np.float32), dtype=gb.dtypes.FP32,
                           nrows=y.shape[0], ncols=n)
    diag = Z = None
    for k in range(len(state)):  # in-place updates (<<): a new matrix per step is 3x slower
        if Y.nvals == 0:
            return _all_dead(y.shape[0], state, k, bar, state.out_width)
        W = state[k]
        if Z is None or Z.shape != (Y.nrows, W.ncols):
            Z = gb.Matrix(gb.dtypes.FP32, Y.nrows, W.ncols)
        Z << Y.mxm(W, semiring.plus_times)
        if signed:  # products that cancel to 0 are not nonzero: no bias for them
            Z << select.valuene(Z, 0)
        if np.ndim(bias) == 1:
            if diag is None or diag.nrows != W.ncols:
                idx = np.arange(W.ncols)
                diag = gb.Matrix.from_coo(idx, idx, bias.astype(np.float32),
                                          dtype=gb.dtypes.FP32, nrows=W.ncols, ncols=W.ncols)
            Z << Z.mxm(diag, semiring.plus_plus)
        else:
            Z << Z.apply(binary.plus, right=float(bias))
        if Y.shape != Z.shape:
            Y = gb.Matrix(gb.dtypes.FP32, Z.nrows, Z.ncols)
        Y << select.valuegt(Z, 0)
        if np.isfinite(cap):
            Y << Y.apply(binary.min, right=float(cap))
        bar.update()
    indptr, indices, values = Y.to_csr()
    out = sp.csr_array((values.astype(np.float32, copy=False), indices, indptr),
                       shape=(Y.nrows, Y.ncols))
    out.has_canonical_format = True
    return out


# ---------------------------------------------------------------------------------- torch
def _import_torch():
    return require("torch", "train")


def _torch_prepare(layers, weights):
    torch = _import_torch()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def convert(W):
        WT = sp.csr_array(W.T)
        with warnings.catch_warnings():  # "sparse CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(
                torch.from_numpy(WT.indptr.astype(np.int64)),
                torch.from_numpy(WT.indices.astype(np.int64)),
                torch.from_numpy(np.ascontiguousarray(WT.data, dtype=np.float32)),
                size=WT.shape, device=device, check_invariants=False)

    return device, _Lazy(layers, weights, convert)


def _torch_run(state, y, bias, cap, signed, bar):
    torch = _import_torch()
    device, layers = state
    n_images = y.shape[0]
    ids = np.flatnonzero(np.diff(y.indptr))
    dense = torch.from_numpy(np.ascontiguousarray(y[ids].toarray().T)).to(device)
    b = torch.as_tensor(np.asarray(bias, dtype=np.float32), device=device)
    if b.ndim == 1:
        b = b[:, None]
    for k in range(len(layers)):
        if dense.shape[1] == 0:
            return _all_dead(n_images, layers, k, bar, layers.out_width)
        WT = layers[k]
        z = torch.sparse.mm(WT, dense)
        z = torch.where(z != 0, z + b, z).clamp_(min=0, max=float(cap))
        keep = (z != 0).any(dim=0)
        if not bool(keep.all()):
            z, ids = z[:, keep], ids[keep.cpu().numpy()]
        dense = z
        bar.update()
    return _expand(sp.csr_array(dense.T.cpu().numpy()), ids, n_images)


#: name -> (prepare, run, module to import, the extra that installs it)
BACKENDS = {
    "scipy": (_scipy_prepare, _scipy_run, "scipy", None),
    "graphblas": (_graphblas_prepare, _graphblas_run, "graphblas", "graphblas"),
    "torch": (_torch_prepare, _torch_run, "torch", "train"),
}


def available() -> list[str]:
    """The backends whose library is installed, ``scipy`` first.

    Returns
    -------
    list of str
        Keys of :data:`BACKENDS`, in its order.

    Examples
    --------
    >>> available()[0]
    'scipy'
    """
    import importlib.util

    return [name for name, (*_, module, _) in BACKENDS.items()
            if importlib.util.find_spec(module) is not None]


def _cuda() -> bool:
    """A CUDA GPU that torch can use; torch is imported only if the machine may have one."""
    import importlib.util
    import os
    import sys

    if "torch" not in sys.modules:
        if importlib.util.find_spec("torch") is None:
            return False
        if sys.platform.startswith("linux") and not os.path.exists("/dev/nvidiactl"):
            return False  # no NVIDIA driver: skip the slow import of torch
    import torch

    return bool(torch.cuda.is_available())


def get(name: str):
    """``(name, prepare, run)`` of a backend; ``"auto"`` picks torch on CUDA, else SciPy.

    SciPy is the fastest CPU backend in ``benchmarks/bench_challenge.py``; a CUDA GPU
    runs the torch backend (not measured in that benchmark, which ran on CPUs only).

    Parameters
    ----------
    name : {"auto", "scipy", "graphblas", "torch"}
        A key of :data:`BACKENDS`, or ``"auto"`` (already checked by the caller).

    Returns
    -------
    (str, callable, callable)
        The backend chosen, ``prepare(layers, weights) -> state`` (converts the layers
        once) and ``run(state, images, bias, cap, signed, bar) -> csr_array`` (one chunk).

    Examples
    --------
    >>> get("scipy")[0]
    'scipy'
    """
    if name == "auto":
        name = "torch" if _cuda() else "scipy"
    prepare, run, *_ = BACKENDS[name]
    return name, prepare, run
