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

import math

import torch
from torch import nn

from .._checks import TopogenError

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


class SparseLinear(nn.Module):
    """A linear layer whose weight is a real ``torch.sparse_csr`` tensor ``(out, in)``.

    Only the ``nnz`` edge values are stored and trained (``self.values``); the pattern
    (``crow``, ``col``) is fixed and comes from :func:`topogen.export.to_torch_sparse`.  The
    forward pass is ``(W @ x.T).T + b``, differentiable in ``values`` and ``x``; it uses only
    generic torch sparse-CSR calls, so it runs on the CPU and on CUDA alike.  Initialisation
    is the same real-fan-in rule as :class:`MaskedLinear`.

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
        super().__init__()
        from ..export import to_torch_sparse
        from ..topology import Topology

        layer = topology.layers[index]
        w = to_torch_sparse(Topology._trusted([layer]), "csr")[0]
        self.in_features, self.out_features = layer.shape
        self.register_buffer("crow", w.crow_indices().clone())
        self.register_buffer("col", w.col_indices().clone())
        counts = self.crow[1:] - self.crow[:-1]
        bound = gain * torch.sqrt(3.0 / counts.to(torch.float32).clamp(min=1.0))
        per_value = torch.repeat_interleave(bound, counts)
        u = torch.rand(per_value.shape, generator=generator)
        self.values = nn.Parameter((2 * u - 1) * per_value)
        self.bias = nn.Parameter(torch.zeros(self.out_features))
        if device is not None:
            self.to(device)

    def weight_sparse(self):
        """The weight as a ``torch.sparse_csr`` tensor ``(out, in)`` sharing ``values``."""
        return torch.sparse_csr_tensor(
            self.crow, self.col, self.values, size=(self.out_features, self.in_features),
            check_invariants=False,
        )

    def forward(self, x):
        return (self.weight_sparse() @ x.T).T + self.bias

    @property
    def n_params(self) -> int:
        """Stored weights plus biases."""
        return self.values.numel() + self.bias.numel()


#: Above this fraction of stored blocks, the block gradients are read off the dense product
#: ``grad_y.T @ x`` (one BLAS call); below it they are batched block products.  Measured on
#: a CPU: the dense product wins down to about 1/32 (benchmarks/bench_sparse_layer.py).
DENSE_BLOCK_GRAD_ABOVE = 1 / 32


def _block_grad(grad_y, x, rows, col, r, c, n_out, n_in):
    """Gradient of the BSR block values: ``(grad_y.T @ x)`` restricted to the stored blocks."""
    b = grad_y.shape[0]
    if len(rows) * r * c > DENSE_BLOCK_GRAD_ABOVE * n_out * n_in:
        full = (grad_y.T @ x).reshape(n_out // r, r, n_in // c, c)
        return full[rows, :, col, :]
    g = grad_y.reshape(b, n_out // r, r)[:, rows]  # (B, nnzb, r)
    xs = x.reshape(b, n_in // c, c)[:, col]  # (B, nnzb, c)
    return torch.einsum("bkr,bkc->krc", g, xs)


class _BsrMatmul(torch.autograd.Function):
    """``y = (W @ x.T).T`` for a BSR ``W``; the backward pass uses a BSR ``W.T`` built once.

    torch 2.x has no CPU kernel for the transposed (BSC) product that autograd would need, so
    the gradient of ``x`` multiplies by a BSR copy of ``W.T`` (same blocks, transposed and
    reordered by ``perm_t``) and the gradient of the block values is ``grad_y.T @ x`` at the
    stored blocks (:func:`_block_grad`): only generic torch calls.
    """

    @staticmethod
    def forward(ctx, values, x, crow, col, rows, crow_t, col_t, perm_t, shape):
        n_out, n_in = shape
        w = torch.sparse_bsr_tensor(crow, col, values, size=(n_out, n_in), check_invariants=False)
        ctx.save_for_backward(values, x, col, rows, crow_t, col_t, perm_t)
        ctx.shape = shape
        return (w @ x.T).T

    @staticmethod
    def backward(ctx, grad_y):
        values, x, col, rows, crow_t, col_t, perm_t = ctx.saved_tensors
        n_out, n_in = ctx.shape
        r, c = values.shape[1:]
        grad_values = grad_x = None
        if ctx.needs_input_grad[1]:
            wt = torch.sparse_bsr_tensor(crow_t, col_t, values[perm_t].transpose(1, 2),
                                         size=(n_in, n_out), check_invariants=False)
            grad_x = (wt @ grad_y.T).T
        if ctx.needs_input_grad[0]:
            grad_values = _block_grad(grad_y, x, rows, col, r, c, n_out, n_in)
        return grad_values, grad_x, None, None, None, None, None, None, None


class BlockSparseLinear(nn.Module):
    """A linear layer stored as a real ``torch.sparse_bsr`` tensor of dense blocks.

    The layer's neurons are first relabelled by :func:`topogen.export.block_structure`
    (``b * N' + r -> r * B + b`` for a RadiX-Net, whose Kronecker copies then form dense
    ``B_out x B_in`` blocks), and the input and output are permuted back inside
    :meth:`forward`, so the layer computes the same function as :class:`SparseLinear` on the
    same topology.  Blocks are square, ``g x g`` with ``g = gcd(B_in, B_out)`` (the CPU kernel
    of torch 2.x requires square blocks).  Blocks that are not full keep a fixed 0/1 block
    mask, so the pattern stays exact.  Initialisation: the real-fan-in rule of
    :class:`MaskedLinear`.

    Examples
    --------
    >>> import topogen
    >>> layer = BlockSparseLinear(topogen.radix_net([[2, 2]], [2, 2, 2]), 0)
    >>> layer.blocksize, layer(torch.ones(3, 8)).shape
    ((2, 2), torch.Size([3, 8]))
    """

    def __init__(self, topology, index=0, *, gain=_RELU_GAIN, generator=None, device=None):
        super().__init__()
        import numpy as np

        from ..export import block_structure, to_torch_sparse
        from ..topology import Topology

        layer = topology.layers[index]
        one = Topology._trusted([layer])
        s = block_structure(one)
        b_in = b_out = math.gcd(*s.blocks)  # square blocks: MKL's CPU kernel needs them
        w = to_torch_sparse(one.permute(s.perms), "bsr", blocksize=(b_out, b_in))[0]
        self.in_features, self.out_features = layer.shape
        self.blocksize = (b_out, b_in)
        crow, col = w.crow_indices().clone(), w.col_indices().clone()
        block_mask = w.values().clone()  # (nnzb, b_out, b_in) of 0/1
        rows = torch.repeat_interleave(torch.arange(len(crow) - 1), crow[1:] - crow[:-1])
        # W.T as BSR: block (i, j) -> (j, i); perm_t lists W's blocks in W.T's CSR order
        perm_t = torch.from_numpy(np.lexsort((rows.numpy(), col.numpy())).astype(np.int64))
        col_t = rows[perm_t]
        counts_t = torch.bincount(col, minlength=self.in_features // b_in)
        crow_t = torch.cat((torch.zeros(1, dtype=torch.int64), counts_t.cumsum(0)))
        for name, t in (("crow", crow), ("col", col), ("rows", rows), ("crow_t", crow_t),
                        ("col_t", col_t), ("perm_t", perm_t), ("block_mask", block_mask),
                        ("in_perm", torch.from_numpy(np.asarray(s.perms[0], dtype=np.int64))),
                        ("out_inverse", torch.from_numpy(np.asarray(s.inverse[1],
                                                                    dtype=np.int64)))):
            self.register_buffer(name, t)
        fan_in = block_mask.sum(dim=2, keepdim=True)  # per block row; sum over blocks below
        per_row = torch.zeros(len(crow) - 1, b_out, 1).index_add_(0, rows, fan_in)
        bound = gain * torch.sqrt(3.0 / per_row.clamp(min=1.0))[rows]
        u = torch.rand(block_mask.shape, generator=generator)
        self.values = nn.Parameter((2 * u - 1) * bound * block_mask)
        self.bias = nn.Parameter(torch.zeros(self.out_features))
        if device is not None:
            self.to(device)

    def forward(self, x):
        xp = x[:, self.in_perm]
        y = _BsrMatmul.apply(self.values * self.block_mask, xp, self.crow, self.col, self.rows,
                             self.crow_t, self.col_t, self.perm_t,
                             (self.out_features, self.in_features))
        return y[:, self.out_inverse] + self.bias

    def weight_dense(self):
        """The ``(out, in)`` weight as a dense tensor in the original neuron labels."""
        w = torch.sparse_bsr_tensor(self.crow, self.col, self.values * self.block_mask,
                                    size=(self.out_features, self.in_features),
                                    check_invariants=False).to_dense()
        out = torch.empty_like(w)
        out[:, self.in_perm] = w
        return out[self.out_inverse]

    @property
    def n_params(self) -> int:
        """Weights on edges plus biases (zero entries of partial blocks not counted)."""
        return int(self.block_mask.sum()) + self.bias.numel()


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
