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
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import TopogenError
from ..export.frameworks import _sparse_linear_class

__all__ = [
    "BlockSparseLinear", "MaskedLinear", "SparseLinear", "build_mlp", "init_fan_in_",
    "select_device",
]


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


def init_fan_in_(weight, mask=None, *, gain: float = 2 ** 0.5, generator=None):
    """In place: ``weight[j, k] ~ U(-b_j, b_j)``, ``b_j = gain * sqrt(3 / fan_in_j)``, masked.

    ``fan_in_j`` is the number of True entries in row ``j`` of ``mask`` (all ``in`` columns
    when ``mask`` is None); rows with no inputs get zeros.  Masked-out entries are set to 0.

    Examples
    --------
    >>> import torch
    >>> w = torch.empty(2, 4)
    >>> m = torch.tensor([[True, False, False, False], [True, True, True, True]])
    >>> _ = init_fan_in_(w, m, gain=1.0, generator=torch.Generator().manual_seed(0))
    >>> bool(w[0].abs().max() <= 3 ** 0.5) and bool((w[0, 1:] == 0).all())
    True
    """
    with torch.no_grad():
        n_out, n_in = weight.shape
        if mask is None:
            fan_in = torch.full((n_out, 1), float(n_in), device=weight.device)
        else:
            fan_in = mask.sum(dim=1, keepdim=True).to(weight.dtype)
        bound = gain * torch.sqrt(3.0 / fan_in.clamp(min=1.0))
        u = torch.rand(weight.shape, generator=generator, dtype=weight.dtype)
        weight.copy_(((2 * u - 1).to(weight.device)) * bound)
        if mask is not None:
            weight.mul_(mask.to(weight.dtype))
    return weight


_RELU_GAIN = 2 ** 0.5


class MaskedLinear(nn.Linear):
    """An ``nn.Linear`` whose weight is multiplied by a fixed boolean mask ``(out, in)``.

    The forward pass uses ``weight * mask``, so the gradient of every masked entry is exactly
    zero; the masked entries of ``weight`` are zeroed at construction and :meth:`enforce_mask`
    re-zeroes them (the trainer calls it after every optimiser step, a guard against
    optimisers that move a weight whose gradient is zero, e.g. with decoupled weight decay).
    A ``mask`` of None makes a plain dense layer with the same initialisation rule.

    Examples
    --------
    >>> m = MaskedLinear(3, 2, torch.tensor([[True, False, True], [False, True, False]]))
    >>> (m.weight[~m.mask] == 0).all().item(), m.n_params
    (True, 5)
    """

    def __init__(self, in_features, out_features, mask=None, *, gain=_RELU_GAIN,
                 generator=None):
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
        init_fan_in_(self.weight, self.mask, gain=gain, generator=generator)
        with torch.no_grad():
            self.bias.zero_()

    def forward(self, x):
        w = self.weight if self.mask is None else self.weight * self.mask
        return torch.nn.functional.linear(x, w, self.bias)

    @torch.no_grad()
    def enforce_mask(self):
        """Zero the masked weights in place."""
        if self.mask is not None:
            self.weight.mul_(self.mask)

    @property
    def n_params(self) -> int:
        """Weights that can be nonzero, plus biases."""
        n_w = self.weight.numel() if self.mask is None else int(self.mask.sum())
        return n_w + self.bias.numel()


def _one_layer_kwargs(topology, index, layout, gain, generator):
    """Constructor arguments of the export module for ``topology.layers[index]`` alone."""
    from ..export.frameworks import _sparse_linear_kwargs
    from ..topology import Topology, check_topology

    check_topology("topology", topology)
    if not -topology.depth <= index < topology.depth:
        raise TopogenError(f"index must be a layer of this depth-{topology.depth} topology "
                           f"(0 .. {topology.depth - 1}), got {index}")
    one = Topology._trusted([topology.layers[index]])
    return _sparse_linear_kwargs(
        torch, one, layout, bias=True, dtype=torch.float32, gain=gain, permute_io=True,
        uniform=lambda shape: 2 * torch.rand(shape, generator=generator) - 1)[0]


