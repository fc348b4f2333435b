"""PyTorch, JAX and TensorFlow adapters; each framework is imported only inside its function.

PyTorch's ``nn.Linear.weight`` has shape ``(out, in)`` (``y = x @ W.T``), the transpose of
topogen's ``(in, out)`` layers, so the torch functions transpose and say so.  JAX and
TensorFlow (Keras ``Dense.kernel``) use the ``(in, out)`` layout (``y = x @ W``) and get the
layers as they are.  A missing framework raises an :class:`ImportError` naming the extra to
install.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import DEFAULT_MAX_EDGES, TopogenError, check_option, require
from ..topology import Topology, check_topology, trusted
from ._torch_modules import select_linears
from .arrays import check_dense_size, coo_indices, to_bsr

__all__ = [
    "apply_to_torch",
    "to_jax_bcoo",
    "to_tf_sparse",
    "to_torch_masks",
    "to_torch_sparse",
    "to_torch_sparse_linear",
]


# ---------------------------------------------------------------------------- torch
def _torch_device(torch, device):
    if device is None:
        return torch.device("cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise TopogenError(f"device must be a torch device such as 'cpu' or 'cuda:0', "
                           f"got {device!r}: {exc}") from None


def to_torch_masks(topology: Topology, *, device=None,
                   max_entries: int = DEFAULT_MAX_EDGES) -> list:
    """Boolean masks in ``nn.Linear`` layout: mask ``i`` has shape ``(n_(i+1), n_i)``.

    ``mask[j, k]`` is True when input neuron ``k`` feeds output neuron ``j``, i.e. the
    transpose of layer ``i`` (``nn.Linear`` computes ``y = x @ weight.T``).  The masks plug
    straight into ``torch.nn.utils.prune.custom_from_mask`` (see :func:`apply_to_torch`).

    Parameters
    ----------
    topology : Topology
        The network.
    device : str or torch.device, optional
        Where to put the masks (default CPU).
    max_entries : int
        Refuse (before allocating) masks with more entries than this in total.

    Returns
    -------
    list of torch.Tensor
        ``torch.bool`` tensors, one per layer.

    Raises
    ------
    ImportError
        If torch is not installed (says which extra to install).
    TopogenError
        If the masks are too large.

    Examples
    --------
    >>> import numpy as np, topogen
    >>> t = topogen.Topology([np.array([[1, 1, 0], [0, 0, 1]])])   # 2 inputs -> 3 outputs
    >>> m = to_torch_masks(t)[0]
    >>> m.shape, m.dtype
    (torch.Size([3, 2]), torch.bool)
    >>> m.int().tolist()
    [[1, 0], [1, 0], [0, 1]]
    """
    check_topology("topology", topology)
    torch = require("torch", "train")
    device = _torch_device(torch, device)
    check_dense_size(topology, max_entries, "to_torch_masks")
    out = []
    for layer in topology.layers:
        n_in, n_out = layer.shape
        rows, cols = coo_indices(layer)
        mask = torch.zeros((n_out, n_in), dtype=torch.bool)
        src = torch.from_numpy(rows.astype(np.int64))
        dst = torch.from_numpy(cols.astype(np.int64))
        mask[dst, src] = True
        out.append(mask.to(device))
    return out


def apply_to_torch(model, topology: Topology, *, name: str = "weight", modules=None) -> list:
    """Prune ``model``'s ``nn.Linear`` layers, in order, to the edges of ``topology``.

    Layer ``i`` of the topology goes to the ``i``-th ``nn.Linear`` found by
    ``model.modules()`` (registration order, which is forward order for ``nn.Sequential``)
    through ``torch.nn.utils.prune.custom_from_mask``: the module keeps a ``weight_orig``
    parameter and a ``weight_mask`` buffer, and ``weight = weight_orig * weight_mask`` is
    recomputed before every forward, so masked weights stay exactly zero through training.
    Every shape is checked before any module is touched.

    Parameters
    ----------
    model : torch.nn.Module or list of nn.Linear
        The model; it must hold exactly ``topology.depth`` ``nn.Linear`` modules, the
        ``i``-th with ``in_features = n_i`` and ``out_features = n_(i+1)``.
    topology : Topology
        The network.
    name : str
        The parameter to prune (default ``"weight"``).
    modules : list of str or nn.Linear, or callable, optional
        Which ``nn.Linear`` modules to mask, in layer order: their names as
        ``model.named_modules()`` gives them (``["0", "2"]``, ``["encoder.fc1", ...]``), the
        modules themselves, or a filter ``(name, module) -> bool`` over the model's
        ``nn.Linear`` modules.  Default: every ``nn.Linear``, so a model with a dense
        classifier head (more ``nn.Linear`` than layers) needs ``modules=``.

    Returns
    -------
    list of torch.nn.Linear
        The pruned modules, in order.

    Raises
    ------
    ImportError
        If torch is not installed (says which extra to install).
    TopogenError
        If the number of (chosen) ``nn.Linear`` modules differs from the depth (the
        message lists the model's ``nn.Linear`` names for ``modules=``), or a module's shape
        does not match its layer (the message names both).

    Examples
    --------
    >>> import torch, topogen
    >>> net = topogen.radix_net([[2, 2]], [1, 1, 1])
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4))
    >>> mods = apply_to_torch(model, net)
    >>> int((mods[0].weight != 0).sum()) == net.layers[0].nnz
    True

    A dense classifier head stays dense when ``modules=`` names the layers to mask:

    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(),
    ...                             torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    >>> [m.out_features for m in apply_to_torch(model, net, modules=["0", "2"])]
    [4, 4]
    """
    check_topology("topology", topology)
    torch = require("torch", "train")
    prune = require("torch.nn.utils.prune", "train")
    linears = select_linears(torch, model, modules, topology.depth)
    for i, (mod, layer) in enumerate(zip(linears, topology.layers)):
        want = (layer.shape[1], layer.shape[0])
        if not hasattr(mod, name) and not hasattr(mod, name + "_orig"):
            raise TopogenError(f"nn.Linear number {i} has no parameter {name!r}")
        got = tuple(getattr(mod, name).shape)
        if got != want:
            raise TopogenError(
                f"nn.Linear number {i} has {name} shape {got} (in_features={mod.in_features}, "
                f"out_features={mod.out_features}) but layer {i} of the topology is "
                f"{layer.shape[0]} -> {layer.shape[1]}, which needs shape {want} "
                "(nn.Linear weights are (out, in))"
            )
    for mod, layer in zip(linears, topology.layers):
        device = getattr(mod, name).device
        mask = to_torch_masks(trusted([layer]), device=device,
                              max_entries=max(1, layer.shape[0] * layer.shape[1]))[0]
        prune.custom_from_mask(mod, name, mask)
    return linears


def to_torch_sparse(topology: Topology, layout: str = "csr", *, weights=None, dtype=None,
                    device=None, blocksize=None, relabel: bool = True) -> list:
    """Each layer as a ``torch.sparse_csr`` / ``sparse_bsr`` / ``sparse_coo`` tensor (out, in).

    The tensors are in ``nn.Linear`` layout ``(n_(i+1), n_i)``, so ``W @ x.T`` (or
    ``torch.nn.functional.linear(x, W)``) is the sparse layer.  For ``"bsr"`` the layers are
    first relabelled by :func:`topogen.export.block_structure` (``b * N' + r -> r * B + b``,
    unless ``relabel=False``), so that layer ``i`` is made of dense ``B_(i+1) x B_i`` blocks;
    they are stored in square ``g x g`` blocks, ``g = gcd(B_i, B_(i+1))``, because torch's
    CPU (MKL) BSR kernels accept only square blocks.  Every stored value is an edge.

    Parameters
    ----------
    topology : Topology
        The network.
    layout : {"csr", "bsr", "coo"}
        The torch sparse layout.
    weights : sequence of 2-D arrays or tensors, optional
        Dense ``(out, in)`` weights (e.g. ``linear.weight``) whose values to take at the
        edges; default all ones.  Only edges are read; off-edge values are ignored.
    dtype : torch.dtype, optional
        Value type (default ``torch.float32``, or that of ``weights``).
    device : str or torch.device, optional
        Target device.
    blocksize : (int, int), optional
        For ``"bsr"``: the block shape in the ``(out, in)`` layout (it must divide the shape;
        zeros inside blocks are then stored).  Default: ``(g, g)`` as above.
    relabel : bool, default True
        For ``"bsr"``: relabel neurons into blocks first.

    Returns
    -------
    list of torch.Tensor
        For ``"bsr"`` with ``relabel=True`` the tensors are those of the permuted topology
        ``topology.permute(s.perms)``, ``s = block_structure(topology)``: feed them
        ``x[:, s.perms[0]]`` and read outputs back with ``y[:, s.inverse[-1]]``.

    Examples
    --------
    >>> import torch, topogen
    >>> t = topogen.radix_net([[2, 2]], [1, 1, 1])
    >>> W = to_torch_sparse(t)[0]
    >>> W.layout, W.shape, int(W._nnz()) == t.layers[0].nnz
    (torch.sparse_csr, torch.Size([4, 4]), True)
    """
    check_topology("topology", topology)
    torch = require("torch", "train")
    device = _torch_device(torch, device)
    layout = check_option("layout", layout, ("csr", "bsr", "coo"))
    if weights is not None and len(weights) != topology.depth:
        raise TopogenError(
            f"weights must hold one matrix per layer ({topology.depth}), got {len(weights)}"
        )
    if dtype is None:
        dtype = weights[0].dtype if weights is not None and hasattr(weights[0], "dtype") \
            and isinstance(weights[0], torch.Tensor) else torch.float32
    if layout == "bsr":
        return _torch_bsr(torch, topology, weights, dtype, device, blocksize, relabel)
    if blocksize is not None:
        raise TopogenError("blocksize applies only to layout='bsr'")
    out = []
    for i, layer in enumerate(topology.layers):
        n_in, n_out = layer.shape
        csc = layer.tocsc()  # columns of W are rows of W.T: CSC of W is CSR of W.T
        csc.sort_indices()
        crow = torch.from_numpy(csc.indptr.astype(np.int64))
        col = torch.from_numpy(csc.indices.astype(np.int64))
        values = _edge_values(torch, weights, i, (n_out, n_in),
                              np.repeat(np.arange(n_out), np.diff(csc.indptr)), csc.indices,
                              dtype)
        t = torch.sparse_csr_tensor(crow, col, values, size=(n_out, n_in),
                                    check_invariants=False)  # valid by construction
        if layout == "coo":
            t = t.to_sparse_coo().coalesce()
        out.append(t.to(device))
    return out


def _edge_values(torch, weights, i, shape, rows, cols, dtype):
    """The values at edges ``(rows, cols)`` of ``weights[i]`` (out, in), or ones."""
    if weights is None:
        return torch.ones(len(rows), dtype=dtype)
    w = weights[i]
    w = w.detach().to("cpu") if isinstance(w, torch.Tensor) else torch.as_tensor(np.asarray(w))
    if tuple(w.shape) != shape:
        raise TopogenError(
            f"weights[{i}] has shape {tuple(w.shape)} but layer {i} needs {shape} (out, in)"
        )
    return w[torch.from_numpy(np.asarray(rows, dtype=np.int64)),
             torch.from_numpy(np.asarray(cols, dtype=np.int64))].to(dtype)


def _torch_bsr(torch, topology, weights, dtype, device, blocksize, relabel):
    if relabel:
        from .arrays import block_structure

        s = block_structure(topology)
        perms = s.perms
        work = topology.permute(perms)
    else:
        perms = None
        work = topology
    mats = []
    for i, layer in enumerate(work.layers):
        if blocksize is not None:
            size = blocksize
        elif relabel:  # torch's CPU kernels need square blocks: tile B_(i+1) x B_i by g x g
            g = math.gcd(s.blocks[i], s.blocks[i + 1])
            size = (g, g)
        else:
            size = (1, 1)
        mats.append(to_bsr(trusted([layer]), blocksize=size, dtype=np.float32,
                           layout="out_in")[0])
    out = []
    for i, mat in enumerate(mats):
        mat.sort_indices()
        r, c = mat.blocksize
        n_out, n_in = mat.shape
        crow = torch.from_numpy(mat.indptr.astype(np.int64))
        col = torch.from_numpy(mat.indices.astype(np.int64))
        if weights is None:
            values = torch.from_numpy(np.ascontiguousarray(mat.data)).to(dtype)
        else:
            w = weights[i]
            w = w.detach().to("cpu") if isinstance(w, torch.Tensor) else torch.as_tensor(
                np.asarray(w))
            if tuple(w.shape) != (n_out, n_in):
                raise TopogenError(
                    f"weights[{i}] has shape {tuple(w.shape)} but layer {i} needs "
                    f"{(n_out, n_in)} (out, in)"
                )
            if perms is not None:  # weights are in the original labels: relabel (out, in)
                w = w[torch.from_numpy(perms[i + 1])][:, torch.from_numpy(perms[i])]
            brow = np.repeat(np.arange(n_out // r), np.diff(mat.indptr))
            rows = (brow[:, None, None] * r + np.arange(r)[None, :, None])
            cols = (mat.indices[:, None, None] * c + np.arange(c)[None, None, :])
            rows, cols = np.broadcast_arrays(rows, cols)
            dense_blocks = w[torch.from_numpy(rows.astype(np.int64)),
                             torch.from_numpy(cols.astype(np.int64))]
            values = dense_blocks.to(dtype) * torch.from_numpy(
                np.ascontiguousarray(mat.data)).to(dtype)
        t = torch.sparse_bsr_tensor(crow, col, values, size=(n_out, n_in),
                                    check_invariants=False)  # valid by construction
        out.append(t.to(device))
    return out


# ---------------------------------------------------------------------------- sparse layers
def to_torch_sparse_linear(topology: Topology, layout: str = "csr", *, bias: bool = True,
                           dtype=None, device=None, seed=None, permute_io: bool = True,
                           gain: float | None = None) -> list:
    """One trainable sparse ``nn.Module`` per layer, with weights only on the edges.

    Each module computes ``x @ W.T + bias`` like ``nn.Linear(n_i, n_(i+1))``, but ``W`` is
    a ``torch.sparse_csr`` (``layout="csr"``) or ``torch.sparse_bsr`` (``"bsr"``) tensor
    rebuilt from a ``values`` parameter holding one weight per edge, so memory, compute and
    gradients scale with the edges (the backward pass is sparse too: the transposed matrix
    for the input gradient, ``torch.sparse.sampled_addmm`` for the weight gradient).  For BSR
    the layers are relabelled into dense blocks (:func:`topogen.export.block_structure`,
    square ``g x g`` blocks with ``g = gcd(B_i, B_(i+1))``), and with
    ``permute_io=True`` the first module takes inputs and the last returns outputs in the
    original neuron order (between modules the relabellings cancel, so hidden activations
    and the biases of all but the last module are in block order).  Weights start uniform
    in ``+-b_j`` with ``b_j`` set by the real in-degree ``d_j`` of each target neuron (see
    ``gain``); biases start at 0.

    Parameters
    ----------
    topology : Topology
        The network.
    layout : {"csr", "bsr"}
        Sparse format of the weights.
    bias : bool
        Give each module a bias.
    dtype, device
        Parameter dtype (default float32) and device.
    seed : int, numpy Generator or None
        Seed of the initial weights.
    permute_io : bool
        For BSR, map the network's inputs and outputs to and from the block order.
    gain : float, optional
        ``None`` (default): ``b_j = 1 / sqrt(d_j)``, like ``nn.Linear`` with the real fan-in.
        A number ``g``: ``b_j = g * sqrt(3 / d_j)``, He/LeCun uniform with the real fan-in
        (``g = sqrt(2)`` before a ReLU, 1 for a linear output), the rule of
        ``topogen.verify``.

    Returns
    -------
    list of torch.nn.Module
        Put them in ``torch.nn.Sequential`` with activations between them.  Each has
        ``values``, ``bias``, ``weight()`` (sparse, block order), ``weight_dense()`` (in
        the order of its inputs and outputs), ``n_params`` and ``blocksize``.

    Raises
    ------
    ImportError
        If torch is not installed (says which extra to install).
    TopogenError
        If ``layout`` or ``gain`` is not valid.

    Examples
    --------
    >>> import torch, topogen
    >>> net = topogen.radix_net([[2, 2]], [2, 2, 2])
    >>> mods = to_torch_sparse_linear(net, "bsr", seed=0)
    >>> model = torch.nn.Sequential(mods[0], torch.nn.ReLU(), mods[1])
    >>> model(torch.ones(3, 8)).shape, sum(m.values.numel() for m in mods) == net.nnz
    (torch.Size([3, 8]), True)
    """
    from .._checks import as_rng

    check_topology("topology", topology)
    torch = require("torch", "train")
    device = _torch_device(torch, device)
    dtype = torch.float32 if dtype is None else dtype
    rng = as_rng(seed)
    from ._torch_sparse import SparseLinear as cls
    kwargs = _sparse_linear_kwargs(
        torch, topology, layout, bias=bias, dtype=dtype, gain=gain, permute_io=permute_io,
        uniform=lambda shape: torch.from_numpy(rng.uniform(-1, 1, shape)))
    return [cls(**kw).to(device) for kw in kwargs]


def _sparse_linear_kwargs(torch, topology, layout, *, bias, dtype, gain, permute_io,
                          uniform) -> list:
    """The constructor arguments of each layer's ``SparseLinear`` module.

    ``uniform(shape)`` draws ``U(-1, 1)`` as a torch tensor (the caller's random source);
    the values are those draws times the bound of their target neuron (see ``gain`` in
    :func:`to_torch_sparse_linear`).
    """
    layout = check_option("layout", layout, ("csr", "bsr"))
    if gain is not None and (isinstance(gain, bool) or not isinstance(gain, (int, float))
                             or not math.isfinite(gain) or gain <= 0):
        raise TopogenError(f"gain must be a positive number or None, got {gain!r}")
    tensors = to_torch_sparse(topology, layout, dtype=dtype)
    if layout == "bsr":
        from .arrays import block_structure

        s = block_structure(topology)
        permuted = topology.permute(s.perms)
    else:
        permuted = topology
    out = []
    for i, (W, layer) in enumerate(zip(tensors, permuted.layers)):
        d = np.maximum(np.bincount(layer.indices, minlength=layer.shape[1]), 1)
        bound = 1.0 / np.sqrt(d) if gain is None else gain * np.sqrt(3.0 / d)  # per row of W
        crow, col = W.crow_indices(), W.col_indices()
        rows = np.repeat(np.arange(len(crow) - 1), np.diff(crow.numpy()))
        kw = {"crow": crow, "col": col, "shape": W.shape, "layout": layout, "bias": bias}
        if layout == "csr":
            b = torch.from_numpy(bound[rows])
        else:
            g = W.values().shape[1]
            if not bool((W.values() == 1).all()):  # blocks of block_structure are full
                raise TopogenError(f"layer {i}: a {g} x {g} block holds a non-edge")
            b = torch.from_numpy(bound.reshape(-1, g)[rows][:, :, None])
            first, last = i == 0, i == topology.depth - 1
            kw.update(block=g,
                      in_perm=torch.from_numpy(s.perms[0]) if permute_io and first else None,
                      out_inverse=torch.from_numpy(s.inverse[-1])
                      if permute_io and last else None)
        kw["values"] = (uniform(W.values().shape) * b).to(dtype)
        out.append(kw)
    return out


# ---------------------------------------------------------------------------- jax
def to_jax_bcoo(topology: Topology, *, dtype=None, layout: str = "in_out") -> list:
    """Each layer as a ``jax.experimental.sparse.BCOO`` matrix, ``(in, out)`` by default.

    ``x @ W`` with a BCOO ``W`` is the sparse layer.  Needs the ``jax`` extra.

    Parameters
    ----------
    topology : Topology
    dtype : jax dtype, optional; the values' dtype (default ``jnp.float32``), all 1
    layout : {"in_out", "out_in"}, default "in_out"; ``"out_in"`` gives ``(out, in)``

    Examples
    --------
    >>> import numpy as np, topogen
    >>> t = topogen.Topology([np.array([[1, 0], [1, 1]])])
    >>> W = to_jax_bcoo(t)[0]
    >>> W.shape, int(W.nse), W.todense().astype(int).tolist()
    ((2, 2), 3, [[1, 0], [1, 1]])
    """
    check_topology("topology", topology)
    from .arrays import check_layout

    transpose = check_layout(layout)
    jnp = require("jax.numpy", "jax")
    jsparse = require("jax.experimental.sparse", "jax")
    dtype = jnp.float32 if dtype is None else dtype
    out = []
    for layer in topology.layers:
        rows, cols = coo_indices(layer)
        shape = layer.shape
        if transpose:
            order = np.lexsort((rows, cols))
            rows, cols = cols[order], rows[order]
            shape = shape[::-1]
        idx = np.stack([rows, cols], axis=1).astype(np.int32)
        data = jnp.ones(len(idx), dtype=dtype)
        mat = jsparse.BCOO((data, jnp.asarray(idx)), shape=tuple(shape),
                           indices_sorted=True, unique_indices=True)
        out.append(mat)
    return out


# ---------------------------------------------------------------------------- tensorflow
def to_tf_sparse(topology: Topology, *, dtype=None) -> list:
    """Each layer as a ``tf.sparse.SparseTensor`` in the Keras kernel layout ``(in, out)``.

    ``tf.sparse.sparse_dense_matmul(x, W)`` (``x`` of shape ``(batch, n_i)``) is the layer;
    ``tf.sparse.to_dense(W)`` is the mask for a ``Dense`` layer's ``kernel``.  Indices are in
    row-major (canonical) order, as TensorFlow requires.

    Parameters
    ----------
    topology : Topology
    dtype : tf.DType, optional; the values' dtype (default ``tf.float32``), all 1

    Examples
    --------
    >>> import numpy as np, topogen
    >>> t = topogen.Topology([np.array([[1, 0], [1, 1]])])
    >>> W = to_tf_sparse(t)[0]                                   # doctest: +SKIP
    >>> W.indices.numpy().tolist()                               # doctest: +SKIP
    [[0, 0], [1, 0], [1, 1]]
    """
    check_topology("topology", topology)
    tf = require("tensorflow", "tensorflow", package="tensorflow-cpu")
    dtype = tf.float32 if dtype is None else dtype
    out = []
    for layer in topology.layers:
        rows, cols = coo_indices(layer)
        idx = np.stack([rows, cols], axis=1).astype(np.int64)
        out.append(tf.sparse.SparseTensor(indices=idx, values=tf.ones(len(idx), dtype=dtype),
                                          dense_shape=layer.shape))
    return out
