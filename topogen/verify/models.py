"""Masked and sparse linear layers, the MLP the verifier trains, and device selection.

This module imports torch; ``topogen.verify`` imports it only when something is trained.

Initialisation rule (used for sparse and dense layers alike, so the comparison is fair):
He/Kaiming uniform with each output neuron's **real fan-in** ``d_j`` (the number of its
unmasked inputs): ``w ~ U(-sqrt(6 / d_j), sqrt(6 / d_j))`` before a ReLU, and
``U(-sqrt(3 / d_j), sqrt(3 / d_j))`` (LeCun, gain 1) for the output layer; biases start at 0.
With the dense fan-in a neuron that keeps a fraction ``p`` of its inputs would start with
pre-activation variance ``p`` times too small, and a deep sparse net's signal would shrink
by ``p`` per layer (Evci et al., *Gradient Flow in Sparse Neural Networks and How Lottery
Tickets Win*, AAAI 2022; He et al. 2015).

The uniform draws are taken **one per edge, in row-major order of the ``(out, in)`` weight**
from the run's ``torch.Generator``, whatever the layer's storage (masked dense, CSR or BSR),
so the three kinds start from the same weights and train along the same trajectory up to
float rounding (tested).
"""

from __future__ import annotations

import numpy as np

from .._checks import TopogenError, check_option, require

torch = require("torch", "train")  # ImportError naming the extra when torch is missing
nn = torch.nn

__all__ = [
    "INITS", "LAYER_KINDS", "BlockSparseLinear", "MaskedLinear", "SparseLinear", "build_mlp",
    "choose_layer_kind", "init_fan_in_", "select_device",
]

#: What ``layers=`` accepts: one kind for every sparse layer, or ``"auto"`` (per layer).
LAYER_KINDS = ("masked", "csr", "bsr", "auto")


def select_device(device=None):
    """Pick a torch device: CUDA if available, then Apple MPS, then the CPU.

    Parameters
    ----------
    device : str or torch.device, optional
        ``None`` or ``"auto"`` picks automatically; anything else (``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ``"mps"``) is checked to be available.

    Returns
    -------
    torch.device

    Raises
    ------
    TopogenError
        If the named device is not a device or is not available here.

    Examples
    --------
    >>> select_device("cpu")
    device(type='cpu')
    """
    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise TopogenError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}: {exc}"
        ) from None
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0 or (dev.index is not None and dev.index >= count):
            raise TopogenError(
                f"device {device!r} is not available: this torch sees {count} CUDA device(s); "
                "use device='auto' or 'cpu'"
            )
    elif dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise TopogenError(
                f"device {device!r} is not available (no Apple MPS backend here); use "
                "device='auto' or 'cpu'"
            )
    elif dev.type != "cpu":
        raise TopogenError(
            f"device {device!r} is not supported; use 'auto', 'cpu', 'cuda' or 'mps'"
        )
    return dev


#: Initialisation rules: the real fan-in of each neuron (default) or the dense fan-in
#: ``n_in`` of its layer (what ``nn.Linear``-style init gives a masked layer; for controls).
INITS = ("real_fan_in", "dense_fan_in")


def _edge_values(n_out, rows, gain, generator, dense_fan_in=None):
    """One initial weight per edge: ``U(-b_j, b_j)`` with ``b_j = gain sqrt(3 / fan_in_j)``.

    ``rows`` holds the target neuron of each edge, in row-major order of ``(out, in)``;
    ``dense_fan_in`` (the layer's ``n_in``) replaces the real fan-in when given.
    """
    if dense_fan_in is not None:
        fan_in = torch.full((n_out,), float(dense_fan_in))
    else:
        fan_in = torch.bincount(rows, minlength=n_out).clamp(min=1).to(torch.float32)
    bound = gain * torch.sqrt(3.0 / fan_in)
    u = torch.rand(len(rows), generator=generator, dtype=torch.float32)
    return (2 * u - 1) * bound[rows]