_SparseModule = _sparse_linear_class(torch)


class SparseLinear(_SparseModule):
    """A linear layer whose weight is a real ``torch.sparse_csr`` tensor ``(out, in)``.

    The module of :func:`topogen.export.to_torch_sparse_linear` (``layout="csr"``) for one
    layer of a topology: only the ``nnz`` edge values are stored and trained
    (``self.values``) on the fixed pattern (``crow``, ``col``); forward and backward are
    sparse (transposed CSR for the input gradient, ``torch.sparse.sampled_addmm`` for the
    value gradient) and use only generic torch calls, so they run on the CPU and on CUDA
    alike.  Initialisation is the real-fan-in rule of :class:`MaskedLinear` (``gain``).

    Parameters
    ----------
    topology : Topology
        The layer comes from ``topology.layers[index]``.
    index : int
    gain : float
    generator : torch.Generator, optional
    device : torch.device, optional

    Examples
    --------
    >>> import topogen
    >>> layer = SparseLinear(topogen.radix_net([[2, 2]], [1, 2, 1]), 0)
    >>> layer(torch.ones(3, 4)).shape, layer.n_params
    (torch.Size([3, 8]), 24)
    """

    def __init__(self, topology, index=0, *, gain=_RELU_GAIN, generator=None, device=None):
        super().__init__(**_one_layer_kwargs(topology, index, "csr", gain, generator))
        if device is not None:
            self.to(device)

    def weight_sparse(self):
        """The weight as a ``torch.sparse_csr`` tensor ``(out, in)`` sharing ``values``."""
        return self.weight()


class BlockSparseLinear(_SparseModule):
    """A linear layer stored as a real ``torch.sparse_bsr`` tensor of dense blocks.

    The module of :func:`topogen.export.to_torch_sparse_linear` (``layout="bsr"``) for one
    layer of a topology.  The layer's neurons are relabelled by
    :func:`topogen.export.block_structure` (``b * N' + r -> r * B + b`` for a RadiX-Net,
    whose Kronecker copies then form dense ``B_out x B_in`` blocks), and the input and output
    are permuted back inside ``forward`` (``in_perm``, ``out_inverse``), so the layer
    computes the same function as :class:`SparseLinear` on the same topology.  Blocks are
    square, ``g x g`` with ``g = gcd(B_in, B_out)`` (the CPU kernel of torch 2.x requires
    square blocks), and every stored value is an edge.  Initialisation: the real-fan-in rule
    of :class:`MaskedLinear`.

    Examples
    --------
    >>> import topogen
    >>> layer = BlockSparseLinear(topogen.radix_net([[2, 2]], [2, 2, 2]), 0)
    >>> layer.blocksize, layer(torch.ones(3, 8)).shape
    ((2, 2), torch.Size([3, 8]))
    """

    def __init__(self, topology, index=0, *, gain=_RELU_GAIN, generator=None, device=None):
        super().__init__(**_one_layer_kwargs(topology, index, "bsr", gain, generator))
        if device is not None:
            self.to(device)


def build_mlp(widths, masks, *, seed: int = 0, device=None):
    """The verifier's MLP: ``MaskedLinear`` layers with ReLU between them.

    Parameters
    ----------
    widths : sequence of int
        ``n_0 .. n_L``.
    masks : sequence of (torch.bool tensor or None)
        One per layer, ``(n_(i+1), n_i)`` (``nn.Linear`` layout); None = dense layer.
    seed : int
        Seeds the initialisation (a private ``torch.Generator``, so results repeat).
    device : torch.device, optional

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
        mods.append(MaskedLinear(widths[i], widths[i + 1], masks[i], gain=gain, generator=gen))
        if not last:
            mods.append(nn.ReLU())
    model = nn.Sequential(*mods)
    if device is not None:
        model = model.to(device)
    return model
