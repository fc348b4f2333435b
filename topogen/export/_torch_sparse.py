"""The sparse torch layer of :func:`topogen.export.to_torch_sparse_linear`, at module level.

Importing this module imports torch, so :mod:`topogen.export.frameworks` imports it inside
the functions that need it (``import topogen`` stays light).  ``SparseLinear`` keeps a
trainable ``values`` parameter on a Topology layer's edges and multiplies through torch's
sparse CSR or BSR kernels; the backward pass is topogen's own (two autograd functions), as
torch cannot differentiate through BSR on the CPU.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

__all__ = ["SparseLinear"]

# every tensor here is built from valid indices: skip torch's invariant checks
_csr = functools.partial(torch.sparse_csr_tensor, check_invariants=False)
_bsr = functools.partial(torch.sparse_bsr_tensor, check_invariants=False)


class _SparseMatmul(torch.autograd.Function):
    """Forward ``y = x @ W.T`` with ``W = make(crow, col, values)``; subclasses say how."""

    @classmethod
    def forward(cls, ctx, x, values, mod):
        W = cls.make(mod.crow, mod.col, values, mod.shape)
        ctx.save_for_backward(x, values)
        ctx.mod = mod
        return (W @ x.T).T


class _BsrMatmul(_SparseMatmul):
    """``y = x @ W.T`` for a BSR ``W`` given by block values; backward in BSR too.

    torch's CPU kernels multiply BSR by dense but cannot differentiate through it, so
    the input gradient uses the transposed BSR matrix and the block gradients are
    ``grad_y.T @ x`` sampled at the edges (``torch.sparse.sampled_addmm`` on the
    element-level pattern), reordered into blocks.
    """

    make = staticmethod(_bsr)

    @staticmethod
    def backward(ctx, grad_y):
        x, values = ctx.saved_tensors
        mod = ctx.mod
        grad_x = grad_values = None
        grad_t = grad_y.T.contiguous()
        if ctx.needs_input_grad[0]:
            vt = values[mod.t_perm].transpose(1, 2).contiguous()
            Wt = _bsr(mod.t_crow, mod.t_col, vt, mod.shape[::-1])
            grad_x = (Wt @ grad_t).T
        if ctx.needs_input_grad[1]:  # grad_y.T @ x at the edges, then into blocks
            pattern = _csr(
                mod.e_crow, mod.e_col, values.new_zeros(len(mod.e_col)), mod.shape)
            sampled = torch.sparse.sampled_addmm(
                pattern, grad_t, x.contiguous(), beta=0.0).values()
            grad_values = sampled[mod.e_inverse].reshape(values.shape)
        return grad_x, grad_values, None


class _CsrMatmul(_SparseMatmul):
    """``y = x @ W.T`` for a CSR ``W`` given by its values; sparse in both directions.

    The input gradient multiplies by the transposed CSR matrix and the value gradient
    is ``grad_y.T @ x`` sampled at the edges (``torch.sparse.sampled_addmm``), so no
    dense ``(out, in)`` matrix is ever formed.
    """

    make = staticmethod(_csr)

    @staticmethod
    def backward(ctx, grad_y):
        x, values = ctx.saved_tensors
        mod = ctx.mod
        grad_x = grad_values = None
        grad_t = grad_y.T.contiguous()
        if ctx.needs_input_grad[0]:
            Wt = _csr(mod.t_crow, mod.t_col, values[mod.t_perm], mod.shape[::-1])
            grad_x = (Wt @ grad_t).T
        if ctx.needs_input_grad[1]:
            pattern = _csr(mod.crow, mod.col, torch.zeros_like(values), mod.shape)
            grad_values = torch.sparse.sampled_addmm(
                pattern, grad_t, x.contiguous(), beta=0.0).values()
        return grad_x, grad_values, None


class SparseLinear(nn.Module):
    """A linear layer whose weight lives only on a Topology layer's edges.

    ``forward(x)`` is ``x @ W.T + bias`` with ``W`` a ``torch.sparse_csr`` or
    ``sparse_bsr`` tensor of shape ``(out, in)`` rebuilt from the trainable ``values``
    parameter (one per edge, or one ``g x g`` block per nonzero block), so gradients
    reach only the edges.  A BSR layer works in the relabelled neuron order of
    :func:`topogen.export.block_structure`; ``in_perm`` / ``out_inverse`` (if set)
    map the caller's order in and out.  Built by :func:`to_torch_sparse_linear`; the
    verifier's ``topogen.verify.SparseLinear`` / ``BlockSparseLinear`` subclass it.
    """

    def __init__(self, crow, col, values, shape, layout, bias, block=1,
                 in_perm=None, out_inverse=None):
        super().__init__()
        self.layout = layout
        self.shape = tuple(shape)
        self.in_features, self.out_features = shape[1], shape[0]
        self.block = block
        self.register_buffer("crow", crow)
        self.register_buffer("col", col)
        self.values = nn.Parameter(values)
        self.bias = nn.Parameter(torch.zeros(shape[0], dtype=values.dtype,
                                             device=values.device)) if bias else None
        self.register_buffer("in_perm", in_perm)
        self.register_buffer("out_inverse", out_inverse)
        # the structure of the transpose, for the backward pass (of blocks for BSR)
        brow = torch.repeat_interleave(
            torch.arange(len(crow) - 1, device=crow.device), crow.diff())
        if layout == "bsr":  # element-level CSR of the blocks, for the weight gradient
            g = block
            i = torch.arange(g, device=crow.device)
            e_rows = (brow[:, None, None] * g + i[None, :, None]).expand(-1, g, g)
            e_cols = (col[:, None, None] * g + i[None, None, :]).expand(-1, g, g)
            e_rows, e_cols = e_rows.reshape(-1), e_cols.reshape(-1)
            e_order = torch.argsort(e_rows * shape[1] + e_cols)
            self.register_buffer("e_crow", torch.cat([crow.new_zeros(1), torch.bincount(
                e_rows, minlength=shape[0]).cumsum(0)]))
            self.register_buffer("e_col", e_cols[e_order])
            self.register_buffer("e_inverse", torch.argsort(e_order))
        order = torch.argsort(col * (len(crow) - 1) + brow)
        t_counts = torch.bincount(col, minlength=shape[1] // block)
        self.register_buffer("t_perm", order)
        self.register_buffer("t_crow", torch.cat([crow.new_zeros(1), t_counts.cumsum(0)]))
        self.register_buffer("t_col", brow[order])

    @property
    def blocksize(self) -> tuple:
        """The block shape of ``values`` (``(1, 1)`` for CSR)."""
        return (self.block, self.block)

    @property
    def n_params(self) -> int:
        """Stored weights (every one an edge) plus biases."""
        return self.values.numel() + (0 if self.bias is None else self.bias.numel())

    def weight(self):
        """The current sparse weight ``(out, in)`` (a new tensor sharing ``values``)."""
        make = _csr if self.layout == "csr" else _bsr
        return make(self.crow, self.col, self.values, self.shape)

    def weight_dense(self):
        """The dense ``(out, in)`` weight in the neuron order ``forward`` reads and writes.

        For BSR that undoes ``in_perm`` / ``out_inverse`` where they are set.
        """
        w = self.weight().to_dense()
        if self.in_perm is not None:
            out = torch.empty_like(w)
            out[:, self.in_perm] = w
            w = out
        return w if self.out_inverse is None else w[self.out_inverse]

    def forward(self, x):
        """``x @ W.T + bias``, with gradients to ``values`` (the edges) and ``bias`` only.

        Parameters
        ----------
        x : torch.Tensor
            Input of shape ``(..., in_features)``, neurons in the caller's order, on the
            layer's device and with its dtype.

        Returns
        -------
        torch.Tensor
            Output of shape ``(..., out_features)``, neurons in the caller's order.
        """
        lead = x.shape[:-1]
        x = x.reshape(-1, self.in_features)
        if self.in_perm is not None:  # index_select: its backward beats x[:, perm]'s
            x = torch.index_select(x, 1, self.in_perm)
        if self.layout == "csr":
            y = _CsrMatmul.apply(x.contiguous(), self.values, self)
        else:
            y = _BsrMatmul.apply(x.contiguous(), self.values, self)
        if self.out_inverse is not None:
            y = torch.index_select(y, 1, self.out_inverse)
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*lead, self.out_features)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"layout={self.layout}, nnz={self.values.numel()}")