def init_fan_in_(weight, mask=None, *, gain: float = 2 ** 0.5, generator=None,
                 init: str = "real_fan_in"):
    """In place: ``weight[j, k] ~ U(-b_j, b_j)``, ``b_j = gain * sqrt(3 / fan_in_j)``, masked.

    ``fan_in_j`` is the number of True entries in row ``j`` of ``mask`` (all ``in`` columns
    when ``mask`` is None); masked-out entries are set to 0.  One uniform draw per edge in
    row-major order (the order every layer kind of this module uses).

    Parameters
    ----------
    weight : torch.Tensor
        ``(out, in)``, overwritten.
    mask : torch.bool tensor, optional
        ``(out, in)``; None means every entry is an edge.
    gain : float
        ``sqrt(2)`` before a ReLU (He), 1 for a linear output (LeCun).
    generator : torch.Generator, optional
    init : {"real_fan_in", "dense_fan_in"}
        ``"dense_fan_in"`` uses ``fan_in_j = in`` for every row (a control, not a default).

    Returns
    -------
    torch.Tensor
        ``weight``.

    Examples
    --------
    >>> import torch
    >>> w = torch.empty(2, 4)
    >>> m = torch.tensor([[True, False, False, False], [True, True, True, True]])
    >>> _ = init_fan_in_(w, m, gain=1.0, generator=torch.Generator().manual_seed(0))
    >>> bool(w[0].abs().max() <= 3 ** 0.5) and bool((w[0, 1:] == 0).all())
    True
    """
    init = check_option("init", init, INITS)
    with torch.no_grad():
        n_out, n_in = weight.shape
        dense = n_in if init == "dense_fan_in" else None
        if mask is None:
            rows = torch.arange(n_out).repeat_interleave(n_in)
            weight.copy_(_edge_values(n_out, rows, gain, generator).reshape(n_out, n_in))
        else:
            rows = mask.nonzero()[:, 0].cpu()
            values = _edge_values(n_out, rows, gain, generator, dense).to(weight.dtype)
            weight.zero_()
            weight[mask.to(weight.device)] = values.to(weight.device)
    return weight


_RELU_GAIN = 2 ** 0.5


class MaskedLinear(nn.Linear):
    """An ``nn.Linear`` whose weight is multiplied by a fixed boolean mask ``(out, in)``.

    The forward pass uses ``weight * mask``, so the gradient of every masked entry is exactly
    zero; the masked entries of ``weight`` are zeroed at construction and :meth:`enforce_mask`
    re-zeroes them (the trainer calls it after every optimiser step, a guard against
    optimisers that move a weight whose gradient is zero, e.g. with decoupled weight decay).
    A ``mask`` of None makes a plain dense layer with the same initialisation rule.

    Parameters
    ----------
    in_features, out_features : int
    mask : torch.bool tensor, optional
        ``(out, in)``.
    gain : float
        See :func:`init_fan_in_`.
    generator : torch.Generator, optional
    init : {"real_fan_in", "dense_fan_in"}, default "real_fan_in"
        See :func:`init_fan_in_`.

    Examples
    --------
    >>> m = MaskedLinear(3, 2, torch.tensor([[True, False, True], [False, True, False]]))
    >>> (m.weight[~m.mask] == 0).all().item(), m.n_params
    (True, 5)
    """

    kind = "masked"

    def __init__(self, in_features, out_features, mask=None, *, gain=_RELU_GAIN,
                 generator=None, init="real_fan_in"):
        super().__init__(in_features, out_features, bias=True)
        if mask is not None:
            if tuple(mask.shape) != (out_features, in_features):
                raise TopogenError(
                    f"mask has shape {tuple(mask.shape)} but the layer needs "
                    f"{(out_features, in_features)} (out, in)"
                )
            self.register_buffer("mask", mask.to(torch.bool).clone())
        else:
            self.mask = None
        init_fan_in_(self.weight, self.mask, gain=gain, generator=generator, init=init)
        with torch.no_grad():
            self.bias.zero_()

    def forward(self, x):
        """``x @ (weight * mask).T + bias``.

        Parameters
        ----------
        x : torch.Tensor
            ``(..., in_features)`` inputs.

        Returns
        -------
        torch.Tensor
            ``(..., out_features)``.
        """
        w = self.weight if self.mask is None else self.weight * self.mask
        return torch.nn.functional.linear(x, w, self.bias)

    @torch.no_grad()
    def enforce_mask(self):
        """Zero the masked weights in place."""
        if self.mask is not None:
            self.weight.mul_(self.mask)

    def weight_dense(self):
        """The effective ``(out, in)`` weight (masked entries 0).

        Returns
        -------
        torch.Tensor
            Dense ``(out_features, in_features)``, differentiable.
        """
        return self.weight if self.mask is None else self.weight * self.mask

    @property
    def n_weights(self) -> int:
        """Weights that can be nonzero."""
        return self.weight.numel() if self.mask is None else int(self.mask.sum())

    @property
    def n_params(self) -> int:
        """Weights that can be nonzero, plus biases."""
        return self.n_weights + self.bias.numel()


