"""NumPy masks, SciPy formats, DLPack and the RadiX-Net block (BSR) structure."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import topologies

import topogen
from topogen import TopogenError, Topology
from topogen.export import (
    block_permutations,
    block_structure,
    to_bsr,
    to_dlpack,
    to_numpy_masks,
    to_scipy,
)


def _dense(t):
    """Independent oracle: the dense 0/1 matrices from the edge list of each layer."""
    out = []
    for layer in t.layers:
        m = np.zeros(layer.shape, dtype=int)
        coo = sp.coo_array(layer)
        for r, c in zip(coo.row.tolist(), coo.col.tolist()):
            m[r, c] += 1
        out.append(m)
    return out


@settings(max_examples=60, deadline=None)
@given(topologies(), st.sampled_from([bool, np.float32, np.float64, np.int8, np.uint16]))
def test_numpy_masks_match_oracle_in_both_layouts(t, dtype):
    oracle = _dense(t)
    for layout, flip in (("in_out", False), ("out_in", True)):
        masks = to_numpy_masks(t, dtype, layout=layout)
        for m, want in zip(masks, oracle):
            assert m.dtype == np.dtype(dtype)
            assert m.flags.c_contiguous and m.flags.writeable
            np.testing.assert_array_equal(m.astype(int), want.T if flip else want)


@settings(max_examples=60, deadline=None)
@given(topologies(), st.sampled_from(["csr", "csc", "coo", "bsr"]),
       st.sampled_from(["in_out", "out_in"]))
def test_scipy_formats_hold_every_edge_once(t, fmt, layout):
    mats = to_scipy(t, fmt, np.float32, layout=layout,
                    blocksize=(1, 1) if fmt == "bsr" else None)
    for m, want in zip(mats, _dense(t)):
        assert m.format == fmt
        assert isinstance(m, sp.sparray)
        want = want.T if layout == "out_in" else want
        assert m.shape == want.shape
        np.testing.assert_array_equal(m.toarray(), want)
        assert m.nnz == want.sum()  # no duplicates, no stored zeros
        if fmt in ("csr", "csc"):
            assert m.has_sorted_indices


def test_scipy_copies_are_independent_of_the_topology():
    t = topogen.radix_net([[2, 2]], [1, 1, 1])
    m = to_scipy(t)[0]
    m.data[:] = False
    m.indices[0] = 3
    assert t.layers[0].data.all() and t == topogen.radix_net([[2, 2]], [1, 1, 1])


def test_argument_errors():
    t = topogen.radix_net([[2, 2]], [1, 1, 1])
    with pytest.raises(TopogenError, match="layout"):
        to_numpy_masks(t, layout="oi")
    with pytest.raises(TopogenError, match="dtype"):
        to_numpy_masks(t, dtype=str)
    with pytest.raises(TopogenError, match="max_entries"):
        to_numpy_masks(t, max_entries=31)
    with pytest.raises(TopogenError, match="format"):
        to_scipy(t, "dok")
    with pytest.raises(TopogenError, match="blocksize"):
        to_scipy(t, "csr", blocksize=(2, 2))
    with pytest.raises(TopogenError, match="must divide"):
        to_scipy(t, "bsr", blocksize=(3, 1))
    with pytest.raises(TopogenError, match="Topology"):
        to_numpy_masks([np.eye(2)])


def test_dlpack_consumers_share_memory():
    torch = pytest.importorskip("torch")
    t = topogen.radix_net([[2, 2]], [1, 2, 1])
    arrays = to_dlpack(t)
    for a, layer in zip(arrays, t.layers):
        x = torch.from_dlpack(a)
        np.testing.assert_array_equal(x.numpy(), layer.toarray())
        a[0, 0] = 7.0  # shared memory, not a copy
        assert x[0, 0].item() == 7.0
        np.testing.assert_array_equal(np.from_dlpack(a), a)


# ---------------------------------------------------------------------------- blocks
def test_block_permutations_definition():
    for n_base, b in [(4, 3), (5, 1), (1, 6), (6, 4)]:
        (perm,) = block_permutations([n_base * b], [b])
        for r in range(n_base):
            for c in range(b):
                assert perm[r * b + c] == c * n_base + r
        assert sorted(perm.tolist()) == list(range(n_base * b))
    with pytest.raises(TopogenError, match="divide"):
        block_permutations([6], [4])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(2, 3), min_size=1, max_size=3), st.data())
def test_radix_net_blocks_are_dense_after_relabelling(radices, data):
    widths = data.draw(st.lists(st.integers(1, 3), min_size=len(radices) + 1,
                                max_size=len(radices) + 1))
    net = topogen.radix_net([radices], widths)
    s = block_structure(net)
    assert s.blocks == tuple(widths)
    assert s.base == topogen.radix_net([radices], [1] * len(widths))
    permuted = net.permute(s.perms)
    for i, (layer, base) in enumerate(zip(permuted.layers, s.base.layers)):
        want = np.kron(base.toarray().astype(int), np.ones((widths[i], widths[i + 1]), int))
        np.testing.assert_array_equal(layer.toarray().astype(int), want)
        np.testing.assert_array_equal(net.permute(s.perms).permute(s.inverse).layers[i]
                                      .toarray(), net.layers[i].toarray())
    for i, b in enumerate(to_bsr(net, structure=s)):
        assert b.blocksize == (widths[i], widths[i + 1])
        assert b.nnz == net.layers[i].nnz  # every stored block entry is an edge
        np.testing.assert_array_equal(b.toarray(), permuted.layers[i].toarray())
    for i, b in enumerate(to_bsr(net, layout="out_in")):
        assert b.blocksize == (widths[i + 1], widths[i])
        np.testing.assert_array_equal(b.toarray(), permuted.layers[i].toarray().T)


def test_block_structure_without_meta_finds_kron_blocks():
    base = topogen.radix_net([[2, 2]], [1, 1, 1])
    plain = Topology([layer.toarray() for layer in base.kron([2, 3, 2]).layers])
    assert plain.meta == {}
    s = block_structure(plain)
    # at least the Kronecker widths (the last radix-2 layer, nu = 2, has 2x2 blocks itself)
    assert all(b % k == 0 for b, k in zip(s.blocks, (2, 3, 2))), s.blocks
    assert s.base.kron(s.blocks) == plain
    assert block_structure(plain, blocks=[2, 3, 2]).base == base
    # a topology with no block structure gets blocks of 1 and identity permutations
    t = Topology([np.array([[1, 0, 1], [0, 1, 1]])])
    s = block_structure(t)
    assert s.blocks == (1, 1) and all(np.array_equal(p, np.arange(len(p))) for p in s.perms)
    with pytest.raises(TopogenError, match="do not describe"):
        block_structure(t, blocks=[2, 1])
