"""PyTorch, JAX and TensorFlow adapters: masks, pruning end to end, sparse tensors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import topogen
from topogen import TopogenError, Topology
from topogen.export import apply_to_torch, to_torch_masks

torch = pytest.importorskip("torch")


@st.composite
def topologies(draw, max_width=7, max_depth=4):
    depth = draw(st.integers(1, max_depth))
    widths = draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1))
    layers = []
    for i in range(depth):
        bits = draw(st.lists(st.booleans(), min_size=widths[i] * widths[i + 1],
                             max_size=widths[i] * widths[i + 1]))
        layers.append(np.array(bits, dtype=bool).reshape(widths[i], widths[i + 1]))
    return Topology(layers)


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