def _layer_of(topology, index):
    from ..topology import check_topology

    check_topology("topology", topology)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not (
            -topology.depth <= index < topology.depth):
        raise TopogenError(f"index must be a layer of this depth-{topology.depth} topology "
                           f"(0 .. {topology.depth - 1}), got {index!r}")
    return topology.layers[index]


def _stored_order(inner):
    """Row-major rank, in the ``(out, in)`` weight, of every stored value of an exported layer.

    Uses the documented structure of the modules of
    :func:`topogen.export.to_torch_sparse_linear`: ``crow``/``col`` (of blocks for BSR),
    ``block``, and the relabellings ``in_perm`` / ``out_inverse`` (None for CSR).
    """
    g = int(inner.block)
    n_out, n_in = inner.out_features, inner.in_features
    crow, col = inner.crow.cpu(), inner.col.cpu()
    brow = torch.repeat_interleave(torch.arange(len(crow) - 1), crow.diff())
    a = torch.arange(g)
    rows = (brow[:, None, None] * g + a[None, :, None]).expand(-1, g, g).reshape(-1)
    cols = (col[:, None, None] * g + a[None, None, :]).expand(-1, g, g).reshape(-1)
    if inner.out_inverse is not None:
        rows = torch.argsort(inner.out_inverse.cpu())[rows]
    if inner.in_perm is not None:
        cols = inner.in_perm.cpu()[cols]
    key = rows * n_in + cols
    return torch.argsort(torch.argsort(key)), rows, n_out


