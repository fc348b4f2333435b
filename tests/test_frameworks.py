"""PyTorch, JAX and TensorFlow adapters: masks, pruning end to end, sparse tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import topologies

import topogen
from topogen import TopogenError, Topology
from topogen.export import (
    apply_to_torch,
    block_structure,
    to_jax_bcoo,
    to_tf_sparse,
    to_torch_masks,
    to_torch_sparse,
    to_torch_sparse_linear,
)
from topogen.topology import trusted

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Sparse (CSR|BSR) tensor support is in beta")


def _model(widths):
    mods = []
    for i in range(len(widths) - 1):
        mods += [torch.nn.Linear(widths[i], widths[i + 1]), torch.nn.ReLU()]
    return torch.nn.Sequential(*mods[:-1])


# ---------------------------------------------------------------------------- masks
@settings(max_examples=40, deadline=None)
@given(topologies())
def test_torch_masks_are_transposed_layers(t):
    masks = to_torch_masks(t)
    assert len(masks) == t.depth
    for mask, layer in zip(masks, t.layers):
        assert mask.dtype == torch.bool
        assert tuple(mask.shape) == (layer.shape[1], layer.shape[0])
        np.testing.assert_array_equal(mask.numpy(), layer.toarray().T)


def test_torch_masks_device_and_cap():
    t = topogen.radix_net([[2, 2]], [1, 1, 1])
    assert to_torch_masks(t, device="cpu")[0].device.type == "cpu"
    with pytest.raises(TopogenError, match="device"):
        to_torch_masks(t, device="no-such-device")
    with pytest.raises(TopogenError, match="max_entries"):
        to_torch_masks(t, max_entries=10)


# ---------------------------------------------------------------------------- pruning
def test_apply_to_torch_training_keeps_masked_weights_zero():
    torch.manual_seed(0)
    net = topogen.radix_net([[2, 2, 2]], [2, 3, 2, 1])  # widths 16, 24, 16, 8
    model = _model(net.widths)
    mods = apply_to_torch(model, net)
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    x = torch.randn(32, net.widths[0])
    y = torch.randn(32, net.widths[-1])
    before = [m.weight.detach().clone() for m in mods]
    for _ in range(3):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    for mod, layer, w0 in zip(mods, net.layers, before):
        w = mod.weight.detach()
        allowed = torch.from_numpy(layer.toarray().T)
        assert torch.all(w[~allowed] == 0)  # exactly zero, not just small
        assert not torch.equal(w[allowed], w0[allowed])  # the edges did train
        assert torch.count_nonzero(w) == layer.nnz  # (with probability 1)
        assert torch.equal(mod.weight_mask, allowed)


def test_apply_to_torch_checks_shapes_before_touching_anything():
    net = topogen.radix_net([[2, 2]], [1, 1, 1])
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 5))
    with pytest.raises(TopogenError, match=r"nn.Linear number 1 .*\(5, 4\).*\(4, 4\)"):
        apply_to_torch(model, net)
    assert not hasattr(model[0], "weight_mask")  # the first module was left alone
    with pytest.raises(TopogenError, match=r"3 nn\.Linear layers but the topology has depth 2"):
        apply_to_torch(_model((4, 4, 4, 4)), net)
    with pytest.raises(TopogenError, match=r"torch\.nn\.Module"):
        apply_to_torch("model", net)
    with pytest.raises(TopogenError, match="Topology"):
        apply_to_torch(model, "net")


def test_apply_to_torch_list_of_linears_and_non_square():
    t = Topology([np.array([[1, 0, 1], [0, 1, 1]], dtype=bool)])
    lin = torch.nn.Linear(2, 3)
    apply_to_torch([lin], t)
    np.testing.assert_array_equal((lin.weight != 0).numpy(), t.layers[0].toarray().T)


# ---------------------------------------------------------------------------- sparse torch
def _masked_dense(t, weights):
    return [w * torch.from_numpy(layer.toarray().T).to(w.dtype)
            for w, layer in zip(weights, t.layers)]


@pytest.mark.parametrize("layout", ["csr", "coo", "bsr"])
def test_torch_sparse_multiplies_like_masked_dense(layout):
    torch.manual_seed(1)
    net = topogen.radix_net([[2, 3], [3]], [2, 4, 2, 3])  # Kronecker widths 2, 4, 2, 3
    weights = [torch.randn(n_out, n_in, dtype=torch.float64)
               for n_in, n_out in zip(net.widths[:-1], net.widths[1:])]
    sparse = to_torch_sparse(net, layout, weights=weights)
    dense = _masked_dense(net, weights)
    x = torch.randn(5, net.widths[0], dtype=torch.float64)
    if layout == "bsr":  # BSR is of the relabelled net: map inputs in and outputs back
        s = block_structure(net)
        y_sparse = x[:, torch.from_numpy(s.perms[0])]
        for W in sparse:
            assert W.layout == torch.sparse_bsr
            y_sparse = (W @ y_sparse.T).T
        y_sparse = y_sparse[:, torch.from_numpy(s.inverse[-1])]
        for i, W in enumerate(sparse):  # square g x g blocks, every stored value an edge
            g = math.gcd(s.blocks[i + 1], s.blocks[i])
            assert W.values().shape[1:] == (g, g)
            assert W.values().numel() == net.layers[i].nnz
    else:
        y_sparse = x
        for W in sparse:
            assert W.layout == (torch.sparse_csr if layout == "csr" else torch.sparse_coo)
            assert W._nnz() == (W.values().numel())
            y_sparse = (W @ y_sparse.T).T
    y_dense = x
    for W in dense:
        y_dense = y_dense @ W.T
    torch.testing.assert_close(y_sparse, y_dense)


@pytest.mark.parametrize("layout", ["csr", "bsr"])
def test_sparse_linear_forward_backward_match_masked_dense(layout):
    torch.manual_seed(3)
    net = topogen.radix_net([[2, 4], [2]], [2, 4, 4, 2])
    mods = to_torch_sparse_linear(net, layout, seed=4, dtype=torch.float64)
    assert sum(m.values.numel() for m in mods) == net.nnz  # one parameter per edge
    s = block_structure(net)

    def original_order(i, vec):
        """A BSR module's bias (block order, except the last module's) in neuron order."""
        if layout == "csr" or i == net.depth - 1:
            return vec
        return vec[torch.from_numpy(s.inverse[i + 1])]

    # the same network as masked dense nn.Linear layers with the same weights and biases
    dense = []
    for i, (mod, layer) in enumerate(zip(mods, net.layers)):
        with torch.no_grad():
            mod.bias.uniform_(-1, 1)
        W = mod.weight().to_dense()
        if mod.layout == "bsr":  # relabelled order -> original order
            W = W[torch.from_numpy(s.inverse[i + 1])][:, torch.from_numpy(s.inverse[i])]
        mask = torch.from_numpy(layer.toarray().T)
        assert torch.all(W[~mask] == 0)
        lin = torch.nn.Linear(*layer.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(W)
            lin.bias.copy_(original_order(i, mod.bias))
        apply_to_torch(lin, trusted([layer]))
        dense.append(lin)
    x = torch.randn(6, net.widths[0], dtype=torch.float64, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    ys, yd = x, x2
    for k, (ms, md) in enumerate(zip(mods, dense)):
        ys, yd = ms(ys), md(yd)
        if k < len(mods) - 1:
            ys, yd = torch.tanh(ys), torch.tanh(yd)
    torch.testing.assert_close(ys, yd)
    ys.square().sum().backward()
    yd.square().sum().backward()
    torch.testing.assert_close(x.grad, x2.grad)
    for i, (ms, md) in enumerate(zip(mods, dense)):
        torch.testing.assert_close(original_order(i, ms.bias.grad), md.bias.grad)
        make = torch.sparse_csr_tensor if ms.layout == "csr" else torch.sparse_bsr_tensor
        g_sparse = make(ms.crow, ms.col, ms.values.grad, ms.shape, check_invariants=True)
        g_dense = md.weight_orig.grad * md.weight_mask
        g = g_sparse.to_dense()
        if ms.layout == "bsr":
            g = g[torch.from_numpy(s.inverse[i + 1])][:, torch.from_numpy(s.inverse[i])]
        torch.testing.assert_close(g, g_dense)


@pytest.mark.parametrize("layout", ["csr", "bsr"])
def test_sparse_linear_init_rule_gain_and_dense_view(layout):
    rng = np.random.default_rng(5)  # one layer with in-degrees 0 .. 12
    net = topogen.radix_net([[2, 3]], [2, 2, 2]).slice(0, 1) if layout == "bsr" else Topology(
        [rng.random((12, 9)) < np.linspace(0.0, 1.0, 9)])
    mask = torch.from_numpy(net.layers[0].toarray().T)
    d = mask.sum(dim=1, keepdim=True).clamp(min=1).double()
    plain, = to_torch_sparse_linear(net, layout, seed=7, dtype=torch.float64)
    he, = to_torch_sparse_linear(net, layout, seed=7, dtype=torch.float64, gain=2 ** 0.5)
    w0, w1 = plain.weight_dense(), he.weight_dense()  # original neuron order (permute_io)
    assert torch.equal(w0 != 0, mask) and torch.equal(w1 != 0, mask)
    assert torch.all(w0.abs() <= 1 / d.sqrt()) and torch.all(w1.abs() <= (6 / d).sqrt())
    torch.testing.assert_close(w1, w0 * 6 ** 0.5)  # the same draws, scaled by gain * sqrt(3)
    assert plain.n_params == net.nnz + net.widths[1]
    g = 1 if layout == "csr" else math.gcd(*block_structure(net).blocks)
    assert plain.blocksize == (g, g) and (layout == "csr" or g > 1)
    x = torch.randn(4, net.widths[0], dtype=torch.float64)
    torch.testing.assert_close(he(x), x @ w1.T + he.bias)
    for bad in (0, -1.0, float("nan"), True, "2"):
        with pytest.raises(TopogenError, match="gain must be a positive number"):
            to_torch_sparse_linear(net, layout, gain=bad)


def test_torch_sparse_errors():
    net = topogen.radix_net([[2, 2]], [1, 1, 1])
    with pytest.raises(TopogenError, match="layout"):
        to_torch_sparse(net, "csc")
    with pytest.raises(TopogenError, match="one matrix per layer"):
        to_torch_sparse(net, weights=[torch.ones(4, 4)])
    with pytest.raises(TopogenError, match=r"weights\[1\] has shape \(3, 4\)"):
        to_torch_sparse(net, weights=[torch.ones(4, 4), torch.ones(3, 4)])
    with pytest.raises(TopogenError, match="blocksize"):
        to_torch_sparse(net, "csr", blocksize=(2, 2))
    W = to_torch_sparse(net, "bsr", blocksize=(2, 2), relabel=False)[0]  # as it is
    np.testing.assert_array_equal(W.to_dense().numpy() != 0, net.layers[0].toarray().T)


def test_missing_framework_names_the_extra(monkeypatch):
    import importlib

    real = importlib.import_module

    def fake(name, *args):
        if name.split(".")[0] in ("jax", "tensorflow"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    net = topogen.radix_net([[2]], [1, 1])
    with pytest.raises(ImportError, match=r"needs jax.*topogen\[jax\]"):
        to_jax_bcoo(net)
    with pytest.raises(ImportError, match=r"needs tensorflow.*topogen\[tensorflow\]"):
        to_tf_sparse(net)


# ---------------------------------------------------------------------------- jax / tf
def test_jax_bcoo_matches_layers_and_multiplies():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    net = topogen.radix_net([[2, 3]], [2, 1, 2])
    x = np.random.default_rng(0).standard_normal((4, net.widths[0])).astype(np.float32)
    y_sparse, y_dense = jnp.asarray(x), x
    for W, Wt, layer in zip(to_jax_bcoo(net), to_jax_bcoo(net, layout="out_in"), net.layers):
        assert W.shape == layer.shape and int(W.nse) == layer.nnz
        np.testing.assert_array_equal(np.asarray(W.todense()) != 0, layer.toarray())
        np.testing.assert_array_equal(np.asarray(Wt.todense()) != 0, layer.toarray().T)
        y_sparse = y_sparse @ W
        y_dense = y_dense @ layer.toarray().astype(np.float32)
    np.testing.assert_allclose(np.asarray(y_sparse), y_dense, rtol=1e-5)
    # jit-able: the sparse matmul compiles
    f = jax.jit(lambda v, M: v @ M)
    W0 = to_jax_bcoo(net)[0]
    np.testing.assert_allclose(np.asarray(f(jnp.asarray(x), W0)),
                               x @ net.layers[0].toarray().astype(np.float32), rtol=1e-5)


def test_tensorflow_sparse_tensor_in_keras_kernel_layout():
    tf = pytest.importorskip("tensorflow", reason="tensorflow is not installed here")
    net = topogen.radix_net([[2, 3]], [2, 1, 2])
    x = np.random.default_rng(0).standard_normal((4, net.widths[0])).astype(np.float32)
    y = tf.constant(x)
    for W, layer in zip(to_tf_sparse(net), net.layers):
        assert tuple(W.dense_shape.numpy()) == layer.shape
        np.testing.assert_array_equal(tf.sparse.to_dense(W).numpy() != 0, layer.toarray())
        y = tf.sparse.sparse_dense_matmul(y, W)
    want = x
    for layer in net.layers:
        want = want @ layer.toarray().astype(np.float32)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5)
    # the mask fits a Keras Dense kernel (in, out)
    dense = tf.keras.layers.Dense(net.widths[1], use_bias=False)
    dense.build((None, net.widths[0]))
    assert tuple(dense.kernel.shape) == net.layers[0].shape
