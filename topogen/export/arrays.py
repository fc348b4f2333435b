"""NumPy masks, SciPy sparse matrices, DLPack arrays and the block (BSR) structure of a Topology.

Layer ``i`` of a Topology is a boolean ``(n_i, n_(i+1))`` matrix, row = source neuron,
column = target neuron (``y = x @ W``).  The functions here hand it out in other idioms,
each an exact copy of the edge set: dense masks of any dtype in that ``(in, out)`` layout or
transposed to ``(out, in)`` (the ``nn.Linear`` layout), SciPy sparse arrays in CSR, CSC, COO
or BSR, DLPack-capable arrays for any array library, and the relabelling that turns a
RadiX-Net layer ``kron(ones((B_i, B_(i+1))), M_i)`` into ``M_i`` with each 1 replaced by a
dense ``B_i x B_(i+1)`` block (Robinett & Kepner, arXiv:1905.00416, eq. 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._checks import DEFAULT_MAX_EDGES, TopogenError, check_int, check_option
from ..topology import Topology, check_topology, trusted

__all__ = [
    "BlockStructure",
    "block_permutations",
    "block_structure",
    "to_bsr",
    "to_dlpack",
    "to_numpy_masks",
    "to_scipy",
]

_LAYOUTS = {"in_out": "rows = inputs, y = x @ W", "out_in": "nn.Linear layout, y = W @ x"}
_FORMATS = ("csr", "csc", "coo", "bsr")


def check_layout(layout) -> bool:
    """Return True if ``layout`` asks for the transposed ``(out, in)`` layout.

    Parameters
    ----------
    layout : {"in_out", "out_in"}
        ``"in_out"``: rows are inputs (``y = x @ W``); ``"out_in"``: rows are outputs
        (``nn.Linear``, ``y = W @ x``).

    Returns
    -------
    bool

    Raises
    ------
    TopogenError
        For any other value (the message of :func:`~topogen._checks.check_option`).

    Examples
    --------
    >>> check_layout("in_out"), check_layout("out_in")
    (False, True)
    """
    return check_option("layout", layout, _LAYOUTS) == "out_in"


def check_dense_size(topology: Topology, max_entries, what: str) -> None:
    """Refuse dense output larger than ``max_entries`` entries in total, before allocating.

    Parameters
    ----------
    topology : Topology
        The network to be written densely (``sum(n_i * n_(i+1))`` entries).
    max_entries : int
        Largest total number of dense entries allowed (at least 1).
    what : str
        The exporter's name, used in the message.

    Raises
    ------
    TopogenError
        If ``max_entries`` is not a positive integer or the total exceeds it.

    Examples
    --------
    >>> import topogen
    >>> check_dense_size(topogen.radix_net([[2]], [1, 1]), 3, "to_dense")
    Traceback (most recent call last):
    ...
    topogen._checks.TopogenError: to_dense would hold 4 dense entries, above max_entries=3; ...
    """
    max_entries = check_int("max_entries", max_entries, minimum=1)
    w = topology.widths
    total = sum(w[i] * w[i + 1] for i in range(topology.depth))
    if total > max_entries:
        raise TopogenError(
            f"{what} would hold {total:,} dense entries, above max_entries={max_entries:,}; "
            "pass a larger max_entries= if you have the memory, or use a sparse export "
            "(to_scipy, to_torch_sparse, to_jax_bcoo)"
        )


def to_numpy_masks(
    topology: Topology,
    dtype=bool,
    *,
    layout: str = "in_out",
    max_entries: int = DEFAULT_MAX_EDGES,
) -> list[np.ndarray]:
    """Each layer as a dense 0/1 NumPy mask.

    Parameters
    ----------
    topology : Topology
        The network.
    dtype : numpy dtype, default bool
        Any dtype that holds 0 and 1 (``bool``, ``np.float32``, ``np.int8`` ...).
    layout : {"in_out", "out_in"}, default "in_out"
        ``"in_out"``: shape ``(n_i, n_(i+1))``, rows are inputs (``y = x @ M``, Keras kernel
        layout).  ``"out_in"``: the transpose, shape ``(n_(i+1), n_i)`` (``nn.Linear`` weight
        layout, ``y = M @ x``).
    max_entries : int
        Refuse (before allocating) if all masks together would hold more entries.

    Returns
    -------
    list of numpy.ndarray
        One new, writable C-contiguous array per layer.

    Raises
    ------
    TopogenError
        For an unknown layout or dtype, or masks larger than ``max_entries``.

    Examples
    --------
    >>> import numpy as np, topogen
    >>> t = topogen.Topology([np.array([[1, 0, 1], [0, 1, 0]])])
    >>> to_numpy_masks(t, np.float32)[0]
    array([[1., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    >>> to_numpy_masks(t, layout="out_in")[0].shape
    (3, 2)
    """
    check_topology("topology", topology)
    transpose = check_layout(layout)
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise TopogenError(f"dtype must be a NumPy dtype, got {dtype!r}: {exc}") from None
    if dtype.kind not in "biuf":
        raise TopogenError(f"dtype must be bool or a numeric NumPy dtype, got {dtype}")
    check_dense_size(topology, max_entries, "to_numpy_masks")
    out = []
    for layer in topology.layers:
        n_in, n_out = layer.shape
        rows, cols = coo_indices(layer)
        if transpose:
            mask = np.zeros((n_out, n_in), dtype=dtype)
            mask[cols, rows] = 1
        else:
            mask = np.zeros((n_in, n_out), dtype=dtype)
            mask[rows, cols] = 1
        out.append(mask)
    return out


def coo_indices(layer: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Row and column index of every edge of a canonical CSR layer, in row-major order.

    Shared by the array and framework exporters (not in ``__all__``).

    Parameters
    ----------
    layer : scipy.sparse.csr_array
        A canonical layer (sorted indices, no duplicates), such as ``Topology.layers[i]``.

    Returns
    -------
    rows, cols : numpy.ndarray
        One entry per edge, in the index dtype of ``layer``; ``cols`` is ``layer.indices``
        itself (not a copy).

    Examples
    --------
    >>> import numpy as np, topogen
    >>> t = topogen.Topology([np.array([[1, 0], [1, 1]])])
    >>> [a.tolist() for a in coo_indices(t.layers[0])]
    [[0, 1, 1], [0, 0, 1]]
    """
    rows = np.repeat(np.arange(layer.shape[0], dtype=layer.indices.dtype), np.diff(layer.indptr))
    return rows, layer.indices


def to_scipy(topology: Topology, format: str = "csr", dtype=bool, *, layout: str = "in_out",
             blocksize=None) -> list:
    """Each layer as a new SciPy sparse array (``csr_array``, ``csc_array``, ``coo_array``, ...).

    Parameters
    ----------
    topology : Topology
        The network.
    format : {"csr", "csc", "coo", "bsr"}, default "csr"
        The sparse format.  All are canonical (sorted, no duplicates, no stored zeros).
    dtype : numpy dtype, default bool
        Value type; every stored value is 1.
    layout : {"in_out", "out_in"}
        As in :func:`to_numpy_masks`.
    blocksize : (int, int), optional
        For ``"bsr"`` only: the block shape, which must divide the layer shape.  The
        default is the largest dense block that the layer is made of exactly (see
        :func:`to_bsr`); ``(1, 1)`` always works.

    Returns
    -------
    list of scipy.sparse arrays
        Independent, writable copies (changing them does not change the Topology).

    Examples
    --------
    >>> import numpy as np, topogen
    >>> t = topogen.Topology([np.array([[1, 0], [1, 1]])])
    >>> c = to_scipy(t, "coo", np.float64)[0]
    >>> c.format, c.row.tolist(), c.col.tolist(), c.data.tolist()
    ('coo', [0, 1, 1], [0, 0, 1], [1.0, 1.0, 1.0])
    """
    check_topology("topology", topology)
    transpose = check_layout(layout)
    format = check_option("format", format, _FORMATS)
    if format == "bsr":
        return to_bsr(topology, blocksize=blocksize, dtype=dtype, layout=layout)
    if blocksize is not None:
        raise TopogenError(f"blocksize applies only to format='bsr', got format={format!r}")
    out = []
    for layer in topology.layers:
        csr = sp.csr_array(
            (np.ones(layer.nnz, dtype=dtype), layer.indices.copy(), layer.indptr.copy()),
            shape=layer.shape,
        )
        csr.has_canonical_format = True
        mat = csr.T if transpose else csr  # .T of csr is a csc view: converting below copies
        if format == "csr":
            mat = sp.csr_array(mat)
        elif format == "csc":
            mat = sp.csc_array(mat)
        else:
            mat = sp.coo_array(sp.csr_array(mat))  # row-major order, canonical
        if format != "coo":
            mat.sort_indices()
        out.append(mat)
    return out


def to_dlpack(topology: Topology, dtype=np.float32, *, layout: str = "in_out",
              max_entries: int = DEFAULT_MAX_EDGES) -> list[np.ndarray]:
    """Dense masks that any DLPack consumer can take without a copy.

    The arrays are C-contiguous NumPy arrays (which implement ``__dlpack__``), so
    ``torch.from_dlpack(a)``, ``jax.dlpack.from_dlpack(a)``, ``cupy.from_dlpack(a)`` and
    ``np.from_dlpack(a)`` all share their memory.  DLPack has no boolean type in older
    consumers, so the default dtype is ``float32``.

    Parameters
    ----------
    topology : Topology
    dtype : numpy dtype, default numpy.float32
        Type of the masks (1 for an edge, 0 elsewhere).
    layout : {"in_out", "out_in"}, default "in_out"
        As in :func:`to_numpy_masks`.
    max_entries : int, default DEFAULT_MAX_EDGES
        Cap on the total number of dense entries, checked before allocating.

    Returns
    -------
    list of numpy.ndarray
        One C-contiguous mask per layer.

    Raises
    ------
    TopogenError
        For a bad layout or more than ``max_entries`` entries.

    Examples
    --------
    >>> import numpy as np, topogen
    >>> a = to_dlpack(topogen.Topology([np.eye(2)]))[0]
    >>> np.from_dlpack(a).dtype, hasattr(a, "__dlpack__")
    (dtype('float32'), True)
    """
    masks = to_numpy_masks(topology, dtype, layout=layout, max_entries=max_entries)
    return [np.ascontiguousarray(m) for m in masks]


# ---------------------------------------------------------------------------- blocks
@dataclass(frozen=True)
class BlockStructure:
    """The block form of a Topology: ``W_i = P_i^T (M_i kron ones(B_i, B_(i+1))) P_(i+1)``.

    Attributes
    ----------
    blocks : tuple of int
        ``B_0, ..., B_L``: block size of each width (1 where there is no block structure).
    base : Topology
        The ``M_i``: widths ``n_i / B_i``.
    perms : tuple of numpy.ndarray
        ``perms[i]`` relabels width ``i`` (see :func:`block_permutations`): the permuted
        topology ``topology.permute(perms)`` has layer ``i`` equal to ``M_i`` with each 1
        replaced by a dense ``B_i x B_(i+1)`` block.
    inverse : tuple of numpy.ndarray
        ``inverse[i]`` undoes ``perms[i]``: ``x_new = x[..., perms[i]]`` and
        ``x = x_new[..., inverse[i]]``.
    """

    blocks: tuple
    base: Topology
    perms: tuple
    inverse: tuple


def block_permutations(widths, blocks) -> list[np.ndarray]:
    """The relabelling ``b * N' + r -> r * B + b`` of each width, as index arrays.

    For width ``n = B * N'``, new neuron ``r * B + b`` is old neuron ``b * N' + r``: copy
    ``b`` of base neuron ``r``.  So ``perms[i][r * B + b] = b * N' + r`` (the convention of
    :meth:`Topology.permute`: new neuron ``k`` is old neuron ``perm[k]``).

    Parameters
    ----------
    widths : sequence of int
        The widths ``n_i``.
    blocks : sequence of int
        Block size ``B_i`` of each width; each must divide its width.

    Returns
    -------
    list of numpy.ndarray
        One int64 permutation of ``range(n_i)`` per width.

    Raises
    ------
    TopogenError
        If an entry is not a positive integer or a block size does not divide its width.

    Examples
    --------
    >>> [p.tolist() for p in block_permutations([4, 6], [2, 3])]
    [[0, 2, 1, 3], [0, 2, 4, 1, 3, 5]]
    """
    out = []
    for i, (n, b) in enumerate(zip(widths, blocks)):
        n = check_int(f"widths[{i}]", n, minimum=1)
        b = check_int(f"blocks[{i}]", b, minimum=1)
        if n % b:
            raise TopogenError(f"blocks[{i}] = {b} must divide widths[{i}] = {n}")
        base = n // b
        # position r * B + b holds b * N' + r: a (N', B) grid read row-major
        out.append((np.arange(b)[None, :] * base + np.arange(base)[:, None]).ravel())
    return out


def _kron_blocks(layer: sp.csr_array, p: int, q: int) -> sp.csr_array | None:
    """The ``M`` with ``layer == kron(ones((p, q)), M)``, or None if there is none."""
    n, m = layer.shape
    if n % p or m % q:
        return None
    nb, mb = n // p, m // q
    top = layer[:nb, :mb]
    top = sp.csr_array(top)
    if top.nnz * p * q != layer.nnz:
        return None
    from ..topology import kron_ones

    candidate = kron_ones(p, q, top)
    if np.array_equal(candidate.indptr, layer.indptr) and np.array_equal(
        candidate.indices, layer.indices
    ):
        return top
    return None


def block_structure(topology: Topology, blocks=None) -> BlockStructure:
    """Find (or check) the Kronecker block structure of every layer.

    A RadiX-Net layer is ``kron(ones((B_i, B_(i+1))), M_i)`` (neuron ``b * N' + r`` is copy
    ``b`` of neuron ``r``).  After relabelling neurons ``b * N' + r -> r * B + b`` every layer
    is ``M_i`` with each 1 replaced by a dense ``B_i x B_(i+1)`` block, the shape that
    block-sparse (BSR) kernels run fast.

    Parameters
    ----------
    topology : Topology
        The network.
    blocks : sequence of int, optional
        ``B_0..B_L``.  Default: read from ``meta`` of a RadiX-Net (``params["multipliers"]``,
        or ``params["widths"]`` in older files) and verified; otherwise found by trying the
        divisors of each width, largest first, and keeping the largest that every layer at
        that width admits.

    Returns
    -------
    BlockStructure
        ``blocks``, ``base`` (the ``M_i``), ``perms`` and their ``inverse``.

    Raises
    ------
    TopogenError
        If given ``blocks`` do not describe the topology.

    Examples
    --------
    >>> import topogen
    >>> net = topogen.radix_net([[2, 2]], [1, 3, 1])
    >>> s = block_structure(net)
    >>> s.blocks, s.base.widths
    ((1, 3, 1), (4, 4, 4))
    >>> net.permute(s.perms).layers[0][:1, :6].toarray().astype(int)
    array([[1, 1, 1, 0, 0, 0]])
    """
    check_topology("topology", topology)
    widths = topology.widths
    if blocks is None:
        blocks = _blocks_from_meta(topology)
        if blocks is None or _bases(topology, blocks) is None:
            blocks = _find_blocks(topology)
    else:
        if len(blocks) != len(widths):
            raise TopogenError(
                f"blocks must have one entry per width ({len(widths)}), got {len(blocks)}"
            )
        blocks = tuple(check_int(f"blocks[{i}]", b, minimum=1) for i, b in enumerate(blocks))
    bases = _bases(topology, blocks)
    if bases is None:
        raise TopogenError(
            f"blocks={blocks} do not describe this topology: some layer i is not "
            "kron(ones((B_i, B_(i+1))), M_i); call block_structure(topology) to find them"
        )
    perms = block_permutations(widths, blocks)
    inverse = [np.argsort(p) for p in perms]
    return BlockStructure(tuple(blocks), trusted(bases, {
        "generator": "block_base", "params": {"blocks": list(blocks)}, "base": topology.meta}),
        tuple(perms), tuple(inverse))


def _blocks_from_meta(topology: Topology):
    meta = topology.meta
    if meta.get("generator") not in ("radix_net", "kron"):
        return None
    params = meta.get("params", {})
    widths = params.get("multipliers", params.get("widths"))  # "widths": older files
    if not isinstance(widths, list) or len(widths) != len(topology.widths):
        return None
    if not all(isinstance(b, int) and b >= 1 for b in widths):
        return None
    return tuple(widths)


def _bases(topology: Topology, blocks) -> list | None:
    bases = []
    for i, layer in enumerate(topology.layers):
        p, q = blocks[i], blocks[i + 1]
        if layer.shape[0] % p or layer.shape[1] % q:
            return None
        base = layer if p == q == 1 else _kron_blocks(layer, p, q)
        if base is None:
            return None
        from ..topology import csr_from_parts

        base = sp.csr_array(base)
        base.sort_indices()
        bases.append(csr_from_parts(base.shape, base.indptr, base.indices))
    return bases


def _divisors_desc(n: int) -> list[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]), reverse=True)


def _find_blocks(topology: Topology) -> tuple:
    """Greedy: for each width, the largest block size compatible with its neighbours' 1."""
    widths = topology.widths
    blocks = [1] * len(widths)
    for i, n in enumerate(widths):
        for b in _divisors_desc(n):
            if b == 1:
                break
            trial = list(blocks)
            trial[i] = b
            ok = True
            for j in (i - 1, i):  # the layers touching width i
                if 0 <= j < topology.depth:
                    layer = topology.layers[j]
                    if _kron_blocks(layer, trial[j], trial[j + 1]) is None:
                        ok = False
                        break
            if ok:
                blocks[i] = b
                break
    return tuple(blocks)


def to_bsr(topology: Topology, *, blocksize=None, dtype=bool, layout: str = "in_out",
           structure: BlockStructure | None = None) -> list[sp.bsr_array]:
    """Each layer as a SciPy ``bsr_array`` with dense blocks.

    With ``blocksize=None`` the layers are first relabelled by :func:`block_structure`
    (``b * N' + r -> r * B + b``) so that each is ``M_i`` with every 1 a dense
    ``B_i x B_(i+1)`` block: the returned matrices are the *permuted* layers
    (``topology.permute(structure.perms)``), and ``structure.perms`` / ``.inverse`` map
    inputs and outputs back.  With an explicit ``blocksize=(r, c)`` the layers are not
    relabelled and stored in ``r x c`` blocks as they are (zeros inside blocks are stored).

    Parameters
    ----------
    topology : Topology
    blocksize : (int, int), optional
        Fixed block shape (rows, columns) for every layer, in the layout asked for; each
        must divide the layer's shape. Default: the blocks of :func:`block_structure`.
    dtype : numpy dtype, default bool
        Type of the stored entries.
    layout : {"in_out", "out_in"}, default "in_out"
        As in :func:`to_numpy_masks`.
    structure : BlockStructure, optional
        A block structure already computed for ``topology`` (saves recomputing it;
        only used with ``blocksize=None``).

    Returns
    -------
    list of scipy.sparse.bsr_array
        One per layer (permuted layers with ``blocksize=None``).

    Raises
    ------
    TopogenError
        For a bad layout, a ``blocksize`` that is not a pair of positive integers or
        does not divide a layer's shape.

    Examples
    --------
    >>> import topogen
    >>> net = topogen.radix_net([[2, 2]], [2, 2, 2])
    >>> b = to_bsr(net)[0]
    >>> b.blocksize, b.nnz == net.layers[0].nnz   # every stored block entry is an edge
    ((2, 2), True)
    """
    check_topology("topology", topology)
    transpose = check_layout(layout)
    if blocksize is None:
        s = structure if structure is not None else block_structure(topology)
        permuted = topology.permute(s.perms)
        out = []
        for i, layer in enumerate(permuted.layers):
            p, q = s.blocks[i], s.blocks[i + 1]
            csr = sp.csr_array(
                (np.ones(layer.nnz, dtype=dtype), layer.indices.copy(), layer.indptr.copy()),
                shape=layer.shape,
            )
            mat = sp.bsr_array(csr.T, blocksize=(q, p)) if transpose else sp.bsr_array(
                csr, blocksize=(p, q))
            out.append(mat)
        return out
    if len(blocksize) != 2:
        raise TopogenError(f"blocksize must be a pair (rows, cols), got {blocksize!r}")
    r, c = (check_int(f"blocksize[{k}]", v, minimum=1) for k, v in enumerate(blocksize))
    out = []
    for i, layer in enumerate(topology.layers):
        shape = layer.shape[::-1] if transpose else layer.shape
        if shape[0] % r or shape[1] % c:
            raise TopogenError(
                f"blocksize {(r, c)} must divide the shape {shape} of layer {i}"
            )
        csr = sp.csr_array(
            (np.ones(layer.nnz, dtype=dtype), layer.indices.copy(), layer.indptr.copy()),
            shape=layer.shape,
        )
        out.append(sp.bsr_array(csr.T if transpose else csr, blocksize=(r, c)))
    return out