class SparseLinear(nn.Module):
    """A linear layer whose weight is a real ``torch.sparse_csr`` tensor ``(out, in)``.

    Wraps the module of :func:`topogen.export.to_torch_sparse_linear` (``layout="csr"``) for
    one layer of a topology (``self.inner``): only the ``nnz`` edge values are stored and
    trained (``values``) on the fixed pattern; forward and backward are sparse and use only
    generic torch calls, so they run on the CPU and on CUDA alike.  The initial weights are
    those :class:`MaskedLinear` draws for the same layer from the same generator (one draw per
    edge in row-major order, the real-fan-in rule), so a masked and a sparse model start
    equal.

    Parameters
    ----------
    topology : Topology
        The layer is ``topology.layers[index]`` (``(in, out)``, row = source).
    index : int
    gain : float
        See :func:`init_fan_in_`.
    generator : torch.Generator, optional
    device : torch.device, optional
    init : {"real_fan_in", "dense_fan_in"}, default "real_fan_in"
        See :func:`init_fan_in_`.

    Examples
    --------
    >>> import topogen
    >>> layer = SparseLinear(topogen.radix_net([[2, 2]], [1, 2, 1]), 0)
    >>> layer(torch.ones(3, 4)).shape, layer.n_params
    (torch.Size([3, 8]), 24)
    """

    kind = "csr"

    def __init__(self, topology, index=0, *, gain=_RELU_GAIN, generator=None, device=None,
                 init="real_fan_in"):
        super().__init__()
        from ..export import to_torch_sparse_linear
        from ..topology import Topology

        init = check_option("init", init, INITS)
        layer = _layer_of(topology, index)
        one = Topology([layer])
        self.inner = to_torch_sparse_linear(one, self.kind, gain=gain, seed=0)[0]
        rank, rows, n_out = _stored_order(self.inner)
        ordered_rows = torch.empty_like(rows)
        ordered_rows[rank] = rows
        dense = self.inner.in_features if init == "dense_fan_in" else None
        values = _edge_values(n_out, ordered_rows, gain, generator, dense)[rank]
        with torch.no_grad():
            self.inner.values.copy_(values.reshape(self.inner.values.shape))
        self.in_features, self.out_features = self.inner.in_features, self.inner.out_features
        if device is not None:
            self.to(device)

    def forward(self, x):
        """The sparse product of the wrapped layer, plus its bias.

        Parameters
        ----------
        x : torch.Tensor
            ``(batch, in_features)`` inputs.

        Returns
        -------
        torch.Tensor
            ``(batch, out_features)``.
        """
        return self.inner(x)

    @property
    def values(self):
        """The trainable edge values (``(nnz,)``, or ``(blocks, g, g)`` for BSR)."""
        return self.inner.values

    @property
    def bias(self):
        """The bias ``(out,)``."""
        return self.inner.bias

    def weight_sparse(self):
        """The weight as a sparse ``(out, in)`` tensor sharing ``values`` (block order for BSR).

        Returns
        -------
        torch.Tensor
            Sparse CSR or BSR ``(out_features, in_features)``.
        """
        return self.inner.weight()

    def weight_dense(self):
        """The ``(out, in)`` weight in the order of the layer's inputs and outputs.

        Returns
        -------
        torch.Tensor
            Dense ``(out_features, in_features)``, zero off the edges.
        """
        return self.inner.weight_dense()

    def enforce_mask(self):
        """Nothing to do: only edges are stored."""

    @property
    def n_weights(self) -> int:
        """Stored weights, every one an edge."""
        return self.inner.values.numel()

    @property
    def n_params(self) -> int:
        """Stored weights plus biases."""
        return self.inner.n_params


class BlockSparseLinear(SparseLinear):
    """A linear layer stored as a real ``torch.sparse_bsr`` tensor of dense blocks.

    Wraps the module of :func:`topogen.export.to_torch_sparse_linear` (``layout="bsr"``) for
    one layer of a topology: the neurons are relabelled by
    :func:`topogen.export.block_structure` (a RadiX-Net's Kronecker copies then form dense
    square ``g x g`` blocks, ``g = gcd(B_in, B_out)``) and permuted back inside ``forward``,
    so the layer computes the same function as :class:`SparseLinear`, from the same initial
    weights.  A layer without block structure gets ``1 x 1`` blocks (correct, but no faster
    than CSR).

    Parameters
    ----------
    topology : Topology
    index : int
    gain : float
    generator : torch.Generator, optional
    device : torch.device, optional

    Examples
    --------
    >>> import topogen
    >>> layer = BlockSparseLinear(topogen.radix_net([[2, 2]], [2, 2, 2]), 0)
    >>> layer.inner.blocksize, layer(torch.ones(3, 8)).shape
    ((2, 2), torch.Size([3, 8]))
    """

    kind = "bsr"


#: ``layers="auto"`` picks CSR for a layer with at most this density ...
AUTO_MAX_DENSITY = 0.125
#: ... and at least this many cells ``n_in * n_out`` (below, kernel overheads win), on a CPU.
AUTO_MIN_CELLS = 2 ** 17


def choose_layer_kind(kind: str, n_in: int, n_out: int, nnz: int, device=None) -> str:
    """The storage of one sparse layer for ``layers=kind`` (``"auto"`` decides by size).

    ``"auto"`` takes CSR on a CPU when the layer's density is at most
    :data:`AUTO_MAX_DENSITY` and it has at least :data:`AUTO_MIN_CELLS` cells, the region
    where ``benchmarks/bench_sparse_layer.py`` measured CSR faster than a masked dense layer
    (docs/benchmarks/verify.md); otherwise, and on GPUs (whose dense kernels are much faster
    relative to sparse ones, not measured here), the masked layer.

    Parameters
    ----------
    kind : {"masked", "csr", "bsr", "auto"}
    n_in, n_out : int
        Layer widths.
    nnz : int
        Edges of the layer.
    device : torch.device or str, optional

    Returns
    -------
    str
        ``"masked"``, ``"csr"`` or ``"bsr"``.

    Examples
    --------
    >>> choose_layer_kind("auto", 784, 300, 23520), choose_layer_kind("auto", 64, 64, 400)
    ('csr', 'masked')
    """
    kind = check_option("layers", kind, LAYER_KINDS)
    if kind != "auto":
        return kind
    on_cpu = device is None or torch.device(device).type == "cpu"
    cells = n_in * n_out
    if on_cpu and cells >= AUTO_MIN_CELLS and nnz <= AUTO_MAX_DENSITY * cells:
        return "csr"
    return "masked"


def build_mlp(widths, masks, *, seed: int = 0, device=None, layers: str = "masked",
              init: str = "real_fan_in"):
    """The verifier's MLP: linear layers with ReLU between them, sparse where masked.

    Parameters
    ----------
    widths : sequence of int
        ``n_0 .. n_L``.
    masks : sequence of (torch.bool tensor or None)
        One per layer, ``(n_(i+1), n_i)`` (``nn.Linear`` layout); None = dense layer.
    seed : int
        Seeds the initialisation (a private ``torch.Generator``, so results repeat).
    device : torch.device, optional
    layers : {"masked", "csr", "bsr", "auto"}
        Storage of the masked layers (dense layers are always plain): :class:`MaskedLinear`,
        :class:`SparseLinear`, :class:`BlockSparseLinear`, or per layer by
        :func:`choose_layer_kind`.  All start from the same weights for the same seed.
    init : {"real_fan_in", "dense_fan_in"}
        See :func:`init_fan_in_`.

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> import torch
    >>> m = build_mlp([4, 3, 2], [None, torch.ones(2, 3, dtype=torch.bool)], seed=0)
    >>> m(torch.zeros(5, 4)).shape
    torch.Size([5, 2])
    """
    if len(masks) != len(widths) - 1:
        raise TopogenError(
            f"need {len(widths) - 1} masks for widths {list(widths)}, got {len(masks)}"
        )
    gen = torch.Generator().manual_seed(int(seed))
    mods = []
    n_layers = len(widths) - 1
    for i in range(n_layers):
        last = i == n_layers - 1
        gain = 1.0 if last else _RELU_GAIN
        mask = masks[i]
        kind = "masked" if mask is None else choose_layer_kind(
            layers, widths[i], widths[i + 1], int(mask.sum()), device)
        if kind == "masked":
            mods.append(MaskedLinear(widths[i], widths[i + 1], mask, gain=gain, generator=gen,
                                     init=init))
        else:
            cls = SparseLinear if kind == "csr" else BlockSparseLinear
            mods.append(cls(_mask_topology(mask), 0, gain=gain, generator=gen, init=init))
        if not last:
            mods.append(nn.ReLU())
    model = nn.Sequential(*mods)
    if device is not None:
        model = model.to(device)
    return model


def _mask_topology(mask):
    """A one-layer Topology ``(in, out)`` from a torch mask ``(out, in)``."""
    import scipy.sparse as sp

    from ..topology import Topology

    return Topology([sp.csr_array(mask.detach().cpu().numpy().T)])
